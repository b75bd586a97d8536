//go:build portaudio && cgo && linux

package portaudio

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestUSBOpensThroughALSA: a usb: name opens, through alsa-lib, the
// hw:CARD=id of the card on that port (the ALSA hardware names are files
// here, fileHW), and after the twins traded ids the reopen takes the id
// the port's card has now.
func TestUSBOpensThroughALSA(t *testing.T) {
	type card = struct {
		card int
		id   string
	}
	// Seed 1 is the audio of the card on port 1-1.2, seed 2 of 1-1.3.
	dir := routeConfig(t, 4, fileHW, map[string]int{"hw-Device-0": 1, "hw-Device_1-0": 2})
	root := t.TempDir()
	plugSys(t, root, map[string]card{"1-1.2": {1, "Device"}, "1-1.3": {2, "Device_1"}})
	logs := &logRecords{}
	src, err := openUSB(Options{Device: "usb:1-1.3", Rate: 8000, Channels: []int{0, 1, 2, 3}, MaxDrift: time.Hour, Logger: slog.New(logs)},
		USBPort{Port: "1-1.3"}, root, openALSACard)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	}()
	if _, name := streamOf(src); name != "hw:CARD=Device_1,DEV=0" || src.PCM() != name {
		t.Fatalf("opened %q (PCM %q), want hw:CARD=Device_1,DEV=0", name, src.PCM())
	}
	readsSeed(t, src, 2, []int{0, 1, 2, 3})
	if info := logs.find(slog.LevelInfo, "sound card found on its USB port"); len(info) != 1 || info[0]["id"] != "Device_1" || info[0]["card"] != "2" {
		t.Errorf("info logs %v", info)
	}

	// Replugged in the other order: the card on 1-1.3 is now "Device".
	plugSys(t, root, map[string]card{"1-1.2": {4, "Device_1"}, "1-1.3": {3, "Device"}})
	swap := func(a, b string) {
		pa, pb, tmp := filepath.Join(dir, a+".raw"), filepath.Join(dir, b+".raw"), filepath.Join(dir, "swap.raw")
		for _, mv := range [][2]string{{pa, tmp}, {pb, pa}, {tmp, pb}} {
			if err := os.Rename(mv[0], mv[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	swap("hw-Device-0", "hw-Device_1-0")
	st := reopenedOn(t, src, "hw:CARD=Device,DEV=0")
	// Its audio is the port's card's: seed 2 still.
	buf := make([]int16, 4*8)
	if err := st.Read(buf); err != nil {
		t.Fatal(err)
	}
	for i, v := range buf {
		if want := routeSample(2, i%4, i/4); v != want {
			t.Fatalf("sample %d: %d, want %d", i, v, want)
		}
	}
	if err := st.Close(); err != nil {
		t.Error(err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-audio/wav"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/hw/sim"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/auth"
)

const scenario = `
inbound  line=0 at=1s cid=bell202-mdmf number=0123456789 name=ALICE rings=1 talk=3s
outbound line=1 at=2s digits=5551234 talk=3s
`

// record makes a data directory holding the calls of a short scenario.
func record(t *testing.T) string {
	t.Helper()
	sc, err := sim.ParseScenario(strings.NewReader(scenario))
	if err != nil {
		t.Fatal(err)
	}
	bank, err := sim.New(sc, sim.Options{Lines: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := linetap.DefaultConfig()
	cfg.Lines = cfg.Lines[:2]
	e, err := linetap.New(linetap.Options{Config: cfg, Source: bank, Sensor: bank, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// serve runs the daemon's API on dir's control socket, as linetapd does.
func serve(t *testing.T, dir string) {
	t.Helper()
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	users, err := auth.New(auth.Options{KV: st})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Options{Archive: st, Auth: users, Live: noLines{}, NotFound: storage.ErrNotFound})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, socketName))
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.APIHandler()}
	go hs.Serve(ln)
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
}

type noLines struct{}

func (noLines) Lines() []linetap.LineStatus { return nil }
func (noLines) Subscribe() (<-chan []linetap.LineStatus, func()) {
	ch := make(chan []linetap.LineStatus)
	return ch, func() {}
}

func TestCallsAndAudio(t *testing.T) {
	for _, mode := range []string{"files", "daemon"} {
		t.Run(mode, func(t *testing.T) {
			dir := record(t)
			if mode == "daemon" {
				serve(t, dir) // holds the write lock: the CLI must use the socket
			}
			var out bytes.Buffer
			if err := run(context.Background(), []string{"calls", "--data", dir, "--json"}, &out, os.Stderr); err != nil {
				t.Fatal(err)
			}
			var calls []linetap.Call
			dec := json.NewDecoder(&out)
			for dec.More() {
				var c linetap.Call
				if err := dec.Decode(&c); err != nil {
					t.Fatal(err)
				}
				calls = append(calls, c)
			}
			if len(calls) != 2 {
				t.Fatalf("%d calls listed, want 2", len(calls))
			}
			if calls[0].ID < calls[1].ID {
				t.Error("not newest first")
			}
			var in *linetap.Call
			for i := range calls {
				if calls[i].Direction == linetap.Inbound {
					in = &calls[i]
				}
			}
			if in == nil || in.CallerID.Number != "0123456789" || in.CallerID.Name != "ALICE" {
				t.Fatalf("inbound call %+v", in)
			}

			wavPath := filepath.Join(t.TempDir(), "call.wav")
			out.Reset()
			if err := run(context.Background(), []string{"audio", "--data", dir, "1", wavPath}, &out, os.Stderr); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(wavPath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d := wav.NewDecoder(f)
			buf, err := d.FullPCMBuffer()
			if err != nil {
				t.Fatal(err)
			}
			if d.SampleRate != 8000 || d.BitDepth != 16 || d.NumChans != 1 {
				t.Errorf("WAV format %d Hz %d bit %d ch", d.SampleRate, d.BitDepth, d.NumChans)
			}
			var c1 linetap.Call
			for _, c := range calls {
				if c.ID == 1 {
					c1 = c
				}
			}
			if int64(len(buf.Data)) != c1.Samples {
				t.Errorf("WAV holds %d samples, call 1 has %d", len(buf.Data), c1.Samples)
			}

			// The table lists both calls.
			out.Reset()
			if err := run(context.Background(), []string{"calls", "--data", dir}, &out, os.Stderr); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "0123456789") || !strings.Contains(out.String(), "5551234") {
				t.Errorf("table:\n%s", out.String())
			}
		})
	}
}

func TestErrors(t *testing.T) {
	dir := record(t)
	for _, tc := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{}, "no command", true},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`, true},
		{[]string{"calls"}, "linetap calls --data DIR", true},
		{[]string{"audio", "--data", dir, "x", "o.wav"}, `call ID "x" is not a positive number`, true},
		{[]string{"audio", "--data", dir, "99", filepath.Join(t.TempDir(), "o.wav")}, "call 99", false},
		{[]string{"calls", "--data", filepath.Join(dir, "nope")}, "data directory", false},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			err := run(context.Background(), tc.args, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, errUsage) != tc.usage {
				t.Errorf("usage error %v, want %v", errors.Is(err, errUsage), tc.usage)
			}
		})
	}
}

func TestAudioLeavesNoFileOnFailure(t *testing.T) {
	dir := record(t)
	outDir := t.TempDir()
	err := run(context.Background(), []string{"audio", "--data", dir, "42", filepath.Join(outDir, "x.wav")}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Fatal("no error for a missing call")
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}

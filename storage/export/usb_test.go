package export_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/linetap/linetap/storage/export"
)

func TestParseMountinfo(t *testing.T) {
	f, err := os.Open("testdata/mountinfo-pi.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := export.ParseMountinfo(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 13 {
		t.Fatalf("%d mounts", len(ms))
	}
	want := export.Mount{ID: 55, Parent: 40, Device: "8:1", Root: "/", Path: "/run/media/pi/AUDIT 2026", FSType: "vfat", Source: "/dev/sda1"}
	if ms[7] != want {
		t.Fatalf("mount 8 = %+v\nwant %+v", ms[7], want)
	}
	usb := export.USBMounts(ms)
	var got []string
	for _, m := range usb {
		got = append(got, fmt.Sprintf("%s %s ro=%v", m.Path, m.FSType, m.ReadOnly))
	}
	exp := []string{
		"/run/media/pi/AUDIT 2026 vfat ro=false",
		"/media/usb1 exfat ro=true",
		"/media/backup ext4 ro=false",
	}
	if strings.Join(got, "\n") != strings.Join(exp, "\n") {
		t.Fatalf("USBMounts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
	}
}

func TestParseMountinfoErrors(t *testing.T) {
	good := "55 40 8:1 / /media/x rw - vfat /dev/sda1 rw"
	tests := []struct {
		name, text, want string
	}{
		{"few fields", "1 2 3", "line 1: want 10 or more"},
		{"no separator", "55 40 8:1 / /media/x rw a b c d", `"-"`},
		{"separator last", "55 40 8:1 / /media/x rw x - vfat", "10 or more"},
		{"id", "x 40 8:1 / /media/x rw - vfat /dev/sda1 rw", `mount ID "x"`},
		{"parent", "1 -4 8:1 / /media/x rw - vfat /dev/sda1 rw", `parent ID "-4"`},
		{"device", "55 40 81 / /media/x rw - vfat /dev/sda1 rw", `device "81"`},
		{"relative", "55 40 8:1 / media/x rw - vfat /dev/sda1 rw", "not absolute"},
		{"escape", `55 40 8:1 / /media/a\04 rw - vfat /dev/sda1 rw`, "truncated escape"},
		{"bad escape", `55 40 8:1 / /media/a\999 rw - vfat /dev/sda1 rw`, "bad escape"},
		{"second line", good + "\n\n" + "oops", "line 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := export.ParseMountinfo(strings.NewReader(tc.text))
			if !errors.Is(err, export.ErrMountinfo) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrMountinfo with %q", err, tc.want)
			}
		})
	}
}

func TestDetectUSB(t *testing.T) {
	// This machine's mounts parse; whatever sticks it has are in the list.
	ms, err := export.DetectUSB()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if !strings.HasPrefix(m.Path, "/media/") && !strings.HasPrefix(m.Path, "/run/media/") {
			t.Errorf("DetectUSB listed %+v", m)
		}
	}
}

// escape writes s as the kernel does in mountinfo.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\\':
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func FuzzParseMountinfo(f *testing.F) {
	b, err := os.ReadFile("testdata/mountinfo-pi.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add(`1 2 3:4 / /media/a\040b ro - vfat /dev/x rw`)
	f.Fuzz(func(t *testing.T, text string) {
		ms, err := export.ParseMountinfo(strings.NewReader(text))
		if err != nil {
			if !errors.Is(err, export.ErrMountinfo) {
				t.Fatalf("error %v is not ErrMountinfo", err)
			}
			return
		}
		for _, m := range ms {
			if !strings.HasPrefix(m.Path, "/") || m.FSType == "" {
				t.Fatalf("parsed %+v", m)
			}
			// Written back as the kernel would, it parses to the same.
			ro := "rw"
			if m.ReadOnly {
				ro = "ro"
			}
			if strings.ContainsAny(m.FSType, " \n\r") {
				continue
			}
			line := fmt.Sprintf("%d %d %s %s %s %s - %s %s rw", m.ID, m.Parent, m.Device, escape(m.Root), escape(m.Path), ro, m.FSType, escape(m.Source))
			back, err := export.ParseMountinfo(strings.NewReader(line))
			if err != nil || len(back) != 1 || back[0] != m {
				t.Fatalf("%q → %+v → %q → %+v, %v", text, m, line, back, err)
			}
		}
	})
}

package export

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Mount is one line of /proc/self/mountinfo (proc(5)).
type Mount struct {
	ID       int    // mount ID
	Parent   int    // parent mount ID
	Device   string // major:minor of the device
	Root     string // the directory of the filesystem mounted here
	Path     string // mount point
	ReadOnly bool   // mounted read-only ("ro" among the mount options)
	FSType   string // filesystem type: vfat, exfat, ext4, …
	Source   string // the mounted device, e.g. /dev/sda1
}

// usbTypes are the filesystems a stick for an auditor carries.
var usbTypes = map[string]bool{"vfat": true, "exfat": true, "ext4": true}

// usbRoots are where desktop automounters (udisks2) and the appliance put
// removable media.
var usbRoots = []string{"/media/", "/run/media/"}

// ParseMountinfo reads the lines of /proc/PID/mountinfo. The error names
// the first bad line and wraps ErrMountinfo.
func ParseMountinfo(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		m, err := parseMountLine(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrMountinfo, n, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMountinfo, err)
	}
	return out, nil
}

// parseMountLine parses "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3
// /dev/root rw,errors=continue" (proc(5)): five fields, mount options,
// optional fields up to "-", then type, source and superblock options.
func parseMountLine(line string) (Mount, error) {
	f := strings.Split(line, " ")
	sep := -1
	for i := 6; i < len(f); i++ {
		if f[i] == "-" {
			sep = i
			break
		}
	}
	if len(f) < 10 || sep < 0 || len(f) < sep+3 {
		return Mount{}, fmt.Errorf("want 10 or more space-separated fields with a \"-\" after the sixth, got %d", len(f))
	}
	var m Mount
	var err error
	if m.ID, err = strconv.Atoi(f[0]); err != nil || m.ID < 0 {
		return Mount{}, fmt.Errorf("mount ID %q is not a number", f[0])
	}
	if m.Parent, err = strconv.Atoi(f[1]); err != nil || m.Parent < 0 {
		return Mount{}, fmt.Errorf("parent ID %q is not a number", f[1])
	}
	maj, min, ok := strings.Cut(f[2], ":")
	if _, err := strconv.ParseUint(maj, 10, 32); !ok || err != nil {
		return Mount{}, fmt.Errorf("device %q is not major:minor", f[2])
	}
	if _, err := strconv.ParseUint(min, 10, 32); err != nil {
		return Mount{}, fmt.Errorf("device %q is not major:minor", f[2])
	}
	m.Device = f[2]
	if m.Root, err = unescapeMount(f[3]); err != nil {
		return Mount{}, fmt.Errorf("root: %v", err)
	}
	if m.Path, err = unescapeMount(f[4]); err != nil {
		return Mount{}, fmt.Errorf("mount point: %v", err)
	}
	if !strings.HasPrefix(m.Path, "/") {
		return Mount{}, fmt.Errorf("mount point %q is not absolute", m.Path)
	}
	for _, o := range strings.Split(f[5], ",") {
		if o == "ro" {
			m.ReadOnly = true
		}
	}
	m.FSType = f[sep+1]
	if m.FSType == "" {
		return Mount{}, fmt.Errorf("empty filesystem type")
	}
	if m.Source, err = unescapeMount(f[sep+2]); err != nil {
		return Mount{}, fmt.Errorf("source: %v", err)
	}
	return m, nil
}

// unescapeMount undoes the kernel's octal escapes in mountinfo paths
// (space \040, tab \011, newline \012, backslash \134).
func unescapeMount(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+4 > len(s) {
			return "", fmt.Errorf("%q: truncated escape", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+4], 8, 8)
		if err != nil {
			return "", fmt.Errorf("%q: bad escape %q", s, s[i:i+4])
		}
		b.WriteByte(byte(v))
		i += 3
	}
	return b.String(), nil
}

// USBMounts returns the mounts of ms that look like a stick an export can
// go to: a FAT (vfat), exFAT or ext4 filesystem mounted under /media or
// /run/media. Read-only ones are kept (ReadOnly says so) so the user can
// be told why the stick is not used.
func USBMounts(ms []Mount) []Mount {
	var out []Mount
	for _, m := range ms {
		if !usbTypes[m.FSType] {
			continue
		}
		for _, r := range usbRoots {
			if strings.HasPrefix(m.Path, r) && len(m.Path) > len(r) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

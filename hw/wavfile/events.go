package wavfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linetap/linetap/hw"
)

// maxLine is the highest line index a sidecar may name (hw.Format allows 64
// channels).
const maxLine = 63

// ParseEvents reads a sidecar of line events (see the package
// documentation). Each event's Time is its offset from the first frame of
// the WAV. Errors name the line number and the field at fault.
func ParseEvents(r io.Reader) ([]hw.LineEvent, error) {
	var events []hw.LineEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("%w: line %d: %d fields, want \"<seconds> <line> <kind>\"", ErrEvents, n, len(f))
		}
		t, err := parseSeconds(f[0])
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: seconds %q: %v", ErrEvents, n, f[0], err)
		}
		line, err := strconv.Atoi(f[1])
		if err != nil || line < 0 || line > maxLine || f[1] != strconv.Itoa(line) {
			return nil, fmt.Errorf("%w: line %d: line %q is not an index 0..%d", ErrEvents, n, f[1], maxLine)
		}
		kind, err := hw.ParseEventKind(f[2])
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: kind: %v", ErrEvents, n, err)
		}
		events = append(events, hw.LineEvent{Line: line, Kind: kind, Time: t})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: after line %d: %v", ErrEvents, n, err)
	}
	return events, nil
}

// parseSeconds parses a non-negative decimal number of seconds with at most
// nine fractional digits, exactly.
func parseSeconds(s string) (time.Duration, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || (dot && (frac == "" || !digits(frac))) {
		return 0, fmt.Errorf("not a decimal number like 12 or 3.25")
	}
	if len(frac) > 9 {
		return 0, fmt.Errorf("more than 9 fractional digits")
	}
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec > int64(1<<63-1)/int64(time.Second)-1 {
		return 0, fmt.Errorf("too large")
	}
	var ns int64
	if frac != "" {
		ns, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	}
	return time.Duration(sec)*time.Second + time.Duration(ns), nil
}

func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// WriteEvents writes events in the sidecar format, one per line, Time as
// exact decimal seconds; ParseEvents reads back the same events.
func WriteEvents(w io.Writer, events []hw.LineEvent) error {
	bw := bufio.NewWriter(w)
	for _, e := range events {
		if e.Time < 0 || e.Line < 0 || e.Line > maxLine || e.Kind < hw.RingOn || e.Kind > hw.PolarityReversal {
			return fmt.Errorf("%w: cannot write %+v", ErrEvents, e)
		}
		fmt.Fprintf(bw, "%s %d %s\n", formatSeconds(e.Time), e.Line, e.Kind)
	}
	return bw.Flush()
}

// formatSeconds writes d as decimal seconds without trailing zeros.
func formatSeconds(d time.Duration) string {
	s := strconv.FormatInt(int64(d/time.Second), 10)
	ns := int64(d % time.Second)
	if ns == 0 {
		return s
	}
	return s + "." + strings.TrimRight(fmt.Sprintf("%09d", ns), "0")
}

func readEventsFile(path string) (events []hw.LineEvent, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEvents, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("%w: %w", ErrEvents, cerr)
		}
	}()
	events, err = ParseEvents(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return events, nil
}

// sortEvents orders events by time, keeping the file order of equal times.
func sortEvents(events []hw.LineEvent) {
	slices.SortStableFunc(events, func(a, b hw.LineEvent) int {
		switch {
		case a.Time < b.Time:
			return -1
		case a.Time > b.Time:
			return 1
		}
		return 0
	})
}

package web_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linetap/linetap"
)

// chromiumArgs runs headless chromium until the page has been idle for the
// virtual-time budget, then prints the DOM.
var chromiumArgs = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--no-first-run", "--disable-component-update", "--disable-sync",
	"--autoplay-policy=no-user-gesture-required",
	"--virtual-time-budget=8000", "--dump-dom",
}

// findChromium returns the path of a chromium binary or fails the test.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the UI is tested in a real browser; run `apt-get install -y chromium`")
	return ""
}

// dumpDOM loads url in headless chromium and returns the serialized DOM.
func dumpDOM(t *testing.T, url string) string {
	t.Helper()
	bin := findChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	args := append(chromiumArgs, "--user-data-dir="+t.TempDir(), url)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("chromium did not finish loading %s in 40 s; stderr:\n%s", url, quiet(stderr.String()))
	}
	if err != nil {
		t.Fatalf("chromium %s: %v; stderr:\n%s", url, err, quiet(stderr.String()))
	}
	return string(out)
}

// quiet drops chromium's complaints about the missing D-Bus from its log.
func quiet(log string) string {
	var keep []string
	for l := range strings.SplitSeq(log, "\n") {
		if !strings.Contains(l, "dbus") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestBrowser(t *testing.T) {
	const callSeconds = 3.0
	calls := newFakeCalls()
	calls.add(linetap.Call{
		ID: 42, Line: 0, LineName: "Front desk", Direction: linetap.Inbound,
		State: linetap.StateComplete, Trigger: linetap.TriggerHook,
		Start: t0, End: t0.Add(3 * time.Second), Duration: 3 * time.Second,
		CallerID:   linetap.CallerID{Number: "6095551212", Name: "ACME CORP"},
		AudioStart: t0,
	}, tone(1000, -10, 3*time.Second))
	calls.add(linetap.Call{
		ID: 41, Line: 1, LineName: "Back office", Direction: linetap.Outbound,
		State: linetap.StateInterrupted, Trigger: linetap.TriggerHook,
		Start: t0.Add(-time.Hour), End: t0.Add(-time.Hour + time.Second), Duration: time.Second,
		Dialled: "18005550199", AudioStart: t0.Add(-time.Hour),
	}, tone(440, -20, time.Second))

	// Lines() says all is idle; only the subscription says line 0 rings,
	// so a ringing card proves the page rendered from the event stream.
	live := newFakeLive(
		linetap.LineStatus{Line: 0, Name: "Front desk", State: linetap.LineIdle, LevelDBm0: -100},
		linetap.LineStatus{Line: 1, Name: "Back office", State: linetap.LineIdle, LevelDBm0: -100},
	)
	live.onSubscribe = []linetap.LineStatus{
		{Line: 0, Name: "Front desk", State: linetap.LineRinging, Direction: linetap.Inbound,
			CallerID: linetap.CallerID{Number: "2125550100", Name: "JANE ROE"}, LevelDBm0: -100},
		{Line: 1, Name: "Back office", State: linetap.LineConnected, Direction: linetap.Outbound,
			Dialled: "5551234", LevelDBm0: -12},
	}
	// Every stream ends after its two snapshots, as if the engine
	// restarted, so the page must reconnect to see 4. An open stream would
	// also stop chromium's virtual clock (--virtual-time-budget), and the
	// media pipeline with it. In ?preload=1 mode the page stops
	// reconnecting once it has every player's duration and 4 snapshots.
	live.endStreams = 1 << 30
	srv := newServer(t, calls, live, nil)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()

	dom := dumpDOM(t, ts.URL+"/?preload=1&events=4")

	if !strings.Contains(dom, `data-settled="1"`) {
		t.Errorf("the page never settled (every player loaded, stream closed): %s %q",
			regexp.MustCompile(`<body[^>]*>`).FindString(dom),
			regexp.MustCompile(`<audio[^>]*>`).FindAllString(dom, -1))
	}
	cards := regexp.MustCompile(`<li class="line" data-line="(\d+)" data-state="(\w+)">`).FindAllStringSubmatch(dom, -1)
	if len(cards) != 2 {
		t.Fatalf("want 2 line cards, found %d in DOM:\n%s", len(cards), dom)
	}
	wantState := map[string]string{"0": "ringing", "1": "connected"}
	for _, c := range cards {
		if wantState[c[1]] != c[2] {
			t.Errorf("line %s: state %q, want %q (from the event stream)", c[1], c[2], wantState[c[1]])
		}
	}
	for _, want := range []string{"2125550100", "JANE ROE", "5551234", ">Ringing<", ">Connected<", "-12 dBm0"} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}

	rows := regexp.MustCompile(`<tr class="call state-(\w+)" data-call="(\d+)"[^>]*>`).FindAllStringSubmatch(dom, -1)
	if len(rows) != 2 || rows[0][2] != "42" || rows[1][2] != "41" {
		t.Fatalf("want call rows 42, 41 (newest first), found %v", rows)
	}
	if rows[1][1] != "interrupted" || !strings.Contains(dom, "⚠ interrupted") {
		t.Errorf("call 41 is not marked interrupted")
	}
	for _, want := range []string{"6095551212", "ACME CORP", "18005550199", "0:03", `download="call-42.wav"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}

	m := regexp.MustCompile(`<audio[^>]*src="api/v1/calls/42/audio"[^>]*>`).FindString(dom)
	if m == "" {
		t.Fatalf("no audio element for call 42 in DOM:\n%s", dom)
	}
	dm := regexp.MustCompile(`data-duration="([0-9.]+)"`).FindStringSubmatch(m)
	if dm == nil {
		t.Fatalf("audio element never reported loadedmetadata: %s\nbody: %s", m,
			regexp.MustCompile(`<body[^>]*>`).FindString(dom))
	}
	got, err := strconv.ParseFloat(dm[1], 64)
	if err != nil {
		t.Fatalf("data-duration %q: %v", dm[1], err)
	}
	if got < callSeconds-0.01 || got > callSeconds+0.01 {
		t.Errorf("browser decoded %.4f s of audio, want %.1f s", got, callSeconds)
	}
	if calls.reads(42) == 0 {
		t.Errorf("the browser never fetched call 42's audio")
	}
	live.mu.Lock()
	subs := live.subscriptions
	live.mu.Unlock()
	if subs < 2 {
		t.Errorf("the page opened the event stream %d times; it must reconnect after the stream ends", subs)
	}
}

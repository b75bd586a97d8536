//go:build load

package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web/auth"
)

// Load test parameters (issue 5: 200 API requests per second for 60 s
// while the simulator records 8 lines).
const (
	loadRate     = 200
	loadDuration = 60 * time.Second
)

// TestLoad records the 8-line office scenario in real time over HTTPS
// while a client logged in as a supervisor sends loadRate API requests per
// second for loadDuration (lines, searches, call details, audio ranges,
// waveforms, metrics), then checks that every stored call's audio is
// continuous: no gap (the simulated card loses audio, as a real one does,
// when the recorder falls more than its buffer behind), and as many samples
// as its span. It reports the latency percentiles.
//
// Run with `make loadtest` (build tag load; no race detector, which would
// measure itself).
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	st, err := storage.Open(data, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	users, err := auth.New(auth.Options{KV: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.AddUser(auth.Principal{User: "local", Role: auth.Admin}, "test", "sup", auth.Supervisor, "load-test-password"); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	scn, err := filepath.Abs("../../testdata/sim/office8.scn")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "c.json")
	var lines []string
	for i := range 8 {
		lines = append(lines, fmt.Sprintf(`{"name": "L%d", "channel": %d}`, i+1, i))
	}
	if err := os.WriteFile(cfg, []byte(`{"source": {"kind": "sim", "scenario": "`+scn+`", "speed": 1}, "lines": [`+strings.Join(lines, ",")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}

	// linetapd runs as its own process (the test binary, see TestMain), so
	// that the load generator does not share its Go scheduler.
	out := &lockedBuffer{}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LINETAPD_ARGS="+strings.Join([]string{"--config", cfg, "--data", data, "--listen", "127.0.0.1:0"}, " "))
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	base := waitForURL(t, out, runErr)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, MaxIdleConnsPerHost: 64}}
	resp, err := client.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"user":"sup","password":"load-test-password"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, resp)
	}
	resp.Body.Close()

	targets := []string{"/api/v1/lines", "/api/v1/calls?limit=20", "/api/v1/calls?number=555&sort=longest",
		"/api/v1/system", "/metrics", "/api/v1/calls?direction=outbound&limit=5"}
	var mu sync.Mutex
	var lat []time.Duration
	var failures []string
	var wg sync.WaitGroup
	// Requests go out on an absolute schedule (a ticker drops ticks on a
	// busy machine): one every 1/loadRate s, catching up when late.
	total := int(loadRate * loadDuration.Seconds())
	begin := time.Now()
	for n := 1; n <= total; n++ {
		if d := time.Until(begin.Add(time.Duration(n) * time.Second / loadRate)); d > 0 {
			time.Sleep(d)
		}
		target := targets[n%len(targets)]
		if n%5 == 0 { // every fifth request reads a stored call's audio or waveform
			target = fmt.Sprintf("/api/v1/calls/%d/audio", 1+rand.IntN(8))
			if n%10 == 0 {
				target = fmt.Sprintf("/api/v1/calls/%d/waveform?points=500", 1+rand.IntN(8))
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, base+target, nil)
			if strings.HasSuffix(target, "/audio") {
				req.Header.Set("Range", "bytes=0-16043") // the first second
			}
			t0 := time.Now()
			resp, err := client.Do(req)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, d)
			switch {
			case err != nil:
				failures = append(failures, target+": "+err.Error())
			case resp.StatusCode >= 500 || resp.StatusCode == 401 || resp.StatusCode == 403:
				failures = append(failures, fmt.Sprintf("%s: %d", target, resp.StatusCode))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-runErr; err != nil {
		t.Fatalf("linetapd: %v\n%s", err, out.String())
	}

	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("load: %d requests in %v (%.0f/s); latency p50 %v, p90 %v, p99 %v, max %v; %d failures",
		len(lat), loadDuration, float64(len(lat))/loadDuration.Seconds(), pct(0.5), pct(0.9), pct(0.99), lat[len(lat)-1], len(failures))
	if len(failures) > 0 {
		t.Errorf("%d requests failed, the first: %v", len(failures), failures[:min(5, len(failures))])
	}
	if len(lat) < int(0.95*loadRate*loadDuration.Seconds()) {
		t.Errorf("only %d requests were sent (want ≈ %d)", len(lat), int(loadRate*loadDuration.Seconds()))
	}

	// Every line kept pace and every call is continuous.
	st, err = storage.Open(data, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls, err := st.Calls(linetap.CallQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	perLine := map[int]int{}
	for _, c := range calls {
		perLine[c.Line]++
		if len(c.Gaps) > 0 {
			t.Errorf("call %d (line %d) has gaps %+v", c.ID, c.Line, c.Gaps)
		}
		pcm, err := st.PCM(c.ID)
		if err != nil {
			t.Errorf("call %d: %v", c.ID, err)
			continue
		}
		if int64(len(pcm)) != c.Samples {
			t.Errorf("call %d: %d samples stored, record says %d", c.ID, len(pcm), c.Samples)
		}
		if !c.End.IsZero() {
			span := c.End.Sub(c.AudioStart)
			want := int64(span.Seconds() * float64(c.Rate))
			// The post-roll follows End; a block is 20 ms.
			if d := c.Samples - want; d < 0 || d > int64(c.Rate)*3 {
				t.Errorf("call %d: %d samples for a %v span from audio start to end", c.ID, c.Samples, span)
			}
		}
	}
	if len(perLine) != 8 {
		t.Errorf("calls on %d lines (%v), want all 8", len(perLine), perLine)
	}
	t.Logf("recorded %d calls on %d lines in %v", len(calls), len(perLine), elapsed.Round(time.Second))
}

// waitForURL waits for linetapd's "web UI at" line and returns the URL.
func waitForURL(t *testing.T, out *lockedBuffer, runErr chan error) string {
	t.Helper()
	re := regexp.MustCompile(`web UI at (https?://[^/\s]+)/`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-runErr:
			t.Fatalf("linetapd stopped: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("linetapd did not start:\n%s", out.String())
	return ""
}

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserScenario is the traffic of the browser test: one inbound call on
// line 0 with MDMF caller ID, late enough that the browser has logged in
// and watches the dashboard when it rings.
const browserScenario = `
length 240s
inbound line=0 at=15s country=US cid=bell202-mdmf number=6095551212 name=ACME date=11221200 rings=1 talk=8s hangup=far busy=2s
`

const (
	browserNumber = "6095551212"
	browserName   = "ACME"
	adminPassword = "correct horse battery staple"
	techPassword  = "technician passphrase 42"
)

// lockedBuffer is a bytes.Buffer safe for the daemon's writes and the
// test's reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// findChromium returns Debian's chromium, or fails the test saying how to
// install it: the UI's acceptance is a real browser.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the web UI is tested in a real browser; install it with `sudo apt-get install chromium` (or run .ci/run, which does)")
	return ""
}

// artifactDir is where screenshots go: $LINETAP_ARTIFACTS, else a
// temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LINETAP_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// daemon is linetapd running in this process.
type daemon struct {
	url    string
	data   string
	out    *lockedBuffer
	cancel context.CancelFunc
	done   chan error
}

// startInProcess runs linetapd's run on a temporary data directory with
// the browser scenario, and waits for its web UI's URL.
func startInProcess(t *testing.T) *daemon {
	t.Helper()
	dir := t.TempDir()
	scn := filepath.Join(dir, "browser.scn")
	cfg := filepath.Join(dir, "linetap.json")
	if err := os.WriteFile(scn, []byte(browserScenario), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(`{"source": {"kind": "sim", "scenario": "`+scn+`", "speed": 1},
		"lines": [{"name": "Front desk"}, {"name": "Back office"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	d := &daemon{data: filepath.Join(dir, "data"), out: &lockedBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() {
		d.done <- run(ctx, []string{"--config", cfg, "--data", d.data, "--listen", "127.0.0.1:0"}, d.out, d.out)
	}()
	t.Cleanup(func() { d.stop(t) })
	urlRE := regexp.MustCompile(`web UI at (https?://[^\s/]+)/`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := urlRE.FindStringSubmatch(d.out.String()); m != nil {
			d.url = m[1]
			return d
		}
		select {
		case err := <-d.done:
			d.done <- err
			t.Fatalf("linetapd stopped at start: %v\n%s", err, d.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("linetapd printed no URL in 20 s:\n%s", d.out.String())
		}
	}
}

// stop ends the daemon and checks that it stopped cleanly.
func (d *daemon) stop(t *testing.T) {
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("linetapd: %v\n%s", err, d.out.String())
		}
	case <-time.After(20 * time.Second):
		t.Errorf("linetapd did not stop in 20 s")
	}
}

// apiClient talks to the daemon's HTTPS API as one user.
type apiClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func newAPIClient(t *testing.T, base string) *apiClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, base: base, hc: &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		// The daemon's certificate is the self-signed one it made.
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}}
}

// call sends a JSON request and decodes the answer into out (when not
// nil), failing the test on a status other than want.
func (c *apiClient) call(method, path string, in, out any, want int) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %s %s, want %d", method, path, resp.Status, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// createUsers makes the first admin with the setup code linetapd left in
// its data directory, and a technician as that admin.
func createUsers(t *testing.T, d *daemon) {
	t.Helper()
	code, err := os.ReadFile(filepath.Join(d.data, SetupCodeFile))
	if err != nil {
		t.Fatalf("setup code: %v\n%s", err, d.out.String())
	}
	c := newAPIClient(t, d.url)
	c.call("POST", "/api/v1/setup", map[string]string{"code": strings.TrimSpace(string(code)), "user": "admin", "password": adminPassword}, nil, http.StatusCreated)
	var me struct{ CSRF string }
	c.call("POST", "/api/v1/login", map[string]string{"user": "admin", "password": adminPassword}, &me, http.StatusOK)
	c.csrf = me.CSRF
	c.call("POST", "/api/v1/users", map[string]string{"name": "tech", "role": "technician", "password": techPassword}, nil, http.StatusCreated)
}

// browser is one headless chromium tab with the step's helpers.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	dir   string
	shots int

	mu         sync.Mutex
	exceptions []string
}

func newBrowser(t *testing.T, ctx context.Context, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(findChromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.IgnoreCertErrors,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-component-update", true),
		// play() from a script, with no click, as the test drives it.
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: bctx, base: base, dir: artifactDir(t)}
	// Start the browser, then collect every uncaught exception of the
	// pages' scripts.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				b.mu.Lock()
				b.exceptions = append(b.exceptions, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs steps, failing the test with what was being done.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.shot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func eval[T any](b *browser, what, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.shot("failed-" + what)
		b.t.Fatalf("%s: %s: %v", what, expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds. An evaluation that
// fails (the page is navigating, the element is not there yet) counts as
// "not yet".
func (b *browser) waitFor(what, cond string, limit time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	var last error
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+cond+`); } catch (e) { return false; } })()`))
		if err == nil && ok {
			return
		}
		last = err
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.shot("failed-" + what)
	text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
	b.t.Fatalf("waited %v for %s (%s); last error %v\npage text:\n%s", limit, what, cond, last, text)
}

// open navigates to a path of the UI and waits for its page module.
func (b *browser) open(path, page string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
	b.waitFor(path+" to load", fmt.Sprintf(`document.readyState === 'complete' && document.body.dataset.page === %q`, page), 10*time.Second)
}

// shot saves a full-page screenshot as an artifact.
func (b *browser) shot(name string) {
	b.shots++
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shots, name))
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	b.t.Logf("screenshot: %s", p)
}

// html returns the whole document as the browser has it now.
func (b *browser) html() string {
	b.t.Helper()
	return eval[string](b, "read the DOM", `document.documentElement.outerHTML`)
}

// fitsWidth checks that the page needs no sideways scrolling at the
// current viewport width.
func (b *browser) fitsWidth(where string) {
	b.t.Helper()
	over := eval[int](b, "measure "+where, `document.documentElement.scrollWidth - document.documentElement.clientWidth`)
	if over > 0 {
		b.t.Errorf("%s is %d px wider than a 360-px phone", where, over)
	}
}

// login logs in through the login form.
func (b *browser) login(user, password, next string) {
	b.t.Helper()
	b.do("open the login page", chromedp.Navigate(b.base+next))
	b.waitFor("the login form", `document.body.dataset.page === 'login' && document.readyState === 'complete'`, 10*time.Second)
	b.do("fill the login form",
		chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("password"), password))
	b.shot("login-" + user)
	b.do("submit the login form", chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)))
}

// TestBrowser is the web UI's acceptance in real headless Chromium against
// the real daemon: an admin logs in, watches a simulated call live, opens
// it, plays it and exports it; a technician then finds calls and audio
// refused and sees no caller number anywhere.
func TestBrowser(t *testing.T) {
	findChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	d := startInProcess(t)
	if !strings.HasPrefix(d.url, "https://") {
		t.Errorf("the web UI is served at %s, want HTTPS by default", d.url)
	}
	createUsers(t, d)
	b := newBrowser(t, ctx, d.url)

	// 1. Log in through the form, coming back to the page asked for.
	b.login("admin", adminPassword, "/")
	b.waitFor("the dashboard", `document.body.dataset.page === 'dashboard' && document.querySelectorAll('li.line').length === 2`, 10*time.Second)
	b.shot("dashboard")

	// 2. The simulated call appears live, with its caller ID.
	b.waitFor("line 0 to ring", `document.querySelector('li.line[data-line="0"]').dataset.state !== 'idle'`, 30*time.Second)
	b.waitFor("the caller ID on line 0", fmt.Sprintf(`document.querySelector('li.line[data-line="0"]').innerText.includes(%q)`, browserNumber), 20*time.Second)
	b.shot("live-call")
	b.waitFor("line 0 to connect", `document.querySelector('li.line[data-line="0"]').dataset.state === 'connected'`, 20*time.Second)
	b.shot("connected")

	// Listen in while the call goes on.
	b.do("open live listen", chromedp.Click(chromedp.CSS(`li.line[data-line="0"] a.listen`)))
	b.waitFor("the live page", `document.body.dataset.page === 'live' && document.getElementById('live-line').textContent.includes('Connected')`, 10*time.Second)
	b.do("listen", chromedp.Click(chromedp.ID("listen")))
	b.waitFor("live audio to play", `Number(document.body.dataset.liveSeconds) > 1 && document.body.dataset.liveAudio === 'running'`, 10*time.Second)
	b.shot("live-listen")
	b.do("stop listening", chromedp.Click(chromedp.ID("stop")))
	b.open("/", "dashboard")
	b.waitFor("the call to end", `document.querySelector('li.line[data-line="0"]').dataset.state === 'idle'`, 30*time.Second)

	// 3. Open it from the calls page.
	var callID string
	for deadline := time.Now().Add(15 * time.Second); ; {
		b.open("/calls", "calls")
		b.waitFor("the search", `document.body.dataset.calls !== undefined`, 10*time.Second)
		callID = eval[string](b, "find the call", fmt.Sprintf(
			`(() => { const r = [...document.querySelectorAll('tr.call.state-complete')].find((tr) => tr.innerText.includes(%q)); return r ? r.dataset.call : ''; })()`, browserNumber))
		if callID != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if callID == "" {
		b.shot("no-call")
		t.Fatalf("the finished call never appeared on /calls:\n%s", b.html())
	}
	b.shot("calls")
	b.do("open the call", chromedp.Click(chromedp.CSS(`tr.call[data-call="`+callID+`"] a`)))
	b.waitFor("the call page", `document.body.dataset.page === 'call' && document.body.dataset.loaded === '1'`, 10*time.Second)
	if got := eval[string](b, "call id", `document.body.dataset.id`); got != callID {
		t.Fatalf("the row opened call %q, want %q", got, callID)
	}

	// 4. Play it: the audio element's time advances; the waveform seeks.
	b.waitFor("the audio metadata", `Number(document.getElementById('audio').dataset.duration) > 5`, 10*time.Second)
	b.waitFor("the waveform", `Number(document.getElementById('wave').dataset.points) > 0`, 10*time.Second)
	eval[chromedp.Void](b, "play", `document.getElementById('audio').play()`)
	b.waitFor("playback to advance", `document.getElementById('audio').currentTime > 1`, 15*time.Second)
	eval[chromedp.Void](b, "pause", `document.getElementById('audio').pause()`)
	b.do("click the middle of the waveform", chromedp.Click(chromedp.ID("wave")))
	frac := eval[float64](b, "seek position", `(() => { const a = document.getElementById('audio'); return a.currentTime / a.duration; })()`)
	if frac < 0.4 || frac > 0.6 {
		t.Errorf("a click in the middle of the waveform sought to %.2f of the call, want about 0.5", frac)
	}
	b.do("pick 1.5×", chromedp.SetValue(chromedp.ID("speed"), "1.5"))
	eval[chromedp.Void](b, "fire change", `document.getElementById('speed').dispatchEvent(new Event('change'))`)
	if rate := eval[float64](b, "rate", `document.getElementById('audio').playbackRate`); rate != 1.5 {
		t.Errorf("playbackRate %v after choosing 1.5×", rate)
	}
	href := eval[string](b, "download link", `document.getElementById('download').getAttribute('href')`)
	if want := "/api/v1/calls/" + callID + "/audio?download=1"; href != want {
		t.Errorf("download link %q, want %q", href, want)
	}
	b.shot("call-playing")

	// 5. Export it as a zip; the export finishes and verifies.
	b.open("/export", "export")
	b.do("choose the zip", chromedp.Click(chromedp.CSS(`input[name="target"][value="zip"]`)))
	b.do("start the export", chromedp.Click(chromedp.CSS(`#export-form button[type="submit"]`)))
	b.waitFor("the export to finish", `(() => { const j = document.querySelector('li.job'); return j && ['done', 'failed', 'incomplete'].includes(j.dataset.state); })()`, 30*time.Second)
	b.shot("export")
	state := eval[string](b, "export state", `document.querySelector('li.job').dataset.state + ' ' + document.querySelector('li.job').dataset.verified`)
	if state != "done 1" {
		t.Errorf("export state %q, want done and verified:\n%s", state, eval[string](b, "export text", `document.querySelector('li.job').innerText`))
	}
	zipStatus := eval[int](b, "fetch the zip", `fetch(document.querySelector('li.job a').href).then((r) => r.status)`)
	if zipStatus != http.StatusOK {
		t.Errorf("the zip link answered %d", zipStatus)
	}

	// The admin's pages fit a 360-px phone.
	b.do("phone width", chromedp.EmulateViewport(360, 740))
	b.open("/calls/"+callID, "call")
	b.waitFor("the call page", `document.body.dataset.loaded === '1'`, 10*time.Second)
	b.fitsWidth("/calls/" + callID)
	b.shot("phone-call")
	b.open("/calls", "calls")
	b.waitFor("the search", `document.body.dataset.calls !== undefined`, 10*time.Second)
	b.fitsWidth("/calls")
	b.shot("phone-calls")
	b.do("desktop width", chromedp.EmulateViewport(1280, 900))

	// 6. Log out; the technician is refused calls and audio and sees no
	// caller number.
	b.do("log out", chromedp.Click(chromedp.ID("logout")))
	b.waitFor("the login page", `document.body.dataset.page === 'login'`, 10*time.Second)
	b.login("tech", techPassword, "/")
	b.waitFor("the technician's dashboard", `document.body.dataset.page === 'dashboard' && document.querySelectorAll('li.line').length === 2`, 10*time.Second)
	for _, target := range []string{"/calls", "/calls/" + callID, "/api/v1/calls", "/api/v1/calls/" + callID, "/api/v1/calls/" + callID + "/audio", "/api/v1/calls/" + callID + "/audio?download=1", "/export"} {
		if got := eval[int](b, "fetch "+target, fmt.Sprintf(`fetch(%q).then((r) => r.status)`, target)); got != http.StatusForbidden {
			t.Errorf("technician: %s answered %d, want 403", target, got)
		}
	}
	if strings.Contains(eval[string](b, "nav", `document.querySelector('nav.nav').innerText`), "Calls") {
		t.Error("the technician's nav links Calls")
	}
	b.do("phone width", chromedp.EmulateViewport(360, 740))
	b.fitsWidth("the technician's dashboard")
	b.shot("tech-dashboard")
	b.do("desktop width", chromedp.EmulateViewport(1280, 900))
	if dom := b.html(); strings.Contains(dom, browserNumber) || strings.Contains(dom, browserName) {
		t.Errorf("the technician's dashboard shows the caller (%s / %s)", browserNumber, browserName)
	}
	b.open("/tech", "tech")
	b.waitFor("the diagnostics", `document.querySelectorAll('article.diag').length === 2`, 10*time.Second)
	b.waitFor("the masked caller-ID decode", `document.querySelector('article.diag[data-line="0"]').innerText.includes('12')`, 10*time.Second)
	// The simulated lines: the sound cards' section says that none is in
	// use, instead of a card of zeros.
	b.waitFor("no sound card in use", `document.getElementById('cards-none').textContent.includes('No sound card is in use: the lines are simulated') && !document.getElementById('cards-none').hidden && document.querySelectorAll('article.soundcard').length === 0`, 10*time.Second)
	b.shot("tech")
	if dom := b.html(); strings.Contains(dom, browserNumber) || strings.Contains(dom, browserName) {
		t.Errorf("the technician page shows the caller (%s / %s)", browserNumber, browserName)
	}
	b.open("/calls", "forbidden")
	b.shot("tech-calls-refused")
	if text := eval[string](b, "403 text", `document.body.innerText`); !strings.Contains(text, "calls.view") {
		t.Errorf("the 403 page does not say what is needed:\n%s", text)
	}

	b.mu.Lock()
	for _, e := range b.exceptions {
		t.Errorf("uncaught exception in a page: %s", e)
	}
	b.mu.Unlock()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Error("the browser test took longer than its 90 s bound")
	}
}

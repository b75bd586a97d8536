package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/auth"
)

// findChromium returns the path of a chromium binary or fails the test.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the UI is tested in a real browser; run `sudo apt-get install chromium`")
	return ""
}

// tab is a headless chromium tab that records the pages' uncaught
// exceptions.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu         sync.Mutex
	exceptions []string
}

func newTab(t *testing.T, ctx context.Context) *tab {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(findChromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(360, 740),
		chromedp.UserDataDir(t.TempDir()))
	cctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(cctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	tb := &tab{t: t, ctx: cctx}
	messages := chromedp.Console(cctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				tb.mu.Lock()
				tb.exceptions = append(tb.exceptions, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m))
				tb.mu.Unlock()
			}
		}
	}()
	return tb
}

// eval evaluates expr in the page.
func tabEval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor polls a condition until it holds (a failed evaluation, as while
// the page navigates, is "not yet").
func (tb *tab) waitFor(what, cond string) {
	tb.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+cond+`); } catch (e) { return false; } })()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
			tb.t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, cond, err, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wizardEngine is the fake engine with diagnostics the test changes, to
// walk the technician's line test wizard.
type wizardEngine struct {
	*fakeEngine
	mu   sync.Mutex
	diag []linetap.LineDiag
}

func (w *wizardEngine) Diagnostics() []linetap.LineDiag {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]linetap.LineDiag, len(w.diag))
	copy(out, w.diag)
	return out
}

// change edits line 0's diagnostics.
func (w *wizardEngine) change(f func(d *linetap.LineDiag)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.diag[0])
}

// shot saves a screenshot under $LINETAP_ARTIFACTS/web when it is set.
func (tb *tab) shot(name string) {
	dir := os.Getenv("LINETAP_ARTIFACTS")
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, "web")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Errorf("artifacts: %v", err)
		return
	}
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, strings.NewReplacer("/", "_").Replace(name)+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		tb.t.Errorf("screenshot: %v", err)
		return
	}
	tb.t.Logf("screenshot: %s", p)
}

// serve serves srv over HTTP until the test ends, then closes srv (within
// 5 s) and the listener.
func serve(t *testing.T, srv *web.Server) *httptest.Server {
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		ts.Close()
	})
	return ts
}

// TestBrowserPages opens every page as the admin in headless chromium at
// phone width, over the fakes: each page's module runs without an
// uncaught exception, shows no API error, and fits 360 px; the login
// form's tab order is user, password, button; the dashboard follows the
// event stream. The whole flow against the real daemon is
// cmd/linetapd's TestBrowser.
func TestBrowserPages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second) // a hang guard, not a speed check
	defer cancel()
	live := newFakeLive(sampleLines()...)
	exports := &fakeExports{dir: t.TempDir()}
	eng := &wizardEngine{fakeEngine: newFakeEngine(), diag: []linetap.LineDiag{
		{Line: 0, Name: "Front desk", State: linetap.LineIdle, LevelDBm0: -70, NoiseFloorDBm0: -72,
			Hook: []linetap.HookDiag{{At: t0, Event: "on-hook"}}},
		{Line: 1, Name: "Back office", State: linetap.LineConnected, LevelDBm0: -23.5, NoiseFloorDBm0: -70},
	}}
	srv := newServer(t, sampleCalls(), live, func(o *web.Options) {
		o.Engine, o.Exports, o.Cards, o.SourceKind = eng, exports, twoCards(), "portaudio"
	})
	ts := serve(t, srv)
	tb := newTab(t, ctx)
	// Chromium's window is at least 500 px wide; the viewport is a phone's.
	if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatal(err)
	}
	var snap []linetap.LineStatus

	// The login form, by keyboard alone.
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/calls?sort=oldest")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the login page", `document.body.dataset.page === 'login' && document.activeElement.id === 'user'`)
	if err := chromedp.Do(tb.ctx, chromedp.KeyEvent("admin\t"+testPassword+"\t")); err != nil {
		t.Fatal(err)
	}
	if got := tabEval[string](tb, `document.activeElement.textContent`); got != "Log in" {
		t.Errorf("after user, Tab, password, Tab the focus is on %q, want the Log in button", got)
	}
	if err := chromedp.Do(tb.ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the calls page the login came from", `document.body.dataset.page === 'calls' && location.search === '?sort=oldest' && document.body.dataset.calls !== undefined`)
	if got := tabEval[string](tb, `document.getElementById('sort').value`); got != "oldest" {
		t.Errorf("the search form did not take sort=oldest from the URL: %q", got)
	}

	for _, pg := range uiPageList {
		t.Run(pg.path, func(t *testing.T) {
			tb.t = t
			if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+pg.path)); err != nil {
				t.Fatal(err)
			}
			tb.waitFor("the page to load", `document.readyState === 'complete' && document.getElementById('title') !== null`)
			// Give the module its first API round trips.
			time.Sleep(700 * time.Millisecond)
			if msg := tabEval[string](tb, `document.getElementById('error').hidden ? '' : document.getElementById('error').innerText`); msg != "" {
				t.Errorf("the page shows an error: %s", msg)
			}
			if over := tabEval[int](tb, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
				t.Errorf("the page is %d px wider than a 360-px phone", over)
			}
			// Targets a finger can hit: 44 px high (WCAG 2.2 SC 2.5.5).
			small := tabEval[[]string](tb, `[...document.querySelectorAll('button, select, input:not([type=checkbox]):not([type=radio]), nav a, .pager a, a.button')]
				.filter((e) => e.offsetParent !== null)
				.filter((e) => e.getBoundingClientRect().height < 43.5)
				.map((e) => e.outerHTML.slice(0, 80) + ' ' + e.getBoundingClientRect().height.toFixed(1) + ' px')`)
			for _, e := range small {
				t.Errorf("target smaller than 44 px: %s", e)
			}
			tb.shot("phone" + pg.path)
		})
	}
	tb.t = t

	// An error from the API is shown in the API's words, and what was
	// typed stays.
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/users")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the users", `document.querySelectorAll('#users-body tr').length > 0`)
	if err := chromedp.Do(tb.ctx,
		chromedp.SendKeys(chromedp.ID("new-name"), "auditor"),
		chromedp.SendKeys(chromedp.ID("new-password"), "a long enough passphrase"),
		chromedp.Click(chromedp.CSS(`#add-user button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the API's error", `!document.getElementById('error').hidden`)
	msg := tabEval[string](tb, `document.getElementById('error').innerText`)
	if !strings.Contains(msg, "exists") {
		t.Errorf("the error shown is %q, want the API's words: the user exists", msg)
	}
	if got := tabEval[string](tb, `document.getElementById('new-name').value + ' / ' + document.getElementById('new-password').value`); got != "auditor / a long enough passphrase" {
		t.Errorf("after the error the form holds %q, want what was typed", got)
	}
	tb.shot("users-error")
	// An API token's secret is shown once, above the list that now has it.
	if err := chromedp.Do(tb.ctx,
		chromedp.SetValue(chromedp.ID("token-name"), "crm"),
		chromedp.Click(chromedp.CSS(`#add-token button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the token's secret", `!document.getElementById('token-secret').hidden && document.querySelector('#token-secret .token').textContent.startsWith('lt_') && [...document.querySelectorAll('#tokens-body th')].some((th) => th.textContent === 'crm')`)
	if err := chromedp.Do(tb.ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the token listed without its secret", `[...document.querySelectorAll('#tokens-body th')].some((th) => th.textContent === 'crm') && document.getElementById('token-secret').hidden && !document.body.innerText.includes('lt_')`)

	// The admin sets QA criteria; the call page scores on them, and keeps
	// notes, tags and the keep flag.
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/settings")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the device form", `!document.getElementById('device-form').hidden`)
	if err := chromedp.Do(tb.ctx,
		chromedp.SetValue(chromedp.ID("qa-criteria"), "greeting\nresolution"),
		chromedp.Click(chromedp.CSS(`#device-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the device settings saved", `document.getElementById('device-status').textContent === 'Saved.'`)
	// A line's settings, saved and read back.
	if err := chromedp.Do(tb.ctx,
		chromedp.SetValue(chromedp.ID("l1-name"), "Sales"),
		chromedp.SetValue(chromedp.ID("l1-gain"), "3.5"),
		chromedp.SetValue(chromedp.ID("l1-codec"), "adpcm"),
		chromedp.Click(chromedp.CSS(`form.line-form[data-line="1"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the line saved", `document.querySelector('form.line-form[data-line="1"] [role=status]').textContent.startsWith('Saved')`)
	if got := eng.LineSettings()[1]; got.Name != "Sales" || got.GainDB != 3.5 || got.Codec != "adpcm" {
		t.Errorf("line 1 settings after the save: %+v", got)
	}
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/calls/1")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the QA form", `document.body.dataset.loaded === '1' && document.querySelectorAll('#qa-criteria select').length === 2`)
	if err := chromedp.Do(tb.ctx,
		chromedp.SetValue(chromedp.ID("qa-0"), "4"),
		chromedp.SetValue(chromedp.ID("qa-comment"), "polite"),
		chromedp.Click(chromedp.CSS(`#qa-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the score saved", `document.getElementById('qa-status').textContent === 'Score saved.'`)
	if err := chromedp.Do(tb.ctx,
		chromedp.SetValue(chromedp.ID("notes"), "called back"),
		chromedp.SetValue(chromedp.ID("tags"), "vip, callback"),
		chromedp.Click(chromedp.ID("keep")),
		chromedp.Click(chromedp.CSS(`#notes-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the notes saved", `document.getElementById('notes-status').textContent === 'Saved.' && document.getElementById('facts').innerText.includes('yes (legal hold)')`)
	if err := chromedp.Do(tb.ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the saved values after a reload", `document.body.dataset.loaded === '1' && document.getElementById('notes').value === 'called back' && document.getElementById('tags').value === 'vip, callback' && document.getElementById('keep').checked && document.getElementById('qa-0').value === '4'`)
	tb.shot("call-annotated")

	// The admin deletes call 3 with a reason, confirming the dialog; it
	// leaves the list.
	dialogs := chromedp.Events(tb.ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			if strings.Contains(ev.Message, "Delete call 3") {
				if _, err := chromedp.Call(tb.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
					t.Errorf("accepting the dialog: %v", err)
				}
				return
			}
		}
	}()
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/calls/3")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("call 3", `document.body.dataset.loaded === '1' && !document.getElementById('delete-card').hidden`)
	if err := chromedp.Do(tb.ctx,
		chromedp.SetValue(chromedp.ID("reason"), "test call"),
		chromedp.Click(chromedp.CSS(`#delete-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the calls without call 3", `document.body.dataset.page === 'calls' && document.body.dataset.calls === '2' && !document.querySelector('tr[data-call="3"]')`)

	// The audit log lists what was just done, with the chain's state.
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/audit")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the audit entries", `document.getElementById('chain').dataset.ok === '1' && [...document.querySelectorAll('#audit-body tr')].some((tr) => tr.innerText.includes('settings'))`)
	if err := chromedp.Do(tb.ctx,
		chromedp.SetValue(chromedp.ID("action"), "no-such-action"),
		chromedp.Click(chromedp.CSS(`#filter button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the filter to empty the table", `document.querySelectorAll('#audit-body tr').length === 0`)

	// The line test wizard follows what the diagnostics and the event
	// stream report, step by step.
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/tech")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the diagnostics", `document.querySelectorAll('article.diag').length === 2 && document.getElementById('wizard-line').options.length === 2`)
	// The sound cards: card 2 lost, with its skew and slips against card 1
	// and the names of its lines.
	tb.waitFor("the sound cards", `document.querySelectorAll('article.soundcard').length === 2 && document.getElementById('cards-none').hidden`)
	if got := tabEval[string](tb, `document.querySelector('article.soundcard[data-card="1"]').innerText`); !strings.Contains(got, "LOST") ||
		!strings.Contains(got, "unplugged") || !strings.Contains(got, "+0.42 ms against card 1") || !strings.Contains(got, "3 frames dropped, 8000 put in") ||
		!strings.Contains(got, "hw:CARD=Right,DEV=0") {
		t.Errorf("the lost second card shows:\n%s", got)
	}
	if got := tabEval[string](tb, `document.querySelector('article.soundcard[data-card="0"]').innerText`); !strings.Contains(got, "1: Front desk, 2: Back office") || !strings.Contains(got, "connected since") {
		t.Errorf("the first card shows:\n%s", got)
	}
	tb.shot("tech-cards")
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.ID("wizard-start"))); err != nil {
		t.Fatal(err)
	}
	step := func(name string) string {
		return `document.querySelector('#wizard [data-step="` + name + `"]').dataset.done === '1'`
	}
	if done := tabEval[bool](tb, step("offhook")+` || `+step("ring")); done {
		t.Error("the wizard marked a step done before anything happened")
	}
	t1 := t0.Add(time.Minute)
	eng.change(func(d *linetap.LineDiag) {
		d.Hook = append([]linetap.HookDiag{{At: t1, Event: "off-hook"}}, d.Hook...)
	})
	tb.waitFor("off-hook", step("offhook"))
	snap = sampleLines()
	snap[0].State, snap[0].Dialled = linetap.LineDialling, "5"
	live.publish(snap)
	tb.waitFor("the digit", step("digit")+` && document.querySelector('#wizard [data-step="digit"]').innerText.includes('we heard 5')`)
	eng.change(func(d *linetap.LineDiag) {
		d.Hook = append([]linetap.HookDiag{{At: t1.Add(5 * time.Second), Event: "on-hook"}}, d.Hook...)
	})
	tb.waitFor("on-hook", step("onhook"))
	eng.change(func(d *linetap.LineDiag) {
		d.LastRing = &linetap.RingDiag{At: t1.Add(20 * time.Second), CadenceMS: []int{2000, 4000, 2000}}
		d.CallerID = append([]linetap.CallerIDDiag{{At: t1.Add(23 * time.Second), Standard: "bell202-sdmf", Number: "•••••••12"}}, d.CallerID...)
	})
	tb.waitFor("the ring cadence", step("ring")+` && document.querySelector('#wizard [data-step="ring"]').innerText.includes('2.0 s on, 4.0 s off')`)
	tb.waitFor("the caller ID", step("callerid")+` && document.querySelector('#wizard [data-step="callerid"]').innerText.includes('•••••••12')`)
	tb.shot("wizard")

	// The dashboard draws what the event stream says.
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the line cards", `document.querySelectorAll('li.line').length === `+fmt.Sprint(len(sampleLines())))
	snap = sampleLines()
	snap[0].State = "ringing"
	live.publish(snap)
	tb.waitFor("line 0 ringing", `document.querySelector('li.line[data-line="0"]').dataset.state === 'ringing' && document.querySelector('li.line[data-line="0"] .badge').textContent === 'Ringing'`)

	// The stream ends (as when linetapd restarts): the page says so,
	// reconnects, and goes on drawing.
	live.closeAll()
	snap[0].State = linetap.LineConnected
	for deadline := time.Now().Add(15 * time.Second); live.active() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the dashboard did not reconnect to the event stream")
		}
		time.Sleep(50 * time.Millisecond)
	}
	live.publish(snap)
	tb.waitFor("line 0 connected after the reconnection", `document.querySelector('li.line[data-line="0"]').dataset.state === 'connected' && document.getElementById('conn').dataset.state === 'live'`)

	// The session ends (another tab logged out): the stream cannot come
	// back, and the page says why instead of retrying for ever.
	if st := tabEval[int](tb, `fetch('/api/v1/logout', {method: 'POST', headers: {'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content}}).then((r) => r.status)`); st != 204 {
		t.Fatalf("logout answered %d", st)
	}
	live.closeAll()
	tb.waitFor("the ended session to show", `document.getElementById('conn').dataset.state === 'down' && !document.getElementById('error').hidden && document.getElementById('error').innerText.includes('session has ended')`)

	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.exceptions {
		if !strings.Contains(e, "about:blank") {
			t.Errorf("uncaught exception: %s", e)
		}
	}
}

// TestBrowserSetup: with no user, the login page sends the installer to
// /setup, which makes the first admin with the setup code and logs in.
func TestBrowserSetup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	svc, err := auth.New(auth.Options{KV: &auth.MemKV{}, Params: auth.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), func(o *web.Options) { withFakeEngine(o); o.Auth = svc })
	ts := serve(t, srv)
	tb := newTab(t, ctx)
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the setup page", `document.body.dataset.page === 'setup' && document.activeElement.id === 'code'`)
	fill := func(code, pw2 string) {
		t.Helper()
		if err := chromedp.Do(tb.ctx,
			chromedp.SetValue(chromedp.ID("code"), code),
			chromedp.SetValue(chromedp.ID("user"), "installer"),
			chromedp.SetValue(chromedp.ID("password"), "first admin passphrase"),
			chromedp.SetValue(chromedp.ID("password2"), pw2),
			chromedp.Click(chromedp.CSS(`#setup button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
	}
	// Mistyped passwords and a wrong code are refused in words; nothing
	// is created.
	fill(svc.SetupCode(), "first admin passphrasE")
	tb.waitFor("the mismatch", `!document.getElementById('error').hidden && document.getElementById('error').innerText.includes('differ')`)
	fill("WRONG-CODE", "first admin passphrase")
	tb.waitFor("the wrong code", `!document.getElementById('error').hidden && /code/i.test(document.getElementById('error').innerText)`)
	if svc.HasUsers() {
		t.Fatal("a refused setup created a user")
	}
	fill(svc.SetupCode(), "first admin passphrase")
	tb.waitFor("the dashboard as the new admin", `document.body.dataset.page === 'dashboard' && document.body.dataset.user === 'installer' && document.body.dataset.role === 'admin'`)
	tb.shot("setup-done")
}

// pagedCalls is the fake archive with cursor paging: the cursor is the
// offset of the next page, and the sort order reverses for "oldest".
type pagedCalls struct {
	*fakeCalls
}

func (p pagedCalls) Search(q storage.Query) (storage.Page, error) {
	calls, err := p.fakeCalls.Calls(linetap.CallQuery{Limit: 1000})
	if err != nil {
		return storage.Page{}, err
	}
	if q.Sort == storage.SortOldest {
		slices.Reverse(calls)
	}
	off := 0
	if q.Cursor != "" {
		if off, err = strconv.Atoi(q.Cursor); err != nil || off < 0 || off > len(calls) {
			return storage.Page{}, fmt.Errorf("fake cursor %q: %w", q.Cursor, storage.ErrBadCursor)
		}
	}
	end := min(len(calls), off+q.Limit)
	var page storage.Page
	for _, c := range calls[off:end] {
		info, err := p.fakeCalls.Info(c.ID)
		if err != nil {
			return storage.Page{}, err
		}
		page.Calls = append(page.Calls, info)
	}
	if end < len(calls) {
		page.Cursor = strconv.Itoa(end)
	}
	return page, nil
}

// TestBrowserCallsPaging pages through the calls one at a time with the
// API's cursor, in the order the URL asks for, and back to the first page.
func TestBrowserCallsPaging(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	srv := newServer(t, sampleCalls(), newFakeLive(sampleLines()...), func(o *web.Options) {
		withFakeEngine(o)
		o.Archive = pagedCalls{sampleCalls()}
	})
	ts := serve(t, srv)
	tb := newTab(t, ctx)
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/calls?sort=oldest&limit=1")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the login page", `document.body.dataset.page === 'login'`)
	if err := chromedp.Do(tb.ctx,
		chromedp.SendKeys(chromedp.ID("user"), "auditor"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	row := `[...document.querySelectorAll('#calls-body tr')].map((tr) => tr.dataset.call).join(',')`
	for i, want := range []string{"1", "2", "3"} {
		tb.waitFor("call "+want, `document.body.dataset.page === 'calls' && `+row+` === '`+want+`'`)
		more := tabEval[bool](tb, `!document.getElementById('more').hidden`)
		if more != (i < 2) {
			t.Errorf("page %d: next-page button shown %v", i+1, more)
		}
		if i < 2 {
			if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.ID("more"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.ID("first"))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the first page again", row+` === '1' && document.getElementById('first').hidden`)
	// A row opens its call.
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.CSS(`#calls-body tr a`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("call 1's page", `document.body.dataset.page === 'call' && document.body.dataset.id === '1' && document.body.dataset.loaded === '1'`)

	// An auditor plays and verifies, and changes nothing: no notes, QA or
	// delete forms.
	shown := tabEval[string](tb, `['player-card', 'notes-card', 'qa-card', 'delete-card', 'verify'].filter((id) => !document.getElementById(id).hidden).join(' ')`)
	if shown != "player-card verify" {
		t.Errorf("an auditor sees %q on a call page, want the player and verify only", shown)
	}
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.ID("verify"))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the verification", `document.getElementById('verify-result').textContent.startsWith('✔')`)

	// A supervisor annotates, scores and keeps, and neither verifies nor
	// deletes.
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.ID("logout"))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the login page", `document.body.dataset.page === 'login'`)
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/login?next=%2Fcalls%2F1")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the login form", `document.body.dataset.page === 'login' && document.readyState === 'complete'`)
	if err := chromedp.Do(tb.ctx,
		chromedp.SendKeys(chromedp.ID("user"), "supervisor"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("call 1 as the supervisor", `document.body.dataset.page === 'call' && document.body.dataset.user === 'supervisor' && document.body.dataset.loaded === '1'`)
	shown = tabEval[string](tb, `['player-card', 'notes-card', 'keep-field', 'qa-card', 'delete-card', 'verify'].filter((id) => !document.getElementById(id).hidden).join(' ')`)
	if shown != "player-card notes-card keep-field qa-card" {
		t.Errorf("a supervisor sees %q on a call page, want the player, notes with keep, and QA", shown)
	}
}

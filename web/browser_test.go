package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/linetap/linetap/web"
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

// TestBrowserPages opens every page as the admin in headless chromium at
// phone width, over the fakes: each page's module runs without an
// uncaught exception, shows no API error, and fits 360 px; the login
// form's tab order is user, password, button; the dashboard follows the
// event stream. The whole flow against the real daemon is
// cmd/linetapd's TestBrowser.
func TestBrowserPages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	live := newFakeLive(sampleLines()...)
	exports := &fakeExports{dir: t.TempDir()}
	srv := newServer(t, sampleCalls(), live, func(o *web.Options) { withFakeEngine(o); o.Exports = exports })
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		if err := srv.Close(cctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	tb := newTab(t, ctx)

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
		})
	}
	tb.t = t

	// The dashboard draws what the event stream says.
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the line cards", `document.querySelectorAll('li.line').length === `+fmt.Sprint(len(sampleLines())))
	snap := sampleLines()
	snap[0].State = "ringing"
	live.publish(snap)
	tb.waitFor("line 0 ringing", `document.querySelector('li.line[data-line="0"]').dataset.state === 'ringing' && document.querySelector('li.line[data-line="0"] .badge').textContent === 'Ringing'`)

	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.exceptions {
		if !strings.Contains(e, "about:blank") {
			t.Errorf("uncaught exception: %s", e)
		}
	}
}

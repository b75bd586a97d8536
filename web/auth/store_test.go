package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web/auth"
)

// boot opens the store in dir and the auth service over it, as linetapd
// does at start.
func boot(t testing.TB, dir string, c *clock) (*storage.Store, *auth.Service) {
	t.Helper()
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(auth.Options{KV: st, Params: fast, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return st, svc
}

func shutdown(t testing.TB, st *storage.Store) {
	t.Helper()
	if err := st.Check(); err != nil {
		t.Errorf("store check: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSessionsOverTheStore: over the real index.db a session survives a
// restart, the files on disk never hold its token, and a logout sticks.
func TestSessionsOverTheStore(t *testing.T) {
	dir, c := t.TempDir(), newClock()
	st, svc := boot(t, dir, c)
	if err := svc.AddUser(root, "test", "ann", auth.Supervisor, "password-ann"); err != nil {
		t.Fatal(err)
	}
	tok, sess, err := svc.Login(context.Background(), "ann", "password-ann", "a")
	if err != nil {
		t.Fatal(err)
	}
	shutdown(t, st)

	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(tok)) || bytes.Contains(b, raw) {
			t.Errorf("%s holds the session token", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	c.Advance(10 * time.Minute)
	st, svc = boot(t, dir, c)
	got, err := svc.Authenticate(tok)
	if err != nil || got.CSRF != sess.CSRF || got.Role != auth.Supervisor || !got.Created.Equal(sess.Created) {
		t.Fatalf("after a restart: %+v, %v", got, err)
	}
	if err := svc.Logout(tok, "a"); err != nil {
		t.Fatal(err)
	}
	shutdown(t, st)

	st, svc = boot(t, dir, c)
	defer shutdown(t, st)
	if _, err := svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("a logged-out session after a restart: %v", err)
	}
}

// TestConcurrentUseThenRestart: requests, logouts and password changes at
// once; afterwards exactly the sessions that were not ended come back.
func TestConcurrentUseThenRestart(t *testing.T) {
	kv, c := &testKV{}, newClock()
	d := start(t, kv, c, 0)
	names := []string{"ann", "bob", "cat", "dan"}
	for _, n := range names {
		addUser(t, d, n, auth.Auditor)
	}
	type open struct {
		tok, user string
		ended     bool
	}
	var sessions []*open
	for range 4 {
		for _, n := range names {
			tok, _ := login(t, d, n)
			sessions = append(sessions, &open{tok: tok, user: n})
		}
	}
	var wg sync.WaitGroup
	for i, o := range sessions {
		wg.Go(func() {
			for range 50 { // 16 × 50 s: within the idle timeout however they interleave
				c.Advance(time.Second)
				d.svc.Authenticate(o.tok)
			}
			if i%3 == 0 {
				if err := d.svc.Logout(o.tok, "a"); err != nil && (o.user != "dan" || !errors.Is(err, auth.ErrNoSession)) {
					t.Error(err) // dan's may have ended with the new password
				}
				o.ended = true
			}
		})
	}
	wg.Go(func() {
		pw := "a-new-password"
		if err := d.svc.ChangeUser(root, "a", "dan", auth.UserChange{Password: &pw}); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	e := start(t, kv, c, 0)
	for i, o := range sessions {
		_, err := e.svc.Authenticate(o.tok)
		if want := !o.ended && o.user != "dan"; (err == nil) != want {
			t.Errorf("session %d of %s (logged out %t): after a restart %v, want alive %t", i, o.user, o.ended, err, want)
		}
	}
}

// countingKV counts the writes to a KV.
type countingKV struct {
	auth.KV
	puts atomic.Int64
}

func (k *countingKV) KVPut(bucket, key string, value []byte) error {
	k.puts.Add(1)
	return k.KV.KVPut(bucket, key, value)
}

// BenchmarkAuthenticateOverStore measures a request's session check over
// the real index.db, a request every 100 ms of the test clock (so the
// last-seen time is written every 600th); it reports the KV writes per
// request.
func BenchmarkAuthenticateOverStore(b *testing.B) {
	dir, c := b.TempDir(), newClock()
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer shutdown(b, st)
	kv := &countingKV{KV: st}
	svc, err := auth.New(auth.Options{KV: kv, Params: fast, Now: c.Now})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.AddUser(root, "test", "ann", auth.Supervisor, "password-ann"); err != nil {
		b.Fatal(err)
	}
	tok, _, err := svc.Login(context.Background(), "ann", "password-ann", "a")
	if err != nil {
		b.Fatal(err)
	}
	kv.puts.Store(0)
	n := 0
	for b.Loop() {
		c.Advance(100 * time.Millisecond)
		s, err := svc.Authenticate(tok)
		if err != nil {
			b.Fatal(err)
		}
		n++
		if c.Now().Sub(s.Created) > auth.DefaultMaxAge-time.Minute {
			if tok, _, err = svc.Login(context.Background(), "ann", "password-ann", "a"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(kv.puts.Load())/float64(n), "writes/op")
}

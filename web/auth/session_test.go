package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap/web/auth"
)

// testKV is a MemKV that counts writes and can be told to fail those of
// BucketSessions.
type testKV struct {
	auth.MemKV
	mu                  sync.Mutex
	puts, deletes       map[string]int // by bucket
	failPut, failDelete bool
}

var errDisk = errors.New("disk says no")

// count counts a write (put, or else a delete) to bucket, or reports that
// it is to fail: failPut or failDelete set and bucket BucketSessions.
func (k *testKV) count(put bool, bucket string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	counts, fail := &k.deletes, k.failDelete
	if put {
		counts, fail = &k.puts, k.failPut
	}
	if fail && bucket == auth.BucketSessions {
		return errDisk
	}
	if *counts == nil {
		*counts = map[string]int{}
	}
	(*counts)[bucket]++
	return nil
}

func (k *testKV) KVPut(bucket, key string, value []byte) error {
	if err := k.count(true, bucket); err != nil {
		return err
	}
	return k.MemKV.KVPut(bucket, key, value)
}

func (k *testKV) KVDelete(bucket, key string) error {
	if err := k.count(false, bucket); err != nil {
		return err
	}
	return k.MemKV.KVDelete(bucket, key)
}

func (k *testKV) fail(put, del bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failPut, k.failDelete = put, del
}

func (k *testKV) sessionPuts() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.puts[auth.BucketSessions]
}

// clone copies every bucket this package uses into a new testKV: the
// index.db a second restart would find.
func (k *testKV) clone(t *testing.T) *testKV {
	t.Helper()
	out := &testKV{}
	for _, b := range []string{auth.BucketUsers, auth.BucketTokens, auth.BucketSessions} {
		all, err := k.KVList(b)
		if err != nil {
			t.Fatal(err)
		}
		for key, v := range all {
			if err := out.MemKV.KVPut(b, key, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// daemon is one run of a Service over a KV, with its audit trail.
type daemon struct {
	svc   *auth.Service
	mu    sync.Mutex
	audit []auth.AuditEvent
}

func (d *daemon) events(action string) []auth.AuditEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []auth.AuditEvent
	for _, e := range d.audit {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// start runs New over kv with the clock c, as linetapd does at boot.
func start(t *testing.T, kv auth.KV, c *clock, idle time.Duration) *daemon {
	t.Helper()
	d := &daemon{}
	svc, err := auth.New(auth.Options{KV: kv, Params: fast, Now: c.Now, IdleTimeout: idle, Audit: func(e auth.AuditEvent) error {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.audit = append(d.audit, e)
		return nil
	}})
	if err != nil {
		t.Fatalf("New over the stored KV: %v", err)
	}
	d.svc = svc
	return d
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)} }

func login(t *testing.T, d *daemon, name string) (string, auth.Session) {
	t.Helper()
	tok, sess, err := d.svc.Login(context.Background(), name, "password-"+name, "10.0.0.9")
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	return tok, sess
}

// annLoggedIn starts a service over kv with an admin, boss, and a
// technician, ann, logged in: her token and session.
func annLoggedIn(t *testing.T, kv auth.KV, c *clock) (*daemon, string, auth.Session) {
	t.Helper()
	d := start(t, kv, c, 0)
	addUser(t, d, "boss", auth.Admin)
	addUser(t, d, "ann", auth.Technician)
	tok, sess := login(t, d, "ann")
	return d, tok, sess
}

func addUser(t *testing.T, d *daemon, name string, role auth.Role) {
	t.Helper()
	if err := d.svc.AddUser(root, "test", name, role, "password-"+name); err != nil {
		t.Fatal(err)
	}
}

func hexSHA256(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestSessionsSurviveRestart(t *testing.T) {
	kv, c := &testKV{}, newClock()
	d := start(t, kv, c, 0)
	addUser(t, d, "ann", auth.Supervisor)
	addUser(t, d, "tom", auth.Technician)
	annTok, ann := login(t, d, "ann")
	c.Advance(3 * time.Minute)
	tomTok, tom := login(t, d, "tom")
	c.Advance(2 * time.Minute)
	if _, err := d.svc.Authenticate(annTok); err != nil {
		t.Fatal(err)
	}

	// A power cut: the next boot finds only the KV.
	c.Advance(10 * time.Minute)
	e := start(t, kv, c, 0)
	for _, tc := range []struct {
		tok  string
		want auth.Session
	}{{annTok, ann}, {tomTok, tom}} {
		t.Run(tc.want.User, func(t *testing.T) {
			got, err := e.svc.Authenticate(tc.tok)
			if err != nil {
				t.Fatalf("after a restart: %v", err)
			}
			if got.ID != tc.want.ID || got.User != tc.want.User || got.Role != tc.want.Role || got.CSRF != tc.want.CSRF || !got.Created.Equal(tc.want.Created) {
				t.Errorf("after a restart %+v, want %+v", got, tc.want)
			}
			if !auth.CheckCSRF(got, tc.want.CSRF) {
				t.Error("the CSRF token of before the restart is refused")
			}
		})
	}
	if got := e.events("session-dropped"); len(got) != 0 {
		t.Errorf("good sessions reported dropped: %+v", got)
	}
	// The absolute timeout still counts from the login before the restart.
	restarted := false
	for c.Now().Sub(ann.Created) < auth.DefaultMaxAge-20*time.Minute {
		c.Advance(20 * time.Minute)
		if _, err := e.svc.Authenticate(annTok); err != nil {
			t.Fatalf("%v after the login: %v", c.Now().Sub(ann.Created), err)
		}
		if !restarted && c.Now().Sub(ann.Created) > 6*time.Hour {
			e, restarted = start(t, kv, c, 0), true // and once more, half-way
		}
	}
	c.Advance(auth.DefaultMaxAge - c.Now().Sub(ann.Created))
	if _, err := e.svc.Authenticate(annTok); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("at the absolute timeout, after restarts: %v", err)
	}
}

func TestOnlyTheTokenDigestIsStored(t *testing.T) {
	kv, c := &testKV{}, newClock()
	d := start(t, kv, c, 0)
	addUser(t, d, "ann", auth.Supervisor)
	tok, _ := login(t, d, "ann")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	all, err := kv.KVList(auth.BucketSessions)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Fatalf("%d session records, want 1", len(all))
	}
	for k, v := range all {
		if k != hexSHA256(tok) {
			t.Errorf("stored under %q, want the token's SHA-256 %q", k, hexSHA256(tok))
		}
		for _, leak := range []string{tok, tok[:16], hex.EncodeToString(raw), string(raw)} {
			if strings.Contains(k, leak) || strings.Contains(string(v), leak) {
				t.Errorf("the session token is in the stored record %s=%s", k, v)
			}
		}
	}
}

// TestEndedSessionsStayEnded: each way a session ends deletes its record,
// and the session does not come back after a restart.
func TestEndedSessionsStayEnded(t *testing.T) {
	ctx := context.Background()
	yes, sup, pw := true, auth.Supervisor, "another-password"
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session)
	}{
		{"logout", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			if err := d.svc.Logout(tok, "a"); err != nil {
				t.Fatal(err)
			}
		}},
		{"password set by an admin", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			if err := d.svc.ChangeUser(root, "a", "ann", auth.UserChange{Password: &pw}); err != nil {
				t.Fatal(err)
			}
		}},
		{"own password changed in another session", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			_, other, err := d.svc.Login(ctx, "ann", "password-ann", "b")
			if err != nil {
				t.Fatal(err)
			}
			if err := d.svc.ChangePassword(sess.Principal(), "b", other.ID, "password-ann", pw); err != nil {
				t.Fatal(err)
			}
			if err := d.svc.Logout(mustLogin(t, d, "ann", pw), "b"); err != nil { // leave one record: the kept one
				t.Fatal(err)
			}
		}},
		{"role changed", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			if err := d.svc.ChangeUser(root, "a", "ann", auth.UserChange{Role: &sup}); err != nil {
				t.Fatal(err)
			}
		}},
		{"user disabled", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			if err := d.svc.ChangeUser(root, "a", "ann", auth.UserChange{Disabled: &yes}); err != nil {
				t.Fatal(err)
			}
		}},
		{"user deleted", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			if err := d.svc.DeleteUser(root, "a", "ann"); err != nil {
				t.Fatal(err)
			}
		}},
		{"too many sessions", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			for range auth.MaxSessionsPerUser {
				c.Advance(time.Second)
				login(t, d, "ann")
			}
		}},
		{"idle, seen by Authenticate", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			c.Advance(auth.DefaultIdleTimeout)
			if _, err := d.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
				t.Fatalf("idle: %v", err)
			}
		}},
		{"idle, pruned by another login", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			c.Advance(auth.DefaultIdleTimeout)
			login(t, d, "boss")
		}},
		{"idle across the restart", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			c.Advance(auth.DefaultIdleTimeout)
		}},
		{"absolute timeout across the restart", func(t *testing.T, d *daemon, c *clock, tok string, sess auth.Session) {
			for c.Now().Sub(sess.Created) < auth.DefaultMaxAge {
				c.Advance(25 * time.Minute)
				d.svc.Authenticate(tok)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv, c := &testKV{}, newClock()
			d, tok, sess := annLoggedIn(t, kv, c)
			tc.end(t, d, c, tok, sess)
			e := start(t, kv, c, 0)
			if _, err := e.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("the ended session is back after a restart: %v", err)
			}
			all, _ := kv.KVList(auth.BucketSessions)
			if _, ok := all[hexSHA256(tok)]; ok {
				t.Error("the ended session's record is still stored")
			}
			if got := e.events("session-dropped"); len(got) != 0 {
				t.Errorf("records were left for the restart to drop: %+v", got)
			}
		})
	}
}

func mustLogin(t *testing.T, d *daemon, name, pw string) string {
	t.Helper()
	tok, _, err := d.svc.Login(context.Background(), name, pw, "b")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestKeptSessionSurvivesPasswordChange: the session that changed its own
// password stays, and stays over a restart.
func TestKeptSessionSurvivesPasswordChange(t *testing.T) {
	kv, c := &testKV{}, newClock()
	d := start(t, kv, c, 0)
	addUser(t, d, "ann", auth.Auditor)
	t1, s1 := login(t, d, "ann")
	t2, _ := login(t, d, "ann")
	if err := d.svc.ChangePassword(s1.Principal(), "a", s1.ID, "password-ann", "brand-new-password"); err != nil {
		t.Fatal(err)
	}
	e := start(t, kv, c, 0)
	if got, err := e.svc.Authenticate(t1); err != nil || got.CSRF != s1.CSRF {
		t.Errorf("the session that changed the password, after a restart: %+v, %v", got, err)
	}
	if _, err := e.svc.Authenticate(t2); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the other session, after a restart: %v", err)
	}
}

// TestLeftoverRecordsDropped: when deleting a session's record failed, the
// next start still drops a record its user no longer matches.
func TestLeftoverRecordsDropped(t *testing.T) {
	sup, pw, yes := auth.Supervisor, "another-password", true
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, d *daemon)
		why    string
	}{
		{"user deleted", func(t *testing.T, d *daemon) {
			if err := d.svc.DeleteUser(root, "a", "ann"); err != nil {
				t.Fatal(err)
			}
		}, `user "ann" is gone`},
		{"user deleted and made again", func(t *testing.T, d *daemon) {
			if err := d.svc.DeleteUser(root, "a", "ann"); err != nil {
				t.Fatal(err)
			}
			addUser(t, d, "ann", auth.Technician)
		}, "another password"},
		{"password changed", func(t *testing.T, d *daemon) {
			if err := d.svc.ChangeUser(root, "a", "ann", auth.UserChange{Password: &pw}); err != nil {
				t.Fatal(err)
			}
		}, "another password"},
		{"role changed", func(t *testing.T, d *daemon) {
			if err := d.svc.ChangeUser(root, "a", "ann", auth.UserChange{Role: &sup}); err != nil {
				t.Fatal(err)
			}
		}, "now supervisor, not technician"},
		{"disabled", func(t *testing.T, d *daemon) {
			if err := d.svc.ChangeUser(root, "a", "ann", auth.UserChange{Disabled: &yes}); err != nil {
				t.Fatal(err)
			}
		}, "disabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv, c := &testKV{}, newClock()
			d, tok, sess := annLoggedIn(t, kv, c)
			kv.fail(false, true)
			tc.change(t, d)
			if _, err := d.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("before the restart: %v", err)
			}
			kv.fail(false, false)
			if all, _ := kv.KVList(auth.BucketSessions); all[hexSHA256(tok)] == nil {
				t.Fatal("the failing delete removed the record: the test tests nothing")
			}
			e := start(t, kv, c, 0)
			if _, err := e.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("after a restart: %v", err)
			}
			dropped := e.events("session-dropped")
			if len(dropped) != 1 || !strings.Contains(dropped[0].Detail, sess.ID) || !strings.Contains(dropped[0].Detail, tc.why) {
				t.Errorf("audited %+v, want one session-dropped naming %s and %q", dropped, sess.ID, tc.why)
			}
			if all, _ := kv.KVList(auth.BucketSessions); all[hexSHA256(tok)] != nil {
				t.Error("the dropped record is still stored")
			}
		})
	}
}

func TestLogoutReportsAFailedDelete(t *testing.T) {
	kv, c := &testKV{}, newClock()
	d := start(t, kv, c, 0)
	addUser(t, d, "ann", auth.Technician)
	tok, _ := login(t, d, "ann")
	kv.fail(false, true)
	if err := d.svc.Logout(tok, "a"); !errors.Is(err, errDisk) {
		t.Errorf("Logout with a failing KV = %v, want the KV's error", err)
	}
	if _, err := d.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the session lives on in memory: %v", err)
	}
	if got := d.events("logout"); len(got) != 1 {
		t.Errorf("logout audited %d times", len(got))
	}
}

func TestLoginFailsWhenTheSessionCannotBeStored(t *testing.T) {
	kv, c := &testKV{}, newClock()
	d := start(t, kv, c, 0)
	addUser(t, d, "ann", auth.Technician)
	kv.fail(true, false)
	if _, _, err := d.svc.Login(context.Background(), "ann", "password-ann", "a"); !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "session") {
		t.Errorf("Login with a failing KV = %v, want an error naming the session and wrapping the KV's", err)
	}
}

// TestLastSeenWrittenCoarsely: requests do not each write the KV.
func TestLastSeenWrittenCoarsely(t *testing.T) {
	for _, tc := range []struct {
		idle time.Duration
		step time.Duration // when the last-seen time is written again
	}{
		{0, auth.LastSeenStep},                // the default 30 min: every minute
		{2 * time.Hour, auth.LastSeenStep},    // never less often than LastSeenStep
		{5 * time.Minute, 30 * time.Second},   // a tenth of a short idle timeout
		{100 * time.Second, 10 * time.Second}, // ditto
	} {
		t.Run(fmt.Sprint(tc.idle), func(t *testing.T) {
			kv, c := &testKV{}, newClock()
			d := start(t, kv, c, tc.idle)
			addUser(t, d, "ann", auth.Technician)
			tok, _ := login(t, d, "ann")
			if got := kv.sessionPuts(); got != 1 {
				t.Fatalf("a login wrote %d session records, want 1", got)
			}
			// 1000 requests within one step: no write.
			tick := (tc.step - time.Millisecond) / 1000
			for range 1000 {
				c.Advance(tick)
				if _, err := d.svc.Authenticate(tok); err != nil {
					t.Fatal(err)
				}
			}
			if got := kv.sessionPuts(); got != 1 {
				t.Fatalf("1000 requests within %v wrote %d times", tc.step, got-1)
			}
			c.Advance(time.Millisecond)
			d.svc.Authenticate(tok)
			if got := kv.sessionPuts(); got != 2 {
				t.Fatalf("a request %v after the login wrote %d times, want once", tc.step, got-1)
			}
			// Steady use for an hour: one write a step.
			for range 3600 {
				c.Advance(time.Second)
				d.svc.Authenticate(tok)
			}
			if got, want := kv.sessionPuts()-2, int(time.Hour/tc.step); got != want {
				t.Errorf("an hour of a request a second wrote %d times, want %d", got, want)
			}
		})
	}
}

// TestIdleBoundAcrossRestart checks the bound doc.go states: after a
// restart a session ends no later than its idle timeout after its last
// use, and at most one step (LastSeenStep, or a tenth of the idle timeout)
// before it.
func TestIdleBoundAcrossRestart(t *testing.T) {
	for _, idle := range []time.Duration{0, 5 * time.Minute} {
		effIdle, step := auth.DefaultIdleTimeout, auth.LastSeenStep
		if idle != 0 {
			effIdle, step = idle, idle/10
		}
		for _, uses := range []time.Duration{0, time.Second, 7 * time.Second, 29 * time.Second, 59 * time.Second, 61 * time.Second, 3 * time.Minute} {
			t.Run(fmt.Sprint(idle, "/", uses), func(t *testing.T) {
				kv, c := &testKV{}, newClock()
				d := start(t, kv, c, idle)
				addUser(t, d, "ann", auth.Technician)
				tok, _ := login(t, d, "ann")
				// Requests every 7 s for uses, the last at L.
				for end := c.Now().Add(uses); c.Now().Before(end); {
					c.Advance(min(7*time.Second, end.Sub(c.Now())))
					if _, err := d.svc.Authenticate(tok); err != nil {
						t.Fatal(err)
					}
				}
				last := c.Now()
				for _, tc := range []struct {
					at    time.Duration // after the last use
					alive bool
				}{
					{effIdle - step, true},
					{effIdle, false},
					{effIdle + time.Hour, false},
				} {
					c2 := &clock{t: last.Add(tc.at)}
					e := start(t, kv.clone(t), c2, idle)
					_, err := e.svc.Authenticate(tok)
					if alive := err == nil; alive != tc.alive {
						t.Errorf("restarted %v after the last use: alive %t (%v), want %t", tc.at, alive, err, tc.alive)
					}
				}
			})
		}
	}
}

// goodRecord returns a stored session record, its key and its token, as
// Login writes it for ann, a technician whose password hash is hash.
func goodRecord(t testing.TB, hash string, lastSeen time.Time) (key string, rec []byte, tok string) {
	t.Helper()
	tok = "the-session-token-of-the-test-record-" + fmt.Sprint(lastSeen.Unix())
	key = hexSHA256(tok)
	rec, err := auth.EncodeSession(auth.Session{
		ID: key[:12], User: "ann", Role: auth.Technician,
		CSRF:    base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		Created: lastSeen.Add(-time.Hour), LastSeen: lastSeen,
	}, auth.PassPrint(hash))
	if err != nil {
		t.Fatal(err)
	}
	return key, rec, tok
}

// annHash is a stored password hash for ann (never checked in these tests).
const annHash = "$argon2id$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// kvWithAnn returns a KV holding the user ann (technician, annHash).
func kvWithAnn(t testing.TB) *testKV {
	t.Helper()
	kv := &testKV{}
	u := fmt.Sprintf(`{"name":"ann","role":"technician","created":"2026-01-01T00:00:00Z","hash":%q}`, annHash)
	if err := kv.KVPut(auth.BucketUsers, "ann", []byte(u)); err != nil {
		t.Fatal(err)
	}
	return kv
}

// TestBadSessionRecords: an unreadable record never stops the start, is
// reported with what is wrong, deleted, and logs nobody in.
func TestBadSessionRecords(t *testing.T) {
	c := newClock()
	key, good, tok := goodRecord(t, annHash, c.Now())
	edit := func(from, to string) []byte {
		if !strings.Contains(string(good), from) {
			t.Fatalf("the good record %s has no %s", good, from)
		}
		return []byte(strings.Replace(string(good), from, to, 1))
	}
	for _, tc := range []struct {
		name string
		key  string
		rec  []byte
		want string // in the audited error
	}{
		{"empty", key, nil, "empty"},
		{"truncated", key, good[:len(good)/2], "unexpected EOF"},
		{"garbage", key, []byte("\x00\xff garbage"), "invalid character"},
		{"JSON null", key, []byte("null"), "version 0"},
		{"another version", key, edit(`"v":1`, `"v":2`), "version 2, want 1"},
		{"unknown field", key, edit(`"v":1`, `"v":1,"admin":true`), `unknown field "admin"`},
		{"two records", key, append(append([]byte{}, good...), good...), "data after the record"},
		{"bad role", key, edit(`"technician"`, `"root"`), "unknown role"},
		{"reserved user", key, edit(`"ann"`, `"local"`), "reserved"},
		{"short CSRF token", key, edit(`"csrf":"AAAA`, `"csrf":"`), "CSRF"},
		{"no login time", key, edit(`"created":"`, `"created":"0001-01-01T00:00:00Z","x":"`), "unknown field"},
		{"zero login time", key, zeroCreated(t, good), "no login or last-seen time"},
		{"bad fingerprint", key, edit(`"pass":"`, `"pass":"zz`), "fingerprint"},
		{"key not a digest", "not-a-digest", good, "not a SHA-256"},
		{"key in upper case", strings.ToUpper(key), good, "not a SHA-256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := kvWithAnn(t)
			if err := kv.MemKV.KVPut(auth.BucketSessions, tc.key, tc.rec); err != nil {
				t.Fatal(err)
			}
			// A good session beside it still comes back.
			okKey, okRec, okTok := goodRecord(t, annHash, c.Now().Add(-time.Minute))
			if err := kv.KVPut(auth.BucketSessions, okKey, okRec); err != nil {
				t.Fatal(err)
			}
			d := start(t, kv, c, 0)
			if _, err := d.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("a bad record logs in: %v", err)
			}
			if _, err := d.svc.Authenticate(okTok); err != nil {
				t.Errorf("the good record beside a bad one: %v", err)
			}
			dropped := d.events("session-dropped")
			if len(dropped) != 1 || !strings.Contains(dropped[0].Detail, tc.want) || dropped[0].Who != "system" {
				t.Errorf("audited %+v, want one session-dropped by system naming %q", dropped, tc.want)
			}
			if all, _ := kv.KVList(auth.BucketSessions); all[tc.key] != nil || len(all) != 1 {
				t.Errorf("stored after the start: %d records, the bad one there: %t", len(all), all[tc.key] != nil)
			}
			_, _, err := auth.DecodeSession(tc.key, tc.rec)
			if !errors.Is(err, auth.ErrBadSessionRecord) {
				t.Errorf("DecodeSession = %v, want ErrBadSessionRecord", err)
			}
		})
	}
}

func zeroCreated(t *testing.T, good []byte) []byte {
	t.Helper()
	s := string(good)
	i := strings.Index(s, `"created":"`)
	if i < 0 {
		t.Fatal("no created in", s)
	}
	j := strings.Index(s[i+11:], `"`)
	return []byte(s[:i+11] + "0001-01-01T00:00:00Z" + s[i+11+j:])
}

// TestAuditErrorAtStartIsNotFatal: a failing audit log does not stop the
// start either.
func TestAuditErrorAtStartIsNotFatal(t *testing.T) {
	kv := kvWithAnn(t)
	kv.MemKV.KVPut(auth.BucketSessions, strings.Repeat("a", 64), []byte("{"))
	if _, err := auth.New(auth.Options{KV: kv, Params: fast, Audit: func(auth.AuditEvent) error { return errDisk }}); err != nil {
		t.Errorf("New with a bad record and a failing audit: %v", err)
	}
}

// FuzzSessionRecord: whatever the stored record, New starts; a record
// the decoder refuses logs nobody in; one it accepts encodes back to the
// same session.
func FuzzSessionRecord(f *testing.F) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	_, good, _ := goodRecord(f, annHash, now)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte(strings.Replace(string(good), `"v":1`, `"v":2`, 1)))
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte("null"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, rec []byte) {
		tok := "fuzzed-token"
		key := hexSHA256(tok)
		sess, pass, err := auth.DecodeSession(key, rec)
		if err != nil && !errors.Is(err, auth.ErrBadSessionRecord) {
			t.Fatalf("DecodeSession error %v does not wrap ErrBadSessionRecord", err)
		}
		if err == nil {
			b, err := auth.EncodeSession(sess, pass)
			if err != nil {
				t.Fatalf("encoding a decoded record: %v", err)
			}
			again, pass2, err := auth.DecodeSession(key, b)
			if err != nil || pass2 != pass || again.ID != sess.ID || again.User != sess.User || again.Role != sess.Role ||
				again.CSRF != sess.CSRF || !again.Created.Equal(sess.Created) || !again.LastSeen.Equal(sess.LastSeen) {
				t.Fatalf("round trip %+v %q -> %s -> %+v %q, %v", sess, pass, b, again, pass2, err)
			}
		}
		kv := kvWithAnn(t)
		kv.MemKV.KVPut(auth.BucketSessions, key, rec)
		d := start(t, kv, &clock{t: now}, 0)
		got, aerr := d.svc.Authenticate(tok)
		if aerr == nil && (err != nil || got.User != sess.User || got.Role != sess.Role || got.CSRF != sess.CSRF) {
			t.Fatalf("logged in as %+v by a record decoded as %+v, %v", got, sess, err)
		}
		if err != nil && len(d.events("session-dropped")) != 1 {
			t.Fatalf("a refused record is not audited: %v", err)
		}
	})
}

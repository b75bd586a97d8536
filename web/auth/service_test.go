package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linetap/linetap/web/auth"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a Service over a MemKV with a recorded audit trail.
type fixture struct {
	svc   *auth.Service
	kv    *auth.MemKV
	clock *clock
	mu    sync.Mutex
	audit []auth.AuditEvent
}

var root = auth.Principal{User: "local", Role: auth.Admin}

func newFixture(t *testing.T, kv *auth.MemKV) *fixture {
	t.Helper()
	if kv == nil {
		kv = &auth.MemKV{}
	}
	f := &fixture{kv: kv, clock: &clock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}}
	svc, err := auth.New(auth.Options{KV: kv, Params: fast, Now: f.clock.Now, Audit: func(e auth.AuditEvent) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.audit = append(f.audit, e)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

func (f *fixture) actions() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var a []string
	for _, e := range f.audit {
		a = append(a, e.Action)
	}
	return strings.Join(a, ",")
}

func (f *fixture) add(t *testing.T, name string, role auth.Role) {
	t.Helper()
	if err := f.svc.AddUser(root, "test", name, role, "password-"+name); err != nil {
		t.Fatal(err)
	}
}

func TestLoginAndSession(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, "ann", auth.Supervisor)
	ctx := context.Background()
	if _, _, err := f.svc.Login(ctx, "ann", "wrong-password", "10.0.0.9"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, _, err := f.svc.Login(ctx, "nobody", "password-ann", "10.0.0.9"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("unknown user: %v", err)
	}
	token, sess, err := f.svc.Login(ctx, "ann", "password-ann", "10.0.0.9")
	if err != nil {
		t.Fatal(err)
	}
	if sess.User != "ann" || sess.Role != auth.Supervisor || len(sess.CSRF) < 40 || len(token) < 40 {
		t.Fatalf("session %+v token %q", sess, token)
	}
	got, err := f.svc.Authenticate(token)
	if err != nil || got.ID != sess.ID {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	if !auth.CheckCSRF(got, sess.CSRF) || auth.CheckCSRF(got, "") || auth.CheckCSRF(got, sess.CSRF[1:]) {
		t.Error("CheckCSRF does not accept exactly the session's token")
	}
	if _, err := f.svc.Authenticate(token + "x"); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("a changed token authenticates: %v", err)
	}
	if err := f.svc.Logout(token, "10.0.0.9"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("a logged-out token authenticates: %v", err)
	}
	if got, want := f.actions(), "user-add,login-failed,login-failed,login,logout"; got != want {
		t.Errorf("audit %s, want %s", got, want)
	}
	u, _ := f.svc.User("ann")
	if !u.LastLogin.Equal(f.clock.Now()) {
		t.Errorf("last login %v", u.LastLogin)
	}
}

func TestSessionTimeouts(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, "ann", auth.Auditor)
	ctx := context.Background()
	tok, _, err := f.svc.Login(ctx, "ann", "password-ann", "a")
	if err != nil {
		t.Fatal(err)
	}
	// Used every 29 minutes, the session lives until the 12-hour limit.
	for elapsed := time.Duration(0); elapsed+29*time.Minute < auth.DefaultMaxAge; elapsed += 29 * time.Minute {
		f.clock.Advance(29 * time.Minute)
		if _, err := f.svc.Authenticate(tok); err != nil {
			t.Fatalf("after %v of use: %v", elapsed+29*time.Minute, err)
		}
	}
	f.clock.Advance(29 * time.Minute)
	if _, err := f.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("past the absolute timeout: %v", err)
	}
	tok, _, _ = f.svc.Login(ctx, "ann", "password-ann", "a")
	f.clock.Advance(auth.DefaultIdleTimeout)
	if _, err := f.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("idle for the idle timeout: %v", err)
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, "ann", auth.Supervisor)
	ctx := context.Background()
	for i := range 5 {
		_, _, err := f.svc.Login(ctx, "ann", "guess", "10.0.0.1")
		var le *auth.LockedError
		if errors.As(err, &le) {
			t.Fatalf("locked after %d failures", i)
		}
	}
	_, _, err := f.svc.Login(ctx, "ann", "password-ann", "10.0.0.2")
	var le *auth.LockedError
	if !errors.As(err, &le) || !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("right password while locked: %v, want a LockedError", err)
	}
	if le.RetryAfter != 5*time.Minute || !strings.Contains(le.Error(), "user ann") {
		t.Errorf("lockout %v: %v", le.RetryAfter, le)
	}
	if !strings.Contains(f.actions(), "lockout") {
		t.Errorf("the lockout is not audited: %s", f.actions())
	}
	// The guessing goes on: a second lockout lasts twice as long.
	f.clock.Advance(5 * time.Minute)
	for range 5 {
		f.svc.Login(ctx, "ann", "guess", "10.0.0.1")
	}
	_, _, err = f.svc.Login(ctx, "ann", "password-ann", "10.0.0.2")
	if !errors.As(err, &le) || le.RetryAfter != 10*time.Minute {
		t.Fatalf("second lockout: %v", err)
	}
	f.clock.Advance(10 * time.Minute)
	if _, _, err := f.svc.Login(ctx, "ann", "password-ann", "10.0.0.2"); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	for range 5 {
		f.svc.Login(ctx, "ann", "guess", "10.0.0.1")
	}
	f.svc.Unlock("ann")
	if _, _, err := f.svc.Login(ctx, "ann", "password-ann", "10.0.0.2"); err != nil {
		t.Fatalf("after Unlock: %v", err)
	}
}

// TestAddressLockout: guessing across many names from one address locks
// the address, not the names.
func TestAddressLockout(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, "ann", auth.Supervisor)
	ctx := context.Background()
	for i := range 20 {
		f.svc.Login(ctx, "name"+string(rune('a'+i)), "guess", "198.51.100.7")
	}
	var le *auth.LockedError
	if _, _, err := f.svc.Login(ctx, "ann", "password-ann", "198.51.100.7"); !errors.As(err, &le) || !strings.Contains(le.What, "198.51.100.7") {
		t.Fatalf("from the guessing address: %v", err)
	}
	if _, _, err := f.svc.Login(ctx, "ann", "password-ann", "192.0.2.1"); err != nil {
		t.Fatalf("from another address: %v", err)
	}
}

func TestUserChanges(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, "boss", auth.Admin)
	f.add(t, "tech", auth.Technician)
	ctx := context.Background()
	tok, _, err := f.svc.Login(ctx, "tech", "password-tech", "a")
	if err != nil {
		t.Fatal(err)
	}
	sup := auth.Supervisor
	if err := f.svc.ChangeUser(root, "a", "tech", auth.UserChange{Role: &sup}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(tok); !errors.Is(err, auth.ErrNoSession) {
		t.Error("a role change leaves the user's sessions open")
	}
	if u, _ := f.svc.User("tech"); u.Role != auth.Supervisor {
		t.Errorf("role %s", u.Role)
	}
	yes := true
	if err := f.svc.ChangeUser(root, "a", "boss", auth.UserChange{Disabled: &yes}); !errors.Is(err, auth.ErrLastAdmin) {
		t.Errorf("disabling the last admin: %v", err)
	}
	if err := f.svc.DeleteUser(root, "a", "boss"); !errors.Is(err, auth.ErrLastAdmin) {
		t.Errorf("deleting the last admin: %v", err)
	}
	techRole := auth.Technician
	if err := f.svc.ChangeUser(root, "a", "boss", auth.UserChange{Role: &techRole}); !errors.Is(err, auth.ErrLastAdmin) {
		t.Errorf("demoting the last admin: %v", err)
	}
	if err := f.svc.ChangeUser(root, "a", "tech", auth.UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Login(ctx, "tech", "password-tech", "a"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("a disabled user logs in: %v", err)
	}
	pw := "a-new-password"
	if err := f.svc.ChangeUser(root, "a", "boss", auth.UserChange{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Login(ctx, "boss", pw, "a"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	// A supervisor cannot make an admin.
	sv := auth.Principal{User: "s", Role: auth.Supervisor}
	if err := f.svc.AddUser(sv, "a", "mallory", auth.Admin, "0123456789x"); !errors.Is(err, auth.ErrRoleTooHigh) {
		t.Errorf("supervisor creating an admin: %v", err)
	}
	for _, bad := range []string{"", "local", "a b", "../x", strings.Repeat("n", 65), "-lead"} {
		if err := f.svc.AddUser(root, "a", bad, auth.Auditor, "0123456789"); !errors.Is(err, auth.ErrBadName) {
			t.Errorf("AddUser(%q) = %v, want ErrBadName", bad, err)
		}
	}
	if err := f.svc.AddUser(root, "a", "tech", auth.Auditor, "0123456789"); !errors.Is(err, auth.ErrUserExists) {
		t.Errorf("duplicate user: %v", err)
	}
	if err := f.svc.AddUser(root, "a", "weak", auth.Auditor, "short"); !errors.Is(err, auth.ErrWeakPassword) {
		t.Errorf("weak password: %v", err)
	}

	// Everything survives a restart over the same KV.
	g := newFixture(t, f.kv)
	if _, _, err := g.svc.Login(ctx, "boss", pw, "a"); err != nil {
		t.Errorf("after a restart: %v", err)
	}
	if u, err := g.svc.User("tech"); err != nil || !u.Disabled || u.Role != auth.Supervisor {
		t.Errorf("after a restart: %+v, %v", u, err)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, "ann", auth.Auditor)
	ctx := context.Background()
	t1, s1, _ := f.svc.Login(ctx, "ann", "password-ann", "a")
	t2, _, _ := f.svc.Login(ctx, "ann", "password-ann", "b")
	p := s1.Principal()
	if err := f.svc.ChangePassword(p, "a", s1.ID, "wrong", "brand-new-password"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("wrong old password: %v", err)
	}
	if err := f.svc.ChangePassword(p, "a", s1.ID, "password-ann", "brand-new-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(t1); err != nil {
		t.Errorf("the session that changed it ended: %v", err)
	}
	if _, err := f.svc.Authenticate(t2); err == nil {
		t.Error("the other session survives a password change")
	}
}

func TestTokens(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, "boss", auth.Admin)
	f.add(t, "sup", auth.Supervisor)
	boss := auth.Principal{User: "boss", Role: auth.Admin}
	tok, secret, err := f.svc.CreateToken(boss, "a", "crm", auth.Auditor)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "lt_") || len(secret) < 40 {
		t.Errorf("secret %q", secret)
	}
	p, err := f.svc.TokenPrincipal(secret)
	if err != nil || p.User != "boss" || p.Role != auth.Auditor || p.Token != tok.ID {
		t.Fatalf("TokenPrincipal = %+v, %v", p, err)
	}
	if p.Who() != "boss (token "+tok.ID+")" {
		t.Errorf("Who = %q", p.Who())
	}
	for _, bad := range []string{"", "lt_", secret + "x", "Bearer " + secret, strings.Repeat("lt_", 50)} {
		if _, err := f.svc.TokenPrincipal(bad); !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("TokenPrincipal(%q) = %v", bad, err)
		}
	}
	// Only the hash is stored.
	all, _ := f.kv.KVList(auth.BucketTokens)
	for k, v := range all {
		if strings.Contains(k, secret[3:]) || strings.Contains(string(v), secret[3:]) {
			t.Error("the token's secret is stored")
		}
	}
	sup := auth.Principal{User: "sup", Role: auth.Supervisor}
	if _, _, err := f.svc.CreateToken(sup, "a", "x", auth.Admin); !errors.Is(err, auth.ErrRoleTooHigh) {
		t.Errorf("supervisor making an admin token: %v", err)
	}
	if err := f.svc.RevokeToken(boss, "a", tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.TokenPrincipal(secret); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("a revoked token works: %v", err)
	}
	// A deleted user's tokens go with it.
	_, s2, _ := f.svc.CreateToken(sup, "a", "sup-script", auth.Supervisor)
	if err := f.svc.DeleteUser(boss, "a", "sup"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.TokenPrincipal(s2); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("a deleted user's token works: %v", err)
	}
}

func TestSetup(t *testing.T) {
	f := newFixture(t, nil)
	code := f.svc.SetupCode()
	if len(code) != 14 || strings.Count(code, "-") != 2 {
		t.Fatalf("setup code %q", code)
	}
	if err := f.svc.Setup("AAAA-AAAA-AAAA", "boss", "0123456789", "a"); !errors.Is(err, auth.ErrBadSetupCode) {
		t.Errorf("wrong code: %v", err)
	}
	// Typed in lower case without dashes, the code still works.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	if err := f.svc.Setup(typed, "boss", "0123456789", "a"); err != nil {
		t.Fatal(err)
	}
	if u, err := f.svc.User("boss"); err != nil || u.Role != auth.Admin {
		t.Errorf("first user %+v %v", u, err)
	}
	if f.svc.SetupCode() != "" {
		t.Error("the setup code outlives the first user")
	}
	if err := f.svc.Setup(code, "eve", "0123456789", "a"); !errors.Is(err, auth.ErrSetupClosed) {
		t.Errorf("second setup: %v", err)
	}
	// With users stored, a restart has no setup code.
	if g := newFixture(t, f.kv); g.svc.SetupCode() != "" {
		t.Error("a restart with users makes a setup code")
	}
}

func TestSetupGuessingLocks(t *testing.T) {
	f := newFixture(t, nil)
	code := f.svc.SetupCode()
	for range 5 {
		f.svc.Setup("0000-0000-0000", "boss", "0123456789", "a")
	}
	var le *auth.LockedError
	if err := f.svc.Setup(code, "boss", "0123456789", "a"); !errors.As(err, &le) {
		t.Fatalf("setup after 5 wrong codes: %v", err)
	}
}

func TestCorruptUsersRefused(t *testing.T) {
	kv := &auth.MemKV{}
	kv.KVPut(auth.BucketUsers, "ann", []byte(`{"name":"ann","role":"root"}`))
	if _, err := auth.New(auth.Options{KV: kv, Params: fast}); !errors.Is(err, auth.ErrBadRole) || !strings.Contains(err.Error(), "ann") {
		t.Errorf("a stored user with a bad role: %v", err)
	}
	kv.KVPut(auth.BucketUsers, "ann", []byte(`{`))
	if _, err := auth.New(auth.Options{KV: kv, Params: fast}); err == nil || !strings.Contains(err.Error(), "ann") {
		t.Errorf("a stored user that is not JSON: %v", err)
	}
}

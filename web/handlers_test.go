package web_test

import (
	"encoding/binary"
	"net/http"
	"strings"
	"testing"

	"github.com/linetap/linetap/web"
)

// TestLiveListen: a supervisor hears the line's blocks as a WAV stream of
// unknown length, the listen is audited, and an idle line is 409.
func TestLiveListen(t *testing.T) {
	calls := sampleCalls()
	eng := newFakeEngine()
	srv := newServer(t, calls, newFakeLive(sampleLines()...), func(o *web.Options) { o.Engine = eng })
	c := login(t, srv.Handler(), "supervisor", testPassword)
	if r := do(t, srv.Handler(), c, "GET", "/api/v1/lines/1/listen", ""); r.StatusCode != http.StatusConflict {
		t.Fatalf("idle line: %d", r.StatusCode)
	}
	if r := do(t, srv.Handler(), c, "GET", "/api/v1/lines/9/listen", ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("no such line: %d", r.StatusCode)
	}
	ch := make(chan []int16, 2)
	ch <- []int16{1, -2, 3}
	ch <- []int16{32767, -32768}
	close(ch) // the call ends
	eng.mu.Lock()
	eng.listen = ch
	eng.mu.Unlock()
	r := do(t, srv.Handler(), c, "GET", "/api/v1/lines/1/listen", "")
	b := body(t, r)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "audio/wav" || len(b) != web.WAVHeaderBytes+10 {
		t.Fatalf("listen: %d %q, %d bytes", r.StatusCode, r.Header.Get("Content-Type"), len(b))
	}
	if !strings.HasPrefix(b, "RIFF") || binary.LittleEndian.Uint32([]byte(b[40:44])) != 0xFFFFFFFF {
		t.Errorf("header % x", b[:44])
	}
	var got []int16
	for i := web.WAVHeaderBytes; i < len(b); i += 2 {
		got = append(got, int16(binary.LittleEndian.Uint16([]byte(b[i:i+2]))))
	}
	if want := []int16{1, -2, 3, 32767, -32768}; len(got) != len(want) || got[0] != 1 || got[4] != -32768 {
		t.Errorf("samples %v, want %v", got, want)
	}
	if a := calls.actions(); a[len(a)-1] != "listen" {
		t.Errorf("not audited: %v", a)
	}
}

// TestDiagnosticsMasked: a technician's diagnostics show the caller's
// number masked to its last two digits and no name; an admin's do not.
func TestDiagnosticsMasked(t *testing.T) {
	srv := newServer(t, sampleCalls(), newFakeLive(), withFakeEngine)
	tech := body(t, do(t, srv.Handler(), login(t, srv.Handler(), "technician", testPassword), "GET", "/api/v1/diagnostics", ""))
	if strings.Contains(tech, "6095551212") || strings.Contains(tech, "ACME") || !strings.Contains(tech, "12\"") {
		t.Errorf("technician's diagnostics: %s", tech)
	}
	admin := body(t, do(t, srv.Handler(), login(t, srv.Handler(), "admin", testPassword), "GET", "/api/v1/diagnostics", ""))
	if !strings.Contains(admin, "6095551212") {
		t.Errorf("admin's diagnostics: %s", admin)
	}
}

func TestSettingsAndUsers(t *testing.T) {
	eng := newFakeEngine()
	srv := newServer(t, sampleCalls(), newFakeLive(), func(o *web.Options) { o.Engine = eng })
	h := srv.Handler()
	tech := login(t, h, "technician", testPassword)
	b := body(t, do(t, h, tech, "GET", "/api/v1/settings", ""))
	if !strings.Contains(b, `"lines":[`) || strings.Contains(b, `"device"`) {
		t.Errorf("technician's settings: %s", b)
	}
	r := do(t, h, tech, "PUT", "/api/v1/settings/lines/0", `{"name":"Reception","number":"555 0100","codec":"pcma","trigger":"hook","gain_db":3,"retention_days":30}`)
	if r.StatusCode != 200 || eng.LineSettings()[0].Name != "Reception" || eng.LineSettings()[0].GainDB != 3 {
		t.Errorf("set line: %d %s", r.StatusCode, body(t, r))
	}
	admin := login(t, h, "admin", testPassword)
	r = do(t, h, admin, "PUT", "/api/v1/settings/device", `{"webhook":{"url":"https://crm.example/hook","secret":"s"},"qa_criteria":["greeting"]}`)
	if b := body(t, r); r.StatusCode != 200 || strings.Contains(b, `"secret":"s"`) || !strings.Contains(b, `"secret_set":true`) {
		t.Errorf("device settings: %d %s", r.StatusCode, b)
	}
	// Changing only the criteria keeps the secret the UI never had.
	r = do(t, h, admin, "PUT", "/api/v1/settings/device", `{"webhook":{"url":"https://crm.example/hook"},"qa_criteria":["greeting","resolution"]}`)
	if b := body(t, r); r.StatusCode != 200 || !strings.Contains(b, `"secret_set":true`) {
		t.Errorf("device settings without the secret: %d %s", r.StatusCode, b)
	}
	// Users: add, change, own password, delete.
	if r := do(t, h, admin, "POST", "/api/v1/users", `{"name":"kim","role":"auditor","password":"kims-password"}`); r.StatusCode != 201 {
		t.Fatalf("add: %d", r.StatusCode)
	}
	kim := login(t, h, "kim", "kims-password")
	if r := do(t, h, kim, "POST", "/api/v1/me/password", `{"old":"wrong-one!","new":"kims-new-password"}`); r.StatusCode != 403 {
		t.Errorf("own password with a wrong old one: %d", r.StatusCode)
	}
	if r := do(t, h, kim, "POST", "/api/v1/me/password", `{"old":"kims-password","new":"kims-new-password"}`); r.StatusCode != 204 {
		t.Errorf("own password: %d %s", r.StatusCode, body(t, r))
	}
	if r := do(t, h, admin, "PATCH", "/api/v1/users/kim", `{"disabled":true}`); r.StatusCode != 200 {
		t.Errorf("disable: %d", r.StatusCode)
	}
	if r := do(t, h, kim, "GET", "/api/v1/me", ""); r.StatusCode != 401 {
		t.Errorf("a disabled user's session: %d", r.StatusCode)
	}
	if r := do(t, h, admin, "DELETE", "/api/v1/users/kim", ""); r.StatusCode != 204 {
		t.Errorf("delete: %d", r.StatusCode)
	}
	if b := body(t, do(t, h, admin, "GET", "/api/v1/users", "")); strings.Contains(b, "kim") {
		t.Errorf("deleted user listed: %s", b)
	}
	if r := do(t, h, admin, "DELETE", "/api/v1/users/nobody", ""); r.StatusCode != 404 {
		t.Errorf("delete a missing user: %d", r.StatusCode)
	}
}

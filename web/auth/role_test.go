package auth_test

import (
	"errors"
	"testing"

	"github.com/linetap/linetap/web/auth"
)

// TestMatrix checks every cell of the role × permission matrix against the
// issue's words, so that a change to the table is a deliberate one.
func TestMatrix(t *testing.T) {
	want := map[auth.Role]string{
		//                      lv cv cp ca ck cd ce cV ll ls dv sv av um sm
		auth.Admin:      "1  1  1  1  1  1  1  1  1  1  1  1  1  1  1",
		auth.Supervisor: "1  1  1  1  1  0  1  0  1  0  0  1  0  0  0",
		auth.Technician: "1  0  0  0  0  0  0  0  0  1  1  1  0  0  0",
		auth.Auditor:    "1  1  1  0  0  0  1  1  0  0  0  1  1  0  0",
	}
	for _, r := range auth.Roles {
		row := []rune{}
		for _, c := range want[r] {
			if c == '0' || c == '1' {
				row = append(row, c)
			}
		}
		if len(row) != len(auth.Permissions) {
			t.Fatalf("%s: test row has %d cells for %d permissions", r, len(row), len(auth.Permissions))
		}
		for i, p := range auth.Permissions {
			t.Run(string(r)+"/"+string(p), func(t *testing.T) {
				if got := r.Can(p); got != (row[i] == '1') {
					t.Errorf("%s.Can(%s) = %v", r, p, got)
				}
				if got := (auth.Principal{User: "u", Role: r}).Can(p); got != (row[i] == '1') {
					t.Errorf("Principal{%s}.Can(%s) = %v", r, p, got)
				}
			})
		}
	}
}

func TestTechnicianNeverReachesCallers(t *testing.T) {
	for _, p := range []auth.Permission{auth.CallsView, auth.CallsPlay, auth.CallsExport, auth.LiveListen, auth.CallsAnnotate} {
		if auth.Technician.Can(p) {
			t.Errorf("technician holds %s", p)
		}
	}
}

func TestNobodyCanAnything(t *testing.T) {
	for _, p := range auth.Permissions {
		if (auth.Principal{}).Can(p) {
			t.Errorf("the zero principal holds %s", p)
		}
		if (auth.Principal{User: "x", Role: "root"}).Can(p) {
			t.Errorf("an unknown role holds %s", p)
		}
	}
	if auth.Admin.Can("calls.everything") {
		t.Error("admin holds a permission that does not exist")
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		r, other auth.Role
		want     bool
	}{
		{auth.Admin, auth.Admin, true},
		{auth.Admin, auth.Technician, true},
		{auth.Supervisor, auth.Auditor, false}, // auditor verifies and reads the audit log
		{auth.Auditor, auth.Supervisor, false},
		{auth.Technician, auth.Technician, true},
		{auth.Technician, auth.Supervisor, false},
	}
	for _, tt := range tests {
		if got := tt.r.Covers(tt.other); got != tt.want {
			t.Errorf("%s.Covers(%s) = %v, want %v", tt.r, tt.other, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range auth.Roles {
		if got, err := auth.ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "Admin", "root", "admin "} {
		if _, err := auth.ParseRole(s); !errors.Is(err, auth.ErrBadRole) {
			t.Errorf("ParseRole(%q) = %v, want ErrBadRole", s, err)
		}
	}
}

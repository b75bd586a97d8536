package auth

import (
	"fmt"
	"slices"
)

// Role is what a user is, which fixes what the user may do.
type Role string

// The roles, from the issue "web UI and API".
const (
	// Admin may do everything, including users and settings.
	Admin Role = "admin"
	// Supervisor may search, play, annotate, keep, export and live-listen.
	Supervisor Role = "supervisor"
	// Technician sets up and diagnoses lines but never reaches a caller's
	// data or audio (privacy by design).
	Technician Role = "technician"
	// Auditor may search, play, verify and export, and change nothing.
	Auditor Role = "auditor"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Admin, Supervisor, Technician, Auditor}

// ParseRole returns the role named s, or an error wrapping ErrBadRole.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", fmt.Errorf("%w: %q (want one of admin, supervisor, technician, auditor)", ErrBadRole, s)
}

// Permission is one thing a principal may be allowed to do.
type Permission string

// The permissions. docs/api.md lists which endpoint needs which.
const (
	LinesView      Permission = "lines.view"      // dashboard: live lines
	CallsView      Permission = "calls.view"      // search calls; see caller numbers, names, digits
	CallsPlay      Permission = "calls.play"      // audio, download, waveform
	CallsAnnotate  Permission = "calls.annotate"  // notes, tags, QA score
	CallsKeep      Permission = "calls.keep"      // the keep flag (legal hold)
	CallsDelete    Permission = "calls.delete"    // delete a call, erase a number
	CallsExport    Permission = "calls.export"    // exports to USB or zip
	CallsVerify    Permission = "calls.verify"    // verify calls, the store, exports
	LiveListen     Permission = "live.listen"     // listen to a line in progress
	LinesSetup     Permission = "lines.setup"     // line settings
	DiagView       Permission = "diag.view"       // technician page, diagnostics, alarms
	SystemView     Permission = "system.view"     // system page, metrics
	AuditView      Permission = "audit.view"      // the audit log
	UsersManage    Permission = "users.manage"    // users and API tokens
	SettingsManage Permission = "settings.manage" // device settings (webhook, QA criteria)
)

// Permissions lists every permission in a stable order.
var Permissions = []Permission{
	LinesView, CallsView, CallsPlay, CallsAnnotate, CallsKeep, CallsDelete, CallsExport,
	CallsVerify, LiveListen, LinesSetup, DiagView, SystemView, AuditView, UsersManage,
	SettingsManage,
}

// grants is the role × permission matrix. Admin is not listed: it holds
// every permission.
var grants = map[Role][]Permission{
	Supervisor: {LinesView, CallsView, CallsPlay, CallsAnnotate, CallsKeep, CallsExport, LiveListen, SystemView},
	Technician: {LinesView, LinesSetup, DiagView, SystemView},
	Auditor:    {LinesView, CallsView, CallsPlay, CallsExport, CallsVerify, SystemView, AuditView},
}

// Can reports whether role r holds permission p.
func (r Role) Can(p Permission) bool {
	if r == Admin {
		return slices.Contains(Permissions, p)
	}
	return slices.Contains(grants[r], p)
}

// Grants returns the permissions of r in the order of Permissions.
func (r Role) Grants() []Permission {
	var out []Permission
	for _, p := range Permissions {
		if r.Can(p) {
			out = append(out, p)
		}
	}
	return out
}

// Covers reports whether r holds every permission of other, i.e. whether a
// user with role r may hand out other (to a user or an API token).
func (r Role) Covers(other Role) bool {
	for _, p := range other.Grants() {
		if !r.Can(p) {
			return false
		}
	}
	return true
}

// Principal is who makes a request.
type Principal struct {
	// User is the user name ("local" for the daemon's control socket).
	User string `json:"user"`
	// Role fixes the permissions.
	Role Role `json:"role"`
	// Token is the API token's ID when the request came with one.
	Token string `json:"token,omitempty"`
}

// Can reports whether p holds permission perm. The zero Principal (nobody
// logged in) holds none.
func (p Principal) Can(perm Permission) bool { return p.User != "" && p.Role.Can(perm) }

// Who is how the principal is named in the audit log: the user, or
// "user (token ID)" for an API token.
func (p Principal) Who() string {
	if p.Token != "" {
		return p.User + " (token " + p.Token + ")"
	}
	return p.User
}

package auth

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the package.
var (
	// ErrBadRole is returned for a role name that is not one of Roles.
	ErrBadRole = errors.New("auth: unknown role")
	// ErrBadName is returned for a user name that is empty, too long or
	// holds characters other than letters, digits and . _ @ -.
	ErrBadName = errors.New("auth: bad user name")
	// ErrWeakPassword is returned for a password shorter than
	// MinPasswordLen characters or longer than MaxPasswordBytes bytes.
	ErrWeakPassword = errors.New("auth: password not accepted")
	// ErrUserExists is returned by AddUser for a name already taken.
	ErrUserExists = errors.New("auth: user exists")
	// ErrNoUser is returned for a user name that does not exist.
	ErrNoUser = errors.New("auth: no such user")
	// ErrBadCredentials is returned by Login for a wrong name or password
	// (the same error for both, so that names cannot be probed).
	ErrBadCredentials = errors.New("auth: wrong user name or password")
	// ErrNoSession is returned for a session token that is unknown,
	// expired or logged out.
	ErrNoSession = errors.New("auth: no session")
	// ErrBadToken is returned for an API token that is malformed, unknown
	// or revoked.
	ErrBadToken = errors.New("auth: bad API token")
	// ErrSetupClosed is returned by Setup once a user exists.
	ErrSetupClosed = errors.New("auth: setup is closed: users exist")
	// ErrBadSetupCode is returned by Setup for a wrong code.
	ErrBadSetupCode = errors.New("auth: wrong setup code")
	// ErrLastAdmin is returned for a change that would leave no enabled
	// admin.
	ErrLastAdmin = errors.New("auth: the last admin cannot be removed, demoted or disabled")
	// ErrRoleTooHigh is returned when a principal hands out a role that
	// holds permissions it does not hold itself.
	ErrRoleTooHigh = errors.New("auth: role exceeds the creator's")
	// ErrBadHash is returned for a stored password hash that is not an
	// argon2id PHC string this package can check.
	ErrBadHash = errors.New("auth: malformed password hash")
	// ErrBadSessionRecord is what a stored session record that cannot be
	// read (truncated, another version, garbage) wraps; such a record is
	// dropped when New loads the sessions and passed to Options.Audit.
	ErrBadSessionRecord = errors.New("auth: unreadable session record")
	// ErrOptions is returned by New for options it cannot work with.
	ErrOptions = errors.New("auth: bad options")
)

// LockedError is returned by Login while the user name or the source
// address is locked out after too many failures. It wraps ErrBadCredentials.
type LockedError struct {
	// What is locked: "user NAME" or "address ADDR".
	What string
	// RetryAfter is how long the lockout still lasts.
	RetryAfter time.Duration
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("auth: too many failed logins for %s: locked for %s", e.What, e.RetryAfter.Round(time.Second))
}

// Unwrap makes errors.Is(err, ErrBadCredentials) true.
func (e *LockedError) Unwrap() error { return ErrBadCredentials }

package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password limits. NIST SP 800-63B §5.1.1.2: at least 8 characters, allow
// at least 64; we ask for 10 because a recorder holds other people's
// conversations.
const (
	MinPasswordLen   = 10  // characters
	MaxPasswordBytes = 256 // bytes, bounding the hashing work of a request
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
}

// DefaultParams is RFC 9106 §4's second recommended option, for machines
// with less memory: argon2id, t=3, p=4, m=64 MiB.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 4}

// Sizes of the salt and the hash (RFC 9106 §3.1: a 16-byte salt suffices;
// a 32-byte tag).
const (
	saltBytes = 16
	hashBytes = 32
)

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// CheckPassword returns an error wrapping ErrWeakPassword when pw is not
// acceptable as a new password.
func CheckPassword(pw string) error {
	switch {
	case len(pw) > MaxPasswordBytes:
		return fmt.Errorf("%w: longer than %d bytes", ErrWeakPassword, MaxPasswordBytes)
	case !utf8.ValidString(pw):
		return fmt.Errorf("%w: not valid UTF-8", ErrWeakPassword)
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return fmt.Errorf("%w: shorter than %d characters", ErrWeakPassword, MinPasswordLen)
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in the PHC string format:
// $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>.
func HashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading random salt: %w", err)
	}
	return phc(p, salt, argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, hashBytes)), nil
}

// phc formats an argon2id hash as a PHC string.
func phc(p Params, salt, sum []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum))
}

// maxParams bound what a stored hash may ask for, so that a tampered users
// bucket cannot make a login allocate gigabytes.
var maxParams = Params{Memory: 1 << 20, Time: 16, Threads: 16}

// ParseHash reads a PHC argon2id string. It returns an error wrapping
// ErrBadHash that says what is wrong.
func ParseHash(encoded string) (p Params, salt, sum []byte, err error) {
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 $-separated fields", ErrBadHash)
	}
	if f[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q is not argon2id", ErrBadHash, f[1])
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q (want v=%d)", ErrBadHash, f[2], argon2.Version)
	}
	for _, kv := range strings.Split(f[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(v, 10, 32)
		if !ok || perr != nil || n == 0 {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, fmt.Errorf("%w: unknown parameter %q", ErrBadHash, k)
		}
	}
	switch {
	case p.Memory == 0 || p.Time == 0 || p.Threads == 0:
		return p, nil, nil, fmt.Errorf("%w: m, t and p are all required", ErrBadHash)
	case p.Memory > maxParams.Memory || p.Time > maxParams.Time || p.Threads > maxParams.Threads:
		return p, nil, nil, fmt.Errorf("%w: parameters %q beyond m=%d,t=%d,p=%d", ErrBadHash, f[3], maxParams.Memory, maxParams.Time, maxParams.Threads)
	case p.Memory < 8*uint32(p.Threads):
		return p, nil, nil, fmt.Errorf("%w: m=%d is below 8×p (RFC 9106 §3.1)", ErrBadHash, p.Memory)
	}
	if salt, err = b64.DecodeString(f[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt is not base64 of at least 8 bytes", ErrBadHash)
	}
	if sum, err = b64.DecodeString(f[5]); err != nil || len(sum) < 16 {
		return p, nil, nil, fmt.Errorf("%w: hash is not base64 of at least 16 bytes", ErrBadHash)
	}
	return p, salt, sum, nil
}

// VerifyPassword reports whether pw matches the PHC string encoded, in
// constant time with respect to the hash.
func VerifyPassword(encoded, pw string) (bool, error) {
	p, salt, sum, err := ParseHash(encoded)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPasswordBytes {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(sum)))
	return subtle.ConstantTimeCompare(got, sum) == 1, nil
}

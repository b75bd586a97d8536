package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/linetap/linetap/web/auth"
)

// fast are argon2id parameters cheap enough for tests.
var fast = auth.Params{Memory: 64, Time: 1, Threads: 1}

func TestHashAndVerify(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string with the parameters", h)
	}
	h2, _ := auth.HashPassword("correct horse battery", fast)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for pw, want := range map[string]bool{
		"correct horse battery":  true,
		"correct horse battery ": false,
		"Correct horse battery":  false,
		"":                       false,
	} {
		got, err := auth.VerifyPassword(h, pw)
		if err != nil || got != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, got, err, want)
		}
	}
}

// TestDefaultParams checks the RFC 9106 §4 option the product ships with.
func TestDefaultParams(t *testing.T) {
	if p := auth.DefaultParams; p.Memory != 65536 || p.Time != 3 || p.Threads != 4 {
		t.Errorf("DefaultParams = %+v, want m=65536 t=3 p=4", p)
	}
}

func TestParseHashRejects(t *testing.T) {
	good, _ := auth.HashPassword("0123456789", fast)
	f := strings.Split(good, "$")
	tests := map[string]string{
		"empty":           "",
		"bcrypt":          "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"argon2i":         "$argon2i$" + strings.Join(f[2:], "$"),
		"old version":     "$argon2id$v=16$" + strings.Join(f[3:], "$"),
		"missing t":       "$argon2id$v=19$m=64,p=1$" + f[4] + "$" + f[5],
		"huge memory":     "$argon2id$v=19$m=4194304,t=1,p=1$" + f[4] + "$" + f[5],
		"zero time":       "$argon2id$v=19$m=64,t=0,p=1$" + f[4] + "$" + f[5],
		"memory below 8p": "$argon2id$v=19$m=8,t=1,p=4$" + f[4] + "$" + f[5],
		"bad salt":        "$argon2id$v=19$m=64,t=1,p=1$!!!$" + f[5],
		"short hash":      "$argon2id$v=19$m=64,t=1,p=1$" + f[4] + "$AAAA",
		"unknown param":   "$argon2id$v=19$m=64,t=1,p=1,x=2$" + f[4] + "$" + f[5],
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := auth.VerifyPassword(h, "0123456789"); !errors.Is(err, auth.ErrBadHash) {
				t.Errorf("VerifyPassword(%q) error = %v, want ErrBadHash", h, err)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"short", false},
		{"123456789", false},
		{"1234567890", true},
		{"ünïcödé-pässwörd", true},
		{"ääääääääää", true}, // ten characters, twenty bytes
		{strings.Repeat("x", 256), true},
		{strings.Repeat("x", 257), false},
		{"\xff\xfe0123456789", false},
	}
	for _, tt := range tests {
		err := auth.CheckPassword(tt.pw)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, auth.ErrWeakPassword)) {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
	}
}

// FuzzParseHash: no input panics, and whatever parses verifies without error.
func FuzzParseHash(f *testing.F) {
	good, _ := auth.HashPassword("0123456789", fast)
	f.Add(good)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, h string) {
		p, salt, sum, err := auth.ParseHash(h)
		if err != nil {
			if !errors.Is(err, auth.ErrBadHash) {
				t.Fatalf("error %v does not wrap ErrBadHash", err)
			}
			return
		}
		if p.Memory > 1<<20 || len(salt) < 8 || len(sum) < 16 {
			t.Fatalf("accepted %q: %+v salt %d sum %d", h, p, len(salt), len(sum))
		}
		if p.Memory <= 4096 && p.Time <= 2 { // keep the fuzzer fast
			if _, err := auth.VerifyPassword(h, "x"); err != nil {
				t.Fatalf("parsed but VerifyPassword failed: %v", err)
			}
		}
	})
}

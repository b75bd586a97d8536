package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/web/auth"
)

// userCmd runs `linetap user ARGS` as main does.
func userCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"user"}, args...), &out, &errb)
	return out.String() + errb.String(), err
}

func TestUserCommands(t *testing.T) {
	for _, withDaemon := range []bool{false, true} {
		name := map[bool]string{false: "files", true: "daemon"}[withDaemon]
		t.Run(name, func(t *testing.T) {
			dir := record(t)
			if withDaemon {
				serve(t, dir)
			}
			ctx := context.Background()
			var out bytes.Buffer
			in := strings.NewReader("correct horse battery\n")
			if err := cmdUser(ctx, []string{"add", "--data", dir, "--role", "admin", "boss"}, in, &out, &out); err != nil {
				t.Fatalf("add: %v: %s", err, out.String())
			}
			if err := cmdUser(ctx, []string{"add", "--data", dir, "--role", "technician", "tech"}, strings.NewReader("another good one\n"), &out, &out); err != nil {
				t.Fatalf("add tech: %v", err)
			}
			err := cmdUser(ctx, []string{"add", "--data", dir, "--role", "auditor", "weak"}, strings.NewReader("short\n"), &out, &out)
			if !errors.Is(err, auth.ErrWeakPassword) {
				t.Errorf("weak password: %v", err)
			}
			if err := cmdUser(ctx, []string{"add", "--data", dir, "--role", "root", "x"}, strings.NewReader("correct horse battery\n"), &out, &out); !errors.Is(err, errUsage) {
				t.Errorf("bad role: %v", err)
			}
			if err := cmdUser(ctx, []string{"add", "--data", dir, "--role", "admin", "boss"}, strings.NewReader("correct horse battery\n"), &out, &out); err == nil || !strings.Contains(err.Error(), "exists") {
				t.Errorf("duplicate: %v", err)
			}
			if err := cmdUser(ctx, []string{"passwd", "--data", dir, "tech"}, strings.NewReader("a brand new password\n"), &out, &out); err != nil {
				t.Fatalf("passwd: %v", err)
			}
			out.Reset()
			if err := cmdUser(ctx, []string{"list", "--data", dir}, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			if l := out.String(); !strings.Contains(l, "boss") || !strings.Contains(l, "technician") || strings.Contains(l, "weak") {
				t.Errorf("list:\n%s", l)
			}
			if err := cmdUser(ctx, []string{"del", "--data", dir, "boss"}, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "last admin") {
				t.Errorf("deleting the last admin: %v", err)
			}
			if err := cmdUser(ctx, []string{"del", "--data", dir, "tech"}, nil, &out, &out); err != nil {
				t.Fatalf("del: %v", err)
			}
			if withDaemon {
				return
			}
			// The users are in the store: a login with the password works,
			// and every change is in the audit log.
			st, err := storage.Open(dir, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			svc, err := auth.New(auth.Options{KV: st})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.Login(ctx, "boss", "correct horse battery", "test"); err != nil {
				t.Errorf("login as the added admin: %v", err)
			}
			log, err := st.AuditLog(0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var acts []string
			for _, e := range log {
				acts = append(acts, e.Action)
			}
			if got := strings.Join(acts, ","); !strings.Contains(got, "user-add,user-add,user-change,user-delete") {
				t.Errorf("audit log %s", got)
			}
		})
	}
}

func TestUserUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"add", "--data", "x"}, {"frob", "--data", "x", "y"}, {"list", "--data", "x", "extra"}, {"del", "--data", "x", "--role", "admin", "y"}} {
		if _, err := userCmd(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("user %v: %v, want a usage error", args, err)
		}
	}
}

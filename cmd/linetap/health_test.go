package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestHealth(t *testing.T) {
	dir := record(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"health", "--data", dir}, &out, &out); err == nil || exitCode(err) != 1 {
		t.Errorf("health without a daemon: %v, want exit 1", err)
	}
	serve(t, dir)
	out.Reset()
	if err := run(context.Background(), []string{"health", "--data", dir}, &out, &out); err != nil || out.String() != "ok\n" {
		t.Errorf("health with the daemon: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"health"}, &out, &out); !errors.Is(err, errUsage) {
		t.Errorf("health without --data: %v", err)
	}
}

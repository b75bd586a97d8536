package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
	"github.com/linetap/linetap/storage/export"
	"github.com/linetap/linetap/web"
	"github.com/linetap/linetap/web/auth"
)

// SetupCodeFile holds the one-time setup code in the data directory until
// the first admin exists (the appliance shows it on the console).
const SetupCodeFile = "setup-code"

var _ auth.KV = (*storage.Store)(nil)

// openAuth opens the users of the store. With no user yet it prints the
// setup code and writes it to SetupCodeFile (0600), which goes once the
// first admin is created.
func openAuth(data string, store *storage.Store, log *slog.Logger, stdout io.Writer) (*auth.Service, error) {
	codePath := filepath.Join(data, SetupCodeFile)
	svc, err := auth.New(auth.Options{
		KV:     store,
		Logger: log,
		Audit: func(e auth.AuditEvent) error {
			_, err := store.Audit(storage.AuditEntry{Who: e.Who, Action: e.Action, Detail: strings.TrimSpace(e.Detail + " from " + e.Source)})
			return err
		},
		OnFirstUser: func() {
			if err := os.Remove(codePath); err != nil && !errors.Is(err, os.ErrNotExist) {
				log.Warn("removing the setup code", "err", err)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	if code := svc.SetupCode(); code != "" {
		if err := os.WriteFile(codePath, []byte(code+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("setup code: %w", err)
		}
		fmt.Fprintf(stdout, "linetapd: no users yet: open the web UI's /setup page with the setup code %s\n", code)
		fmt.Fprintf(stdout, "linetapd: (or run: linetap user add --data %s --role admin NAME)\n", data)
	} else if err := os.Remove(codePath); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("removing a stale setup code", "err", err)
	}
	return svc, nil
}

// alarmsOf returns the web UI's alarm list: the engine's and the store's.
func alarmsOf(store *storage.Store, eng *linetap.Engine) func() []web.Alarm {
	return func() []web.Alarm {
		var out []web.Alarm
		for _, a := range eng.Alarms() {
			out = append(out, web.Alarm{Kind: string(a.Kind), Message: a.Message, Since: a.Since, Active: a.Active})
		}
		for _, a := range store.Alarms() {
			out = append(out, web.Alarm{Kind: string(a.Kind), Message: a.Message, Since: a.Since, Active: a.Active})
		}
		return out
	}
}

// openExports makes the export job runner: zips in DATA/exports, signed
// with the device key (made on first start), audited in the store.
func openExports(data string, store *storage.Store, floor int64, log *slog.Logger) (*export.Jobs, error) {
	key, err := export.LoadOrCreateKey(data)
	if err != nil {
		return nil, fmt.Errorf("export key: %w", err)
	}
	work := filepath.Join(data, "exports")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, fmt.Errorf("exports: %w", err)
	}
	return export.NewJobs(export.JobsOptions{
		Source: export.StoreSource(store), Key: key, WorkDir: work, Logger: log,
		// A zip is written into the data directory: it stops before it
		// takes the room recording needs.
		WrapTarget: func(t export.Target) export.Target {
			return roomGuard{Target: t, dir: work, floor: floor, free: export.FreeBytes}
		},
		Audit: func(who, action, detail string) {
			if _, err := store.Audit(storage.AuditEntry{Who: who, Action: action, Detail: detail}); err != nil {
				log.Error("auditing an export", "err", err)
			}
		},
	})
}

// readFloat reads the first number of a file such as /proc/loadavg.
func readFloat(path string) (float64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return v, err == nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// The test binary doubles as linetapd: with LINETAPD_ARGS set it runs the
// daemon with those arguments, so the crash test kills a real process.
func TestMain(m *testing.M) {
	if args := os.Getenv("LINETAPD_ARGS"); args != "" {
		os.Args = append([]string{"linetapd"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type daemonProc struct {
	cmd    *exec.Cmd
	out    bytes.Buffer
	sock   string
	client *http.Client
}

func startDaemon(t *testing.T, data string, args ...string) *daemonProc {
	t.Helper()
	d := &daemonProc{sock: filepath.Join(data, SocketName)}
	d.cmd = exec.Command(os.Args[0], "-test.run=^$")
	d.cmd.Env = append(os.Environ(), "LINETAPD_ARGS="+strings.Join(append([]string{"--data", data, "--listen", "127.0.0.1:0"}, args...), " "))
	d.cmd.Stdout = &d.out
	d.cmd.Stderr = &d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			d.cmd.Wait()
		}
	})
	d.client = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "unix", d.sock)
	}}, Timeout: 10 * time.Second}
	return d
}

// calls asks the daemon for its calls; an error while it is starting.
func (d *daemonProc) calls() ([]linetap.Call, error) {
	resp, err := d.client.Get("http://linetapd/api/v1/calls?limit=500")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("%s: %s", resp.Status, b)
	}
	var page struct {
		Calls []linetap.Call `json:"calls"`
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	return page.Calls, err
}

// waitFor polls the daemon until ok says its calls are as wanted. The
// deadline only guards against a hang; nothing is asserted about speed.
func (d *daemonProc) waitFor(t *testing.T, what string, ok func([]linetap.Call) bool) []linetap.Call {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		cs, err := d.calls()
		if err == nil && ok(cs) {
			return cs
		}
		if d.cmd.ProcessState != nil || time.Now().After(deadline) {
			t.Fatalf("waiting for %s: calls %+v, err %v\ndaemon output:\n%s", what, cs, err, d.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func byLine(cs []linetap.Call, line int) *linetap.Call {
	for i := range cs {
		if cs[i].Line == line {
			return &cs[i]
		}
	}
	return nil
}

const crashScenario = `
# line 0: a short inbound call that ends early; line 1: a long outbound call
inbound  line=0 at=1s cid=bell202-sdmf number=5551000 rings=1 pickup=500ms talk=2s
outbound line=1 at=1s digits=123 dialtone=500ms ringback=1 talk=10m
`

// TestKillDuringACall kills linetapd with SIGKILL in the middle of a call,
// restarts it, and checks that the finished call is intact and verifies,
// and that the interrupted one is kept up to its last committed second and
// marked interrupted.
func TestKillDuringACall(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	scn := filepath.Join(dir, "crash.scn")
	if err := os.WriteFile(scn, []byte(crashScenario), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "linetap.json")
	if err := os.WriteFile(cfg, []byte(`{"source": {"kind": "sim", "scenario": "`+scn+`", "speed": 8},
		"lines": [{"name": "Front"}, {"name": "Back"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, data, "--config", cfg)
	before := d.waitFor(t, "a finished call and 5 s of the long one", func(cs []linetap.Call) bool {
		a, b := byLine(cs, 0), byLine(cs, 1)
		return a != nil && a.State == linetap.StateComplete && b != nil && b.Samples >= 5*8000
	})
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	d.cmd.Wait()
	if ws := d.cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("daemon was not killed: %v", d.cmd.ProcessState)
	}
	done, live := *byLine(before, 0), *byLine(before, 1)

	// The restart recovers the interrupted call and records on.
	d2 := startDaemon(t, data, "--config", cfg)
	d2.waitFor(t, "the restarted daemon", func(cs []linetap.Call) bool { return len(cs) >= 2 })
	if err := d2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d2.cmd.Wait(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, d2.out.String())
	}
	if !strings.Contains(d2.out.String(), "interrupted by a crash or power cut") {
		t.Errorf("the restart did not report the interrupted call:\n%s", d2.out.String())
	}

	st, err := storage.Open(data, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Call(done.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != done.SHA256 || got.Samples != done.Samples || got.State != linetap.StateComplete ||
		got.CallerID.Number != "5551000" {
		t.Errorf("finished call changed by the crash:\n was %+v\n now %+v", done, got)
	}
	cut, err := st.Call(live.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cut.State != linetap.StateInterrupted || cut.EndReason != linetap.EndCrash {
		t.Errorf("interrupted call: state %q reason %q", cut.State, cut.EndReason)
	}
	// It keeps at least what was committed when the daemon was asked, and
	// the kill came soon after (at 8× speed, a few seconds of line time).
	if cut.Samples < live.Samples || cut.Samples > live.Samples+60*8000 {
		t.Errorf("interrupted call keeps %d samples; %d were committed before the kill", cut.Samples, live.Samples)
	}
	if want := cut.AudioStart.Add(cut.AudioDuration()); !cut.End.Equal(want) {
		t.Errorf("interrupted call ends %v, its audio ends %v", cut.End, want)
	}
	for _, id := range []uint64{done.ID, live.ID} {
		if err := st.Verify(id); err != nil {
			t.Errorf("call %d: %v", id, err)
		}
	}
	if err := st.Check(); err != nil {
		t.Error(err)
	}
}

func TestRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, cfg, want string }{
		{"unknown key", `{"lines": [{"name": "a", "codex": "pcmu"}]}`, "lines[0].codex: unknown key"},
		{"duplicate line", `{"lines": [{"name": "a"}, {"name": "a", "channel": 1}]}`, `lines[1].name: "a" used twice`},
		{"out of range", `{"postroll": "1h"}`, "postroll: 1h0m0s out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(p, []byte(tc.cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(dir, "data-"+tc.name)
			err := run(context.Background(), []string{"--config", p, "--data", data}, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("err = %v, want it to name %s and %q", err, p, tc.want)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused config created the data directory (%v)", err)
			}
		})
	}
}

func TestRefusesForeignDataDirectory(t *testing.T) {
	data := t.TempDir()
	junk := []byte("these are my tax returns, not a linetap index\n")
	if err := os.WriteFile(filepath.Join(data, "index.db"), junk, 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"--data", data, "--listen", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "index.db") {
		t.Fatalf("err = %v, want a refusal naming index.db", err)
	}
	got, _ := os.ReadFile(filepath.Join(data, "index.db"))
	if !bytes.Equal(got, junk) {
		t.Error("the foreign file was modified")
	}
	entries, _ := os.ReadDir(data)
	if len(entries) != 1 {
		t.Errorf("the data directory gained files: %v", entries)
	}
}

func TestStorageOptionsFromConfig(t *testing.T) {
	cfg, err := linetap.LoadConfig(strings.NewReader(`{"storage": {"retention_days": 30, "min_free_mb": 512, "key_file": "/etc/k"},
		"lines": [{"name": "a"}, {"name": "b", "channel": 1, "retention_days": 7}]}`))
	if err != nil {
		t.Fatal(err)
	}
	o := storageOptions(cfg, nil)
	day := 24 * time.Hour
	if o.Retention.MaxAge != 30*day || o.Retention.MinFree != 512<<20 || o.KeyFile != "/etc/k" {
		t.Errorf("options %+v", o)
	}
	if len(o.Retention.LineMaxAge) != 1 || o.Retention.LineMaxAge[1] != 7*day {
		t.Errorf("per-line retention %v", o.Retention.LineMaxAge)
	}
}

func TestRefusesAKeyFileOthersCanRead(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "audio.key")
	if err := storage.NewKeyFile(key); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "c.json")
	if err := os.WriteFile(cfg, []byte(`{"storage": {"key_file": "`+key+`"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"--config", cfg, "--data", filepath.Join(dir, "data"), "--listen", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), key) {
		t.Fatalf("err = %v, want a refusal naming %s", err, key)
	}
}

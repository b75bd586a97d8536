package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Where the driver keeps linetapd's config and log in the VM.
const (
	linetapdConfig = "/tmp/linetapd.json"
	linetapdLog    = "/tmp/linetapd.log"
)

// linetapd is the daemon under test.
type linetapd struct {
	*exec.Cmd
	log *os.File
}

// startLinetapd writes cfg (cfgErr: why it could not be made), starts
// linetapd on data with its output in linetapdLog and waits for its
// control socket: up to 120 s, for start-up (storage, the self-signed
// certificate) is slow under TCG on a busy host. On failure it records
// why in r ("config" or "linetapd start") and returns nil.
func startLinetapd(r *Result, cfg []byte, cfgErr error, data string) *linetapd {
	err := cfgErr
	if err == nil {
		err = os.WriteFile(linetapdConfig, cfg, 0o644)
	}
	var dlog *os.File
	if err == nil {
		dlog, err = os.Create(linetapdLog)
	}
	if err != nil {
		r.add("config", "", err)
		return nil
	}
	d := &linetapd{Cmd: exec.Command("linetapd", "--config", linetapdConfig, "--data", data, "--listen", "127.0.0.1:8080"), log: dlog}
	d.Stdout, d.Stderr = dlog, dlog
	if err := d.Start(); err != nil {
		dlog.Close()
		r.add("linetapd start", "", err)
		return nil
	}
	sock := filepath.Join(data, "linetapd.sock")
	for i := 0; i < 1200; i++ {
		if _, err := os.Stat(sock); err == nil {
			return d
		}
		time.Sleep(100 * time.Millisecond)
	}
	d.kill()
	dlog.Close()
	r.add("linetapd start", "", fmt.Errorf("no %s within 120 s; log:\n%s", sock, tail(linetapdLog)))
	return nil
}

// kill stops linetapd at once (a run that cannot go on).
func (d *linetapd) kill() {
	d.Process.Kill()
	d.Wait()
}

// stop sends SIGTERM and waits up to 30 s for linetapd to commit and exit.
func (d *linetapd) stop() error {
	d.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		d.Process.Kill()
		return fmt.Errorf("no exit within 30 s of SIGTERM")
	}
}

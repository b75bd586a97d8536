package storage_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/storage"
)

// crashEnv names the data directory the helper process writes to.
const crashEnv = "LINETAP_STORAGE_CRASH_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		if err := crashHelper(dir); err != nil {
			fmt.Fprintln(os.Stderr, "crash helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashHelper records four lines into dir, in batches, until killed.
func crashHelper(dir string) error {
	s, err := storage.Open(dir, storage.Options{SegmentSize: 96 << 10, Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	lines := make([]*callGen, 4)
	for {
		var b linetap.Batch
		for i := range lines {
			if lines[i] == nil {
				lines[i] = newCall(helperTB{}, s, i, "l16")
			}
			g := lines[i]
			b.Chunks = append(b.Chunks, g.chunk(noise(r, 200+r.IntN(800))))
			if r.IntN(8) == 0 {
				g.finish()
				lines[i] = nil
			}
			b.Calls = append(b.Calls, g.call)
		}
		if err := s.Commit(&b); err != nil {
			return err
		}
	}
}

// helperTB lets the test helpers run in the helper process.
type helperTB struct{ testing.TB }

func (helperTB) Helper() {}
func (helperTB) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(2)
}
func (h helperTB) Fatalf(f string, args ...any) { h.Fatal(fmt.Sprintf(f, args...)) }

func TestCrash(t *testing.T) {
	dir := t.TempDir() + "/data"
	r := rand.New(rand.NewPCG(11, 12))
	recovered := 0
	for round := 0; round < 20; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+r.IntN(400)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		if err := cmd.Wait(); err == nil || cmd.ProcessState.ExitCode() == 2 {
			t.Fatalf("round %d: helper ended on its own: %v", round, err)
		}
		s, err := storage.Open(dir, storage.Options{})
		if err != nil {
			t.Fatalf("round %d: Open after SIGKILL: %v", round, err)
		}
		recovered += len(s.Recovered())
		if err := s.Check(); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		calls, err := s.Calls(linetap.CallQuery{Limit: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range calls {
			if c.State == linetap.StateRecording {
				t.Errorf("round %d: call %d still recording after Open", round, c.ID)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	calls := func() int {
		s, err := storage.Open(dir, storage.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		c, _ := s.Calls(linetap.CallQuery{Limit: 1 << 30})
		return len(c)
	}()
	t.Logf("%d calls, %d recovered, %d segments", calls, recovered, len(segmentFiles(t, dir)))
	if calls == 0 || recovered == 0 {
		t.Errorf("the helper stored %d calls and %d were recovered: the crash test tested nothing", calls, recovered)
	}
	checkDir(t, dir)
}

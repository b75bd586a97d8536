package storage_test

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
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
	if dir := os.Getenv(flushEnv); dir != "" {
		if err := flushHelper(dir); err != nil {
			fmt.Fprintln(os.Stderr, "flush helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashHelper records eight lines into dir, in batches, until killed;
// now and then it deletes the oldest finished call, so that kills also
// land in deletions and segment reclaims.
func crashHelper(dir string) error {
	s, err := storage.Open(dir, storage.Options{SegmentSize: 96 << 10, Timeout: 10 * time.Second, Retention: storage.Retention{MinFree: -1}})
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	lines := make([]*callGen, 8)
	var done []uint64
	// First the oldest call a previous round finished.
	old, err := s.Calls(linetap.CallQuery{Limit: 1 << 20})
	if err != nil {
		return err
	}
	for i := len(old) - 1; i >= 0; i-- {
		if old[i].State != linetap.StateRecording {
			done = append(done, old[i].ID)
			break
		}
	}
	for n := 0; ; n++ {
		var b linetap.Batch
		for i := range lines {
			if lines[i] == nil {
				lines[i] = newCall(helperTB{}, s, i, "l16")
			}
			g := lines[i]
			b.Chunks = append(b.Chunks, g.chunk(noise(r, 200+r.IntN(800))))
			if r.IntN(8) == 0 {
				g.finish()
				done = append(done, g.call.ID)
				lines[i] = nil
			}
			b.Calls = append(b.Calls, g.call)
		}
		if err := s.Commit(&b); err != nil {
			return err
		}
		if n%3 == 0 && len(done) > 0 {
			if _, err := s.Delete(done[:1], "crash-helper", "test"); err != nil {
				return err
			}
			done = done[1:]
		}
		if n == 0 {
			fmt.Println("recording") // the test kills from now on
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

// powerCutRounds is how many times TestPowerCut kills the writer: 10,
// or LINETAP_POWERCUT_ROUNDS (make powercut runs 100).
func powerCutRounds(t *testing.T) int {
	if v := os.Getenv("LINETAP_POWERCUT_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("LINETAP_POWERCUT_ROUNDS=%q: want a positive count", v)
		}
		return n
	}
	return 10
}

// TestPowerCut kills a process recording eight lines with SIGKILL at
// random moments: after each kill the store opens, every committed call
// verifies, no record points at missing audio and the chain verifies.
// startWriter starts this test binary as the writer process TestMain
// dispatches by the environment variable env (set to dir), and returns it
// with its standard output.
func startWriter(t *testing.T, env, dir string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewReader(out)
}

func TestPowerCut(t *testing.T) {
	dir := t.TempDir() + "/data"
	r := rand.New(rand.NewPCG(11, 12))
	recovered := 0
	rounds := powerCutRounds(t)
	for round := 0; round < rounds; round++ {
		cmd, out := startWriter(t, crashEnv, dir)
		// Kill at a random moment after the first batch, however slow
		// the machine is to start the helper.
		if line, err := out.ReadString('\n'); err != nil || line != "recording\n" {
			t.Fatalf("round %d: helper said %q, %v", round, line, err)
		}
		time.Sleep(time.Duration(r.IntN(400)) * time.Millisecond)
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
		if rep, err := s.VerifyAll(); err != nil {
			t.Errorf("round %d: VerifyAll: %v %v", round, err, rep.Breaks)
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
	s, err := storage.Open(dir, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.Calls(linetap.CallQuery{Limit: 1 << 30})
	rep, err := s.VerifyAll()
	if err := errors.Join(err, s.Close()); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rounds: %d calls, %d recovered, %d deleted, %d segments", rounds, len(c), recovered, rep.Deleted, len(segmentFiles(t, dir)))
	if len(c) == 0 || recovered == 0 || rep.Deleted == 0 {
		t.Errorf("the helper stored %d calls, %d were recovered and %d deleted: the power-cut test tested too little", len(c), recovered, rep.Deleted)
	}
	checkDir(t, dir)
}

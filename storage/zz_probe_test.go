package storage_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linetap/linetap/storage"
)

func TestZZProbe(t *testing.T) {
	src := goodDir(t)
	good, _ := os.ReadFile(filepath.Join(src, "index.db"))
	r := rand.New(rand.NewPCG(1, 2))
	st := time.Now()
	for i := 0; i < 6000; i++ {
		b := append([]byte(nil), good...)
		for j := 0; j < 1+r.IntN(8); j++ {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "index.db"), b, 0o600)
		s, err := storage.Open(dir, storage.Options{})
		if err == nil {
			s.Check()
			s.Close()
		}
		if i%1000 == 999 {
			t.Logf("%d %v", i, time.Since(st))
			st = time.Now()
		}
	}
}

package storage_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/linetap/linetap"
	"github.com/linetap/linetap/dsp/codec"
	"github.com/linetap/linetap/storage"
)

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "linetap")
	defer os.RemoveAll(dir)
	s, err := storage.Open(filepath.Join(dir, "data"), storage.Options{SegmentSize: 64 << 20})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println("recovered:", len(s.Recovered()))
	// Output: recovered: 0
}

func ExampleStore_Commit() {
	dir, _ := os.MkdirTemp("", "linetap")
	defer os.RemoveAll(dir)
	s, err := storage.Open(dir, storage.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	id, err := s.NewCallID()
	if err != nil {
		log.Fatal(err)
	}
	l16, _ := codec.Lookup("l16")
	data := l16.Encode(nil, make([]int16, 8000)) // 1 s of silence
	sum := sha256.Sum256(data)                   // the hash runs over every chunk so far
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	err = s.Commit(&linetap.Batch{
		Chunks: []linetap.Chunk{{Call: id, Seq: 0, Offset: 0, Samples: 8000, Data: data}},
		Calls: []linetap.Call{{
			ID: id, State: linetap.StateRecording, Start: start, AudioStart: start,
			Rate: 8000, Codec: "l16", Samples: 8000, SHA256: hex.EncodeToString(sum[:]),
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	c, _ := s.Call(id)
	fmt.Println(c.ID, c.State, c.AudioDuration())
	// Output: 1 recording 1s
}

func ExampleStore_PCM() {
	dir, _ := os.MkdirTemp("", "linetap")
	defer os.RemoveAll(dir)
	s, err := storage.Open(dir, storage.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	id, _ := s.NewCallID()
	l16, _ := codec.Lookup("l16")
	data := l16.Encode(nil, []int16{100, -200, 300})
	sum := sha256.Sum256(data)
	err = s.Commit(&linetap.Batch{
		Chunks: []linetap.Chunk{{Call: id, Samples: 3, Data: data}},
		Calls:  []linetap.Call{{ID: id, State: linetap.StateComplete, Rate: 8000, Codec: "l16", Samples: 3, SHA256: hex.EncodeToString(sum[:])}},
	})
	if err != nil {
		log.Fatal(err)
	}
	pcm, err := s.PCM(id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pcm, s.Verify(id))
	// Output: [100 -200 300] <nil>
}

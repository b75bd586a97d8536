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

// exampleStore records three finished calls without audio into a fresh
// store and returns it with a cleanup.
func exampleStore(opt storage.Options) (*storage.Store, func()) {
	dir, _ := os.MkdirTemp("", "linetap")
	s, err := storage.Open(dir, opt)
	if err != nil {
		log.Fatal(err)
	}
	empty := sha256.Sum256(nil)
	for i, number := range []string{"6095551212", "2125550100", "6095559999"} {
		id, err := s.NewCallID()
		if err != nil {
			log.Fatal(err)
		}
		start := time.Date(2025, 3, 14, 9, i, 0, 0, time.UTC)
		c := linetap.Call{ID: id, Line: i % 2, Direction: linetap.Inbound, State: linetap.StateComplete,
			Trigger: linetap.TriggerHook, Start: start, End: start.Add(time.Minute), Duration: time.Minute,
			AudioStart: start, Rate: 8000, Codec: "pcmu", SHA256: hex.EncodeToString(empty[:]),
			CallerID: linetap.CallerID{Number: number}}
		if err := s.Commit(&linetap.Batch{Calls: []linetap.Call{c}}); err != nil {
			log.Fatal(err)
		}
	}
	return s, func() { s.Close(); os.RemoveAll(dir) }
}

func ExampleStore_Search() {
	s, done := exampleStore(storage.Options{})
	defer done()
	if err := s.Annotate(1, storage.Annotation{Tags: []string{"sales"}}, "alice"); err != nil {
		log.Fatal(err)
	}
	page, err := s.Search(storage.Query{Number: "609555", Limit: 10})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range page.Calls {
		fmt.Println(c.ID, c.CallerID.Number, c.Tags)
	}
	// Output:
	// 3 6095559999 []
	// 1 6095551212 [sales]
}

func ExampleStore_VerifyAll() {
	s, done := exampleStore(storage.Options{Retention: storage.Retention{MinFree: -1}})
	defer done()
	if err := s.SetKeep(3, true, "legal"); err != nil {
		log.Fatal(err)
	}
	erased, held, err := s.EraseNumber("609-555-9999", "dpo")
	fmt.Println("erased", erased, "held", held, err)
	if _, err := s.Delete([]uint64{2}, "admin", "test call"); err != nil {
		log.Fatal(err)
	}
	rep, err := s.VerifyAll()
	fmt.Printf("%d calls, %d chained, %d deleted with an audit entry, %d audit entries, ok %v, %v\n",
		rep.Calls, rep.Chained, rep.Deleted, rep.Audit, rep.OK(), err)
	// Output:
	// erased [] held [3] <nil>
	// 2 calls, 3 chained, 1 deleted with an audit entry, 3 audit entries, ok true, <nil>
}

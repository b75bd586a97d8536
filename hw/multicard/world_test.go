package multicard_test

import (
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linetap/linetap/hw"
)

// A world is a virtual clock and the cards that capture on it. A driver
// goroutine delivers the cards' blocks in the order they would arrive,
// each at its arrival time, and waits until the reader that got it has
// read the clock: the test is deterministic up to the order in which Read
// sees the blocks.
type world struct {
	now     atomic.Int64 // virtual CLOCK_MONOTONIC, ns
	clocked chan struct{}
	cards   []*vcard
	end     time.Duration // card 0 delivers until here
	rng     *rand.Rand
	done    chan struct{}
}

// vcard is a card on a virtual clock.
type vcard struct {
	ch    int
	block int
	// ppm is the card's crystal error: it captures 8000·(1+ppm·1e-6)
	// frames per second of the world's clock.
	ppm float64
	// start is when its frame 0 was captured.
	start time.Duration
	// lostFrom..lostTo is the world time while the card is unplugged: its
	// blocks are silence with a "device lost" gap, as hw/portaudio
	// delivers them while it reconnects.
	lostFrom, lostTo time.Duration
	// stopAt is the world time its last block is delivered (0: never).
	stopAt time.Duration
	// returnShift is how many frames its source made up too many while
	// it was lost: the audio after lostTo comes that much later in its
	// timeline than it was captured (a reconnected stream anchored a few
	// ms off).
	returnShift int64

	w       *world
	deliver chan vblock
	closed  chan struct{}
	once    sync.Once
	mu      sync.Mutex
	gaps    []hw.Gap
	next    int64         // frames delivered
	arrival time.Duration // of the last block
}

type vblock struct {
	data []int16
	at   time.Duration
	gap  *hw.Gap
	eof  bool
}

// code is the test signal: the capture time in frames, so that two
// channels compare by subtraction (int16 arithmetic wraps).
func code(t time.Duration) int16 {
	return int16(int64(math.Round(t.Seconds() * 8000)))
}

// captured is when frame k of c was captured.
func (c *vcard) captured(k int64) time.Duration {
	t := c.start + time.Duration(float64(k)/(8000*(1+c.ppm*1e-6))*float64(time.Second))
	if c.returnShift != 0 && c.lostTo > 0 && t >= c.lostTo {
		return max(c.lostTo, c.start+time.Duration(float64(k-c.returnShift)/(8000*(1+c.ppm*1e-6))*float64(time.Second)))
	}
	return t
}

func newWorld(seed uint64, end time.Duration, cards ...*vcard) *world {
	w := &world{clocked: make(chan struct{}, 1), cards: cards, end: end, rng: rand.New(rand.NewPCG(seed, 1)), done: make(chan struct{})}
	for _, c := range cards {
		c.w = w
		c.deliver = make(chan vblock)
		c.closed = make(chan struct{})
	}
	return w
}

// clock is Options.Clock: it tells the driver that the reader has read it.
func (w *world) clock() time.Duration {
	t := time.Duration(w.now.Load())
	select {
	case w.clocked <- struct{}{}:
	default:
	}
	return t
}

func (w *world) sources() []hw.AudioSource {
	out := make([]hw.AudioSource, len(w.cards))
	for i, c := range w.cards {
		out[i] = c
	}
	return out
}

// nextArrival is when c's next block reaches its reader: when its last
// frame was captured plus a scheduling delay (usually under 3 ms, now
// and then tens of ms). While the card is lost its source makes silence
// up to the clock, without the capture's delay: as hw/portaudio pads,
// the blocks are 15 ms "early" for their timestamps.
func (w *world) nextArrival(c *vcard) time.Duration {
	done := c.captured(c.next + int64(c.block))
	if done >= c.lostFrom && done < c.lostTo {
		return max(done-15*time.Millisecond, c.arrival)
	}
	lat := 300*time.Microsecond + time.Duration(w.rng.Int64N(int64(3*time.Millisecond)))
	if w.rng.IntN(100) == 0 {
		lat += 10*time.Millisecond + time.Duration(w.rng.Int64N(int64(50*time.Millisecond)))
	}
	return max(done+lat, c.arrival)
}

// run delivers blocks until card 0 reached w.end and the others are half
// a second past it; card 0 then reports io.EOF.
func (w *world) run() {
	defer close(w.done)
	due := make([]time.Duration, len(w.cards))
	for i, c := range w.cards {
		due[i] = w.nextArrival(c)
	}
	for {
		i := -1
		for j := range w.cards {
			if due[j] >= 0 && (i < 0 || due[j] < due[i]) {
				i = j
			}
		}
		if i < 0 {
			return
		}
		c := w.cards[i]
		limit := w.end + 500*time.Millisecond
		if i == 0 {
			limit = w.end
		}
		if c.stopAt > 0 {
			limit = min(limit, c.stopAt)
		}
		t := due[i]
		w.now.Store(int64(max(t, time.Duration(w.now.Load()))))
		if c.captured(c.next+int64(c.block)) > limit {
			due[i] = -1
			if i == 0 {
				select {
				case c.deliver <- vblock{eof: true}:
					<-w.clocked
				case <-c.closed:
				}
			}
			continue
		}
		b := vblock{data: make([]int16, c.block*c.ch), at: c.start + time.Duration(c.next)*time.Second/8000}
		done := c.captured(c.next + int64(c.block))
		lost := done >= c.lostFrom && done < c.lostTo
		for k := range c.block {
			v := code(c.captured(c.next + int64(k)))
			for ch := range c.ch {
				if !lost {
					b.data[k*c.ch+ch] = v + int16(1000*ch)
				}
			}
		}
		if lost {
			b.gap = &hw.Gap{At: b.at, Length: time.Duration(c.block) * time.Second / 8000, Cause: "device lost"}
		}
		c.next += int64(c.block)
		c.arrival = t
		select {
		case c.deliver <- b:
		case <-c.closed:
			due[i] = -1
			continue
		}
		<-w.clocked
		due[i] = w.nextArrival(c)
	}
}

func (c *vcard) Format() hw.Format { return hw.Format{Channels: c.ch, Rate: 8000} }

func (c *vcard) Read(buf []int16) (int, time.Duration, error) {
	select {
	case b := <-c.deliver:
		if b.eof {
			return 0, 0, io.EOF
		}
		if b.gap != nil {
			c.mu.Lock()
			c.gaps = append(c.gaps, *b.gap)
			c.mu.Unlock()
		}
		return copy(buf, b.data) / c.ch, b.at, nil
	case <-c.closed:
		return 0, 0, hw.ErrClosed
	}
}

func (c *vcard) Gaps() []hw.Gap {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.gaps
	c.gaps = nil
	return g
}

func (c *vcard) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

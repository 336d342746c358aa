package slack

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestPoolBoundsWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(2, 3)
		release := make(chan struct{})
		var running, most atomic.Int32
		taken := 0
		for range 10 {
			if !p.reserve() {
				continue
			}
			taken++
			p.run(func() {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				<-release
				running.Add(-1)
			})
		}
		if taken != 5 {
			t.Errorf("%d jobs admitted, want 2 workers + 3 waiting", taken)
		}
		synctest.Wait()
		if n := running.Load(); n != 2 {
			t.Errorf("%d jobs running, want 2", n)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if err := p.wait(ctx); err == nil {
			t.Error("wait returned while jobs were blocked")
		}
		close(release)
		if err := p.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if m := most.Load(); m != 2 {
			t.Errorf("at most %d jobs ran at once, want 2", m)
		}
		if !p.reserve() {
			t.Error("the pool stayed full after its jobs ended")
		}
		p.run(func() {})
	})
}

func TestSeen(t *testing.T) {
	s := newSeen(time.Minute, 3)
	t0 := time.Unix(1700000000, 0)
	if !s.first(t0, "envelope 1", "event Ev1") {
		t.Fatal("a new envelope counted as seen")
	}
	if s.first(t0, "envelope 1") {
		t.Error("the same envelope again counted as new")
	}
	// An events_api retry: a new envelope, the same event.
	if s.first(t0, "envelope 2", "event Ev1") {
		t.Error("a retried event counted as new")
	}
	if s.first(t0, "envelope 2") {
		t.Error("the retry's envelope was not remembered")
	}
	if !s.first(t0, "", "envelope 3") {
		t.Error("an empty ID made a new envelope count as seen")
	}
	// Forgotten after ttl…
	if !s.first(t0.Add(2*time.Minute), "envelope 1") {
		t.Error("an envelope was remembered past ttl")
	}
	// …and beyond size, oldest first.
	s = newSeen(time.Hour, 3)
	for _, id := range []string{"a", "b", "c", "d"} {
		s.first(t0, id)
	}
	if !s.first(t0, "a") {
		t.Error("the oldest ID was kept beyond size")
	}
	if s.first(t0, "d") {
		t.Error("the newest ID was forgotten")
	}
}

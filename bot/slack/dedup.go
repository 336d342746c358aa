package slack

import (
	"sync"
	"time"
)

// seen remembers the envelope and event IDs already handled, so that a
// delivery repeated across a reconnect (or an events_api retry, which has a
// new envelope ID and the same event ID) runs once. It forgets IDs after ttl,
// and keeps at most size of them.
type seen struct {
	ttl  time.Duration
	size int

	mu    sync.Mutex
	at    map[string]time.Time
	order []string // oldest first
}

func newSeen(ttl time.Duration, size int) *seen {
	return &seen{ttl: ttl, size: size, at: map[string]time.Time{}}
}

// first reports whether none of ids was seen before, and remembers them all.
// Empty IDs are ignored.
func (s *seen) first(now time.Time, ids ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forget(now)
	fresh := true
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, ok := s.at[id]; ok {
			fresh = false
			continue
		}
		s.at[id] = now
		s.order = append(s.order, id)
	}
	return fresh
}

// forget drops IDs older than ttl, and the oldest beyond size.
func (s *seen) forget(now time.Time) {
	drop := 0
	for drop < len(s.order) {
		id := s.order[drop]
		if now.Sub(s.at[id]) < s.ttl && len(s.order)-drop <= s.size {
			break
		}
		delete(s.at, id)
		drop++
	}
	s.order = s.order[drop:] // append moves what is left to a new array when it grows

}

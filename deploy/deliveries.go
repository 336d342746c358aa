package deploy

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Deliveries remembers which deliveries from a chat (Slack's envelope and
// event IDs) some process has taken. Slack may deliver an event again, after
// a reconnect or as an events_api retry, to another replica: with shared
// Deliveries it still runs once.
type Deliveries interface {
	// Claim reports whether none of ids was claimed in the last ttl, and
	// claims them all.
	Claim(ctx context.Context, ttl time.Duration, ids ...string) (bool, error)
}

// memoryDeliveries are the Deliveries of one process.
type memoryDeliveries struct {
	mu    sync.Mutex
	until map[string]time.Time // when each claim runs out
	now   func() time.Time
}

func (m *memoryDeliveries) Claim(_ context.Context, ttl time.Duration, ids ...string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for id, until := range m.until {
		if !now.Before(until) {
			delete(m.until, id)
		}
	}
	first := true
	for _, id := range ids {
		if _, ok := m.until[id]; ok {
			first = false
			continue
		}
		m.until[id] = now.Add(ttl)
	}
	return first, nil
}

// redisDeliveries claim each ID with SET NX, all in one MULTI/EXEC (one round
// trip, and no other replica's claim in between: two replicas cannot each
// take half of one delivery's IDs). The keys share the cluster's hash slot.
type redisDeliveries struct{ s *redisStore }

func (r redisDeliveries) Claim(ctx context.Context, ttl time.Duration, ids ...string) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	p := r.s.rdb.TxPipeline()
	cmds := make([]*redis.BoolCmd, len(ids))
	for i, id := range ids {
		cmds[i] = p.SetNX(ctx, r.s.prefix+"delivery:"+id, 1, ttl)
	}
	if _, err := p.Exec(ctx); err != nil {
		return false, fmt.Errorf("claiming a delivery: %w", err)
	}
	first := true
	for _, c := range cmds {
		first = first && c.Val()
	}
	return first, nil
}

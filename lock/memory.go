package lock

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Memory is the Locker of a single swarmbot process without Redis (the
// console, a one-instance bot). It behaves as Redis does, with the same
// leases and fences, but its locks and fence counters end with the process:
// after a restart, pass the fence seen on the service as Request.SeenFence or
// to Lease.Advance so that new fences stay above old ones.
type Memory struct {
	opts Options

	mu     sync.Mutex
	locks  map[Resource]*memoryLock
	fences map[Resource]int64
}

type memoryLock struct {
	token  string
	holder Holder // Until is when it runs out
}

var _ Locker = (*Memory)(nil)

// NewMemory returns an in-process Locker.
func NewMemory(opts Options) (*Memory, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("setting up locks: %w", err)
	}
	return &Memory{opts: opts, locks: map[Resource]*memoryLock{}, fences: map[Resource]int64{}}, nil
}

// current returns res's lock unless it has run out. m.mu is held.
func (m *Memory) current(res Resource, now time.Time) *memoryLock {
	l := m.locks[res]
	if l != nil && !now.Before(l.holder.Until) {
		delete(m.locks, res)
		return nil
	}
	return l
}

// nextFence issues res's next fence, above seen. m.mu is held.
func (m *Memory) nextFence(res Resource, seen int64) int64 {
	m.fences[res] = max(m.fences[res], seen) + 1
	return m.fences[res]
}

// Acquire implements Locker.
func (m *Memory) Acquire(ctx context.Context, req Request) (*Lease, error) {
	doing := "acquiring the lock on " + req.Resource.String()
	if err := req.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	ttl := m.opts.TTL
	if req.For > 0 {
		ttl = req.For
	}
	now := time.Now()
	h := holderFor(req, m.opts.Instance, now, ttl)
	m.mu.Lock()
	if cur := m.current(req.Resource, now); cur != nil {
		held := cur.holder
		m.mu.Unlock()
		return nil, &HeldError{Holder: held}
	}
	h.Fence = m.nextFence(req.Resource, req.SeenFence)
	token := newToken()
	m.locks[req.Resource] = &memoryLock{token: token, holder: h}
	m.mu.Unlock()

	l := newLease(m, token, h, ttl, m.opts.Timeout)
	if !h.Manual {
		l.startHeartbeat(ctx, h.Until)
	}
	return l, nil
}

// Inspect implements Locker.
func (m *Memory) Inspect(ctx context.Context, res Resource) (Holder, error) {
	doing := "reading the lock on " + res.String()
	if err := res.validate(); err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.current(res, time.Now())
	if cur == nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, ErrNotHeld)
	}
	return cur.holder, nil
}

// List implements Locker.
func (m *Memory) List(ctx context.Context) ([]Holder, error) {
	now := time.Now()
	m.mu.Lock()
	var out []Holder
	for res := range m.locks {
		if cur := m.current(res, now); cur != nil {
			out = append(out, cur.holder)
		}
	}
	m.mu.Unlock()
	sortHolders(out)
	return out, nil
}

// Unlock implements Locker.
func (m *Memory) Unlock(ctx context.Context, res Resource, userID string) (Holder, error) {
	doing := "unlocking " + res.String()
	if err := res.validate(); err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.current(res, time.Now())
	switch {
	case cur == nil:
		return Holder{}, fmt.Errorf("%s: %w", doing, ErrNotHeld)
	case !cur.holder.Manual || cur.holder.UserID != userID:
		return Holder{}, &HeldError{Holder: cur.holder}
	}
	delete(m.locks, res)
	return cur.holder, nil
}

// ForceUnlock implements Locker.
func (m *Memory) ForceUnlock(ctx context.Context, res Resource) (Holder, error) {
	doing := "force-unlocking " + res.String()
	if err := res.validate(); err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.current(res, time.Now())
	if cur == nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, ErrNotHeld)
	}
	delete(m.locks, res)
	m.nextFence(res, cur.holder.Fence)
	return cur.holder, nil
}

// Ping implements Locker; the process's own memory always answers.
func (m *Memory) Ping(context.Context) error { return nil }

func (m *Memory) renew(ctx context.Context, res Resource, token string, ttl time.Duration) (bool, *Holder, error) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.current(res, now)
	switch {
	case cur == nil:
		return false, nil, nil
	case cur.token != token:
		h := cur.holder
		return false, &h, nil
	}
	cur.holder.Until = now.Add(ttl)
	return true, nil, nil
}

func (m *Memory) release(ctx context.Context, res Resource, token string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.current(res, time.Now())
	if cur == nil || cur.token != token {
		return false, nil
	}
	delete(m.locks, res)
	return true, nil
}

func (m *Memory) advance(ctx context.Context, res Resource, token string, seen int64) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.current(res, time.Now())
	switch {
	case cur == nil || cur.token != token:
		return 0, false, nil
	case cur.holder.Fence > seen:
		return cur.holder.Fence, true, nil
	}
	cur.holder.Fence = m.nextFence(res, seen)
	return cur.holder.Fence, true, nil
}

func (m *Memory) setHolder(ctx context.Context, res Resource, token string, h Holder) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.current(res, time.Now())
	if cur == nil || cur.token != token {
		return false, nil
	}
	h.Fence, h.Until = cur.holder.Fence, cur.holder.Until
	cur.holder = h
	return true, nil
}

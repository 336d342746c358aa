package lock

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// scriptedStore answers renewals as a test says, to force states a real
// store reaches only by bad luck: a Redis that refuses, hangs or forgets.
type scriptedStore struct {
	start time.Time
	renew func(ctx context.Context, n int) (bool, *Holder, error)

	mu    sync.Mutex
	calls []time.Duration // when each renewal began, since start
}

func (s *scriptedStore) renewAt() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.calls...)
}

func (s *scriptedStore) renewCall(ctx context.Context, _ Resource, _ string, _ time.Duration) (bool, *Holder, error) {
	s.mu.Lock()
	n := len(s.calls)
	s.calls = append(s.calls, time.Since(s.start))
	s.mu.Unlock()
	return s.renew(ctx, n)
}

type scripted struct{ *scriptedStore }

func (s scripted) renew(ctx context.Context, r Resource, tok string, ttl time.Duration) (bool, *Holder, error) {
	return s.renewCall(ctx, r, tok, ttl)
}
func (scripted) release(context.Context, Resource, string) (bool, error) { return true, nil }
func (scripted) advance(context.Context, Resource, string, int64) (int64, bool, error) {
	return 0, false, errors.New("not scripted")
}
func (scripted) setHolder(context.Context, Resource, string, Holder) (bool, error) {
	return false, errors.New("not scripted")
}

var errDown = fmt.Errorf("%w: dial tcp 127.0.0.1:6379: connect: connection refused", ErrUnavailable)

func TestHeartbeat(t *testing.T) {
	const ttl, timeout = 30 * time.Second, 2 * time.Second
	secs := func(ss ...float64) []time.Duration {
		var out []time.Duration
		for _, s := range ss {
			out = append(out, time.Duration(s*float64(time.Second)))
		}
		return out
	}
	for _, c := range []struct {
		name     string
		renew    func(ctx context.Context, n int) (bool, *Holder, error)
		lostAt   time.Duration // 0: never, within the test's 2 minutes
		calls    []time.Duration
		errSays  string
		released bool // Release at 95 s
	}{
		{
			name:  "renewed every TTL/3 while the store answers",
			renew: func(context.Context, int) (bool, *Holder, error) { return true, nil, nil },
			calls: secs(10, 20, 30, 40, 50, 60, 70, 80, 90), released: true,
		},
		{
			name: "store down after two renewals: lost when the last renewal's TTL has passed",
			renew: func(_ context.Context, n int) (bool, *Holder, error) {
				if n < 2 {
					return true, nil, nil
				}
				return false, nil, errDown
			},
			// Renewed at 20 s, so valid until 50 s; failed renewals are retried every TTL/10.
			lostAt: 50 * time.Second, calls: secs(10, 20, 30, 33, 36, 39, 42, 45, 48),
			errSays: "could not be renewed before it ran out",
		},
		{
			name: "store hangs: each renewal gives up after the timeout, and never after the lease runs out",
			renew: func(ctx context.Context, _ int) (bool, *Holder, error) {
				<-ctx.Done()
				return false, nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
			},
			lostAt: 30 * time.Second, calls: secs(10, 15, 20, 25),
			errSays: "could not be renewed before it ran out",
		},
		{
			name: "the process stalls: lost when it runs again after the lease ran out, saying so",
			renew: func(_ context.Context, n int) (bool, *Holder, error) {
				if n == 1 {
					time.Sleep(25 * time.Second) // this process does not run, say (a VM pause)
				}
				return true, nil, nil
			},
			// Renewed by the call at 20 s, answered at 45 s: valid until 50 s, next due at 55 s.
			lostAt: 55 * time.Second, calls: secs(10, 20),
			errSays: "ran out at 2000-01-01T00:00:50Z before this process renewed it: it was paused or overloaded for 25s",
		},
		{
			name: "a stall after a failed renewal that recovered is still told as a stall",
			renew: func(_ context.Context, n int) (bool, *Holder, error) {
				switch n {
				case 1:
					return false, nil, errDown
				case 3:
					time.Sleep(25 * time.Second)
				}
				return true, nil, nil
			},
			// Fails at 20, renewed at 23; the call at 33 answers at 58: valid until 63, next due at 68.
			lostAt: 68 * time.Second, calls: secs(10, 20, 23, 33),
			errSays: "ran out at 2000-01-01T00:01:03Z before this process renewed it: it was paused or overloaded for 25s",
		},
		{
			name:   "store forgot the lock: lost at the next renewal",
			renew:  func(context.Context, int) (bool, *Holder, error) { return false, nil, nil },
			lostAt: 10 * time.Second, calls: secs(10),
			errSays: "force-unlocked or ran out",
		},
		{
			name: "taken over: the owner learns by whom",
			renew: func(context.Context, int) (bool, *Holder, error) {
				return false, &Holder{UserID: "U0BOB", UserName: "Bob"}, nil
			},
			lostAt: 10 * time.Second, calls: secs(10),
			errSays: "Bob (U0BOB) has taken it",
		},
		{
			name: "a store that comes back in time keeps the lease",
			renew: func(_ context.Context, n int) (bool, *Holder, error) {
				if n == 1 || n == 2 {
					return false, nil, errDown
				}
				return true, nil, nil
			},
			// Fails at 20 and 23, renewed at 26: the next renewal is due TTL/3 later.
			calls: secs(10, 20, 23, 26, 36, 46, 56, 66, 76, 86), released: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := &scriptedStore{start: time.Now(), renew: c.renew}
				l := newLease(scripted{store}, "token", Holder{Resource: Service("ping")}, ttl, timeout)
				l.startHeartbeat(t.Context(), time.Now().Add(ttl))
				var lostAt time.Duration
				select {
				case <-l.Lost():
					lostAt = time.Since(store.start)
				case <-time.After(95 * time.Second):
				}
				if lostAt != c.lostAt {
					t.Errorf("lost at %s, want %s (0: not lost); Err: %v", lostAt, c.lostAt, l.Err())
				}
				if c.lostAt != 0 {
					err := l.Err()
					if !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), c.errSays) {
						t.Errorf("Err: want ErrLost saying %q, got %v", c.errSays, err)
					}
				}
				if c.released {
					if err := l.Release(t.Context()); err != nil {
						t.Error(err)
					}
				}
				l.abandon() // the heartbeat must have stopped, or stop now
				if got := store.renewAt(); fmt.Sprint(got) != fmt.Sprint(c.calls) {
					t.Errorf("renewals began at\n %v\nwant\n %v", got, c.calls)
				}
			})
		})
	}
}

func TestReleaseStopsAHangingRenewal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &scriptedStore{start: time.Now(), renew: func(ctx context.Context, _ int) (bool, *Holder, error) {
			<-ctx.Done()
			return false, nil, ctx.Err()
		}}
		l := newLease(scripted{store}, "token", Holder{Resource: Service("ping")}, 30*time.Second, 2*time.Second)
		l.startHeartbeat(t.Context(), time.Now().Add(30*time.Second))
		time.Sleep(11 * time.Second) // the first renewal began at 10 s and hangs
		synctest.Wait()
		if err := l.Release(t.Context()); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(store.start); took != 11*time.Second {
			t.Errorf("Release waited for the hanging renewal: returned at %s", took)
		}
		select {
		case <-l.Lost():
			t.Errorf("a released lease reported lost: %v", l.Err())
		default:
		}
	})
}

func TestMemoryExpiresOnTheDot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, err := NewMemory(Options{})
		if err != nil {
			t.Fatal(err)
		}
		req := request(Service("ping"), "U0ALICE", "")
		req.For, req.Reason = 2*time.Hour, "incident 42"
		if _, err := m.Acquire(t.Context(), req); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2*time.Hour - time.Nanosecond)
		if h, err := m.Inspect(t.Context(), Service("ping")); err != nil || h.Until.Sub(h.Since) != 2*time.Hour {
			t.Errorf("just before 2h: %+v, %v", h, err)
		}
		time.Sleep(time.Nanosecond)
		if _, err := m.Inspect(t.Context(), Service("ping")); !errors.Is(err, ErrNotHeld) {
			t.Errorf("at 2h: want ErrNotHeld, got %v", err)
		}
	})
}

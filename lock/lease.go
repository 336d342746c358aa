package lock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// leaseStore is what a Lease needs from the Locker that issued it. Each call
// is one atomic step on the store; ok is false when token no longer holds res.
type leaseStore interface {
	// renew extends the lease to ttl from now; when it is lost, taker is
	// whoever holds res now (nil when nobody does).
	renew(ctx context.Context, res Resource, token string, ttl time.Duration) (ok bool, taker *Holder, err error)
	release(ctx context.Context, res Resource, token string) (ok bool, err error)
	// advance moves the lease's fence above seen, and the counter with it.
	advance(ctx context.Context, res Resource, token string, seen int64) (fence int64, ok bool, err error)
	// setHolder replaces what is shown of the holder (not its fence or TTL).
	setHolder(ctx context.Context, res Resource, token string, h Holder) (ok bool, err error)
}

// Lease is a held lock. An operation's lease is renewed every TTL/3 until
// Release; Lost is closed when renewal finds it gone, or when it could not be
// renewed before it ran out. Its methods are safe to call from any goroutine.
type Lease struct {
	store   leaseStore
	res     Resource
	token   string
	ttl     time.Duration
	timeout time.Duration

	mu     sync.Mutex
	holder Holder
	err    error // why it was lost

	releaseMu sync.Mutex
	released  bool

	lost   chan struct{}
	cancel context.CancelFunc // stops the heartbeat; nil for a manual lock
	done   chan struct{}      // closed when the heartbeat has stopped
}

func newLease(store leaseStore, token string, h Holder, ttl, timeout time.Duration) *Lease {
	return &Lease{store: store, res: h.Resource, token: token, holder: h, ttl: ttl, timeout: timeout, lost: make(chan struct{})}
}

// Resource is what the lease locks.
func (l *Lease) Resource() Resource { return l.res }

// Fence is the lease's fencing number: above every fence issued on the
// resource before. Stamp it with every change and refuse to change a resource
// that carries a larger one.
func (l *Lease) Fence() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder.Fence
}

// Holder is the lease as others see it; Until moves on with each renewal.
func (l *Lease) Holder() Holder {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder
}

// Lost is closed when the lease is lost while its operation runs: the
// operation must stop making changes and say so. It is never closed for a
// manual lock (nothing renews it), nor after Release.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Err says why the lease was lost (it wraps ErrLost), or is nil.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Advance makes the lease's fence larger than seen, a fence read from the
// resource (the service label), and returns it. Call it right after
// acquiring, before the first change: a label at or above a fresh fence means
// the counter lost increments, and the lease moves past it. When seen is
// below the fence, the fence stays. Every call checks in the store that the
// lease still holds the lock, and returns an error wrapping ErrLost when it
// does not, so a caller may use it as a last check before each change.
func (l *Lease) Advance(ctx context.Context, seen int64) (int64, error) {
	res := l.Resource()
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	fence, ok, err := l.store.advance(ctx, res, l.token, seen)
	if err != nil {
		return 0, fmt.Errorf("moving the fence of %s past %d: %w", res, seen, err)
	}
	if !ok {
		return 0, fmt.Errorf("moving the fence of %s past %d: %w: no longer held by this lease", res, seen, ErrLost)
	}
	l.mu.Lock()
	l.holder.Fence = fence
	l.mu.Unlock()
	return fence, nil
}

// SetThread records where the operation's thread is (a Slack channel and
// the thread's ts), for a lease taken before its thread existed: whoever is
// refused, lists or inspects the lock then finds it. It works only while the
// lease holds the lock; otherwise the error wraps ErrLost.
func (l *Lease) SetThread(ctx context.Context, channel, threadTS string) error {
	h := l.Holder()
	res := h.Resource
	h.Channel, h.ThreadTS = channel, threadTS
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	ok, err := l.store.setHolder(ctx, res, l.token, h)
	if err != nil {
		return fmt.Errorf("recording the thread of the lock on %s: %w", res, err)
	}
	if !ok {
		return fmt.Errorf("recording the thread of the lock on %s: %w: no longer held by this lease", res, ErrLost)
	}
	l.mu.Lock()
	l.holder.Channel, l.holder.ThreadTS = channel, threadTS
	l.mu.Unlock()
	return nil
}

// Release stops renewing and removes the lock if this lease still holds it
// (compare and delete). A second call does nothing. When the lease was lost
// before, the lock is left to its new holder and the error wraps ErrLost.
// When the store is unavailable the error wraps ErrUnavailable, Release may
// be called again, and the lock runs out by itself at Holder().Until.
func (l *Lease) Release(ctx context.Context) error {
	l.releaseMu.Lock()
	defer l.releaseMu.Unlock()
	if l.released {
		return nil
	}
	l.stopHeartbeat()
	res := l.Resource()
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	ok, err := l.store.release(ctx, res, l.token)
	if err != nil {
		return fmt.Errorf("releasing the lock on %s: %w", res, err)
	}
	l.released = true
	if !ok {
		return fmt.Errorf("releasing the lock on %s: %w: it had run out or was force-unlocked", res, ErrLost)
	}
	return nil
}

// abandon stops renewing without releasing, as a process that dies does.
func (l *Lease) abandon() { l.stopHeartbeat() }

func (l *Lease) stopHeartbeat() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
}

func (l *Lease) lose(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	l.err = err
	close(l.lost)
}

// startHeartbeat renews the lease every TTL/3 until stopped. A renewal that
// fails is tried again every TTL/10; when none has succeeded by the time the
// lease would run out, the lease is lost. ctx carries values only.
func (l *Lease) startHeartbeat(ctx context.Context, validUntil time.Time) {
	ctx, l.cancel = context.WithCancel(context.WithoutCancel(ctx))
	l.done = make(chan struct{})
	go l.heartbeat(ctx, validUntil)
}

func (l *Lease) heartbeat(ctx context.Context, validUntil time.Time) {
	defer close(l.done)
	res := l.Resource()
	every, retry := l.ttl/3, max(l.ttl/10, 10*time.Millisecond)
	t := time.NewTimer(every)
	defer t.Stop()
	var lastErr error
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		if !start.Before(validUntil) {
			if lastErr == nil {
				// No renewal failed: this process did not run in time.
				l.lose(fmt.Errorf("%w: the lock on %s ran out at %s before this process renewed it: it was paused or overloaded for %s",
					ErrLost, res, validUntil.UTC().Format(time.RFC3339Nano), start.Sub(validUntil.Add(-l.ttl+every)).Round(time.Millisecond)))
				return
			}
			l.lose(fmt.Errorf("%w: the lock on %s could not be renewed before it ran out at %s: %w",
				ErrLost, res, validUntil.UTC().Format(time.RFC3339Nano), lastErr))
			return
		}
		// A renewal that answers after the lease ran out is worth nothing.
		deadline := start.Add(l.timeout)
		if validUntil.Before(deadline) {
			deadline = validUntil
		}
		callCtx, cancel := context.WithDeadline(ctx, deadline)
		ok, taker, err := l.store.renew(callCtx, res, l.token, l.ttl)
		cancel()
		switch {
		case ctx.Err() != nil:
			return // stopped while renewing
		case err == nil && ok:
			validUntil, lastErr = start.Add(l.ttl), nil
			l.mu.Lock()
			l.holder.Until = validUntil
			l.mu.Unlock()
			t.Reset(every)
		case err == nil:
			l.lose(lostTo(res, taker))
			return
		default:
			lastErr = err
			t.Reset(max(0, min(retry, time.Until(validUntil))))
		}
	}
}

func lostTo(res Resource, taker *Holder) error {
	if taker == nil {
		return fmt.Errorf("%w: the lock on %s was force-unlocked or ran out", ErrLost, res)
	}
	return fmt.Errorf("%w: the lock on %s ran out or was force-unlocked, and %s has taken it", ErrLost, res, taker.who())
}

// unavailable wraps an error from the store so that it matches ErrUnavailable,
// unless the caller cancelled the call: then it was not the store's fault.
func unavailable(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

var (
	// errHandover stops following because this process shuts down: another
	// one resumes the operation.
	errHandover = errors.New("swarmbot is shutting down")
	// errTakenOver stops following because another process holds the
	// operation's lease: it follows and reports now.
	errTakenOver = errors.New("another swarmbot process follows this operation now")
)

// lockLostError stops following because a lock of the operation was lost.
type lockLostError struct{ err error }

func (e *lockLostError) Error() string { return e.err.Error() }

// saveEvery is how often an operation's last card is stored while it runs.
const saveEvery = 2 * time.Second

// track registers an operation this process follows, so that Shutdown can
// wait for it or hand it over; it refuses while shutting down.
func (d *Deployer) track(id string, cancel context.CancelCauseFunc) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.draining {
		return false
	}
	if _, dup := d.following[id]; dup {
		return false
	}
	d.following[id] = cancel
	d.wg.Add(1)
	return true
}

func (d *Deployer) untrack(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.following[id]; ok {
		delete(d.following, id)
		d.wg.Done()
	}
}

func (d *Deployer) isFollowing(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.following[id]
	return ok
}

// follow follows an operation whose change reached the Engine until it
// ends, reporting as it goes: the card replaced, events in the thread, the
// record stored. It stops when a lock is lost (reported), when another
// process takes the operation over (silent: that one reports), or when this
// process shuts down (handed over).
//
// The caller has tracked the operation (track), so that Shutdown can cancel
// ctx with errHandover.
func (d *Deployer) follow(ctx context.Context, op *Operation, rep Reporter, leases []*lock.Lease) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	stop := make(chan struct{})
	var watchers sync.WaitGroup
	defer func() { close(stop); watchers.Wait() }()
	for _, l := range leases {
		watchers.Go(func() {
			select {
			case <-l.Lost():
				cancel(&lockLostError{err: l.Err()})
			case <-stop:
			}
		})
	}
	watchers.Go(func() { d.renewLease(ctx, op.ID, cancel, stop) })

	if len(op.Follow) == 0 {
		d.finish(ctx, op, rep, leases, PhaseDone, "")
		return
	}
	der := newDeriver(op.Applied)
	if op.Verb == "drain" {
		der.drained = op.Target
	}
	// A resumed operation starts from the snapshot its first follower saved
	// last, so its thread does not hear the same slot events twice.
	var prev *swarm.Progress
	if op.Last.Progress != nil {
		p := cloneProgress(*op.Last.Progress)
		prev = &p
	}
	var saved time.Time
	report := func(p swarm.Progress) {
		// The snapshot outlives the call (the next one is compared with it,
		// front ends may keep the card): it must share nothing with the watcher.
		p = cloneProgress(p)
		now := d.now()
		for _, e := range der.events(prev, &p, now) {
			d.event(ctx, rep, e)
		}
		prev = &p
		c := op.card(phaseOf(p.Phase), now)
		c.Progress = &p
		op.Last = c
		if p.Final {
			return // finish sends the final card, with its last word
		}
		d.card(ctx, rep, c)
		if now.Sub(saved) >= saveEvery {
			d.persist(ctx, *op)
			saved = now
		}
	}
	last, err := d.followAll(ctx, op.Follow, report)
	var lost *lockLostError
	cause := context.Cause(ctx)
	switch {
	case err == nil:
		op.Last.Progress = &last
		note := d.settle(ctx, op, last)
		if note == "" {
			note = d.afterRollback(ctx, op, leases, last)
		}
		d.finish(ctx, op, rep, leases, phaseOf(last.Phase), note)
	case errors.As(cause, &lost):
		d.finish(ctx, op, rep, leases, PhaseLockLost, redact(strings.TrimPrefix(lost.Error(), lock.ErrLost.Error()+": ")))
	case errors.Is(cause, errTakenOver):
		d.log.InfoContext(ctx, "operation taken over by another process", "operation", op.ID)
	case ctx.Err() != nil:
		d.handOver(ctx, op, rep)
	default:
		d.finish(ctx, op, rep, leases, PhaseFailed, redact(err.Error()))
	}
}

// settleTimeout bounds how long a converged update waits for the Engine to
// mark its rollout ended.
const settleTimeout = time.Minute

// settle waits, once an update or a rollback has converged, until the Engine
// marks its rollout ended too (it does one monitoring period after the last
// slot), so that the lock is released only when the next change will not be
// refused as "in progress". It says what went wrong, or "".
func (d *Deployer) settle(ctx context.Context, op *Operation, last swarm.Progress) string {
	if (op.Verb != "update" && op.Verb != "rollback") || last.Phase != swarm.PhaseConverged {
		return ""
	}
	deadline := time.Now().Add(settleTimeout)
	for {
		det, err := d.swarm.Inspect(ctx, op.Target)
		if err != nil {
			return ""
		}
		u := det.UpdateStatus
		if u == nil || (u.State != "updating" && u.State != "rollback_started") {
			return ""
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("the tasks converged, but after %s the Engine still says its rollout is %s", settleTimeout, strings.ReplaceAll(u.State, "_", " "))
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// afterRollback stamps a rolled-back service with the operation's fence: the
// rollback put the previous spec back, label included, and could not stamp
// it itself. The stamp makes the rolled-back spec the service's previous one,
// so a second rollback has nothing left to go back to. It says what went
// wrong, or "".
func (d *Deployer) afterRollback(ctx context.Context, op *Operation, leases []*lock.Lease, last swarm.Progress) string {
	if op.Verb != "rollback" || last.Phase != swarm.PhaseConverged {
		return ""
	}
	for _, l := range leases {
		r := l.Resource()
		if r.Kind != lock.KindService || r.Name != op.Target {
			continue
		}
		if _, err := d.swarm.StampFence(context.WithoutCancel(ctx), r.Name, swarm.MutateOptions{Fence: l.Fence()}); err != nil {
			return "the rolled-back service's lock label could not be set: " + redact(err.Error())
		}
	}
	return ""
}

// followAll follows every part of an operation at once (a multi-service
// scale has one per service) and reports them as one snapshot.
func (d *Deployer) followAll(ctx context.Context, ops []swarm.Operation, report func(swarm.Progress)) (swarm.Progress, error) {
	if len(ops) == 1 {
		return d.watcher.Follow(ctx, ops[0], report)
	}
	var (
		mu    sync.Mutex
		parts = make([]swarm.Progress, len(ops))
		wg    sync.WaitGroup
		errs  = make([]error, len(ops))
	)
	for i, op := range ops {
		parts[i].Operation = op
	}
	for i, op := range ops {
		wg.Go(func() {
			_, errs[i] = d.watcher.Follow(ctx, op, func(p swarm.Progress) {
				mu.Lock()
				defer mu.Unlock()
				parts[i] = cloneProgress(p) // kept past the call: never share the watcher's slices
				if m := mergeProgress(parts); !m.Final {
					report(m) // the final one is reported once all have ended
				}
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return mergeProgress(parts), err
	}
	m := mergeProgress(parts)
	report(m)
	return m, nil
}

// cloneProgress copies a snapshot's services and slots.
func cloneProgress(p swarm.Progress) swarm.Progress {
	p.Services = slices.Clone(p.Services)
	for i := range p.Services {
		p.Services[i].Slots = slices.Clone(p.Services[i].Slots)
	}
	return p
}

// mergeProgress makes one snapshot of several: every service, the phase of
// the first part still moving (or, once all ended, converged or the first
// bad end), final when all are.
func mergeProgress(parts []swarm.Progress) swarm.Progress {
	out := swarm.Progress{Operation: parts[0].Operation, Final: true}
	var moving, bad swarm.Phase
	for _, p := range parts {
		out.Services = append(out.Services, p.Services...)
		out.Elapsed = max(out.Elapsed, p.Elapsed)
		out.Seq += p.Seq
		switch {
		case !p.Final:
			out.Final = false
			if moving == "" {
				moving = p.Phase
				if moving == "" {
					moving = swarm.PhaseUpdating
				}
			}
		case p.Phase != swarm.PhaseConverged && p.Phase != swarm.PhaseRemoved && bad == "":
			bad = p.Phase
		}
	}
	switch {
	case !out.Final:
		out.Phase = moving
	case bad != "":
		out.Phase = bad
	default:
		out.Phase = swarm.PhaseConverged
	}
	return out
}

// renewLease keeps the lease on following the operation until stop, and
// stops the follow when another process holds it.
func (d *Deployer) renewLease(ctx context.Context, id string, cancel context.CancelCauseFunc, stop <-chan struct{}) {
	t := time.NewTicker(d.opts.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ok, err := d.stores.Operations.Claim(ctx, id, d.opts.Instance, d.opts.LeaseTTL)
		switch {
		case err != nil:
			d.log.WarnContext(ctx, "operation lease not renewed", "operation", id, "error", redact(err.Error()))
		case !ok:
			cancel(errTakenOver)
			return
		}
	}
}

// finish makes an operation's last report: the record and the audit entry
// first, then the final card and the last word in its thread, mentioning the
// requester (so that whoever reads the report finds the record written).
//
// The operation's locks are released before the report too, so that the
// next change, typed on reading it, finds them free.
func (d *Deployer) finish(ctx context.Context, op *Operation, rep Reporter, leases []*lock.Lease, phase Phase, note string) {
	ctx = context.WithoutCancel(ctx)
	now := d.now()
	c := op.card(phase, now)
	c.Progress, c.Note, c.Final = op.Last.Progress, note, true
	op.Last, op.State, op.Finished = c, OpFinished, now
	d.persist(ctx, *op)
	if err := d.stores.Operations.Release(ctx, op.ID, d.opts.Instance); err != nil {
		d.log.WarnContext(ctx, "operation lease not released", "operation", op.ID, "error", redact(err.Error()))
	}
	outcome := fmt.Sprintf("%s after %s", phase, FormatElapsed(c.Elapsed))
	if note != "" {
		outcome += ": " + note
	}
	d.audit.record(ctx, AuditEntry{Time: now, Actor: op.Requester, Action: "finished", Command: op.Command, Target: op.Target,
		Outcome: outcome, OperationID: op.ID, ApprovalID: op.ApprovalID, Channel: op.Channel})
	result := "ok"
	if !phase.OK() {
		result = "failed"
	}
	d.metrics.Command(op.Verb, result)
	d.release(ctx, leases) // a second release, by the caller, does nothing
	d.card(ctx, rep, c)
	d.event(ctx, rep, finalEvent(c, now))
}

// handOver leaves an operation to another process: it says so in the
// thread, stores where it stands and gives up its lease at once.
func (d *Deployer) handOver(ctx context.Context, op *Operation, rep Reporter) {
	ctx = context.WithoutCancel(ctx)
	text := "this swarmbot instance is stopping; another one will finish following this change (nothing is sent to the Engine again)"
	if !d.stores.Shared {
		text = "this swarmbot instance is stopping and no other one shares its state, so nobody follows this change any more; it goes on in the swarm (/swarm ls and /swarm ps show where it stands)"
	}
	d.event(ctx, rep, Event{Kind: EventHandedOver, Time: d.now(), Text: text})
	d.persist(ctx, *op)
	if err := d.stores.Operations.Release(ctx, op.ID, d.opts.Instance); err != nil {
		d.log.WarnContext(ctx, "operation lease not released; it runs out by itself", "operation", op.ID, "error", redact(err.Error()))
	}
}

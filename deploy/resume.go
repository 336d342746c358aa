package deploy

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// Resume picks up the operations in flight that nobody follows (their
// process died, or shut down and handed them over): it claims each one's
// lease, takes its locks again, and follows it to the end of its report in
// the same thread. Nothing is sent to the Engine again: a change that turns
// out never to have reached it is reported as not run. Resume returns at
// once with how many it picked up; they are followed in the background until
// they end or ctx is done (then handed over again). Call it at start, and
// from time to time (KeepResuming) when several replicas share Redis.
func (d *Deployer) Resume(ctx context.Context, fe Frontend) (int, error) {
	ops, err := d.stores.Operations.InFlight(ctx)
	if err != nil {
		return 0, fmt.Errorf("resuming operations: %w", err)
	}
	n := 0
	for _, op := range ops {
		if d.isFollowing(op.ID) {
			continue
		}
		if !reportsAt(fe, op.Place) {
			continue // another front end's operation: it cannot be reported here
		}
		ok, err := d.stores.Operations.Claim(ctx, op.ID, d.opts.Instance, d.opts.LeaseTTL)
		if err != nil {
			return n, fmt.Errorf("resuming operation %s: %w", op.ID, err)
		}
		if !ok {
			continue // its follower is alive, or another process got it first
		}
		rctx, cancel := context.WithCancelCause(ctx)
		if !d.track(op.ID, cancel) {
			cancel(nil)
			_ = d.stores.Operations.Release(ctx, op.ID, d.opts.Instance)
			return n, nil // shutting down
		}
		n++
		d.log.InfoContext(ctx, "resuming operation", "operation", op.ID, "what", redact(op.What))
		go func() {
			defer cancel(nil)
			defer d.untrack(op.ID)
			defer func() {
				// A panic here has no Handle to catch it: it ends the
				// operation, rather than the process, or a loop of resumes.
				if v := recover(); v != nil {
					d.log.ErrorContext(rctx, "panic following a resumed operation", "operation", op.ID, "panic", redact(fmt.Sprint(v)), "stack", string(debug.Stack()))
					d.finish(rctx, &op, fe.Operation(op.Place), nil, PhaseFailed, "swarmbot failed inside while following it; the details are in its log")
				}
			}()
			d.resume(rctx, op, fe)
		}()
	}
	return n, nil
}

// KeepResuming calls Resume every Options.ResumeEvery until ctx is done.
func (d *Deployer) KeepResuming(ctx context.Context, fe Frontend) {
	t := time.NewTicker(d.opts.ResumeEvery)
	defer t.Stop()
	for {
		if _, err := d.Resume(ctx, fe); err != nil && ctx.Err() == nil {
			d.log.WarnContext(ctx, "operations not resumed", "error", redact(err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// resume follows one claimed operation to its end.
func (d *Deployer) resume(ctx context.Context, op Operation, fe Frontend) {
	rep := fe.Operation(op.Place)
	leases, note, ok := d.retake(ctx, &op)
	defer d.release(ctx, leases)
	switch {
	case ctx.Err() != nil:
		d.handOver(ctx, &op, rep)
		return
	case !ok:
		d.log.InfoContext(ctx, "operation taken over by another process", "operation", op.ID)
		return
	}
	if op.State == OpStarting {
		made, why := d.wasMade(ctx, op)
		if !made {
			d.finish(ctx, &op, rep, leases, PhaseNotRun, why)
			return
		}
		// When it was made is not known; its start is close.
		op.State, op.Applied = OpFollowing, op.Started
		for i := range op.Follow {
			op.Follow[i].Since = op.Applied
		}
	}
	text := "the swarmbot instance following this change stopped; this one follows it now (nothing is sent to the Engine again)"
	if note != "" {
		text += ". " + note
	}
	d.event(ctx, rep, Event{Kind: EventResumed, Time: d.now(), Text: text})
	d.persist(ctx, op)
	d.follow(ctx, &op, rep, leases)
}

// retake takes an operation's locks again, with fences above the ones it
// had. A lock still held under the operation's old fence is the stopped
// process's lease: it runs out within its TTL, and is waited for. A lock
// someone else took meanwhile is left to them; note says so. ok is false
// when, while waiting, another process took the operation over.
func (d *Deployer) retake(ctx context.Context, op *Operation) (leases []*lock.Lease, note string, ok bool) {
	var notes []string
	for i, ref := range op.Locks {
		res := lock.Resource{Kind: lock.Kind(ref.Kind), Name: ref.Name}
		for {
			l, err := d.locker.Acquire(ctx, lock.Request{
				Resource: res, UserID: op.Requester.ID, UserName: op.Requester.Name, Operation: op.What,
				Channel: op.Place.Channel, ThreadTS: op.Place.ID, SeenFence: ref.Fence,
			})
			if err == nil {
				leases = append(leases, l)
				op.Locks[i].Fence = l.Fence()
				break
			}
			var held *lock.HeldError
			if errors.As(err, &held) && held.Holder.Fence == ref.Fence {
				wait := min(max(time.Until(held.Holder.Until), 0)+50*time.Millisecond, d.opts.LeaseTTL/3)
				select {
				case <-ctx.Done():
					return leases, "", true
				case <-time.After(wait):
				}
				// Waiting must not cost the operation's own lease.
				if mine, err := d.stores.Operations.Claim(ctx, op.ID, d.opts.Instance, d.opts.LeaseTTL); err == nil && !mine {
					return leases, "", false
				}
				continue
			}
			why := redact(err.Error())
			if held != nil {
				why = "it is held by " + Person{ID: held.Holder.UserID, Name: held.Holder.UserName}.String()
			}
			notes = append(notes, fmt.Sprintf("%s could not be locked again (%s): it is followed without its lock", res, why))
			break
		}
	}
	return leases, strings.Join(notes, "; "), true
}

// wasMade tells whether the change of an operation that stopped before it
// was recorded as made reached the Engine, from what the swarm shows: the
// operation's fence on the service, the node's availability, the setting.
// why says what was found when it was not.
func (d *Deployer) wasMade(ctx context.Context, op Operation) (made bool, why string) {
	const notMade = "the swarmbot instance running it stopped before the change reached the Engine"
	cmd, err := commands.Parse(op.Command, d.opts.ParseOptions...)
	if err != nil {
		return false, "its command could not be read again: " + redact(err.Error())
	}
	fence := map[string]int64{}
	for _, r := range op.Locks {
		fence[r.Name] = r.Fence
	}
	stamped := func(service string) bool {
		det, err := d.swarm.Inspect(ctx, service)
		if err != nil {
			return false
		}
		f, err := strconv.ParseInt(det.Labels[swarm.FenceLabel], 10, 64)
		return err == nil && fence[service] > 0 && f >= fence[service]
	}
	switch c := cmd.(type) {
	case commands.Scale:
		for _, t := range c.Targets {
			if stamped(d.serviceName(ctx, t.Service)) {
				return true, ""
			}
		}
	case commands.Update:
		if stamped(op.Target) {
			return true, ""
		}
	case commands.Rollback:
		// A rollback swaps the labels back: its own start says it instead.
		det, err := d.swarm.Inspect(ctx, op.Target)
		if err == nil && det.UpdateStatus != nil && strings.HasPrefix(det.UpdateStatus.State, "rollback") &&
			det.UpdateStatus.StartedAt != nil && !det.UpdateStatus.StartedAt.Before(op.Started.Add(-time.Second)) {
			return true, ""
		}
	case commands.Rm:
		var nf *swarm.NotFoundError
		if _, err := d.swarm.ResolveService(ctx, op.Target); errors.As(err, &nf) {
			return true, ""
		}
	case commands.Create:
		if c.Name != "" {
			if _, err := d.swarm.ResolveService(ctx, c.Name); err == nil {
				return true, ""
			}
		}
	case commands.Drain, commands.Activate, commands.Pause:
		want := map[commands.Verb]string{commands.VerbDrain: "drain", commands.VerbActivate: "active", commands.VerbPause: "pause"}[cmd.Verb()]
		if n, err := d.swarm.ResolveNode(ctx, op.Target); err == nil && strings.EqualFold(n.Availability, want) {
			return true, ""
		}
	case commands.HistoryLimit:
		if info, err := d.swarm.Info(ctx); err == nil && info.TaskHistoryRetentionLimit == int64(c.Limit) {
			return true, ""
		}
	}
	return false, notMade
}

// Shutdown stops taking new changes, then waits for the operations this
// process follows to end. When ctx is done first, it hands them over: each
// says so in its thread, its lease and locks are released, and another
// process (or this one, restarted) resumes it.
func (d *Deployer) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	d.draining = true
	d.mu.Unlock()
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	d.mu.Lock()
	for _, cancel := range d.following {
		cancel(errHandover)
	}
	d.mu.Unlock()
	<-done
	return nil
}

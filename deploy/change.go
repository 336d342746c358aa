package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// plan is what a change will do, worked out before anything is changed: how
// to say it, what to lock, what an approver sees, and what to check again
// when it is approved. A planner reads the swarm but never writes it.
type plan struct {
	// what says the change in a few words; apply may say it better once it
	// knows what was there before ("scale ping → 4" becomes "scale ping 1 → 4").
	what string
	// target is the service or node it is about, as resolved.
	target string
	locks  []lock.Resource
	impact Impact
	// check is the target's state as planned; an approval is refused as
	// stale when a new plan's check differs. Empty: nothing to check.
	check string
	// stale says what changed, for that refusal ("dev02 is drain now").
	stale string
	// expect is passed to swarm as MutateOptions.Expect (a preview's token).
	expect string
	// follow is what to follow once the change is made (apply may say
	// better); stored before the change, so that a process resuming an
	// operation whose change may have been made knows what to follow.
	follow []swarm.Operation
	// apply makes the change, guarded by the locks' fences.
	apply func(ctx context.Context, g guard) (applied, error)
}

// planner plans one kind of change.
type planner func(ctx context.Context, d *Deployer, cmd commands.Command) (*plan, error)

// applied is what a change did.
type applied struct {
	what     string            // the change said fully
	follow   []swarm.Operation // what to follow until it converges; none: it is done
	warnings []string          // the Engine's, as it gave them
}

// guard carries the fences of the locks a change holds.
type guard struct {
	fences map[lock.Resource]int64
	expect string
	// written holds what a write was sent to under its current fence. The
	// first write under a fence is Fresh: a target that already carries
	// the same fence was written by another holder issued that number.
	written map[lock.Resource]bool
}

// opts are the swarm guards of a change to what r locks.
func (g guard) opts(r lock.Resource) swarm.MutateOptions {
	fresh := !g.written[r]
	g.written[r] = true
	return swarm.MutateOptions{Fence: g.fences[r], Expect: g.expect, Fresh: fresh}
}

// change makes a runner of a planner: plan, then either file an approval
// request or run the change under its locks.
func change(planFn planner) runner {
	return func(ctx context.Context, d *Deployer, req Request, fe Frontend) {
		p, err := planFn(ctx, d, req.Command)
		if err != nil {
			d.metrics.Command(string(req.Command.Verb()), "failed")
			d.reply(ctx, req, fe, errorReply(err))
			return
		}
		if d.policy.NeedsApproval(req.Command) {
			d.requestApproval(ctx, req, fe, p)
			return
		}
		d.run(ctx, req, fe, p, nil)
	}
}

// run makes a planned change: take its locks (all or none), publish its
// card, make the change with the fences, follow it, report, release. appr is
// the approved request it comes from, or nil.
func (d *Deployer) run(ctx context.Context, req Request, fe Frontend, p *plan, appr *Approval) {
	verb := string(req.Command.Verb())
	now := d.now()
	op := Operation{
		ID: newID(), Requester: personOf(req.Actor), Command: req.Command.String(), Verb: verb,
		What: p.what, Target: p.target, Channel: req.Channel, State: OpStarting, Started: now, Follow: p.follow,
	}
	if appr != nil {
		op.Approver, op.ApprovalID, op.Place = appr.DecidedBy, appr.ID, appr.Place
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if !d.track(op.ID, cancel) {
		d.metrics.Command(verb, "refused")
		d.reply(ctx, req, fe, Reply{Kind: ReplyRefusal, Private: true, Title: "swarmbot is restarting and takes no new changes",
			Lines: []string{"Nothing was changed. Try again in a minute: /swarm " + redact(req.Command.String())}})
		return
	}
	defer d.untrack(op.ID)

	leases, err := d.acquire(ctx, req, p, op)
	if err != nil {
		d.lockRefused(ctx, req, fe, p, appr, err)
		return
	}
	defer d.release(ctx, leases) // every path: success, failure, panic

	card := op.card(PhaseStarting, now)
	var rep Reporter
	if appr != nil {
		rep = fe.Operation(appr.Place)
		d.card(ctx, rep, card)
		d.event(ctx, rep, Event{Kind: EventApproved, Time: now,
			Text: fmt.Sprintf("approved by %s; %s starts", appr.DecidedBy, p.what)})
	} else {
		place, err := fe.OpenOperation(ctx, req, card)
		if err != nil {
			d.log.WarnContext(ctx, "operation card not published", "operation", op.ID, "error", redact(err.Error()))
		}
		op.Place = place
		rep = fe.Operation(place)
	}
	for _, l := range leases {
		d.setThread(ctx, l, op.Place)
	}
	if appr != nil {
		if err := d.stores.Approvals.SetOperation(ctx, appr.ID, op.ID); err != nil {
			d.log.WarnContext(ctx, "approval request's operation not stored", "approval", appr.ID, "error", redact(err.Error()))
		}
	}
	for _, l := range leases {
		op.Locks = append(op.Locks, LockRef{Kind: string(l.Resource().Kind), Name: l.Resource().Name, Fence: l.Fence()})
	}
	d.persist(ctx, op)
	if _, err := d.stores.Operations.Claim(ctx, op.ID, d.opts.Instance, d.opts.LeaseTTL); err != nil {
		d.log.WarnContext(ctx, "operation lease not taken", "operation", op.ID, "error", redact(err.Error()))
	}
	d.metrics.OperationStarted()
	defer d.metrics.OperationEnded()
	d.audit.record(ctx, AuditEntry{Time: now, Actor: op.Requester, Action: "started", Command: op.Command,
		Target: p.target, OperationID: op.ID, ApprovalID: op.ApprovalID, Channel: op.Channel})

	g := guard{fences: map[lock.Resource]int64{}, expect: p.expect, written: map[lock.Resource]bool{}}
	for _, l := range leases {
		g.fences[l.Resource()] = l.Fence()
	}
	// The Engine call is not cut short by a shutdown: once sent, it is let
	// finish, so the record says truly whether it was made.
	actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), applyTimeout)
	res, err := p.apply(actx, g)
	if d.advance(actx, leases, g, err) {
		// The record says which fences the change holds: a process that
		// resumes it after a crash judges the lock and the label by them.
		for i, l := range leases {
			op.Locks[i].Fence = l.Fence()
		}
		d.persist(ctx, op)
		res, err = p.apply(actx, g)
	}
	acancel()
	if err != nil {
		op.Last = card
		d.finish(ctx, &op, rep, leases, PhaseFailed, redact(err.Error())+hintSentence(err))
		return
	}
	op.What, op.State, op.Applied = res.what, OpFollowing, d.now()
	if res.follow != nil {
		op.Follow = res.follow
	}
	for i := range op.Follow {
		op.Follow[i].Since = op.Applied
	}
	d.persist(ctx, op)
	started := Event{Kind: EventStarted, Time: op.Applied, Text: res.what + ": sent to the Engine"}
	if len(res.warnings) > 0 {
		started.Text += "; the Engine warns: " + strings.Join(res.warnings, "; ")
	}
	d.event(ctx, rep, started)
	d.follow(ctx, &op, rep, leases)
}

// applyTimeout bounds the Engine calls of one change.
const applyTimeout = 2 * time.Minute

// acquire takes the locks a change needs, all or none, in a fixed order so
// that two multi-service changes cannot each hold half.
func (d *Deployer) acquire(ctx context.Context, req Request, p *plan, op Operation) ([]*lock.Lease, error) {
	res := slices.Clone(p.locks)
	slices.SortFunc(res, func(a, b lock.Resource) int { return strings.Compare(a.String(), b.String()) })
	var leases []*lock.Lease
	for _, r := range slices.Compact(res) {
		l, err := d.locker.Acquire(ctx, lock.Request{
			Resource: r, UserID: req.Actor.ID, UserName: req.Actor.Name, Operation: p.what,
			Channel: op.Place.Channel, ThreadTS: op.Place.ID,
		})
		if err != nil {
			d.release(ctx, leases)
			return nil, err
		}
		leases = append(leases, l)
	}
	return leases, nil
}

func (d *Deployer) release(ctx context.Context, leases []*lock.Lease) {
	for _, l := range leases {
		// Released even when the request is gone: the lock must not outlive the work.
		if err := l.Release(context.WithoutCancel(ctx)); err != nil && !errors.Is(err, lock.ErrLost) {
			d.log.WarnContext(ctx, "lock not released; it runs out by itself", "lock", l.Resource().String(), "error", redact(err.Error()))
		}
	}
}

// advance answers a change refused because its target carries a newer fence
// than the lock gave. While the lease still holds the lock, that newer fence
// cannot be a later holder's: the lock store lost count (the in-process store
// restarted, a Redis failover). The leases' fences then move past it, and
// advance reports that the change may be tried again. A lease lost meanwhile
// cannot move on: the refusal stands.
func (d *Deployer) advance(ctx context.Context, leases []*lock.Lease, g guard, err error) bool {
	var fe *swarm.FenceError
	if !errors.As(err, &fe) {
		return false
	}
	for _, l := range leases {
		f, err := l.Advance(ctx, fe.Seen)
		if err != nil {
			return false
		}
		g.fences[l.Resource()] = f
	}
	clear(g.written)
	d.log.InfoContext(ctx, "lock fence moved past the target's", "target", fe.Target, "seen", fe.Seen)
	return true
}

// LockConflict is a change refused because someone holds what it needs.
type LockConflict struct {
	Resource  string // "service ping"
	Holder    Person
	Operation string // what the holder is doing; empty for most manual locks
	Reason    string // a manual lock's reason
	Manual    bool
	Since     time.Time
	Until     time.Time
	// Thread is the holder's operation thread, for a link; zero when unknown.
	Thread Place
	// Retry is the command to type again once the lock is free.
	Retry string
	// Unlock is what an admin types to break the lock.
	Unlock string
}

// lockRefused answers a change whose locks could not be taken.
func (d *Deployer) lockRefused(ctx context.Context, req Request, fe Frontend, p *plan, appr *Approval, err error) {
	verb := string(req.Command.Verb())
	now := d.now()
	retry := "/swarm " + redact(req.Command.String())
	var r Reply
	var held *lock.HeldError
	switch {
	case errors.As(err, &held):
		d.metrics.LockConflict()
		d.metrics.Command(verb, "refused")
		r = conflictReply(held.Holder, retry, now)
	case errors.Is(err, lock.ErrUnavailable):
		d.metrics.Command(verb, "failed")
		r = Reply{Kind: ReplyRefusal, Private: true,
			Title: "changes are refused while the lock store cannot be reached",
			Lines: []string{redact(err.Error()), "Nothing was changed. Reads still work (/swarm ps " + p.target + "); try again when Redis answers: " + retry}}
	default:
		d.metrics.Command(verb, "failed")
		r = errorReply(err)
		r.Lines = append(r.Lines, "Nothing was changed.")
	}
	d.audit.record(ctx, AuditEntry{Time: now, Actor: personOf(req.Actor), Action: "refused", Command: req.Command.String(),
		Target: p.target, Outcome: err.Error(), Channel: req.Channel})
	if appr != nil {
		// The approver clicked in the request's thread: say it there too.
		rep := fe.Operation(appr.Place)
		c := Operation{ID: "-", Requester: appr.Requester, Approver: appr.DecidedBy, Command: appr.Command, What: p.what, Started: now}.card(PhaseFailed, now)
		c.Final, c.Note = true, r.Title+"; nothing was changed"
		d.card(ctx, rep, c)
		d.event(ctx, rep, Event{Kind: EventFailed, Time: now, Mention: appr.Requester,
			Text: fmt.Sprintf("approved by %s, but %s; nothing was changed. To try again: %s", appr.DecidedBy, r.Title, retry)})
	}
	d.reply(ctx, req, fe, r)
}

// conflictReply names the holder, what they do, how long they have held it,
// where its thread is, and what to do.
func conflictReply(h lock.Holder, retry string, now time.Time) Reply {
	who := Person{ID: h.UserID, Name: h.UserName}
	c := &LockConflict{
		Resource: h.Resource.String(), Holder: who, Operation: h.Operation, Reason: h.Reason, Manual: h.Manual,
		Since: h.Since, Until: h.Until, Thread: Place{Channel: h.Channel, ID: h.ThreadTS}, Retry: retry,
		Unlock: "/swarm unlock " + h.Resource.Name + " --force",
	}
	r := Reply{Kind: ReplyRefusal, Private: true, Data: c,
		Title: fmt.Sprintf("%s is locked by %s", c.Resource, who)}
	if h.Manual {
		line := fmt.Sprintf("%s locked it by hand %s ago, until %s", who, FormatElapsed(now.Sub(h.Since)), clockTime(now, h.Until))
		if h.Reason != "" {
			line += ": " + h.Reason
		}
		r.Lines = append(r.Lines, line,
			fmt.Sprintf("Nothing was changed. Ask %s to /swarm unlock %s, or wait until then and run %s again.", who, h.Resource.Name, retry))
	} else {
		what := h.Operation
		if what == "" {
			what = "a change"
		}
		r.Lines = append(r.Lines, fmt.Sprintf("%s is running %s, held for %s (since %s)", who, what,
			FormatElapsed(now.Sub(h.Since)), h.Since.UTC().Format("15:04:05 UTC")))
		if !c.Thread.IsZero() {
			r.Lines = append(r.Lines, "Its progress is in its thread: "+placeText(c.Thread))
		}
		r.Lines = append(r.Lines, "Nothing was changed. Wait until it finishes and run "+retry+" again.")
	}
	if h.Resource.Kind == lock.KindService {
		r.Lines = append(r.Lines, "If it is stuck, an admin can break the lock: "+c.Unlock)
	}
	return r
}

// placeText writes a place for plain text; front ends that can link use
// LockConflict.Thread instead.
func placeText(p Place) string {
	if p.Channel == "" {
		return p.ID
	}
	return p.Channel + " " + p.ID
}

// hintFor says what to type after an error, or "".
func hintFor(err error) string {
	var (
		nf     *swarm.NotFoundError
		inProg *swarm.InProgressError
		fence  *swarm.FenceError
		stale  *swarm.StaleError
	)
	switch {
	case errors.As(err, &nf) && nf.Kind == "node":
		return "See the nodes with /swarm nodes"
	case errors.As(err, &nf):
		return "See the services with /swarm ls"
	case errors.As(err, &inProg):
		if inProg.State == "rollback_started" {
			return "Follow it with /swarm ps " + inProg.Service + "; a change waits until it has finished"
		}
		return "Follow it with /swarm ps " + inProg.Service + ", or stop it with /swarm rollback " + inProg.Service
	case errors.As(err, &fence):
		return "See who holds it with /swarm locks"
	case errors.As(err, &stale):
		return "See it again with /swarm inspect " + stale.Service + " and ask anew"
	case errors.Is(err, swarm.ErrNotManager):
		return "swarmbot's Engine must be a swarm manager"
	}
	return ""
}

// hintSentence is hintFor as the end of a sentence, or "".
func hintSentence(err error) string {
	if h := hintFor(err); h != "" {
		return ". " + h
	}
	return ""
}

// card is an operation's status card in phase p at now.
func (op Operation) card(p Phase, now time.Time) Card {
	return Card{
		OperationID: op.ID, Requester: op.Requester, Approver: op.Approver, What: op.What,
		Command: redact(op.Command), Phase: p, Started: op.Started, Elapsed: now.Sub(op.Started),
	}
}

// card and event report, logging when the front end cannot.
func (d *Deployer) card(ctx context.Context, rep Reporter, c Card) {
	if err := rep.Card(ctx, c); err != nil {
		d.log.WarnContext(ctx, "status card not updated", "operation", c.OperationID, "error", redact(err.Error()))
	}
}

func (d *Deployer) event(ctx context.Context, rep Reporter, e Event) {
	e.Text = redact(e.Text)
	if err := rep.Event(ctx, e); err != nil {
		d.log.WarnContext(ctx, "thread event not posted", "kind", string(e.Kind), "error", redact(err.Error()))
	}
}

// persist stores the operation; a store that fails is logged, and the
// operation goes on (its lock was taken, so the store answered a moment ago).
func (d *Deployer) persist(ctx context.Context, op Operation) {
	if err := d.stores.Operations.Put(context.WithoutCancel(ctx), op); err != nil {
		d.log.WarnContext(ctx, "operation not stored", "operation", op.ID, "error", redact(err.Error()))
	}
}

// setThread tells a lock where its operation's thread is, so that whoever is
// refused can find it.
func (d *Deployer) setThread(ctx context.Context, l *lock.Lease, at Place) {
	if at.IsZero() {
		return
	}
	if err := l.SetThread(ctx, at.Channel, at.ID); err != nil {
		d.log.WarnContext(ctx, "lock's thread not recorded", "lock", l.Resource().String(), "error", redact(err.Error()))
	}
}

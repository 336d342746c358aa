package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
)

// defaultManualLock is how long `lock SERVICE` without --for holds.
const defaultManualLock = 24 * time.Hour

// serviceName is the name of the service ref names, or ref itself when no
// service has it (a lock may be taken on a service not created yet).
func (d *Deployer) serviceName(ctx context.Context, ref string) string {
	if r, err := d.swarm.ResolveService(ctx, ref); err == nil {
		return r.Name
	}
	return ref
}

// runLock takes a manual lock: `lock ping --reason "incident 42" --for 2h`.
func runLock(ctx context.Context, d *Deployer, req Request, fe Frontend) {
	c := req.Command.(commands.Lock)
	name := d.serviceName(ctx, c.Service)
	dur := c.For
	if dur <= 0 {
		dur = defaultManualLock
	}
	l, err := d.locker.Acquire(ctx, lock.Request{
		Resource: lock.Service(name), UserID: req.Actor.ID, UserName: req.Actor.Name,
		Operation: "manual lock", Reason: c.Reason, For: dur, Channel: req.Channel, ThreadTS: req.Thread,
	})
	if err != nil {
		d.lockRefused(ctx, req, fe, &plan{target: name}, nil, err)
		return
	}
	h := l.Holder()
	d.metrics.Command(string(req.Command.Verb()), "ok")
	outcome := "until " + h.Until.UTC().Format(time.RFC3339)
	if c.Reason != "" {
		outcome += ": " + c.Reason
	}
	d.audit.record(ctx, AuditEntry{Time: d.now(), Actor: personOf(req.Actor), Action: "locked", Command: req.Command.String(),
		Target: name, Outcome: outcome, Channel: req.Channel})
	r := Reply{Kind: ReplyNotice,
		Title: fmt.Sprintf("service %s is locked by %s until %s", name, personOf(req.Actor), clockTime(d.now(), h.Until)),
		Lines: []string{fmt.Sprintf("Nobody else can change it until then. To unlock it: /swarm unlock %s", name)}}
	if c.For <= 0 {
		r.Lines = append(r.Lines, fmt.Sprintf("It holds %s unless unlocked (--for sets how long).", FormatElapsed(dur)))
	}
	if c.Reason != "" {
		r.Lines = append([]string{"Reason: " + c.Reason}, r.Lines...)
	}
	d.reply(ctx, req, fe, r)
}

// runUnlock removes one's own manual lock, or, with --force (admins only,
// checked by policy), breaks anyone's lock: its fence moves on so that the
// broken holder's writes are refused, and its thread is told.
func runUnlock(ctx context.Context, d *Deployer, req Request, fe Frontend) {
	c := req.Command.(commands.Unlock)
	name := d.serviceName(ctx, c.Service)
	res := lock.Service(name)
	actor := personOf(req.Actor)
	verb := string(req.Command.Verb())
	var (
		h   lock.Holder
		err error
	)
	if c.Force {
		h, err = d.locker.ForceUnlock(ctx, res)
	} else {
		h, err = d.locker.Unlock(ctx, res, req.Actor.ID)
	}
	var held *lock.HeldError
	switch {
	case errors.Is(err, lock.ErrNotHeld):
		d.metrics.Command(verb, "ok")
		d.reply(ctx, req, fe, Reply{Kind: ReplyNotice, Private: true, Title: fmt.Sprintf("service %s is not locked", name),
			Lines: []string{"Nothing to unlock. See every lock with /swarm locks"}})
		return
	case errors.As(err, &held):
		d.metrics.Command(verb, "refused")
		who := Person{ID: held.Holder.UserID, Name: held.Holder.UserName}
		r := conflictReply(held.Holder, "/swarm "+req.Command.String(), d.now())
		r.Title = fmt.Sprintf("service %s is locked by %s, not by you", name, who)
		if !held.Holder.Manual {
			r.Title = fmt.Sprintf("service %s is held by %s's change in progress; it is released when the change ends", name, who)
		}
		d.audit.record(ctx, AuditEntry{Time: d.now(), Actor: actor, Action: "refused", Command: req.Command.String(),
			Target: name, Outcome: err.Error(), Channel: req.Channel})
		d.reply(ctx, req, fe, r)
		return
	case err != nil:
		d.metrics.Command(verb, "failed")
		d.reply(ctx, req, fe, Reply{Kind: ReplyError, Private: true, Title: fmt.Sprintf("service %s could not be unlocked", name),
			Lines: []string{redact(err.Error()), "Try again: /swarm " + req.Command.String()}})
		return
	}
	d.metrics.Command(verb, "ok")
	holder := Person{ID: h.UserID, Name: h.UserName}
	what := h.Operation
	if h.Manual {
		what = "a manual lock"
		if h.Reason != "" {
			what += " (" + h.Reason + ")"
		}
	}
	action, title := "unlocked", fmt.Sprintf("service %s is unlocked", name)
	if c.Force {
		action = "force-unlocked"
		title = fmt.Sprintf("service %s is unlocked: %s's lock (%s, held %s) was broken by %s", name, holder, what,
			FormatElapsed(d.now().Sub(h.Since)), actor)
	}
	d.audit.record(ctx, AuditEntry{Time: d.now(), Actor: actor, Action: action, Command: req.Command.String(),
		Target: name, Outcome: fmt.Sprintf("was held by %s for %s", holder, what), Channel: req.Channel})
	if at := (Place{Channel: h.Channel, ID: h.ThreadTS}); c.Force && h.ThreadTS != "" && reportsAt(fe, at) {
		d.event(ctx, fe.Operation(at), Event{Kind: EventUnlocked, Time: d.now(), Mention: holder,
			Text: fmt.Sprintf("the lock on %s was force-unlocked by %s; this change can make no further change to it", name, actor)})
	}
	d.reply(ctx, req, fe, Reply{Kind: ReplyNotice, Title: title})
}

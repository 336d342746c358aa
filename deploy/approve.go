package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/swarmbot/swarmbot/commands"
)

// requestApproval files a planned change as a request for someone else's
// approval, and publishes it with its impact. Nothing is changed.
func (d *Deployer) requestApproval(ctx context.Context, req Request, fe Frontend, p *plan) {
	verb := string(req.Command.Verb())
	now := d.now()
	a := Approval{
		ID: newID(), Requester: personOf(req.Actor), Command: req.Command.String(), Verb: verb,
		Target: p.target, Channel: req.Channel, Thread: req.Thread, Impact: p.impact, Check: p.check,
		Created: now, Expires: now.Add(d.opts.ApprovalTTL), Status: StatusPending,
	}
	if err := d.stores.Approvals.Create(ctx, a); err != nil {
		d.metrics.Command(verb, "failed")
		d.reply(ctx, req, fe, Reply{Kind: ReplyError, Private: true,
			Title: "the approval request could not be filed",
			Lines: []string{redact(err.Error()), "Nothing was changed. Try again: /swarm " + redact(a.Command)}})
		return
	}
	place, err := fe.PublishApproval(ctx, req, a.Card())
	if err != nil {
		d.log.WarnContext(ctx, "approval request not published", "approval", a.ID, "error", redact(err.Error()))
		d.reply(ctx, req, fe, Reply{Kind: ReplyNotice, Private: true,
			Title: "approval request " + a.ID + " was filed, but its card could not be shown",
			Lines: []string{"An approver can approve it with: " + a.Card().ApproveCommand()}})
	} else if err := d.stores.Approvals.SetPlace(ctx, a.ID, place); err != nil {
		d.log.WarnContext(ctx, "approval request's place not stored", "approval", a.ID, "error", redact(err.Error()))
	}
	d.metrics.Command(verb, "approval")
	d.metrics.Approval("requested")
	d.audit.record(ctx, AuditEntry{Time: now, Actor: a.Requester, Action: "requested", Command: a.Command,
		Target: a.Target, Outcome: "waiting for approval until " + a.Expires.UTC().Format("15:04:05 UTC"),
		ApprovalID: a.ID, Channel: a.Channel})
}

// runDecide approves or denies a request: the deciding person's permission
// counts, expiry is checked at the moment of the decision, the target is
// checked again before an approval, and of any number of concurrent
// decisions (a double click, two approvers, two replicas) exactly one
// takes effect. An approved change then runs, in the request's thread.
func runDecide(ctx context.Context, d *Deployer, req Request, fe Frontend) {
	var (
		id, reason string
		approve    bool
	)
	switch c := req.Command.(type) {
	case commands.Approve:
		id, approve = c.ID, true
	case commands.Deny:
		id, reason = c.ID, c.Reason
	}
	verb := string(req.Command.Verb())
	actor := personOf(req.Actor)
	now := d.now()

	a, err := d.stores.Approvals.Get(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		d.metrics.Command(verb, "refused")
		d.reply(ctx, req, fe, Reply{Kind: ReplyRefusal, Private: true,
			Title: fmt.Sprintf("there is no approval request %s", id),
			Lines: []string{"Check the ID on the request's card; requests are kept a day after they expire. Recent ones: /swarm audit"}})
		return
	case err != nil:
		d.metrics.Command(verb, "failed")
		d.reply(ctx, req, fe, Reply{Kind: ReplyError, Private: true, Title: "the approval request could not be read",
			Lines: []string{redact(err.Error()), "Nothing was decided; try again: /swarm " + req.Command.String()}})
		return
	}
	if a.Status != StatusPending {
		d.alreadyDecided(ctx, req, fe, a)
		return
	}
	if !reportsAt(fe, a.Place) {
		// Its card, and the operation's progress after it, are where it was
		// asked: a decision here could not change them.
		d.metrics.Command(verb, "refused")
		d.reply(ctx, req, fe, Reply{Kind: ReplyRefusal, Private: true,
			Title: fmt.Sprintf("request %s (%s) cannot be decided here", a.ID, redact(a.Command)),
			Lines: []string{fmt.Sprintf("It was asked in another of swarmbot's front ends (%s), where its card and its progress are shown: %s it there. Nothing was decided.",
				placeText(a.Place), verb)}})
		return
	}

	check := d.policy.CheckDenial(req.Actor, a.Requester.ID)
	if approve {
		check = d.policy.CheckApproval(req.Actor, a.Requester.ID)
	}
	if check != nil {
		d.metrics.Command(verb, "refused")
		d.metrics.Approval("refused")
		d.audit.record(ctx, AuditEntry{Time: now, Actor: actor, Action: "refused", Command: req.Command.String(),
			Target: a.Target, Outcome: check.Error(), ApprovalID: a.ID, Channel: req.Channel})
		r := Reply{Kind: ReplyRefusal, Private: true,
			Title: fmt.Sprintf("you may not %s request %s (%s)", verb, a.ID, redact(a.Command)),
			Lines: []string{check.Error()}}
		var pr *commands.Refusal
		if errors.As(check, &pr) {
			r.Data = pr
		}
		d.reply(ctx, req, fe, r)
		return
	}

	status := StatusDenied
	var p *plan
	var cmd commands.Command
	if approve {
		status = StatusApproved
		// Checked against the swarm as it is now, not as it was asked.
		if now.Before(a.Expires) {
			var why string
			cmd, p, why = d.replan(ctx, a)
			if why != "" {
				d.decideStale(ctx, req, fe, a, actor, why)
				return
			}
		}
	}
	dec, err := d.stores.Approvals.Decide(ctx, a.ID, Decision{Status: status, By: actor, At: now, Reason: reason})
	switch {
	case errors.Is(err, ErrDecided):
		d.alreadyDecided(ctx, req, fe, dec)
		return
	case errors.Is(err, ErrExpired):
		d.expired(ctx, req, fe, dec)
		return
	case err != nil:
		d.metrics.Command(verb, "failed")
		d.reply(ctx, req, fe, Reply{Kind: ReplyError, Private: true, Title: "the decision could not be recorded",
			Lines: []string{redact(err.Error()), "Nothing was decided; try again: /swarm " + req.Command.String()}})
		return
	}
	d.updateApproval(ctx, fe, dec)
	d.metrics.Approval(string(status))
	d.metrics.Command(verb, "ok")
	d.audit.record(ctx, AuditEntry{Time: now, Actor: actor, Action: string(status), Command: dec.Command, Target: dec.Target,
		Outcome: reason, ApprovalID: dec.ID, Channel: req.Channel})
	if !approve {
		text := fmt.Sprintf("%s denied by %s", redact(dec.Command), actor)
		if actor.ID == dec.Requester.ID {
			text = fmt.Sprintf("%s withdrawn by %s", redact(dec.Command), actor)
		}
		d.event(ctx, fe.Operation(dec.Place), Event{Kind: EventDenied, Time: now, Text: withReason(text, reason) + ". Nothing was changed.", Mention: dec.Requester})
		return
	}
	run := Request{Command: cmd, Actor: commands.Actor{ID: dec.Requester.ID, Name: dec.Requester.Name}, Channel: dec.Channel, Thread: dec.Thread}
	d.run(ctx, run, fe, p, &dec)
}

// replan plans an approved request's change again against the swarm as it
// is now. why says what makes the request stale, or is empty.
func (d *Deployer) replan(ctx context.Context, a Approval) (commands.Command, *plan, string) {
	cmd, err := commands.Parse(a.Command, d.opts.ParseOptions...)
	if err != nil {
		return nil, nil, "its command no longer reads: " + err.Error()
	}
	planFn, ok := planners()[cmd.Verb()]
	if !ok {
		return nil, nil, "swarmbot no longer runs " + string(cmd.Verb())
	}
	p, err := planFn(ctx, d, cmd)
	if err != nil {
		return nil, nil, err.Error()
	}
	if p.check != a.Check {
		return nil, nil, p.stale
	}
	return cmd, p, ""
}

// decideStale refuses an approval whose target changed since the request.
func (d *Deployer) decideStale(ctx context.Context, req Request, fe Frontend, a Approval, actor Person, why string) {
	now := d.now()
	why = redact(why)
	dec, err := d.stores.Approvals.Decide(ctx, a.ID, Decision{Status: StatusStale, By: actor, At: now, Reason: why})
	if errors.Is(err, ErrDecided) {
		d.alreadyDecided(ctx, req, fe, dec)
		return
	}
	if err != nil {
		d.reply(ctx, req, fe, Reply{Kind: ReplyError, Private: true, Title: "the decision could not be recorded",
			Lines: []string{redact(err.Error()), "Nothing was changed."}})
		return
	}
	d.updateApproval(ctx, fe, dec)
	d.metrics.Approval("refused")
	d.metrics.Command(string(req.Command.Verb()), "refused")
	d.audit.record(ctx, AuditEntry{Time: now, Actor: actor, Action: "stale", Command: dec.Command, Target: dec.Target,
		Outcome: why, ApprovalID: dec.ID, Channel: req.Channel})
	again := "/swarm " + redact(dec.Command)
	d.event(ctx, fe.Operation(dec.Place), Event{Kind: EventStale, Time: now, Mention: dec.Requester,
		Text: fmt.Sprintf("%s was not run: it changed since it was asked (%s). Nothing was changed; to ask again: %s", redact(dec.Command), why, again)})
	d.reply(ctx, req, fe, Reply{Kind: ReplyRefusal, Private: true,
		Title: fmt.Sprintf("request %s is stale: it changed since it was asked (%s)", dec.ID, why),
		Lines: []string{"Nothing was changed. The requester can ask again: " + again}})
}

// expired refuses a decision that came after the request's expiry.
func (d *Deployer) expired(ctx context.Context, req Request, fe Frontend, a Approval) {
	d.updateApproval(ctx, fe, a)
	d.metrics.Approval("expired")
	d.metrics.Command(string(req.Command.Verb()), "refused")
	d.audit.record(ctx, AuditEntry{Time: d.now(), Actor: personOf(req.Actor), Action: "expired", Command: a.Command,
		Target: a.Target, Outcome: "expired at " + a.Expires.UTC().Format("15:04:05 UTC"), ApprovalID: a.ID, Channel: req.Channel})
	again := "/swarm " + redact(a.Command)
	d.event(ctx, fe.Operation(a.Place), Event{Kind: EventExpired, Time: d.now(), Mention: a.Requester,
		Text: fmt.Sprintf("%s expired at %s without a decision. Nothing was changed; to ask again: %s",
			redact(a.Command), a.Expires.UTC().Format("15:04:05 UTC"), again)})
	d.reply(ctx, req, fe, Reply{Kind: ReplyRefusal, Private: true,
		Title: fmt.Sprintf("request %s expired at %s", a.ID, a.Expires.UTC().Format("15:04:05 UTC")),
		Lines: []string{"Nothing was changed. The requester can ask again: " + again}})
}

// alreadyDecided answers a decision on a request that is no longer pending.
func (d *Deployer) alreadyDecided(ctx context.Context, req Request, fe Frontend, a Approval) {
	d.metrics.Command(string(req.Command.Verb()), "refused")
	r := Reply{Kind: ReplyRefusal, Private: true,
		Title: fmt.Sprintf("request %s (%s) is already %s", a.ID, redact(a.Command), a.Card().StatusText())}
	switch a.Status {
	case StatusApproved:
		r.Lines = append(r.Lines, "Nothing more was done; its progress is in the request's thread.")
	case StatusExpired, StatusStale, StatusDenied:
		r.Lines = append(r.Lines, "Nothing was changed. The requester can ask again: /swarm "+redact(a.Command))
	}
	d.reply(ctx, req, fe, r)
}

func (d *Deployer) updateApproval(ctx context.Context, fe Frontend, a Approval) {
	if a.Place.IsZero() {
		return
	}
	if err := fe.UpdateApproval(ctx, a.Place, a.Card()); err != nil {
		d.log.WarnContext(ctx, "approval card not updated", "approval", a.ID, "error", redact(err.Error()))
	}
}

package slack

import (
	"context"
	"fmt"
	"regexp"

	"github.com/swarmbot/swarmbot/deploy"
)

// frontend is deploy.Frontend for one conversation: who sent the command or
// clicked the button, and the response_url Slack gave with it. Private
// answers to that person go through the response_url (it works in channels
// the bot is not in); to anyone else, or without one, as chat.postEphemeral.
type frontend struct {
	b           *Bot
	user        string
	responseURL string
}

// Reply answers a person: privately as an ephemeral message; publicly in the
// channel (or the thread the command came from), with an output too long for a
// message attached in the answer's thread.
func (f frontend) Reply(ctx context.Context, req deploy.Request, r deploy.Reply) error {
	m := f.b.render.Reply(req, r)
	if r.Private {
		return f.private(ctx, req, m)
	}
	ts, err := f.b.w.Post(ctx, req.Channel, req.Thread, m)
	if notInChannel(err) && f.answersTo(req) {
		// A slash command in a channel the bot is not in: its response_url
		// still answers there.
		return f.b.w.Respond(ctx, f.responseURL, m, true)
	}
	if err != nil {
		return fmt.Errorf("answering in %s: %w", req.Channel, err)
	}
	if m.File != nil {
		thread := req.Thread
		if thread == "" {
			thread = ts
		}
		if err := f.b.w.Upload(ctx, req.Channel, thread, *m.File); err != nil {
			return fmt.Errorf("attaching the whole output: %w", err)
		}
	}
	return nil
}

// answersTo reports whether this conversation's response_url reaches the
// person req is from.
func (f frontend) answersTo(req deploy.Request) bool {
	return f.responseURL != "" && req.Actor.ID == f.user
}

func (f frontend) private(ctx context.Context, req deploy.Request, m message) error {
	if f.answersTo(req) {
		err := f.b.w.Respond(ctx, f.responseURL, m, false)
		if err == nil {
			return nil
		}
		f.b.log.Info("response_url refused; answering with an ephemeral message", "error", err.Error())
	}
	if err := f.b.w.Ephemeral(ctx, req.Channel, req.Actor.ID, req.Thread, m); err != nil {
		return fmt.Errorf("answering %s: %w", req.Actor.ID, err)
	}
	return nil
}

// OpenOperation posts a change's status card where the command came from;
// the card's message starts the thread its events go to (or, in a thread
// already, the events go there too).
func (f frontend) OpenOperation(ctx context.Context, req deploy.Request, c deploy.Card) (deploy.Place, error) {
	ts, err := f.b.w.Post(ctx, req.Channel, req.Thread, f.b.render.Card(c))
	if err != nil {
		f.cannotPost(ctx, req, err)
		return deploy.Place{}, fmt.Errorf("posting the status card of %s: %w", c.What, err)
	}
	return deploy.Place{Channel: req.Channel, ID: placeID(ts, req.Thread)}, nil
}

// cannotPost tells the person why their change has no card where they
// asked, when the reason is one they can fix: the bot is not in the channel.
func (f frontend) cannotPost(ctx context.Context, req deploy.Request, err error) {
	if !notInChannel(err) {
		return
	}
	r := deploy.Reply{Kind: deploy.ReplyNotice, Private: true,
		Title: "swarmbot cannot post in this channel, so this change has no status card here",
		Lines: []string{"Invite it with /invite @" + f.b.name + " and progress will show here next time; /swarm ps and /swarm locks show where things stand."}}
	if perr := f.private(ctx, req, f.b.render.Reply(req, r)); perr != nil {
		f.b.log.Warn("could not say why the card is missing", "channel", req.Channel, "error", perr.Error())
	}
}

// Operation reports at a card posted before, by this process or another.
func (f frontend) Operation(at deploy.Place) deploy.Reporter { return reporter{b: f.b, at: at} }

// Owns reports whether at is in a Slack conversation (C…, G… or D… IDs), so
// that deploy never resumes a console's operation here.
func (f frontend) Owns(at deploy.Place) bool { return slackConversation.MatchString(at.Channel) }

var slackConversation = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)

// PublishApproval posts an approval request with its buttons.
func (f frontend) PublishApproval(ctx context.Context, req deploy.Request, a deploy.ApprovalCard) (deploy.Place, error) {
	ts, err := f.b.w.Post(ctx, req.Channel, req.Thread, f.b.render.Approval(a))
	if err != nil {
		f.cannotPost(ctx, req, err)
		return deploy.Place{}, fmt.Errorf("posting approval request %s: %w", a.ID, err)
	}
	return deploy.Place{Channel: req.Channel, ID: placeID(ts, req.Thread)}, nil
}

// UpdateApproval shows a request's new state in place; the buttons go once
// it is decided. A decided state is waited for, since it is the last word.
func (f frontend) UpdateApproval(ctx context.Context, at deploy.Place, a deploy.ApprovalCard) error {
	ts, _ := splitPlace(at.ID)
	if at.Channel == "" || ts == "" {
		return errNoPlace
	}
	return f.b.w.Update(ctx, at.Channel, ts, f.b.render.Approval(a), a.Status != deploy.StatusPending)
}

// reporter reports one operation: its card is updated in place (coalesced,
// the final one waited for) and its events go to the card's thread.
type reporter struct {
	b  *Bot
	at deploy.Place
}

func (r reporter) Card(ctx context.Context, c deploy.Card) error {
	ts, _ := splitPlace(r.at.ID)
	if r.at.Channel == "" || ts == "" {
		return errNoPlace
	}
	return r.b.w.Update(ctx, r.at.Channel, ts, r.b.render.Card(c), c.Final)
}

func (r reporter) Event(_ context.Context, e deploy.Event) error {
	if r.at.Channel == "" || r.at.ID == "" {
		return errNoPlace
	}
	return r.b.w.Line(r.at.Channel, threadOf(r.at), r.b.render.Event(e))
}

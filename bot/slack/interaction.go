package slack

import (
	"context"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
)

// onInteraction handles button clicks. Approve and Deny on an approval
// request go to deploy.Decide as the person who clicked: their permission is
// the one that counts. The click is acked first; Slack ignores an ack's
// payload for block_actions, so answers go through the click's response_url.
func (b *Bot) onInteraction(ctx context.Context, evt socketmode.Event, received time.Time) {
	req := evt.Request
	b.ack(ctx, req, received, nil)
	cb, ok := evt.Data.(slackgo.InteractionCallback)
	if !ok || req == nil || cb.Type != slackgo.InteractionTypeBlockActions {
		return
	}
	if !b.firstTime(ctx, req, received, "") {
		return
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	fe := frontend{b: b, user: cb.User.ID, responseURL: cb.ResponseURL}
	to := deploy.Request{Actor: commands.Actor{ID: cb.User.ID, Name: cb.User.Name}, Channel: channel, Thread: cb.Container.ThreadTs}
	for _, act := range cb.ActionCallback.BlockActions {
		if act == nil || (act.ActionID != actionApprove && act.ActionID != actionDeny) {
			continue
		}
		approve := act.ActionID == actionApprove
		verb := commands.VerbDeny
		if approve {
			verb = commands.VerbApprove
		}
		if b.draining.Load() {
			b.metrics.Command(string(verb), "refused")
			b.notice(fe, to, restartingReply)
			continue
		}
		if !b.changes.reserve() {
			b.metrics.Command(string(verb), "busy")
			b.notice(fe, to, busyReply)
			continue
		}
		id, user, name := act.Value, cb.User.ID, cb.User.Name
		b.changes.run(func() {
			actor := b.dir.Actor(b.jobs, user, name)
			b.deployer.Decide(b.jobs, actor, channel, id, approve, "", fe)
		})
	}
}

package slack

import (
	"context"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
)

// The answers the socket loop gives by itself, without a worker.
var (
	busyReply = deploy.Reply{Kind: deploy.ReplyNotice, Private: true,
		Title: "swarmbot is busy: too many commands at once",
		Lines: []string{"Nothing was run. Try again in a moment."}}
	restartingReply = deploy.Reply{Kind: deploy.ReplyNotice, Private: true,
		Title: "swarmbot is restarting and takes no new commands",
		Lines: []string{"Nothing was run. Try again in a minute."}}
)

// onSlash handles /swarm …. The text is parsed right here, since parsing
// is quick and touches nothing: a usage error (with "did you mean") is the
// ack's own answer, and so is "busy" when the pool is full, so the person
// hears back at once with no Web API call at all. A command that parses
// gets a place in its pool, then the ack, then runs.
func (b *Bot) onSlash(ctx context.Context, evt socketmode.Event, received time.Time) {
	req := evt.Request
	sc, ok := evt.Data.(slackgo.SlashCommand)
	if !ok || req == nil {
		b.ack(ctx, req, received, nil)
		return
	}
	if !b.firstTime(ctx, req, received, "") {
		b.ack(ctx, req, received, nil)
		return
	}
	if b.draining.Load() {
		b.metrics.Command("", "refused")
		b.ack(ctx, req, received, b.ackAnswer(deploy.Request{}, restartingReply))
		return
	}
	cmd, err := commands.Parse(sc.Text, b.opts.ParseOptions...)
	if err != nil {
		b.metrics.Command("", "usage")
		b.ack(ctx, req, received, b.ackAnswer(deploy.Request{}, deploy.UsageReply(err)))
		return
	}
	p := b.poolFor(cmd)
	if !p.reserve() {
		b.metrics.Command(string(cmd.Verb()), "busy")
		b.ack(ctx, req, received, b.ackAnswer(deploy.Request{}, busyReply))
		return
	}
	b.ack(ctx, req, received, nil)
	fe := frontend{b: b, user: sc.UserID, responseURL: sc.ResponseURL}
	p.run(func() {
		if !b.claimed(req, "") {
			return
		}
		actor := b.dir.Actor(b.jobs, sc.UserID, sc.UserName)
		b.deployer.Handle(b.jobs, deploy.Request{Command: cmd, Actor: actor, Channel: sc.ChannelID}, fe)
	})
}

// poolFor is the pool a command runs in: changes hold their worker until the
// change has converged, so they do not take the workers reads need.
func (b *Bot) poolFor(cmd commands.Command) *pool {
	if cmd.Kind() == commands.Change {
		return b.changes
	}
	return b.reads
}

// ackAnswer is a slash command's ack payload: a reply shown to the person only.
func (b *Bot) ackAnswer(req deploy.Request, r deploy.Reply) any {
	m := b.render.Reply(req, r)
	return struct {
		ResponseType string          `json:"response_type"`
		Text         string          `json:"text"`
		Blocks       []slackgo.Block `json:"blocks,omitempty"`
	}{slackgo.ResponseTypeEphemeral, m.Text, m.Blocks}
}

// onEvent handles the Events API: a mention of the bot (@swarmbot scale ping 4),
// in a channel or in a thread, runs the same commands as /swarm. It is acked
// first; a repeat (same envelope, or an events_api retry of the same event)
// is dropped.
func (b *Bot) onEvent(ctx context.Context, evt socketmode.Event, received time.Time) {
	req := evt.Request
	b.ack(ctx, req, received, nil)
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok || req == nil {
		return
	}
	var eventID string
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		eventID = cb.EventID
	}
	if !b.firstTime(ctx, req, received, eventID) {
		return
	}
	m, ok := ev.InnerEvent.Data.(*slackevents.AppMentionEvent)
	if !ok || m.BotID != "" || m.User == "" || m.User == b.botID {
		return // only people's mentions are commands; never the bot's own words
	}
	fe := frontend{b: b, user: m.User}
	to := deploy.Request{Actor: commands.Actor{ID: m.User}, Channel: m.Channel, Thread: m.ThreadTimeStamp}
	if b.draining.Load() {
		b.metrics.Command("", "refused")
		b.notice(fe, to, restartingReply)
		return
	}
	cmd, err := commands.Parse(mentionText(m.Text, b.botID), b.opts.ParseOptions...)
	p := b.reads
	if err == nil {
		p = b.poolFor(cmd)
	}
	if !p.reserve() {
		verb := ""
		if cmd != nil {
			verb = string(cmd.Verb())
		}
		b.metrics.Command(verb, "busy")
		b.notice(fe, to, busyReply)
		return
	}
	p.run(func() {
		if !b.claimed(req, eventID) {
			return
		}
		if err != nil {
			b.metrics.Command("", "usage")
			b.reply(fe, to, deploy.UsageReply(err))
			return
		}
		actor := b.dir.Actor(b.jobs, m.User, "")
		b.deployer.Handle(b.jobs, deploy.Request{Command: cmd, Actor: actor, Channel: m.Channel, Thread: m.ThreadTimeStamp}, fe)
	})
}

// mentionText is what follows the bot's mention: "<@UBOT> scale ping 4"
// gives "scale ping 4". A leading /swarm is Parse's to drop.
func mentionText(text, botID string) string {
	if botID != "" {
		if i := strings.Index(text, "<@"+botID); i >= 0 {
			if j := strings.IndexByte(text[i:], '>'); j >= 0 {
				return strings.TrimSpace(text[i+j+1:])
			}
		}
	}
	return strings.TrimSpace(text)
}

// notice answers off the loop, where no ack can carry the answer (a mention,
// a click): a few at a time, and dropped (logged) when even those are busy.
func (b *Bot) notice(fe frontend, to deploy.Request, r deploy.Reply) {
	select {
	case b.notices <- struct{}{}:
	default:
		b.log.Warn("busy notice dropped", "user", to.Actor.ID, "channel", to.Channel)
		return
	}
	go func() {
		defer func() { <-b.notices }()
		b.reply(fe, to, r)
	}()
}

// reply answers with a front end's Reply, logging what cannot be delivered.
func (b *Bot) reply(fe frontend, to deploy.Request, r deploy.Reply) {
	ctx, cancel := context.WithTimeout(b.jobs, time.Minute)
	defer cancel()
	if err := fe.Reply(ctx, to, r); err != nil {
		b.log.Warn("reply not delivered", "user", to.Actor.ID, "channel", to.Channel, "error", err.Error())
	}
}

package fakeslack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxEventRetries is how often Slack redelivers an unacked event.
const maxEventRetries = 3

// Delivery is one user action sent to the bot as a Socket Mode envelope (and,
// for an event, its redeliveries).
type Delivery struct {
	Type        string // slash_commands, interactive or events_api
	EnvelopeID  string // of the first attempt
	ResponseURL string // slash commands and clicks
	TriggerID   string // slash commands and clicks
	EventID     string // events: the same on every redelivery
	MessageTS   string // mentions: the ts of the user's message

	s           *Server
	err         error // guarded by s.mu, like every field below
	payload     json.RawMessage
	responseURL *responseURL
	envelopes   []*envelope
	ack         *Ack
	timer       *time.Timer
	stopCtx     func() bool
}

// envelope is one Socket Mode frame carrying a delivery.
type envelope struct {
	id      string
	data    []byte
	d       *Delivery
	attempt int
	sentAt  time.Time // zero until written
	conn    int
	acked   bool
}

// Err is why the delivery failed: an unknown user or channel, no such
// button, a context that ended before any connection took it
// (dispatch_failed, as Slack reports when no socket is open), or a slash
// command ack payload Slack would refuse (invalid blocks).
func (d *Delivery) Err() error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	return d.err
}

// Ack waits for the bot's acknowledgement, which may arrive on any
// connection, and returns its payload (nil when it had none) and the time
// from the envelope's write to the ack. It returns Err when that is set.
func (d *Delivery) Ack(ctx context.Context) (payload json.RawMessage, latency time.Duration, err error) {
	var a *Ack
	var failed error
	werr := d.s.WaitFor(ctx, func(State) bool {
		a, failed = d.ack, d.err
		return a != nil || failed != nil
	})
	switch {
	case werr != nil:
		return nil, 0, fmt.Errorf("waiting for the ack of envelope %s: %w", d.EnvelopeID, werr)
	case failed != nil:
		return nil, 0, failed
	}
	return a.Payload, a.Latency, nil
}

// Acked returns the first ack of the delivery, if there is one yet.
func (d *Delivery) Acked() (Ack, bool) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if d.ack == nil {
		return Ack{}, false
	}
	return *d.ack, true
}

// AckedWithin reports whether the bot acked within limit of the envelope's write.
func (d *Delivery) AckedWithin(limit time.Duration) bool {
	a, ok := d.Acked()
	return ok && a.Latency <= limit
}

// TimedOut reports whether Slack would have given up on the ack: none came
// within Config.AckTimeout of the first envelope's write. A user then sees operation_timeout
// for a slash command, and an event is redelivered.
func (d *Delivery) TimedOut() bool {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(d.envelopes) == 0 || d.envelopes[0].sentAt.IsZero() {
		return false
	}
	end := s.now()
	if d.ack != nil {
		end = d.ack.At
	}
	return end.Sub(d.envelopes[0].sentAt) > s.cfg.AckTimeout
}

// Attempts is how many envelopes of the delivery were written: 1, plus redeliveries.
func (d *Delivery) Attempts() int {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	n := 0
	for _, e := range d.envelopes {
		if !e.sentAt.IsZero() {
			n++
		}
	}
	return n
}

// stopTimers cancels pending redeliveries and the context watch. The caller holds s.mu.
func (d *Delivery) stopTimers() {
	if d.timer != nil {
		d.timer.Stop()
	}
	if d.stopCtx != nil {
		d.stopCtx()
		d.stopCtx = nil
	}
}

func (s *Server) failed(typ string, err error) *Delivery {
	return &Delivery{Type: typ, s: s, err: err}
}

// SlashCommand sends the command as user in channel, as Slack does when the
// user types it: a slash_commands envelope with a fresh response_url and
// trigger_id, on the newest open connection. With none open it waits for the
// bot's next connection, until ctx ends.
func (s *Server) SlashCommand(ctx context.Context, user, channel, command, text string) *Delivery {
	const typ = "slash_commands"
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ch, err := s.actor(user, channel)
	if err != nil {
		return s.failed(typ, fmt.Errorf("slash command %s %s: %w", command, text, err))
	}
	if !strings.HasPrefix(command, "/") {
		return s.failed(typ, fmt.Errorf("slash command %q: a command starts with /", command))
	}
	d := &Delivery{Type: typ, s: s, TriggerID: s.newTriggerID()}
	d.responseURL = s.newResponseURL(u.ID, ch.ID)
	d.responseURL.slash = true
	d.ResponseURL = s.responseURLOf(d.responseURL)
	s.deliver(ctx, d, map[string]any{
		"token":                 s.cfg.VerificationToken,
		"team_id":               s.cfg.TeamID,
		"team_domain":           s.cfg.TeamDomain,
		"channel_id":            ch.ID,
		"channel_name":          ch.Name,
		"user_id":               u.ID,
		"user_name":             u.Name,
		"command":               command,
		"text":                  text,
		"api_app_id":            s.cfg.AppID,
		"is_enterprise_install": "false",
		"response_url":          d.ResponseURL,
		"trigger_id":            d.TriggerID,
	})
	return d
}

// ClickButton clicks, as user, the button with actionID in the message at
// messageTS of channel: a message of the channel or a thread, or one of the
// user's ephemerals there. The button must be in the blocks the bot posted;
// the block_actions envelope carries its block_id, value and text, and the
// message's exact blocks. For an ephemeral, as in Slack, the payload has no
// message, only its container.
func (s *Server) ClickButton(ctx context.Context, user, channel, messageTS, actionID string) *Delivery {
	const typ = "interactive"
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ch, err := s.actor(user, channel)
	if err != nil {
		return s.failed(typ, fmt.Errorf("clicking %s: %w", actionID, err))
	}

	var blocks json.RawMessage
	var threadTS string
	var message any
	ephemeral := false
	if m := s.findMessage(ch.ID, messageTS); m != nil && !m.Deleted {
		blocks, threadTS, message = m.Blocks, m.ThreadTS, s.wire(m)
	} else if e := s.findEphemeral(ch.ID, u.ID, messageTS); e != nil && !e.Deleted {
		blocks, threadTS, ephemeral = e.Blocks, e.ThreadTS, true
	} else {
		return s.failed(typ, fmt.Errorf("clicking %s: no message %s in %s that %s can see", actionID, messageTS, ch.ID, u.ID))
	}
	el, blockID, found := findElement(blocks, actionID)
	if !found || el["type"] != "button" {
		return s.failed(typ, fmt.Errorf("clicking %s: message %s has no button with that action_id", actionID, messageTS))
	}

	d := &Delivery{Type: typ, s: s, TriggerID: s.newTriggerID()}
	d.responseURL = s.newResponseURL(u.ID, ch.ID)
	d.responseURL.source, d.responseURL.sourceEphemeral, d.responseURL.threadTS = messageTS, ephemeral, threadTS
	d.ResponseURL = s.responseURLOf(d.responseURL)

	action := map[string]any{
		"type":      "button",
		"action_id": actionID,
		"block_id":  blockID, // always a string: slack-go files an action without one as an attachment action
		"text":      el["text"],
		"action_ts": s.newTS(),
	}
	for _, field := range []string{"value", "style", "url"} {
		if v, ok := el[field]; ok {
			action[field] = v
		}
	}
	container := map[string]any{
		"type":         "message",
		"message_ts":   messageTS,
		"channel_id":   ch.ID,
		"is_ephemeral": ephemeral,
	}
	if threadTS != "" {
		container["thread_ts"] = threadTS
	}
	payload := map[string]any{
		"type":                  "block_actions",
		"user":                  map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.cfg.TeamID},
		"api_app_id":            s.cfg.AppID,
		"token":                 s.cfg.VerificationToken,
		"trigger_id":            d.TriggerID,
		"team":                  map[string]any{"id": s.cfg.TeamID, "domain": s.cfg.TeamDomain},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"container":             container,
		"channel":               map[string]any{"id": ch.ID, "name": ch.Name},
		"state":                 map[string]any{"values": map[string]any{}},
		"response_url":          d.ResponseURL,
		"actions":               []any{action},
	}
	if message != nil {
		payload["message"] = message
	}
	s.deliver(ctx, d, payload)
	return d
}

// Mention posts text as user in channel (in the thread of threadTS when set)
// and sends the app_mention event for it. The bot is mentioned at the start
// of text unless text already mentions it.
func (s *Server) Mention(ctx context.Context, user, channel, text, threadTS string) *Delivery {
	const typ = "events_api"
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ch, err := s.actor(user, channel)
	if err != nil {
		return s.failed(typ, fmt.Errorf("mention %q: %w", text, err))
	}
	parent, ok := s.threadParent(ch, threadTS)
	if !ok {
		return s.failed(typ, fmt.Errorf("mention %q: no thread %s in %s", text, threadTS, ch.ID))
	}
	if mention := "<@" + s.cfg.BotUserID + ">"; !strings.Contains(text, mention) {
		text = mention + " " + text
	}
	m := s.post(ch, &Message{ThreadTS: parent, User: u.ID, Text: truncateText(text), Via: "user"})

	d := &Delivery{Type: typ, s: s, EventID: s.nextID("Ev"), MessageTS: m.TS}
	event := map[string]any{
		"type":     "app_mention",
		"user":     u.ID,
		"text":     m.Text,
		"ts":       m.TS,
		"channel":  ch.ID,
		"event_ts": m.TS,
		"team":     s.cfg.TeamID,
	}
	if parent != "" {
		event["thread_ts"] = parent
	}
	s.deliver(ctx, d, map[string]any{
		"token":      s.cfg.VerificationToken,
		"team_id":    s.cfg.TeamID,
		"api_app_id": s.cfg.AppID,
		"type":       "event_callback",
		"event_id":   d.EventID,
		"event_time": s.now().Unix(),
		"authorizations": []any{map[string]any{
			"enterprise_id":         nil,
			"team_id":               s.cfg.TeamID,
			"user_id":               s.cfg.BotUserID,
			"is_bot":                true,
			"is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         "4-app_mention-" + s.cfg.TeamID + "-" + ch.ID,
		"event":                 event,
	})
	return d
}

// actor checks that the user and the channel of a user action exist.
func (s *Server) actor(user, channel string) (User, *Channel, error) {
	u, ok := s.users[user]
	if !ok || u.Deleted {
		return User{}, nil, fmt.Errorf("no user %s in the fake workspace", user)
	}
	ch := s.channel(channel)
	if ch == nil {
		return User{}, nil, fmt.Errorf("no channel %s in the fake workspace", channel)
	}
	return u, ch, nil
}

func (s *Server) newTriggerID() string {
	n := s.counters["trigger"] + 1
	s.counters["trigger"] = n
	return fmt.Sprintf("%d.%d.%08x", 1000+n, 1, n*2654435761%(1<<32))
}

// deliver queues the first envelope of a delivery. If ctx ends before a
// connection has taken it, it is withdrawn. The caller holds s.mu.
func (s *Server) deliver(ctx context.Context, d *Delivery, payload any) {
	raw, err := json.Marshal(payload)
	if err != nil {
		d.err = fmt.Errorf("encoding %s payload: %w", d.Type, err)
		return
	}
	d.payload = raw
	env := s.newEnvelope(d, 0)
	d.EnvelopeID = env.id
	s.deliveries = append(s.deliveries, d)
	s.pending = append(s.pending, env)
	s.route()
	s.notify()
	if ctx.Done() != nil {
		d.stopCtx = context.AfterFunc(ctx, func() { s.withdraw(d, context.Cause(ctx)) })
	}
}

// newEnvelope builds attempt number attempt (0 is the first) of a delivery.
// The caller holds s.mu.
func (s *Server) newEnvelope(d *Delivery, attempt int) *envelope {
	s.counters["envelope"]++
	id := fmt.Sprintf("6c1a0f2e-%04x-4%03x-8%03x-%012x", attempt, 0, 0, s.counters["envelope"])
	frame := struct {
		EnvelopeID             string          `json:"envelope_id"`
		Type                   string          `json:"type"`
		Payload                json.RawMessage `json:"payload"`
		AcceptsResponsePayload bool            `json:"accepts_response_payload"`
		RetryAttempt           *int            `json:"retry_attempt,omitempty"`
		RetryReason            *string         `json:"retry_reason,omitempty"`
	}{
		EnvelopeID:             id,
		Type:                   d.Type,
		Payload:                d.payload,
		AcceptsResponsePayload: d.Type == "slash_commands",
	}
	if d.Type == "events_api" {
		reason := ""
		if attempt > 0 {
			reason = "timeout"
		}
		frame.RetryAttempt, frame.RetryReason = &attempt, &reason
	}
	data, _ := json.Marshal(frame) // every field is already JSON
	env := &envelope{id: id, data: data, d: d, attempt: attempt}
	s.envelopes[id] = env
	d.envelopes = append(d.envelopes, env)
	return env
}

// withdraw takes back a delivery no connection has taken, when its context
// ends: Slack answers dispatch_failed when it cannot reach the app.
func (s *Server) withdraw(d *Delivery, cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range d.envelopes {
		if !e.sentAt.IsZero() {
			return
		}
	}
	s.unqueue(d)
	d.err = fmt.Errorf("%s envelope %s: dispatch_failed: no connection took it: %w", d.Type, d.EnvelopeID, cause)
	s.notify()
}

// unqueue takes the delivery's unwritten envelopes out of every queue. The
// caller holds s.mu.
func (s *Server) unqueue(d *Delivery) {
	kept := s.pending[:0]
	for _, e := range s.pending {
		if e.d != d {
			kept = append(kept, e)
		}
	}
	s.pending = kept
	for _, c := range s.conns {
		frames := c.queue[:0]
		for _, f := range c.queue {
			if f.env == nil || f.env.d != d {
				frames = append(frames, f)
			}
		}
		c.queue = frames
	}
}

// sent notes that an envelope went out: the delivery can no longer be
// withdrawn, and an event starts its wait for the ack. The caller holds s.mu.
func (s *Server) sent(env *envelope) {
	d := env.d
	if d.stopCtx != nil {
		d.stopCtx()
		d.stopCtx = nil
	}
	sched := s.cfg.EventRetrySchedule
	if d.Type != "events_api" || env.attempt >= min(len(sched), maxEventRetries) || d.ack != nil {
		return
	}
	attempt := env.attempt
	d.timer = time.AfterFunc(s.cfg.AckTimeout, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed || d.ack != nil {
			return
		}
		d.timer = time.AfterFunc(sched[attempt], func() { s.redeliver(d, attempt+1) })
	})
}

// redeliver sends an unacked event again, as Slack does: a new envelope ID,
// the same payload and event_id, retry_attempt counting up.
func (s *Server) redeliver(d *Delivery, attempt int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || d.ack != nil {
		return
	}
	s.pending = append(s.pending, s.newEnvelope(d, attempt))
	s.route()
	s.notify()
}

// acked records the first ack of a delivery. A slash command's ack payload is
// its response, shown as Slack shows it. The caller holds s.mu.
func (s *Server) acked(d *Delivery, a Ack) {
	if d.ack != nil {
		return
	}
	d.ack = &a
	d.stopTimers()
	s.unqueue(d) // a redelivery not yet written is no longer due
	if d.Type != "slash_commands" || a.Payload == nil {
		return
	}
	var body responseBody
	if err := json.Unmarshal(a.Payload, &body); err != nil {
		d.err = errors.Join(d.err, fmt.Errorf("slash command ack payload is not a message: %w", err))
		return
	}
	if body.empty() {
		return
	}
	if code, problems := s.applyResponse(d.responseURL, body, "ack"); code != "" {
		d.err = fmt.Errorf("slash command ack payload refused: %s %s", code, strings.Join(problems, "; "))
	}
}

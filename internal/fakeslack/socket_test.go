package fakeslack_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"

	"github.com/swarmbot/swarmbot/internal/fakeslack"
)

func TestConnectAndHello(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	b := startBot(t, f)

	hello := b.next(t, socketmode.EventTypeHello)
	if got := hello.Request.ConnectionInfo.AppID; got != "A1" {
		t.Errorf("hello app_id = %q, want A1", got)
	}
	if got := hello.Request.NumConnections; got != 1 {
		t.Errorf("hello num_connections = %d, want 1", got)
	}
	if err := f.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}

	var opens, upgrades []fakeslack.Call
	for _, c := range f.Calls() {
		switch c.Method {
		case "apps.connections.open":
			opens = append(opens, c)
		case "websocket":
			upgrades = append(upgrades, c)
		}
	}
	if len(opens) != 1 || opens[0].Auth != "bearer" || opens[0].Status != 200 || opens[0].Error != "" {
		t.Errorf("apps.connections.open calls = %+v, want one Bearer call answered ok", opens)
	}
	if len(upgrades) != 1 || upgrades[0].Status != 101 {
		t.Errorf("websocket upgrades = %+v, want one 101", upgrades)
	}
	conns := f.Connections()
	if len(conns) != 1 || !conns[0].Open() || conns[0].HelloAt.IsZero() {
		t.Errorf("connections = %+v, want one open connection that got its hello", conns)
	}
}

func TestConnectionsOpenRefusesBadAppTokens(t *testing.T) {
	tests := []struct {
		name     string
		appToken func(*fakeslack.Server) string
		inject   *fakeslack.Failure
		want     string
	}{
		{name: "no app token", appToken: func(*fakeslack.Server) string { return "" }, want: "not_authed"},
		{name: "wrong app token", appToken: func(*fakeslack.Server) string { return "xapp-wrong" }, want: "invalid_auth"},
		{name: "bot token instead", appToken: (*fakeslack.Server).BotToken, want: "invalid_auth"},
		{name: "injected invalid_auth", appToken: (*fakeslack.Server).AppToken, inject: &fakeslack.Failure{Error: "invalid_auth"}, want: "invalid_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakeslack.New(t, workspace())
			if tt.inject != nil {
				f.FailConnectionsOpen(1, *tt.inject)
			}
			b := startBotWithAppToken(t, f, tt.appToken(f))
			select {
			case err := <-b.runErr:
				if err == nil || err.Error() != tt.want {
					t.Errorf("RunContext returned %v, want %s", err, tt.want)
				}
			case <-time.After(patience):
				t.Fatalf("RunContext still running after %s", patience)
			}
			if n := len(f.Connections()); n != 0 {
				t.Errorf("%d connections opened, want none", n)
			}
		})
	}
}

func TestConnectRetriesThroughFaults(t *testing.T) {
	tests := []struct {
		name          string
		inject        func(*fakeslack.Server)
		wantOpen      []int // statuses of apps.connections.open, in order
		wantUpgrades  []int
		wantConnError int // connection_error events before hello
	}{
		{
			name:          "5xx twice",
			inject:        func(f *fakeslack.Server) { f.FailConnectionsOpen(2, fakeslack.HTTPStatus(503)) },
			wantOpen:      []int{503, 503, 200},
			wantUpgrades:  []int{101},
			wantConnError: 2,
		},
		{
			name:          "ok:false",
			inject:        func(f *fakeslack.Server) { f.FailConnectionsOpen(1, fakeslack.SlackError("internal_error")) },
			wantOpen:      []int{200, 200},
			wantUpgrades:  []int{101},
			wantConnError: 1,
		},
		{
			name:          "rate limited",
			inject:        func(f *fakeslack.Server) { f.FailConnectionsOpen(1, fakeslack.RateLimited(time.Second)) },
			wantOpen:      []int{429, 200},
			wantUpgrades:  []int{101},
			wantConnError: 1,
		},
		{
			name:          "upgrade refused",
			inject:        func(f *fakeslack.Server) { f.RefuseUpgrade(1) },
			wantOpen:      []int{200, 200},
			wantUpgrades:  []int{503, 101},
			wantConnError: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakeslack.New(t, workspace())
			tt.inject(f)
			b := startBot(t, f)
			connErrors := 0
			for e := b.next(t, socketmode.EventTypeConnectionError, socketmode.EventTypeHello); e.Type != socketmode.EventTypeHello; e = b.next(t, socketmode.EventTypeConnectionError, socketmode.EventTypeHello) {
				connErrors++
			}
			if connErrors != tt.wantConnError {
				t.Errorf("connection_error events = %d, want %d", connErrors, tt.wantConnError)
			}
			var open, upgrades []int
			for _, c := range f.Calls() {
				switch c.Method {
				case "apps.connections.open":
					open = append(open, c.Status)
				case "websocket":
					upgrades = append(upgrades, c.Status)
				}
			}
			if !equal(open, tt.wantOpen) || !equal(upgrades, tt.wantUpgrades) {
				t.Errorf("statuses: apps.connections.open %v, websocket %v; want %v, %v", open, upgrades, tt.wantOpen, tt.wantUpgrades)
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSlashCommandDeliveredAndAcked(t *testing.T) {
	tests := []struct {
		name          string
		payload       any
		wantPayload   string
		wantEphemeral string
	}{
		{name: "without payload"},
		{
			name:          "with payload",
			payload:       map[string]any{"text": "scaling ping to 4"},
			wantPayload:   `{"text":"scaling ping to 4"}`,
			wantEphemeral: "scaling ping to 4",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			f := fakeslack.New(t, workspace())
			b := startBot(t, f)

			d := f.SlashCommand(ctx, "U1", "C1", "/swarm", "scale ping 4")
			e := b.next(t, socketmode.EventTypeSlashCommand)
			cmd, ok := e.Data.(slack.SlashCommand)
			if !ok {
				t.Fatalf("event data is %T, want slack.SlashCommand", e.Data)
			}
			want := slack.SlashCommand{
				Token: "fake-verification-token", TeamID: "T1", TeamDomain: "acme",
				ChannelID: "C1", ChannelName: "ops", UserID: "U1", UserName: "alice",
				Command: "/swarm", Text: "scale ping 4", ResponseURL: d.ResponseURL,
				TriggerID: d.TriggerID, APIAppID: "A1",
			}
			if cmd != want {
				t.Errorf("slash command = %+v\nwant %+v", cmd, want)
			}
			if e.Request.EnvelopeID != d.EnvelopeID || !e.Request.AcceptsResponsePayload {
				t.Errorf("envelope %s accepts_response_payload=%v, want %s and true", e.Request.EnvelopeID, e.Request.AcceptsResponsePayload, d.EnvelopeID)
			}

			if tt.payload != nil {
				b.ack(t, e, tt.payload)
			} else {
				b.ack(t, e)
			}
			payload, latency, err := d.Ack(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if string(payload) != tt.wantPayload {
				t.Errorf("ack payload = %s, want %q", payload, tt.wantPayload)
			}
			if latency < 0 || !d.AckedWithin(patience) {
				t.Errorf("ack latency %s not within %s", latency, patience)
			}
			eph := f.Ephemerals("C1", "U1")
			switch {
			case tt.wantEphemeral == "" && len(eph) != 0:
				t.Errorf("ephemerals = %+v, want none", eph)
			case tt.wantEphemeral != "" && (len(eph) != 1 || eph[0].Text != tt.wantEphemeral || eph[0].Via != "ack"):
				t.Errorf("ephemerals = %+v, want the ack payload %q", eph, tt.wantEphemeral)
			}
		})
	}
}

func TestSlashCommandWaitsForAConnection(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())

	d := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls")
	if n := d.Attempts(); n != 0 {
		t.Fatalf("sent %d times with no connection open", n)
	}
	b := startBot(t, f)
	e := b.next(t, socketmode.EventTypeSlashCommand)
	if e.Request.EnvelopeID != d.EnvelopeID {
		t.Errorf("got envelope %s, want the queued %s", e.Request.EnvelopeID, d.EnvelopeID)
	}
	b.ack(t, e)
	if _, _, err := d.Ack(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDeliveryWithdrawnWhenItsContextEnds(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())

	short, cancel := context.WithCancel(ctx)
	d := f.SlashCommand(short, "U1", "C1", "/swarm", "ls")
	cancel()
	_, _, err := d.Ack(ctx)
	if err == nil || !strings.Contains(err.Error(), "dispatch_failed") {
		t.Fatalf("Ack = %v, want dispatch_failed", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}

	// A bot connecting afterwards does not get the withdrawn command.
	b := startBot(t, f)
	b.next(t, socketmode.EventTypeHello)
	d2 := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ps ping")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	if e.Request.EnvelopeID != d2.EnvelopeID {
		t.Errorf("got envelope %s, want %s (the withdrawn %s must not arrive)", e.Request.EnvelopeID, d2.EnvelopeID, d.EnvelopeID)
	}
}

func TestDriverRefusesWhatTheWorkspaceLacks(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	_, ts, err := webAPI(f).PostMessageContext(ctx, "C1", slack.MsgOptionText("no buttons here", false))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		d    *fakeslack.Delivery
	}{
		{"unknown user", f.SlashCommand(ctx, "U404", "C1", "/swarm", "ls")},
		{"unknown channel", f.SlashCommand(ctx, "U1", "C404", "/swarm", "ls")},
		{"command without slash", f.SlashCommand(ctx, "U1", "C1", "swarm", "ls")},
		{"button the bot never posted", f.ClickButton(ctx, "U1", "C1", ts, "approve")},
		{"click on unknown message", f.ClickButton(ctx, "U1", "C1", "1.000001", "approve")},
		{"mention in unknown thread", f.Mention(ctx, "U1", "C1", "ls", "1.000001")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.d.Err() == nil {
				t.Fatal("Err() = nil, want a refusal")
			}
			if _, _, err := tt.d.Ack(ctx); err == nil {
				t.Error("Ack succeeded on a refused delivery")
			}
		})
	}
}

func TestClickButton(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	b := startBot(t, f)
	b.next(t, socketmode.EventTypeHello)

	approve := slack.NewButtonBlockElement("approve", "req-42", text("Approve"))
	approve.Style = slack.StylePrimary
	deny := slack.NewButtonBlockElement("deny", "req-42", text("Deny"))
	retry := slack.NewButtonBlockElement("retry", "", text("Retry"))
	card := []slack.Block{
		section("*drain dev02* asked by <@U1>"),
		slack.NewActionBlock("approval", approve, deny),
		slack.NewActionBlock("", retry), // no block_id: Slack makes one up
	}
	_, ts, err := b.api.PostMessageContext(ctx, "C1", slack.MsgOptionText("drain dev02?", false), slack.MsgOptionBlocks(card...))
	if err != nil {
		t.Fatal(err)
	}
	_, replyTS, err := b.api.PostMessageContext(ctx, "C1", slack.MsgOptionTS(ts), slack.MsgOptionText("again?", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("again", slack.NewButtonBlockElement("again", "req-43", text("Again")))))
	if err != nil {
		t.Fatal(err)
	}
	ephTS, err := b.api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("only you", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("mine", slack.NewButtonBlockElement("cancel", "req-44", text("Cancel")))))
	if err != nil {
		t.Fatal(err)
	}
	generated := storedBlockID(t, f, ts, 2)

	// A thread's parent carries its own ts as thread_ts, as in Slack.
	tests := []struct {
		name, user, ts, action         string
		wantBlockID, wantValue, thread string
		wantMessageThread              string
		ephemeral                      bool
		wantBlocks                     int
	}{
		{name: "approve", user: "U2", ts: ts, action: "approve", wantBlockID: "approval", wantValue: "req-42", wantMessageThread: ts, wantBlocks: 3},
		{name: "button without block_id", user: "U2", ts: ts, action: "retry", wantBlockID: generated, wantMessageThread: ts, wantBlocks: 3},
		{name: "in a thread", user: "U1", ts: replyTS, action: "again", wantBlockID: "again", wantValue: "req-43", thread: ts, wantMessageThread: ts, wantBlocks: 1},
		{name: "in an ephemeral", user: "U1", ts: ephTS, action: "cancel", wantBlockID: "mine", wantValue: "req-44", ephemeral: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := f.ClickButton(ctx, tt.user, "C1", tt.ts, tt.action)
			if err := d.Err(); err != nil {
				t.Fatal(err)
			}
			e := b.next(t, socketmode.EventTypeInteractive)
			cb, ok := e.Data.(slack.InteractionCallback)
			if !ok {
				t.Fatalf("event data is %T, want slack.InteractionCallback", e.Data)
			}
			if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 || len(cb.ActionCallback.AttachmentActions) != 0 {
				t.Fatalf("callback type %s with %d block actions and %d attachment actions, want one block action",
					cb.Type, len(cb.ActionCallback.BlockActions), len(cb.ActionCallback.AttachmentActions))
			}
			a := cb.ActionCallback.BlockActions[0]
			if a.ActionID != tt.action || a.BlockID != tt.wantBlockID || a.Value != tt.wantValue || a.Type != "button" {
				t.Errorf("action = %s/%s/%q (%s), want %s/%s/%q (button)", a.ActionID, a.BlockID, a.Value, a.Type, tt.action, tt.wantBlockID, tt.wantValue)
			}
			if cb.User.ID != tt.user || cb.Channel.ID != "C1" || cb.ResponseURL != d.ResponseURL || cb.TriggerID != d.TriggerID {
				t.Errorf("user %s channel %s response_url %s trigger %s; want %s C1 %s %s", cb.User.ID, cb.Channel.ID, cb.ResponseURL, cb.TriggerID, tt.user, d.ResponseURL, d.TriggerID)
			}
			c := cb.Container
			if c.MessageTs != tt.ts || c.ChannelID != "C1" || c.IsEphemeral != tt.ephemeral || c.ThreadTs != tt.thread {
				t.Errorf("container = %+v, want message %s in C1, thread %q, ephemeral %v", c, tt.ts, tt.thread, tt.ephemeral)
			}
			if tt.ephemeral {
				if cb.Message.Timestamp != "" {
					t.Errorf("an ephemeral's click carries message %s; Slack sends none", cb.Message.Timestamp)
				}
			} else if cb.Message.Timestamp != tt.ts || cb.Message.ThreadTimestamp != tt.wantMessageThread || len(cb.Message.Blocks.BlockSet) != tt.wantBlocks {
				t.Errorf("message ts %s thread %s with %d blocks, want %s %s with %d", cb.Message.Timestamp, cb.Message.ThreadTimestamp, len(cb.Message.Blocks.BlockSet), tt.ts, tt.wantMessageThread, tt.wantBlocks)
			}
			if e.Request.AcceptsResponsePayload {
				t.Error("block_actions envelope accepts a response payload; Slack's does not")
			}
			b.ack(t, e)
			if _, _, err := d.Ack(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("someone else's ephemeral", func(t *testing.T) {
		if d := f.ClickButton(ctx, "U2", "C1", ephTS, "cancel"); d.Err() == nil {
			t.Error("bob clicked alice's ephemeral")
		}
	})
}

// storedBlockID is the block_id the fake keeps for block i of a message.
func storedBlockID(t *testing.T, f *fakeslack.Server, ts string, i int) string {
	t.Helper()
	m, ok := f.Message("C1", ts)
	if !ok {
		t.Fatalf("no message %s", ts)
	}
	var blocks []struct {
		BlockID string `json:"block_id"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil || len(blocks) <= i || blocks[i].BlockID == "" {
		t.Fatalf("block %d of %s has no block_id: %s (%v)", i, ts, m.Blocks, err)
	}
	return blocks[i].BlockID
}

func TestMention(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	b := startBot(t, f)
	_, parent, err := b.api.PostMessageContext(ctx, "C1", slack.MsgOptionText("scaling ping", false))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, user, text, thread, wantText string
	}{
		{name: "in the channel", user: "U1", text: "scale ping 4", wantText: "<@UBOT> scale ping 4"},
		{name: "in a thread", user: "U2", text: "what about <@UBOT> ps ping", thread: parent, wantText: "what about <@UBOT> ps ping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := f.Mention(ctx, tt.user, "C1", tt.text, tt.thread)
			e := b.next(t, socketmode.EventTypeEventsAPI)
			outer, ok := e.Data.(slackevents.EventsAPIEvent)
			if !ok || outer.Type != slackevents.CallbackEvent {
				t.Fatalf("event data is %T %+v, want an event_callback", e.Data, e.Data)
			}
			if cb, ok := outer.Data.(*slackevents.EventsAPICallbackEvent); !ok || cb.EventID != d.EventID {
				t.Errorf("callback = %+v, want event_id %s", outer.Data, d.EventID)
			}
			m, ok := outer.InnerEvent.Data.(*slackevents.AppMentionEvent)
			if !ok {
				t.Fatalf("inner event is %T, want *slackevents.AppMentionEvent", outer.InnerEvent.Data)
			}
			if m.User != tt.user || m.Text != tt.wantText || m.Channel != "C1" || m.TimeStamp != d.MessageTS || m.ThreadTimeStamp != tt.thread {
				t.Errorf("app_mention = %+v\nwant user %s text %q channel C1 ts %s thread %q", m, tt.user, tt.wantText, d.MessageTS, tt.thread)
			}
			if e.Request.RetryAttempt != 0 || e.Request.RetryReason != "" {
				t.Errorf("retry %d %q on a first delivery", e.Request.RetryAttempt, e.Request.RetryReason)
			}
			b.ack(t, e)
			if _, _, err := d.Ack(ctx); err != nil {
				t.Fatal(err)
			}
			msg, ok := f.Message("C1", d.MessageTS)
			if !ok || msg.User != tt.user || msg.Text != tt.wantText || msg.ThreadTS != tt.thread || msg.BotID != "" {
				t.Errorf("stored user message = %+v", msg)
			}
		})
	}
	if thread := f.Thread("C1", parent); len(thread) != 2 || thread[0].ReplyCount != 1 {
		t.Errorf("thread = %+v, want the parent with one reply", thread)
	}
}

func TestUnackedEventIsRedelivered(t *testing.T) {
	ctx := testContext(t)
	cfg := workspace()
	cfg.AckTimeout = 300 * time.Millisecond
	cfg.EventRetrySchedule = []time.Duration{0, 100 * time.Millisecond}
	f := fakeslack.New(t, cfg)
	b := startBot(t, f)

	d := f.Mention(ctx, "U1", "C1", "ps ping", "")
	var attempts []socketmode.Event
	for range 3 { // the first delivery and both retries of the schedule, none acked
		attempts = append(attempts, b.next(t, socketmode.EventTypeEventsAPI))
	}
	ids := map[string]bool{}
	for i, e := range attempts {
		wantReason := "timeout"
		if i == 0 {
			wantReason = ""
		}
		if e.Request.RetryAttempt != i || e.Request.RetryReason != wantReason {
			t.Errorf("attempt %d: retry_attempt %d retry_reason %q, want %d %q", i, e.Request.RetryAttempt, e.Request.RetryReason, i, wantReason)
		}
		cb := e.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent)
		if cb.EventID != d.EventID {
			t.Errorf("attempt %d: event_id %s, want %s on every attempt", i, cb.EventID, d.EventID)
		}
		ids[e.Request.EnvelopeID] = true
	}
	if len(ids) != 3 {
		t.Errorf("envelope IDs %v: want a new one per attempt", ids)
	}
	if !d.TimedOut() {
		t.Error("TimedOut() = false for an event never acked")
	}

	b.ack(t, attempts[2])
	if _, _, err := d.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if n := d.Attempts(); n != 3 {
		t.Errorf("Attempts() = %d, want 3", n)
	}
}

func TestReconnectLosesNothing(t *testing.T) {
	tests := []struct {
		name      string
		cut       func(*fakeslack.Server)
		wantCause string
	}{
		{name: "disconnect message", cut: func(f *fakeslack.Server) { f.Disconnect("refresh_requested") }, wantCause: "1006"},
		{name: "dropped with close frame", cut: func(f *fakeslack.Server) { f.DropConnection(true) }, wantCause: "with a close frame"},
		{name: "dropped without close frame", cut: func(f *fakeslack.Server) { f.DropConnection(false) }, wantCause: "without a close frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			f := fakeslack.New(t, workspace())
			b := startBot(t, f)
			b.next(t, socketmode.EventTypeHello)

			// A command reaches the bot, which has not acked it when the link goes.
			before := f.SlashCommand(ctx, "U1", "C1", "/swarm", "scale ping 4")
			held := b.next(t, socketmode.EventTypeSlashCommand)
			tt.cut(f)
			// A command sent while the link is down waits for the next connection.
			during := f.SlashCommand(ctx, "U2", "C1", "/swarm", "ps ping")

			// slack-go starts its next connection only after the old one is torn
			// down; an ack queued now can only leave on the new connection.
			for {
				e := b.next(t, socketmode.EventTypeConnecting)
				if e.Data.(*slack.ConnectingEvent).ConnectionCount == 1 {
					break
				}
			}
			b.ack(t, held)
			if _, _, err := before.Ack(ctx); err != nil {
				t.Fatal(err)
			}
			if a, _ := before.Acked(); a.SentOn != 1 || a.Conn != 2 {
				t.Errorf("ack of the held command: envelope on connection %d, ack on %d; want 1 and 2", a.SentOn, a.Conn)
			}

			e := b.next(t, socketmode.EventTypeSlashCommand)
			if e.Request.EnvelopeID != during.EnvelopeID {
				t.Fatalf("got envelope %s, want the one queued during the reconnect, %s", e.Request.EnvelopeID, during.EnvelopeID)
			}
			b.ack(t, e)
			if _, _, err := during.Ack(ctx); err != nil {
				t.Fatal(err)
			}
			if a, _ := during.Acked(); a.SentOn != 2 {
				t.Errorf("command queued during the reconnect went out on connection %d, want 2", a.SentOn)
			}

			conns := f.Connections()
			if len(conns) != 2 || conns[0].Open() || !conns[1].Open() {
				t.Fatalf("connections = %+v, want the first closed and the second open", conns)
			}
			if !strings.Contains(conns[0].Cause, tt.wantCause) {
				t.Errorf("first connection closed because %q, want it to mention %q", conns[0].Cause, tt.wantCause)
			}
			for _, a := range f.Acks() {
				if a.Unknown || a.Duplicate {
					t.Errorf("stray ack %+v", a)
				}
			}
		})
	}
}

func TestStoppedPingsMakeSlackGoReconnect(t *testing.T) {
	ctx := testContext(t)
	cfg := workspace()
	cfg.PingEvery = 200 * time.Millisecond
	f := fakeslack.New(t, cfg)
	b := startBot(t, f, socketmode.OptionPingInterval(time.Second))
	b.next(t, socketmode.EventTypeHello)

	err := f.WaitFor(ctx, func(st fakeslack.State) bool {
		c := st.Connections()
		return c[0].PingsSent > 0 && c[0].Pongs > 0
	})
	if err != nil {
		t.Fatalf("slack-go never answered a ping: %v", err)
	}

	f.StopPings()
	err = f.WaitFor(ctx, func(st fakeslack.State) bool {
		c := st.Connections()
		return len(c) >= 2 && !c[0].Open()
	})
	if err != nil {
		t.Fatalf("slack-go kept the connection without pings: %v", err)
	}

	f.StartPings()
	err = f.WaitFor(ctx, func(st fakeslack.State) bool {
		for _, c := range st.Connections() {
			if c.Open() && c.ID > 1 && c.Pongs >= 3 {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no healthy connection after pings resumed: %v", err)
	}
	d := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls")
	b.ack(t, b.next(t, socketmode.EventTypeSlashCommand))
	if _, _, err := d.Ack(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestWaitForEnds(t *testing.T) {
	f := fakeslack.New(t, workspace())
	never := func(fakeslack.State) bool { return false }

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := f.WaitFor(ctx, never); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitFor with a cancelled context = %v, want context.Canceled", err)
	}

	done := make(chan error, 1)
	go func() { done <- f.WaitFor(t.Context(), never) }()
	f.Close()
	select {
	case err := <-done:
		if !errors.Is(err, fakeslack.ErrClosed) {
			t.Errorf("WaitFor across Close = %v, want ErrClosed", err)
		}
	case <-time.After(patience):
		t.Fatal("WaitFor still waiting after Close")
	}
}

func TestEnvelopesGoToTheNewestConnection(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	first := startBot(t, f)
	first.next(t, socketmode.EventTypeHello)
	second := startBot(t, f)
	if h := second.next(t, socketmode.EventTypeHello); h.Request.NumConnections != 2 {
		t.Errorf("second hello num_connections = %d, want 2", h.Request.NumConnections)
	}

	d := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls")
	second.ack(t, second.next(t, socketmode.EventTypeSlashCommand))
	if _, _, err := d.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if a, _ := d.Acked(); a.SentOn != 2 || a.Conn != 2 {
		t.Errorf("envelope went out on connection %d, acked on %d; want the newest, 2", a.SentOn, a.Conn)
	}

	// An ack on the other connection still matches: Slack pairs by envelope ID.
	d2 := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ps ping")
	e := second.next(t, socketmode.EventTypeSlashCommand)
	first.ack(t, e)
	if _, _, err := d2.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	if a, _ := d2.Acked(); a.SentOn != 2 || a.Conn != 1 {
		t.Errorf("envelope on connection %d acked on %d, want 2 and 1", a.SentOn, a.Conn)
	}
}

// openSocketURL calls apps.connections.open as slack-go does and returns the WebSocket URL.
func openSocketURL(t *testing.T, f *fakeslack.Server) string {
	t.Helper()
	var open struct {
		OK  bool   `json:"ok"`
		URL string `json:"url"`
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.APIURL()+"apps.connections.open", nil)
	req.Header.Set("Authorization", "Bearer "+f.AppToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&open)
	resp.Body.Close()
	if err != nil || !open.OK {
		t.Fatalf("apps.connections.open: %+v %v", open, err)
	}
	return open.URL
}

func TestTicketsAreOneUse(t *testing.T) {
	f := fakeslack.New(t, workspace())
	url := openSocketURL(t, f)
	ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), url+"&debug_reconnects=true", nil)
	if err != nil {
		t.Fatalf("first dial with extra query parameters: %v", err)
	}
	defer ws.Close()
	_, resp, err := websocket.DefaultDialer.DialContext(t.Context(), url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("second dial with the same ticket: %v, want 403", err)
	}
	_, resp, err = websocket.DefaultDialer.DialContext(t.Context(), strings.Replace(url, "ticket=", "ticket=x", 1), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("dial with an unknown ticket: %v, want 403", err)
	}
}

func TestCloseEndsEveryGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	f := fakeslack.New(t, workspace())

	// A client that never closes its end: only the fake can end the connection.
	ws, _, err := websocket.DefaultDialer.DialContext(t.Context(), openSocketURL(t, f), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var hello struct{ Type string }
	if err := ws.ReadJSON(&hello); err != nil || hello.Type != "hello" {
		t.Fatalf("first frame %+v %v, want hello", hello, err)
	}
	f.SlashCommand(t.Context(), "U1", "C1", "/swarm", "ls")

	f.Close()
	http.DefaultClient.CloseIdleConnections()
	goleak.VerifyNone(t, before)
}

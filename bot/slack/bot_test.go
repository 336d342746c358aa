package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/internal/fakeslack"
	"github.com/swarmbot/swarmbot/internal/metrics"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// patience bounds every wait: generous, since the machine is shared.
const patience = 2 * time.Minute

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	t.Cleanup(cancel)
	return ctx
}

// workspace is the fake workspace: alice and bob in #ops with the bot; bob
// in the sre group.
func workspace() fakeslack.Config {
	return fakeslack.Config{
		Users: []fakeslack.User{
			{ID: "U1", Name: "alice", DisplayName: "alice"},
			{ID: "U2", Name: "bob", DisplayName: "bob"},
		},
		Channels: []fakeslack.Channel{
			{ID: "C1", Name: "ops", Members: []string{"U1", "U2", "UBOT"}},
			{ID: "C2", Name: "private", Private: true, Members: []string{"U1"}}, // without the bot
		},
		UserGroups: map[string][]string{"S1": {"U2"}},
		PingEvery:  200 * time.Millisecond,
	}
}

// script is a Deployer that does what each test tells it, and records what
// it was asked.
type script struct {
	mu        sync.Mutex
	requests  []deploy.Request
	decisions []decision
	started   []time.Time
	handle    func(ctx context.Context, req deploy.Request, fe deploy.Frontend)
	decide    func(ctx context.Context, d decision, fe deploy.Frontend)
}

type decision struct {
	Actor   commands.Actor
	Channel string
	ID      string
	Approve bool
}

func (s *script) Handle(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.started = append(s.started, time.Now())
	h := s.handle
	s.mu.Unlock()
	if h != nil {
		h(ctx, req, fe)
	}
}

func (s *script) Decide(ctx context.Context, actor commands.Actor, channel, id string, approve bool, reason string, fe deploy.Frontend) {
	d := decision{Actor: actor, Channel: channel, ID: id, Approve: approve}
	s.mu.Lock()
	s.decisions = append(s.decisions, d)
	f := s.decide
	s.mu.Unlock()
	if f != nil {
		f(ctx, d, fe)
	}
}

func (s *script) Requests() []deploy.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]deploy.Request(nil), s.requests...)
}

func (s *script) Decisions() []decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]decision(nil), s.decisions...)
}

// startBot runs a Bot against the fake until the test ends; it returns once
// the bot is connected.
func startBot(t testing.TB, f *fakeslack.Server, d Deployer, opts Options) *Bot {
	t.Helper()
	opts.BotToken, opts.AppToken, opts.APIURL = f.BotToken(), f.AppToken(), f.APIURL()
	if opts.PingInterval == 0 {
		opts.PingInterval = time.Second
	}
	b, err := New(opts, Deps{Deployer: d, Policy: commands.Policy{Approvers: []string{"S1"}}, Metrics: metrics.New(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		b.Drain()
		fctx, fcancel := context.WithTimeout(context.Background(), patience)
		defer fcancel()
		if err := b.Wait(fctx); err != nil {
			t.Errorf("waiting for the bot's work: %v", err)
		}
		if err := b.Flush(fctx); err != nil {
			t.Errorf("flushing: %v", err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		b.Close()
	})
	if err := f.WaitConnected(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return b
}

func ack(t *testing.T, d *fakeslack.Delivery) json.RawMessage {
	t.Helper()
	payload, latency, err := d.Ack(testContext(t))
	if err != nil {
		t.Fatalf("ack: %v", err)
	}
	if latency > 3*time.Second {
		t.Errorf("acked after %s: Slack would have shown the person a timeout", latency)
	}
	return payload
}

// answer is a slash command's ack payload.
type ackAnswer struct {
	ResponseType string            `json:"response_type"`
	Text         string            `json:"text"`
	Blocks       []json.RawMessage `json:"blocks"`
}

func decodeAnswer(t *testing.T, payload json.RawMessage) ackAnswer {
	t.Helper()
	var a ackAnswer
	if len(payload) == 0 {
		return a
	}
	if err := json.Unmarshal(payload, &a); err != nil {
		t.Fatalf("ack payload %s: %v", payload, err)
	}
	return a
}

// replies are a thread's messages without its parent.
func replies(thread []fakeslack.Message, parent string) []fakeslack.Message {
	var out []fakeslack.Message
	for _, m := range thread {
		if m.TS != parent {
			out = append(out, m)
		}
	}
	return out
}

// blockText gathers every text in a message's blocks, as Slack stores them.
func blockText(t *testing.T, blocks json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(blocks, &v); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for k, e := range x {
				if k != "text" || !isString(e) {
					walk(e)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

func isString(v any) bool { _, ok := v.(string); return ok }

func waitFor(t *testing.T, f *fakeslack.Server, what string, cond func(fakeslack.State) bool) {
	t.Helper()
	if err := f.WaitFor(testContext(t), cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func calls(f *fakeslack.Server, method string) []fakeslack.Call {
	var out []fakeslack.Call
	for _, c := range f.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func TestSlashReadAnswersInChannel(t *testing.T) {
	f := fakeslack.New(t, workspace())
	acked := make(chan struct{})
	s := &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
		<-acked // the work waits for Slack to have the ack: acking must not wait for the work
		if err := fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Title: "1 service",
			Body: "ID    NAME   REPLICAS\nabc   <ping>   4/4\n"}); err != nil {
			t.Error(err)
		}
	}}
	startBot(t, f, s, Options{})

	d := f.SlashCommand(testContext(t), "U1", "C1", "/swarm", "ls")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	p, _, err := d.Ack(ctx)
	close(acked)
	if err != nil {
		t.Fatalf("no ack while the command's work waited for it: %v", err)
	}
	if len(p) != 0 {
		t.Errorf("a command that runs was acked with an answer: %s", p)
	}
	waitFor(t, f, "the answer", func(st fakeslack.State) bool { return len(st.Messages("C1")) == 1 })
	m := f.Messages("C1")[0]
	if text := blockText(t, m.Blocks); !strings.Contains(text, "&lt;ping&gt;") || !strings.Contains(text, "alice · `/swarm ls`") {
		t.Errorf("answer blocks = %s", text)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Command.String() != "ls" || reqs[0].Channel != "C1" || reqs[0].Actor.ID != "U1" || reqs[0].Actor.Name != "alice" {
		t.Errorf("requests = %+v", reqs)
	}
}

// An answer too long for a message shows its start, and the whole output is
// uploaded as a file shared in the answer's thread.
func TestLongAnswerIsAttachedInItsThread(t *testing.T) {
	f := fakeslack.New(t, workspace())
	var body strings.Builder
	body.WriteString("ID             NAME      MODE\n")
	for i := range 300 {
		fmt.Fprintf(&body, "x%012d   svc-%03d   replicated\n", i, i)
	}
	s := &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
		if err := fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Title: "300 services", Body: body.String()}); err != nil {
			t.Error(err)
		}
	}}
	startBot(t, f, s, Options{})
	if _, _, err := f.SlashCommand(testContext(t), "U1", "C1", "/swarm", "ls").Ack(testContext(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, f, "the file", func(st fakeslack.State) bool { return len(st.Files()) == 1 && st.Files()[0].Shared })
	m := f.Messages("C1")[0]
	if text := blockText(t, m.Blocks); !strings.Contains(text, "the whole output is attached in the thread") || strings.Contains(text, "svc-299") {
		t.Errorf("the answer shows:\n%s\nwant its start and a word on the attachment", text)
	}
	file := f.Files()[0]
	if string(file.Content) != body.String() || file.Title != "300 services" || file.ThreadTS != m.TS ||
		!slices.Equal(file.Channels, []string{"C1"}) || !strings.HasSuffix(file.Name, ".txt") {
		t.Errorf("file %q titled %q in %v thread %q (%d bytes), want the whole output in the answer's thread %q",
			file.Name, file.Title, file.Channels, file.ThreadTS, len(file.Content), m.TS)
	}
}

func TestSlashUsageErrorIsTheAck(t *testing.T) {
	f := fakeslack.New(t, workspace())
	s := &script{}
	startBot(t, f, s, Options{})

	a := decodeAnswer(t, ack(t, f.SlashCommand(testContext(t), "U1", "C1", "/swarm", "sacle ping=4")))
	if a.ResponseType != "ephemeral" || len(a.Blocks) == 0 {
		t.Fatalf("ack answer = %+v", a)
	}
	if all := string(a.Blocks[0]); !strings.Contains(all, `unknown command \"sacle\"`) || !strings.Contains(all, "Did you mean `/swarm scale ping=4`?") {
		t.Errorf("first block = %s", all)
	}
	if eph := f.Ephemerals("C1", "U1"); len(eph) != 1 || eph[0].Via != "ack" {
		t.Errorf("alice sees %+v", eph)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("a command that did not parse reached deploy %d times", n)
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c.Method, "chat.") {
			t.Errorf("a usage error cost a Web API call: %s", c.Method)
		}
	}
}

// A change: the card is posted once and updated in place, events go to its
// thread, the requester is mentioned at the end, and no rate rule is broken.
func TestSlashChangeOpensThread(t *testing.T) {
	f := fakeslack.New(t, workspace())
	f.SetRateRules(fakeslack.RateRules{PostsPerSecond: 1, UpdatesPerSecond: 1})
	s := &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
		card := deploy.Card{OperationID: "op1", Requester: deploy.Person{ID: req.Actor.ID, Name: req.Actor.Name}, What: "scale ping 1 → 4", Phase: deploy.PhaseStarting}
		place, err := fe.OpenOperation(ctx, req, card)
		if err != nil {
			t.Error(err)
			return
		}
		rep := fe.Operation(place)
		card.Phase = deploy.PhaseUpdating
		for i := range 20 {
			card.Elapsed = time.Duration(i) * 100 * time.Millisecond
			card.Note = fmt.Sprintf("step %d", i)
			_ = rep.Card(ctx, card)
			_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventSlot, Text: fmt.Sprintf("ping.%d running", i)})
			time.Sleep(100 * time.Millisecond)
		}
		card.Phase, card.Final, card.Note = deploy.PhaseConverged, true, "all 4 running"
		if err := rep.Card(ctx, card); err != nil {
			t.Errorf("final card: %v", err)
		}
		_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventConverged, Text: "scale ping 1 → 4: converged in 2s.", Mention: card.Requester})
	}}
	b := startBot(t, f, s, Options{})
	ack(t, f.SlashCommand(testContext(t), "U1", "C1", "/swarm", "scale ping 4"))
	waitFor(t, f, "the last event", func(st fakeslack.State) bool {
		ms := st.Messages("C1")
		if len(ms) != 1 {
			return false
		}
		th := st.Thread("C1", ms[0].TS)
		return len(th) > 0 && strings.Contains(th[len(th)-1].Text, "converged")
	})
	if err := b.Flush(testContext(t)); err != nil {
		t.Fatal(err)
	}
	ms := f.Messages("C1")
	if len(ms) != 1 {
		t.Fatalf("%d messages in the channel, want the card only", len(ms))
	}
	card := ms[0]
	if !strings.Contains(string(card.Blocks), "all 4 running") || !strings.Contains(card.Text, "converged") {
		t.Errorf("card shows %s / %s, want the final state", card.Text, card.Blocks)
	}
	if n := len(card.Edits); n == 0 || n > 6 {
		t.Errorf("card edited %d times for 2 s of changes, want a few (about one a second)", n)
	}
	var lines []string
	for _, m := range replies(f.Thread("C1", card.TS), card.TS) {
		lines = append(lines, strings.Split(m.Text, "\n")...)
	}
	if len(lines) != 21 {
		t.Errorf("%d event lines in the thread, want 21: %q", len(lines), lines)
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "<@U1>") {
		t.Errorf("last line %q does not mention the requester", last)
	}
	if hits := f.RateLimitHits(); len(hits) > 0 {
		t.Errorf("the bot went over Slack's rate: %+v", hits)
	}
}

func TestBusyPoolAnswersAtOnce(t *testing.T) {
	f := fakeslack.New(t, workspace())
	release := make(chan struct{})
	s := &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) { <-release }}
	startBot(t, f, s, Options{ReadWorkers: 1, ReadQueue: 1})
	defer close(release)

	ctx := testContext(t)
	ack(t, f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls"))
	ack(t, f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls"))
	a := decodeAnswer(t, ack(t, f.SlashCommand(ctx, "U2", "C1", "/swarm", "ps ping")))
	if !strings.Contains(a.Text, "busy") {
		t.Errorf("third read while two are taken: ack answer %+v", a)
	}
	// Changes have their own pool.
	if p := ack(t, f.SlashCommand(ctx, "U1", "C1", "/swarm", "scale ping 2")); len(p) != 0 {
		t.Errorf("a change was turned away while reads were busy: %s", p)
	}
}

func TestMentionRunsCommandInThread(t *testing.T) {
	f := fakeslack.New(t, workspace())
	s := &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
		_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Title: "tasks of ping", Body: "ping.1 running\n"})
		_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyNotice, Private: true, Title: "just for you"})
	}}
	startBot(t, f, s, Options{})
	ctx := testContext(t)
	parent, err := webAPI{c: slackgo.New(f.BotToken(), slackgo.OptionAPIURL(f.APIURL()))}.post(ctx, "C1", "", message{Text: "a thread about ping"})
	if err != nil {
		t.Fatal(err)
	}
	ack(t, f.Mention(ctx, "U2", "C1", "ps ping", parent))
	waitFor(t, f, "the answer in the thread", func(st fakeslack.State) bool {
		return len(replies(st.Thread("C1", parent), parent)) == 2 && len(st.Ephemerals("C1", "U2")) == 1
	})
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Command.String() != "ps ping" || reqs[0].Thread != parent || reqs[0].Actor.ID != "U2" || reqs[0].Actor.Name != "bob" {
		t.Errorf("requests = %+v", reqs)
	}
	if !slices.Contains(reqs[0].Actor.Groups, "S1") {
		t.Errorf("bob's groups = %v, want S1 from usergroups.users.list", reqs[0].Actor.Groups)
	}
	if e := f.Ephemerals("C1", "U2")[0]; e.ThreadTS != parent {
		t.Errorf("the private answer to a mention in a thread is not in the thread: %+v", e)
	}
}

func TestMentionUsageError(t *testing.T) {
	f := fakeslack.New(t, workspace())
	s := &script{}
	startBot(t, f, s, Options{})
	ack(t, f.Mention(testContext(t), "U1", "C1", "scael ping 4", ""))
	waitFor(t, f, "the usage answer", func(st fakeslack.State) bool { return len(st.Ephemerals("C1", "U1")) == 1 })
	if e := f.Ephemerals("C1", "U1")[0]; !strings.Contains(string(e.Blocks), "Did you mean `/swarm scale ping 4`?") {
		t.Errorf("answer = %s", e.Blocks)
	}
	if len(s.Requests()) != 0 {
		t.Error("deploy got a command that did not parse")
	}
}

// Approve is clicked by someone else; the click goes to Decide as the
// clicker, whose answer goes to them privately, and the card loses its buttons.
func TestButtonDecidesAsTheClicker(t *testing.T) {
	f := fakeslack.New(t, workspace())
	card := deploy.ApprovalCard{ID: "req42", Requester: deploy.Person{ID: "U1", Name: "alice"}, Command: "drain dev02",
		Impact: deploy.Impact{Summary: "2 tasks will move"}, Status: deploy.StatusPending, Expires: time.Now().Add(time.Hour)}
	// The card is in Slack (and clickable) before PublishApproval returns its
	// place: a click waits for the place, as deploy's store would have it.
	var place deploy.Place
	placed := make(chan struct{})
	s := &script{
		handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
			p, err := fe.PublishApproval(ctx, req, card)
			if err != nil {
				t.Error(err)
			}
			place = p
			close(placed)
		},
		decide: func(ctx context.Context, d decision, fe deploy.Frontend) {
			<-placed
			if d.Actor.ID == "U1" {
				_ = fe.Reply(ctx, deploy.Request{Actor: d.Actor, Channel: d.Channel}, deploy.Reply{Kind: deploy.ReplyRefusal, Private: true,
					Title: "you may not approve request req42 (drain dev02)", Lines: []string{"you asked for this, so someone else must approve it"}})
				return
			}
			decided := card
			decided.Status, decided.DecidedBy = deploy.StatusApproved, deploy.Person{ID: d.Actor.ID, Name: d.Actor.Name}
			if err := fe.UpdateApproval(ctx, place, decided); err != nil {
				t.Error(err)
			}
		},
	}
	startBot(t, f, s, Options{})
	ctx := testContext(t)
	ack(t, f.SlashCommand(ctx, "U1", "C1", "/swarm", "drain dev02"))
	waitFor(t, f, "the approval card", func(st fakeslack.State) bool { return len(st.Messages("C1")) == 1 })
	ts := f.Messages("C1")[0].TS

	ack(t, f.ClickButton(ctx, "U1", "C1", ts, actionApprove))
	waitFor(t, f, "alice's refusal", func(st fakeslack.State) bool { return len(st.Ephemerals("C1", "U1")) == 1 })
	ack(t, f.ClickButton(ctx, "U2", "C1", ts, actionApprove))
	waitFor(t, f, "the card without buttons", func(st fakeslack.State) bool {
		m, _ := st.Message("C1", ts)
		return strings.Contains(string(m.Blocks), "Approved") && !strings.Contains(string(m.Blocks), `"actions"`)
	})
	ds := s.Decisions()
	if len(ds) != 2 || ds[0].Actor.ID != "U1" || ds[1].Actor.ID != "U2" || !ds[1].Approve || ds[1].ID != "req42" || ds[1].Channel != "C1" {
		t.Errorf("decisions = %+v", ds)
	}
	if !slices.Contains(ds[1].Actor.Groups, "S1") {
		t.Errorf("bob clicked without his groups: %+v", ds[1].Actor)
	}
	if e := f.Ephemerals("C1", "U1")[0]; e.Via != "response_url" || !strings.Contains(string(e.Blocks), "someone else must approve") {
		t.Errorf("alice's refusal = %+v", e)
	}
}

// mentionEvent is alice's "@swarmbot info" as socket mode delivers it.
func mentionEvent(envelope, event string) socketmode.Event {
	return socketmode.Event{Type: socketmode.EventTypeEventsAPI,
		Request: &socketmode.Request{EnvelopeID: envelope, Type: "events_api"},
		Data: slackevents.EventsAPIEvent{Type: slackevents.CallbackEvent,
			Data:       &slackevents.EventsAPICallbackEvent{EventID: event},
			InnerEvent: slackevents.EventsAPIInnerEvent{Type: "app_mention", Data: &slackevents.AppMentionEvent{User: "U1", Channel: "C1", Text: "<@UBOT> info"}}}}
}

// A repeated envelope, and an events_api retry (new envelope, same event),
// run once.
func TestRepeatedDeliveriesRunOnce(t *testing.T) {
	s := &script{}
	b, err := New(Options{BotToken: "xoxb-x", AppToken: "xapp-x", APIURL: "http://127.0.0.1:1/api/"},
		Deps{Deployer: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.botID = "UBOT"
	ctx := testContext(t)
	for _, evt := range []socketmode.Event{mentionEvent("e1", "Ev1"), mentionEvent("e1", "Ev1"), mentionEvent("e2", "Ev1"), mentionEvent("e3", "Ev2")} {
		b.handle(ctx, evt)
	}
	if err := b.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("%d commands ran for two events delivered four times", n)
	}
}

// An events_api retry that reaches another replica runs once when the
// replicas share their Deliveries (Redis, in serve); a slash command's
// envelope sent again after a reconnect, too.
func TestRepeatedDeliveryToAnotherReplicaRunsOnce(t *testing.T) {
	shared := deploy.NewMemoryStores().Deliveries
	s := &script{}
	var bots []*Bot
	for range 2 {
		b, err := New(Options{BotToken: "xoxb-x", AppToken: "xapp-x", APIURL: "http://127.0.0.1:1/api/"},
			Deps{Deployer: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Deliveries: shared})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.botID = "UBOT"
		bots = append(bots, b)
	}
	slash := func(envelope string) socketmode.Event {
		return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Request: &socketmode.Request{EnvelopeID: envelope, Type: "slash_commands"},
			Data: slackgo.SlashCommand{Command: "/swarm", Text: "info", UserID: "U1", ChannelID: "C1"}}
	}
	ctx := testContext(t)
	bots[0].handle(ctx, mentionEvent("e1", "Ev1"))
	bots[1].handle(ctx, mentionEvent("e2", "Ev1")) // Slack's retry, on the other replica's socket
	bots[1].handle(ctx, slash("e3"))
	bots[0].handle(ctx, slash("e3")) // sent again after a reconnect, to the other replica
	bots[1].handle(ctx, mentionEvent("e4", "Ev2"))
	for _, b := range bots {
		if err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("%d commands ran for three deliveries, each sent twice but the last, to two replicas", n)
	}
}

func TestDrainTurnsNewCommandsAway(t *testing.T) {
	f := fakeslack.New(t, workspace())
	s := &script{}
	b := startBot(t, f, s, Options{})
	b.Drain()
	a := decodeAnswer(t, ack(t, f.SlashCommand(testContext(t), "U1", "C1", "/swarm", "ls")))
	if !strings.Contains(a.Text, "restarting") {
		t.Errorf("ack answer while draining = %+v", a)
	}
	if len(s.Requests()) != 0 {
		t.Error("a command ran while draining")
	}
}

func TestReadyFollowsTheSocket(t *testing.T) {
	f := fakeslack.New(t, workspace())
	b := startBot(t, f, &script{}, Options{PingInterval: time.Second})
	ctx := testContext(t)
	until := func(want bool, what string) {
		t.Helper()
		for (b.Ready(ctx) == nil) != want {
			if ctx.Err() != nil {
				t.Fatal(what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	until(true, "a connected bot never became ready")
	// The link drops and Slack refuses to open a new one for a few tries
	// (backoff 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s): not ready meanwhile.
	f.FailConnectionsOpen(5, fakeslack.HTTPStatus(503))
	f.DropConnection(false)
	until(false, "still ready while no connection could be opened")
	until(true, "not ready again once a connection opened")
}

// progressScript plays a change that reports for a while: a card update and
// an event every 50 ms, then the final card and the last event.
func progressScript(t *testing.T, steps int) *script {
	return &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
		if req.Command.Kind() != commands.Change {
			_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Title: "ok"})
			return
		}
		card := deploy.Card{OperationID: "op1", Requester: deploy.Person{ID: req.Actor.ID, Name: req.Actor.Name}, What: req.Command.String(), Phase: deploy.PhaseUpdating}
		place, err := fe.OpenOperation(ctx, req, card)
		if err != nil {
			t.Error(err)
			return
		}
		rep := fe.Operation(place)
		for i := range steps {
			card.Note = fmt.Sprintf("step %d", i)
			_ = rep.Card(ctx, card)
			_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventSlot, Text: fmt.Sprintf("step %d", i)})
			time.Sleep(50 * time.Millisecond)
		}
		card.Phase, card.Final, card.Note = deploy.PhaseConverged, true, "final state"
		if err := rep.Card(ctx, card); err != nil {
			t.Errorf("final card: %v", err)
		}
		_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventConverged, Text: "converged", Mention: card.Requester})
	}}
}

// checkOperation checks an operation's card and thread once it is over:
// the final state shown, every event line once, in order.
func checkOperation(t *testing.T, f *fakeslack.Server, steps int) fakeslack.Message {
	t.Helper()
	waitFor(t, f, "the end of the operation", func(st fakeslack.State) bool {
		ms := st.Messages("C1")
		if len(ms) == 0 {
			return false
		}
		th := replies(st.Thread("C1", ms[0].TS), ms[0].TS)
		return len(th) > 0 && strings.Contains(th[len(th)-1].Text, "converged") &&
			strings.Contains(string(ms[0].Blocks), "final state")
	})
	card := f.Messages("C1")[0]
	var lines []string
	for _, m := range replies(f.Thread("C1", card.TS), card.TS) {
		lines = append(lines, strings.Split(m.Text, "\n")...)
	}
	if len(lines) != steps+1 {
		t.Errorf("%d event lines, want %d: %q", len(lines), steps+1, lines)
	}
	for i := range min(steps, len(lines)) {
		if want := fmt.Sprintf("step %d", i); lines[i] != want {
			t.Errorf("line %d = %q, want %q", i, lines[i], want)
		}
	}
	return card
}

// A 429 storm while a card moves: the bot waits each out, sends only the
// newest state, never breaks the rate rules, and the final state arrives.
func TestRateLimitStorm(t *testing.T) {
	f := fakeslack.New(t, workspace())
	f.SetRateRules(fakeslack.RateRules{PostsPerSecond: 1, UpdatesPerSecond: 1, ChannelUpdatesPerSecond: 1})
	const steps = 60
	s := progressScript(t, steps)
	startBot(t, f, s, Options{})
	ack(t, f.SlashCommand(testContext(t), "U1", "C1", "/swarm", "update ping alpine:3.7"))
	waitFor(t, f, "the card", func(st fakeslack.State) bool { return len(st.Messages("C1")) == 1 })
	f.RateLimit("chat.update", 4, time.Second)
	f.RateLimit("chat.postMessage", 2, 2*time.Second)

	card := checkOperation(t, f, steps)
	hits := f.RateLimitHits()
	if len(hits) != 6 {
		t.Errorf("%d 429s, want the 6 injected: the bot went over the rate rules too", len(hits))
	}
	if n := len(card.Edits); n > steps/5 {
		t.Errorf("card edited %d times in %d steps of 50 ms", n, steps)
	}
}

// Slack asks the bot to reconnect, then the socket drops, then Slack's pings
// stop, all in the middle of a change: the change's messages keep going
// (they use the Web API), the command ran once, and the next command is
// taken on the new connection.
func TestDisconnectMidOperation(t *testing.T) {
	f := fakeslack.New(t, workspace())
	const steps = 80
	s := progressScript(t, steps)
	startBot(t, f, s, Options{})
	ctx := testContext(t)
	ack(t, f.SlashCommand(ctx, "U1", "C1", "/swarm", "scale ping 4"))
	waitFor(t, f, "a few steps", func(st fakeslack.State) bool {
		ms := st.Messages("C1")
		return len(ms) == 1 && len(st.Thread("C1", ms[0].TS)) > 2
	})
	f.Disconnect("refresh_requested")
	waitFor(t, f, "a second connection", func(st fakeslack.State) bool { return len(st.Connections()) >= 2 })
	f.DropConnection(false)
	waitFor(t, f, "a third connection", func(st fakeslack.State) bool { return len(st.Connections()) >= 3 })
	f.StopPings() // the bot gives the link up after its 1 s ping interval…
	waitFor(t, f, "a fourth connection", func(st fakeslack.State) bool { return len(st.Connections()) >= 4 })
	f.StartPings()
	ack(t, f.SlashCommand(ctx, "U2", "C1", "/swarm", "ls"))

	checkOperation(t, f, steps)
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Command.String() != "scale ping=4" || reqs[1].Command.String() != "ls" {
		t.Errorf("requests = %+v, want the scale once and the ls once", reqs)
	}
	if n := len(f.Connections()); n < 4 {
		t.Errorf("%d connections, want a reconnect after each fault", n)
	}
	for _, a := range f.Acks() {
		if a.Unknown || a.Duplicate {
			t.Errorf("odd ack: %+v", a)
		}
	}
}

// In a channel the bot is not in, a read is answered through the slash
// command's response_url, and a change's requester is told to invite the bot.
func TestChannelWithoutTheBot(t *testing.T) {
	f := fakeslack.New(t, workspace())
	s := &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
		if req.Command.Kind() == commands.Change {
			if _, err := fe.OpenOperation(ctx, req, deploy.Card{What: "scale ping 1 → 4", Phase: deploy.PhaseStarting}); err == nil {
				t.Error("a card was posted in a channel the bot is not in")
			}
			return
		}
		if err := fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Title: "1 service", Body: "ping 4/4\n"}); err != nil {
			t.Errorf("answering a read: %v", err)
		}
	}}
	startBot(t, f, s, Options{})
	ctx := testContext(t)
	ack(t, f.SlashCommand(ctx, "U1", "C2", "/swarm", "ls"))
	waitFor(t, f, "the answer", func(st fakeslack.State) bool { return len(st.Messages("C2")) == 1 })
	if m := f.Messages("C2")[0]; m.Via != "response_url" || !strings.Contains(blockText(t, m.Blocks), "ping 4/4") {
		t.Errorf("answer = %+v", m)
	}
	ack(t, f.SlashCommand(ctx, "U1", "C2", "/swarm", "scale ping 4"))
	waitFor(t, f, "the hint", func(st fakeslack.State) bool { return len(st.Ephemerals("C2", "U1")) == 1 })
	if e := f.Ephemerals("C2", "U1")[0]; !strings.Contains(blockText(t, e.Blocks), "/invite @swarmbot") {
		t.Errorf("hint = %s", e.Blocks)
	}
}

// A refused token stops Run with an error that says so, without the token.
func TestBadTokens(t *testing.T) {
	f := fakeslack.New(t, workspace())
	for _, tc := range []struct {
		name           string
		bot, app, want string
	}{
		{"bot token", "xoxb-wrong-secret", f.AppToken(), "invalid_auth"},
		{"app token", f.BotToken(), "xapp-wrong-secret", "invalid_auth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := New(Options{BotToken: tc.bot, AppToken: tc.app, APIURL: f.APIURL()},
				Deps{Deployer: &script{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			err = b.Run(testContext(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error saying %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "wrong-secret") {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
	if _, err := New(Options{APIURL: f.APIURL()}, Deps{Deployer: &script{}}); err == nil || !strings.Contains(err.Error(), "SWARMBOT_SLACK_BOT_TOKEN") {
		t.Errorf("New without tokens: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/config"
	"github.com/swarmbot/swarmbot/internal/fakeslack"
	"github.com/swarmbot/swarmbot/internal/testenv"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// patience bounds every wait for the swarm: generous, the machine is shared.
const patience = 3 * time.Minute

// The fake workspace: alice and bob in #ops, both in the sre group, whose
// members approve (someone else's requests).
var (
	alice = fakeslack.User{ID: "U0ALICE", Name: "alice", DisplayName: "alice"}
	bob   = fakeslack.User{ID: "U0BOB", Name: "bob", DisplayName: "bob"}
)

const (
	ops = "C0OPS"
	sre = "S0SRE"
)

// world is one swarmbot serving a fake Slack, on the private swarm and Redis.
type world struct {
	t       testing.TB
	f       *fakeslack.Server
	sw      *swarm.Client
	env     testenv.Env
	cfg     config.Config
	http    string // http://127.0.0.1:port
	logs    *syncBuffer
	stop    context.CancelFunc
	done    chan error
	service string // the test's own service, removed at the end
}

func newID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newWorld starts the fake Slack and connects to the private swarm; the
// test's service is created with replicas tasks of swarmbot-test/ping:1.
func newWorld(t testing.TB, replicas uint64, channels ...fakeslack.Channel) *world {
	t.Helper()
	env := testenv.Swarm(t)
	redisURL := testenv.Redis(t)
	sw := useSwarm(t, env.ManagerHost)
	f := fakeslack.New(t, fakeslack.Config{
		Users:      []fakeslack.User{alice, bob},
		Channels:   append([]fakeslack.Channel{{ID: ops, Name: "ops", Members: []string{alice.ID, bob.ID, "UBOT"}}}, channels...),
		UserGroups: map[string][]string{sre: {alice.ID, bob.ID}},
		PingEvery:  500 * time.Millisecond,
	})
	w := &world{t: t, f: f, sw: sw, env: env, logs: &syncBuffer{}, service: "e2e-" + newID()}

	for k, v := range map[string]string{
		"SWARMBOT_SLACK_BOT_TOKEN": f.BotToken(),
		"SWARMBOT_SLACK_APP_TOKEN": f.AppToken(),
		"SWARMBOT_SLACK_API_URL":   f.APIURL(),
		"SWARMBOT_REDIS_URL":       redisURL,
		"SWARMBOT_CLUSTER":         "e2e-" + newID(),
		"SWARMBOT_APPROVERS":       sre,
		"SWARMBOT_HTTP_ADDR":       freeAddr(t),
		"SWARMBOT_LOCK_TTL":        "6s", // short, yet a loaded 2-core CI under -race does not lose it
		"SWARMBOT_SHUTDOWN_GRACE":  "5s",
	} {
		t.Setenv(k, v)
	}
	var err error
	w.cfg, err = config.Load()
	if err != nil {
		t.Fatal(err)
	}
	w.http = "http://" + w.cfg.HTTPAddr
	t.Cleanup(func() { w.cleanRedis(redisURL) })
	t.Cleanup(func() { // after every serve has stopped
		for _, secret := range []string{f.BotToken(), f.AppToken()} {
			if strings.Contains(w.logs.String(), secret) {
				t.Errorf("a token is in the log")
			}
		}
		if t.Failed() {
			t.Logf("swarmbot's log:\n%s", w.logs.String())
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if _, err := sw.Create(ctx, swarm.CreateSpec{Name: w.service, Image: "swarmbot-test/ping:1", Args: []string{"ping", "127.0.0.1"},
		Replicas: replicas, Update: swarm.UpdatePolicy{Parallelism: ptr(uint64(2))}}, swarm.MutateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := sw.Remove(ctx, w.service, swarm.MutateOptions{Force: true}); err != nil {
			t.Logf("removing %s: %v", w.service, err)
			return
		}
		// Wait until its tasks are gone, so the next test's scheduling is its own.
		for ctx.Err() == nil {
			if tasks, err := sw.PS(ctx, w.service, swarm.PSOptions{}); err != nil || len(tasks) == 0 {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	w.waitRunning(t, w.service, int(replicas))
	return w
}

func ptr[T any](v T) *T { return &v }

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// cleanRedis removes the test cluster's keys.
func (w *world) cleanRedis(url string) {
	rdb, err := lock.NewRedisClient(url)
	if err != nil {
		return
	}
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, "swarmbot:"+w.cfg.Cluster+":*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

// serve starts `swarmbot serve` (its config, wire and Slack front end) and
// stops it gracefully when the test ends.
func (w *world) serve(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan error, 1)
	go func() { w.done <- serveConfig(ctx, w.cfg, w.logs) }()
	t.Cleanup(func() { w.shutdown(t) })
	if err := w.f.WaitConnected(w.ctx(t)); err != nil {
		t.Fatal(err)
	}
}

// shutdown is SIGTERM: serve stops gracefully and returns.
func (w *world) shutdown(t testing.TB) {
	if w.stop == nil {
		return
	}
	w.stop()
	select {
	case err := <-w.done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Errorf("serve did not stop within a minute of SIGTERM")
	}
	w.stop = nil
}

func (w *world) ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return ctx
}

func (w *world) waitRunning(t testing.TB, service string, n int) {
	t.Helper()
	ctx := w.ctx(t)
	for {
		tasks, err := w.sw.PS(ctx, service, swarm.PSOptions{DesiredState: "running"})
		running := 0
		for _, task := range tasks {
			if task.State == "running" {
				running++
			}
		}
		if err == nil && running == n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %d tasks running, want %d (err %v)", service, running, n, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (w *world) slash(t testing.TB, user fakeslack.User, text string) json.RawMessage {
	t.Helper()
	payload, latency, err := w.f.SlashCommand(w.ctx(t), user.ID, ops, "/swarm", text).Ack(w.ctx(t))
	if err != nil {
		t.Fatalf("/swarm %s: %v", text, err)
	}
	if latency > 3*time.Second {
		t.Errorf("/swarm %s acked after %s", text, latency)
	}
	return payload
}

func (w *world) waitFor(t testing.TB, what string, cond func(fakeslack.State) bool) {
	t.Helper()
	if err := w.f.WaitFor(w.ctx(t), cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// text gathers the texts of a message's blocks.
func text(blocks json.RawMessage) string {
	var v any
	_ = json.Unmarshal(blocks, &v)
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "text" {
					b.WriteString(s + "\n")
				} else {
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

// newMessages are the channel's messages after the first n.
func newMessages(st fakeslack.State, n int) []fakeslack.Message {
	ms := st.Messages(ops)
	if len(ms) <= n {
		return nil
	}
	return ms[n:]
}

// operation waits for the change whose card is the channel's message
// number n to end, and returns its card and thread replies.
func (w *world) operation(t testing.TB, n int) (card fakeslack.Message, thread []fakeslack.Message) {
	t.Helper()
	w.waitFor(t, "the change's last word", func(st fakeslack.State) bool {
		ms := st.Messages(ops)
		if len(ms) <= n {
			return false
		}
		th := st.Thread(ops, ms[n].TS)
		return len(th) > 1 && strings.Contains(th[len(th)-1].Text, "<@")
	})
	card = w.f.Messages(ops)[n]
	for _, m := range w.f.Thread(ops, card.TS) {
		if m.TS != card.TS {
			thread = append(thread, m)
		}
	}
	return card, thread
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// metric is the value of one series in /metrics (its name with its labels,
// as Prometheus prints them), or -1 when it is not there.
func (w *world) metric(t testing.TB, series string) float64 {
	t.Helper()
	_, body := get(t, w.http+"/metrics")
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("/metrics: %q: %v", line, err)
			}
			return f
		}
	}
	return -1
}

// waitMetric waits until a series reads want: a counter is raised just
// after the reply that a test waits for.
func (w *world) waitMetric(t testing.TB, series string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := w.metric(t, series)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("/metrics: %s = %v, want %v", series, got, want)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeReads(t *testing.T) {
	w := newWorld(t, 2)
	w.serve(t)

	if p := w.slash(t, alice, "ls"); len(p) != 0 {
		t.Errorf("ls acked with an answer: %s", p)
	}
	w.waitFor(t, "ls", func(st fakeslack.State) bool { return len(st.Messages(ops)) == 1 })
	if got := text(w.f.Messages(ops)[0].Blocks); !strings.Contains(got, w.service) || !strings.Contains(got, "2/2") {
		t.Errorf("ls shows:\n%s", got)
	}

	w.slash(t, bob, "ps "+w.service)
	w.waitFor(t, "ps", func(st fakeslack.State) bool { return len(st.Messages(ops)) == 2 })
	got := text(w.f.Messages(ops)[1].Blocks)
	for _, want := range []string{"tasks of " + w.service, w.service + ".1", w.service + ".2", "bob · `/swarm ps " + w.service + "`"} {
		if !strings.Contains(got, want) {
			t.Errorf("ps lacks %q:\n%s", want, got)
		}
	}

	code, body := get(t, w.http+"/readyz")
	if code != 200 || !strings.Contains(body, "slack: ok") || !strings.Contains(body, "redis: ok") || !strings.Contains(body, "engine: ok") {
		t.Errorf("/readyz = %d\n%s", code, body)
	}
	_, metrics := get(t, w.http+"/metrics")
	for _, want := range []string{`swarmbot_commands_total{outcome="ok",verb="ls"} 1`, `swarmbot_commands_total{outcome="ok",verb="ps"} 1`, "swarmbot_ack_latency_seconds_count 2"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestServeTypo(t *testing.T) {
	w := newWorld(t, 1)
	w.serve(t)
	p := w.slash(t, alice, "sacle "+w.service+" 4")
	var a struct {
		ResponseType string            `json:"response_type"`
		Blocks       []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(p, &a); err != nil || a.ResponseType != "ephemeral" || len(a.Blocks) < 2 {
		t.Fatalf("ack answer %s (%v)", p, err)
	}
	got := text(json.RawMessage("[" + string(bytes.Join(toBytes(a.Blocks), []byte(","))) + "]"))
	for _, want := range []string{`unknown command "sacle"`, "Did you mean `/swarm scale " + w.service + " 4`?", "Usage: /swarm COMMAND"} {
		if !strings.Contains(got, want) {
			t.Errorf("answer lacks %q:\n%s", want, got)
		}
	}
	if n := len(w.f.Messages(ops)); n != 0 {
		t.Errorf("a typo left %d messages in the channel", n)
	}
}

func toBytes(rs []json.RawMessage) [][]byte {
	out := make([][]byte, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

func TestServeScale(t *testing.T) {
	w := newWorld(t, 1)
	w.serve(t)
	w.slash(t, alice, "scale "+w.service+" 4")
	card, thread := w.operation(t, 0)

	if n := len(w.f.Messages(ops)); n != 1 {
		t.Errorf("%d messages in the channel, want the card alone", n)
	}
	got := text(card.Blocks)
	for _, want := range []string{"scale " + w.service + " 1 → 4", "converged · 4 of 4 tasks", "asked by alice"} {
		if !strings.Contains(got, want) {
			t.Errorf("final card lacks %q:\n%s", want, got)
		}
	}
	if len(card.Edits) == 0 {
		t.Error("the card was never updated in place")
	}
	last := thread[len(thread)-1].Text
	if !strings.Contains(last, "converged") || !strings.HasSuffix(last, "<@"+alice.ID+">") {
		t.Errorf("last event %q: want converged, mentioning alice", last)
	}
	w.waitRunning(t, w.service, 4)
}

func TestServeDrainApprovedByAnother(t *testing.T) {
	w := newWorld(t, 2)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := w.sw.SetAvailability(ctx, "dev02", "active", swarm.MutateOptions{}); err != nil {
			t.Errorf("making dev02 active again: %v", err)
		}
	})
	w.serve(t)
	w.slash(t, alice, "drain dev02")
	w.waitFor(t, "the approval request", func(st fakeslack.State) bool { return len(st.Messages(ops)) == 1 })
	req := w.f.Messages(ops)[0]
	if got := text(req.Blocks); !strings.Contains(got, "Approval needed") || !strings.Contains(got, "drain dev02") {
		t.Fatalf("request:\n%s", got)
	}

	// alice may not approve her own request; she is told so, privately.
	if _, _, err := w.f.ClickButton(w.ctx(t), alice.ID, ops, req.TS, "approve").Ack(w.ctx(t)); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "alice's refusal", func(st fakeslack.State) bool { return len(st.Ephemerals(ops, alice.ID)) == 1 })
	if got := text(w.f.Ephemerals(ops, alice.ID)[0].Blocks); !strings.Contains(got, "someone else must approve") {
		t.Errorf("alice's answer:\n%s", got)
	}
	if n, _ := w.sw.ResolveNode(w.ctx(t), "dev02"); !strings.EqualFold(n.Availability, "active") {
		t.Fatalf("dev02 is %s after the requester's own click", n.Availability)
	}

	// bob, another approver through the sre group, approves with the button.
	if _, _, err := w.f.ClickButton(w.ctx(t), bob.ID, ops, req.TS, "approve").Ack(w.ctx(t)); err != nil {
		t.Fatal(err)
	}
	card, thread := w.operation(t, 0)
	got := text(card.Blocks)
	for _, want := range []string{"drain dev02", "converged", "asked by alice, approved by bob"} {
		if !strings.Contains(got, want) {
			t.Errorf("card lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(card.Blocks), `"actions"`) {
		t.Error("the buttons stayed on the card")
	}
	if first := thread[0].Text; !strings.Contains(first, "approved by bob") {
		t.Errorf("first event %q", first)
	}
	if n, _ := w.sw.ResolveNode(w.ctx(t), "dev02"); !strings.EqualFold(n.Availability, "drain") {
		t.Errorf("dev02 is %s after the approval", n.Availability)
	}
	w.waitMetric(t, `swarmbot_approvals_total{outcome="requested"}`, 1)
	w.waitMetric(t, `swarmbot_approvals_total{outcome="refused"}`, 1) // alice's own click
	w.waitMetric(t, `swarmbot_approvals_total{outcome="approved"}`, 1)
	w.waitMetric(t, "swarmbot_operations_in_flight", 0)
}

// A 429 storm during an update: the final state arrives and the bot never
// goes over Slack's rate (the fake's rules count every call).
func TestServeRateLimitStorm(t *testing.T) {
	w := newWorld(t, 4)
	w.f.SetRateRules(fakeslack.RateRules{PostsPerSecond: 1, UpdatesPerSecond: 1, ChannelUpdatesPerSecond: 1})
	w.serve(t)
	w.slash(t, alice, "update "+w.service+" swarmbot-test/ping:2")
	w.waitFor(t, "the card", func(st fakeslack.State) bool { return len(st.Messages(ops)) == 1 })
	w.f.RateLimit("chat.update", 5, time.Second)
	w.f.RateLimit("chat.postMessage", 2, time.Second)

	card, _ := w.operation(t, 0)
	if got := text(card.Blocks); !strings.Contains(got, "converged · 4 of 4 tasks") {
		t.Errorf("final card:\n%s", got)
	}
	if hits := w.f.RateLimitHits(); len(hits) != 7 {
		var methods []string
		for _, h := range hits {
			methods = append(methods, h.Method)
		}
		t.Errorf("%d 429s (%v), want the 7 injected: the bot went over the rate", len(hits), methods)
	}
	per := map[string]float64{}
	for _, h := range w.f.RateLimitHits() {
		per[h.Method]++
	}
	for method, n := range per {
		w.waitMetric(t, `swarmbot_slack_ratelimited_total{method="`+method+`"}`, n)
	}
}

// A disconnect message and a dropped socket in the middle of an update:
// progress goes on, and the update was made once.
func TestServeDisconnectMidUpdate(t *testing.T) {
	w := newWorld(t, 4)
	w.serve(t)
	w.slash(t, alice, "update "+w.service+" swarmbot-test/ping:2")
	w.waitFor(t, "the first slot", func(st fakeslack.State) bool {
		ms := st.Messages(ops)
		return len(ms) == 1 && len(st.Thread(ops, ms[0].TS)) > 2
	})
	w.f.Disconnect("refresh_requested")
	w.waitFor(t, "a new connection", func(st fakeslack.State) bool { return len(st.Connections()) >= 2 })
	w.f.DropConnection(false)

	card, _ := w.operation(t, 0)
	if got := text(card.Blocks); !strings.Contains(got, "converged · 4 of 4 tasks") {
		t.Errorf("final card:\n%s", got)
	}
	if n := len(w.f.Messages(ops)); n != 1 {
		t.Errorf("%d messages in the channel, want one card", n)
	}
	prev, err := w.sw.RollbackPreview(w.ctx(t), w.service)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(prev.Previous.Image, "swarmbot-test/ping:1") || !strings.HasPrefix(prev.Current.Image, "swarmbot-test/ping:2") {
		t.Errorf("previous spec %q, current %q: the update ran more than once", prev.Previous.Image, prev.Current.Image)
	}
	// The bot is still there: the next command is taken on the new connection.
	w.slash(t, bob, "ls")
	w.waitFor(t, "ls after the reconnects", func(st fakeslack.State) bool { return len(st.Messages(ops)) == 2 })
	if n, conns := w.metric(t, "swarmbot_slack_socket_connects_total"), len(w.f.Connections()); n < 3 || n > float64(conns) {
		t.Errorf("/metrics counts %v socket connections; the fake saw %d, want 3 or more (two reconnects)", n, conns)
	}
}

// SIGTERM in the middle of a change: serve stops within its grace period,
// handing the change over; the next serve finishes the same card's report.
func TestServeHandsOverOnSIGTERM(t *testing.T) {
	w := newWorld(t, 1)
	w.serve(t)
	w.slash(t, alice, "scale "+w.service+" 12")
	w.waitFor(t, "the card", func(st fakeslack.State) bool { return len(st.Messages(ops)) == 1 })
	start := time.Now()
	w.shutdown(t)
	if took := time.Since(start); took > w.cfg.ShutdownGrace+10*time.Second {
		t.Errorf("serve took %s to stop with a grace of %s", took, w.cfg.ShutdownGrace)
	}
	w.serve(t) // another replica (or the same, restarted)
	card, thread := w.operation(t, 0)
	if got := text(card.Blocks); !strings.Contains(got, "converged · 12 of 12 tasks") {
		t.Errorf("final card:\n%s", got)
	}
	var said []string
	for _, m := range thread {
		said = append(said, m.Text)
	}
	all := strings.Join(said, "\n")
	if !strings.Contains(all, "stopping") || strings.Count(all, ": sent to the Engine") != 1 {
		t.Errorf("thread:\n%s", all)
	}
	if n := len(w.f.Messages(ops)); n != 1 {
		t.Errorf("%d messages in the channel, want the one card", n)
	}
}

// A mention in a thread runs the same commands: the change's card is a
// reply in that thread, updated in place, with its events after it.
func TestServeMentionInThread(t *testing.T) {
	w := newWorld(t, 1)
	w.serve(t)
	w.slash(t, alice, "ls")
	w.waitFor(t, "ls", func(st fakeslack.State) bool { return len(st.Messages(ops)) == 1 })
	parent := w.f.Messages(ops)[0].TS
	if _, _, err := w.f.Mention(w.ctx(t), bob.ID, ops, "scale "+w.service+" 3", parent).Ack(w.ctx(t)); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, "the last event in the thread", func(st fakeslack.State) bool {
		th := st.Thread(ops, parent)
		return len(th) > 3 && strings.Contains(th[len(th)-1].Text, "<@"+bob.ID+">")
	})
	th := w.f.Thread(ops, parent)
	// parent, bob's mention, the card, then events
	card := th[2]
	if card.User != "UBOT" || !strings.Contains(text(card.Blocks), "converged · 3 of 3 tasks") || len(card.Edits) == 0 {
		t.Errorf("card in the thread: %+v\n%s", card, text(card.Blocks))
	}
	if n := len(w.f.Messages(ops)); n != 1 {
		t.Errorf("%d messages in the channel: the change left the thread", n)
	}
	w.waitRunning(t, w.service, 3)
}

// A change to a service someone else's change holds is refused, privately,
// naming the holder and linking to their thread.
func TestServeLockConflict(t *testing.T) {
	w := newWorld(t, 1)
	w.serve(t)
	w.slash(t, bob, "scale "+w.service+" 10")
	// Once the change is sent, its lock knows its thread.
	w.waitFor(t, "bob's change under way", func(st fakeslack.State) bool {
		ms := st.Messages(ops)
		return len(ms) == 1 && len(st.Thread(ops, ms[0].TS)) > 1
	})
	cardTS := w.f.Messages(ops)[0].TS
	w.slash(t, alice, "update "+w.service+" swarmbot-test/ping:2")
	w.waitFor(t, "alice's refusal", func(st fakeslack.State) bool { return len(st.Ephemerals(ops, alice.ID)) == 1 })
	got := text(w.f.Ephemerals(ops, alice.ID)[0].Blocks)
	link := "<https://acme.slack.com/archives/" + ops + "/p" + strings.ReplaceAll(cardTS, ".", "") + "|the thread>"
	for _, want := range []string{"is locked by bob", link, "/swarm update " + w.service} {
		if !strings.Contains(got, want) {
			t.Errorf("refusal lacks %q:\n%s", want, got)
		}
	}
	w.waitMetric(t, "swarmbot_lock_conflicts_total", 1)
	w.operation(t, 0) // bob's change ends before the service goes
}

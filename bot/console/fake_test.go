package console

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/swarm"
)

var (
	t0    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	alice = deploy.Person{ID: "alice", Name: "alice"}
	bob   = deploy.Person{ID: "bob", Name: "bob"}
)

// fakeBot answers commands with what deploy would say, without a swarm:
// each known text plays a recorded conversation with the front end.
type fakeBot struct {
	mu    sync.Mutex
	calls []string // "actor: text"
	plays map[string]func(ctx context.Context, req deploy.Request, fe deploy.Frontend)
}

func (b *fakeBot) HandleText(ctx context.Context, a commands.Actor, channel, thread, text string, fe deploy.Frontend) {
	b.mu.Lock()
	b.calls = append(b.calls, a.ID+": "+text)
	play := b.plays[text]
	b.mu.Unlock()
	req := deploy.Request{Actor: a, Channel: channel, Thread: thread}
	if play == nil {
		_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyError, Private: true,
			Title: "unknown command " + text, Body: "Usage: /swarm COMMAND\n"})
		return
	}
	play(ctx, req, fe)
}

func (b *fakeBot) called() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}

func slot(n int, node, state, image string) swarm.SlotProgress {
	return swarm.SlotProgress{Slot: n, TaskID: "t" + string(rune('0'+n)), NodeID: "id-" + node, NodeName: node,
		State: state, DesiredState: "running", Image: image}
}

// scaleProgress is a scale of ping to 4 in phase p with the given slots.
func scaleProgress(p swarm.Phase, running int, slots ...swarm.SlotProgress) *swarm.Progress {
	return &swarm.Progress{
		Operation: swarm.Operation{Kind: swarm.OpScale, Service: "ping"},
		Phase:     p, Final: p.Final(),
		Services: []swarm.ServiceProgress{{ID: "svc1", Name: "ping", Mode: "replicated", Phase: p,
			Running: running, Desired: 4, Slots: slots, VerifyRemaining: 3 * time.Second}},
	}
}

// playScale is `scale ping 4`, as deploy reports it: the card opened, the
// change sent, slots coming up, converged.
func playScale(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
	c := deploy.Card{OperationID: "k3m9x2qa", Requester: alice, What: "scale ping → 4", Command: "scale ping=4",
		Phase: deploy.PhaseStarting, Started: t0}
	at, _ := fe.OpenOperation(ctx, req, c)
	rep := fe.Operation(at)
	_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventStarted, Time: t0.Add(time.Second), Text: "scale ping 1 → 4: sent to the Engine"})
	c.What, c.Phase, c.Elapsed = "scale ping 1 → 4", deploy.PhaseUpdating, 2*time.Second
	c.Progress = scaleProgress(swarm.PhaseUpdating, 2, slot(1, "dev01", "running", "alpine:latest"),
		slot(2, "dev02", "running", "alpine:latest"), slot(3, "dev01", "preparing", "alpine:latest"), slot(4, "dev02", "pending", "alpine:latest"))
	_ = rep.Card(ctx, c)
	_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventSlot, Time: t0.Add(2 * time.Second), Service: "ping", Text: "ping.2 running alpine:latest on dev02"})
	c.Phase, c.Elapsed = deploy.PhaseVerifying, 4*time.Second
	c.Progress = scaleProgress(swarm.PhaseVerifying, 4, slot(1, "dev01", "running", "alpine:latest"),
		slot(2, "dev02", "running", "alpine:latest"), slot(3, "dev01", "running", "alpine:latest"), slot(4, "dev02", "running", "alpine:latest"))
	_ = rep.Card(ctx, c)
	_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventSlot, Time: t0.Add(4 * time.Second), Service: "ping", Text: "ping.3 running alpine:latest on dev01"})
	_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventSlot, Time: t0.Add(4 * time.Second), Service: "ping", Text: "ping.4 running alpine:latest on dev02"})
	c.Phase, c.Elapsed, c.Final = deploy.PhaseConverged, 9*time.Second, true
	c.Progress = scaleProgress(swarm.PhaseConverged, 4, c.Progress.Services[0].Slots...)
	_ = rep.Card(ctx, c)
	_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventConverged, Time: t0.Add(9 * time.Second), Text: "scale ping 1 → 4: converged in 9s.", Mention: alice})
}

var drainRequest = deploy.ApprovalCard{
	ID: "h4k7m2pq", Requester: alice, Command: "drain dev02",
	Impact: deploy.Impact{Summary: "2 tasks of 1 service on dev02 will stop there:",
		Lines:    []string{"ping: ping.2, ping.4, started again on another node in the same slots"},
		Warnings: []string{"dev01 is the last active node: every task will run there"}},
	Created: t0, Expires: t0.Add(15 * time.Minute), Status: deploy.StatusPending,
}

// playDrain is `drain dev02` asked for: an approval request, published.
func playDrain(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
	_, _ = fe.PublishApproval(ctx, req, drainRequest)
}

// playApprove is `approve h4k7m2pq` by bob: the request updated, the drain
// run in its place and converged.
func playApprove(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
	if req.Actor.ID == "alice" {
		_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyRefusal, Private: true,
			Title: "you may not approve request h4k7m2pq (drain dev02)",
			Lines: []string{"you asked for this, so someone else must approve it; ask another approver"}})
		return
	}
	at := deploy.Place{Channel: placeChannel, ID: drainRequest.ID}
	a := drainRequest
	a.Status, a.DecidedBy, a.DecidedAt = deploy.StatusApproved, bob, t0.Add(time.Minute)
	_ = fe.UpdateApproval(ctx, at, a)
	rep := fe.Operation(at)
	c := deploy.Card{OperationID: "d1r2a3i4", Requester: alice, Approver: bob, What: "drain dev02", Command: "drain dev02",
		Phase: deploy.PhaseStarting, Started: t0.Add(time.Minute)}
	_ = rep.Card(ctx, c)
	_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventApproved, Time: t0.Add(time.Minute), Text: "approved by bob; drain dev02 starts"})
	c.Phase, c.Final, c.Elapsed = deploy.PhaseConverged, true, 6*time.Second
	c.Progress = &swarm.Progress{Operation: swarm.Operation{Kind: swarm.OpDrain, Node: "dev02"}, NodeName: "dev02",
		Phase: swarm.PhaseConverged, Final: true,
		Services: []swarm.ServiceProgress{{ID: "svc1", Name: "ping", Mode: "replicated", Phase: swarm.PhaseConverged,
			Running: 4, Desired: 4, Slots: []swarm.SlotProgress{slot(1, "dev01", "running", "alpine:latest"),
				slot(2, "dev01", "running", "alpine:latest"), slot(3, "dev01", "running", "alpine:latest"), slot(4, "dev01", "running", "alpine:latest")}}}}
	_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventSlot, Time: t0.Add(63 * time.Second), Service: "ping", Text: "ping.2 running alpine:latest on dev01 (moved from dev02)"})
	_ = rep.Card(ctx, c)
	_ = rep.Event(ctx, deploy.Event{Kind: deploy.EventConverged, Time: t0.Add(66 * time.Second), Text: "drain dev02: converged in 6s.", Mention: alice})
}

func playLs(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
	_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Title: "1 service",
		Body: "ID             NAME      MODE         REPLICAS   IMAGE           PORTS\nvisq62xbdsrk   ping      replicated   4/4        alpine:latest\n"})
}

func playConflict(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
	_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyRefusal, Private: true, Title: "service ping is locked by alice",
		Lines: []string{"alice locked it by hand 1m05s ago, until 14:00 UTC: incident 42",
			"Nothing was changed. Ask alice to /swarm unlock ping, or wait until then and run /swarm scale ping=2 again."}})
}

// playEngineText answers with text from the Engine that tries to move the
// cursor: the console must show it, not obey it.
func playEngineText(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
	_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Title: "last 1 line of ping",
		Body: "ping.1.abc@dev01 | \x1b[2J\x1b[Hcleared your screen\n"})
}

func newFakeBot() *fakeBot {
	return &fakeBot{plays: map[string]func(context.Context, deploy.Request, deploy.Frontend){
		"ls":               playLs,
		"/swarm ls":        playLs,
		"scale ping 4":     playScale,
		"drain dev02":      playDrain,
		"approve h4k7m2pq": playApprove,
		"scale ping 2":     playConflict,
		"logs ping":        playEngineText,
	}}
}

// visible shows escape codes as text, so that a golden file can hold them.
func visible(s string) string {
	return strings.NewReplacer("\x1b", "ESC", "\r", "\\r").Replace(s)
}

package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/internal/fakeslack"
	"github.com/swarmbot/swarmbot/internal/golden"
	"github.com/swarmbot/swarmbot/swarm"
)

// show writes a message as a person reads it in the golden files: the
// fallback text, then each block's text (a button as [Label](action=value)),
// then the attached file, if any; and the blocks' JSON, which is what Slack gets.
func show(t *testing.T, m message) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "text: %s\n", m.Text)
	for _, bl := range m.Blocks {
		switch x := bl.(type) {
		case *slackgo.SectionBlock:
			fmt.Fprintf(&b, "--- section\n%s\n", x.Text.Text)
		case *slackgo.ContextBlock:
			for _, e := range x.ContextElements.Elements {
				if to, ok := e.(*slackgo.TextBlockObject); ok {
					fmt.Fprintf(&b, "--- context\n%s\n", to.Text)
				}
			}
		case *slackgo.ActionBlock:
			b.WriteString("--- actions " + x.BlockID + "\n")
			for _, e := range x.Elements.ElementSet {
				if btn, ok := e.(*slackgo.ButtonBlockElement); ok {
					fmt.Fprintf(&b, "[%s](%s=%s) %s\n", btn.Text.Text, btn.ActionID, btn.Value, btn.Style)
				}
			}
		default:
			fmt.Fprintf(&b, "--- %T\n", bl)
		}
	}
	if m.File != nil {
		fmt.Fprintf(&b, "--- file %s (%q, %d lines)\n", m.File.Name, m.File.Title, len(splitLines(m.File.Content)))
	}
	js, err := json.MarshalIndent(m.Blocks, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("=== blocks\n")
	b.Write(js)
	b.WriteByte('\n')
	return b.String()
}

// acceptedBySlack posts the message to the fake Slack, which checks it as
// Slack does (50 blocks, 3000 characters a section, button limits, …).
func acceptedBySlack(t *testing.T, f *fakeslack.Server, m message) {
	t.Helper()
	api := webAPI{c: slackgo.New(f.BotToken(), slackgo.OptionAPIURL(f.APIURL()))}
	if _, err := api.post(context.Background(), "C1", "", m); err != nil {
		t.Errorf("slack refused the message: %v", err)
	}
	if js, _ := json.Marshal(m); len(js) > maxMessageText {
		t.Errorf("message is %d bytes of JSON", len(js))
	}
}

var (
	t0    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	alice = deploy.Person{ID: "U0ALICE", Name: "alice"}
	bob   = deploy.Person{ID: "U0BOB", Name: "bob"}
	rd    = renderer{workspace: "https://acme.slack.com/"}
)

func slot(n int, node, state, image string) swarm.SlotProgress {
	return swarm.SlotProgress{Slot: n, TaskID: fmt.Sprintf("t%d", n), NodeName: node, State: state, DesiredState: "running", Image: image}
}

func newFake(t *testing.T) *fakeslack.Server {
	return fakeslack.New(t, fakeslack.Config{Channels: []fakeslack.Channel{{ID: "C1", Name: "ops", Members: []string{"UBOT"}}}})
}

func TestRenderCard(t *testing.T) {
	f := newFake(t)
	for _, tc := range []struct {
		name string
		card deploy.Card
	}{
		{"card-starting", deploy.Card{OperationID: "k3m9x2qa", Requester: alice, What: "scale ping 1 → 4", Phase: deploy.PhaseStarting, Started: t0}},
		{"card-update", deploy.Card{
			OperationID: "k3m9x2qa", Requester: alice, What: "update ping alpine:latest → alpine:3.7",
			Phase: deploy.PhaseUpdating, Elapsed: 23 * time.Second,
			Progress: &swarm.Progress{Phase: swarm.PhaseUpdating, Services: []swarm.ServiceProgress{{
				Name: "ping", Phase: swarm.PhaseUpdating, Running: 2, Desired: 4,
				Slots: []swarm.SlotProgress{
					slot(1, "dev01", "running", "alpine:3.7"),
					slot(2, "dev02", "running", "alpine:3.7@sha256:4ed1812024ed78962a34727137627e8854a3b414d19e2c35a1dc727a47e16fba"),
					slot(3, "dev01", "preparing", "alpine:3.7"),
					{Slot: 4, NodeName: "dev02", State: "shutdown", Image: "alpine:latest", Leaving: true},
				},
			}}},
		}},
		{"card-paused", deploy.Card{
			OperationID: "z7x6c5v4", Requester: alice, What: "update ping alpine:latest → swarmbot-test/only-dev01:1",
			Phase: deploy.PhasePaused, Elapsed: 41 * time.Second, Final: true,
			Note: "The Engine paused the update: <a task> failed & was rejected. Roll back: /swarm rollback ping",
			Progress: &swarm.Progress{Phase: swarm.PhasePaused, Final: true, Services: []swarm.ServiceProgress{{
				Name: "ping", Phase: swarm.PhasePaused, Running: 1, Desired: 2,
				Message: "update paused due to failure or early termination of task x0y1z2",
				Reason:  "No such image: swarmbot-test/only-dev01:1",
				Slots: []swarm.SlotProgress{
					slot(1, "dev01", "running", "swarmbot-test/only-dev01:1"),
					{Slot: 2, NodeName: "dev02", State: "rejected", Image: "swarmbot-test/only-dev01:1", Err: "No such image: swarmbot-test/only-dev01:1"},
				},
			}}},
		}},
		{"card-scale-100", deploy.Card{
			OperationID: "m2n3b4v5", Requester: bob, What: "scale ping 2 → 100", Phase: deploy.PhaseUpdating, Elapsed: 9 * time.Second,
			Progress: &swarm.Progress{Phase: swarm.PhaseUpdating, Services: []swarm.ServiceProgress{{
				Name: "ping", Phase: swarm.PhaseUpdating, Running: 74, Desired: 100, Summarized: true, Leaving: 3,
			}}},
		}},
		{"card-drain-approved", deploy.Card{
			OperationID: "d1r2a3i4", Requester: alice, Approver: bob, What: "drain dev02",
			Phase: deploy.PhaseConverged, Elapsed: 72 * time.Second, Final: true,
			Progress: &swarm.Progress{Phase: swarm.PhaseConverged, Final: true, Services: []swarm.ServiceProgress{
				{Name: "agent", Phase: swarm.PhaseConverged, Running: 1, Desired: 1, Slots: []swarm.SlotProgress{{NodeName: "dev01", State: "running", Image: "alpine:latest"}}},
				{Name: "ping", Phase: swarm.PhaseConverged, Running: 2, Desired: 2, Slots: []swarm.SlotProgress{
					slot(1, "dev01", "running", "alpine:3.7"), slot(2, "dev01", "running", "alpine:3.7"),
				}},
			}},
		}},
		{"card-failed", deploy.Card{
			OperationID: "f0f0f0f0", Requester: alice, What: "scale <ping> 1 → 4", Phase: deploy.PhaseFailed, Elapsed: 2 * time.Second, Final: true,
			Note: "scaling ping: service ping is being updated by someone else (update out of sequence)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := rd.Card(tc.card)
			golden.Check(t, tc.name, show(t, m))
			acceptedBySlack(t, f, m)
		})
	}
}

func TestRenderEvent(t *testing.T) {
	var b strings.Builder
	for _, e := range []deploy.Event{
		{Kind: deploy.EventStarted, Time: t0, Text: "scale ping 1 → 4: sent to the Engine"},
		{Kind: deploy.EventSlot, Time: t0, Service: "ping", Text: "ping.2 running on dev02"},
		{Kind: deploy.EventMilestone, Time: t0, Service: "ping", Text: "ping: 56 out of 100 tasks running"},
		{Kind: deploy.EventTaskError, Time: t0, Service: "ping", Text: "ping.3 on dev02: No such image: <none>:latest & more"},
		{Kind: deploy.EventRollback, Time: t0, Text: "rollback started: update paused due to failure"},
		{Kind: deploy.EventConverged, Time: t0, Text: "scale ping 1 → 4: converged in 7s.", Mention: alice},
		{Kind: deploy.EventFailed, Time: t0, Text: "update ping: <!channel> failed", Mention: deploy.Person{ID: "alice", Name: "alice"}},
		{Kind: deploy.EventApproved, Time: t0, Text: "approved by bob; drain dev02 starts"},
		{Kind: deploy.EventHandedOver, Time: t0, Text: "this swarmbot instance is stopping;\nanother one will finish following this change"},
	} {
		fmt.Fprintf(&b, "%-16s %s\n", e.Kind, rd.Event(e))
	}
	golden.Check(t, "events", b.String())
}

func TestRenderApproval(t *testing.T) {
	f := newFake(t)
	pending := deploy.ApprovalCard{
		ID: "h4k7m2pq", Requester: alice, Command: "drain dev02", Created: t0, Expires: t0.Add(15 * time.Minute), Status: deploy.StatusPending,
		Impact: deploy.Impact{
			Summary: "4 tasks of 3 services on dev02 will stop there:",
			Lines: []string{
				"agent: its task (global: stops, not moved)",
				"ping: ping.2, ping.4, started again on another node in the same slots",
				"pinned: pinned.1, started again on another node in the same slot",
			},
			Warnings: []string{
				"agent is a global service: its task on dev02 stops and runs nowhere else",
				"pinned's tasks may not be placed elsewhere: its placement constraints (node.hostname==dev02) match no other ready and active node",
			},
		},
	}
	approved := pending
	approved.Status, approved.DecidedBy, approved.DecidedAt = deploy.StatusApproved, bob, t0.Add(3*time.Minute)
	denied := pending
	denied.Status, denied.DecidedBy, denied.DecidedAt, denied.Reason = deploy.StatusDenied, bob, t0.Add(time.Minute), "not during <the> release & not today"
	expired := pending
	expired.Status = deploy.StatusExpired
	huge := pending
	huge.ID, huge.Command = "r9s8t7u6", "rm ping"
	huge.Impact = deploy.Impact{Summary: "1000 replicas of ping will be gone:"}
	for i := range 1000 {
		huge.Impact.Lines = append(huge.Impact.Lines, fmt.Sprintf("ping.%d on dev0%d", i+1, i%2+1))
	}
	for _, tc := range []struct {
		name string
		card deploy.ApprovalCard
	}{
		{"approval-pending", pending},
		{"approval-approved", approved},
		{"approval-denied", denied},
		{"approval-expired", expired},
		{"approval-huge", huge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := rd.Approval(tc.card)
			golden.Check(t, tc.name, show(t, m))
			acceptedBySlack(t, f, m)
		})
	}
}

func TestRenderReply(t *testing.T) {
	f := newFake(t)
	ps := commands.Ps{Service: "ping"}
	lsCmd, _ := commands.Parse("ls")
	psCmd, _ := commands.Parse("ps ping")
	scaleCmd, _ := commands.Parse("scale ping=2")
	asAlice := func(cmd commands.Command) deploy.Request {
		return deploy.Request{Command: cmd, Actor: commands.Actor{ID: "U0ALICE", Name: "alice"}, Channel: "C1"}
	}
	_ = ps

	var long strings.Builder
	long.WriteString("ID             NAME        IMAGE          NODE    DESIRED STATE   CURRENT STATE\n")
	for i := range 100 {
		fmt.Fprintf(&long, "x%012d   ping.%-5d  alpine:3.7     dev0%d   Running         Running 2 minutes ago\n", i, i+1, i%2+1)
	}
	_, usageErr := commands.Parse("sacle ping=4")
	usage := deploy.UsageReply(usageErr)
	refusal := &commands.Refusal{Verb: commands.VerbDrain, Reason: "only {who} may drain", Who: []string{"S0SRE", "U0CAROL"}, Hint: "ask one of them to run it: /swarm drain <dev02>"}
	conflict := &deploy.LockConflict{
		Resource: "service ping", Holder: alice, Operation: "update ping → alpine:3.8", Since: t0, Until: t0.Add(30 * time.Second),
		Thread: deploy.Place{Channel: "C0OPS", ID: "1772366400.000100"}, Retry: "/swarm scale ping=2", Unlock: "/swarm unlock ping --force",
	}
	for _, tc := range []struct {
		name string
		req  deploy.Request
		r    deploy.Reply
	}{
		{"reply-ls", asAlice(lsCmd), deploy.Reply{Kind: deploy.ReplyResult, Title: "2 services",
			Body: "ID             NAME   MODE         REPLICAS   IMAGE\nabc123def456   ping   replicated   4/4        alpine:3.7\n0123456789ab   <web>  replicated   1/1        nginx:1.27\n"}},
		{"reply-ps-100", asAlice(psCmd), deploy.Reply{Kind: deploy.ReplyResult, Title: "tasks of ping", Body: long.String()}},
		{"reply-ps-100-private", asAlice(psCmd), deploy.Reply{Kind: deploy.ReplyResult, Private: true, Title: "tasks of ping", Body: long.String()}},
		{"reply-usage", deploy.Request{}, usage},
		{"reply-refusal", asAlice(scaleCmd), deploy.Reply{Kind: deploy.ReplyRefusal, Private: true, Title: "you may not run /swarm drain dev02",
			Lines: []string{refusal.Error()}, Data: refusal}},
		{"reply-lock-conflict", asAlice(scaleCmd), deploy.Reply{Kind: deploy.ReplyRefusal, Private: true, Data: conflict,
			Title: "service ping is locked by alice",
			Lines: []string{
				"alice is running update ping → alpine:3.8, held for 2m05s (since 12:00:00 UTC)",
				"Its progress is in its thread: C0OPS 1772366400.000100",
				"Nothing was changed. Wait until it finishes and run /swarm scale ping=2 again.",
				"If it is stuck, an admin can break the lock: /swarm unlock ping --force",
			}}},
		{"reply-busy", deploy.Request{}, busyReply},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := rd.Reply(tc.req, tc.r)
			golden.Check(t, tc.name, show(t, m))
			acceptedBySlack(t, f, m)
		})
	}
}

// The link to a lock holder's thread points into the thread when the card
// itself was a reply; without the workspace's URL the channel is named; a
// console's place (a console sharing the Redis) is never made a link.
func TestPlaceLink(t *testing.T) {
	for _, tc := range []struct {
		rd   renderer
		p    deploy.Place
		want string
	}{
		{rd, deploy.Place{Channel: "C1", ID: "1700000000.000100"}, "<https://acme.slack.com/archives/C1/p1700000000000100|the thread>"},
		{rd, deploy.Place{Channel: "C1", ID: placeID("1700000000.000200", "1700000000.000100")},
			"<https://acme.slack.com/archives/C1/p1700000000000200?thread_ts=1700000000.000100&cid=C1|the thread>"},
		{renderer{}, deploy.Place{Channel: "C1", ID: "1700000000.000100"}, "the thread in <#C1>"},
		{rd, deploy.Place{Channel: "console", ID: "pk3m9x2qa"}, "the thread in a swarmbot console, not in Slack"},
	} {
		if got := tc.rd.placeLink(tc.p, "the thread"); got != tc.want {
			t.Errorf("placeLink(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
	if ts, th := splitPlace(placeID("2.2", "1.1")); ts != "2.2" || th != "1.1" {
		t.Errorf("splitPlace(placeID) = %q, %q", ts, th)
	}
	if got := threadOf(deploy.Place{Channel: "C1", ID: "1.1"}); got != "1.1" {
		t.Errorf("threadOf a parent = %q", got)
	}
	if got := placeID("1.1", "1.1"); got != "1.1" {
		t.Errorf("placeID of a thread's parent = %q", got)
	}
}

func TestFileName(t *testing.T) {
	cmd, _ := commands.Parse("ps ping --no-trunc")
	if got := fileName(deploy.Request{Command: cmd}); got != "swarm-ps-ping-no-trunc.txt" && !strings.HasPrefix(got, "swarm-ps-") {
		t.Errorf("fileName = %q", got)
	}
	if got := fileName(deploy.Request{}); got != "swarm.txt" {
		t.Errorf("fileName without a command = %q", got)
	}
}

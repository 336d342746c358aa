package deploy

import (
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/golden"
	"github.com/swarmbot/swarmbot/swarm"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func slot(n int, node, state, image string) swarm.SlotProgress {
	return swarm.SlotProgress{Slot: n, TaskID: "task" + node + state + image + string(rune('0'+n)), NodeID: "id-" + node, NodeName: node,
		State: state, DesiredState: "running", Image: image}
}

func TestCardText(t *testing.T) {
	many := make([]swarm.SlotProgress, 0)
	tests := []struct {
		name string
		card Card
	}{
		{"card-starting", Card{
			OperationID: "k3m9x2qa", Requester: alice, What: "scale ping 1 → 4", Command: "scale ping=4",
			Phase: PhaseStarting, Started: t0,
		}},
		{"card-update", Card{
			OperationID: "k3m9x2qa", Requester: alice, What: "update ping alpine:latest → alpine:3.7", Command: "update ping alpine:3.7",
			Phase: PhaseUpdating, Started: t0, Elapsed: 23 * time.Second,
			Progress: &swarm.Progress{Phase: swarm.PhaseUpdating, Services: []swarm.ServiceProgress{{
				ID: "svc1", Name: "ping", Mode: "replicated", Phase: swarm.PhaseUpdating, Running: 2, Desired: 4,
				Slots: []swarm.SlotProgress{
					slot(1, "dev01", "running", "alpine:3.7"),
					slot(2, "dev02", "running", "alpine:3.7"),
					slot(3, "dev01", "preparing", "alpine:3.7"),
				},
			}}},
		}},
		{"card-rollback-approved", Card{
			OperationID: "p8q2w4er", Requester: alice, Approver: bob, What: "rollback ping alpine:3.7 → alpine:latest", Command: "rollback ping",
			Phase: PhaseRollingBack, Started: t0, Elapsed: 75 * time.Second,
			Progress: &swarm.Progress{Phase: swarm.PhaseRollingBack, Services: []swarm.ServiceProgress{{
				ID: "svc1", Name: "ping", Mode: "replicated", Phase: swarm.PhaseRollingBack, Running: 1, Desired: 4,
				Rollback: true, UpdateState: "rollback_started", Message: "manually requested rollback",
				Slots: []swarm.SlotProgress{
					slot(1, "dev01", "running", "alpine:latest"),
					slot(2, "dev02", "starting", "alpine:latest"),
				},
			}}},
		}},
		{"card-paused", Card{
			OperationID: "z7x6c5v4", Requester: alice, What: "update ping alpine:latest → swarmbot-test/only-dev01:1", Command: "update ping swarmbot-test/only-dev01:1",
			Phase: PhasePaused, Started: t0, Elapsed: 41 * time.Second, Final: true,
			Progress: &swarm.Progress{Phase: swarm.PhasePaused, Final: true, Services: []swarm.ServiceProgress{{
				ID: "svc1", Name: "ping", Mode: "replicated", Phase: swarm.PhasePaused, Running: 1, Desired: 2,
				UpdateState: "paused", Message: "update paused due to failure or early termination of task x0y1z2",
				Reason: "No such image: swarmbot-test/only-dev01:1",
				Slots: []swarm.SlotProgress{
					slot(1, "dev01", "running", "swarmbot-test/only-dev01:1"),
					{Slot: 2, TaskID: "x0y1z2", NodeID: "id-dev02", NodeName: "dev02", State: "rejected", DesiredState: "shutdown",
						Image: "swarmbot-test/only-dev01:1", Err: "No such image: swarmbot-test/only-dev01:1"},
				},
			}}},
		}},
		{"card-scale-100", Card{
			OperationID: "m2n3b4v5", Requester: bob, What: "scale ping 2 → 100", Command: "scale ping=100",
			Phase: PhaseUpdating, Started: t0, Elapsed: 9 * time.Second,
			Progress: &swarm.Progress{Phase: swarm.PhaseUpdating, Services: []swarm.ServiceProgress{{
				ID: "svc1", Name: "ping", Mode: "replicated", Phase: swarm.PhaseUpdating, Running: 74, Desired: 100,
				Summarized: true, Slots: many,
			}}},
		}},
		{"card-scale-down", Card{
			OperationID: "m2n3b4v6", Requester: bob, What: "scale ping 100 → 4", Command: "scale ping=4",
			Phase: PhaseUpdating, Started: t0, Elapsed: 4 * time.Second,
			Progress: &swarm.Progress{Phase: swarm.PhaseUpdating, Services: []swarm.ServiceProgress{{
				ID: "svc1", Name: "ping", Mode: "replicated", Phase: swarm.PhaseUpdating, Running: 4, Desired: 4,
				Summarized: true, Leaving: 61,
			}}},
		}},
		{"card-drain", Card{
			OperationID: "d1r2a3i4", Requester: alice, Approver: bob, What: "drain dev02", Command: "drain dev02",
			Phase: PhaseConverged, Started: t0, Elapsed: 12 * time.Second, Final: true,
			Progress: &swarm.Progress{Phase: swarm.PhaseConverged, NodeName: "dev02", Final: true, Services: []swarm.ServiceProgress{
				{ID: "svc1", Name: "ping", Mode: "replicated", Phase: swarm.PhaseConverged, Running: 4, Desired: 4,
					Slots: []swarm.SlotProgress{
						slot(1, "dev01", "running", "alpine:3.7"),
						slot(2, "dev01", "running", "alpine:3.7"),
						slot(3, "dev01", "running", "alpine:3.7"),
						slot(4, "dev01", "running", "alpine:3.7"),
					}},
				{ID: "svc2", Name: "agent", Mode: "global", Phase: swarm.PhaseConverged, Running: 1, Desired: 1,
					Slots: []swarm.SlotProgress{{NodeID: "id-dev01", NodeName: "dev01", State: "running", Image: "alpine:latest"}}},
			}},
		}},
		{"card-not-run", Card{
			OperationID: "q1w2e3r4", Requester: alice, What: "scale ping 4 → 6", Command: "scale ping=6",
			Phase: PhaseNotRun, Started: t0, Elapsed: 40 * time.Second, Final: true,
			Note: "the process that ran it stopped before the change reached the Engine",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name, tc.card.Text())
		})
	}
}

func TestApprovalCardText(t *testing.T) {
	drain := drainImpact(swarm.DrainImpact{
		Node: swarm.Node{ID: "id-dev02", Hostname: "dev02", Status: "Ready", Availability: "Active"}, OtherActiveNodes: 0, LastActiveNode: false,
		Services: []swarm.ServiceDrain{
			{ServiceName: "agent", Mode: "global", Tasks: []swarm.Task{{ServiceName: "agent", NodeID: "id-dev02"}}},
			{ServiceName: "ping", Mode: "replicated", Replaced: true, Tasks: []swarm.Task{{ServiceName: "ping", Slot: 2}, {ServiceName: "ping", Slot: 4}}},
			{ServiceName: "pinned", Mode: "replicated", Replaced: true, Tasks: []swarm.Task{{ServiceName: "pinned", Slot: 1}},
				Stuck: "its placement constraints (node.hostname==dev02) match no other ready and active node"},
		},
		Tasks: 4,
	})
	lastNode := drainImpact(swarm.DrainImpact{
		Node: swarm.Node{Hostname: "dev01", Availability: "Active"}, LastActiveNode: true,
		Services: []swarm.ServiceDrain{{ServiceName: "ping", Mode: "replicated", Replaced: true,
			Tasks: []swarm.Task{{ServiceName: "ping", Slot: 1}}, Stuck: "no other node is ready and active"}},
		Tasks: 1,
	})
	empty := drainImpact(swarm.DrainImpact{Node: swarm.Node{Hostname: "dev02", Availability: "Active"}, OtherActiveNodes: 1})
	rollback := rollbackImpact(swarm.RollbackPreview{ServiceName: "ping", HasPrevious: true, UpdateState: "completed",
		Changes: []string{"image: alpine:3.7 → alpine:latest", "update config: parallelism 1, delay 10s, on failure pause, monitor 5s, max failure ratio 0, stop-first → defaults"}})
	rm := removeImpact(swarm.RemoveImpact{ServiceName: "ping", Mode: "replicated", Image: "alpine:3.7", Replicas: 4,
		Tasks: []swarm.Task{{ServiceName: "ping", Slot: 1}, {ServiceName: "ping", Slot: 2}, {ServiceName: "ping", Slot: 3}, {ServiceName: "ping", Slot: 4}}})

	base := ApprovalCard{ID: "h4k7m2pq", Requester: alice, Command: "drain dev02", Impact: drain,
		Created: t0, Expires: t0.Add(15 * time.Minute), Status: StatusPending}
	with := func(f func(*ApprovalCard)) ApprovalCard { c := base; f(&c); return c }
	tests := []struct {
		name string
		card ApprovalCard
	}{
		{"approval-drain", base},
		{"approval-drain-last-node", with(func(c *ApprovalCard) { c.Command, c.Impact = "drain dev01", lastNode })},
		{"approval-drain-empty", with(func(c *ApprovalCard) { c.Impact = empty })},
		{"approval-rollback", with(func(c *ApprovalCard) { c.Command, c.Impact = "rollback ping", rollback })},
		{"approval-rm", with(func(c *ApprovalCard) { c.Command, c.Impact = "rm ping", rm })},
		{"approval-history-limit", with(func(c *ApprovalCard) { c.Command, c.Impact = "history-limit 3", historyLimitImpact(5, 3) })},
		{"approval-approved", with(func(c *ApprovalCard) {
			c.Status, c.DecidedBy, c.DecidedAt = StatusApproved, bob, t0.Add(3*time.Minute+10*time.Second)
		})},
		{"approval-denied", with(func(c *ApprovalCard) {
			c.Status, c.DecidedBy, c.DecidedAt, c.Reason = StatusDenied, bob, t0.Add(3*time.Minute), "not during the incident"
		})},
		{"approval-expired", with(func(c *ApprovalCard) {
			c.Status, c.DecidedBy, c.DecidedAt = StatusExpired, bob, t0.Add(20*time.Minute)
		})},
		{"approval-stale", with(func(c *ApprovalCard) {
			c.Status, c.DecidedBy, c.DecidedAt, c.Reason = StatusStale, bob, t0.Add(5*time.Minute), "dev02 is drain now, not active"
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name, tc.card.Text())
		})
	}
}

// threadText renders events the way a thread reads, one a line.
func threadText(events []Event) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}

func TestClockTimeGivesTheDateWhenFarOff(t *testing.T) {
	now := time.Date(2026, 11, 27, 2, 10, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(30 * time.Minute), "02:40 UTC"},
		{now.Add(11 * time.Hour), "13:10 UTC"},
		{now.Add(24 * time.Hour), "Sat 28 Nov 02:10 UTC"},
		{now.Add(-13 * time.Hour), "Thu 26 Nov 13:10 UTC"},
	} {
		if got := clockTime(now, tc.at); got != tc.want {
			t.Errorf("clockTime(%s) = %q, want %q", tc.at, got, tc.want)
		}
	}
}

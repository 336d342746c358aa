package swarm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/golden"
)

// TestProgressText pins the plain-text rendering of every kind of snapshot,
// in the CLI's words, against testdata/progress/text.golden.
func TestProgressText(t *testing.T) {
	slot := func(n int, state, node, errText string) SlotProgress {
		return SlotProgress{Slot: n, TaskID: fmt.Sprintf("task%d", n), NodeName: node, State: state, DesiredState: "running", Err: errText}
	}
	update := Operation{Kind: OpUpdate, Service: "ping"}
	one := func(op Operation, s ServiceProgress, elapsed time.Duration) Progress {
		if s.Name == "" {
			s.Name = "ping"
		}
		if s.Mode == "" {
			s.Mode = "replicated"
		}
		return Progress{Operation: op, Phase: s.Phase, Services: []ServiceProgress{s}, Elapsed: elapsed, Final: s.Phase.Final()}
	}
	cases := []struct {
		name string
		p    Progress
	}{
		{"updating, a slot's error in place of its state", one(update, ServiceProgress{Phase: PhaseUpdating, Running: 2, Desired: 4, Slots: []SlotProgress{
			slot(1, "running", "dev01", ""), slot(2, "running", "dev02", ""), slot(3, "preparing", "dev01", ""),
			slot(6, "rejected", "dev02", "No such image: registry.example.com/team/a-very-long-repository-name/with-a-path:1.2.3-rc1"),
		}}, 3*time.Second)},
		{"rolling back, with the Engine's reason", one(Operation{Kind: OpRollback, Service: "ping"}, ServiceProgress{Phase: PhaseRollingBack, Running: 2, Desired: 4,
			Rollback: true, UpdateState: "rollback_started", Message: "manually requested rollback",
			Slots: []SlotProgress{slot(1, "running", "dev01", ""), slot(2, "running", "dev02", ""), slot(3, "starting", "dev01", "")}}, 4*time.Second)},
		{"verifying", one(update, ServiceProgress{Phase: PhaseVerifying, Running: 1, Desired: 1, VerifyRemaining: 3 * time.Second,
			Slots: []SlotProgress{slot(1, "running", "dev01", "")}}, 6*time.Second)},
		{"a task failed inside the window", one(update, ServiceProgress{Phase: PhaseUpdating, Running: 0, Desired: 1, TaskFailed: true,
			Slots: []SlotProgress{slot(1, "starting", "dev01", "")}}, 9*time.Second)},
		{"converged after an automatic rollback", one(update, ServiceProgress{Phase: PhaseConverged, Running: 1, Desired: 1, Rollback: true,
			UpdateState: "rollback_completed", Message: "rollback completed", Slots: []SlotProgress{slot(1, "running", "dev01", "")}}, 12*time.Second)},
		{"paused", one(update, ServiceProgress{Phase: PhasePaused, Running: 1, Desired: 2, UpdateState: "paused",
			Message: "update paused due to failure or early termination of task bk2tra04r4cup5czmeas7n58s",
			Reason:  "No such image: swarmbot-test/only-dev01:1 (task bk2tra04r4cu rejected on dev02)",
			Slots:   []SlotProgress{slot(1, "running", "dev01", ""), slot(2, "rejected", "dev02", "No such image: swarmbot-test/only-dev01:1")}}, time.Second)},
		{"rollback paused", one(Operation{Kind: OpRollback, Service: "ping"}, ServiceProgress{Phase: PhaseFailed, Running: 0, Desired: 1, Rollback: true,
			UpdateState: "rollback_paused", Message: "rollback paused due to failure or early termination of task rb1", Reason: "No such image: alpine:9 (task rb1 rejected on dev02)"}, time.Second)},
		{"stuck", one(Operation{Kind: OpCreate, Service: "ping"}, ServiceProgress{Phase: PhaseStuck, Running: 0, Desired: 1, Stalled: 2*time.Minute + 400*time.Millisecond,
			Reason: "no suitable node (scheduling constraints not satisfied on 2 nodes) (task mlom2io6q618 pending unassigned)",
			Slots:  []SlotProgress{slot(1, "pending", "", "no suitable node (scheduling constraints not satisfied on 2 nodes)")}}, 2*time.Minute)},
		{"timed out", one(update, ServiceProgress{Phase: PhaseTimedOut, Running: 3, Desired: 4, Reason: "task: non-zero exit (1) (task c19 failed on dev01)"}, 30*time.Minute)},
		{"scale-down, tasks still stopping", one(Operation{Kind: OpScale, Service: "ping"}, ServiceProgress{Phase: PhaseUpdating, Running: 1, Desired: 1, Leaving: 2,
			Slots: []SlotProgress{slot(1, "running", "dev01", ""), {Slot: 3, State: "running", NodeName: "dev02", Leaving: true}, {Slot: 4, State: "running", NodeName: "dev01", Leaving: true}}}, time.Second)},
		{"more than 20 slots: counts only", one(Operation{Kind: OpScale, Service: "ping"}, ServiceProgress{Phase: PhaseUpdating, Running: 12, Desired: 100, Summarized: true}, 5*time.Second)},
		{"global, waiting for new tasks", one(update, ServiceProgress{Mode: "global", Phase: PhaseUpdating, WaitingForTasks: true}, time.Second)},
		{"global, nodes by hostname (or short ID)", one(update, ServiceProgress{Mode: "global", Phase: PhaseUpdating, Running: 1, Desired: 2,
			Slots: []SlotProgress{{NodeName: "dev01", State: "running"}, {NodeID: "ohrwncbl09am9vs0d8bvcsh76", State: "preparing"}}}, time.Second)},
		{"replicated job", one(Operation{Kind: OpCreate, Service: "batch"}, ServiceProgress{Name: "batch", Mode: "replicated job", Phase: PhaseUpdating,
			Running: 1, Desired: 3, Active: 2, MaxActive: 2, Slots: []SlotProgress{slot(1, "complete", "dev01", ""), slot(2, "running", "dev02", ""), slot(3, "starting", "dev01", "")}}, 2*time.Second)},
		{"global job, waiting for tasks", one(Operation{Kind: OpCreate, Service: "batch"}, ServiceProgress{Name: "batch", Mode: "global job", Phase: PhaseUpdating, WaitingForTasks: true}, 0)},
		{"job complete", one(Operation{Kind: OpCreate, Service: "batch"}, ServiceProgress{Name: "batch", Mode: "global job", Phase: PhaseConverged, Running: 2, Desired: 2,
			Slots: []SlotProgress{{NodeName: "dev01", State: "complete"}, {NodeName: "dev02", State: "complete"}}}, 3*time.Second)},
		{"rm, tasks still stopping", one(Operation{Kind: OpRemove, Service: "ping"}, ServiceProgress{Phase: PhaseRemoving, Leaving: 2}, 300*time.Millisecond)},
		{"rm done", one(Operation{Kind: OpRemove, Service: "ping"}, ServiceProgress{Phase: PhaseRemoved}, 2*time.Second)},
		{"drain, one block per service", Progress{Operation: Operation{Kind: OpDrain, Node: "ohrwncbl09am"}, NodeName: "dev02", Phase: PhaseUpdating, Elapsed: 3 * time.Second,
			Services: []ServiceProgress{
				{Name: "agent", Mode: "global", Phase: PhaseConverged, Running: 1, Desired: 1, Slots: []SlotProgress{{NodeName: "dev01", State: "running"}}},
				{Name: "ping", Mode: "replicated", Phase: PhaseUpdating, Running: 1, Desired: 2, Leaving: 1,
					Slots: []SlotProgress{slot(1, "running", "dev01", ""), slot(2, "preparing", "dev01", ""), {Slot: 2, State: "running", NodeName: "dev02", Leaving: true}}},
			}}},
	}
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "=== %s (%s)\n%s", c.name, c.p.Phase, c.p.Text())
	}
	golden.Check(t, "progress/text", b.String())
}

func TestProgressTruncError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"task: non-zero exit (1)", "task: non-zero exit (1)"},
		{"line one\nline two", "line one line two"},
		{strings.Repeat("é", 80), strings.Repeat("é", 74) + "…"},
	}
	for _, tt := range tests {
		if got := progressTruncError(tt.in); got != tt.want {
			t.Errorf("progressTruncError(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPhaseFinal(t *testing.T) {
	final := map[Phase]bool{PhaseConverged: true, PhasePaused: true, PhaseFailed: true, PhaseStuck: true, PhaseTimedOut: true, PhaseRemoved: true}
	for _, p := range []Phase{PhaseUpdating, PhaseRollingBack, PhaseVerifying, PhaseRemoving, PhaseConverged, PhasePaused, PhaseFailed, PhaseStuck, PhaseTimedOut, PhaseRemoved} {
		if p.Final() != final[p] {
			t.Errorf("%s.Final() = %v", p, p.Final())
		}
	}
}

package deploy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/golden"
	"github.com/swarmbot/swarmbot/swarm"
)

// story is a recorded sequence of snapshots of one operation, and the card
// it ends with.
type story struct {
	card  Card
	snaps []swarm.Progress
}

// replay derives the thread of a story: every event from each snapshot to
// the next, then the final report.
func replay(s story) []Event {
	d := newDeriver(t0)
	if strings.HasPrefix(s.card.Command, "drain ") {
		d.drained = strings.TrimPrefix(s.card.Command, "drain ")
	}
	var prev *swarm.Progress
	var out []Event
	for i := range s.snaps {
		at := t0.Add(time.Duration(i+1) * 2 * time.Second)
		out = append(out, d.events(prev, &s.snaps[i], at)...)
		prev = &s.snaps[i]
	}
	c := s.card
	c.Progress = prev
	if prev != nil {
		c.Phase = phaseOf(prev.Phase)
	}
	at := t0.Add(time.Duration(len(s.snaps)+1) * 2 * time.Second)
	c.Elapsed = at.Sub(t0)
	return append(out, finalEvent(c, at))
}

func svc(name string, phase swarm.Phase, running, desired int, slots ...swarm.SlotProgress) swarm.ServiceProgress {
	return swarm.ServiceProgress{ID: "id-" + name, Name: name, Mode: "replicated", Phase: phase, Running: running, Desired: desired, Slots: slots, Monitor: 5 * time.Second}
}

func snap(phase swarm.Phase, services ...swarm.ServiceProgress) swarm.Progress {
	return swarm.Progress{Phase: phase, Services: services, Final: phase.Final()}
}

func task(id string, n int, node, state, image string) swarm.SlotProgress {
	return swarm.SlotProgress{Slot: n, TaskID: id, NodeID: "id-" + node, NodeName: node, State: state, DesiredState: "running", Image: image}
}

func withErr(sl swarm.SlotProgress, err string) swarm.SlotProgress { sl.Err = err; return sl }

// before marks a task as running since before the change.
func before(sl swarm.SlotProgress) swarm.SlotProgress { sl.StateSince = t0.Add(-time.Hour); return sl }

func leaving(sl swarm.SlotProgress) swarm.SlotProgress {
	sl.Leaving, sl.DesiredState = true, "shutdown"
	return sl
}

const (
	v1 = "alpine:latest"
	v2 = "alpine:3.7"
)

var stories = map[string]story{
	// alice's rolling update of 4 slots, one at a time.
	"events-update": {
		card: Card{OperationID: "k3m9x2qa", Requester: alice, What: "update ping alpine:latest → alpine:3.7", Command: "update ping alpine:3.7"},
		snaps: []swarm.Progress{
			snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 0, 4, task("n1", 1, "dev01", "preparing", v2))),
			snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 1, 4, task("n1", 1, "dev01", "running", v2))),
			snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 1, 4, task("n1", 1, "dev01", "running", v2), task("n2", 2, "dev02", "starting", v2))),
			snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 2, 4, task("n1", 1, "dev01", "running", v2), task("n2", 2, "dev02", "running", v2))),
			snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 3, 4, task("n1", 1, "dev01", "running", v2), task("n2", 2, "dev02", "running", v2), task("n3", 3, "dev01", "running", v2))),
			snap(swarm.PhaseVerifying, svc("ping", swarm.PhaseVerifying, 4, 4, task("n1", 1, "dev01", "running", v2), task("n2", 2, "dev02", "running", v2), task("n3", 3, "dev01", "running", v2), task("n4", 4, "dev02", "running", v2))),
			snap(swarm.PhaseConverged, svc("ping", swarm.PhaseConverged, 4, 4, task("n1", 1, "dev01", "running", v2), task("n2", 2, "dev02", "running", v2), task("n3", 3, "dev01", "running", v2), task("n4", 4, "dev02", "running", v2))),
		},
	},
	// An update to an image dev02 lacks: slot 2 is rejected three times with
	// the same error (one event), then the Engine pauses the update.
	"events-paused": {
		card: Card{OperationID: "z7x6c5v4", Requester: alice, What: "update ping alpine:latest → swarmbot-test/only-dev01:1", Command: "update ping swarmbot-test/only-dev01:1"},
		snaps: func() []swarm.Progress {
			img := "swarmbot-test/only-dev01:1"
			const noImage = "No such image: swarmbot-test/only-dev01:1"
			ok := task("n1", 1, "dev01", "running", img)
			paused := svc("ping", swarm.PhasePaused, 1, 2, ok, withErr(task("r3", 2, "dev02", "rejected", img), noImage))
			paused.UpdateState, paused.Message, paused.Reason = "paused", "update paused due to failure or early termination of task r3", noImage
			return []swarm.Progress{
				snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 1, 2, ok)),
				snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 1, 2, ok, withErr(task("r1", 2, "dev02", "rejected", img), noImage))),
				snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 1, 2, ok, withErr(task("r2", 2, "dev02", "rejected", img), noImage))),
				snap(swarm.PhasePaused, paused),
			}
		}(),
	},
	// bob's rollback: the Engine's reason, slots back on the old image.
	"events-rollback": {
		card: Card{OperationID: "p8q2w4er", Requester: alice, Approver: bob, What: "rollback ping alpine:3.7 → alpine:latest", Command: "rollback ping"},
		snaps: func() []swarm.Progress {
			rb := func(phase swarm.Phase, running int, slots ...swarm.SlotProgress) swarm.Progress {
				s := svc("ping", phase, running, 2, slots...)
				s.Rollback, s.UpdateState, s.Message = true, "rollback_started", "manually requested rollback"
				if phase == swarm.PhaseConverged {
					s.UpdateState, s.Message = "rollback_completed", "rollback completed"
				}
				return snap(phase, s)
			}
			return []swarm.Progress{
				rb(swarm.PhaseRollingBack, 0, task("o1", 1, "dev01", "starting", v1)),
				rb(swarm.PhaseRollingBack, 1, task("o1", 1, "dev01", "running", v1), task("o2", 2, "dev02", "preparing", v1)),
				rb(swarm.PhaseRollingBack, 2, task("o1", 1, "dev01", "running", v1), task("o2", 2, "dev02", "running", v1)),
				rb(swarm.PhaseConverged, 2, task("o1", 1, "dev01", "running", v1), task("o2", 2, "dev02", "running", v1)),
			}
		}(),
	},
	// The drain of dev02: slots 2 and 4 of ping move to dev01; a global
	// service's task there just stops. Each service's end is said.
	"events-drain": {
		card: Card{OperationID: "d1r2a3i4", Requester: alice, Approver: bob, What: "drain dev02", Command: "drain dev02"},
		snaps: func() []swarm.Progress {
			stay1, stay3 := before(task("a1", 1, "dev01", "running", v2)), before(task("a3", 3, "dev01", "running", v2))
			old2, old4 := before(task("b2", 2, "dev02", "running", v2)), before(task("b4", 4, "dev02", "running", v2))
			agent := func(phase swarm.Phase) swarm.ServiceProgress {
				s := svc("agent", phase, 1, 1, before(swarm.SlotProgress{TaskID: "g1", NodeID: "id-dev01", NodeName: "dev01", State: "running", Image: v1}))
				s.Mode = "global"
				return s
			}
			return []swarm.Progress{
				snap(swarm.PhaseUpdating, agent(swarm.PhaseConverged), svc("ping", swarm.PhaseUpdating, 2, 4, stay1, old2, stay3, old4)),
				snap(swarm.PhaseUpdating, agent(swarm.PhaseConverged), svc("ping", swarm.PhaseUpdating, 3, 4, stay1, task("c2", 2, "dev01", "running", v2), stay3, task("c4", 4, "dev01", "starting", v2))),
				snap(swarm.PhaseConverged, agent(swarm.PhaseConverged), svc("ping", swarm.PhaseConverged, 4, 4, stay1, task("c2", 2, "dev01", "running", v2), stay3, task("c4", 4, "dev01", "running", v2))),
			}
		}(),
	},
	// A scale from 6 down to 4: two slots leave, each said once.
	"events-scale-down": {
		card: Card{OperationID: "s6s4s6s4", Requester: bob, What: "scale ping 6 → 4", Command: "scale ping=4"},
		snaps: func() []swarm.Progress {
			keep := []swarm.SlotProgress{before(task("k1", 1, "dev01", "running", v1)), before(task("k2", 2, "dev02", "running", v1)), before(task("k3", 3, "dev01", "running", v1)), before(task("k6", 6, "dev02", "running", v1))}
			return []swarm.Progress{
				snap(swarm.PhaseUpdating, svc("ping", swarm.PhaseUpdating, 4, 4, append(keep[:3:3], leaving(task("k4", 4, "dev02", "running", v1)), leaving(task("k5", 5, "dev01", "running", v1)), keep[3])...)),
				snap(swarm.PhaseConverged, svc("ping", swarm.PhaseConverged, 4, 4, keep...)),
			}
		}(),
	},
	// A stuck scale: no node can take the new tasks.
	"events-stuck": {
		card: Card{OperationID: "u7u7u7u7", Requester: bob, What: "scale pinned 1 → 2", Command: "scale pinned=2"},
		snaps: func() []swarm.Progress {
			one := before(task("p1", 1, "dev02", "running", v1))
			pending := swarm.SlotProgress{Slot: 2, TaskID: "p2", State: "pending", DesiredState: "running", Image: v1,
				Err: "no suitable node (scheduling constraints not satisfied on 2 nodes)"}
			stuck := svc("pinned", swarm.PhaseStuck, 1, 2, one, pending)
			stuck.Stalled, stuck.Reason = 2*time.Minute, pending.Err
			return []swarm.Progress{
				snap(swarm.PhaseUpdating, svc("pinned", swarm.PhaseUpdating, 1, 2, one, pending)),
				snap(swarm.PhaseStuck, stuck),
			}
		}(),
	},
}

func TestThreadEvents(t *testing.T) {
	for name, s := range stories {
		t.Run(name, func(t *testing.T) {
			golden.Check(t, name, threadText(replay(s)))
		})
	}
}

// A 100-replica scale is summarized: the thread gets milestones, not a
// hundred slot events.
func TestThreadEventsManySlots(t *testing.T) {
	var snaps []swarm.Progress
	for running := 0; running <= 100; running += 7 {
		s := svc("ping", swarm.PhaseUpdating, running, 100)
		s.Summarized = true
		snaps = append(snaps, snap(swarm.PhaseUpdating, s))
	}
	done := svc("ping", swarm.PhaseConverged, 100, 100)
	done.Summarized = true
	snaps = append(snaps, snap(swarm.PhaseConverged, done))
	events := replay(story{card: Card{OperationID: "m2n3b4v5", Requester: bob, What: "scale ping 2 → 100", Command: "scale ping=100"}, snaps: snaps})
	golden.Check(t, "events-scale-100", threadText(events))
	if len(events) > 5 {
		t.Errorf("a 100-replica scale made %d events, want at most 5 (3 milestones and the end)", len(events))
	}

	// Back down to 4: the slots drop below 20 on the way, and say nothing.
	snaps = nil
	for leaving := 96; leaving >= 0; leaving -= 8 {
		s := svc("ping", swarm.PhaseUpdating, 4, 4)
		s.Leaving = leaving
		if s.Summarized = 4+leaving > 20; !s.Summarized {
			for i := range 4 + leaving {
				sl := before(task(fmt.Sprint("k", i), i+1, "dev01", "running", v1))
				sl.Leaving = i >= 4
				s.Slots = append(s.Slots, sl)
			}
		}
		snaps = append(snaps, snap(swarm.PhaseUpdating, s))
	}
	snaps = append(snaps, snap(swarm.PhaseConverged, svc("ping", swarm.PhaseConverged, 4, 4)))
	events = replay(story{card: Card{OperationID: "m2n3b4v6", Requester: bob, What: "scale ping 100 → 4", Command: "scale ping=4"}, snaps: snaps})
	if len(events) != 1 {
		t.Errorf("a scale from 100 down to 4 made %d events, want only its end:\n%s", len(events), thread2text(events))
	}
}

func TestFinalEvent(t *testing.T) {
	one := func(phase swarm.Phase, reason string) *swarm.Progress {
		s := svc("ping", phase, 1, 2)
		s.Reason = reason
		return &swarm.Progress{Phase: phase, Services: []swarm.ServiceProgress{s}}
	}
	tests := []struct {
		phase    Phase
		progress *swarm.Progress
		note     string
		kind     EventKind
		want     string
	}{
		{PhaseConverged, one(swarm.PhaseConverged, ""), "", EventConverged, "scale ping 1 → 2: converged in 42s. @alice"},
		{PhaseDone, nil, "", EventDone, "scale ping 1 → 2: done in 42s. @alice"},
		{PhaseTimedOut, one(swarm.PhaseTimedOut, "task: non-zero exit (1)"), "", EventTimedOut,
			"scale ping 1 → 2: timed out after 42s: task: non-zero exit (1). swarmbot stopped following; the swarm goes on trying. See `/swarm ps ping`. @alice"},
		{PhaseLockLost, one(swarm.PhaseUpdating, ""), "the lock on service ping was force-unlocked by carol", EventLockLost,
			"scale ping 1 → 2: the lock was lost after 42s: the lock on service ping was force-unlocked by carol. swarmbot makes no further change and stopped following; what was sent to the Engine goes on. See `/swarm ps ping`. @alice"},
		{PhaseFailed, nil, "ping has an update in progress; nothing was changed", EventFailed,
			"scale ping 1 → 2: failed after 42s: ping has an update in progress; nothing was changed. @alice"},
		{PhaseNotRun, nil, "the bot stopped before the change reached the Engine", EventNotExecuted,
			"scale ping 1 → 2: not run: the bot stopped before the change reached the Engine. Nothing was changed; to try again: `/swarm scale ping=2`. @alice"},
	}
	for _, tc := range tests {
		t.Run(string(tc.phase), func(t *testing.T) {
			c := Card{Requester: alice, What: "scale ping 1 → 2", Command: "scale ping=2", Phase: tc.phase, Progress: tc.progress, Note: tc.note, Elapsed: 42 * time.Second}
			e := finalEvent(c, t0)
			if e.Kind != tc.kind || e.Mention != alice {
				t.Errorf("kind %s mentioning %v, want %s mentioning alice", e.Kind, e.Mention, tc.kind)
			}
			if got := fmt.Sprint(e.Text, " @", e.Mention); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

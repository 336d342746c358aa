package swarm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/swarm"
)

// convergeT0 is the moment the change began in these tables.
var convergeT0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// ct builds a task: "slot node desired/state", at an offset from convergeT0,
// e.g. ct("a", 1, "n1", "running/running", 2*time.Second, "").
func ct(id string, slot int, node, states string, at time.Duration, errText string) swarm.Task {
	desired, state, _ := strings.Cut(states, "/")
	t := swarm.Task{ID: id, Slot: slot, NodeID: node, DesiredState: swarm.TaskState(desired)}
	t.Status = swarm.TaskStatus{State: swarm.TaskState(state), Timestamp: convergeT0.Add(at), Err: errText}
	return t
}

var convergeTestNodes = convergeNodes{
	"n1": {name: "dev01"},
	"n2": {name: "dev02"},
	"n3": {name: "dev03", down: true},
}

func replicatedService(replicas uint64) swarm.Service {
	var s swarm.Service
	s.Spec.Name = "ping"
	s.Spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &replicas}
	return s
}

// slotsOf renders a view's slots as "slot:task:state[:leaving]" for comparison.
func slotsOf(v convergeView) string {
	var out []string
	for _, s := range v.slots {
		e := fmt.Sprintf("%d:%s:%s", s.Slot, s.TaskID, s.State)
		if s.Slot == 0 {
			e = fmt.Sprintf("%s:%s:%s", s.NodeName, s.TaskID, s.State)
		}
		if s.Leaving {
			e += ":leaving"
		}
		out = append(out, e)
	}
	return strings.Join(out, " ")
}

func TestConvergeReplicatedRules(t *testing.T) {
	tests := []struct {
		name      string
		replicas  uint64
		drained   string
		tasks     []swarm.Task
		slots     string
		running   int
		leaving   int
		converged bool
	}{
		{
			name:     "dedup keeps the lowest desired state: a restart's new task over the failed one",
			replicas: 1,
			tasks: []swarm.Task{
				ct("old", 1, "n1", "shutdown/failed", -time.Second, "task: non-zero exit (1)"),
				ct("new", 1, "n2", "running/running", time.Second, ""),
			},
			slots: "1:new:running", running: 1, converged: true,
		},
		{
			name:     "dedup breaks a tie of desired states by the lowest observed state (start-first)",
			replicas: 1,
			tasks: []swarm.Task{
				ct("up", 1, "n1", "running/running", time.Second, ""),
				ct("starting", 1, "n2", "running/starting", 2*time.Second, ""),
			},
			slots: "1:starting:starting", running: 0,
		},
		{
			name:     "tasks on a down node are left out; the replacement stands for the slot",
			replicas: 2,
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", 0, ""),
				ct("lost", 2, "n3", "running/running", 0, ""),
				ct("b", 2, "n2", "running/preparing", time.Second, ""),
			},
			slots: "1:a:running 2:b:preparing", running: 1,
		},
		{
			name:     "an unassigned task is kept, so its error shows",
			replicas: 1,
			tasks: []swarm.Task{
				ct("p", 1, "", "running/pending", time.Second, "no suitable node (scheduling constraints not satisfied on 2 nodes)"),
			},
			slots: "1:p:pending", running: 0,
		},
		{
			name:     "scale-down: removed tasks still running hold convergence back",
			replicas: 2,
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", -time.Minute, ""),
				ct("b", 2, "n2", "running/running", -time.Minute, ""),
				ct("c", 3, "n1", "remove/running", time.Second, ""),
				ct("d", 4, "n2", "remove/shutdown", time.Second, ""),
			},
			slots: "1:a:running 2:b:running 3:c:running:leaving", running: 2, leaving: 1,
		},
		{
			name:     "scale-down done: removed tasks have stopped",
			replicas: 2,
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", -time.Minute, ""),
				ct("b", 6, "n2", "running/running", -time.Minute, ""),
				ct("c", 3, "n1", "remove/shutdown", time.Second, ""),
			},
			slots: "1:a:running 6:b:running", running: 2, converged: true,
		},
		{
			name:     "history of a removed slot is not shown; a failure since the change is",
			replicas: 1,
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", -time.Minute, ""),
				ct("old", 4, "n2", "shutdown/shutdown", -time.Hour, ""),
				ct("bad", 5, "n2", "shutdown/rejected", time.Second, "No such image: x"),
			},
			slots: "1:a:running 5:bad:rejected", running: 1, converged: true,
		},
		{
			name:     "surplus tasks the orchestrator has not stopped yet: not converged, running capped",
			replicas: 2,
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", 0, ""),
				ct("b", 2, "n2", "running/running", 0, ""),
				ct("c", 3, "n1", "running/running", 0, ""),
			},
			slots: "1:a:running 2:b:running 3:c:running", running: 2,
		},
		{
			name:     "drain: a task on the drained node is leaving even before the Engine acts",
			replicas: 2,
			drained:  "n2",
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", 0, ""),
				ct("b", 2, "n2", "running/running", 0, ""),
			},
			slots: "1:a:running 2:b:running:leaving", running: 1, leaving: 1,
		},
		{
			name:     "drain: the replacement runs in the same slot and the old task has stopped",
			replicas: 2,
			drained:  "n2",
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", 0, ""),
				ct("b", 2, "n2", "shutdown/shutdown", time.Second, ""),
				ct("b2", 2, "n1", "running/running", 2*time.Second, ""),
			},
			slots: "1:a:running 2:b2:running", running: 2, converged: true,
		},
		{
			name:     "remove and orphaned tasks are never shown (the CLI's numberedStates)",
			replicas: 1,
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", 0, ""),
				ct("o", 2, "n1", "shutdown/orphaned", time.Second, ""),
			},
			slots: "1:a:running", running: 1, converged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := convergeInput{svc: replicatedService(tt.replicas), tasks: tt.tasks, nodes: convergeTestNodes, drained: tt.drained, since: convergeT0}
			v := convergeReplicated(in)
			if got := slotsOf(v); got != tt.slots {
				t.Errorf("slots = %q, want %q", got, tt.slots)
			}
			if v.running != tt.running || len(v.leaving) != tt.leaving || v.converged != tt.converged || v.desired != int(tt.replicas) {
				t.Errorf("running %d/%d, leaving %d, converged %v; want %d/%d, %d, %v",
					v.running, v.desired, len(v.leaving), v.converged, tt.running, tt.replicas, tt.leaving, tt.converged)
			}
		})
	}
}

func TestConvergeGlobalRules(t *testing.T) {
	var svc swarm.Service
	svc.Spec.Name = "agent"
	svc.Spec.Mode.Global = &swarm.GlobalService{}
	tests := []struct {
		name       string
		drained    string
		allowEmpty bool
		tasks      []swarm.Task
		slots      string
		running    int
		desired    int
		leaving    int
		waiting    bool
		converged  bool
	}{
		{
			name: "one task per node, the CLI's dedup",
			tasks: []swarm.Task{
				ct("a1", 0, "n1", "shutdown/failed", -time.Minute, "task: non-zero exit (1)"),
				ct("a2", 0, "n1", "running/running", time.Second, ""),
				ct("b", 0, "n2", "running/running", time.Second, ""),
			},
			slots: "dev01:a2:running dev02:b:running", running: 2, desired: 2, converged: true,
		},
		{
			name: "a down node is left out entirely (the CLI would wait for it)",
			tasks: []swarm.Task{
				ct("a", 0, "n1", "running/running", time.Second, ""),
				ct("c", 0, "n3", "running/running", time.Second, ""),
			},
			slots: "dev01:a:running", running: 1, desired: 1, converged: true,
		},
		{
			name:    "no task of the current spec anywhere: waiting for new tasks",
			tasks:   nil,
			slots:   "",
			waiting: true,
		},
		{
			name:       "drain: the drained node's task is leaving, and no node left is a goal",
			drained:    "n2",
			allowEmpty: true,
			tasks: []swarm.Task{
				ct("b", 0, "n2", "shutdown/running", time.Second, ""),
			},
			slots: "dev02:b:running:leaving", leaving: 1,
		},
		{
			name:       "drain done: the task on the drained node has stopped",
			drained:    "n2",
			allowEmpty: true,
			tasks: []swarm.Task{
				ct("a", 0, "n1", "running/running", -time.Minute, ""),
				ct("b", 0, "n2", "shutdown/shutdown", time.Second, ""),
			},
			slots: "dev01:a:running", running: 1, desired: 1, converged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := convergeGlobal(convergeInput{svc: svc, tasks: tt.tasks, nodes: convergeTestNodes, drained: tt.drained, since: convergeT0, allowEmpty: tt.allowEmpty})
			if got := slotsOf(v); got != tt.slots {
				t.Errorf("slots = %q, want %q", got, tt.slots)
			}
			if v.running != tt.running || v.desired != tt.desired || len(v.leaving) != tt.leaving || v.waiting != tt.waiting || v.converged != tt.converged {
				t.Errorf("%d/%d, leaving %d, waiting %v, converged %v; want %d/%d, %d, %v, %v",
					v.running, v.desired, len(v.leaving), v.waiting, v.converged, tt.running, tt.desired, tt.leaving, tt.waiting, tt.converged)
			}
		})
	}
}

func jobTask(id string, slot int, node, states string, iteration uint64) swarm.Task {
	t := ct(id, slot, node, states, 0, "")
	t.JobIteration = &swarm.Version{Index: iteration}
	return t
}

func TestConvergeJobRules(t *testing.T) {
	total, conc := uint64(3), uint64(2)
	var rj swarm.Service
	rj.Spec.Mode.ReplicatedJob = &swarm.ReplicatedJob{TotalCompletions: &total, MaxConcurrent: &conc}
	rj.JobStatus = &swarm.JobStatus{JobIteration: swarm.Version{Index: 7}}

	v := convergeReplicatedJob(convergeInput{svc: rj, nodes: convergeTestNodes, tasks: []swarm.Task{
		jobTask("old", 0, "n1", "complete/complete", 6), // an earlier run of the job
		jobTask("a", 0, "n1", "complete/complete", 7),
		jobTask("b1", 1, "n2", "complete/failed", 7),
		jobTask("b2", 1, "n2", "complete/starting", 7), // the lower observed state stands for the slot
	}})
	if got, want := slotsOf(v), "1:a:complete 2:b2:starting"; got != want {
		t.Errorf("replicated job slots = %q, want %q", got, want)
	}
	if v.running != 1 || v.desired != 3 || v.active != 1 || v.maxActive != 2 || v.converged {
		t.Errorf("replicated job: %d/%d complete, %d/%d active, converged %v; want 1/3, 1/2, false", v.running, v.desired, v.active, v.maxActive, v.converged)
	}
	v = convergeReplicatedJob(convergeInput{svc: rj, nodes: convergeTestNodes, tasks: []swarm.Task{
		jobTask("a", 0, "n1", "complete/complete", 7),
		jobTask("b", 1, "n2", "complete/complete", 7),
		jobTask("c", 2, "n1", "complete/complete", 7),
	}})
	if !v.converged || v.maxActive != 0 {
		t.Errorf("replicated job with 3 of 3 complete: converged %v, max active %d", v.converged, v.maxActive)
	}

	var gj swarm.Service
	gj.Spec.Mode.GlobalJob = &swarm.GlobalJob{}
	gj.JobStatus = &swarm.JobStatus{JobIteration: swarm.Version{Index: 2}}
	first := []swarm.Task{jobTask("a", 0, "n1", "complete/running", 2), jobTask("b", 0, "n2", "complete/new", 2)}
	frozen := convergeFreeze(gj, first)
	if len(frozen) != 2 {
		t.Fatalf("global job froze %v, want n1 and n2", frozen)
	}
	later := []swarm.Task{
		jobTask("a", 0, "n1", "complete/complete", 2),
		jobTask("b", 0, "n2", "complete/complete", 2),
		jobTask("c", 0, "n4", "complete/running", 2), // a node that joined later is not waited for
	}
	v = convergeGlobalJob(convergeInput{svc: gj, nodes: convergeTestNodes, tasks: later, frozen: frozen})
	if !v.converged || v.running != 2 || v.desired != 2 {
		t.Errorf("global job: %d/%d, converged %v; want 2/2 converged", v.running, v.desired, v.converged)
	}
}

func TestConvergeReason(t *testing.T) {
	tests := []struct {
		name  string
		tasks []swarm.Task
		want  string
	}{
		{
			name: "the newest error since the change, where it happened, and how many",
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", 0, ""),
				ct("r1aaaaaaaaaaaaaaaaaaaaaaa", 2, "n2", "shutdown/rejected", time.Second, "No such image: only-dev01:1"),
				ct("r2bbbbbbbbbbbbbbbbbbbbbbb", 2, "n2", "shutdown/rejected", 3*time.Second, "No such image: only-dev01:1"),
				ct("old", 2, "n2", "shutdown/failed", -time.Hour, "task: non-zero exit (1)"),
			},
			want: "No such image: only-dev01:1 (task r2bbbbbbbbbb rejected on dev02) (2 tasks with errors since the change began)",
		},
		{
			name: "no error: the slots that do not run",
			tasks: []swarm.Task{
				ct("a", 1, "n1", "running/running", 0, ""),
				ct("b", 2, "n2", "running/preparing", time.Second, ""),
			},
			want: "slot 2 is preparing on dev02; 1 slot without a task yet",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := convergeInput{svc: replicatedService(3), tasks: tt.tasks, nodes: convergeTestNodes, since: convergeT0}
			if got := convergeReason(in, convergeReplicated(in)); got != tt.want {
				t.Errorf("reason = %q\nwant     %q", got, tt.want)
			}
		})
	}
}

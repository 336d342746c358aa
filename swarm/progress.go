package swarm

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// OperationKind names the change whose convergence is followed.
type OperationKind string

// The changes a Watcher follows.
const (
	OpCreate   OperationKind = "create"
	OpScale    OperationKind = "scale"
	OpUpdate   OperationKind = "update"
	OpRollback OperationKind = "rollback"
	OpRemove   OperationKind = "rm"
	OpDrain    OperationKind = "drain"
)

// Operation is a change made to the swarm, to be followed until it converges.
type Operation struct {
	Kind OperationKind
	// Service is the service's ID or name, for every kind but drain.
	Service string
	// Name is the service's name, shown when Service is an ID the swarm no
	// longer knows (following an rm); empty: Service is shown.
	Name string
	// Node is the drained node's ID or hostname, for a drain.
	Node string
	// Services are, for a drain, the services that had tasks on the node
	// (IDs or names). Empty: the watcher finds them from the node's tasks.
	Services []string
	// Since is when the change was made; zero means when Follow is called.
	// The elapsed time and the timeout count from it, so an operation picked
	// up again after a restart keeps its age.
	Since time.Time
}

// displayName is the name to show for the operation's service.
func (op Operation) displayName() string {
	if op.Name != "" {
		return op.Name
	}
	return op.Service
}

// Phase is where an operation, or one service of it, stands.
type Phase string

// The phases of a followed operation. Converged, paused, failed, stuck, timed
// out and removed are final.
const (
	PhaseUpdating    Phase = "updating"     // tasks converge on the new spec (create, scale, update, drain)
	PhaseRollingBack Phase = "rolling back" // the Engine rolls the service back to its previous spec
	PhaseVerifying   Phase = "verifying"    // every task runs; waiting out the stability window
	PhaseRemoving    Phase = "removing"     // the service is being removed; its tasks are stopping
	PhaseConverged   Phase = "converged"
	PhasePaused      Phase = "paused"    // the Engine paused the update after a task failed
	PhaseFailed      Phase = "failed"    // the rollback paused, or the service vanished under the change
	PhaseStuck       Phase = "stuck"     // no progress for the stuck time
	PhaseTimedOut    Phase = "timed out" // the operation outlived its timeout
	PhaseRemoved     Phase = "removed"
)

// Final reports whether nothing follows this phase.
func (p Phase) Final() bool {
	switch p {
	case PhaseConverged, PhasePaused, PhaseFailed, PhaseStuck, PhaseTimedOut, PhaseRemoved:
		return true
	}
	return false
}

// Progress is one snapshot of an operation's convergence. It is plain data:
// every text in it comes from the Engine unescaped, for each front end to
// render (and escape) in its own medium.
type Progress struct {
	Operation Operation
	Seq       int   // 1 for the first snapshot of a Follow, then 2, 3, …
	Phase     Phase // of the whole operation (for a drain: the least advanced service, or the first that went wrong)
	// NodeID and NodeName name the drained node, for a drain.
	NodeID, NodeName string
	// Services holds one entry per followed service (a drain follows every
	// service that had tasks on the node), sorted by name.
	Services []ServiceProgress
	Elapsed  time.Duration // since Operation.Since
	Final    bool          // the last snapshot of this operation
}

// ServiceProgress is where one service of an operation stands.
type ServiceProgress struct {
	ID, Name string
	Mode     string // replicated, global, replicated job, global job
	Phase    Phase

	// Running out of Desired is the CLI's "overall progress: N out of M":
	// replicated: slots running the current spec, out of the replicas;
	// global: nodes running it, out of the nodes that should;
	// jobs: completed tasks, out of the completions.
	Running, Desired int
	// Active out of MaxActive are a replicated job's tasks still at work,
	// out of the most that may run at once.
	Active, MaxActive int
	// Leaving counts tasks that are still stopping: removed by a scale-down,
	// moving off a drained node, or left behind by rm.
	Leaving int
	// Slots has one entry per slot (replicated, by real slot number) or per
	// node (global, by hostname). Empty when Summarized.
	Slots []SlotProgress
	// Summarized is set above 20 slots or nodes: counts only, as the CLI does.
	Summarized bool
	// WaitingForTasks: a global service that has no task of its current spec
	// on any node yet (the CLI's "waiting for new tasks").
	WaitingForTasks bool

	Rollback    bool   // the Engine is (or was) rolling this service back
	UpdateState string // the Engine's UpdateStatus.State; empty when it has none
	Message     string // the Engine's UpdateStatus.Message, e.g. "manually requested rollback"

	Monitor         time.Duration // the stability window (UpdateConfig.Monitor, 5 s by default)
	VerifyRemaining time.Duration // while verifying: whole seconds left in the window
	TaskFailed      bool          // a task failed inside the stability window, which starts again
	// Stalled is how long nothing has progressed, when that is long enough to say.
	Stalled time.Duration
	// Reason says what blocks the service when it is paused, failed, stuck or
	// timed out: a task's error, "no suitable node", tasks that do not stop.
	Reason string
}

// SlotProgress is the task that stands for one slot (or one node).
type SlotProgress struct {
	Slot             int // the real slot number, 1-based (replicated jobs: Slot+1 of the Engine); 0 for global
	TaskID           string
	NodeID, NodeName string // empty while the task is unassigned
	State            string // the task's observed state: new … running, complete, failed, rejected
	DesiredState     string
	StateSince       time.Time // when the task entered State, by the Engine's clock
	Image            string
	Err              string
	Leaving          bool // the task is on its way out (scale-down, drain)
}

// progressMaxSlots is the CLI's maxProgressBars: above it, no per-slot lines.
const progressMaxSlots = 20

// Text renders the snapshot in the docker CLI's words, one line per line:
//
//	rollback: manually requested rollback
//	overall progress: rolling back update: 2 out of 4 tasks
//	1/4: running
//	verify: Waiting 3 seconds to verify that tasks are stable...
//
// Slots are named by their real slot number. A drain renders one block per
// service. Texts from the Engine are not escaped.
func (p Progress) Text() string {
	var b strings.Builder
	if p.Operation.Kind == OpDrain || len(p.Services) > 1 {
		node := p.NodeName
		if node == "" {
			node = p.Operation.Node
		}
		settled := 0
		for _, s := range p.Services {
			if s.Phase == PhaseConverged {
				settled++
			}
		}
		fmt.Fprintf(&b, "%s %s: %d of %s settled\n", p.Operation.Kind, node, settled, progressPlural(len(p.Services), "service"))
		for _, s := range p.Services {
			b.WriteString(s.Name + "\n")
			for _, l := range s.lines(p.Elapsed) {
				b.WriteString("  " + l + "\n")
			}
		}
		return b.String()
	}
	for _, s := range p.Services {
		for _, l := range s.lines(p.Elapsed) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// lines renders one service in the CLI's words; elapsed is the operation's age.
func (s ServiceProgress) lines(elapsed time.Duration) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	if s.Phase == PhaseRemoving || s.Phase == PhaseRemoved {
		if s.Leaving > 0 {
			add("removing: %s still stopping", progressPlural(s.Leaving, "task"))
		}
		if s.Phase == PhaseRemoved {
			add("service %s removed", s.Name)
		}
		return out
	}

	job := s.Mode == "replicated job" || s.Mode == "global job"
	if s.Rollback && s.Message != "" && s.UpdateState == "rollback_started" {
		add("rollback: %s", s.Message)
	}
	switch {
	case job && s.WaitingForTasks:
		add("job progress: waiting for tasks")
	case job:
		add("job progress: %d out of %d complete", s.Running, s.Desired)
		if s.Mode == "replicated job" {
			add("active tasks: %d out of %d tasks", s.Active, s.MaxActive)
		}
	case s.WaitingForTasks:
		add("overall progress: waiting for new tasks")
	case s.Rollback:
		add("overall progress: rolling back update: %d out of %d tasks", s.Running, s.Desired)
	default:
		add("overall progress: %d out of %d tasks", s.Running, s.Desired)
	}
	for _, sl := range s.Slots {
		if sl.Leaving {
			continue
		}
		what := sl.State
		if sl.Err != "" {
			what = progressTruncError(sl.Err)
		}
		add("%s: %s", s.slotLabel(sl), what)
	}
	if s.Leaving > 0 {
		add("leaving: %s still stopping", progressPlural(s.Leaving, "task"))
	}

	switch s.Phase {
	case PhaseVerifying:
		add("verify: Waiting %d seconds to verify that tasks are stable...", int(s.VerifyRemaining/time.Second))
	case PhaseUpdating, PhaseRollingBack:
		if s.TaskFailed {
			add("verify: Detected task failure")
		}
	case PhaseConverged:
		if job {
			add("job complete")
			break
		}
		add("verify: Service %s converged", s.Name)
		if s.UpdateState == "rollback_completed" && s.Message != "" {
			add("rollback: %s", s.Message)
		}
	case PhasePaused:
		if s.Rollback {
			add("service rollback paused: %s", s.Message)
		} else {
			add("service update paused: %s", s.Message)
		}
	case PhaseFailed:
		if s.UpdateState == "rollback_paused" {
			add("service rollback paused: %s", s.Message)
		}
	case PhaseStuck:
		add("stuck: no progress for %s", progressDuration(s.Stalled))
	case PhaseTimedOut:
		add("timed out: not converged after %s", progressDuration(elapsed))
	}
	if s.Phase.Final() && s.Phase != PhaseConverged && s.Reason != "" {
		add("reason: %s", s.Reason)
	}
	return out
}

// slotLabel names a slot as the CLI does, but with the real slot number:
// "3/4" for a replicated slot, the hostname (or the short node ID) for a node.
func (s ServiceProgress) slotLabel(sl SlotProgress) string {
	if s.Mode == "global" || s.Mode == "global job" {
		if sl.NodeName != "" {
			return sl.NodeName
		}
		return shortID(sl.NodeID)
	}
	return fmt.Sprintf("%d/%d", sl.Slot, s.Desired)
}

// progressTruncError keeps an Engine error on one line of at most 75
// characters, like the CLI's truncError (which counts bytes and may split a
// character; this counts characters).
func progressTruncError(msg string) string {
	msg = strings.ReplaceAll(msg, "\n", " ")
	const maxWidth = 75
	if utf8.RuneCountInString(msg) <= maxWidth {
		return msg
	}
	r := []rune(msg)
	return string(r[:maxWidth-1]) + "…"
}

// progressDuration rounds to the second for people: 2m0s, 45s.
func progressDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func progressPlural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

package swarm

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/swarm"
)

// This file holds the convergence rules: which task stands for a slot, what
// counts as running, when a service has converged, and what blocks it. They
// are the docker CLI's (cli/command/service/progress), with the changes the
// project asked for: real slot numbers, tasks that are still stopping count,
// global services never wait on a down node, and nothing waits forever.

// convergeOrder orders task states as the CLI's numberedStates does. Remove
// and orphaned are missing: such tasks are never shown.
var convergeOrder = map[swarm.TaskState]int{
	swarm.TaskStateNew:       1,
	swarm.TaskStateAllocated: 2,
	swarm.TaskStatePending:   3,
	swarm.TaskStateAssigned:  4,
	swarm.TaskStateAccepted:  5,
	swarm.TaskStatePreparing: 6,
	swarm.TaskStateReady:     7,
	swarm.TaskStateStarting:  8,
	swarm.TaskStateRunning:   9,
	swarm.TaskStateComplete:  10,
	swarm.TaskStateShutdown:  11,
	swarm.TaskStateFailed:    12,
	swarm.TaskStateRejected:  13,
}

// convergeTerminal reports whether a task in state s will never run again.
func convergeTerminal(s swarm.TaskState) bool {
	return convergeOrder[s] > convergeOrder[swarm.TaskStateRunning]
}

// convergeMonitorDefault is the stability window when UpdateConfig.Monitor is
// unset, as in the CLI and swarmkit.
const convergeMonitorDefault = 5 * time.Second

// convergeNode is what the rules need to know of a node.
type convergeNode struct {
	name string
	down bool
}

type convergeNodes map[string]convergeNode

func convergeNodeIndex(nodes []swarm.Node) convergeNodes {
	idx := make(convergeNodes, len(nodes))
	for _, n := range nodes {
		name := n.Spec.Name
		if name == "" {
			name = n.Description.Hostname
		}
		idx[n.ID] = convergeNode{name: name, down: n.Status.State == swarm.NodeStateDown}
	}
	return idx
}

// down reports whether a task on node id is left out: the CLI leaves out
// tasks on down nodes; a node the swarm no longer lists is gone as well.
func (n convergeNodes) down(id string) bool {
	if id == "" || n == nil {
		return false
	}
	nd, ok := n[id]
	return !ok || nd.down
}

func (n convergeNodes) name(id string) string {
	if nd, ok := n[id]; ok && nd.name != "" {
		return nd.name
	}
	return shortID(id)
}

// convergeView is one observation of a service, judged by the rules.
type convergeView struct {
	slots            []SlotProgress
	running, desired int
	active           int
	maxActive        int
	leaving          []swarm.Task
	waiting          bool // global: no task of the current spec anywhere yet
	converged        bool
	// latest is the newest state change among the tasks that make up the
	// view; latestRunning the newest start among the running ones.
	latest, latestRunning time.Time
	// score grows as the service moves toward its goal: each task's state
	// counts, a running task most, a task still stopping against it. A new
	// high is progress; a crash loop never makes one.
	score int
}

// convergeInput is what one judgement of a service looks at.
type convergeInput struct {
	svc     swarm.Service
	tasks   []swarm.Task // the service's up-to-date tasks (the CLI's `_up-to-date=true`)
	nodes   convergeNodes
	drained string    // the node being drained, for a drain: its tasks are leaving
	since   time.Time // when the operation began: older failures are history
	// allowEmpty: zero eligible nodes is a goal, not a wait (a drain may take
	// a global service off its only node).
	allowEmpty bool
	frozen     map[string]bool // global job: the nodes of the first observation
}

// convergeBetter reports whether task a should stand for its slot (or node)
// rather than b: the CLI keeps the lowest desired state, then the lowest
// observed state.
func convergeBetter(a, b swarm.Task) bool {
	da, db := convergeOrder[a.DesiredState], convergeOrder[b.DesiredState]
	if da != db {
		return da < db
	}
	return convergeOrder[a.Status.State] < convergeOrder[b.Status.State]
}

// convergeLeaving reports whether a task is on its way out: asked to stop
// (scale-down, drain, restart elsewhere) but not stopped yet, or still alive
// on the node being drained.
func convergeLeaving(t swarm.Task, drained string) bool {
	if convergeOrder[t.Status.State] == 0 || convergeTerminal(t.Status.State) {
		return false // stopped, or orphaned (its node has been gone for a day)
	}
	if drained != "" && t.NodeID == drained {
		return true
	}
	return t.DesiredState == swarm.TaskStateShutdown || t.DesiredState == swarm.TaskStateRemove
}

// convergeFailedSince reports whether a task failed (or was rejected) since
// the change began: worth showing in its slot until a replacement stands in.
func convergeFailedSince(t swarm.Task, since time.Time) bool {
	failed := t.Status.State == swarm.TaskStateFailed || t.Status.State == swarm.TaskStateRejected || t.Status.Err != ""
	return failed && !t.Status.Timestamp.Before(since)
}

func convergeSlot(t swarm.Task, nodes convergeNodes) SlotProgress {
	s := SlotProgress{
		Slot:         t.Slot,
		TaskID:       t.ID,
		NodeID:       t.NodeID,
		State:        string(t.Status.State),
		DesiredState: string(t.DesiredState),
		StateSince:   t.Status.Timestamp,
		Err:          t.Status.Err,
	}
	if t.NodeID != "" {
		s.NodeName = nodes.name(t.NodeID)
	}
	if cs := t.Spec.ContainerSpec; cs != nil {
		s.Image = cs.Image
	}
	return s
}

func (v *convergeView) saw(t swarm.Task) {
	if t.Status.Timestamp.After(v.latest) {
		v.latest = t.Status.Timestamp
	}
}

// countService counts a service's task that wants to run: running scores
// full marks, one on its way scores by how far it has come.
func (v *convergeView) countService(t swarm.Task) {
	v.saw(t)
	if t.Status.State == swarm.TaskStateRunning {
		v.running++
		v.score += 10
		if t.Status.Timestamp.After(v.latestRunning) {
			v.latestRunning = t.Status.Timestamp
		}
	} else if !convergeTerminal(t.Status.State) {
		v.score += convergeOrder[t.Status.State]
	}
}

// countJob counts a job's task of the current iteration: complete scores
// full marks, one still running or on its way is active.
func (v *convergeView) countJob(t swarm.Task) {
	v.saw(t)
	switch {
	case t.Status.State == swarm.TaskStateComplete:
		v.running++
		v.score += 10
	case !convergeTerminal(t.Status.State):
		v.active++
		v.score += convergeOrder[t.Status.State]
	}
}

// addLeaving counts the tasks still stopping, each of which holds back the
// score until it is gone.
func (v *convergeView) addLeaving(in convergeInput, leaving []swarm.Task) {
	v.leaving = leaving
	for _, t := range leaving {
		v.saw(t)
		v.score -= 10
		sl := convergeSlot(t, in.nodes)
		sl.Leaving = true
		v.slots = append(v.slots, sl)
	}
}

// convergeReplicated judges a replicated service: one task per slot, by the
// CLI's rule; converged when every slot runs the current spec and no task
// removed by a scale-down or a drain is still stopping.
func convergeReplicated(in convergeInput) convergeView {
	var v convergeView
	replicas := 0
	if r := in.svc.Spec.Mode.Replicated; r != nil && r.Replicas != nil {
		replicas = int(*r.Replicas)
	}
	bySlot := map[int]swarm.Task{}
	var leaving []swarm.Task
	for _, t := range in.tasks {
		if in.nodes.down(t.NodeID) {
			continue // the CLI's rule; such a task can neither run nor stop
		}
		if convergeLeaving(t, in.drained) {
			leaving = append(leaving, t)
			continue
		}
		if convergeOrder[t.DesiredState] == 0 || convergeOrder[t.Status.State] == 0 {
			continue
		}
		if cur, ok := bySlot[t.Slot]; ok && !convergeBetter(t, cur) {
			continue
		}
		bySlot[t.Slot] = t
	}

	active := 0
	for _, t := range bySlot {
		if convergeTerminal(t.DesiredState) {
			// No task wants to run in this slot: history of a removed slot,
			// or a task that failed since the change began and whose
			// replacement does not exist yet. Show the latter, with its error.
			if !convergeFailedSince(t, in.since) {
				continue
			}
		} else {
			active++
			v.countService(t)
		}
		v.slots = append(v.slots, convergeSlot(t, in.nodes))
	}
	v.desired = replicas
	v.addLeaving(in, leaving)
	v.converged = v.running == replicas && active == replicas && len(leaving) == 0
	if v.running > replicas {
		v.running = replicas // surplus tasks the orchestrator has not stopped yet
	}
	sort.SliceStable(v.slots, func(i, j int) bool { return v.slots[i].Slot < v.slots[j].Slot })
	return v
}

// convergeGlobal judges a global service: one task per node, by the CLI's
// rule; the nodes that should run it are those with a task of the current
// spec that wants to run. Unlike the CLI, down nodes are left out entirely,
// so a node that goes down does not hold the wait forever.
func convergeGlobal(in convergeInput) convergeView {
	var v convergeView
	byNode := map[string]swarm.Task{}
	var leaving []swarm.Task
	seen := 0
	for _, t := range in.tasks {
		if in.nodes.down(t.NodeID) {
			continue
		}
		seen++
		if convergeLeaving(t, in.drained) {
			leaving = append(leaving, t)
			continue
		}
		if convergeOrder[t.DesiredState] == 0 || convergeOrder[t.Status.State] == 0 {
			continue
		}
		if cur, ok := byNode[t.NodeID]; ok && !convergeBetter(t, cur) {
			continue
		}
		byNode[t.NodeID] = t
	}
	for _, t := range byNode {
		if convergeTerminal(t.DesiredState) {
			if !convergeFailedSince(t, in.since) {
				continue
			}
		} else {
			v.desired++
			v.countService(t)
		}
		v.slots = append(v.slots, convergeSlot(t, in.nodes))
	}
	v.addLeaving(in, leaving)
	v.waiting = v.desired == 0 && seen == 0 && !in.allowEmpty
	v.converged = v.running == v.desired && len(leaving) == 0 && (v.desired > 0 || in.allowEmpty)
	sort.SliceStable(v.slots, func(i, j int) bool {
		if v.slots[i].NodeName != v.slots[j].NodeName {
			return v.slots[i].NodeName < v.slots[j].NodeName
		}
		return v.slots[i].NodeID < v.slots[j].NodeID
	})
	return v
}

// convergeIteration is the job iteration a task or service belongs to.
func convergeIteration(v *swarm.Version) uint64 {
	if v == nil {
		return 0
	}
	return v.Index
}

// convergeReplicatedJob judges a replicated job by its completions, as the
// CLI does: the tasks of the current iteration, one per slot (the lowest
// observed state wins), converged when the completions are all complete.
func convergeReplicatedJob(in convergeInput) convergeView {
	var v convergeView
	job := in.svc.Spec.Mode.ReplicatedJob
	total, concurrent := 1, 1
	if job.TotalCompletions != nil {
		total = int(*job.TotalCompletions)
	}
	if job.MaxConcurrent != nil {
		concurrent = int(*job.MaxConcurrent)
	}
	var iter uint64
	if in.svc.JobStatus != nil {
		iter = in.svc.JobStatus.JobIteration.Index
	}
	bySlot := map[int]swarm.Task{}
	for _, t := range in.tasks {
		if convergeIteration(t.JobIteration) != iter {
			continue
		}
		if convergeOrder[t.DesiredState] == 0 || convergeOrder[t.Status.State] == 0 {
			continue
		}
		if cur, ok := bySlot[t.Slot]; ok && convergeOrder[cur.Status.State] <= convergeOrder[t.Status.State] {
			continue
		}
		bySlot[t.Slot] = t
	}
	for _, t := range bySlot {
		v.countJob(t)
		sl := convergeSlot(t, in.nodes)
		sl.Slot = t.Slot + 1 // job slots count from 0; the CLI shows them from 1
		v.slots = append(v.slots, sl)
	}
	v.desired = total
	v.maxActive = min(total-v.running, concurrent)
	v.converged = v.running >= total
	sort.SliceStable(v.slots, func(i, j int) bool { return v.slots[i].Slot < v.slots[j].Slot })
	return v
}

// convergeGlobalJob judges a global job: the nodes of the first observation
// (the CLI's rule: nodes joining later are not waited for), each with a
// complete task of the current iteration.
func convergeGlobalJob(in convergeInput) convergeView {
	var v convergeView
	var iter uint64
	if in.svc.JobStatus != nil {
		iter = in.svc.JobStatus.JobIteration.Index
	}
	byNode := map[string]swarm.Task{}
	for _, t := range in.tasks {
		if convergeIteration(t.JobIteration) != iter || !in.frozen[t.NodeID] {
			continue
		}
		if cur, ok := byNode[t.NodeID]; ok && convergeOrder[cur.Status.State] <= convergeOrder[t.Status.State] {
			continue
		}
		byNode[t.NodeID] = t
	}
	for _, t := range byNode {
		v.countJob(t)
		v.slots = append(v.slots, convergeSlot(t, in.nodes))
	}
	v.desired = len(in.frozen)
	v.waiting = len(in.frozen) == 0
	v.converged = len(in.frozen) > 0 && v.running == len(in.frozen)
	sort.SliceStable(v.slots, func(i, j int) bool { return v.slots[i].NodeName < v.slots[j].NodeName })
	return v
}

// convergeReason says what holds a service back, from its tasks: the newest
// task error since the operation began (rejected, failed, no suitable node),
// else the slots that do not run yet, else the tasks that do not stop.
func convergeReason(in convergeInput, v convergeView) string {
	var errTasks []swarm.Task
	for _, t := range in.tasks {
		if t.Status.Err != "" && !t.Status.Timestamp.Before(in.since) && !in.nodes.down(t.NodeID) {
			errTasks = append(errTasks, t)
		}
	}
	if len(errTasks) > 0 {
		sort.SliceStable(errTasks, func(i, j int) bool { return errTasks[i].Status.Timestamp.After(errTasks[j].Status.Timestamp) })
		r := convergeTaskError(errTasks[0], in.nodes)
		if n := len(errTasks); n > 1 {
			r += fmt.Sprintf(" (%d tasks with errors since the change began)", n)
		}
		return r
	}
	if v.waiting {
		return "no task of the current spec on any node: the placement constraints may match no node"
	}
	var waits []string
	for _, s := range v.slots {
		if s.Leaving || s.State == string(swarm.TaskStateRunning) || s.State == string(swarm.TaskStateComplete) {
			continue
		}
		where := "unassigned"
		if s.NodeName != "" {
			where = "on " + s.NodeName
		}
		label := fmt.Sprintf("slot %d", s.Slot)
		if s.Slot == 0 {
			label = "the task"
		}
		waits = append(waits, fmt.Sprintf("%s is %s %s", label, s.State, where))
	}
	if n := v.desired - len(waits) - v.running; n > 0 && modeName(in.svc.Spec.Mode) == "replicated" {
		waits = append(waits, fmt.Sprintf("%s without a task yet", progressPlural(n, "slot")))
	}
	if len(v.leaving) > 0 {
		nodes := map[string]bool{}
		for _, t := range v.leaving {
			nodes[in.nodes.name(t.NodeID)] = true
		}
		names := make([]string, 0, len(nodes))
		for n := range nodes {
			names = append(names, n)
		}
		sort.Strings(names)
		waits = append(waits, fmt.Sprintf("%s still stopping on %s", progressPlural(len(v.leaving), "task"), strings.Join(names, ", ")))
	}
	if len(waits) > 3 {
		waits = append(waits[:3], fmt.Sprintf("and %d more", len(waits)-3))
	}
	return strings.Join(waits, "; ")
}

// convergeTaskError names a task's error and where it happened:
// "No such image: x (task l36mpkyml6mh rejected on dev02)".
func convergeTaskError(t swarm.Task, nodes convergeNodes) string {
	where := "unassigned"
	if t.NodeID != "" {
		where = "on " + nodes.name(t.NodeID)
	}
	return fmt.Sprintf("%s (task %s %s %s)", strings.ReplaceAll(t.Status.Err, "\n", " "), shortID(t.ID), t.Status.State, where)
}

// convergePausedReason finds the task a paused update names ("update paused
// due to failure or early termination of task X") and says what happened to it.
func convergePausedReason(in convergeInput, v convergeView, message string) string {
	for _, t := range in.tasks {
		if t.ID != "" && strings.Contains(message, t.ID) {
			if t.Status.Err != "" {
				return convergeTaskError(t, in.nodes)
			}
			return fmt.Sprintf("task %s %s on %s", shortID(t.ID), t.Status.State, in.nodes.name(t.NodeID))
		}
	}
	return convergeReason(in, v)
}

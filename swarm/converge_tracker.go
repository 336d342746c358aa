package swarm

import (
	"fmt"
	"time"

	"github.com/docker/docker/api/types/swarm"
)

// convergeVerifyLead is how long before the stability window ends the last
// look may come and still end it. The CLI ends the window on a look that
// came up to one of its polls (200 ms) earlier; so does the watcher, with
// the window counted from when the Engine says the last task started.
const convergeVerifyLead = 200 * time.Millisecond

// convergeDueWindow is how long after a slot is due the poller keeps looking
// fast: the Engine starts the next slot a little after the delay, by its clock.
const convergeDueWindow = 2 * time.Second

// convergeTracker follows one service of one operation across observations:
// the stability window, the rollback flag, progress for stuck detection. It
// is driven by the watcher's poller and holds no lock of its own.
type convergeTracker struct {
	id, name string
	kind     OperationKind
	since    time.Time
	drained  string // node ID, for a drain
	cfg      WatchConfig

	seen       bool
	mode       string
	rollback   bool
	firstState *swarm.UpdateStatus // a drain ignores the update status it found
	frozen     map[string]bool     // global job: nodes of the first observation

	convergedAt    time.Time // start of the stability window; zero when not converged
	notConvergedAt time.Time // start of the last observation that was not converged
	taskFailed     bool

	bestScore  int
	minLeaving int // rm: the fewest tasks seen stopping; -1 before the first look
	progressAt time.Time
	lastPhase  Phase

	last  ServiceProgress
	final bool
}

// watchObservation is one round of the poller: what the Engine said about
// every followed service at once.
type watchObservation struct {
	at       time.Time                // when the round began
	services map[string]swarm.Service // followed services that exist
	gone     map[string]bool          // followed services the swarm no longer lists
	tasks    map[string][]swarm.Task  // up-to-date tasks, by service ID
	removing map[string][]swarm.Task  // tasks of removed services still stopping, by service ID
	nodes    convergeNodes            // nil when unknown
	err      error                    // the round failed: no fresh data
}

func newConvergeTracker(id, name string, kind OperationKind, since time.Time, drained string, cfg WatchConfig) *convergeTracker {
	return &convergeTracker{
		id: id, name: name, kind: kind, since: since, drained: drained, cfg: cfg,
		progressAt: since,
		minLeaving: -1,
		last:       ServiceProgress{ID: id, Name: name, Phase: PhaseUpdating},
	}
}

// judge takes one observation and returns where the service stands, and the
// latest time at which it wants to be looked at again (zero: no wish).
func (t *convergeTracker) judge(o *watchObservation) (ServiceProgress, time.Time) {
	if t.final {
		return t.last, time.Time{}
	}
	now := o.at
	if o.err != nil {
		return t.judgeBlind(now, o.err)
	}
	svc, present := o.services[t.id]
	if !present {
		if !o.gone[t.id] {
			return t.last, time.Time{} // not listed yet
		}
		return t.judgeGone(o)
	}
	if t.kind == OpRemove {
		// The removal has not reached the Engine yet.
		p := t.base(svc)
		p.Phase = PhaseRemoving
		if p, done := t.expire(p, now, svc, func() string { return fmt.Sprintf("service %s is still listed", p.Name) }); done {
			return p, time.Time{}
		}
		return t.settle(p, now, t.cfg.StuckAfter, time.Time{})
	}

	in := convergeInput{
		svc: svc, tasks: o.tasks[t.id], nodes: o.nodes, drained: t.drained, since: t.since,
		allowEmpty: t.kind == OpDrain,
	}
	if !t.seen {
		t.seen = true
		t.mode = modeName(svc.Spec.Mode)
		if svc.UpdateStatus != nil {
			us := *svc.UpdateStatus
			t.firstState = &us
		}
	}
	if t.mode == "global job" && t.frozen == nil {
		t.frozen = convergeFreeze(svc, in.tasks)
	}
	in.frozen = t.frozen

	var v convergeView
	switch t.mode {
	case "replicated":
		v = convergeReplicated(in)
	case "global":
		v = convergeGlobal(in)
	case "replicated job":
		v = convergeReplicatedJob(in)
	case "global job":
		v = convergeGlobalJob(in)
	default:
		p := t.base(svc)
		p.Phase, p.Reason = PhaseFailed, "unrecognized service mode"
		return t.finish(p)
	}

	p := t.base(svc)
	p.Running, p.Desired, p.Active, p.MaxActive = v.running, v.desired, v.active, v.maxActive
	p.Leaving = len(v.leaving)
	p.WaitingForTasks = v.waiting
	p.Slots = v.slots
	if v.desired > progressMaxSlots || len(v.slots) > progressMaxSlots {
		p.Slots, p.Summarized = nil, true
	}

	// The Engine's update status, as the CLI reads it.
	if us := t.honoured(svc); us != nil {
		p.UpdateState, p.Message = string(us.State), us.Message
		switch us.State {
		case swarm.UpdateStateUpdating:
			t.rollback = false
		case swarm.UpdateStateRollbackStarted, swarm.UpdateStateRollbackCompleted:
			t.rollback = true
		case swarm.UpdateStatePaused:
			p.Rollback = t.rollback
			p.Phase, p.Reason = PhasePaused, convergePausedReason(in, v, us.Message)
			return t.finish(p)
		case swarm.UpdateStateRollbackPaused:
			t.rollback = true
			p.Rollback = true
			p.Phase, p.Reason = PhaseFailed, convergePausedReason(in, v, us.Message)
			return t.finish(p)
		}
	}
	p.Rollback = t.rollback || t.kind == OpRollback

	phase := PhaseUpdating
	if p.Rollback {
		phase = PhaseRollingBack
	}
	if phase != t.lastPhase || v.score > t.bestScore || t.progressAt.IsZero() {
		t.bestScore, t.progressAt, t.lastPhase = v.score, now, phase
	}

	var wake time.Time
	if v.converged {
		if t.mode == "replicated job" || t.mode == "global job" {
			p.Phase = PhaseConverged // jobs stay done: no stability window (the CLI's rule)
			return t.finish(p)
		}
		// The window starts when the last task changed, which the Engine
		// stamps, but not before the last observation that was not converged.
		at := v.latest
		floor := t.notConvergedAt
		if floor.IsZero() {
			floor = t.since
		}
		if at.Before(floor) {
			at = floor
		}
		if at.After(now) {
			at = now
		}
		switch {
		case t.convergedAt.IsZero():
			t.convergedAt = at
		case at.After(t.convergedAt):
			t.convergedAt = at // a task restarted between two looks: the window starts again
		}
		t.taskFailed = false
		end := t.convergedAt.Add(p.Monitor)
		if !now.Before(end.Add(-convergeVerifyLead)) {
			p.Phase = PhaseConverged
			return t.finish(p)
		}
		wait := end.Sub(now)
		secs := (wait + time.Second - 1) / time.Second // whole seconds, rounded up: 5, 4, 3, 2, 1 as the CLI counts
		p.Phase = PhaseVerifying
		p.VerifyRemaining = secs * time.Second
		wake = now.Add(wait - (secs-1)*time.Second) // when the count changes
		if last := end.Add(-convergeVerifyLead); last.Before(wake) {
			wake = last // the look that ends the window
		}
	} else {
		if !t.convergedAt.IsZero() {
			t.taskFailed = true
		}
		t.convergedAt = time.Time{}
		t.notConvergedAt = now
		p.Phase = phase
		p.TaskFailed = t.taskFailed
		// Tasks on their way up (or out) change within seconds: look often.
		if convergeMoving(v) {
			wake = now.Add(t.cfg.FastPoll)
		}
		// A rolling update with a delay sleeps between slots: look again
		// when the next slot is due, and often for a while after.
		if d := t.delay(svc); d > 0 && !v.latestRunning.IsZero() {
			due := v.latestRunning.Add(d)
			switch {
			case due.After(now) && wake.IsZero():
				wake = due
			case now.Before(due.Add(convergeDueWindow)):
				wake = now.Add(t.cfg.FastPoll)
			}
		}
	}

	if p, done := t.expire(p, now, svc, func() string { return convergeReason(in, v) }); done {
		return p, time.Time{}
	}
	return t.settle(p, now, t.stuckAfter(svc), wake)
}

// base is the part of a service's progress that does not depend on its tasks.
func (t *convergeTracker) base(svc swarm.Service) ServiceProgress {
	p := ServiceProgress{ID: t.id, Name: svc.Spec.Name, Mode: modeName(svc.Spec.Mode), Monitor: convergeMonitorDefault}
	if p.Name == "" {
		p.Name = t.name
	}
	if uc := svc.Spec.UpdateConfig; uc != nil && uc.Monitor != 0 {
		p.Monitor = uc.Monitor // the CLI reads UpdateConfig.Monitor, even while rolling back
	}
	return p
}

// honoured returns the update status the judgement should act on. A drain
// did not start an update: a status it found already there (a pause from
// last week) is history, and only a new one counts.
func (t *convergeTracker) honoured(svc swarm.Service) *swarm.UpdateStatus {
	us := svc.UpdateStatus
	if us == nil || us.State == "" {
		return nil
	}
	if t.kind == OpDrain && t.firstState != nil && convergeSameUpdateStatus(*t.firstState, *us) {
		return nil
	}
	return us
}

func convergeSameUpdateStatus(a, b swarm.UpdateStatus) bool {
	if a.State != b.State || a.Message != b.Message {
		return false
	}
	if (a.StartedAt == nil) != (b.StartedAt == nil) {
		return false
	}
	return a.StartedAt == nil || a.StartedAt.Equal(*b.StartedAt)
}

// delay is the pause the Engine takes between slots of the update (or
// rollback) in progress.
func (t *convergeTracker) delay(svc swarm.Service) time.Duration {
	if svc.UpdateStatus == nil {
		return 0
	}
	switch svc.UpdateStatus.State {
	case swarm.UpdateStateUpdating:
		if uc := svc.Spec.UpdateConfig; uc != nil {
			return uc.Delay
		}
	case swarm.UpdateStateRollbackStarted:
		if rc := svc.Spec.RollbackConfig; rc != nil {
			return rc.Delay
		}
	}
	return 0
}

// stuckAfter is how long a service may make no progress: the configured
// time, plus the Engine's own pause between slots.
func (t *convergeTracker) stuckAfter(svc swarm.Service) time.Duration {
	return t.cfg.StuckAfter + t.delay(svc)
}

// expire ends a service that has outlived the timeout, or that has made no
// progress for stuckAfter, with the reason it is blocked.
func (t *convergeTracker) expire(p ServiceProgress, now time.Time, svc swarm.Service, reason func() string) (ServiceProgress, bool) {
	switch {
	case !now.Before(t.since.Add(t.cfg.Timeout)):
		p.Phase, p.Reason = PhaseTimedOut, reason()
	case p.Phase != PhaseVerifying && now.Sub(t.progressAt) >= t.stuckAfter(svc):
		p.Phase, p.Reason = PhaseStuck, reason()
		p.Stalled = now.Sub(t.progressAt)
	default:
		return p, false
	}
	p, _ = t.finish(p)
	return p, true
}

// settle records a judgement that is not final and works out when to look
// again: at the latest by the wish, the stuck time or the timeout.
func (t *convergeTracker) settle(p ServiceProgress, now time.Time, stuckAfter time.Duration, wake time.Time) (ServiceProgress, time.Time) {
	t.last = p
	next := t.since.Add(t.cfg.Timeout)
	if stuckAfter > 0 && p.Phase != PhaseVerifying {
		if s := t.progressAt.Add(stuckAfter); s.Before(next) {
			next = s
		}
	}
	if !wake.IsZero() && wake.Before(next) {
		next = wake
	}
	return p, next
}

func (t *convergeTracker) finish(p ServiceProgress) (ServiceProgress, time.Time) {
	t.final = true
	t.last = p
	return p, time.Time{}
}

// judgeBlind handles a round in which the Engine did not answer: nothing is
// known anew, but the clock still runs for the timeout and stuck detection.
func (t *convergeTracker) judgeBlind(now time.Time, err error) (ServiceProgress, time.Time) {
	p := t.last
	reason := func() string { return fmt.Sprintf("the Engine did not answer: %v", err) }
	switch {
	case !now.Before(t.since.Add(t.cfg.Timeout)):
		p.Phase, p.Reason = PhaseTimedOut, reason()
	case p.Phase != PhaseVerifying && now.Sub(t.progressAt) >= t.cfg.StuckAfter:
		p.Phase, p.Reason = PhaseStuck, reason()
		p.Stalled = now.Sub(t.progressAt)
	default:
		next := t.since.Add(t.cfg.Timeout)
		if s := t.progressAt.Add(t.cfg.StuckAfter); p.Phase != PhaseVerifying && s.Before(next) {
			next = s
		}
		return t.last, next
	}
	return t.finish(p)
}

// judgeGone handles a service the swarm no longer lists: the goal of rm, a
// failure for anything else.
func (t *convergeTracker) judgeGone(o *watchObservation) (ServiceProgress, time.Time) {
	p := t.last
	p.Slots, p.Running, p.Summarized, p.WaitingForTasks = nil, 0, false, false
	p.VerifyRemaining, p.TaskFailed = 0, false
	if t.kind != OpRemove {
		p.Phase, p.Reason = PhaseFailed, fmt.Sprintf("service %s was removed", t.name)
		return t.finish(p)
	}
	p.Leaving = 0
	for _, task := range o.removing[t.id] {
		if !convergeTerminal(task.Status.State) && !o.nodes.down(task.NodeID) {
			p.Leaving++
		}
	}
	if p.Leaving == 0 {
		p.Phase = PhaseRemoved
		return t.finish(p)
	}
	p.Phase = PhaseRemoving
	if t.minLeaving < 0 || p.Leaving < t.minLeaving {
		t.minLeaving, t.progressAt = p.Leaving, o.at
	}
	reason := fmt.Sprintf("%s still stopping", progressPlural(p.Leaving, "task"))
	if !o.at.Before(t.since.Add(t.cfg.Timeout)) {
		p.Phase, p.Reason = PhaseTimedOut, reason
		return t.finish(p)
	}
	if o.at.Sub(t.progressAt) >= t.cfg.StuckAfter {
		p.Phase, p.Reason = PhaseStuck, reason
		p.Stalled = o.at.Sub(t.progressAt)
		return t.finish(p)
	}
	return t.settle(p, o.at, t.cfg.StuckAfter, time.Time{})
}

// convergeMoving reports whether some task is on its way up without an error
// (pending … starting), or on its way out: the next look will likely differ.
func convergeMoving(v convergeView) bool {
	if len(v.leaving) > 0 {
		return true
	}
	for _, s := range v.slots {
		o := convergeOrder[swarm.TaskState(s.State)]
		if o > 0 && o < convergeOrder[swarm.TaskStateRunning] && s.Err == "" {
			return true
		}
	}
	return false
}

// convergeFreeze picks the nodes a global job is waited on: those with a task
// of the current iteration at the first look.
func convergeFreeze(svc swarm.Service, tasks []swarm.Task) map[string]bool {
	var iter uint64
	if svc.JobStatus != nil {
		iter = svc.JobStatus.JobIteration.Index
	}
	nodes := map[string]bool{}
	for _, t := range tasks {
		if convergeIteration(t.JobIteration) == iter && t.NodeID != "" {
			nodes[t.NodeID] = true
		}
	}
	if len(nodes) == 0 {
		return nil // not yet: look again next round
	}
	return nodes
}

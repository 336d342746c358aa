package deploy

import (
	"fmt"
	"strings"
	"time"

	"github.com/swarmbot/swarmbot/swarm"
)

// Phase is where an operation (or one service within it) stands.
type Phase string

// The phases. Most are the watcher's (swarm.Phase, same words); starting,
// lock lost, done and not run are deploy's own.
const (
	PhaseStarting    Phase = "starting"     // the change is about to be sent to the Engine
	PhaseUpdating    Phase = "updating"     // tasks are converging (scale included)
	PhaseRollingBack Phase = "rolling back" // the Engine is rolling the service back
	PhaseVerifying   Phase = "verifying"    // every task runs; waiting out the monitor window
	PhaseConverged   Phase = "converged"
	PhasePaused      Phase = "paused"    // the Engine paused the update (or the rollback)
	PhaseFailed      Phase = "failed"    // the change could not be made, or the swarm gave up
	PhaseStuck       Phase = "stuck"     // nothing moved for too long
	PhaseTimedOut    Phase = "timed out" // the operation ran past its time
	PhaseLockLost    Phase = "lock lost" // the lock went away: swarmbot stopped following
	PhaseRemoving    Phase = "removing"  // rm: the service's tasks are stopping
	PhaseRemoved     Phase = "removed"
	PhaseDone        Phase = "done"    // a change with nothing to follow (activate, history-limit)
	PhaseNotRun      Phase = "not run" // resumed, and the change turned out never to have been made
)

// Final reports whether nothing more will happen to an operation in phase p.
func (p Phase) Final() bool {
	switch p {
	case PhaseConverged, PhasePaused, PhaseFailed, PhaseStuck, PhaseTimedOut, PhaseLockLost, PhaseRemoved, PhaseDone, PhaseNotRun:
		return true
	}
	return false
}

// OK reports whether p is a good end.
func (p Phase) OK() bool { return p == PhaseConverged || p == PhaseRemoved || p == PhaseDone }

// Card is an operation's status card: who asked for what, and where it stands.
type Card struct {
	OperationID string
	Requester   Person
	Approver    Person // zero when no approval was needed
	// What says the change in a few words: "scale ping 1 → 4",
	// "update ping alpine:latest → alpine:3.7", "drain dev02".
	What string
	// Command is the canonical text of the command that asked for it.
	Command string
	Phase   Phase
	// Progress is the watcher's latest snapshot: per service, N out of M,
	// and a view per slot up to 20 slots (counts only beyond, as the CLI).
	// Its Text is the docker CLI's progress lines. Nil before the change has
	// reached the Engine, and for changes with nothing to follow.
	Progress *swarm.Progress
	Started  time.Time
	Elapsed  time.Duration
	// Note is one more line: why it failed, who took it over, what to do next.
	Note  string
	Final bool
}

// Tasks adds up the followed services' tasks: the card's N out of M.
func (c Card) Tasks() (running, desired int) {
	if c.Progress == nil {
		return 0, 0
	}
	for _, s := range c.Progress.Services {
		running += s.Running
		desired += s.Desired
	}
	return running, desired
}

// Text renders the card as plain text, the form every front end shares:
//
//	update ping alpine:latest → alpine:3.7
//	asked by alice · operation k3m9x2qa · 12s
//	updating · 2 out of 4 tasks
//	  ping.1  running    dev01  alpine:3.7
//	  ping.2  preparing  dev02  alpine:3.7
func (c Card) Text() string {
	var b strings.Builder
	b.WriteString(c.What + "\n")
	b.WriteString("asked by " + c.Requester.String())
	if !c.Approver.IsZero() {
		b.WriteString(", approved by " + c.Approver.String())
	}
	fmt.Fprintf(&b, " · operation %s · %s\n", c.OperationID, FormatElapsed(c.Elapsed))
	b.WriteString(string(c.Phase))
	if c.Progress != nil && len(c.Progress.Services) > 0 {
		running, desired := c.Tasks()
		fmt.Fprintf(&b, " · %d out of %d tasks", running, desired)
	}
	b.WriteByte('\n')
	if c.Progress != nil {
		many := len(c.Progress.Services) > 1
		for _, s := range c.Progress.Services {
			writeService(&b, s, many)
		}
	}
	if c.Note != "" {
		b.WriteString(c.Note + "\n")
	}
	return b.String()
}

// writeService writes one service's part of a card: its own status line when
// the card has several, the Engine's word, and a line per slot.
func writeService(b *strings.Builder, s swarm.ServiceProgress, header bool) {
	if header {
		fmt.Fprintf(b, "%s: %s · %d out of %d tasks\n", s.Name, s.Phase, s.Running, s.Desired)
	}
	if s.Message != "" && (s.Rollback || s.Phase == swarm.PhasePaused || s.Phase == swarm.PhaseFailed) {
		fmt.Fprintf(b, "  %s\n", oneLine(s.Message))
	}
	if s.Reason != "" && s.Reason != s.Message && (s.Phase.Final() || s.Stalled > 0) {
		fmt.Fprintf(b, "  %s\n", oneLine(s.Reason))
	}
	nameW, stateW, nodeW := 0, 9, 1 // 9: the longest state, as the CLI pads it
	for _, sl := range s.Slots {
		nameW = max(nameW, len(slotName(s, sl)))
		stateW = max(stateW, len(sl.State))
		nodeW = max(nodeW, len(sl.NodeName))
	}
	for _, sl := range s.Slots {
		node := sl.NodeName
		if node == "" {
			node = "-"
		}
		detail := sl.Image
		if sl.Err != "" {
			detail = truncate(oneLine(sl.Err), 75)
		}
		if sl.Leaving {
			detail += " (leaving)"
		}
		line := fmt.Sprintf("  %-*s  %-*s  %-*s  %s", nameW, slotName(s, sl), stateW, sl.State, nodeW, node, detail)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	if s.Summarized && s.Leaving > 0 {
		fmt.Fprintf(b, "  %d %s still stopping\n", s.Leaving, plural(s.Leaving, "task", "tasks"))
	}
}

// slotName writes a slot as `docker service ps` names its task (ping.2); a
// global service's task goes by the service's name, its node beside it.
func slotName(s swarm.ServiceProgress, sl swarm.SlotProgress) string {
	if sl.Slot != 0 {
		return fmt.Sprintf("%s.%d", s.Name, sl.Slot)
	}
	return s.Name
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// FormatElapsed writes a duration the way people say it: 42s, 3m05s, 1h02m.
// Every front end says durations this way.
func FormatElapsed(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// clockTime says when t is to someone reading it at now: the time of day
// when it is within 12 hours, with the day and date when it is further off.
func clockTime(now, t time.Time) string {
	t = t.UTC()
	if d := t.Sub(now); d > -12*time.Hour && d < 12*time.Hour {
		return t.Format("15:04 UTC")
	}
	return t.Format("Mon 2 Jan 15:04 UTC")
}

// oneLine folds a multi-line text (an Engine error) into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to n runes, the last one an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

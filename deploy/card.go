package deploy

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Phase is where an operation (or one service within it) stands.
type Phase string

// The phases. The first ones are the watcher's; the last ones are deploy's own.
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
	PhaseDone        Phase = "done"      // a change with nothing to follow (activate, history-limit)
	PhaseStale       Phase = "not run"   // resumed, and the change turned out never to have been made
)

// Final reports whether nothing more will happen to an operation in phase p.
func (p Phase) Final() bool {
	switch p {
	case PhaseConverged, PhasePaused, PhaseFailed, PhaseStuck, PhaseTimedOut, PhaseLockLost, PhaseDone, PhaseStale:
		return true
	}
	return false
}

// OK reports whether p is a good end.
func (p Phase) OK() bool { return p == PhaseConverged || p == PhaseDone }

// maxSlotLines is how many slots a card lists one by one; beyond it, like the
// docker CLI's 20 progress bars, a card shows a summary.
const maxSlotLines = 20

// Card is an operation's status card: who asked for what, and where it stands.
type Card struct {
	OperationID string
	Requester   Person
	Approver    Person // zero when no approval was needed
	// What says the change in a few words: "scale ping 1 → 4",
	// "update ping alpine:latest → alpine:3.7", "drain dev02".
	What string
	// Command is the canonical text of the command that asked for it.
	Command  string
	Phase    Phase
	Services []ServiceProgress
	Started  time.Time
	Elapsed  time.Duration
	// Note is one more line: why it failed, who took it over, what to do next.
	Note  string
	Final bool
}

// Done and Total add up the services' tasks: the card's N/M.
func (c Card) Done() (done, total int) {
	for _, s := range c.Services {
		done += s.Done
		total += s.Total
	}
	return done, total
}

// ServiceProgress is where one service of an operation stands.
type ServiceProgress struct {
	Service string
	Global  bool
	Phase   Phase
	Done    int // up-to-date tasks running
	Total   int // tasks wanted
	// Slots lists the service's slots (replicated) or nodes (global), every
	// one of them, in order; a card shows up to 20 and sums up the rest.
	Slots []SlotView
	// Message is the Engine's word (a rollback's reason, a pause's cause) or
	// the blocking reason of a stuck change.
	Message string
}

// SlotView is one slot of a replicated service, or one node of a global one:
// the task that counts there.
type SlotView struct {
	Slot  int    // slot number; 0 for a global service
	Node  string // node hostname; empty while unassigned
	State string // task state: new, pending, …, running, failed, rejected
	Image string
	Error string
}

// key identifies the slot within its service.
func (s SlotView) key() string {
	if s.Slot != 0 {
		return fmt.Sprint(s.Slot)
	}
	return "@" + s.Node
}

// name is how the slot is written: ping.2 like `docker service ps`, or
// ping@dev02 for a global service's task on dev02.
func (s SlotView) name(service string) string {
	if s.Slot != 0 {
		return fmt.Sprintf("%s.%d", service, s.Slot)
	}
	return service + "@" + s.Node
}

// Text renders the card as plain text, the form every front end shares.
func (c Card) Text() string {
	var b strings.Builder
	b.WriteString(c.What)
	b.WriteByte('\n')
	b.WriteString("asked by " + c.Requester.String())
	if !c.Approver.IsZero() {
		b.WriteString(", approved by " + c.Approver.String())
	}
	fmt.Fprintf(&b, " · operation %s · %s\n", c.OperationID, formatElapsed(c.Elapsed))
	done, total := c.Done()
	switch {
	case len(c.Services) == 0:
		fmt.Fprintf(&b, "%s\n", c.Phase)
	case len(c.Services) > 1:
		fmt.Fprintf(&b, "%s · %d out of %d tasks\n", c.Phase, done, total)
	}
	for _, s := range c.Services {
		s.write(&b)
	}
	if c.Note != "" {
		b.WriteString(c.Note)
		b.WriteByte('\n')
	}
	return b.String()
}

func (s ServiceProgress) write(b *strings.Builder) {
	fmt.Fprintf(b, "%s: %s · %d out of %d tasks\n", s.Service, s.Phase, s.Done, s.Total)
	if s.Message != "" {
		fmt.Fprintf(b, "  %s\n", oneLine(s.Message))
	}
	if len(s.Slots) > maxSlotLines {
		b.WriteString("  " + summarizeSlots(s.Slots) + "\n")
		return
	}
	nameW, stateW, nodeW := 0, 9, 0 // 9: the longest state, like the CLI's padding
	for _, sl := range s.Slots {
		nameW = max(nameW, len(sl.name(s.Service)))
		stateW = max(stateW, len(sl.State))
		nodeW = max(nodeW, len(sl.Node))
	}
	for _, sl := range s.Slots {
		node := sl.Node
		if node == "" {
			node = "-"
		}
		detail := sl.Image
		if sl.Error != "" {
			detail = truncate(oneLine(sl.Error), 75)
		}
		line := fmt.Sprintf("  %-*s  %-*s  %-*s  %s", nameW, sl.name(s.Service), stateW, sl.State, max(nodeW, 1), node, detail)
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
}

// summarizeSlots sums up many slots by state, the most common first, and the
// most common error: "74 running, 20 preparing, 6 pending".
func summarizeSlots(slots []SlotView) string {
	counts := map[string]int{}
	errs := map[string]int{}
	for _, s := range slots {
		counts[s.State]++
		if s.Error != "" {
			errs[oneLine(s.Error)]++
		}
	}
	parts := make([]string, 0, len(counts))
	for _, st := range sortedByCount(counts) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
	}
	out := strings.Join(parts, ", ")
	if len(errs) > 0 {
		top := sortedByCount(errs)[0]
		out += fmt.Sprintf("; %d with error %q", errs[top], truncate(top, 75))
	}
	return out
}

func sortedByCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// formatElapsed writes a duration the way people say it: 42s, 3m05s, 1h02m.
func formatElapsed(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
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

package deploy

import (
	"strings"
	"time"
)

// EventKind says what an event is about.
type EventKind string

// The kinds of event an operation's thread receives.
const (
	EventStarted     EventKind = "started"          // the change was sent to the Engine
	EventSlot        EventKind = "slot"             // a slot's task is running, moved or was removed
	EventMilestone   EventKind = "milestone"        // many slots: a quarter more of them is done
	EventTaskError   EventKind = "task error"       // a task failed or was rejected
	EventRollback    EventKind = "rollback started" // with the Engine's reason
	EventPaused      EventKind = "paused"           // with the Engine's message
	EventConverged   EventKind = "converged"        // with how long it took
	EventStuck       EventKind = "stuck"            // with the blocking reason
	EventTimedOut    EventKind = "timed out"
	EventFailed      EventKind = "failed"      // the change could not be made
	EventLockLost    EventKind = "lock lost"   // swarmbot stops making changes
	EventResumed     EventKind = "resumed"     // another process follows the operation now
	EventHandedOver  EventKind = "handed over" // this process stops; another will resume
	EventApproved    EventKind = "approved"    // the request was approved; the change starts
	EventDenied      EventKind = "denied"      // the request was denied (or withdrawn)
	EventExpired     EventKind = "expired"     // the request expired undecided
	EventStale       EventKind = "stale"       // the request was refused: its target changed
	EventDone        EventKind = "done"        // the operation's last word
	EventUnlocked    EventKind = "unlocked"    // an admin force-unlocked the service
	EventNotExecuted EventKind = "not run"     // resumed, and the change had never been sent
)

// Event is one line in an operation's thread.
type Event struct {
	Kind    EventKind
	Time    time.Time
	Service string // empty for events about the whole operation
	Text    string // plain text, one line
	// Mention is the person to notify: set on the last event, the requester.
	Mention Person
}

// String renders the event as plain text: the time (UTC), the text, and the
// mention, written @name.
func (e Event) String() string {
	var b strings.Builder
	b.WriteString(e.Time.UTC().Format("15:04:05"))
	b.WriteString("  ")
	b.WriteString(e.Text)
	if !e.Mention.IsZero() {
		b.WriteString(" @" + e.Mention.String())
	}
	return b.String()
}

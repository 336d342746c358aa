package deploy

import (
	"fmt"
	"strings"
	"time"
)

// ApprovalStatus is where an approval request stands.
type ApprovalStatus string

// The statuses of an approval request. Only pending changes, and only once.
const (
	StatusPending  ApprovalStatus = "pending"
	StatusApproved ApprovalStatus = "approved"
	StatusDenied   ApprovalStatus = "denied"
	StatusExpired  ApprovalStatus = "expired"
	// StatusStale: the target changed since the request was made (the node is
	// no longer active, the previous spec is another one), so it was refused.
	StatusStale ApprovalStatus = "stale"
)

// Impact is what a change will do, shown before anyone decides.
type Impact struct {
	// Summary is one line: "4 tasks of 2 services run on dev02 and will move".
	Summary string
	// Lines list the details, one item a line: a task that will move, a
	// setting that will change ("image: alpine:3.7 → alpine:latest").
	Lines []string
	// Warnings are what a careful person must know before approving.
	Warnings []string
}

// ApprovalCard is an approval request as people see it.
type ApprovalCard struct {
	ID        string
	Requester Person
	// Command is the canonical text of the change asked for ("drain dev02").
	Command string
	Impact  Impact
	Created time.Time
	Expires time.Time
	Status  ApprovalStatus
	// DecidedBy, DecidedAt and Reason say who decided, when and why; for an
	// expired or stale request, DecidedBy is the person whose click found it so.
	DecidedBy Person
	DecidedAt time.Time
	Reason    string
}

// ApproveCommand is the line that approves the request from any front end.
func (a ApprovalCard) ApproveCommand() string { return "/swarm approve " + a.ID }

// DenyCommand is the line that denies it.
func (a ApprovalCard) DenyCommand() string { return "/swarm deny " + a.ID + ` --reason "…"` }

// StatusText says the status in words: "pending until 12:15:00 UTC",
// "approved by bob at 12:03:10 UTC".
func (a ApprovalCard) StatusText() string {
	at := a.DecidedAt.UTC().Format("15:04:05 UTC")
	switch a.Status {
	case StatusPending:
		return "pending until " + a.Expires.UTC().Format("15:04:05 UTC")
	case StatusApproved:
		return fmt.Sprintf("approved by %s at %s", a.DecidedBy, at)
	case StatusDenied:
		s := fmt.Sprintf("denied by %s at %s", a.DecidedBy, at)
		if a.Reason != "" {
			s += ": " + a.Reason
		}
		return s
	case StatusExpired:
		return "expired at " + a.Expires.UTC().Format("15:04:05 UTC")
	case StatusStale:
		return fmt.Sprintf("refused at %s as stale: %s", at, a.Reason)
	}
	return string(a.Status)
}

// Text renders the request as plain text, the form every front end shares.
func (a ApprovalCard) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "approval request %s: %s\n", a.ID, a.Command)
	fmt.Fprintf(&b, "asked by %s at %s\n", a.Requester, a.Created.UTC().Format("15:04:05 UTC"))
	if a.Impact.Summary != "" {
		b.WriteString(a.Impact.Summary + "\n")
	}
	for _, l := range a.Impact.Lines {
		b.WriteString("  " + l + "\n")
	}
	for _, w := range a.Impact.Warnings {
		b.WriteString("warning: " + w + "\n")
	}
	b.WriteString("status: " + a.StatusText() + "\n")
	if a.Status == StatusPending {
		fmt.Fprintf(&b, "to approve: %s\n", a.ApproveCommand())
		fmt.Fprintf(&b, "to deny:    %s\n", a.DenyCommand())
	}
	return b.String()
}

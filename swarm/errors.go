package swarm

import (
	"fmt"
	"strings"
	"time"
)

// NotFoundError says that no service or node answers to a reference.
type NotFoundError struct {
	Kind string // "service" or "node"
	Ref  string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no such %s: %s", e.Kind, e.Ref)
}

// AmbiguousError says that a reference (an ID prefix, or a hostname two nodes
// share) matches more than one service or node.
type AmbiguousError struct {
	Kind       string   // "service" or "node"
	Ref        string   // what was asked for
	Candidates []string // "name (id)" of each match, sorted
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q matches %d %ss: %s; use the full name or more of the ID",
		e.Ref, len(e.Candidates), e.Kind, strings.Join(e.Candidates, ", "))
}

// FenceError refuses a change because the service already carries a larger
// fence than the caller's: someone who took the lock later has written since,
// so the caller's lock is stale. Nothing was changed.
type FenceError struct {
	Target string // the service, node or swarm the change was for
	Fence  int64  // the caller's fence
	Seen   int64  // the fence the target carries
}

func (e *FenceError) Error() string {
	if e.Seen == e.Fence {
		return fmt.Sprintf("%s already carries fence %d, this change's own, written by another holder of the lock: the lock store lost count; nothing was changed",
			e.Target, e.Seen)
	}
	return fmt.Sprintf("%s carries fence %d, newer than this change's %d: the lock was taken over by someone else; nothing was changed",
		e.Target, e.Seen, e.Fence)
}

// InProgressError refuses to start a change while the service's own update or
// rollback is still running, so that two rollouts never fight. Nothing was changed.
type InProgressError struct {
	Service string
	State   string // updating or rollback_started
	Message string // the Engine's message, e.g. "manually requested rollback"
	Since   time.Time
}

func (e *InProgressError) Error() string {
	what := "an update"
	if e.State == "rollback_started" {
		what = "a rollback"
	}
	msg := fmt.Sprintf("%s has %s in progress", e.Service, what)
	if e.Message != "" && e.Message != "update in progress" {
		msg += " (" + e.Message + ")"
	}
	msg += "; nothing was changed: wait until it has finished"
	if e.State != "rollback_started" {
		msg += ", or roll it back"
	}
	return msg
}

// NoPreviousSpecError says that a service cannot be rolled back because it has
// never been changed since it was created.
type NoPreviousSpecError struct {
	Service string
}

func (e *NoPreviousSpecError) Error() string {
	return fmt.Sprintf("%s has no previous spec to roll back to: it has not been changed since it was created", e.Service)
}

// ModeError says that an operation does not apply to the service's mode, e.g.
// scaling a global service. For scale its text is the docker CLI's.
type ModeError struct {
	Service string // as the caller named it
	Mode    string // replicated, global, replicated job, global job
	Op      string // scale, create
}

func (e *ModeError) Error() string {
	if e.Op == "scale" {
		return e.Service + ": scale can only be used with replicated or replicated-job mode"
	}
	return fmt.Sprintf("%s: %s can not be used with %s mode", e.Service, e.Op, e.Mode)
}

// StaleError refuses a change that was approved on a preview of the service
// that no longer holds: its spec or previous spec has changed since.
type StaleError struct {
	Service string
	Want    string // the preview's token
	Got     string // the token now
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%s has changed since the preview this change was approved on; nothing was changed: look at it again and ask anew", e.Service)
}

// ConflictError says that a change kept losing the race with other writers of
// the same object ("update out of sequence") and was given up. Nothing was changed.
type ConflictError struct {
	Target   string
	Attempts int
	Err      error // the last Engine error
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s kept changing while this change was written (%d attempts, each update out of sequence); nothing was changed: try again",
		e.Target, e.Attempts)
}

func (e *ConflictError) Unwrap() error { return e.Err }

package deploy

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/swarmbot/swarmbot/swarm"
)

// Stores hold what deploy shares between processes: approval requests,
// operations in flight with their leases, and the audit trail. NewRedisStores
// keeps them in Redis, where every replica sees them; NewMemoryStores keeps them
// in this process, for a single instance (the console without Redis).
type Stores struct {
	Approvals  Approvals
	Operations Operations
	Audit      AuditLog
	Deliveries Deliveries
	// Shared says other processes see these stores (Redis), so one of them
	// can resume an operation this process leaves.
	Shared bool
}

// Errors the stores return.
var (
	ErrNotFound = errors.New("not found")
	// ErrDecided: the request was no longer pending; the returned Approval
	// says who decided it.
	ErrDecided = errors.New("already decided")
	// ErrExpired: the request expired before the decision; it is now expired.
	ErrExpired = errors.New("expired")
	// ErrExists: the ID is taken.
	ErrExists = errors.New("already exists")
)

// Approval is an approval request as stored.
type Approval struct {
	ID        string    `json:"id"`
	Requester Person    `json:"requester"`
	Command   string    `json:"command"` // canonical text, parsed again when approved
	Verb      string    `json:"verb"`
	Target    string    `json:"target"`  // the service or node it is about
	Channel   string    `json:"channel"` // where it was asked
	Thread    string    `json:"thread,omitempty"`
	Place     Place     `json:"place"` // the approval card
	Impact    Impact    `json:"impact"`
	Check     string    `json:"check"` // the target's state when asked; checked again at approval
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`

	Status    ApprovalStatus `json:"status"`
	DecidedBy Person         `json:"decided_by"`
	DecidedAt time.Time      `json:"decided_at"`
	Reason    string         `json:"reason,omitempty"`
	// OperationID is the operation an approved request started.
	OperationID string `json:"operation_id,omitempty"`
}

// Card is the request as people see it.
func (a Approval) Card() ApprovalCard {
	return ApprovalCard{
		ID: a.ID, Requester: a.Requester, Command: redact(a.Command), Impact: a.Impact,
		Created: a.Created, Expires: a.Expires, Status: a.Status,
		DecidedBy: a.DecidedBy, DecidedAt: a.DecidedAt, Reason: a.Reason,
	}
}

// Decision is what a person decided about a request.
type Decision struct {
	Status ApprovalStatus // approved, denied or stale
	By     Person
	At     time.Time // the moment of the click: expiry is checked against it
	Reason string
}

// Approvals stores approval requests.
type Approvals interface {
	// Create stores a new pending request, kept until a while after it expires.
	Create(ctx context.Context, a Approval) error
	// Get returns a request, or ErrNotFound.
	Get(ctx context.Context, id string) (Approval, error)
	// SetPlace records where the request's card was published.
	SetPlace(ctx context.Context, id string, at Place) error
	// SetOperation records the operation an approved request started.
	SetOperation(ctx context.Context, id, operationID string) error
	// Decide moves a pending request to d.Status atomically: of many
	// concurrent calls (a double click, two approvers, two replicas) exactly
	// one succeeds. When the request was no longer pending, it returns the
	// request as it is and ErrDecided. When d.At is past the request's expiry,
	// the request becomes expired and Decide returns ErrExpired.
	Decide(ctx context.Context, id string, d Decision) (Approval, error)
}

// OperationState is how far an operation got.
type OperationState string

// The states of an operation.
const (
	// OpStarting: the change may not have reached the Engine yet.
	OpStarting OperationState = "starting"
	// OpFollowing: the Engine accepted the change; convergence is followed.
	OpFollowing OperationState = "following"
	// OpFinished: the final report was made.
	OpFinished OperationState = "finished"
)

// Operation is a change as stored, so that another process can finish
// following it.
type Operation struct {
	ID         string         `json:"id"`
	Requester  Person         `json:"requester"`
	Approver   Person         `json:"approver"`
	ApprovalID string         `json:"approval_id,omitempty"`
	Command    string         `json:"command"` // canonical text
	Verb       string         `json:"verb"`
	What       string         `json:"what"`
	Target     string         `json:"target"` // the service or node, for the audit trail
	Channel    string         `json:"channel"`
	Place      Place          `json:"place"`
	State      OperationState `json:"state"`
	// Follow is what the watcher follows once the change is made.
	Follow []swarm.Operation `json:"follow"`
	// Locks are the locks the operation holds, with the fence each gave,
	// written into the services' labels with the change.
	Locks    []LockRef `json:"locks"`
	Started  time.Time `json:"started"`
	Applied  time.Time `json:"applied"` // when the Engine accepted the change
	Finished time.Time `json:"finished"`
	Last     Card      `json:"last"`
}

// LockRef names a lock an operation holds (a lock.Resource) and the fence it got.
type LockRef struct {
	Kind  string `json:"kind"` // service, node, swarm
	Name  string `json:"name"`
	Fence int64  `json:"fence"`
}

// Operations stores operations and the leases that decide who follows them.
type Operations interface {
	// Put creates or replaces an operation. A finished operation leaves the
	// in-flight list and is kept for a while.
	Put(ctx context.Context, op Operation) error
	// Get returns an operation, or ErrNotFound.
	Get(ctx context.Context, id string) (Operation, error)
	// InFlight lists the operations not finished, oldest first.
	InFlight(ctx context.Context) ([]Operation, error)
	// Claim takes, or renews, the lease on following operation id for ttl; it
	// reports false when another owner holds it.
	Claim(ctx context.Context, id, owner string, ttl time.Duration) (bool, error)
	// Release gives up owner's lease, so another process may claim it at once.
	Release(ctx context.Context, id, owner string) error
}

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	Time  time.Time `json:"time"`
	Actor Person    `json:"actor"`
	// Action: requested, approved, denied, expired, stale, refused, started,
	// finished, locked, unlocked, force-unlocked.
	Action      string `json:"action"`
	Command     string `json:"command"` // redacted canonical text
	Target      string `json:"target"`  // service or node
	Outcome     string `json:"outcome,omitempty"`
	OperationID string `json:"operation_id,omitempty"`
	ApprovalID  string `json:"approval_id,omitempty"`
	Channel     string `json:"channel,omitempty"`
}

// AuditLog is the bounded audit trail.
type AuditLog interface {
	// Append adds an entry; the oldest ones go beyond a bound.
	Append(ctx context.Context, e AuditEntry) error
	// Recent returns up to n entries, newest first; when target is not empty,
	// only the entries about it.
	Recent(ctx context.Context, target string, n int) ([]AuditEntry, error)
}

// How long stores keep what is done: a decided request (so that a late click
// learns who decided), a finished operation, and how many audit entries.
const (
	approvalRetention  = 24 * time.Hour
	operationRetention = 7 * 24 * time.Hour
	auditMaxLen        = 10000
)

// idAlphabet leaves out characters people confuse (0/o, 1/l/i) so that an ID
// read on a phone can be typed.
const idAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// newID returns a random 8-character ID (40 bits).
func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// NewMemoryStores returns stores that live in this process: for a single
// instance without Redis. They forget everything when the process ends.
func NewMemoryStores() Stores {
	m := &memoryStore{
		approvals: map[string]Approval{},
		ops:       map[string]Operation{},
		leases:    map[string]memoryLease{},
		now:       time.Now,
	}
	return Stores{Approvals: memoryApprovals{m}, Operations: memoryOperations{m}, Audit: memoryAudit{m},
		Deliveries: &memoryDeliveries{until: map[string]time.Time{}, now: time.Now}}
}

type memoryStore struct {
	mu        sync.Mutex
	approvals map[string]Approval
	ops       map[string]Operation
	leases    map[string]memoryLease
	audit     []AuditEntry // oldest first
	now       func() time.Time
}

type memoryLease struct {
	owner string
	until time.Time
}

// expire forgets what is past its retention, as Redis' key expiry would.
func (m *memoryStore) expire() {
	now := m.now()
	for id, a := range m.approvals {
		if now.After(a.Expires.Add(approvalRetention)) {
			delete(m.approvals, id)
		}
	}
	for id, op := range m.ops {
		if op.State == OpFinished && now.After(op.Finished.Add(operationRetention)) {
			delete(m.ops, id)
		}
	}
}

type memoryApprovals struct{ m *memoryStore }

func (s memoryApprovals) Create(_ context.Context, a Approval) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.expire()
	if _, ok := s.m.approvals[a.ID]; ok {
		return fmt.Errorf("storing approval request %s: %w", a.ID, ErrExists)
	}
	a.Status = StatusPending
	s.m.approvals[a.ID] = a
	return nil
}

func (s memoryApprovals) Get(_ context.Context, id string) (Approval, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.expire()
	a, ok := s.m.approvals[id]
	if !ok {
		return Approval{}, fmt.Errorf("reading approval request %s: %w", id, ErrNotFound)
	}
	return a, nil
}

func (s memoryApprovals) SetPlace(_ context.Context, id string, at Place) error {
	return s.update(id, func(a *Approval) { a.Place = at })
}

func (s memoryApprovals) SetOperation(_ context.Context, id, opID string) error {
	return s.update(id, func(a *Approval) { a.OperationID = opID })
}

func (s memoryApprovals) update(id string, f func(*Approval)) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	a, ok := s.m.approvals[id]
	if !ok {
		return fmt.Errorf("updating approval request %s: %w", id, ErrNotFound)
	}
	f(&a)
	s.m.approvals[id] = a
	return nil
}

func (s memoryApprovals) Decide(_ context.Context, id string, d Decision) (Approval, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.expire()
	a, ok := s.m.approvals[id]
	if !ok {
		return Approval{}, fmt.Errorf("deciding approval request %s: %w", id, ErrNotFound)
	}
	if a.Status != StatusPending {
		return a, fmt.Errorf("deciding approval request %s: %w", id, ErrDecided)
	}
	status, err := decidedStatus(a.Expires, d)
	a.Status, a.DecidedBy, a.DecidedAt, a.Reason = status, d.By, d.At, d.Reason
	s.m.approvals[id] = a
	if err != nil {
		return a, fmt.Errorf("deciding approval request %s: %w", id, err)
	}
	return a, nil
}

// decidedStatus is the status a pending request takes: the one decided, or
// expired when the decision came too late (a stale refusal stands either way).
func decidedStatus(expires time.Time, d Decision) (ApprovalStatus, error) {
	if d.Status != StatusStale && !d.At.Before(expires) {
		return StatusExpired, ErrExpired
	}
	return d.Status, nil
}

type memoryOperations struct{ m *memoryStore }

func (s memoryOperations) Put(_ context.Context, op Operation) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.expire()
	s.m.ops[op.ID] = op
	return nil
}

func (s memoryOperations) Get(_ context.Context, id string) (Operation, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	op, ok := s.m.ops[id]
	if !ok {
		return Operation{}, fmt.Errorf("reading operation %s: %w", id, ErrNotFound)
	}
	return op, nil
}

func (s memoryOperations) InFlight(context.Context) ([]Operation, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	var out []Operation
	for _, op := range s.m.ops {
		if op.State != OpFinished {
			out = append(out, op)
		}
	}
	sortOperations(out)
	return out, nil
}

func sortOperations(ops []Operation) {
	slices.SortFunc(ops, func(a, b Operation) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func (s memoryOperations) Claim(_ context.Context, id, owner string, ttl time.Duration) (bool, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	now := s.m.now()
	l, ok := s.m.leases[id]
	if ok && l.owner != owner && now.Before(l.until) {
		return false, nil
	}
	s.m.leases[id] = memoryLease{owner: owner, until: now.Add(ttl)}
	return true, nil
}

func (s memoryOperations) Release(_ context.Context, id, owner string) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if l, ok := s.m.leases[id]; ok && l.owner == owner {
		delete(s.m.leases, id)
	}
	return nil
}

type memoryAudit struct{ m *memoryStore }

func (s memoryAudit) Append(_ context.Context, e AuditEntry) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.audit = append(s.m.audit, e)
	if over := len(s.m.audit) - auditMaxLen; over > 0 {
		s.m.audit = slices.Delete(s.m.audit, 0, over)
	}
	return nil
}

func (s memoryAudit) Recent(_ context.Context, target string, n int) ([]AuditEntry, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	var out []AuditEntry
	for i := len(s.m.audit) - 1; i >= 0 && len(out) < n; i-- {
		if target == "" || s.m.audit[i].Target == target {
			out = append(out, s.m.audit[i])
		}
	}
	return out, nil
}

package swarm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/swarm"
)

// FenceLabel is the service (node, swarm) label that carries the fence of the
// last lock holder who changed it. Changing a label does not restart tasks.
const FenceLabel = "swarmbot.fence"

// MutateOptions are the guards a change goes through before it is written.
type MutateOptions struct {
	// Fence, when above zero, is the caller's lock fence. A change is refused
	// with a *FenceError when its target already carries a larger one (in its
	// own spec, or for a service also in its previous spec), and the target is
	// stamped with Fence in the same write as the change.
	Fence int64
	// Fresh says that the caller has not written with Fence yet: a target
	// that already carries the same fence was written by another holder that
	// was issued the same number (a lock store that lost count: a Redis
	// failover, an in-process store restarted), so it is refused with a
	// *FenceError too. Later writes under the same fence are not Fresh.
	Fresh bool
	// Force starts a service change even while the service's own update or
	// rollback is in progress, which is otherwise refused with an *InProgressError.
	Force bool
	// Expect, when set, is the Token of a RollbackPreview or RemoveImpact the
	// change was approved on: it is refused with a *StaleError when the
	// service's spec or previous spec has changed since.
	Expect string

	// rollingBack is set by Rollback: a rollback may start while the
	// service's update is in progress (that is how a bad rollout is stopped,
	// as with the CLI), but not while another rollback is.
	rollingBack bool
}

// Result is what a service change did: what a caller reports, and what it
// needs to follow the service as it converges.
type Result struct {
	ServiceID   string
	ServiceName string
	// Warnings are the Engine's, kept as it gave them.
	Warnings []string
	// ImageBefore and ImageAfter are the image of the spec before and after
	// an update or a rollback (equal when the image did not change).
	ImageBefore string
	ImageAfter  string
	// ReplicasBefore and ReplicasAfter are the replica count before and after
	// a scale (a replicated job's completions).
	ReplicasBefore uint64
	ReplicasAfter  uint64
	// Attempts is how many writes the change took: more than one when another
	// writer changed the service in between (each time re-read and re-applied).
	Attempts int
}

// writeAttempts bounds the writes of one change that lose to other writers.
const writeAttempts = 6

// retryWrite runs write (read, check, change, write) again while the Engine
// answers "update out of sequence", i.e. the object changed between its read
// and its write, after a short randomised pause. It gives the number of writes.
func retryWrite(ctx context.Context, target string, write func() error) (int, error) {
	pause := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := write()
		if err == nil || !isOutOfSequence(err) {
			return attempt, err
		}
		if attempt == writeAttempts {
			return attempt, &ConflictError{Target: target, Attempts: attempt, Err: err}
		}
		t := time.NewTimer(pause + rand.N(pause))
		select {
		case <-ctx.Done():
			t.Stop()
			return attempt, ctx.Err()
		case <-t.C:
		}
		pause *= 2
	}
}

// isOutOfSequence tells the Engine's answer to a write built on a stale read.
// It has no type: swarmkit's store error reaches the client as text.
func isOutOfSequence(err error) bool {
	return err != nil && strings.Contains(err.Error(), "update out of sequence")
}

// updateService changes one service the way every change must: inspect it
// without defaults, check the guards, apply change to the fresh spec, stamp the
// fence, and write it with the inspected version; when another writer got in
// between, all of it again, so their change is kept and ours re-applied.
// change reads the service as inspected and edits its Spec.
func (c *Client) updateService(ctx context.Context, ref string, opts MutateOptions, uopts swarm.ServiceUpdateOptions, change func(s *swarm.Service) error) (Result, error) {
	target, err := c.resolveService(ctx, ref)
	if err != nil {
		return Result{}, err
	}
	res := Result{ServiceID: target.ID, ServiceName: target.Spec.Name}
	res.Attempts, err = retryWrite(ctx, target.Spec.Name, func() error {
		s, _, err := c.api.ServiceInspectWithRaw(ctx, target.ID, swarm.ServiceInspectOptions{})
		if err != nil {
			return err
		}
		if err := checkService(s, opts); err != nil {
			return err
		}
		if err := change(&s); err != nil {
			return err
		}
		if opts.Fence > 0 && uopts.Rollback == "" {
			s.Spec.Labels = withLabel(s.Spec.Labels, FenceLabel, strconv.FormatInt(opts.Fence, 10))
		}
		resp, err := c.api.ServiceUpdate(ctx, s.ID, s.Version, s.Spec, uopts)
		if err != nil {
			return err
		}
		res.Warnings = resp.Warnings
		return nil
	})
	return res, err
}

// checkService applies the guards of opts to a freshly inspected service.
func checkService(s swarm.Service, opts MutateOptions) error {
	if opts.Fence > 0 {
		seen := labelFence(s.Spec.Labels)
		if s.PreviousSpec != nil {
			// A rollback swaps the labels back: the newer fence is then in the previous spec.
			seen = max(seen, labelFence(s.PreviousSpec.Labels))
		}
		if err := fenceCheck(s.Spec.Name, seen, opts); err != nil {
			return err
		}
	}
	if opts.Expect != "" {
		if got := specToken(s); got != opts.Expect {
			return &StaleError{Service: s.Spec.Name, Want: opts.Expect, Got: got}
		}
	}
	if u := s.UpdateStatus; u != nil && !opts.Force {
		if (u.State == swarm.UpdateStateUpdating && !opts.rollingBack) || u.State == swarm.UpdateStateRollbackStarted {
			e := &InProgressError{Service: s.Spec.Name, State: string(u.State), Message: u.Message}
			if u.StartedAt != nil {
				e.Since = *u.StartedAt
			}
			return e
		}
	}
	return nil
}

// labelFence reads the fence label; a missing or unreadable one counts as 0.
func labelFence(labels map[string]string) int64 {
	n, err := strconv.ParseInt(labels[FenceLabel], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// checkFence refuses a node or swarm change when the target carries a larger fence.
// checkFence applies the fence rules of opts to a node's or the swarm's
// labels (a service's are checkService's, which also reads its previous spec).
func checkFence(target string, labels map[string]string, opts MutateOptions) error {
	if opts.Fence > 0 {
		return fenceCheck(target, labelFence(labels), opts)
	}
	return nil
}

// fenceCheck is the fence rule: a change is refused when its target carries
// a newer fence than opts', or the same one on a Fresh write.
func fenceCheck(target string, seen int64, opts MutateOptions) error {
	if seen > opts.Fence || (opts.Fresh && seen == opts.Fence) {
		return &FenceError{Target: target, Fence: opts.Fence, Seen: seen}
	}
	return nil
}

func withLabel(labels map[string]string, k, v string) map[string]string {
	if labels == nil {
		labels = map[string]string{}
	}
	labels[k] = v
	return labels
}

// specToken is a short digest of a service's spec and previous spec: it
// changes when either does, and not when only the service's status does.
func specToken(s swarm.Service) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	_ = enc.Encode(s.ID)
	_ = enc.Encode(s.Spec)
	_ = enc.Encode(s.PreviousSpec)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

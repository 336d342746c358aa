package swarm

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/swarm"
)

// Rollback puts a service's previous spec back, as `docker service rollback`
// does (ServiceUpdate with Rollback "previous"): the Engine swaps the spec and
// the previous spec, the whole of them, labels and replicas included (a scale
// since the last update is undone too), marks the service rollback_started
// ("manually requested rollback") and rolls the tasks back under the rollback
// policy. Rolling back twice returns to where it started. A service that has
// never been changed gets a *NoPreviousSpecError. Like the CLI's, a rollback
// may start while the service's update is still in progress: that is how a
// bad rollout is stopped; while a rollback is in progress it is refused.
//
// The swap brings back the previous spec's fence label, an older one. The fence
// cannot be stamped in the same write (the Engine ignores the spec sent with a
// rollback), nor at once after it: any other write turns the rollback into a
// plain update under the update policy, and makes the rolled-back spec its own
// previous one. Until it is stamped again (StampFence, once the rollback has
// finished), the fence check also reads the previous spec's label, and the
// in-progress guard refuses other changes while the rollback runs.
func (c *Client) Rollback(ctx context.Context, service string, opts MutateOptions) (Result, error) {
	var before, after swarm.ServiceSpec
	opts.rollingBack = true
	res, err := c.updateService(ctx, service, opts, swarm.ServiceUpdateOptions{Rollback: "previous"}, func(s *swarm.Service) error {
		if s.PreviousSpec == nil {
			return &NoPreviousSpecError{Service: s.Spec.Name}
		}
		before, after = s.Spec, *s.PreviousSpec
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("rolling back %s: %w", service, err)
	}
	res.ImageBefore, res.ImageAfter = specImage(before), specImage(after)
	res.ReplicasBefore, res.ReplicasAfter = specReplicas(before), specReplicas(after)
	return res, nil
}

// specReplicas is a replicated service's replicas (a replicated job's
// completions); 0 for global services.
func specReplicas(s swarm.ServiceSpec) uint64 {
	switch m := s.Mode; {
	case m.Replicated != nil && m.Replicated.Replicas != nil:
		return *m.Replicated.Replicas
	case m.ReplicatedJob != nil && m.ReplicatedJob.TotalCompletions != nil:
		return *m.ReplicatedJob.TotalCompletions
	}
	return 0
}

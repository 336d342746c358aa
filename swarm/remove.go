package swarm

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/swarm"
)

// Remove removes a service, as `docker service rm` does; its tasks stop. The
// guards of opts are checked on the service as it is just before; the Engine
// has no version check on removal, so that is as close as it gets.
func (c *Client) Remove(ctx context.Context, service string, opts MutateOptions) (Result, error) {
	target, err := c.resolveService(ctx, service)
	if err != nil {
		return Result{}, fmt.Errorf("removing %s: %w", service, err)
	}
	s, _, err := c.api.ServiceInspectWithRaw(ctx, target.ID, swarm.ServiceInspectOptions{})
	if err != nil {
		return Result{}, fmt.Errorf("removing %s: %w", service, err)
	}
	if err := checkService(s, opts); err != nil {
		return Result{}, fmt.Errorf("removing %s: %w", service, err)
	}
	if err := c.api.ServiceRemove(ctx, s.ID); err != nil {
		return Result{}, fmt.Errorf("removing %s: %w", service, err)
	}
	return Result{
		ServiceID:      s.ID,
		ServiceName:    s.Spec.Name,
		ImageBefore:    specImage(s.Spec),
		ReplicasBefore: specReplicas(s.Spec),
		Attempts:       1,
	}, nil
}

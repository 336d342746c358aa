package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/docker/docker/api/types/swarm"
)

// Label sets and removes service labels, as `docker service update
// --label-add k=v --label-rm k` does. Service labels are not part of the task
// spec, so no task restarts.
func (c *Client) Label(ctx context.Context, service string, add map[string]string, remove []string, opts MutateOptions) (Result, error) {
	if len(add) == 0 && len(remove) == 0 {
		return Result{}, fmt.Errorf("labelling %s: nothing to change: give labels to add or remove", service)
	}
	res, err := c.updateService(ctx, service, opts, swarm.ServiceUpdateOptions{}, func(s *swarm.Service) error {
		if s.Spec.Labels == nil {
			s.Spec.Labels = map[string]string{}
		}
		for _, k := range remove {
			delete(s.Spec.Labels, k)
		}
		maps.Copy(s.Spec.Labels, add)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("labelling %s: %w", service, err)
	}
	return res, nil
}

// StampFence writes opts.Fence into the service's fence label and changes
// nothing else. Its use is after a rollback has finished, which swapped an
// older fence back (see Rollback). Like every write but a rollback, it makes
// the current spec the previous one, so a rollback after it has nothing to
// go back to but the same spec.
func (c *Client) StampFence(ctx context.Context, service string, opts MutateOptions) (Result, error) {
	if opts.Fence <= 0 {
		return Result{}, fmt.Errorf("stamping the fence of %s: %w", service, errors.New("no fence given"))
	}
	res, err := c.updateService(ctx, service, opts, swarm.ServiceUpdateOptions{}, func(*swarm.Service) error { return nil })
	if err != nil {
		return res, fmt.Errorf("stamping the fence of %s: %w", service, err)
	}
	return res, nil
}

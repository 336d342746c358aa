package swarm

import (
	"context"
	"errors"
	"fmt"

	"github.com/docker/docker/api/types/swarm"
)

// Scale sets the replicas of a replicated service (the total completions of a
// replicated job) to replicas, as `docker service scale SERVICE=N` does: the
// number is the target, not an increment. A global service is refused with
// the CLI's *ModeError.
func (c *Client) Scale(ctx context.Context, service string, replicas uint64, opts MutateOptions) (Result, error) {
	var before uint64
	res, err := c.updateService(ctx, service, opts, swarm.ServiceUpdateOptions{}, func(s *swarm.Service) error {
		m := &s.Spec.Mode
		switch {
		case m.Replicated != nil:
			if m.Replicated.Replicas != nil {
				before = *m.Replicated.Replicas
			}
			m.Replicated.Replicas = &replicas
		case m.ReplicatedJob != nil:
			if m.ReplicatedJob.TotalCompletions != nil {
				before = *m.ReplicatedJob.TotalCompletions
			}
			m.ReplicatedJob.TotalCompletions = &replicas
		default:
			return &ModeError{Service: service, Mode: modeName(s.Spec.Mode), Op: "scale"}
		}
		return nil
	})
	var me *ModeError
	if errors.As(err, &me) {
		return res, err // the CLI's own words, which name the service
	}
	if err != nil {
		return res, fmt.Errorf("scaling %s: %w", service, err)
	}
	res.ReplicasBefore, res.ReplicasAfter = before, replicas
	return res, nil
}

// ScaleRequest is one SERVICE=N of a scale.
type ScaleRequest struct {
	Service  string
	Replicas uint64
	Options  MutateOptions // each service has its own lock, so its own fence
}

// ScaleOutcome is what became of one ScaleRequest.
type ScaleOutcome struct {
	Request ScaleRequest
	Result  Result
	Err     error
}

// ScaleAll scales several services one after another, as
// `docker service scale a=1 b=2` does: one failing does not stop the others.
// The error joins the failures; each outcome has its own.
func (c *Client) ScaleAll(ctx context.Context, reqs []ScaleRequest) ([]ScaleOutcome, error) {
	out := make([]ScaleOutcome, 0, len(reqs))
	var errs []error
	for _, r := range reqs {
		res, err := c.Scale(ctx, r.Service, r.Replicas, r.Options)
		out = append(out, ScaleOutcome{Request: r, Result: res, Err: err})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

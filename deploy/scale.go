package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// planScale plans `scale ping=4 [web=2 …]`: one lock per service, taken all
// or none, and each service followed until it converges.
func planScale(ctx context.Context, d *Deployer, cmd commands.Command) (*plan, error) {
	c := cmd.(commands.Scale)
	refs := make([]swarm.ServiceRef, len(c.Targets))
	p := &plan{}
	var parts []string
	for i, t := range c.Targets {
		ref, err := d.swarm.ResolveService(ctx, t.Service)
		if err != nil {
			return nil, fmt.Errorf("scaling %s: %w", t.Service, err)
		}
		refs[i] = ref
		p.locks = append(p.locks, lock.Service(ref.Name))
		p.follow = append(p.follow, swarm.Operation{Kind: swarm.OpScale, Service: ref.ID})
		parts = append(parts, fmt.Sprintf("%s → %d", ref.Name, t.Replicas))
	}
	p.what = "scale " + strings.Join(parts, ", ")
	p.target = refs[0].Name
	p.impact = Impact{Summary: p.what}
	p.apply = func(ctx context.Context, g guard) (applied, error) {
		var (
			done   []string
			follow []swarm.Operation
			warns  []string // the Engine's, and the scales that failed
			errs   []error
		)
		// One after another, as `docker service scale a=1 b=2`: one failing
		// does not stop the others.
		for i, t := range c.Targets {
			res, err := d.swarm.Scale(ctx, refs[i].Name, t.Replicas, g.opts(lock.Service(refs[i].Name)))
			if err != nil {
				errs = append(errs, err)
				warns = append(warns, redact(err.Error()))
				continue
			}
			for _, w := range res.Warnings {
				warns = append(warns, refs[i].Name+": "+w)
			}
			done = append(done, fmt.Sprintf("%s %d → %d", refs[i].Name, res.ReplicasBefore, res.ReplicasAfter))
			follow = append(follow, p.follow[i])
		}
		if len(done) == 0 {
			return applied{}, errors.Join(errs...)
		}
		return applied{what: "scale " + strings.Join(done, ", "), follow: follow, warnings: warns}, nil
	}
	return p, nil
}

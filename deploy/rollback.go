package deploy

import (
	"context"
	"fmt"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// planRollback plans `rollback ping`: back to the previous spec. Its check
// is the preview's token, so an approval given after the spec (or the
// previous spec) changed is refused, and swarm refuses the write too.
func planRollback(ctx context.Context, d *Deployer, cmd commands.Command) (*plan, error) {
	c := cmd.(commands.Rollback)
	pv, err := d.swarm.RollbackPreview(ctx, c.Service)
	if err != nil {
		return nil, fmt.Errorf("rolling back %s: %w", c.Service, err)
	}
	if !pv.HasPrevious {
		return nil, fmt.Errorf("rolling back %s: %w", c.Service, &swarm.NoPreviousSpecError{Service: pv.ServiceName})
	}
	what := fmt.Sprintf("rollback %s %s → %s", pv.ServiceName, displayImage(pv.Current.Image), displayImage(pv.Previous.Image))
	res := lock.Service(pv.ServiceName)
	p := &plan{
		what: what, target: pv.ServiceName, locks: []lock.Resource{res}, impact: rollbackImpact(pv),
		check: pv.Token, expect: pv.Token,
		stale:  pv.ServiceName + "'s spec (or the one before it) has changed",
		follow: []swarm.Operation{{Kind: swarm.OpRollback, Service: pv.ServiceID}},
	}
	p.apply = func(ctx context.Context, g guard) (applied, error) {
		r, err := d.swarm.Rollback(ctx, pv.ServiceName, g.opts(res))
		if err != nil {
			return applied{}, err
		}
		return applied{what: fmt.Sprintf("rollback %s %s → %s", pv.ServiceName, displayImage(r.ImageBefore), displayImage(r.ImageAfter)), warnings: r.Warnings}, nil
	}
	return p, nil
}

package deploy

import (
	"context"
	"fmt"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// planRm plans `rm ping`: the service's lock, followed until its tasks are gone.
func planRm(ctx context.Context, d *Deployer, cmd commands.Command) (*plan, error) {
	c := cmd.(commands.Rm)
	im, err := d.swarm.RemoveImpact(ctx, c.Service)
	if err != nil {
		return nil, fmt.Errorf("removing %s: %w", c.Service, err)
	}
	res := lock.Service(im.ServiceName)
	p := &plan{
		what: "rm " + im.ServiceName, target: im.ServiceName, locks: []lock.Resource{res}, impact: removeImpact(im),
		check: im.Token, expect: im.Token, stale: im.ServiceName + "'s spec has changed",
		follow: []swarm.Operation{{Kind: swarm.OpRemove, Service: im.ServiceID, Name: im.ServiceName}},
	}
	p.apply = func(ctx context.Context, g guard) (applied, error) {
		r, err := d.swarm.Remove(ctx, im.ServiceName, g.opts(res))
		if err != nil {
			return applied{}, err
		}
		return applied{what: p.what, warnings: r.Warnings}, nil
	}
	return p, nil
}

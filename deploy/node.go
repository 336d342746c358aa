package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// planAvailability plans `drain dev02`, `activate dev02` and `pause dev02`:
// the node's lock; a drain is followed until every task that ran on the
// node has settled elsewhere (or cannot). Its check is the node's
// availability, so an approved drain of a node no longer active is refused.
func planAvailability(ctx context.Context, d *Deployer, cmd commands.Command) (*plan, error) {
	var ref, want string
	switch c := cmd.(type) {
	case commands.Drain:
		ref, want = c.Node, "drain"
	case commands.Activate:
		ref, want = c.Node, "active"
	case commands.Pause:
		ref, want = c.Node, "pause"
	}
	node, err := d.swarm.ResolveNode(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("setting %s to %s: %w", ref, want, err)
	}
	name := node.Hostname
	now := strings.ToLower(node.Availability)
	res := lock.Node(name)
	p := &plan{
		what: fmt.Sprintf("%s %s", cmd.Verb(), name), target: name, locks: []lock.Resource{res},
		check: name + " is " + now,
	}
	p.impact = Impact{Summary: fmt.Sprintf("%s is %s now; it will be %s", name, now, want)}
	if want == "drain" {
		im, err := d.swarm.DrainImpact(ctx, node.ID)
		if err != nil {
			return nil, fmt.Errorf("draining %s: %w", name, err)
		}
		p.impact = drainImpact(im)
		p.follow = []swarm.Operation{{Kind: swarm.OpDrain, Node: node.ID, Services: drainedServices(im)}}
	}
	p.apply = func(ctx context.Context, g guard) (applied, error) {
		// The availability is checked again here, by the one who holds the lock.
		cur, err := d.swarm.ResolveNode(ctx, node.ID)
		if err != nil {
			return applied{}, err
		}
		if got := strings.ToLower(cur.Availability); got != now {
			return applied{}, fmt.Errorf("%s is %s now, not %s as when this was asked; nothing was changed", name, got, now)
		}
		r, err := d.swarm.SetAvailability(ctx, node.ID, want, g.opts(res))
		if err != nil {
			return applied{}, err
		}
		return applied{what: fmt.Sprintf("%s %s (%s → %s)", cmd.Verb(), name, r.Before, r.After)}, nil
	}
	p.stale = fmt.Sprintf("%s is %s now", name, now)
	return p, nil
}

// drainedServices are the services a drain moves tasks of.
func drainedServices(im swarm.DrainImpact) []string {
	var out []string
	for _, s := range im.Services {
		out = append(out, s.ServiceID)
	}
	return out
}

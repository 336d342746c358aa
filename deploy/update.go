package deploy

import (
	"context"
	"fmt"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// planUpdate plans `update ping alpine:3.7` (and its flags): the service's
// lock, the rolling update followed slot by slot.
func planUpdate(ctx context.Context, d *Deployer, cmd commands.Command) (*plan, error) {
	c := cmd.(commands.Update)
	ref, err := d.swarm.ResolveService(ctx, c.Service)
	if err != nil {
		return nil, fmt.Errorf("updating %s: %w", c.Service, err)
	}
	u := swarm.UpdateSpec{
		Image: c.Image, EnvAdd: c.EnvAdd, EnvRemove: c.EnvRm, Force: c.Force,
		Update: updatePolicy(c.Update), Rollback: updatePolicy(c.Rollback),
	}
	if c.Args != nil {
		u.Args = *c.Args
		if u.Args == nil {
			u.Args = []string{}
		}
	}
	what := redact(cmd.String())
	if c.Image != "" {
		what = fmt.Sprintf("update %s → %s", ref.Name, c.Image)
	}
	res := lock.Service(ref.Name)
	p := &plan{
		what: what, target: ref.Name, locks: []lock.Resource{res}, impact: Impact{Summary: what},
		follow: []swarm.Operation{{Kind: swarm.OpUpdate, Service: ref.ID}},
	}
	p.apply = func(ctx context.Context, g guard) (applied, error) {
		r, err := d.swarm.Update(ctx, ref.Name, u, g.opts(res))
		if err != nil {
			return applied{}, err
		}
		out := applied{what: what, warnings: r.Warnings}
		if c.Image != "" {
			out.what = fmt.Sprintf("update %s %s → %s", ref.Name, displayImage(r.ImageBefore), displayImage(r.ImageAfter))
		}
		if c.Replicas != nil {
			s, err := d.swarm.Scale(ctx, ref.Name, *c.Replicas, g.opts(res))
			if err != nil {
				out.warnings = append(out.warnings, "the update was made but the scale was not: "+redact(err.Error()))
			} else {
				out.what += fmt.Sprintf(", replicas %d → %d", s.ReplicasBefore, s.ReplicasAfter)
			}
		}
		return out, nil
	}
	return p, nil
}

// updatePolicy turns the --update-* (or --rollback-*) flags into swarm's.
func updatePolicy(c commands.UpdateConfig) swarm.UpdatePolicy {
	p := swarm.UpdatePolicy{
		Parallelism: c.Parallelism, Delay: c.Delay, Monitor: c.Monitor, MaxFailureRatio: c.MaxFailureRatio,
	}
	if c.FailureAction != "" {
		p.FailureAction = &c.FailureAction
	}
	if c.Order != "" {
		p.Order = &c.Order
	}
	return p
}

// displayImage drops a digest from a tagged image, as `docker service ls` shows it.
func displayImage(image string) string {
	for i := len(image) - 1; i > 0; i-- {
		if image[i] == '@' {
			name := image[:i]
			for j := len(name) - 1; j >= 0 && name[j] != '/'; j-- {
				if name[j] == ':' {
					return name
				}
			}
			return image
		}
	}
	return image
}

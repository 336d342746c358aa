package deploy

import (
	"context"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// planCreate plans `create --name ping alpine ping docker.com`: the new
// name's lock (none for an unnamed service), followed until its tasks run.
func planCreate(_ context.Context, d *Deployer, cmd commands.Command) (*plan, error) {
	c := cmd.(commands.Create)
	spec := swarm.CreateSpec{
		Name: c.Name, Image: c.Image, Args: c.Args, Env: c.Env, Mode: c.Mode, Replicas: 1,
		Update: updatePolicy(c.Update), Rollback: updatePolicy(c.Rollback), StopGracePeriod: c.StopGracePeriod,
	}
	if c.Replicas != nil {
		spec.Replicas = *c.Replicas
	}
	if c.Mode == "global" {
		spec.Replicas = 0
	}
	if c.Init {
		init := true
		spec.Init = &init
	}
	what := redact(cmd.String())
	p := &plan{what: what, target: c.Name, impact: Impact{Summary: what}}
	var res lock.Resource
	if c.Name != "" {
		res = lock.Service(c.Name)
		p.locks = []lock.Resource{res}
	}
	p.apply = func(ctx context.Context, g guard) (applied, error) {
		r, err := d.swarm.Create(ctx, spec, g.opts(res))
		if err != nil {
			return applied{}, err
		}
		name := r.ServiceName
		if name == "" {
			name = r.ServiceID
		}
		return applied{
			what:     "create " + name + " (" + c.Image + ")",
			follow:   []swarm.Operation{{Kind: swarm.OpCreate, Service: r.ServiceID}},
			warnings: r.Warnings,
		}, nil
	}
	return p, nil
}

package deploy

import (
	"context"
	"fmt"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
)

// planHistoryLimit plans `history-limit 3`: the swarm's lock; nothing to
// follow, older tasks go as slots get new ones.
func planHistoryLimit(ctx context.Context, d *Deployer, cmd commands.Command) (*plan, error) {
	c := cmd.(commands.HistoryLimit)
	info, err := d.swarm.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("setting the task history limit: %w", err)
	}
	before := info.TaskHistoryRetentionLimit
	res := lock.Swarm()
	p := &plan{
		what:   fmt.Sprintf("history-limit %d → %d", before, c.Limit),
		target: "swarm", locks: []lock.Resource{res},
		impact: historyLimitImpact(before, int64(c.Limit)),
		check:  fmt.Sprint(before), stale: fmt.Sprintf("the task history limit is %d now", before),
	}
	p.apply = func(ctx context.Context, g guard) (applied, error) {
		r, err := d.swarm.SetTaskHistoryLimit(ctx, int64(c.Limit), g.opts(res))
		if err != nil {
			return applied{}, err
		}
		return applied{what: fmt.Sprintf("history-limit %d → %d", r.Before, r.After)}, nil
	}
	return p, nil
}

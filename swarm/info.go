package swarm

import (
	"context"
	"fmt"
	"strconv"

	"github.com/docker/docker/api/types/swarm"
)

// SwarmInfo is the Swarm part of `docker info`.
type SwarmInfo struct {
	State     string // active, inactive, pending, error, locked
	NodeID    string // the node swarmbot talks to
	NodeAddr  string
	IsManager bool
	ClusterID string
	Managers  int
	Nodes     int
	// TaskHistoryRetentionLimit is how many tasks the swarm keeps per slot (per
	// node for global services), the current one included; negative keeps all.
	TaskHistoryRetentionLimit int64
	EngineVersion             string
}

// Info reads what `docker info` says about the swarm.
func (c *Client) Info(ctx context.Context) (SwarmInfo, error) {
	info, err := c.api.Info(ctx)
	if err != nil {
		return SwarmInfo{}, fmt.Errorf("reading swarm info: %w", err)
	}
	s := info.Swarm
	v := SwarmInfo{
		State:         string(s.LocalNodeState),
		NodeID:        s.NodeID,
		NodeAddr:      s.NodeAddr,
		IsManager:     s.ControlAvailable,
		Managers:      s.Managers,
		Nodes:         s.Nodes,
		EngineVersion: info.ServerVersion,
	}
	if cl := s.Cluster; cl != nil {
		v.ClusterID = cl.ID
		if l := cl.Spec.Orchestration.TaskHistoryRetentionLimit; l != nil {
			v.TaskHistoryRetentionLimit = *l
		}
	}
	return v, nil
}

// HistoryLimitResult is what a change of the task history retention limit did.
type HistoryLimitResult struct {
	Before   int64
	After    int64
	Attempts int
}

// SetTaskHistoryLimit sets how many tasks the swarm keeps per slot, as
// `docker swarm update --task-history-limit` does. Existing history is not cut
// at once: older tasks go as slots get new ones. opts.Fence is checked
// against, and stamped on, the swarm's fence label.
func (c *Client) SetTaskHistoryLimit(ctx context.Context, limit int64, opts MutateOptions) (HistoryLimitResult, error) {
	res := HistoryLimitResult{After: limit}
	var err error
	res.Attempts, err = retryWrite(ctx, "the swarm", func() error {
		sw, err := c.api.SwarmInspect(ctx)
		if err != nil {
			return err
		}
		if err := checkFence("the swarm", sw.Spec.Labels, opts); err != nil {
			return err
		}
		res.Before = 0
		if l := sw.Spec.Orchestration.TaskHistoryRetentionLimit; l != nil {
			res.Before = *l
		}
		sw.Spec.Orchestration.TaskHistoryRetentionLimit = &limit
		if opts.Fence > 0 {
			sw.Spec.Labels = withLabel(sw.Spec.Labels, FenceLabel, strconv.FormatInt(opts.Fence, 10))
		}
		return c.api.SwarmUpdate(ctx, sw.Version, sw.Spec, swarm.UpdateFlags{})
	})
	if err != nil {
		return res, fmt.Errorf("setting the task history limit to %d: %w", limit, err)
	}
	return res, nil
}

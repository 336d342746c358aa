package swarm

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/swarm"
)

// Node is a row of `docker node ls`.
type Node struct {
	ID            string
	Name          string // the node's name, if it was given one
	Hostname      string
	Role          string // manager or worker
	Status        string // Ready, Down, Unknown, Disconnected
	Availability  string // Active, Pause, Drain
	ManagerStatus string // Leader, Reachable, Unreachable; empty for workers
	EngineVersion string
	Self          bool // the node swarmbot talks to
}

// Nodes lists the swarm's nodes in natural order of their hostnames.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	nodes, err := c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	info, err := c.api.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	out := make([]Node, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, nodeView(n, info.Swarm.NodeID))
	}
	sort.SliceStable(out, func(i, j int) bool { return naturalLess(out[i].Hostname, out[j].Hostname) })
	return out, nil
}

func nodeView(n swarm.Node, self string) Node {
	v := Node{
		ID:            n.ID,
		Name:          n.Spec.Name,
		Hostname:      n.Description.Hostname,
		Role:          string(n.Spec.Role),
		Status:        prettyPrint(string(n.Status.State)),
		Availability:  prettyPrint(string(n.Spec.Availability)),
		EngineVersion: n.Description.Engine.EngineVersion,
		Self:          n.ID == self,
	}
	if m := n.ManagerStatus; m != nil {
		if m.Leader {
			v.ManagerStatus = "Leader"
		} else {
			v.ManagerStatus = prettyPrint(string(m.Reachability))
		}
	}
	return v
}

// prettyPrint upper-cases the first letter and lower-cases the rest, like the
// docker CLI's formatter.PrettyPrint.
func prettyPrint(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// NodeResult is what a change of a node's availability did.
type NodeResult struct {
	NodeID   string
	Hostname string
	Before   string // active, pause, drain
	After    string
	Attempts int
}

// SetAvailability sets a node's availability (active, pause or drain), as
// `docker node update --availability` does. Draining makes the Engine stop
// the node's tasks and start replacements elsewhere in the same slots (global
// services' tasks are just stopped); active lets it take new tasks, but moves
// nothing back. opts.Fence is checked against, and stamped on, the node's
// fence label; opts.Force and opts.Expect do not apply to nodes.
func (c *Client) SetAvailability(ctx context.Context, node, availability string, opts MutateOptions) (NodeResult, error) {
	want := swarm.NodeAvailability(strings.ToLower(availability))
	switch want {
	case swarm.NodeAvailabilityActive, swarm.NodeAvailabilityPause, swarm.NodeAvailabilityDrain:
	default:
		return NodeResult{}, fmt.Errorf("setting the availability of %s: %q: use active, pause or drain", node, availability)
	}
	nodes, err := c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return NodeResult{}, fmt.Errorf("setting %s to %s: %w", node, want, err)
	}
	target, err := pickNode(nodes, node)
	if err != nil {
		return NodeResult{}, fmt.Errorf("setting %s to %s: %w", node, want, err)
	}
	res := NodeResult{NodeID: target.ID, Hostname: target.Description.Hostname, After: string(want)}
	res.Attempts, err = retryWrite(ctx, target.Description.Hostname, func() error {
		n, _, err := c.api.NodeInspectWithRaw(ctx, target.ID)
		if err != nil {
			return err
		}
		if err := checkFence(n.Description.Hostname, n.Spec.Labels, opts); err != nil {
			return err
		}
		res.Before = string(n.Spec.Availability)
		n.Spec.Availability = want
		if opts.Fence > 0 {
			n.Spec.Labels = withLabel(n.Spec.Labels, FenceLabel, strconv.FormatInt(opts.Fence, 10))
		}
		return c.api.NodeUpdate(ctx, n.ID, n.Version, n.Spec)
	})
	if err != nil {
		return res, fmt.Errorf("setting %s to %s: %w", node, want, err)
	}
	return res, nil
}

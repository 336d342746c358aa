package swarm

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/swarm"
)

// Node is what `docker node ls` shows of a node.
type Node struct {
	ID            string
	Hostname      string
	Status        string // Ready, Down, Unknown, Disconnected
	Availability  string // Active, Pause, Drain
	ManagerStatus string // Leader, Reachable, Unreachable; empty for workers
	EngineVersion string
	Self          bool // the node swarmbot talks to
}

// Nodes lists the swarm's nodes, sorted by hostname.
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
	sort.SliceStable(out, func(i, j int) bool { return out[i].Hostname < out[j].Hostname })
	return out, nil
}

func nodeView(n swarm.Node, self string) Node {
	v := Node{
		ID:            n.ID,
		Hostname:      n.Description.Hostname,
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

package swarm_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/testenv"
	"github.com/swarmbot/swarmbot/swarm"
)

func connect(t *testing.T) *swarm.Client {
	t.Helper()
	env := testenv.Swarm(t)
	c, closer, err := swarm.Connect(env.ManagerHost)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	if err := c.CheckManager(t.Context()); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNodesOfTheTestSwarm(t *testing.T) {
	c := connect(t)
	nodes, err := c.Nodes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 {
		t.Fatalf("got %d nodes, want dev01 and dev02: %+v", len(nodes), nodes)
	}
	if n := nodes[0]; n.Hostname != "dev01" || n.ManagerStatus != "Leader" || !n.Self || n.Status != "Ready" {
		t.Errorf("first node = %+v, want dev01, Leader, self, Ready", n)
	}
	if n := nodes[1]; n.Hostname != "dev02" || n.ManagerStatus != "" || n.Self || n.Status != "Ready" || n.Availability != "Active" {
		t.Errorf("second node = %+v, want dev02, worker, Ready, Active", n)
	}
}

// TestTwoReplicasSpreadOverBothNodes is the first vertical slice: a two-replica
// service runs one task on the manager and one on the worker.
func TestTwoReplicasSpreadOverBothNodes(t *testing.T) {
	c := connect(t)
	ctx := t.Context()
	const name = "slice-ping"
	_ = c.Remove(ctx, name) // a crashed earlier run may have left it
	id, err := c.Create(ctx, swarm.CreateSpec{Name: name, Image: "alpine:latest", Args: []string{"ping", "127.0.0.1"}, Replicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Remove(context.Background(), id) })

	nodes, err := c.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hostname := map[string]string{}
	for _, n := range nodes {
		hostname[n.ID] = n.Hostname
	}

	var running []string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		tasks, err := c.Tasks(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		running = running[:0]
		for _, task := range tasks {
			if task.DesiredState == "running" && task.State == "running" {
				running = append(running, hostname[task.NodeID])
			}
		}
		if len(running) == 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	sort.Strings(running)
	if len(running) != 2 || running[0] != "dev01" || running[1] != "dev02" {
		t.Fatalf("running tasks on %v, want one on dev01 and one on dev02", running)
	}

	svcs, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range svcs {
		if s.ID == id {
			found = true
			if s.Name != name || s.Mode != "replicated" || s.Desired != 2 {
				t.Errorf("service = %+v, want %s replicated with 2 desired", s, name)
			}
		}
	}
	if !found {
		t.Fatalf("service %s not listed in %+v", id, svcs)
	}

	if err := c.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	svcs, err = c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs {
		if s.ID == id {
			t.Fatalf("service %s still listed after rm", name)
		}
	}
}

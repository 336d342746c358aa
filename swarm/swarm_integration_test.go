package swarm_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"
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

// engine is the test swarm's manager as a raw Engine, for tests that wrap it
// or record what it answers.
func engine(t testing.TB) *client.Client {
	t.Helper()
	env := testenv.Swarm(t)
	cli, err := client.NewClientWithOpts(client.WithHost(env.ManagerHost), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// waitFor polls cond until it holds, failing the test with the last state
// seen when timeout passes. The swarm decides how long things take; the
// timeouts are generous so that a busy machine does not fail a test.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last seen: %s", timeout, what, state)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// removeLeftover removes a service an earlier, crashed run may have left.
func removeLeftover(t *testing.T, c *swarm.Client, name string) {
	t.Helper()
	_, err := c.Remove(t.Context(), name, swarm.MutateOptions{Force: true})
	var nf *swarm.NotFoundError
	if err != nil && !errors.As(err, &nf) {
		t.Fatalf("removing leftover %s: %v", name, err)
	}
}

// createService creates a service and removes it when the test ends.
func createService(t *testing.T, c *swarm.Client, spec swarm.CreateSpec, opts swarm.MutateOptions) swarm.Result {
	t.Helper()
	removeLeftover(t, c, spec.Name)
	res, err := c.Create(t.Context(), spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.Remove(context.Background(), res.ServiceID, swarm.MutateOptions{Force: true})
	})
	return res
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
	if n := nodes[0]; n.Hostname != "dev01" || n.ManagerStatus != "Leader" || !n.Self || n.Status != "Ready" || n.Role != "manager" {
		t.Errorf("first node = %+v, want dev01, manager, Leader, self, Ready", n)
	}
	if n := nodes[1]; n.Hostname != "dev02" || n.ManagerStatus != "" || n.Self || n.Status != "Ready" || n.Availability != "Active" {
		t.Errorf("second node = %+v, want dev02, worker, Ready, Active", n)
	}
	for _, ref := range []string{"dev02", nodes[1].ID, nodes[1].ID[:6]} {
		n, err := c.ResolveNode(t.Context(), ref)
		if err != nil || n.ID != nodes[1].ID {
			t.Errorf("ResolveNode(%q) = %+v, %v; want dev02", ref, n, err)
		}
	}
}

// TestTwoReplicasSpreadOverBothNodes is the first vertical slice: a two-replica
// service runs one task on the manager and one on the worker.
func TestTwoReplicasSpreadOverBothNodes(t *testing.T) {
	c := connect(t)
	ctx := t.Context()
	const name = "slice-ping"
	res := createService(t, c, swarm.CreateSpec{Name: name, Image: "alpine:latest", Args: []string{"ping", "127.0.0.1"}, Replicas: 2}, swarm.MutateOptions{})
	id := res.ServiceID

	var running []string
	waitFor(t, "two running tasks", 60*time.Second, func() (bool, string, error) {
		tasks, err := c.Tasks(ctx, id)
		if err != nil {
			return false, "", err
		}
		running = running[:0]
		for _, task := range tasks {
			if task.DesiredState == "running" && task.State == "running" {
				running = append(running, task.NodeName)
			}
		}
		return len(running) == 2, "running on " + joinSorted(running), nil
	})
	sort.Strings(running)
	if running[0] != "dev01" || running[1] != "dev02" {
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
			if s.Name != name || s.Mode != "replicated" || s.Desired != 2 || s.Running != 2 {
				t.Errorf("service = %+v, want %s replicated 2/2", s, name)
			}
		}
	}
	if !found {
		t.Fatalf("service %s not listed in %+v", id, svcs)
	}

	rm, err := c.Remove(ctx, name, swarm.MutateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rm.ServiceID != id || rm.ServiceName != name || rm.ReplicasBefore != 2 {
		t.Errorf("remove result = %+v, want %s (%s) with 2 replicas", rm, name, id)
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

func joinSorted(s []string) string {
	return "[" + strings.Join(slices.Sorted(slices.Values(s)), ",") + "]"
}

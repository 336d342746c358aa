package swarm

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
)

// Task is a row of `docker service ps`: one task of a service, current or past.
type Task struct {
	ID          string
	ServiceID   string
	ServiceName string
	Slot        int    // replicated services; 0 for global ones
	NodeID      string // empty while the task is not yet assigned
	NodeName    string // the node's name, else its hostname, else its ID
	Image       string // as in the task's spec, digest included
	// DesiredState and State are the Engine's words, lower case: new,
	// pending, assigned, accepted, preparing, ready, starting, running,
	// complete, shutdown, failed, rejected, remove, orphaned.
	DesiredState string
	State        string
	Message      string    // the Engine's word on the state, e.g. "started"
	Err          string    // why the task failed or was rejected, in full
	Timestamp    time.Time // when the task entered State
	CreatedAt    time.Time
	Ports        []string // host-mode published ports, "*:8080->80/tcp"
}

// Name is the task's name as `docker service ps` shows it: service.slot, or
// service.nodeID for a global service's task.
func (t Task) Name() string {
	if t.Slot != 0 {
		return t.ServiceName + "." + strconv.Itoa(t.Slot)
	}
	return t.ServiceName + "." + t.NodeID
}

// PSOptions narrows the tasks of a service that PS lists.
type PSOptions struct {
	// DesiredState keeps only tasks with this desired state (running,
	// shutdown, accepted, …); empty keeps every task, history included.
	DesiredState string
}

var psDesiredStates = []string{"new", "allocated", "pending", "assigned", "accepted", "preparing", "ready",
	"starting", "running", "complete", "shutdown", "failed", "rejected", "remove", "orphaned"}

// PS lists the tasks of a service, as `docker service ps` does: the service is
// resolved (ID, name, unique ID prefix), history is included unless a desired
// state is asked for, and the tasks come sorted so that each slot (each node for
// a global service) is together in natural order, newest task first.
func (c *Client) PS(ctx context.Context, service string, opts PSOptions) ([]Task, error) {
	if d := opts.DesiredState; d != "" && !knownTaskState(d) {
		return nil, fmt.Errorf("listing tasks of %s: unknown desired state %q: use one of %s", service, d, strings.Join(psDesiredStates, ", "))
	}
	s, err := c.resolveService(ctx, service)
	if err != nil {
		return nil, fmt.Errorf("listing tasks of %s: %w", service, err)
	}
	args := filters.NewArgs(filters.Arg("service", s.ID))
	if opts.DesiredState != "" {
		args.Add("desired-state", strings.ToLower(opts.DesiredState))
	}
	tasks, err := c.api.TaskList(ctx, swarm.TaskListOptions{Filters: args})
	if err != nil {
		return nil, fmt.Errorf("listing tasks of %s: %w", service, err)
	}
	nodes, err := c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing tasks of %s: %w", service, err)
	}
	out := taskRows(tasks, map[string]string{s.ID: s.Spec.Name}, nodeNames(nodes))
	sortTasks(out)
	return out, nil
}

// Tasks lists every task of a service, history included, in PS's order.
func (c *Client) Tasks(ctx context.Context, service string) ([]Task, error) {
	return c.PS(ctx, service, PSOptions{})
}

func knownTaskState(s string) bool {
	for _, st := range psDesiredStates {
		if strings.EqualFold(s, st) {
			return true
		}
	}
	return false
}

func taskRows(tasks []swarm.Task, serviceNames, nodeNames map[string]string) []Task {
	out := make([]Task, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, taskView(t, serviceNames, nodeNames))
	}
	return out
}

func taskView(t swarm.Task, serviceNames, nodeNames map[string]string) Task {
	v := Task{
		ID:           t.ID,
		ServiceID:    t.ServiceID,
		ServiceName:  serviceNames[t.ServiceID],
		Slot:         t.Slot,
		NodeID:       t.NodeID,
		NodeName:     nodeNames[t.NodeID],
		DesiredState: string(t.DesiredState),
		State:        string(t.Status.State),
		Message:      t.Status.Message,
		Err:          t.Status.Err,
		Timestamp:    t.Status.Timestamp,
		CreatedAt:    t.CreatedAt,
	}
	if v.ServiceName == "" {
		v.ServiceName = t.ServiceID
	}
	if v.NodeName == "" {
		v.NodeName = t.NodeID
	}
	if cs := t.Spec.ContainerSpec; cs != nil {
		v.Image = cs.Image
	}
	if ps := t.Status.PortStatus.Ports; len(ps) > 0 {
		for _, p := range ps {
			v.Ports = append(v.Ports, fmt.Sprintf("*:%d->%d/%s", p.PublishedPort, p.TargetPort, p.Protocol))
		}
	}
	return v
}

// nodeNames maps node IDs to what the docker CLI calls them: the node's
// name, else its hostname.
func nodeNames(nodes []swarm.Node) map[string]string {
	names := make(map[string]string, len(nodes))
	for _, n := range nodes {
		switch {
		case n.Spec.Name != "":
			names[n.ID] = n.Spec.Name
		case n.Description.Hostname != "":
			names[n.ID] = n.Description.Hostname
		}
	}
	return names
}

// sortTasks puts the tasks of each slot (or node) together in natural order
// of their names, the newest first within one, as `docker service ps` does.
func sortTasks(tasks []Task) {
	sort.SliceStable(tasks, func(i, j int) bool {
		a, b := tasks[i].Name(), tasks[j].Name()
		if a != b {
			return naturalLess(a, b)
		}
		return tasks[j].CreatedAt.Before(tasks[i].CreatedAt)
	})
}

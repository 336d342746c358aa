package swarm

import (
	"context"
	"fmt"
	"sort"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
)

// Service is what `docker service ls` shows of a service.
type Service struct {
	ID      string
	Name    string
	Mode    string // replicated, global, replicated job, global job
	Image   string
	Running uint64
	Desired uint64
}

// Services lists the swarm's services, sorted by name.
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	svcs, err := c.api.ServiceList(ctx, swarm.ServiceListOptions{Status: true})
	if err != nil {
		return nil, fmt.Errorf("listing services: %w", err)
	}
	out := make([]Service, 0, len(svcs))
	for _, s := range svcs {
		v := Service{ID: s.ID, Name: s.Spec.Name, Mode: modeName(s.Spec.Mode)}
		if cs := s.Spec.TaskTemplate.ContainerSpec; cs != nil {
			v.Image = cs.Image
		}
		if st := s.ServiceStatus; st != nil {
			v.Running, v.Desired = st.RunningTasks, st.DesiredTasks
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func modeName(m swarm.ServiceMode) string {
	switch {
	case m.Replicated != nil:
		return "replicated"
	case m.Global != nil:
		return "global"
	case m.ReplicatedJob != nil:
		return "replicated job"
	case m.GlobalJob != nil:
		return "global job"
	}
	return ""
}

// CreateSpec is what a new service is made of.
type CreateSpec struct {
	Name     string
	Image    string
	Args     []string
	Replicas uint64
}

// Create creates a replicated service and returns its ID. No registry is asked
// for the image's digest: every node uses the image it has.
func (c *Client) Create(ctx context.Context, s CreateSpec) (string, error) {
	replicas := s.Replicas
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: s.Name},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: s.Image, Args: s.Args},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &replicas}},
	}
	resp, err := c.api.ServiceCreate(ctx, spec, swarm.ServiceCreateOptions{})
	if err != nil {
		return "", fmt.Errorf("creating service %s: %w", s.Name, err)
	}
	return resp.ID, nil
}

// Remove removes a service.
func (c *Client) Remove(ctx context.Context, service string) error {
	if err := c.api.ServiceRemove(ctx, service); err != nil {
		return fmt.Errorf("removing service %s: %w", service, err)
	}
	return nil
}

// Task is one task of a service, as `docker service ps` shows it.
type Task struct {
	ID           string
	Slot         int
	NodeID       string
	DesiredState string
	State        string
}

// Tasks lists a service's tasks, history included.
func (c *Client) Tasks(ctx context.Context, service string) ([]Task, error) {
	tasks, err := c.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", service))})
	if err != nil {
		return nil, fmt.Errorf("listing tasks of %s: %w", service, err)
	}
	out := make([]Task, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, Task{ID: t.ID, Slot: t.Slot, NodeID: t.NodeID, DesiredState: string(t.DesiredState), State: string(t.Status.State)})
	}
	return out, nil
}

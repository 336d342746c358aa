package swarm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
)

// Service is a row of `docker service ls`.
type Service struct {
	ID   string
	Name string
	Mode string // replicated, global, replicated job, global job
	// Image is the service's image, its digest left out when it has a tag.
	Image string
	// Running counts the tasks that should run and do, on nodes that are not
	// down; Desired is how many should. See Services for how this differs
	// from the docker CLI.
	Running uint64
	Desired uint64
	// Completed and Completions are a job's progress: tasks completed in the
	// current iteration, out of how many are wanted.
	Completed   uint64
	Completions uint64
	MaxPerNode  uint64   // replicated services only; 0 means no limit
	Ports       []string // ingress-published ports, "*:8080->80/tcp"
	// UpdateState is the service's rollout state: updating, paused, completed,
	// rollback_started, rollback_paused, rollback_completed; empty when it has
	// never had one (a new or only scaled service).
	UpdateState string
}

// Services lists the swarm's services in natural order of their names, as
// `docker service ls` does, but counts running tasks more strictly than the
// CLI (moby/moby#45922): a task counts only when its desired state is running,
// it is running, and its node is not down. The CLI's count, which the daemon
// computes, also counts an old task that is still stopping and a task on a
// node that has gone down.
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	// Three independent reads, made at once: ls answers in the time of the slowest.
	var (
		wg                 sync.WaitGroup
		svcs               []swarm.Service
		tasks              []swarm.Task
		nodes              []swarm.Node
		svcErr, tErr, nErr error
	)
	wg.Go(func() { svcs, svcErr = c.api.ServiceList(ctx, swarm.ServiceListOptions{Status: true}) })
	wg.Go(func() {
		tasks, tErr = c.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("desired-state", "running"))})
	})
	wg.Go(func() { nodes, nErr = c.api.NodeList(ctx, swarm.NodeListOptions{}) })
	wg.Wait()
	if err := errors.Join(svcErr, tErr, nErr); err != nil {
		return nil, fmt.Errorf("listing services: %w", err)
	}
	return serviceRows(svcs, tasks, nodes), nil
}

func serviceRows(svcs []swarm.Service, tasks []swarm.Task, nodes []swarm.Node) []Service {
	live := liveNodeIDs(nodes)
	running := map[string]uint64{}
	desiredRunning := map[string]uint64{}
	for _, t := range tasks {
		if t.DesiredState != swarm.TaskStateRunning {
			continue
		}
		desiredRunning[t.ServiceID]++
		if t.Status.State == swarm.TaskStateRunning && live[t.NodeID] {
			running[t.ServiceID]++
		}
	}
	out := make([]Service, 0, len(svcs))
	for _, s := range svcs {
		v := Service{
			ID:      s.ID,
			Name:    s.Spec.Name,
			Mode:    modeName(s.Spec.Mode),
			Image:   displayImage(specImage(s.Spec)),
			Running: running[s.ID],
			Ports:   ingressPorts(s.Endpoint.Ports),
		}
		if st := s.ServiceStatus; st != nil {
			v.Desired, v.Completed = st.DesiredTasks, st.CompletedTasks
		}
		m := s.Spec.Mode
		switch {
		case m.Replicated != nil && m.Replicated.Replicas != nil:
			v.Desired = *m.Replicated.Replicas
		case m.Global != nil && s.ServiceStatus == nil:
			v.Desired = desiredRunning[s.ID]
		case m.ReplicatedJob != nil && m.ReplicatedJob.TotalCompletions != nil:
			v.Completions = *m.ReplicatedJob.TotalCompletions
		case m.GlobalJob != nil:
			v.Completions = v.Desired + v.Completed
		}
		if m.Replicated != nil && s.Spec.TaskTemplate.Placement != nil {
			v.MaxPerNode = s.Spec.TaskTemplate.Placement.MaxReplicas
		}
		if u := s.UpdateStatus; u != nil {
			v.UpdateState = string(u.State)
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return naturalLess(out[i].Name, out[j].Name) })
	return out
}

// liveNodeIDs is the set of nodes that are not down: a task on any other node
// (down, or gone from the swarm) cannot be running, whatever it last reported.
func liveNodeIDs(nodes []swarm.Node) map[string]bool {
	live := map[string]bool{}
	for _, n := range nodes {
		if n.Status.State != swarm.NodeStateDown {
			live[n.ID] = true
		}
	}
	return live
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

func specImage(s swarm.ServiceSpec) string {
	if cs := s.TaskTemplate.ContainerSpec; cs != nil {
		return cs.Image
	}
	return ""
}

// displayImage leaves out the digest of an image that also has a tag
// (alpine:3.7@sha256:… → alpine:3.7), as the docker CLI's tables do.
func displayImage(image string) string {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image
	}
	nt, ok := ref.(reference.NamedTagged)
	if !ok {
		return image
	}
	tagged, err := reference.WithTag(reference.TrimNamed(nt), nt.Tag())
	if err != nil {
		return image
	}
	return reference.FamiliarString(tagged)
}

// ingressPorts shows the ports published through the routing mesh, merging
// consecutive ports into ranges as `docker service ls` does.
func ingressPorts(ports []swarm.PortConfig) []string {
	ps := make([]swarm.PortConfig, 0, len(ports))
	for _, p := range ports {
		if p.PublishMode == swarm.PortConfigPublishModeIngress || p.PublishMode == "" {
			ps = append(ps, p)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Protocol != ps[j].Protocol {
			return ps[i].Protocol < ps[j].Protocol
		}
		return ps[i].PublishedPort < ps[j].PublishedPort
	})
	type span struct {
		pStart, pEnd, tStart, tEnd uint32
		proto                      swarm.PortConfigProtocol
	}
	str := func(s span) string {
		pub, tgt := strconv.Itoa(int(s.pStart)), strconv.Itoa(int(s.tStart))
		if s.pEnd != s.pStart {
			pub += "-" + strconv.Itoa(int(s.pEnd))
		}
		if s.tEnd != s.tStart {
			tgt += "-" + strconv.Itoa(int(s.tEnd))
		}
		return fmt.Sprintf("*:%s->%s/%s", pub, tgt, s.proto)
	}
	var out []string
	var cur span
	open := false
	for _, p := range ps {
		extends := open && p.Protocol == cur.proto &&
			p.PublishedPort == cur.pEnd+1 && p.TargetPort == cur.tEnd+1
		if extends {
			cur.pEnd, cur.tEnd = p.PublishedPort, p.TargetPort
			continue
		}
		if open {
			out = append(out, str(cur))
		}
		cur = span{p.PublishedPort, p.PublishedPort, p.TargetPort, p.TargetPort, p.Protocol}
		open = true
	}
	if open {
		out = append(out, str(cur))
	}
	return out
}

package swarm

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
)

// DrainImpact is what draining a node would do, for a person to judge
// before anyone decides.
type DrainImpact struct {
	Node           Node
	AlreadyDrained bool
	// OtherActiveNodes counts the nodes, this one aside, that are ready and
	// active, i.e. that can take tasks; LastActiveNode says there is none.
	OtherActiveNodes int
	LastActiveNode   bool
	Services         []ServiceDrain // in natural order of their names
	Tasks            int            // tasks that would stop, over all services
}

// ServiceDrain is what draining a node would do to one service.
type ServiceDrain struct {
	ServiceID   string
	ServiceName string
	Mode        string
	// Tasks are the service's tasks on the node meant to be running.
	Tasks []Task
	// Replaced says the Engine starts each task again elsewhere, in the same
	// slot (replicated services); a global service's task just stops.
	Replaced bool
	// Stuck says why some or all of the tasks could not be started elsewhere,
	// when that can be told from the specs (placement constraints, max per
	// node, no other active node); empty otherwise. The Engine may still
	// fail to place them for reasons not seen here (resources, images).
	Stuck string
}

// DrainImpact previews `docker node update --availability drain NODE`.
func (c *Client) DrainImpact(ctx context.Context, node string) (DrainImpact, error) {
	nodes, err := c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return DrainImpact{}, fmt.Errorf("previewing the drain of %s: %w", node, err)
	}
	target, err := pickNode(nodes, node)
	if err != nil {
		return DrainImpact{}, fmt.Errorf("previewing the drain of %s: %w", node, err)
	}
	info, err := c.api.Info(ctx)
	if err != nil {
		return DrainImpact{}, fmt.Errorf("previewing the drain of %s: %w", node, err)
	}
	tasks, err := c.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(
		filters.Arg("node", target.ID), filters.Arg("desired-state", "running"))})
	if err != nil {
		return DrainImpact{}, fmt.Errorf("previewing the drain of %s: %w", node, err)
	}
	svcs, err := c.api.ServiceList(ctx, swarm.ServiceListOptions{})
	if err != nil {
		return DrainImpact{}, fmt.Errorf("previewing the drain of %s: %w", node, err)
	}
	return drainImpact(target, nodes, tasks, svcs, info.Swarm.NodeID), nil
}

func drainImpact(target swarm.Node, nodes []swarm.Node, tasks []swarm.Task, svcs []swarm.Service, self string) DrainImpact {
	d := DrainImpact{
		Node:           nodeView(target, self),
		AlreadyDrained: target.Spec.Availability == swarm.NodeAvailabilityDrain,
	}
	var others []swarm.Node
	for _, n := range nodes {
		if n.ID != target.ID && n.Status.State == swarm.NodeStateReady && n.Spec.Availability == swarm.NodeAvailabilityActive {
			others = append(others, n)
		}
	}
	d.OtherActiveNodes, d.LastActiveNode = len(others), len(others) == 0

	byID := map[string]swarm.Service{}
	names := map[string]string{}
	for _, s := range svcs {
		byID[s.ID] = s
		names[s.ID] = s.Spec.Name
	}
	grouped := map[string][]Task{}
	hosts := nodeNames(nodes)
	for _, t := range tasks {
		if t.NodeID != target.ID || t.DesiredState != swarm.TaskStateRunning {
			continue
		}
		grouped[t.ServiceID] = append(grouped[t.ServiceID], taskView(t, names, hosts))
	}
	for id, ts := range grouped {
		sortTasks(ts)
		s := byID[id]
		sd := ServiceDrain{ServiceID: id, ServiceName: names[id], Mode: modeName(s.Spec.Mode), Tasks: ts}
		if sd.ServiceName == "" {
			sd.ServiceName = id
		}
		sd.Replaced = s.Spec.Mode.Global == nil && s.Spec.Mode.GlobalJob == nil
		if sd.Replaced {
			sd.Stuck = whyStuck(s, len(ts), others)
		}
		d.Services = append(d.Services, sd)
		d.Tasks += len(ts)
	}
	sort.Slice(d.Services, func(i, j int) bool { return naturalLess(d.Services[i].ServiceName, d.Services[j].ServiceName) })
	return d
}

// whyStuck tells, from the spec alone, why moving tasks tasks of s to the
// nodes others could fail; empty when nothing visible stands in the way.
func whyStuck(s swarm.Service, tasks int, others []swarm.Node) string {
	if len(others) == 0 {
		return "no other node is ready and active"
	}
	var constraints []string
	var maxPer uint64
	if p := s.Spec.TaskTemplate.Placement; p != nil {
		constraints, maxPer = p.Constraints, p.MaxReplicas
	}
	var fit []swarm.Node
	for _, n := range others {
		if nodeMeets(n, constraints) {
			fit = append(fit, n)
		}
	}
	if len(fit) == 0 {
		return fmt.Sprintf("its placement constraints (%s) match no other ready and active node", strings.Join(constraints, ", "))
	}
	if maxPer > 0 {
		replicas := specReplicas(s.Spec)
		if room := uint64(len(fit)) * maxPer; room < replicas {
			return fmt.Sprintf("at most %d per node: the %d other nodes it may run on hold %d of its %d replicas", maxPer, len(fit), room, replicas)
		}
	}
	return ""
}

// nodeMeets reads placement constraints (key==value, key!=value) the way
// swarmkit does, case-insensitively; a key it does not know is taken as met,
// so that nothing is called stuck without cause.
func nodeMeets(n swarm.Node, constraints []string) bool {
	for _, c := range constraints {
		op, eq := "==", true
		if strings.Contains(c, "!=") {
			op, eq = "!=", false
		}
		k, want, ok := strings.Cut(c, op)
		if !ok {
			continue
		}
		k, want = strings.TrimSpace(k), strings.TrimSpace(want)
		var got string
		lk := strings.ToLower(k)
		switch {
		case lk == "node.id":
			got = n.ID
		case lk == "node.hostname":
			got = n.Description.Hostname
		case lk == "node.role":
			got = string(n.Spec.Role)
		case lk == "node.platform.os":
			got = n.Description.Platform.OS
		case lk == "node.platform.arch":
			got = n.Description.Platform.Architecture
		case lk == "node.ip":
			ip := net.ParseIP(n.Status.Addr)
			in := false
			if w := net.ParseIP(want); w != nil {
				in = w.Equal(ip)
			} else if _, sub, err := net.ParseCIDR(want); err == nil {
				in = sub.Contains(ip)
			}
			if in != eq {
				return false
			}
			continue
		case strings.HasPrefix(lk, "node.labels."):
			got = n.Spec.Labels[k[len("node.labels."):]]
		case strings.HasPrefix(lk, "engine.labels."):
			got = n.Description.Engine.Labels[k[len("engine.labels."):]]
		default:
			continue
		}
		if strings.EqualFold(got, want) != eq {
			return false
		}
	}
	return true
}

// RollbackPreview is what rolling a service back would do.
type RollbackPreview struct {
	ServiceID   string
	ServiceName string
	HasPrevious bool // false: there is nothing to roll back to
	Current     SpecSummary
	Previous    SpecSummary // what the service would become
	// Changes list, in words, what differs from the current spec to the
	// previous one, e.g. "image: alpine:3.7 → alpine:latest".
	Changes     []string
	UpdateState string // the service's rollout state now, if any
	// Token changes when the spec or the previous spec does; pass it as
	// MutateOptions.Expect so that an approval of a stale preview is refused.
	Token string
}

// SpecSummary is the part of a service's spec a rollback decision rests on.
type SpecSummary struct {
	Image          string
	Mode           string
	Replicas       uint64 // replicated services; a replicated job's completions
	Args           []string
	Env            []string
	UpdateConfig   *UpdateSettings // nil: the Engine's defaults
	RollbackConfig *UpdateSettings // nil: the Engine's defaults
	Labels         map[string]string
}

// RollbackPreview previews `docker service rollback SERVICE`.
func (c *Client) RollbackPreview(ctx context.Context, service string) (RollbackPreview, error) {
	target, err := c.resolveService(ctx, service)
	if err != nil {
		return RollbackPreview{}, fmt.Errorf("previewing the rollback of %s: %w", service, err)
	}
	s, _, err := c.api.ServiceInspectWithRaw(ctx, target.ID, swarm.ServiceInspectOptions{})
	if err != nil {
		return RollbackPreview{}, fmt.Errorf("previewing the rollback of %s: %w", service, err)
	}
	return rollbackPreview(s), nil
}

func rollbackPreview(s swarm.Service) RollbackPreview {
	p := RollbackPreview{
		ServiceID:   s.ID,
		ServiceName: s.Spec.Name,
		Current:     specSummary(s.Spec),
		Token:       specToken(s),
	}
	if u := s.UpdateStatus; u != nil {
		p.UpdateState = string(u.State)
	}
	if s.PreviousSpec != nil {
		p.HasPrevious = true
		p.Previous = specSummary(*s.PreviousSpec)
		p.Changes = specChanges(p.Current, p.Previous)
	}
	return p
}

func specSummary(s swarm.ServiceSpec) SpecSummary {
	v := SpecSummary{
		Image:          specImage(s),
		Mode:           modeName(s.Mode),
		Replicas:       specReplicas(s),
		UpdateConfig:   updateSettings(s.UpdateConfig),
		RollbackConfig: updateSettings(s.RollbackConfig),
		Labels:         s.Labels,
	}
	if cs := s.TaskTemplate.ContainerSpec; cs != nil {
		v.Args, v.Env = cs.Args, cs.Env
	}
	return v
}

// specChanges says in words what differs from a to b. The fence label is
// left out: it is swarmbot's bookkeeping, not the operator's.
func specChanges(a, b SpecSummary) []string {
	var out []string
	add := func(what, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s: %s → %s", what, orNone(x), orNone(y)))
		}
	}
	add("image", a.Image, b.Image)
	if a.Mode == "replicated" || a.Mode == "replicated job" {
		add("replicas", strconv.FormatUint(a.Replicas, 10), strconv.FormatUint(b.Replicas, 10))
	}
	add("args", strings.Join(a.Args, " "), strings.Join(b.Args, " "))
	add("env", strings.Join(a.Env, " "), strings.Join(b.Env, " "))
	add("update config", settingsText(a.UpdateConfig), settingsText(b.UpdateConfig))
	add("rollback config", settingsText(a.RollbackConfig), settingsText(b.RollbackConfig))
	add("labels", labelsText(a.Labels), labelsText(b.Labels))
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func settingsText(u *UpdateSettings) string {
	if u == nil {
		return "defaults"
	}
	return fmt.Sprintf("parallelism %d, delay %s, on failure %s, monitor %s, max failure ratio %v, %s",
		u.Parallelism, u.Delay, u.FailureAction, u.Monitor, u.MaxFailureRatio, u.Order)
}

func labelsText(l map[string]string) string {
	keys := slices.Sorted(maps.Keys(l))
	var parts []string
	for _, k := range keys {
		if k != FenceLabel {
			parts = append(parts, k+"="+l[k])
		}
	}
	return strings.Join(parts, " ")
}

// RemoveImpact is what removing a service would do.
type RemoveImpact struct {
	ServiceID   string
	ServiceName string
	Mode        string
	Image       string
	Replicas    uint64 // desired, for a replicated service
	// Tasks are the tasks meant to be running, which would stop.
	Tasks []Task
	// Token changes when the spec or the previous spec does; pass it as
	// MutateOptions.Expect to refuse an approval of a stale preview.
	Token string
}

// RemoveImpact previews `docker service rm SERVICE`.
func (c *Client) RemoveImpact(ctx context.Context, service string) (RemoveImpact, error) {
	target, err := c.resolveService(ctx, service)
	if err != nil {
		return RemoveImpact{}, fmt.Errorf("previewing the removal of %s: %w", service, err)
	}
	s, _, err := c.api.ServiceInspectWithRaw(ctx, target.ID, swarm.ServiceInspectOptions{})
	if err != nil {
		return RemoveImpact{}, fmt.Errorf("previewing the removal of %s: %w", service, err)
	}
	tasks, err := c.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(
		filters.Arg("service", s.ID), filters.Arg("desired-state", "running"))})
	if err != nil {
		return RemoveImpact{}, fmt.Errorf("previewing the removal of %s: %w", service, err)
	}
	nodes, err := c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return RemoveImpact{}, fmt.Errorf("previewing the removal of %s: %w", service, err)
	}
	r := RemoveImpact{
		ServiceID:   s.ID,
		ServiceName: s.Spec.Name,
		Mode:        modeName(s.Spec.Mode),
		Image:       displayImage(specImage(s.Spec)),
		Replicas:    specReplicas(s.Spec),
		Token:       specToken(s),
	}
	r.Tasks = taskRows(tasks, map[string]string{s.ID: s.Spec.Name}, nodeNames(nodes))
	sortTasks(r.Tasks)
	return r, nil
}

package swarm

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/docker/docker/api/types/swarm"
)

// ServiceDetail is what `docker service inspect --pretty` shows of a service.
// It is read with the Engine's defaults filled in, for display only: nothing
// read this way is ever written back.
type ServiceDetail struct {
	ID     string
	Name   string
	Labels map[string]string
	Mode   string // replicated, global, replicated job, global job
	// Replicas is a replicated service's replica count; MaxConcurrent and
	// Completions a replicated job's.
	Replicas      *uint64
	MaxConcurrent *uint64
	Completions   *uint64

	UpdateStatus *UpdateStatus // nil when the service never had a rollout

	Constraints []string
	Preferences []string // spread=node.labels.zone
	MaxPerNode  uint64

	UpdateConfig   *UpdateSettings
	RollbackConfig *UpdateSettings

	Image           string // as in the spec, digest included
	Args            []string
	Env             []string
	Dir             string
	User            string
	Init            *bool
	StopGracePeriod *time.Duration

	Mounts  []Mount
	Configs []FileRef
	Secrets []FileRef

	LogDriver string
	LogOpts   map[string]string

	Reservations Resources
	Limits       Resources

	Networks     []string // as the spec names them (IDs, usually)
	EndpointMode string
	Ports        []Port

	CreatedAt time.Time
	UpdatedAt time.Time
}

// UpdateStatus is a service's rollout: an update or a rollback.
type UpdateStatus struct {
	State       string // updating, paused, completed, rollback_started, rollback_paused, rollback_completed
	StartedAt   *time.Time
	CompletedAt *time.Time
	Message     string
}

// UpdateSettings are a service's update (or rollback) policy.
type UpdateSettings struct {
	Parallelism     uint64
	Delay           time.Duration
	FailureAction   string
	Monitor         time.Duration
	MaxFailureRatio float32
	Order           string
}

// Mount is a service's mount.
type Mount struct {
	Type     string
	Source   string
	Target   string
	ReadOnly bool
}

// FileRef is a config or secret given to a service's tasks as a file.
type FileRef struct {
	Source string // the config's or secret's name
	Target string // the file's name in the container
}

// Resources are CPU (in cores), memory (in bytes) and PIDs; 0 means unset.
type Resources struct {
	CPU    float64
	Memory int64
	PIDs   int64
}

// Port is a published port.
type Port struct {
	Published   uint32
	Target      uint32
	Protocol    string
	PublishMode string
}

// Inspect reads a service as `docker service inspect --pretty` shows it.
func (c *Client) Inspect(ctx context.Context, service string) (ServiceDetail, error) {
	target, err := c.resolveService(ctx, service)
	if err != nil {
		return ServiceDetail{}, fmt.Errorf("inspecting %s: %w", service, err)
	}
	s, _, err := c.api.ServiceInspectWithRaw(ctx, target.ID, swarm.ServiceInspectOptions{InsertDefaults: true})
	if err != nil {
		return ServiceDetail{}, fmt.Errorf("inspecting %s: %w", service, err)
	}
	return serviceDetail(s), nil
}

func serviceDetail(s swarm.Service) ServiceDetail {
	spec := s.Spec
	d := ServiceDetail{
		ID:        s.ID,
		Name:      spec.Name,
		Labels:    spec.Labels,
		Mode:      modeName(spec.Mode),
		CreatedAt: s.CreatedAt,
		UpdatedAt: s.UpdatedAt,
	}
	switch m := spec.Mode; {
	case m.Replicated != nil:
		d.Replicas = m.Replicated.Replicas
	case m.ReplicatedJob != nil:
		d.MaxConcurrent, d.Completions = m.ReplicatedJob.MaxConcurrent, m.ReplicatedJob.TotalCompletions
	}
	if u := s.UpdateStatus; u != nil && u.State != "" {
		d.UpdateStatus = &UpdateStatus{State: string(u.State), StartedAt: u.StartedAt, CompletedAt: u.CompletedAt, Message: u.Message}
	}
	t := spec.TaskTemplate
	if p := t.Placement; p != nil {
		d.Constraints = p.Constraints
		for _, pref := range p.Preferences {
			if pref.Spread != nil {
				d.Preferences = append(d.Preferences, "spread="+pref.Spread.SpreadDescriptor)
			}
		}
		d.MaxPerNode = p.MaxReplicas
	}
	d.UpdateConfig = updateSettings(spec.UpdateConfig)
	d.RollbackConfig = updateSettings(spec.RollbackConfig)
	if cs := t.ContainerSpec; cs != nil {
		d.Image, d.Args, d.Env, d.Dir, d.User = cs.Image, cs.Args, cs.Env, cs.Dir, cs.User
		d.Init, d.StopGracePeriod = cs.Init, cs.StopGracePeriod
		for _, m := range cs.Mounts {
			d.Mounts = append(d.Mounts, Mount{Type: string(m.Type), Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
		}
		for _, c := range cs.Configs {
			if c.File != nil {
				d.Configs = append(d.Configs, FileRef{Source: c.ConfigName, Target: c.File.Name})
			}
		}
		for _, sec := range cs.Secrets {
			if sec.File != nil {
				d.Secrets = append(d.Secrets, FileRef{Source: sec.SecretName, Target: sec.File.Name})
			}
		}
	}
	if ld := t.LogDriver; ld != nil {
		d.LogDriver, d.LogOpts = ld.Name, ld.Options
	}
	if r := t.Resources; r != nil {
		if rr := r.Reservations; rr != nil {
			d.Reservations = Resources{CPU: float64(rr.NanoCPUs) / 1e9, Memory: rr.MemoryBytes}
		}
		if l := r.Limits; l != nil {
			d.Limits = Resources{CPU: float64(l.NanoCPUs) / 1e9, Memory: l.MemoryBytes, PIDs: l.Pids}
		}
	}
	for _, n := range t.Networks {
		d.Networks = append(d.Networks, n.Target)
	}
	for _, n := range spec.Networks { // the deprecated place
		d.Networks = append(d.Networks, n.Target)
	}
	sort.Strings(d.Networks)
	d.EndpointMode = string(swarm.ResolutionModeVIP)
	if e := spec.EndpointSpec; e != nil {
		if e.Mode != "" {
			d.EndpointMode = string(e.Mode)
		}
		for _, p := range e.Ports {
			d.Ports = append(d.Ports, Port{Published: p.PublishedPort, Target: p.TargetPort, Protocol: string(p.Protocol), PublishMode: string(p.PublishMode)})
		}
	}
	return d
}

func updateSettings(c *swarm.UpdateConfig) *UpdateSettings {
	if c == nil {
		return nil
	}
	return &UpdateSettings{
		Parallelism:     c.Parallelism,
		Delay:           c.Delay,
		FailureAction:   c.FailureAction,
		Monitor:         c.Monitor,
		MaxFailureRatio: c.MaxFailureRatio,
		Order:           c.Order,
	}
}

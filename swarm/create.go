package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/swarm"
)

// CreateSpec is what `docker service create` makes a service of.
type CreateSpec struct {
	Name  string // empty lets the Engine pick a random one (goofy_ptolemy)
	Image string
	// Args follow the image as its command and arguments
	// (`docker service create alpine ping docker.com`).
	Args   []string
	Env    []string          // KEY=VALUE
	Labels map[string]string // service labels
	Mode   string            // replicated (when empty) or global
	// Replicas is the number of tasks of a replicated service, exactly:
	// docker's default of 1 is the caller's to apply. Global services take 0.
	Replicas        uint64
	Update          UpdatePolicy   // --update-*
	Rollback        UpdatePolicy   // --rollback-*
	StopGracePeriod *time.Duration // --stop-grace-period; nil: the Engine's 10s
	Init            *bool          // --init; nil: the daemon's default
	// ResolveImage asks a registry for the image's digest and pins it, as the
	// CLI does unless --no-resolve-image. Off, every node uses the image it
	// has under that name.
	ResolveImage bool
}

func (s CreateSpec) validate() error {
	if s.Image == "" {
		return errors.New("no image given")
	}
	if _, err := reference.ParseNormalizedNamed(s.Image); err != nil {
		return fmt.Errorf("image %q: %w", s.Image, err)
	}
	switch s.Mode {
	case "", "replicated":
	case "global":
		if s.Replicas != 0 {
			return errors.New("replicas can only be used with replicated mode")
		}
	default:
		return fmt.Errorf("mode %q: use replicated or global", s.Mode)
	}
	for _, e := range s.Env {
		if k, _, _ := strings.Cut(e, "="); k == "" {
			return fmt.Errorf("env %q: use KEY=VALUE", e)
		}
	}
	if d := s.StopGracePeriod; d != nil && *d < 0 {
		return fmt.Errorf("stop grace period %s: must not be negative", *d)
	}
	if err := s.Update.validate(false); err != nil {
		return err
	}
	return s.Rollback.validate(true)
}

func (s CreateSpec) spec(fence int64) swarm.ServiceSpec {
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: s.Name, Labels: maps.Clone(s.Labels)},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{
				Image:           s.Image,
				Args:            slices.Clone(s.Args),
				Env:             slices.Clone(s.Env),
				StopGracePeriod: s.StopGracePeriod,
				Init:            s.Init,
			},
		},
	}
	if s.Mode == "global" {
		spec.Mode.Global = &swarm.GlobalService{}
	} else {
		replicas := s.Replicas
		spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &replicas}
	}
	s.Update.applyTo(&spec.UpdateConfig)
	s.Rollback.applyTo(&spec.RollbackConfig)
	if fence > 0 {
		spec.Labels = withLabel(spec.Labels, FenceLabel, strconv.FormatInt(fence, 10))
	}
	return spec
}

// Create creates a service as `docker service create` does, except that no
// registry is asked for the image's digest unless ResolveImage is set. The
// Engine's warnings are kept in the result. opts.Fence, when set, is stamped
// on the new service.
func (c *Client) Create(ctx context.Context, s CreateSpec, opts MutateOptions) (Result, error) {
	what := "a service"
	if s.Name != "" {
		what = s.Name
	}
	if err := s.validate(); err != nil {
		return Result{}, fmt.Errorf("creating %s: %w", what, err)
	}
	resp, err := c.api.ServiceCreate(ctx, s.spec(opts.Fence), swarm.ServiceCreateOptions{QueryRegistry: s.ResolveImage})
	if err != nil {
		return Result{}, fmt.Errorf("creating %s: %w", what, err)
	}
	res := Result{ServiceID: resp.ID, ServiceName: s.Name, Warnings: resp.Warnings, ImageAfter: withDefaultTag(s.Image), ReplicasAfter: s.Replicas, Attempts: 1}
	if res.ServiceName == "" {
		created, _, err := c.api.ServiceInspectWithRaw(ctx, resp.ID, swarm.ServiceInspectOptions{})
		if err != nil {
			return res, fmt.Errorf("reading the name of new service %s: %w", resp.ID, err)
		}
		res.ServiceName = created.Spec.Name
	}
	return res, nil
}

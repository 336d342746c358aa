package swarm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/swarm"
)

// UpdatePolicy is the --update-* (or --rollback-*) flags of docker service
// create and update. A nil field is left as it is; on create, as the Engine's
// default (parallelism 1, on failure pause, monitor 5s, max failure ratio 0,
// stop-first).
type UpdatePolicy struct {
	Parallelism     *uint64        // tasks changed at once; 0 means all at once
	Delay           *time.Duration // pause between batches
	FailureAction   *string        // pause, continue, rollback (for a rollback: pause, continue)
	Monitor         *time.Duration // how long a new task is watched for failure
	MaxFailureRatio *float32       // failures tolerated, 0 to 1
	Order           *string        // stop-first, start-first
}

func (p UpdatePolicy) isZero() bool {
	return p == UpdatePolicy{}
}

// validate checks the policy; rollback says it is the --rollback-* one.
func (p UpdatePolicy) validate(rollback bool) error {
	flag := "update"
	actions := []string{swarm.UpdateFailureActionPause, swarm.UpdateFailureActionContinue, swarm.UpdateFailureActionRollback}
	if rollback {
		flag = "rollback"
		actions = actions[:2]
	}
	if a := p.FailureAction; a != nil && !slices.Contains(actions, *a) {
		return fmt.Errorf("--%s-failure-action %q: use one of %s", flag, *a, strings.Join(actions, ", "))
	}
	if o := p.Order; o != nil && *o != swarm.UpdateOrderStopFirst && *o != swarm.UpdateOrderStartFirst {
		return fmt.Errorf("--%s-order %q: use stop-first or start-first", flag, *o)
	}
	if r := p.MaxFailureRatio; r != nil && (*r < 0 || *r > 1) {
		return fmt.Errorf("--%s-max-failure-ratio %v: use a number from 0 to 1", flag, *r)
	}
	if d := p.Delay; d != nil && *d < 0 {
		return fmt.Errorf("--%s-delay %s: must not be negative", flag, *d)
	}
	if d := p.Monitor; d != nil && *d < 0 {
		return fmt.Errorf("--%s-monitor %s: must not be negative", flag, *d)
	}
	return nil
}

// applyTo sets the policy's fields on *cfg, first filling it with the Engine's
// defaults when the spec has none, as the docker CLI does.
func (p UpdatePolicy) applyTo(cfg **swarm.UpdateConfig) {
	if p.isZero() {
		return
	}
	if *cfg == nil {
		d := defaultUpdateConfig()
		*cfg = &d
	}
	c := *cfg
	if p.Parallelism != nil {
		c.Parallelism = *p.Parallelism
	}
	if p.Delay != nil {
		c.Delay = *p.Delay
	}
	if p.FailureAction != nil {
		c.FailureAction = *p.FailureAction
	}
	if p.Monitor != nil {
		c.Monitor = *p.Monitor
	}
	if p.MaxFailureRatio != nil {
		c.MaxFailureRatio = *p.MaxFailureRatio
	}
	if p.Order != nil {
		c.Order = *p.Order
	}
}

// defaultUpdateConfig is swarmkit's default for both updates and rollbacks.
func defaultUpdateConfig() swarm.UpdateConfig {
	return swarm.UpdateConfig{
		Parallelism:   1,
		FailureAction: swarm.UpdateFailureActionPause,
		Monitor:       5 * time.Second,
		Order:         swarm.UpdateOrderStopFirst,
	}
}

// UpdateSpec is what `docker service update` changes. Only what is set
// changes; the rest of the service stays as it is.
type UpdateSpec struct {
	Image string // --image; empty leaves it
	// Args replaces the command's arguments (--args); nil leaves them, an
	// empty slice clears them.
	Args      []string
	EnvAdd    []string // --env-add KEY=VALUE, replacing KEY when it is set
	EnvRemove []string // --env-rm KEY
	Update    UpdatePolicy
	Rollback  UpdatePolicy
	// Force restarts every task even when nothing else changes (--force).
	Force bool
	// ResolveImage asks a registry for the image's digest and pins it, as the
	// CLI does unless --no-resolve-image. Off, every node uses the image it
	// has under that name (and there is no registry lookup to wait for).
	ResolveImage bool
}

func (u UpdateSpec) validate() error {
	if u.Image == "" && u.Args == nil && len(u.EnvAdd) == 0 && len(u.EnvRemove) == 0 &&
		u.Update.isZero() && u.Rollback.isZero() && !u.Force {
		return errors.New("nothing to change: give an image, update or rollback settings, env, args, or force")
	}
	if u.Image != "" {
		if _, err := reference.ParseNormalizedNamed(u.Image); err != nil {
			return fmt.Errorf("image %q: %w", u.Image, err)
		}
	}
	for _, e := range u.EnvAdd {
		if k, _, _ := strings.Cut(e, "="); k == "" {
			return fmt.Errorf("env %q: use KEY=VALUE", e)
		}
	}
	if err := u.Update.validate(false); err != nil {
		return err
	}
	return u.Rollback.validate(true)
}

// Update changes a service as `docker service update` does with the flags
// UpdateSpec stands for: read without defaults, change only what was asked,
// write with the version read (re-read and re-applied when someone else wrote
// in between). A new image rolls out slot by slot under the update policy.
func (c *Client) Update(ctx context.Context, service string, u UpdateSpec, opts MutateOptions) (Result, error) {
	if err := u.validate(); err != nil {
		return Result{}, fmt.Errorf("updating %s: %w", service, err)
	}
	var before, after string
	uopts := swarm.ServiceUpdateOptions{QueryRegistry: u.ResolveImage && u.Image != ""}
	res, err := c.updateService(ctx, service, opts, uopts, func(s *swarm.Service) error {
		cs := s.Spec.TaskTemplate.ContainerSpec
		if cs == nil {
			return errors.New("it has no container spec (a plugin service?)")
		}
		before = cs.Image
		if u.Image != "" {
			cs.Image = u.Image
		}
		after = withDefaultTag(cs.Image)
		if u.Args != nil {
			cs.Args = slices.Clone(u.Args)
		}
		cs.Env = editEnv(cs.Env, u.EnvAdd, u.EnvRemove)
		u.Update.applyTo(&s.Spec.UpdateConfig)
		u.Rollback.applyTo(&s.Spec.RollbackConfig)
		if u.Force {
			s.Spec.TaskTemplate.ForceUpdate++
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("updating %s: %w", service, err)
	}
	res.ImageBefore, res.ImageAfter = before, after
	return res, nil
}

// withDefaultTag adds :latest to an image without tag or digest, as the Engine
// client does to the spec it sends, so that results say what the spec holds.
func withDefaultTag(image string) string {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image
	}
	return reference.FamiliarString(reference.TagNameOnly(ref))
}

// editEnv removes the keys of remove, then sets each KEY=VALUE of add in
// place, appending new keys. Unlike the CLI it keeps the order, so an update
// that sets a variable to its value changes nothing and restarts nothing.
func editEnv(env, add, remove []string) []string {
	if len(add) == 0 && len(remove) == 0 {
		return env
	}
	key := func(e string) string { k, _, _ := strings.Cut(e, "="); return k }
	out := make([]string, 0, len(env)+len(add))
	for _, e := range env {
		if !slices.Contains(remove, key(e)) {
			out = append(out, e)
		}
	}
	for _, a := range add {
		i := slices.IndexFunc(out, func(e string) bool { return key(e) == key(a) })
		if i >= 0 {
			out[i] = a
		} else {
			out = append(out, a)
		}
	}
	return out
}

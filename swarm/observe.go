package swarm

import (
	"context"
	"io"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
)

// Observer is told of every Engine API call: the Engine method's name
// ("ServiceUpdate"), how long it took and its error. It must be quick and
// safe for concurrent use (a metrics recorder).
type Observer func(call string, took time.Duration, err error)

// Observed returns an Engine that calls api and tells observe of each call.
// Events, a stream, is told when it is opened; its errors come later, on its
// channel, and are not observed.
func Observed(api Engine, observe Observer) Engine {
	return observed{api: api, observe: observe}
}

type observed struct {
	api     Engine
	observe Observer
}

// done is deferred with the call's start and a pointer to its error.
func (o observed) done(call string, start time.Time, err *error) {
	o.observe(call, time.Since(start), *err)
}

func (o observed) Ping(ctx context.Context) (_ types.Ping, err error) {
	defer o.done("Ping", time.Now(), &err)
	return o.api.Ping(ctx)
}

func (o observed) Info(ctx context.Context) (_ system.Info, err error) {
	defer o.done("Info", time.Now(), &err)
	return o.api.Info(ctx)
}

func (o observed) Events(ctx context.Context, options events.ListOptions) (<-chan events.Message, <-chan error) {
	var err error
	defer o.done("Events", time.Now(), &err)
	return o.api.Events(ctx, options)
}

func (o observed) SwarmInspect(ctx context.Context) (_ swarm.Swarm, err error) {
	defer o.done("SwarmInspect", time.Now(), &err)
	return o.api.SwarmInspect(ctx)
}

func (o observed) SwarmUpdate(ctx context.Context, version swarm.Version, spec swarm.Spec, flags swarm.UpdateFlags) (err error) {
	defer o.done("SwarmUpdate", time.Now(), &err)
	return o.api.SwarmUpdate(ctx, version, spec, flags)
}

func (o observed) NodeList(ctx context.Context, options swarm.NodeListOptions) (_ []swarm.Node, err error) {
	defer o.done("NodeList", time.Now(), &err)
	return o.api.NodeList(ctx, options)
}

func (o observed) NodeInspectWithRaw(ctx context.Context, nodeID string) (_ swarm.Node, _ []byte, err error) {
	defer o.done("NodeInspectWithRaw", time.Now(), &err)
	return o.api.NodeInspectWithRaw(ctx, nodeID)
}

func (o observed) NodeUpdate(ctx context.Context, nodeID string, version swarm.Version, node swarm.NodeSpec) (err error) {
	defer o.done("NodeUpdate", time.Now(), &err)
	return o.api.NodeUpdate(ctx, nodeID, version, node)
}

func (o observed) ServiceCreate(ctx context.Context, service swarm.ServiceSpec, options swarm.ServiceCreateOptions) (_ swarm.ServiceCreateResponse, err error) {
	defer o.done("ServiceCreate", time.Now(), &err)
	return o.api.ServiceCreate(ctx, service, options)
}

func (o observed) ServiceInspectWithRaw(ctx context.Context, serviceID string, options swarm.ServiceInspectOptions) (_ swarm.Service, _ []byte, err error) {
	defer o.done("ServiceInspectWithRaw", time.Now(), &err)
	return o.api.ServiceInspectWithRaw(ctx, serviceID, options)
}

func (o observed) ServiceList(ctx context.Context, options swarm.ServiceListOptions) (_ []swarm.Service, err error) {
	defer o.done("ServiceList", time.Now(), &err)
	return o.api.ServiceList(ctx, options)
}

func (o observed) ServiceRemove(ctx context.Context, serviceID string) (err error) {
	defer o.done("ServiceRemove", time.Now(), &err)
	return o.api.ServiceRemove(ctx, serviceID)
}

func (o observed) ServiceUpdate(ctx context.Context, serviceID string, version swarm.Version, service swarm.ServiceSpec, options swarm.ServiceUpdateOptions) (_ swarm.ServiceUpdateResponse, err error) {
	defer o.done("ServiceUpdate", time.Now(), &err)
	return o.api.ServiceUpdate(ctx, serviceID, version, service, options)
}

func (o observed) ServiceLogs(ctx context.Context, serviceID string, options container.LogsOptions) (_ io.ReadCloser, err error) {
	defer o.done("ServiceLogs", time.Now(), &err)
	return o.api.ServiceLogs(ctx, serviceID, options)
}

func (o observed) TaskList(ctx context.Context, options swarm.TaskListOptions) (_ []swarm.Task, err error) {
	defer o.done("TaskList", time.Now(), &err)
	return o.api.TaskList(ctx, options)
}

func (o observed) TaskInspectWithRaw(ctx context.Context, taskID string) (_ swarm.Task, _ []byte, err error) {
	defer o.done("TaskInspectWithRaw", time.Now(), &err)
	return o.api.TaskInspectWithRaw(ctx, taskID)
}

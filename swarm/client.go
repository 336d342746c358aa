// Package swarm is swarmbot's only door to the Docker Engine: it reads and
// changes services, tasks and nodes the way the docker CLI does, and returns
// small views of its own so that no Engine type leaks into other packages.
package swarm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
)

// Engine is the part of the Docker Engine API swarmbot uses. *client.Client
// implements it; unit tests implement it with recorded responses.
type Engine interface {
	Ping(ctx context.Context) (types.Ping, error)
	Info(ctx context.Context) (system.Info, error)
	Events(ctx context.Context, options events.ListOptions) (<-chan events.Message, <-chan error)

	SwarmInspect(ctx context.Context) (swarm.Swarm, error)
	SwarmUpdate(ctx context.Context, version swarm.Version, spec swarm.Spec, flags swarm.UpdateFlags) error

	NodeList(ctx context.Context, options swarm.NodeListOptions) ([]swarm.Node, error)
	NodeInspectWithRaw(ctx context.Context, nodeID string) (swarm.Node, []byte, error)
	NodeUpdate(ctx context.Context, nodeID string, version swarm.Version, node swarm.NodeSpec) error

	ServiceCreate(ctx context.Context, service swarm.ServiceSpec, options swarm.ServiceCreateOptions) (swarm.ServiceCreateResponse, error)
	ServiceInspectWithRaw(ctx context.Context, serviceID string, options swarm.ServiceInspectOptions) (swarm.Service, []byte, error)
	ServiceList(ctx context.Context, options swarm.ServiceListOptions) ([]swarm.Service, error)
	ServiceRemove(ctx context.Context, serviceID string) error
	ServiceUpdate(ctx context.Context, serviceID string, version swarm.Version, service swarm.ServiceSpec, options swarm.ServiceUpdateOptions) (swarm.ServiceUpdateResponse, error)
	ServiceLogs(ctx context.Context, serviceID string, options container.LogsOptions) (io.ReadCloser, error)

	TaskList(ctx context.Context, options swarm.TaskListOptions) ([]swarm.Task, error)
	TaskInspectWithRaw(ctx context.Context, taskID string) (swarm.Task, []byte, error)
}

// Client reads and changes one swarm through its manager's Engine API.
type Client struct {
	api Engine
	now func() time.Time
}

// New returns a Client over an Engine (a *client.Client, or a recording in tests).
func New(api Engine) *Client {
	return &Client{api: api, now: time.Now}
}

// Connect is Dial, then New.
func Connect(host string) (*Client, io.Closer, error) {
	api, closer, err := Dial(host)
	if err != nil {
		return nil, nil, err
	}
	return New(api), closer, nil
}

// Dial opens the Engine at host, or, when host is empty, at the standard
// DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as the docker CLI does.
// The API version is negotiated: the client's default may be newer than the
// daemon's (Debian's 20.10 engine speaks API 1.41).
func Dial(host string) (Engine, io.Closer, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to the Docker Engine: %w", err)
	}
	return c, c, nil
}

// ErrNotManager says the Engine is not a manager of a swarm, so it cannot
// answer for services, tasks or nodes.
var ErrNotManager = errors.New("this Docker Engine is not a swarm manager: run `docker swarm init`, or point DOCKER_HOST at a manager")

// CheckManager pings the Engine and makes sure it manages a swarm.
func (c *Client) CheckManager(ctx context.Context) error {
	if _, err := c.api.Ping(ctx); err != nil {
		return fmt.Errorf("reaching the Docker Engine: %w", err)
	}
	info, err := c.api.Info(ctx)
	if err != nil {
		return fmt.Errorf("reading the Docker Engine's info: %w", err)
	}
	if info.Swarm.LocalNodeState != swarm.LocalNodeStateActive || !info.Swarm.ControlAvailable {
		return ErrNotManager
	}
	return nil
}

package swarm_test

import (
	"context"
	"testing"

	"github.com/docker/docker/api/types/filters"
	dockerswarm "github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/swarmbot/swarmbot/swarm"
)

// The benchmarks measure, on the private swarm, what this package's reads and
// writes cost next to the Engine calls the docker CLI makes for the same
// command. Run: go test ./swarm -run '^$' -bench . -benchtime 50x

const benchReplicas = 20

func benchService(b *testing.B) (*swarm.Client, *clientEngine) {
	b.Helper()
	cli := engine(b)
	c := swarm.New(cli)
	const name = "bench-ping"
	_, _ = c.Remove(b.Context(), name, swarm.MutateOptions{Force: true})
	res, err := c.Create(b.Context(), swarm.CreateSpec{Name: name, Image: "alpine:latest", Args: []string{"ping", "127.0.0.1"}, Replicas: benchReplicas}, swarm.MutateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = c.Remove(context.Background(), res.ServiceID, swarm.MutateOptions{Force: true}) })
	return c, &clientEngine{cli: cli, id: res.ServiceID}
}

// clientEngine is the raw Engine, to make the CLI's calls with.
type clientEngine struct {
	cli *client.Client
	id  string
}

// BenchmarkLs: swarmbot's ls (services with status, running tasks, nodes).
func BenchmarkLs(b *testing.B) {
	c, _ := benchService(b)
	for b.Loop() {
		if _, err := c.Services(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLsCLICalls: the one call `docker service ls` makes.
func BenchmarkLsCLICalls(b *testing.B) {
	_, e := benchService(b)
	for b.Loop() {
		if _, err := e.cli.ServiceList(b.Context(), dockerswarm.ServiceListOptions{Status: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPS: swarmbot's ps (resolve, tasks, nodes).
func BenchmarkPS(b *testing.B) {
	c, _ := benchService(b)
	for b.Loop() {
		if _, err := c.PS(b.Context(), "bench-ping", swarm.PSOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPSCLICalls: `docker service ps`'s calls, its name cache warm:
// services by ID and by name, then the tasks.
func BenchmarkPSCLICalls(b *testing.B) {
	_, e := benchService(b)
	for b.Loop() {
		for _, key := range []string{"id", "name"} {
			if _, err := e.cli.ServiceList(b.Context(), dockerswarm.ServiceListOptions{Filters: filters.NewArgs(filters.Arg(key, "bench-ping"))}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := e.cli.TaskList(b.Context(), dockerswarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", e.id))}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScaleWrite: swarmbot's scale to the same count (resolve, read,
// write), which changes no task.
func BenchmarkScaleWrite(b *testing.B) {
	c, _ := benchService(b)
	for b.Loop() {
		if _, err := c.Scale(b.Context(), "bench-ping", benchReplicas, swarm.MutateOptions{Fence: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScaleWriteCLICalls: `docker service scale`'s read and write.
func BenchmarkScaleWriteCLICalls(b *testing.B) {
	_, e := benchService(b)
	for b.Loop() {
		s, _, err := e.cli.ServiceInspectWithRaw(b.Context(), e.id, dockerswarm.ServiceInspectOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.cli.ServiceUpdate(b.Context(), s.ID, s.Version, s.Spec, dockerswarm.ServiceUpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

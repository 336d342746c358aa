package swarm

// recordedEngine is an Engine over responses recorded from the private test
// swarm (testdata/recorded/*.json, written by the integration tests with
// -record). Its writes follow the Engine's rules that the package relies on:
// a version check ("update out of sequence"), the previous spec kept on every
// write, and the spec swap of a rollback.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/errdefs"
)

// recording is what one fixture file holds.
type recording struct {
	Now      time.Time       // when it was recorded
	Info     system.Info     // only ServerVersion and Swarm are kept
	Swarm    swarm.Swarm     // SwarmInspect
	Nodes    []swarm.Node    // NodeList
	Services []swarm.Service // ServiceList with status
	Defaults []swarm.Service // ServiceInspect with defaults, for inspect --pretty
	Tasks    []swarm.Task    // TaskList, every task
	Logs     []byte          // a ServiceLogs stream (timestamps, details), multiplexed
}

func loadRecording(t *testing.T, name string) recording {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "recorded", name+".json"))
	if err != nil {
		t.Fatalf("reading fixture: %v (record it with: go test ./swarm -run TestSeedStory -record)", err)
	}
	var r recording
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("reading fixture %s: %v", name, err)
	}
	return r
}

type recordedEngine struct {
	mu    sync.Mutex
	rec   recording
	index uint64
	// beforeWrite, when set, runs before each ServiceUpdate is judged, with
	// the engine unlocked: a test writes there as "someone else".
	beforeWrite func(serviceID string)
	writes      int // ServiceUpdate calls
	conflicts   int // of which out of sequence
}

func newRecordedEngine(rec recording) *recordedEngine {
	e := &recordedEngine{rec: rec, index: 1000}
	for _, s := range rec.Services {
		e.index = max(e.index, s.Version.Index)
	}
	return e
}

var _ Engine = (*recordedEngine)(nil)

// clone deep-copies through JSON, as values cross the API.
func jsonCopy[T any](v T) T {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func (e *recordedEngine) Ping(context.Context) (types.Ping, error) { return types.Ping{}, nil }

func (e *recordedEngine) Info(context.Context) (system.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return jsonCopy(e.rec.Info), nil
}

func (e *recordedEngine) Events(context.Context, events.ListOptions) (<-chan events.Message, <-chan error) {
	return make(chan events.Message), make(chan error)
}

func (e *recordedEngine) SwarmInspect(context.Context) (swarm.Swarm, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return jsonCopy(e.rec.Swarm), nil
}

func (e *recordedEngine) SwarmUpdate(_ context.Context, v swarm.Version, spec swarm.Spec, _ swarm.UpdateFlags) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if v.Index != e.rec.Swarm.Version.Index {
		return outOfSequenceErr()
	}
	e.index++
	e.rec.Swarm.Spec = jsonCopy(spec)
	e.rec.Swarm.Version.Index = e.index
	if l := spec.Orchestration.TaskHistoryRetentionLimit; l != nil && e.rec.Info.Swarm.Cluster != nil {
		e.rec.Info.Swarm.Cluster.Spec.Orchestration.TaskHistoryRetentionLimit = l
	}
	return nil
}

func (e *recordedEngine) NodeList(context.Context, swarm.NodeListOptions) ([]swarm.Node, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return jsonCopy(e.rec.Nodes), nil
}

func (e *recordedEngine) NodeInspectWithRaw(_ context.Context, id string) (swarm.Node, []byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range e.rec.Nodes {
		if n.ID == id || n.Description.Hostname == id {
			return jsonCopy(n), nil, nil
		}
	}
	return swarm.Node{}, nil, errdefs.NotFound(fmt.Errorf("node %s not found", id))
}

func (e *recordedEngine) NodeUpdate(_ context.Context, id string, v swarm.Version, spec swarm.NodeSpec) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, n := range e.rec.Nodes {
		if n.ID != id {
			continue
		}
		if n.Version.Index != v.Index {
			return outOfSequenceErr()
		}
		e.index++
		e.rec.Nodes[i].Spec = jsonCopy(spec)
		e.rec.Nodes[i].Version.Index = e.index
		return nil
	}
	return errdefs.NotFound(fmt.Errorf("node %s not found", id))
}

func (e *recordedEngine) ServiceCreate(_ context.Context, spec swarm.ServiceSpec, _ swarm.ServiceCreateOptions) (swarm.ServiceCreateResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.index++
	id := fmt.Sprintf("created%018d", e.index)
	if spec.Name == "" {
		spec.Name = "goofy_ptolemy"
	}
	s := swarm.Service{ID: id, Spec: jsonCopy(spec)}
	s.Version.Index = e.index
	e.rec.Services = append(e.rec.Services, s)
	return swarm.ServiceCreateResponse{ID: id}, nil
}

func (e *recordedEngine) find(ref string) (int, error) {
	for i, s := range e.rec.Services {
		if s.ID == ref || s.Spec.Name == ref {
			return i, nil
		}
	}
	return -1, errdefs.NotFound(fmt.Errorf("service %s not found", ref))
}

func (e *recordedEngine) ServiceInspectWithRaw(_ context.Context, ref string, opts swarm.ServiceInspectOptions) (swarm.Service, []byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, err := e.find(ref)
	if err != nil {
		return swarm.Service{}, nil, err
	}
	s := jsonCopy(e.rec.Services[i])
	s.ServiceStatus = nil
	if opts.InsertDefaults {
		for _, d := range e.rec.Defaults {
			if d.ID == s.ID {
				return jsonCopy(d), nil, nil
			}
		}
	}
	return s, nil, nil
}

func (e *recordedEngine) ServiceList(_ context.Context, opts swarm.ServiceListOptions) ([]swarm.Service, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := jsonCopy(e.rec.Services)
	if !opts.Status {
		for i := range out {
			out[i].ServiceStatus = nil
		}
	}
	return out, nil
}

func (e *recordedEngine) ServiceRemove(_ context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, err := e.find(id)
	if err != nil {
		return err
	}
	e.rec.Services = append(e.rec.Services[:i], e.rec.Services[i+1:]...)
	return nil
}

func outOfSequenceErr() error {
	return errors.New("Error response from daemon: rpc error: code = Unknown desc = update out of sequence")
}

func (e *recordedEngine) ServiceUpdate(_ context.Context, id string, v swarm.Version, spec swarm.ServiceSpec, opts swarm.ServiceUpdateOptions) (swarm.ServiceUpdateResponse, error) {
	if f := e.beforeWrite; f != nil {
		f(id)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.writes++
	i, err := e.find(id)
	if err != nil {
		return swarm.ServiceUpdateResponse{}, err
	}
	s := &e.rec.Services[i]
	if s.Version.Index != v.Index {
		e.conflicts++
		return swarm.ServiceUpdateResponse{}, outOfSequenceErr()
	}
	if s.Spec.Name != spec.Name {
		return swarm.ServiceUpdateResponse{}, errdefs.InvalidParameter(errors.New("renaming services is not supported"))
	}
	e.index++
	s.Version.Index = e.index
	now := e.rec.Now
	if opts.Rollback == "previous" {
		if s.PreviousSpec == nil {
			return swarm.ServiceUpdateResponse{}, errdefs.InvalidParameter(fmt.Errorf("rpc error: code = FailedPrecondition desc = service %s does not have a previous spec", id))
		}
		cur := s.Spec
		s.Spec, s.PreviousSpec = *s.PreviousSpec, &cur
		s.UpdateStatus = &swarm.UpdateStatus{State: swarm.UpdateStateRollbackStarted, Message: "manually requested rollback", StartedAt: &now}
		return swarm.ServiceUpdateResponse{}, nil
	}
	prev := s.Spec
	s.PreviousSpec = &prev
	s.Spec = jsonCopy(spec)
	s.UpdateStatus = nil
	return swarm.ServiceUpdateResponse{Warnings: nil}, nil
}

// write changes a service as another writer would, bumping its version.
func (e *recordedEngine) write(id string, change func(*swarm.ServiceSpec)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, err := e.find(id)
	if err != nil {
		panic(err)
	}
	s := &e.rec.Services[i]
	prev := jsonCopy(s.Spec)
	s.PreviousSpec = &prev
	change(&s.Spec)
	e.index++
	s.Version.Index = e.index
}

func (e *recordedEngine) service(ref string) swarm.Service {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, err := e.find(ref)
	if err != nil {
		panic(err)
	}
	return jsonCopy(e.rec.Services[i])
}

func (e *recordedEngine) ServiceLogs(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return io.NopCloser(bytes.NewReader(e.rec.Logs)), nil
}

func (e *recordedEngine) TaskList(_ context.Context, opts swarm.TaskListOptions) ([]swarm.Task, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []swarm.Task
	for _, t := range e.rec.Tasks {
		if !filterMatches(opts.Filters.Get("service"), t.ServiceID) ||
			!filterMatches(opts.Filters.Get("node"), t.NodeID) ||
			!filterMatches(opts.Filters.Get("desired-state"), string(t.DesiredState)) {
			continue
		}
		out = append(out, jsonCopy(t))
	}
	return out, nil
}

func filterMatches(want []string, got string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if strings.EqualFold(w, got) {
			return true
		}
	}
	return false
}

func (e *recordedEngine) TaskInspectWithRaw(_ context.Context, id string) (swarm.Task, []byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.rec.Tasks {
		if t.ID == id {
			return jsonCopy(t), nil, nil
		}
	}
	return swarm.Task{}, nil, errdefs.NotFound(fmt.Errorf("task %s not found", id))
}

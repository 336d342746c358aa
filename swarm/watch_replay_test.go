package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
)

// A scenario is a recorded (or hand-written) run of the Engine: frames of
// what the Engine answered, each from a moment on. Recorded task lists are the
// answers to the CLI's `_up-to-date=true` listing. Times are offsets from the
// start of the run; the replay serves, at each moment, the newest frame.
type scenario struct {
	Comment string         `json:"comment,omitempty"`
	Op      scenarioOp     `json:"op"`
	Expect  scenarioExpect `json:"expect"`
	Config  scenarioCfg    `json:"config,omitzero"`
	// NoEvents: the Engine sends no events (polling only).
	NoEvents bool `json:"no_events,omitempty"`
	// StreamErrors are moments at which the event stream breaks.
	StreamErrors []scenarioDuration `json:"stream_errors,omitempty"`
	Frames       []scenarioFrame    `json:"frames"`
}

type scenarioOp struct {
	Kind     OperationKind `json:"kind"`
	Service  string        `json:"service,omitempty"`
	Node     string        `json:"node,omitempty"`
	Services []string      `json:"services,omitempty"`
}

type scenarioCfg struct {
	StuckAfter scenarioDuration `json:"stuck_after,omitzero"`
	Timeout    scenarioDuration `json:"timeout,omitzero"`
}

// A frame replaces what it names; a field left out (null) keeps the value of
// the frame before.
type scenarioFrame struct {
	At       scenarioDuration  `json:"at"`
	Services []scenarioService `json:"services,omitzero"`
	Nodes    []scenarioNode    `json:"nodes,omitzero"`
	Tasks    []scenarioTask    `json:"tasks,omitzero"`
	// Removing are tasks of removed services still stopping (the answer to
	// `desired-state=remove`).
	Removing []scenarioTask `json:"removing,omitzero"`
	// EngineDown makes every call fail from this frame on, until a frame
	// sets it back.
	EngineDown *bool `json:"engine_down,omitempty"`
}

type scenarioService struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	Mode          string           `json:"mode"`
	Replicas      uint64           `json:"replicas,omitempty"`
	Image         string           `json:"image,omitempty"`
	Monitor       scenarioDuration `json:"monitor,omitzero"`
	Delay         scenarioDuration `json:"delay,omitzero"`
	RollbackDelay scenarioDuration `json:"rollback_delay,omitzero"`
	Update        *scenarioUpdate  `json:"update,omitempty"`
	Job           *scenarioJob     `json:"job,omitempty"`
}

type scenarioUpdate struct {
	State   string           `json:"state"`
	Message string           `json:"message,omitempty"`
	Started scenarioDuration `json:"started"`
}

type scenarioJob struct {
	Total      uint64 `json:"total,omitempty"`
	Concurrent uint64 `json:"concurrent,omitempty"`
	Iteration  uint64 `json:"iteration"`
}

type scenarioNode struct {
	ID           string `json:"id"`
	Hostname     string `json:"hostname"`
	State        string `json:"state"`
	Availability string `json:"availability"`
}

type scenarioTask struct {
	ID        string           `json:"id"`
	Service   string           `json:"service"`
	Slot      int              `json:"slot,omitempty"`
	Node      string           `json:"node,omitempty"`
	Desired   string           `json:"desired"`
	State     string           `json:"state"`
	At        scenarioDuration `json:"at"`
	Err       string           `json:"err,omitempty"`
	Image     string           `json:"image,omitempty"`
	Iteration *uint64          `json:"iteration,omitempty"`
}

// scenarioDuration is a time.Duration written as "1.5s" in JSON.
type scenarioDuration time.Duration

func (d scenarioDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *scenarioDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = scenarioDuration(v)
	return err
}

func loadScenario(t *testing.T, path string) scenario {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sc scenario
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return sc
}

// replayState is the Engine's state at one moment, every frame up to it applied.
type replayState struct {
	services   []scenarioService
	nodes      []scenarioNode
	tasks      []scenarioTask
	removing   []scenarioTask
	engineDown bool
}

// replayEngine is an Engine that answers from a scenario by the clock, and
// counts the calls it gets. It is meant to run in a synctest bubble.
type replayEngine struct {
	sc scenario
	t0 time.Time

	mu    sync.Mutex
	calls map[string]int
}

func newReplayEngine(sc scenario) *replayEngine {
	return &replayEngine{sc: sc, t0: time.Now(), calls: map[string]int{}}
}

func (e *replayEngine) count(name string) {
	e.mu.Lock()
	e.calls[name]++
	e.mu.Unlock()
}

func (e *replayEngine) counts() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]int{}
	for k, v := range e.calls {
		out[k] = v
	}
	return out
}

func (e *replayEngine) state() replayState {
	var st replayState
	now := time.Since(e.t0)
	for i, f := range e.sc.Frames {
		if i > 0 && time.Duration(f.At) > now {
			break
		}
		if f.Services != nil {
			st.services = f.Services
		}
		if f.Nodes != nil {
			st.nodes = f.Nodes
		}
		if f.Tasks != nil {
			st.tasks = f.Tasks
		}
		if f.Removing != nil {
			st.removing = f.Removing
		}
		if f.EngineDown != nil {
			st.engineDown = *f.EngineDown
		}
	}
	// What no frame has named yet stood at the start as its first frame says.
	for _, f := range e.sc.Frames {
		if st.services == nil {
			st.services = f.Services
		}
		if st.nodes == nil {
			st.nodes = f.Nodes
		}
		if st.tasks == nil {
			st.tasks = f.Tasks
		}
	}
	return st
}

var errReplayDown = errors.New("Cannot connect to the Docker daemon at unix:///replay.sock. Is the docker daemon running?")

func (e *replayEngine) at(d scenarioDuration) time.Time { return e.t0.Add(time.Duration(d)) }

func (e *replayEngine) service(s scenarioService) swarm.Service {
	svc := swarm.Service{ID: s.ID}
	svc.Spec.Name = s.Name
	svc.Spec.TaskTemplate.ContainerSpec = &swarm.ContainerSpec{Image: s.Image}
	switch s.Mode {
	case "replicated":
		r := s.Replicas
		svc.Spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &r}
	case "global":
		svc.Spec.Mode.Global = &swarm.GlobalService{}
	case "replicated job":
		total, conc := s.Job.Total, s.Job.Concurrent
		svc.Spec.Mode.ReplicatedJob = &swarm.ReplicatedJob{TotalCompletions: &total, MaxConcurrent: &conc}
	case "global job":
		svc.Spec.Mode.GlobalJob = &swarm.GlobalJob{}
	}
	if s.Job != nil {
		svc.JobStatus = &swarm.JobStatus{JobIteration: swarm.Version{Index: s.Job.Iteration}}
	}
	if s.Monitor != 0 || s.Delay != 0 {
		svc.Spec.UpdateConfig = &swarm.UpdateConfig{Monitor: time.Duration(s.Monitor), Delay: time.Duration(s.Delay)}
	}
	if s.RollbackDelay != 0 {
		svc.Spec.RollbackConfig = &swarm.UpdateConfig{Delay: time.Duration(s.RollbackDelay)}
	}
	if u := s.Update; u != nil {
		started := e.at(u.Started)
		svc.UpdateStatus = &swarm.UpdateStatus{State: swarm.UpdateState(u.State), Message: u.Message, StartedAt: &started}
	}
	return svc
}

func (e *replayEngine) task(s scenarioTask) swarm.Task {
	t := swarm.Task{ID: s.ID, ServiceID: s.Service, Slot: s.Slot, NodeID: s.Node, DesiredState: swarm.TaskState(s.Desired)}
	t.Status = swarm.TaskStatus{State: swarm.TaskState(s.State), Timestamp: e.at(s.At), Err: s.Err}
	t.Spec.ContainerSpec = &swarm.ContainerSpec{Image: s.Image}
	if s.Iteration != nil {
		t.JobIteration = &swarm.Version{Index: *s.Iteration}
	}
	return t
}

func (e *replayEngine) ServiceInspectWithRaw(_ context.Context, id string, _ swarm.ServiceInspectOptions) (swarm.Service, []byte, error) {
	e.count("ServiceInspect")
	st := e.state()
	if st.engineDown {
		return swarm.Service{}, nil, errReplayDown
	}
	for _, s := range st.services {
		if s.ID == id || s.Name == id {
			return e.service(s), nil, nil
		}
	}
	return swarm.Service{}, nil, fmt.Errorf("service %s not found: %w", id, cerrdefs.ErrNotFound)
}

func (e *replayEngine) ServiceList(_ context.Context, opts swarm.ServiceListOptions) ([]swarm.Service, error) {
	e.count("ServiceList")
	st := e.state()
	if st.engineDown {
		return nil, errReplayDown
	}
	ids := opts.Filters.Get("id")
	var out []swarm.Service
	for _, s := range st.services {
		if len(ids) == 0 || replayPrefix(s.ID, ids) {
			out = append(out, e.service(s))
		}
	}
	return out, nil
}

func replayPrefix(id string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func (e *replayEngine) TaskList(_ context.Context, opts swarm.TaskListOptions) ([]swarm.Task, error) {
	e.count("TaskList")
	st := e.state()
	if st.engineDown {
		return nil, errReplayDown
	}
	f := opts.Filters
	if f.Contains("desired-state") && f.ExactMatch("desired-state", "remove") {
		var out []swarm.Task
		for _, t := range st.removing {
			out = append(out, e.task(t))
		}
		return out, nil
	}
	services := f.Get("service")
	for _, id := range services {
		found := false
		for _, s := range st.services {
			found = found || s.ID == id || s.Name == id
		}
		if !found { // the daemon resolves every service= value first
			return nil, fmt.Errorf("service %s not found: %w", id, cerrdefs.ErrNotFound)
		}
	}
	var out []swarm.Task
	for _, t := range st.tasks {
		if len(services) > 0 && !replayIn(t.Service, services) {
			continue
		}
		if nodes := f.Get("node"); len(nodes) > 0 && !replayIn(t.Node, nodes) {
			continue
		}
		out = append(out, e.task(t))
	}
	return out, nil
}

func replayIn(s string, list []string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (e *replayEngine) NodeList(context.Context, swarm.NodeListOptions) ([]swarm.Node, error) {
	e.count("NodeList")
	st := e.state()
	if st.engineDown {
		return nil, errReplayDown
	}
	var out []swarm.Node
	for _, n := range st.nodes {
		out = append(out, replayNode(n))
	}
	return out, nil
}

func replayNode(n scenarioNode) swarm.Node {
	var node swarm.Node
	node.ID = n.ID
	node.Description.Hostname = n.Hostname
	node.Status.State = swarm.NodeState(n.State)
	node.Spec.Availability = swarm.NodeAvailability(n.Availability)
	return node
}

func (e *replayEngine) NodeInspectWithRaw(_ context.Context, id string) (swarm.Node, []byte, error) {
	e.count("NodeInspect")
	nodes := e.state().nodes
	for _, f := range e.sc.Frames { // a node inspected before the first listing
		nodes = append(nodes, f.Nodes...)
	}
	for _, n := range nodes {
		if n.ID == id || n.Hostname == id {
			return replayNode(n), nil, nil
		}
	}
	return swarm.Node{}, nil, fmt.Errorf("node %s not found: %w", id, cerrdefs.ErrNotFound)
}

// Events sends a service event whenever a frame changes a service and a node
// event whenever it changes the nodes, as the Engine would; and breaks the
// stream at the scenario's StreamErrors.
func (e *replayEngine) Events(ctx context.Context, _ events.ListOptions) (<-chan events.Message, <-chan error) {
	e.count("Events")
	msgs := make(chan events.Message)
	errs := make(chan error, 1)
	if e.state().engineDown {
		errs <- errReplayDown
		close(errs)
		return msgs, errs
	}
	go func() {
		defer close(errs)
		type moment struct {
			at  time.Time
			brk bool
		}
		var moments []moment
		for _, f := range e.sc.Frames {
			if at := e.at(f.At); at.After(time.Now()) {
				moments = append(moments, moment{at: at})
			}
		}
		for _, d := range e.sc.StreamErrors {
			if at := e.at(d); at.After(time.Now()) {
				moments = append(moments, moment{at: at, brk: true})
			}
		}
		sort.SliceStable(moments, func(i, j int) bool { return moments[i].at.Before(moments[j].at) })
		prev := e.state()
		for _, m := range moments {
			if !replaySleep(ctx, m.at) {
				errs <- ctx.Err()
				return
			}
			if m.brk {
				errs <- io.ErrUnexpectedEOF
				return
			}
			cur := e.state()
			if !e.sc.NoEvents {
				for _, msg := range replayEvents(prev, cur) {
					select {
					case msgs <- msg:
					case <-ctx.Done():
						errs <- ctx.Err()
						return
					}
				}
			}
			prev = cur
		}
		<-ctx.Done()
		errs <- ctx.Err()
	}()
	return msgs, errs
}

func replaySleep(ctx context.Context, until time.Time) bool {
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func replayEvents(prev, cur replayState) []events.Message {
	var out []events.Message
	old := map[string]scenarioService{}
	for _, s := range prev.services {
		old[s.ID] = s
	}
	now := map[string]bool{}
	for _, s := range cur.services {
		now[s.ID] = true
		if o, ok := old[s.ID]; !ok || !reflect.DeepEqual(o, s) {
			out = append(out, events.Message{Type: events.ServiceEventType, Action: events.ActionUpdate, Actor: events.Actor{ID: s.ID}})
		}
	}
	for id := range old {
		if !now[id] {
			out = append(out, events.Message{Type: events.ServiceEventType, Action: events.ActionRemove, Actor: events.Actor{ID: id}})
		}
	}
	if !reflect.DeepEqual(prev.nodes, cur.nodes) {
		out = append(out, events.Message{Type: events.NodeEventType, Action: events.ActionUpdate})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Actor.ID < out[j].Actor.ID })
	return out
}

// The rest of the Engine is not used by the watcher.

func (e *replayEngine) Ping(context.Context) (types.Ping, error) { return types.Ping{}, nil }
func (e *replayEngine) Info(context.Context) (system.Info, error) {
	return system.Info{}, errors.New("not replayed")
}
func (e *replayEngine) SwarmInspect(context.Context) (swarm.Swarm, error) {
	return swarm.Swarm{}, errors.New("not replayed")
}
func (e *replayEngine) SwarmUpdate(context.Context, swarm.Version, swarm.Spec, swarm.UpdateFlags) error {
	return errors.New("not replayed")
}
func (e *replayEngine) NodeUpdate(context.Context, string, swarm.Version, swarm.NodeSpec) error {
	return errors.New("not replayed")
}
func (e *replayEngine) ServiceCreate(context.Context, swarm.ServiceSpec, swarm.ServiceCreateOptions) (swarm.ServiceCreateResponse, error) {
	return swarm.ServiceCreateResponse{}, errors.New("not replayed")
}
func (e *replayEngine) ServiceRemove(context.Context, string) error {
	return errors.New("not replayed")
}
func (e *replayEngine) ServiceUpdate(context.Context, string, swarm.Version, swarm.ServiceSpec, swarm.ServiceUpdateOptions) (swarm.ServiceUpdateResponse, error) {
	return swarm.ServiceUpdateResponse{}, errors.New("not replayed")
}
func (e *replayEngine) ServiceLogs(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
	return nil, errors.New("not replayed")
}
func (e *replayEngine) TaskInspectWithRaw(context.Context, string) (swarm.Task, []byte, error) {
	return swarm.Task{}, nil, errors.New("not replayed")
}

var _ Engine = (*replayEngine)(nil)

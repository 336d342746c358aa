package swarm

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/swarm"
)

func init() {
	if flag.Lookup("record") == nil {
		flag.Bool("record", false, "record the integration tests' Engine answers under testdata/converge")
	}
}

func watchRecording() bool {
	f := flag.Lookup("record")
	return f != nil && f.Value.String() == "true"
}

// recordingEngine passes every call to a real Engine and keeps what the
// watcher was told, as scenario frames a replay can serve again.
type recordingEngine struct {
	Engine
	t0 time.Time

	mu        sync.Mutex
	services  map[string]scenarioService
	nodes     []scenarioNode
	tasks     map[string][]scenarioTask // by service
	tasksSeen bool
	removing  []scenarioTask
	frames    []scenarioFrame
	last      replayState
}

func newRecordingEngine(api Engine) *recordingEngine {
	return &recordingEngine{Engine: api, t0: time.Now(), services: map[string]scenarioService{}, tasks: map[string][]scenarioTask{}}
}

func (r *recordingEngine) rel(t time.Time) scenarioDuration {
	return scenarioDuration(t.Sub(r.t0).Round(time.Millisecond))
}

func (r *recordingEngine) ServiceList(ctx context.Context, opts swarm.ServiceListOptions) ([]swarm.Service, error) {
	list, err := r.Engine.ServiceList(ctx, opts)
	if err != nil {
		return list, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	listed := map[string]bool{}
	for _, s := range list {
		listed[s.ID] = true
		r.services[s.ID] = r.service(s)
	}
	for _, id := range opts.Filters.Get("id") {
		if !listed[id] {
			delete(r.services, id)
			delete(r.tasks, id)
		}
	}
	r.frame()
	return list, nil
}

func (r *recordingEngine) ServiceInspectWithRaw(ctx context.Context, id string, opts swarm.ServiceInspectOptions) (swarm.Service, []byte, error) {
	svc, raw, err := r.Engine.ServiceInspectWithRaw(ctx, id, opts)
	if err == nil {
		r.mu.Lock()
		r.services[svc.ID] = r.service(svc)
		r.frame()
		r.mu.Unlock()
	}
	return svc, raw, err
}

func (r *recordingEngine) NodeList(ctx context.Context, opts swarm.NodeListOptions) ([]swarm.Node, error) {
	list, err := r.Engine.NodeList(ctx, opts)
	if err != nil {
		return list, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nodes = []scenarioNode{}
	for _, n := range list {
		r.nodes = append(r.nodes, scenarioNode{ID: n.ID, Hostname: n.Description.Hostname, State: string(n.Status.State), Availability: string(n.Spec.Availability)})
	}
	sort.Slice(r.nodes, func(i, j int) bool { return r.nodes[i].Hostname < r.nodes[j].Hostname })
	r.frame()
	return list, nil
}

func (r *recordingEngine) TaskList(ctx context.Context, opts swarm.TaskListOptions) ([]swarm.Task, error) {
	list, err := r.Engine.TaskList(ctx, opts)
	if err != nil {
		return list, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	f := opts.Filters
	switch {
	case f.Contains("desired-state"):
		r.removing = []scenarioTask{}
		for _, t := range list {
			r.removing = append(r.removing, r.task(t))
		}
	case f.Contains("service"):
		r.tasksSeen = true
		for _, id := range f.Get("service") {
			r.tasks[id] = []scenarioTask{}
		}
		for _, t := range list {
			r.tasks[t.ServiceID] = append(r.tasks[t.ServiceID], r.task(t))
		}
	default:
		return list, nil // the drain's look at a node: not a convergence round
	}
	r.frame()
	return list, nil
}

func (r *recordingEngine) service(s swarm.Service) scenarioService {
	v := scenarioService{ID: s.ID, Name: s.Spec.Name, Mode: modeName(s.Spec.Mode)}
	if cs := s.Spec.TaskTemplate.ContainerSpec; cs != nil {
		v.Image = cs.Image
	}
	switch m := s.Spec.Mode; {
	case m.Replicated != nil && m.Replicated.Replicas != nil:
		v.Replicas = *m.Replicated.Replicas
	case m.ReplicatedJob != nil:
		v.Job = &scenarioJob{}
		if m.ReplicatedJob.TotalCompletions != nil {
			v.Job.Total = *m.ReplicatedJob.TotalCompletions
		}
		if m.ReplicatedJob.MaxConcurrent != nil {
			v.Job.Concurrent = *m.ReplicatedJob.MaxConcurrent
		}
	case m.GlobalJob != nil:
		v.Job = &scenarioJob{}
	}
	if v.Job != nil && s.JobStatus != nil {
		v.Job.Iteration = s.JobStatus.JobIteration.Index
	}
	if uc := s.Spec.UpdateConfig; uc != nil {
		v.Monitor, v.Delay = scenarioDuration(uc.Monitor), scenarioDuration(uc.Delay)
	}
	if rc := s.Spec.RollbackConfig; rc != nil {
		v.RollbackDelay = scenarioDuration(rc.Delay)
	}
	if us := s.UpdateStatus; us != nil && us.State != "" {
		v.Update = &scenarioUpdate{State: string(us.State), Message: us.Message}
		if us.StartedAt != nil {
			v.Update.Started = r.rel(*us.StartedAt)
		}
	}
	return v
}

func (r *recordingEngine) task(t swarm.Task) scenarioTask {
	v := scenarioTask{ID: t.ID, Service: t.ServiceID, Slot: t.Slot, Node: t.NodeID, Desired: string(t.DesiredState),
		State: string(t.Status.State), At: r.rel(t.Status.Timestamp), Err: t.Status.Err}
	if cs := t.Spec.ContainerSpec; cs != nil {
		v.Image = cs.Image
	}
	if t.JobIteration != nil {
		it := t.JobIteration.Index
		v.Iteration = &it
	}
	return v
}

// frame appends the state as it is now, if it differs from the last frame.
func (r *recordingEngine) frame() {
	st := replayState{nodes: r.nodes, removing: r.removing}
	ids := make([]string, 0, len(r.services))
	for id := range r.services {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if r.tasksSeen {
		st.tasks = []scenarioTask{}
	}
	for _, id := range ids {
		st.services = append(st.services, r.services[id])
		st.tasks = append(st.tasks, r.tasks[id]...)
	}
	sort.SliceStable(st.tasks, func(i, j int) bool {
		a, b := st.tasks[i], st.tasks[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Slot != b.Slot {
			return a.Slot < b.Slot
		}
		return a.ID < b.ID
	})
	f := scenarioFrame{At: r.rel(time.Now())}
	changed := false
	if len(r.frames) == 0 || !reflect.DeepEqual(st.services, r.last.services) {
		f.Services, changed = append([]scenarioService{}, st.services...), true
	}
	if st.nodes != nil && !reflect.DeepEqual(st.nodes, r.last.nodes) {
		f.Nodes, changed = append([]scenarioNode{}, st.nodes...), true
	}
	if st.tasks != nil && !reflect.DeepEqual(st.tasks, r.last.tasks) {
		f.Tasks, changed = append([]scenarioTask{}, st.tasks...), true
	}
	if st.removing != nil && !reflect.DeepEqual(st.removing, r.last.removing) {
		f.Removing, changed = append([]scenarioTask{}, st.removing...), true
	}
	if !changed {
		return
	}
	r.last = st
	r.frames = append(r.frames, f)
}

// save writes the recording as a scenario, under -record only.
func (r *recordingEngine) save(t *testing.T, name, comment string, op Operation, expect scenarioExpect) {
	r.saveWith(t, name, comment, op, expect, scenarioCfg{})
}

// saveWith is save with the watcher's configuration of the recorded run.
func (r *recordingEngine) saveWith(t *testing.T, name, comment string, op Operation, expect scenarioExpect, cfg scenarioCfg) {
	t.Helper()
	if !watchRecording() {
		return
	}
	r.mu.Lock()
	sc := scenario{Comment: comment, Expect: expect, Frames: recordStart(r.frames), Config: cfg,
		Op: scenarioOp{Kind: op.Kind, Service: op.Service, Node: op.Node, Services: op.Services}}
	r.mu.Unlock()
	b, err := json.MarshalIndent(sc, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "converge", name+".json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s (%d frames)", path, len(sc.Frames))
}

// recordStart merges the frames of the first moments (the watcher's first
// inspections and listings, milliseconds apart) into one frame at zero: how
// things stood when the Follow began.
func recordStart(frames []scenarioFrame) []scenarioFrame {
	const start = 100 * time.Millisecond
	if len(frames) == 0 {
		return frames
	}
	first := scenarioFrame{}
	i := 0
	for ; i < len(frames) && time.Duration(frames[i].At) < start; i++ {
		f := frames[i]
		if f.Services != nil {
			first.Services = f.Services
		}
		if f.Nodes != nil {
			first.Nodes = f.Nodes
		}
		if f.Tasks != nil {
			first.Tasks = f.Tasks
		}
		if f.Removing != nil {
			first.Removing = f.Removing
		}
	}
	if i == 0 {
		return frames
	}
	return append([]scenarioFrame{first}, frames[i:]...)
}

package deploy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// fakeSwarm stands for the swarm where a test must force a state the real
// one cannot be brought to on demand (a change that fails, a watcher that
// never ends). It keeps services and nodes in memory and counts the changes
// it is asked to make; methods no test needs are left to the nil interface.
type fakeSwarm struct {
	Swarm
	mu       sync.Mutex
	services map[string]*fakeService
	nodes    map[string]string // hostname → availability: active, pause, drain
	changes  map[string]int    // method → calls that changed something
	fail     error             // when set, every change fails with it
	limit    int64
	warn     string // when set, the Engine's warning on every scale
}

type fakeService struct {
	id, image, previous string
	replicas            uint64
	fence, prevFence    int64
}

func newFakeSwarm() *fakeSwarm {
	return &fakeSwarm{
		services: map[string]*fakeService{
			"ping": {id: "idping", image: "alpine:3.7", previous: "alpine:latest", replicas: 4},
			"web":  {id: "idweb", image: "nginx:1", replicas: 1},
		},
		nodes:   map[string]string{"dev01": "active", "dev02": "active"},
		changes: map[string]int{},
		limit:   5,
	}
}

func (f *fakeSwarm) changed(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changes[method]
}

func (f *fakeSwarm) service(ref string) (*fakeService, string, error) {
	for name, s := range f.services {
		if ref == name || ref == s.id {
			return s, name, nil
		}
	}
	return nil, "", &swarm.NotFoundError{Kind: "service", Ref: ref}
}

// write applies the guards swarm applies: a newer fence refuses (the same one
// too, on a Fresh write), the change stamps.
func (f *fakeSwarm) write(method, name string, s *fakeService, opts swarm.MutateOptions) error {
	if f.fail != nil {
		return f.fail
	}
	if seen := max(s.fence, s.prevFence); opts.Fence > 0 && (seen > opts.Fence || opts.Fresh && seen == opts.Fence) {
		return &swarm.FenceError{Target: name, Fence: opts.Fence, Seen: seen}
	}
	f.changes[method]++
	return nil
}

func (f *fakeSwarm) ResolveService(_ context.Context, ref string) (swarm.ServiceRef, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, name, err := f.service(ref)
	if err != nil {
		return swarm.ServiceRef{}, err
	}
	return swarm.ServiceRef{ID: s.id, Name: name}, nil
}

func (f *fakeSwarm) ResolveNode(_ context.Context, ref string) (swarm.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.nodes[strings.TrimPrefix(ref, "id-")]
	if !ok {
		return swarm.Node{}, &swarm.NotFoundError{Kind: "node", Ref: ref}
	}
	name := strings.TrimPrefix(ref, "id-")
	return swarm.Node{ID: "id-" + name, Hostname: name, Availability: strings.ToUpper(a[:1]) + a[1:]}, nil
}

func (f *fakeSwarm) Inspect(_ context.Context, ref string) (swarm.ServiceDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, name, err := f.service(ref)
	if err != nil {
		return swarm.ServiceDetail{}, err
	}
	return swarm.ServiceDetail{ID: s.id, Name: name, Image: s.image, Env: []string{"PASSWORD=hunter2"},
		Labels: map[string]string{swarm.FenceLabel: strconv.FormatInt(s.fence, 10)}}, nil
}

func (f *fakeSwarm) Scale(_ context.Context, ref string, n uint64, opts swarm.MutateOptions) (swarm.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, name, err := f.service(ref)
	if err != nil {
		return swarm.Result{}, err
	}
	if err := f.write("Scale", name, s, opts); err != nil {
		return swarm.Result{}, fmt.Errorf("scaling %s: %w", name, err)
	}
	before := s.replicas
	s.replicas, s.fence = n, max(opts.Fence, s.fence)
	r := swarm.Result{ServiceID: s.id, ServiceName: name, ReplicasBefore: before, ReplicasAfter: n}
	if f.warn != "" {
		r.Warnings = []string{f.warn}
	}
	return r, nil
}

func (f *fakeSwarm) Update(_ context.Context, ref string, u swarm.UpdateSpec, opts swarm.MutateOptions) (swarm.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, name, err := f.service(ref)
	if err != nil {
		return swarm.Result{}, err
	}
	if err := f.write("Update", name, s, opts); err != nil {
		return swarm.Result{}, fmt.Errorf("updating %s: %w", name, err)
	}
	before := s.image
	s.previous, s.prevFence = s.image, s.fence
	s.image, s.fence = u.Image, opts.Fence
	return swarm.Result{ServiceID: s.id, ServiceName: name, ImageBefore: before, ImageAfter: u.Image}, nil
}

func (f *fakeSwarm) RollbackPreview(_ context.Context, ref string) (swarm.RollbackPreview, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, name, err := f.service(ref)
	if err != nil {
		return swarm.RollbackPreview{}, err
	}
	return swarm.RollbackPreview{ServiceID: s.id, ServiceName: name, HasPrevious: s.previous != "",
		Current: swarm.SpecSummary{Image: s.image}, Previous: swarm.SpecSummary{Image: s.previous},
		Changes: []string{"image: " + s.image + " → " + s.previous}, Token: s.image + "|" + s.previous}, nil
}

func (f *fakeSwarm) Rollback(_ context.Context, ref string, opts swarm.MutateOptions) (swarm.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, name, err := f.service(ref)
	if err != nil {
		return swarm.Result{}, err
	}
	if opts.Expect != "" && opts.Expect != s.image+"|"+s.previous {
		return swarm.Result{}, &swarm.StaleError{Service: name}
	}
	if err := f.write("Rollback", name, s, opts); err != nil {
		return swarm.Result{}, err
	}
	before := s.image
	s.image, s.previous = s.previous, s.image
	s.fence, s.prevFence = s.prevFence, s.fence
	return swarm.Result{ServiceID: s.id, ServiceName: name, ImageBefore: before, ImageAfter: s.image}, nil
}

func (f *fakeSwarm) StampFence(_ context.Context, ref string, opts swarm.MutateOptions) (swarm.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, name, err := f.service(ref)
	if err != nil {
		return swarm.Result{}, err
	}
	if err := f.write("StampFence", name, s, opts); err != nil {
		return swarm.Result{}, err
	}
	s.previous, s.prevFence, s.fence = s.image, s.fence, opts.Fence
	return swarm.Result{ServiceID: s.id, ServiceName: name}, nil
}

func (f *fakeSwarm) DrainImpact(_ context.Context, ref string) (swarm.DrainImpact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := strings.TrimPrefix(ref, "id-")
	return swarm.DrainImpact{Node: swarm.Node{ID: "id-" + name, Hostname: name}, OtherActiveNodes: 1, Tasks: 2,
		Services: []swarm.ServiceDrain{{ServiceID: "idping", ServiceName: "ping", Mode: "replicated", Replaced: true,
			Tasks: []swarm.Task{{ServiceName: "ping", Slot: 2}, {ServiceName: "ping", Slot: 4}}}}}, nil
}

func (f *fakeSwarm) SetAvailability(_ context.Context, ref, want string, opts swarm.MutateOptions) (swarm.NodeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return swarm.NodeResult{}, f.fail
	}
	name := strings.TrimPrefix(ref, "id-")
	before := f.nodes[name]
	f.nodes[name] = want
	f.changes["SetAvailability"]++
	return swarm.NodeResult{NodeID: "id-" + name, Hostname: name, Before: before, After: want}, nil
}

func (f *fakeSwarm) Info(context.Context) (swarm.SwarmInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return swarm.SwarmInfo{TaskHistoryRetentionLimit: f.limit}, nil
}

// fakeWatcher reports one snapshot of progress, then waits for its gate (if
// any) before reporting convergence, or the phase it is told to end in.
type fakeWatcher struct {
	gate    chan struct{} // nil: converge at once
	started chan swarm.Operation
	end     swarm.Phase // "": converged
	panics  bool
}

func (w *fakeWatcher) Follow(ctx context.Context, op swarm.Operation, report func(swarm.Progress)) (swarm.Progress, error) {
	if w.panics {
		panic("the watcher fell over")
	}
	name := strings.TrimPrefix(op.Service, "id")
	if op.Kind == swarm.OpDrain {
		name = "ping"
	}
	p := swarm.Progress{Operation: op, Seq: 1, Phase: swarm.PhaseUpdating, Services: []swarm.ServiceProgress{{
		ID: op.Service, Name: name, Mode: "replicated", Phase: swarm.PhaseUpdating, Running: 1, Desired: 2,
		Slots: []swarm.SlotProgress{{Slot: 1, TaskID: "t1", NodeName: "dev01", State: "running", Image: "x"}, {Slot: 2, TaskID: "t2", NodeName: "dev02", State: "preparing", Image: "x"}},
	}}}
	report(p)
	if w.started != nil {
		w.started <- op
	}
	if w.gate != nil {
		select {
		case <-ctx.Done():
			return p, fmt.Errorf("following %s: %w", name, ctx.Err())
		case <-w.gate:
		}
	}
	end := w.end
	if end == "" {
		end = swarm.PhaseConverged
	}
	p = cloneProgress(p) // a new snapshot, as the watcher makes
	p.Seq, p.Phase, p.Final = 2, end, true
	p.Services[0].Phase, p.Services[0].Running = end, 2
	p.Services[0].Slots[1].State = "running"
	if end != swarm.PhaseConverged {
		p.Services[0].Running, p.Services[0].Reason = 1, "No such image: x"
		p.Services[0].Slots[1].State, p.Services[0].Slots[1].Err = "rejected", "No such image: x"
	}
	report(p)
	return p, nil
}

// harness is a Deployer on fakes, in-process stores and an in-process locker.
type harness struct {
	d      *Deployer
	sw     *fakeSwarm
	w      *fakeWatcher
	locker lock.Locker
	stores Stores
	rec    *recorder
	clock  *fakeClock
}

type fakeClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

var (
	actorAlice = commands.Actor{ID: alice.ID, Name: alice.Name}
	actorBob   = commands.Actor{ID: bob.ID, Name: bob.Name}
	actorCarol = commands.Actor{ID: carol.ID, Name: carol.Name}
)

func newHarness(t *testing.T, policy commands.Policy) *harness {
	t.Helper()
	locker, err := lock.NewMemory(lock.Options{TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{sw: newFakeSwarm(), w: &fakeWatcher{}, locker: locker, stores: NewMemoryStores(), rec: newRecorder(), clock: &fakeClock{}}
	h.d = h.deployer(t, policy)
	return h
}

// deployer is another Deployer (another process) on the same fakes and stores.
func (h *harness) deployer(t *testing.T, policy commands.Policy) *Deployer {
	d := New(Options{LeaseTTL: 600 * time.Millisecond}, Deps{
		Swarm: h.sw, Watcher: h.w, Locker: h.locker, Stores: h.stores, Policy: policy,
		Logger: slog.New(slog.DiscardHandler), Now: h.clock.now,
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.Shutdown(ctx)
	})
	return d
}

// do parses text as actor's command and handles it.
func (h *harness) do(t *testing.T, actor commands.Actor, text string) {
	t.Helper()
	h.d.HandleText(t.Context(), actor, "C0OPS", "", text, h.rec)
}

func (h *harness) audit(t *testing.T) []AuditEntry {
	t.Helper()
	es, err := h.stores.Audit.Recent(t.Context(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func actions(es []AuditEntry) []string {
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Actor.Name+" "+es[i].Action)
	}
	return out
}

var errEngine = errors.New("Error response from daemon: rpc error: code = Unknown desc = the Engine said no")

package swarm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
)

// WatchConfig tunes a Watcher. The zero value gives the defaults.
type WatchConfig struct {
	// StuckAfter ends an operation as stuck when nothing has progressed for
	// this long (2 minutes by default; a rolling update's delay is added).
	StuckAfter time.Duration
	// Timeout ends an operation as timed out this long after it began (30
	// minutes by default).
	Timeout time.Duration
	// FastPoll is the poll interval while something moves (500 ms by
	// default); it stretches up to SlowPoll (3 s) while nothing does.
	FastPoll, SlowPoll time.Duration
	// Refresh is how often services and nodes are listed even though no
	// Engine event said they changed (15 s by default).
	Refresh time.Duration
	// CallTimeout bounds each Engine call (30 s by default).
	CallTimeout time.Duration
	// Logger receives the watcher's own troubles (event stream lost, Engine
	// errors); slog.Default() when nil.
	Logger *slog.Logger
}

func (c WatchConfig) withDefaults() WatchConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.StuckAfter, 2*time.Minute)
	def(&c.Timeout, 30*time.Minute)
	def(&c.FastPoll, 500*time.Millisecond)
	def(&c.SlowPoll, 3*time.Second)
	def(&c.Refresh, 15*time.Second)
	def(&c.CallTimeout, 30*time.Second)
	if c.SlowPoll < c.FastPoll {
		c.SlowPoll = c.FastPoll
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Watcher follows the convergence of any number of operations with one
// shared poller: each round lists the tasks of every followed service in one
// call, and lists services and nodes only when Engine events (or the refresh
// interval) say they changed, so a round costs the same however many
// operations are followed. Engine events wake the poller at once; polling
// stays the fallback, fast while something moves and slower while nothing
// does.
//
// The poller runs only while something is followed: the first Follow starts
// it and the last one to return stops it. A Watcher is safe for concurrent
// use; the zero value is not usable, call NewWatcher.
type Watcher struct {
	api Engine
	cfg WatchConfig
	log *slog.Logger

	mu       sync.Mutex
	follows  map[*watchFollow]struct{}
	running  bool          // a poller goroutine is alive
	wake     chan struct{} // nudges the poller; buffered, never blocks
	stale    watchStale
	streamUp bool
	stats    WatchStats

	// Owned by the poller goroutine.
	services   map[string]swarm.Service
	gone       map[string]bool
	nodes      convergeNodes
	servicesAt time.Time
	nodesAt    time.Time
	failing    bool // the last round failed (logged once, not every round)
}

type watchStale struct{ services, nodes bool }

// WatchStats tells how a Watcher has been working, for metrics and tests.
type WatchStats struct {
	Following       int    // operations followed now
	Polls           uint64 // polling rounds so far
	EventStreamUp   bool   // Engine events are arriving
	EventReconnects uint64 // times the event stream was opened again after an error
}

// NewWatcher returns a Watcher over an Engine.
func NewWatcher(api Engine, cfg WatchConfig) *Watcher {
	cfg = cfg.withDefaults()
	return &Watcher{
		api:     api,
		cfg:     cfg,
		log:     cfg.Logger,
		follows: map[*watchFollow]struct{}{},
		wake:    make(chan struct{}, 1),
	}
}

// Watcher returns a Watcher over the client's Engine.
func (c *Client) Watcher(cfg WatchConfig) *Watcher { return NewWatcher(c.api, cfg) }

// Stats returns the watcher's counters.
func (w *Watcher) Stats() WatchStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.Following = len(w.follows)
	s.EventStreamUp = w.streamUp
	return s
}

// Follow follows an operation until it ends, calling report (in the caller's
// goroutine) with each snapshot that differs from the one before; the last
// has Final set and is also returned. How it ended (converged, paused,
// stuck, …) is in its Phase: an operation that ends badly is not an error.
// The error is for a Follow that could not start (no such service or node)
// or was cancelled through ctx.
func (w *Watcher) Follow(ctx context.Context, op Operation, report func(Progress)) (Progress, error) {
	f, last, err := w.prepare(ctx, op)
	if err != nil {
		return Progress{}, err
	}
	if last != nil { // nothing to wait for
		if report != nil {
			report(*last)
		}
		return *last, nil
	}
	w.add(f)
	defer w.remove(f)
	for {
		select {
		case <-ctx.Done():
			return f.latest(), fmt.Errorf("following %s: %w", f.title(), ctx.Err())
		case <-f.notify:
			for _, p := range f.take() {
				if report != nil {
					report(p)
				}
				if p.Final {
					return p, nil
				}
			}
		}
	}
}

// prepare resolves what an operation touches. It returns either a follow to
// run or, when there is nothing to wait for, the final snapshot.
func (w *Watcher) prepare(ctx context.Context, op Operation) (*watchFollow, *Progress, error) {
	if op.Since.IsZero() {
		op.Since = time.Now()
	}
	f := &watchFollow{op: op, notify: make(chan struct{}, 1)}
	switch op.Kind {
	case OpCreate, OpScale, OpUpdate, OpRollback, OpRemove:
		if op.Service == "" {
			return nil, nil, fmt.Errorf("following %s: no service given", op.Kind)
		}
		svc, _, err := w.api.ServiceInspectWithRaw(ctx, op.Service, swarm.ServiceInspectOptions{})
		if err != nil {
			if op.Kind == OpRemove && cerrdefs.IsNotFound(err) {
				if watchLooksLikeID(op.Service) {
					// Removed already: its tasks, still stopping, carry its ID.
					f.trackers = []*convergeTracker{newConvergeTracker(op.Service, op.displayName(), op.Kind, op.Since, "", w.cfg)}
					return f, nil, nil
				}
				p := Progress{Operation: op, Seq: 1, Phase: PhaseRemoved, Final: true, Elapsed: time.Since(op.Since),
					Services: []ServiceProgress{{Name: op.displayName(), Phase: PhaseRemoved}}}
				return nil, &p, nil
			}
			return nil, nil, fmt.Errorf("following %s of %s: %w", op.Kind, op.Service, err)
		}
		f.trackers = []*convergeTracker{newConvergeTracker(svc.ID, svc.Spec.Name, op.Kind, op.Since, "", w.cfg)}
	case OpDrain:
		if op.Node == "" {
			return nil, nil, errors.New("following drain: no node given")
		}
		node, _, err := w.api.NodeInspectWithRaw(ctx, op.Node)
		if err != nil {
			return nil, nil, fmt.Errorf("following drain of %s: %w", op.Node, err)
		}
		f.nodeID, f.nodeName = node.ID, node.Description.Hostname
		if node.Spec.Name != "" {
			f.nodeName = node.Spec.Name
		}
		svcs, err := w.drainedServices(ctx, op, node.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("following drain of %s: %w", op.Node, err)
		}
		for _, s := range svcs {
			f.trackers = append(f.trackers, newConvergeTracker(s.ID, s.Spec.Name, op.Kind, op.Since, node.ID, w.cfg))
		}
		if len(f.trackers) == 0 {
			p := Progress{Operation: op, Seq: 1, Phase: PhaseConverged, Final: true, Elapsed: time.Since(op.Since),
				NodeID: f.nodeID, NodeName: f.nodeName}
			return nil, &p, nil
		}
	default:
		return nil, nil, fmt.Errorf("following %q: not an operation the watcher knows (create, scale, update, rollback, rm, drain)", op.Kind)
	}
	return f, nil, nil
}

// watchLooksLikeID reports whether s has the shape of a swarm object ID (25
// lower-case letters and digits), as opposed to a name.
func watchLooksLikeID(s string) bool {
	if len(s) != 25 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// drainLookback is how far before a drain a task on the node may have
// stopped and still count as moved by it, when the caller named no services.
const drainLookback = 10 * time.Second

// drainedServices finds the services a drain touches: the ones named in the
// operation, or else those with a task on the node that still runs, is meant
// to run, or stopped around the time of the drain.
func (w *Watcher) drainedServices(ctx context.Context, op Operation, nodeID string) ([]swarm.Service, error) {
	ids := op.Services
	if len(ids) == 0 {
		tasks, err := w.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("node", nodeID))})
		if err != nil {
			return nil, fmt.Errorf("listing the node's tasks: %w", err)
		}
		seen := map[string]bool{}
		for _, t := range tasks {
			recent := !t.Status.Timestamp.Before(op.Since.Add(-drainLookback))
			if t.ServiceID != "" && !seen[t.ServiceID] &&
				(t.DesiredState == swarm.TaskStateRunning || !convergeTerminal(t.Status.State) || recent) {
				seen[t.ServiceID] = true
				ids = append(ids, t.ServiceID)
			}
		}
	}
	var out []swarm.Service
	for _, id := range ids {
		svc, _, err := w.api.ServiceInspectWithRaw(ctx, id, swarm.ServiceInspectOptions{})
		if cerrdefs.IsNotFound(err) {
			continue // removed since: nothing of it to move
		}
		if err != nil {
			return nil, fmt.Errorf("inspecting service %s: %w", id, err)
		}
		out = append(out, svc)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Spec.Name < out[j].Spec.Name })
	return out, nil
}

func (w *Watcher) add(f *watchFollow) {
	w.mu.Lock()
	w.follows[f] = struct{}{}
	w.stale.services = true
	start := !w.running
	w.running = true
	w.mu.Unlock()
	if start {
		go w.run() // its first round is at once
		return
	}
	w.nudge()
}

func (w *Watcher) remove(f *watchFollow) {
	w.mu.Lock()
	delete(w.follows, f)
	w.mu.Unlock()
	w.nudge()
}

func (w *Watcher) nudge() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// run is the poller goroutine. It serves until nothing is followed, and
// exits only once no Follow can be left without it.
func (w *Watcher) run() {
	for {
		w.serve()
		w.mu.Lock()
		if len(w.follows) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
	}
}

// serve polls, with the event listener beside it, while something is followed.
func (w *Watcher) serve() {
	// Nothing was listened to since the last serve: forget what it knew.
	w.services, w.gone, w.nodes = nil, nil, nil
	w.servicesAt, w.nodesAt = time.Time{}, time.Time{}
	ctx, cancel := context.WithCancel(context.Background())
	var listener sync.WaitGroup
	listener.Add(1)
	go func() {
		defer listener.Done()
		w.listen(ctx)
	}()
	defer func() {
		cancel()
		listener.Wait()
	}()

	interval := w.cfg.FastPoll
	timer := time.NewTimer(0)
	defer timer.Stop()
	select {
	case <-w.wake: // the first round, at once, covers it
	default:
	}
	for {
		select {
		case <-timer.C:
		case <-w.wake:
			// Events come in bursts (one per service an update touches, and
			// the allocator's writes): let the burst end, then poll once.
			time.Sleep(watchDebounce)
			select {
			case <-w.wake:
			default:
			}
		}
		fs := w.followed()
		if len(fs) == 0 {
			return
		}
		obs := w.observe(ctx, fs)
		moved := false
		var next time.Time
		for _, f := range fs {
			m, at := f.judge(obs)
			moved = moved || m
			if !at.IsZero() && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
		if moved {
			interval = w.cfg.FastPoll
		} else {
			interval = min(interval*3/2, w.cfg.SlowPoll)
		}
		d := interval
		if !next.IsZero() {
			if until := time.Until(next); until < d {
				d = until
			}
		}
		// However many operations ask for a look, and when, rounds come at
		// most every watchMinRound: their wishes share the next one.
		timer.Reset(max(d, watchMinRound-time.Since(obs.at)))
	}
}

func (w *Watcher) followed() []*watchFollow {
	w.mu.Lock()
	defer w.mu.Unlock()
	fs := make([]*watchFollow, 0, len(w.follows))
	for f := range w.follows {
		fs = append(fs, f)
	}
	return fs
}

// observe makes one round's Engine calls for every followed operation at
// once: one task listing, plus a service listing and a node listing when
// they may have changed, plus one listing of stopping tasks while a removed
// service's tasks are followed.
func (w *Watcher) observe(ctx context.Context, fs []*watchFollow) *watchObservation {
	w.mu.Lock()
	stale := w.stale
	w.stale = watchStale{}
	streamUp := w.streamUp
	w.stats.Polls++
	w.mu.Unlock()

	now := time.Now()
	obs := &watchObservation{at: now}
	ids := map[string]bool{}
	removals := false
	for _, f := range fs {
		for _, t := range f.trackers {
			if t.final {
				continue
			}
			ids[t.id] = true
			if t.kind == OpRemove {
				removals = true
			}
			if _, known := w.services[t.id]; !known && !w.gone[t.id] {
				stale.services = true
			}
		}
	}
	if !streamUp || now.Sub(w.servicesAt) >= w.cfg.Refresh {
		stale.services = true
	}
	if w.nodes == nil || now.Sub(w.nodesAt) >= w.cfg.Refresh || (!streamUp && now.Sub(w.nodesAt) >= watchNodesFallback) {
		stale.nodes = true
	}

	fail := func(what string, err error) *watchObservation {
		if !w.failing {
			w.log.Warn("convergence poll failed; trying again", "call", what, "err", err)
			w.failing = true
		}
		w.mu.Lock()
		w.stale.services = w.stale.services || stale.services
		w.stale.nodes = w.stale.nodes || stale.nodes
		w.mu.Unlock()
		obs.err = fmt.Errorf("%s: %w", what, err)
		return obs
	}

	if stale.services && len(ids) > 0 {
		args := filters.NewArgs()
		if len(ids) <= watchFilterMax {
			for id := range ids {
				args.Add("id", id)
			}
		}
		list, err := watchCall(ctx, w.cfg.CallTimeout, func(ctx context.Context) ([]swarm.Service, error) {
			return w.api.ServiceList(ctx, swarm.ServiceListOptions{Filters: args})
		})
		if err != nil {
			return fail("listing services", err)
		}
		services := map[string]swarm.Service{}
		for _, s := range list {
			if ids[s.ID] { // the id filter matches prefixes
				services[s.ID] = s
			}
		}
		gone := map[string]bool{}
		for id := range ids {
			if _, ok := services[id]; !ok {
				gone[id] = true
			}
		}
		w.services, w.gone, w.servicesAt = services, gone, now
	}
	if stale.nodes {
		list, err := watchCall(ctx, w.cfg.CallTimeout, func(ctx context.Context) ([]swarm.Node, error) {
			return w.api.NodeList(ctx, swarm.NodeListOptions{})
		})
		if err != nil {
			return fail("listing nodes", err)
		}
		w.nodes, w.nodesAt = convergeNodeIndex(list), now
	}
	obs.services, obs.gone, obs.nodes = w.services, w.gone, w.nodes

	args := filters.NewArgs(filters.Arg("_up-to-date", "true"))
	live := 0
	for id := range ids {
		if _, ok := w.services[id]; ok {
			live++
		}
	}
	if live <= watchFilterMax {
		for id := range ids {
			if _, ok := w.services[id]; ok {
				args.Add("service", id)
			}
		}
	}
	obs.tasks = map[string][]swarm.Task{}
	if live > 0 {
		list, err := watchCall(ctx, w.cfg.CallTimeout, func(ctx context.Context) ([]swarm.Task, error) {
			return w.api.TaskList(ctx, swarm.TaskListOptions{Filters: args})
		})
		if err != nil {
			if cerrdefs.IsNotFound(err) {
				// A followed service went away between the two listings: list
				// services again at once.
				w.mu.Lock()
				w.stale.services = true
				w.mu.Unlock()
				w.nudge()
			}
			return fail("listing tasks", err)
		}
		for _, t := range list {
			if ids[t.ServiceID] {
				obs.tasks[t.ServiceID] = append(obs.tasks[t.ServiceID], t)
			}
		}
	}
	if removals && len(w.gone) > 0 {
		list, err := watchCall(ctx, w.cfg.CallTimeout, func(ctx context.Context) ([]swarm.Task, error) {
			return w.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("desired-state", "remove"))})
		})
		if err != nil {
			return fail("listing stopping tasks", err)
		}
		obs.removing = map[string][]swarm.Task{}
		for _, t := range list {
			if w.gone[t.ServiceID] {
				obs.removing[t.ServiceID] = append(obs.removing[t.ServiceID], t)
			}
		}
	}
	if w.failing {
		w.log.Info("convergence poll works again")
		w.failing = false
	}
	return obs
}

// watchCall makes one Engine call, bounded by the call timeout.
func watchCall[T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return fn(ctx)
}

// listen keeps the Engine's service and node events flowing, opening the
// stream again after an error, and wakes the poller on each event about a
// followed service or any node. Every (re)connection makes the next round
// list services and nodes, since events may have been missed meanwhile.
func (w *Watcher) listen(ctx context.Context) {
	backoff := time.Second
	opened := false
	for {
		sub, cancel := context.WithCancel(ctx)
		msgs, errs := w.api.Events(sub, events.ListOptions{Filters: filters.NewArgs(
			filters.Arg("type", string(events.ServiceEventType)),
			filters.Arg("type", string(events.NodeEventType)),
			filters.Arg("scope", "swarm"),
		)})
		w.mu.Lock()
		w.streamUp = true
		if opened {
			// Events may have been missed while the stream was down.
			w.stale = watchStale{services: true, nodes: true}
			w.stats.EventReconnects++
		}
		w.mu.Unlock()
		if opened {
			w.nudge()
		}
		opened = true

		connected := time.Now()
		err := w.consume(sub, msgs, errs, &backoff)
		cancel()
		if time.Since(connected) > watchStreamSteady {
			backoff = time.Second // it had been working: try again soon
		}
		w.mu.Lock()
		w.streamUp = false
		w.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		w.log.Warn("engine event stream lost; polling meanwhile", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (w *Watcher) consume(ctx context.Context, msgs <-chan events.Message, errs <-chan error, backoff *time.Duration) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err, ok := <-errs:
			if !ok || err == nil {
				return errors.New("event stream closed")
			}
			return err
		case m := <-msgs:
			*backoff = time.Second
			relevant := false
			w.mu.Lock()
			switch m.Type {
			case events.ServiceEventType:
				for f := range w.follows {
					if f.follows(m.Actor.ID) {
						w.stale.services, relevant = true, true
					}
				}
			case events.NodeEventType:
				w.stale.nodes, relevant = true, true
			}
			w.mu.Unlock()
			if relevant {
				w.nudge()
			}
		}
	}
}

// watchFollow is one Follow: its trackers (one per service), and the
// snapshots waiting for the caller.
type watchFollow struct {
	op               Operation
	nodeID, nodeName string
	trackers         []*convergeTracker // touched only by the poller

	mu     sync.Mutex
	queue  []Progress
	last   *Progress
	seq    int
	notify chan struct{}
}

// watchFilterMax is the most services named in one listing's filters; past
// it, the listing asks for every service (or every up-to-date task) instead,
// so the request stays short. Still one call either way.
const watchFilterMax = 50

// watchDebounce is how long the poller lets a burst of events settle before
// it polls; watchMinRound the shortest time between two rounds that timers
// ask for (the CLI's poll interval); watchNodesFallback how often nodes are
// listed while no events arrive to say they changed (services are then
// listed every round).
const (
	watchDebounce      = 20 * time.Millisecond
	watchMinRound      = 200 * time.Millisecond
	watchNodesFallback = 2 * time.Second
	watchStreamSteady  = 30 * time.Second
)

// watchQueueMax bounds the snapshots waiting for a slow caller; beyond it the
// oldest give way (each snapshot is complete, so only intermediate steps are lost).
const watchQueueMax = 256

func (f *watchFollow) follows(serviceID string) bool {
	for _, t := range f.trackers {
		if t.id == serviceID {
			return true
		}
	}
	return false
}

func (f *watchFollow) title() string {
	if f.op.Kind == OpDrain {
		return fmt.Sprintf("drain of %s", f.op.Node)
	}
	return fmt.Sprintf("%s of %s", f.op.Kind, f.op.Service)
}

// judge runs one observation through the follow's trackers, queues a
// snapshot if anything changed, and says whether it did and when the follow
// wants to be looked at again.
func (f *watchFollow) judge(o *watchObservation) (bool, time.Time) {
	var next time.Time
	services := make([]ServiceProgress, 0, len(f.trackers))
	for _, t := range f.trackers {
		sp, at := t.judge(o)
		services = append(services, sp)
		if !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	p := Progress{
		Operation: f.op,
		NodeID:    f.nodeID,
		NodeName:  f.nodeName,
		Services:  services,
		Elapsed:   o.at.Sub(f.op.Since),
	}
	p.Phase, p.Final = watchPhase(services)

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last != nil && (f.last.Final || watchSame(*f.last, p)) {
		return false, next
	}
	f.seq++
	p.Seq = f.seq
	f.last = &p
	if len(f.queue) >= watchQueueMax {
		f.queue = f.queue[1:]
	}
	f.queue = append(f.queue, p)
	select {
	case f.notify <- struct{}{}:
	default:
	}
	return true, next
}

func (f *watchFollow) take() []Progress {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queue
	f.queue = nil
	return q
}

func (f *watchFollow) latest() Progress {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last == nil {
		return Progress{Operation: f.op, Phase: PhaseUpdating}
	}
	return *f.last
}

// watchSame reports whether two snapshots say the same thing, the clock aside.
func watchSame(a, b Progress) bool {
	a.Elapsed, b.Elapsed, a.Seq, b.Seq = 0, 0, 0, 0
	return reflect.DeepEqual(a, b)
}

// watchPhase sums up the services of an operation: final when every one is;
// then converged only if all converged, else the first that went wrong (the
// worst first). While some still move, the phase of the least advanced.
func watchPhase(services []ServiceProgress) (Phase, bool) {
	rank := map[Phase]int{
		PhaseFailed: 0, PhasePaused: 1, PhaseTimedOut: 2, PhaseStuck: 3, PhaseRemoved: 4, PhaseConverged: 5,
		PhaseRollingBack: 0, PhaseUpdating: 1, PhaseRemoving: 2, PhaseVerifying: 3,
	}
	final := true
	for _, s := range services {
		if !s.Phase.Final() {
			final = false
		}
	}
	best := Phase("")
	for _, s := range services {
		if s.Phase.Final() != final {
			continue
		}
		if best == "" || rank[s.Phase] < rank[best] {
			best = s.Phase
		}
	}
	if best == "" {
		best = PhaseConverged
	}
	return best, final
}

package swarm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"

	"github.com/swarmbot/swarmbot/internal/testenv"
)

// These tests follow real changes on the private two-node swarm. Services are
// created and changed straight through the Docker client; the watcher only
// follows. Under -record, what the watcher was told is saved as scenarios
// under testdata/converge, which TestConvergeScenarios replays.

// watchTestDeadline bounds what the swarm must do in a test: generous, since
// the machine is shared.
const watchTestDeadline = 3 * time.Minute

func watchClient(t *testing.T) *client.Client {
	t.Helper()
	env := testenv.Swarm(t)
	cli, err := client.NewClientWithOpts(client.WithHost(env.ManagerHost), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

type watchServiceOpts struct {
	replicas    uint64
	global      bool
	job         bool // replicated job: replicas completions, 2 at a time
	image       string
	args        []string
	update      *swarm.UpdateConfig
	constraints []string
	mounts      []mount.Mount
	restart     *swarm.RestartPolicy
}

// watchCreate creates a service (removing a leftover of the same name first)
// and removes it when the test ends.
func watchCreate(t *testing.T, cli *client.Client, name string, o watchServiceOpts) string {
	t.Helper()
	ctx := t.Context()
	if err := cli.ServiceRemove(ctx, name); err == nil {
		watchGone(t, cli, name)
	}
	if o.image == "" {
		o.image = "swarmbot-test/ping:1"
	}
	if o.args == nil {
		o.args = []string{"ping", "127.0.0.1"}
	}
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name, Labels: map[string]string{"swarmbot.test": "watch"}},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{Image: o.image, Args: o.args, Mounts: o.mounts},
			Placement:     &swarm.Placement{Constraints: o.constraints},
			RestartPolicy: o.restart,
		},
		UpdateConfig: o.update,
	}
	switch {
	case o.global:
		spec.Mode.Global = &swarm.GlobalService{}
	case o.job:
		total, conc := o.replicas, uint64(2)
		spec.Mode.ReplicatedJob = &swarm.ReplicatedJob{TotalCompletions: &total, MaxConcurrent: &conc}
	default:
		r := o.replicas
		spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &r}
	}
	resp, err := cli.ServiceCreate(ctx, spec, swarm.ServiceCreateOptions{})
	if err != nil {
		t.Fatalf("creating %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = cli.ServiceRemove(ctx, resp.ID)
		watchGone(t, cli, resp.ID)
	})
	return resp.ID
}

// watchGone waits until a removed service's containers have stopped, so the
// next test starts on a quiet swarm.
func watchGone(t *testing.T, cli *client.Client, id string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		tasks, err := cli.TaskList(context.Background(), swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("desired-state", "remove"))})
		if err != nil {
			return
		}
		busy := false
		for _, task := range tasks {
			busy = busy || ((task.ServiceID == id) && !convergeTerminal(task.Status.State))
		}
		if !busy {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// watchChange applies a change to a service's spec the way the CLI does:
// inspect without defaults, change, update with the inspected version.
func watchChange(t *testing.T, cli *client.Client, id string, change func(*swarm.ServiceSpec), opts swarm.ServiceUpdateOptions) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		svc, _, err := cli.ServiceInspectWithRaw(t.Context(), id, swarm.ServiceInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		spec := svc.Spec
		if change != nil {
			change(&spec)
		}
		_, err = cli.ServiceUpdate(t.Context(), svc.ID, svc.Version, spec, opts)
		if err != nil && strings.Contains(err.Error(), "update out of sequence") && attempt < 5 {
			continue
		}
		if err != nil {
			t.Fatalf("updating %s: %v", id, err)
		}
		return
	}
}

func watchImage(image string) func(*swarm.ServiceSpec) {
	return func(s *swarm.ServiceSpec) { s.TaskTemplate.ContainerSpec.Image = image }
}

// watchFollowAll follows an operation and returns every snapshot, failing the
// test if it does not end within the deadline.
func watchFollowAll(t *testing.T, w *Watcher, op Operation) []Progress {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), watchTestDeadline)
	defer cancel()
	var got []Progress
	final, err := w.Follow(ctx, op, func(p Progress) {
		got = append(got, p)
		t.Logf("#%d +%s %s\n%s", p.Seq, p.Elapsed.Round(time.Millisecond), p.Phase, p.Text())
	})
	if err != nil {
		t.Fatalf("following %s %s: %v", op.Kind, op.Service, err)
	}
	if len(got) == 0 || !got[len(got)-1].Final || !final.Final {
		t.Fatalf("no final snapshot: %+v", final)
	}
	return got
}

func watchNew(api Engine, stuckAfter time.Duration) *Watcher {
	return NewWatcher(api, WatchConfig{StuckAfter: stuckAfter, Timeout: watchTestDeadline, Logger: convergeQuietLog})
}

func watchConverged(t *testing.T, w *Watcher, kind OperationKind, id string) {
	t.Helper()
	got := watchFollowAll(t, w, Operation{Kind: kind, Service: id})
	if p := got[len(got)-1]; p.Phase != PhaseConverged {
		t.Fatalf("%s of %s ended %s, want converged:\n%s", kind, id, p.Phase, p.Text())
	}
}

// TestWatchRollingUpdateOneSlotAtATime: an update with an update delay shows
// the slots changing one at a time, the delay between them.
func TestWatchRollingUpdateOneSlotAtATime(t *testing.T) {
	cli := watchClient(t)
	const delay = 3 * time.Second
	id := watchCreate(t, cli, "w4-rolling", watchServiceOpts{replicas: 3, update: &swarm.UpdateConfig{Parallelism: 1, Delay: delay}})
	watchConverged(t, watchNew(cli, time.Minute), OpCreate, id)

	rec := newRecordingEngine(cli)
	w := watchNew(rec, time.Minute)
	watchChange(t, cli, id, watchImage("swarmbot-test/ping:2"), swarm.ServiceUpdateOptions{})
	op := Operation{Kind: OpUpdate, Service: "w4-rolling"}
	rec.t0 = time.Now()
	got := watchFollowAll(t, w, op)
	rec.save(t, "recorded-update-delay", "recorded: 3 replicas, update delay 3s, ping:1 → ping:2", op, scenarioExpect{Phase: PhaseConverged})

	final := got[len(got)-1]
	if final.Phase != PhaseConverged {
		t.Fatalf("update ended %s, want converged:\n%s", final.Phase, final.Text())
	}
	if !strings.Contains(final.Text(), "verify: Service w4-rolling converged") {
		t.Errorf("final text lacks the CLI's converged line:\n%s", final.Text())
	}

	// One slot at a time: the running count never drops, never jumps by
	// more than one, and at most one slot is on its way up at any moment.
	// The Engine's own timestamps show the delay: a slot's new task is not
	// created before the previous slot runs plus the delay.
	runningAt := map[int]time.Time{} // slot → when its new task ran
	firstSeen := map[int]time.Time{} // slot → earliest state timestamp of its new task
	var order []int
	prev := 0
	for _, p := range got {
		s := p.Services[0]
		if s.Running < prev || s.Running > prev+1 {
			t.Errorf("snapshot #%d: running went from %d to %d", p.Seq, prev, s.Running)
		}
		prev = s.Running
		moving := 0
		for _, sl := range s.Slots {
			if sl.Image != "swarmbot-test/ping:2" {
				t.Errorf("snapshot #%d shows a task of image %s; only up-to-date tasks should show", p.Seq, sl.Image)
			}
			if sl.State != "running" {
				moving++
			}
			if _, ok := firstSeen[sl.Slot]; !ok {
				firstSeen[sl.Slot] = sl.StateSince
				order = append(order, sl.Slot)
			}
			if sl.State == "running" && runningAt[sl.Slot].IsZero() {
				runningAt[sl.Slot] = sl.StateSince
			}
		}
		if moving > 1 {
			t.Errorf("snapshot #%d: %d slots moving at once, want at most 1:\n%s", p.Seq, moving, p.Text())
		}
	}
	if len(order) != 3 {
		t.Fatalf("saw slots %v, want 3", order)
	}
	const clockSlack = 100 * time.Millisecond
	for i := 1; i < len(order); i++ {
		before, after := order[i-1], order[i]
		if gap := firstSeen[after].Sub(runningAt[before]); gap < delay-clockSlack {
			t.Errorf("slot %d started %s after slot %d ran; the update delay is %s", after, gap, before, delay)
		}
	}
}

// TestWatchUpdateToImageMissingOnANode: an update to an image only dev01
// has ends paused (the Engine's message, and the rejected task's error as
// the reason), not in a hang.
func TestWatchUpdateToImageMissingOnANode(t *testing.T) {
	cli := watchClient(t)
	id := watchCreate(t, cli, "w4-missing", watchServiceOpts{replicas: 2})
	watchConverged(t, watchNew(cli, time.Minute), OpCreate, id)

	rec := newRecordingEngine(cli)
	w := watchNew(rec, 30*time.Second)
	watchChange(t, cli, id, watchImage("swarmbot-test/only-dev01:1"), swarm.ServiceUpdateOptions{})
	op := Operation{Kind: OpUpdate, Service: id}
	rec.t0 = time.Now()
	got := watchFollowAll(t, w, op)
	rec.saveWith(t, "recorded-update-paused", "recorded: 2 replicas updated to an image that only dev01 has", op,
		scenarioExpect{Phase: PhasePaused, Reason: "No such image"}, scenarioCfg{StuckAfter: scenarioDuration(30 * time.Second)})

	final := got[len(got)-1]
	s := final.Services[0]
	switch final.Phase {
	case PhasePaused:
		if !strings.Contains(s.Message, "update paused due to failure") {
			t.Errorf("paused without the Engine's message: %q", s.Message)
		}
		if !strings.Contains(final.Text(), "service update paused: update paused due to failure") {
			t.Errorf("text lacks the CLI's paused line:\n%s", final.Text())
		}
	case PhaseStuck:
	default:
		t.Fatalf("ended %s, want paused (or stuck):\n%s", final.Phase, final.Text())
	}
	if !strings.Contains(s.Reason, "No such image: swarmbot-test/only-dev01:1") || !strings.Contains(s.Reason, "dev02") {
		t.Errorf("reason %q does not name the missing image on dev02", s.Reason)
	}
}

// TestWatchStuckOnRejectedTasks: a service whose tasks are rejected over and
// over (the image is missing on the only node it may run on) keeps changing
// but never progresses: it is reported stuck with the reason.
func TestWatchStuckOnRejectedTasks(t *testing.T) {
	cli := watchClient(t)
	rec := newRecordingEngine(cli)
	w := watchNew(rec, 20*time.Second)
	id := watchCreate(t, cli, "w4-stuck", watchServiceOpts{replicas: 1, image: "swarmbot-test/only-dev01:1", constraints: []string{"node.hostname==dev02"}})
	op := Operation{Kind: OpCreate, Service: id}
	rec.t0 = time.Now()
	got := watchFollowAll(t, w, op)
	rec.saveWith(t, "recorded-create-stuck", "recorded: 1 replica, constrained to dev02, of an image only dev01 has; stuck after 20 s", op,
		scenarioExpect{Phase: PhaseStuck, Reason: "No such image"}, scenarioCfg{StuckAfter: scenarioDuration(20 * time.Second)})

	final := got[len(got)-1]
	if final.Phase != PhaseStuck {
		t.Fatalf("ended %s, want stuck:\n%s", final.Phase, final.Text())
	}
	if r := final.Services[0].Reason; !strings.Contains(r, "No such image") {
		t.Errorf("stuck reason %q does not say the image is missing", r)
	}
	if !strings.Contains(final.Text(), "stuck: no progress for") {
		t.Errorf("text does not say stuck:\n%s", final.Text())
	}
}

// TestWatchRollback: a rollback reports "rolling back" with the Engine's
// reason, then converged, and the CLI's closing lines.
func TestWatchRollback(t *testing.T) {
	cli := watchClient(t)
	id := watchCreate(t, cli, "w4-rollback", watchServiceOpts{replicas: 2, update: &swarm.UpdateConfig{Monitor: 2 * time.Second}})
	w := watchNew(cli, time.Minute)
	watchConverged(t, w, OpCreate, id)
	watchChange(t, cli, id, watchImage("swarmbot-test/ping:2"), swarm.ServiceUpdateOptions{})
	watchConverged(t, w, OpUpdate, id)

	rec := newRecordingEngine(cli)
	w = watchNew(rec, time.Minute)
	watchChange(t, cli, id, nil, swarm.ServiceUpdateOptions{Rollback: "previous"})
	op := Operation{Kind: OpRollback, Service: "w4-rollback"}
	rec.t0 = time.Now()
	got := watchFollowAll(t, w, op)
	rec.save(t, "recorded-rollback", "recorded: docker service rollback of 2 replicas, ping:2 → ping:1", op, scenarioExpect{Phase: PhaseConverged})

	sawRollingBack := false
	for _, p := range got {
		s := p.Services[0]
		if p.Phase == PhaseRollingBack {
			sawRollingBack = true
			if s.Message != "manually requested rollback" || !strings.Contains(p.Text(), "rollback: manually requested rollback") {
				t.Errorf("rolling back without the Engine's reason: %q\n%s", s.Message, p.Text())
			}
			if !strings.Contains(p.Text(), "overall progress: rolling back update:") {
				t.Errorf("rolling back, but the overall line does not say so:\n%s", p.Text())
			}
		}
		for _, sl := range s.Slots {
			if sl.Image != "swarmbot-test/ping:1" {
				t.Errorf("snapshot #%d shows image %s during the rollback to ping:1", p.Seq, sl.Image)
			}
		}
	}
	if !sawRollingBack {
		t.Error("no snapshot said rolling back")
	}
	final := got[len(got)-1]
	if final.Phase != PhaseConverged || !final.Services[0].Rollback {
		t.Fatalf("rollback ended %s (rollback=%v), want converged:\n%s", final.Phase, final.Services[0].Rollback, final.Text())
	}
	if !strings.Contains(final.Text(), "verify: Service w4-rollback converged") {
		t.Errorf("final text lacks the converged line:\n%s", final.Text())
	}
}

// TestWatchScaleDown: tasks removed by a scale-down count until they have
// stopped; converged means none is left running.
func TestWatchScaleDown(t *testing.T) {
	cli := watchClient(t)
	id := watchCreate(t, cli, "w4-scaledown", watchServiceOpts{replicas: 4})
	w := watchNew(cli, time.Minute)
	watchConverged(t, w, OpCreate, id)

	rec := newRecordingEngine(cli)
	w = watchNew(rec, time.Minute)
	watchChange(t, cli, id, func(s *swarm.ServiceSpec) { one := uint64(1); s.Mode.Replicated.Replicas = &one }, swarm.ServiceUpdateOptions{})
	op := Operation{Kind: OpScale, Service: id}
	rec.t0 = time.Now()
	got := watchFollowAll(t, w, op)
	rec.save(t, "recorded-scale-down", "recorded: scale 4 → 1", op, scenarioExpect{Phase: PhaseConverged})

	final := got[len(got)-1]
	if final.Phase != PhaseConverged || final.Services[0].Running != 1 || final.Services[0].Desired != 1 || final.Services[0].Leaving != 0 {
		t.Fatalf("scale-down ended %s, %d/%d, %d leaving; want converged 1/1, none leaving:\n%s",
			final.Phase, final.Services[0].Running, final.Services[0].Desired, final.Services[0].Leaving, final.Text())
	}
	// When the watcher said converged, no removed task may still run.
	tasks, err := cli.TaskList(t.Context(), swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", id))})
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, task := range tasks {
		if !convergeTerminal(task.Status.State) {
			running++
			if task.DesiredState != swarm.TaskStateRunning {
				t.Errorf("task %s (slot %d) still %s with desired state %s after converged", task.ID, task.Slot, task.Status.State, task.DesiredState)
			}
		}
	}
	if running != 1 {
		t.Errorf("%d tasks alive after converged, want 1", running)
	}
}

// TestWatchDrain: draining dev02 follows every service that had a task
// there until its tasks have settled on dev01 (replicated) or stopped
// (global).
func TestWatchDrain(t *testing.T) {
	cli := watchClient(t)
	rep := watchCreate(t, cli, "w4-drain-rep", watchServiceOpts{replicas: 2})
	glob := watchCreate(t, cli, "w4-drain-glob", watchServiceOpts{global: true})
	w := watchNew(cli, time.Minute)
	watchConverged(t, w, OpCreate, rep)
	watchConverged(t, w, OpCreate, glob)

	node, _, err := cli.NodeInspectWithRaw(t.Context(), "dev02")
	if err != nil {
		t.Fatal(err)
	}
	watchSetAvailability(t, cli, node.ID, swarm.NodeAvailabilityDrain)
	t.Cleanup(func() { watchSetAvailability(t, cli, node.ID, swarm.NodeAvailabilityActive) })

	rec := newRecordingEngine(cli)
	w = watchNew(rec, time.Minute)
	op := Operation{Kind: OpDrain, Node: "dev02", Since: time.Now().Add(-time.Second)}
	rec.t0 = time.Now()
	got := watchFollowAll(t, w, op)
	final := got[len(got)-1]
	saved := Operation{Kind: OpDrain, Node: "dev02"}
	for _, s := range final.Services {
		saved.Services = append(saved.Services, s.ID)
	}
	rec.save(t, "recorded-drain", "recorded: drain dev02 under a 2-replica and a global service", saved, scenarioExpect{Phase: PhaseConverged})

	if final.Phase != PhaseConverged {
		t.Fatalf("drain ended %s:\n%s", final.Phase, final.Text())
	}
	names := map[string]ServiceProgress{}
	for _, s := range final.Services {
		names[s.Name] = s
	}
	r, g := names["w4-drain-rep"], names["w4-drain-glob"]
	if r.Name == "" || g.Name == "" {
		t.Fatalf("drain followed %v, want both w4-drain-rep and w4-drain-glob", final.Services)
	}
	if r.Running != 2 || r.Desired != 2 || g.Running != 1 || g.Desired != 1 {
		t.Errorf("after the drain: replicated %d/%d, global %d/%d; want 2/2 and 1/1", r.Running, r.Desired, g.Running, g.Desired)
	}
	for _, s := range final.Services {
		for _, sl := range s.Slots {
			if sl.NodeName != "dev01" {
				t.Errorf("%s slot %d on %s after draining dev02", s.Name, sl.Slot, sl.NodeName)
			}
		}
	}
	if final.NodeName != "dev02" || !strings.HasPrefix(final.Text(), "drain dev02: 2 of 2 services settled") {
		t.Errorf("drain text:\n%s", final.Text())
	}
}

func watchSetAvailability(t *testing.T, cli *client.Client, nodeID string, a swarm.NodeAvailability) {
	t.Helper()
	for attempt := 0; attempt < 5; attempt++ {
		n, _, err := cli.NodeInspectWithRaw(context.Background(), nodeID)
		if err != nil {
			t.Fatal(err)
		}
		n.Spec.Availability = a
		err = cli.NodeUpdate(context.Background(), n.ID, n.Version, n.Spec)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "update out of sequence") {
			t.Fatalf("setting %s %s: %v", nodeID, a, err)
		}
	}
}

// TestWatchRemove: rm is followed until the service is gone and its tasks
// have stopped.
func TestWatchRemove(t *testing.T) {
	cli := watchClient(t)
	id := watchCreate(t, cli, "w4-rm", watchServiceOpts{replicas: 2})
	w := watchNew(cli, time.Minute)
	watchConverged(t, w, OpCreate, id)
	if err := cli.ServiceRemove(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	got := watchFollowAll(t, w, Operation{Kind: OpRemove, Service: id})
	final := got[len(got)-1]
	if final.Phase != PhaseRemoved {
		t.Fatalf("rm ended %s:\n%s", final.Phase, final.Text())
	}
	tasks, err := cli.TaskList(t.Context(), swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("desired-state", "remove"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if task.ServiceID == id && !convergeTerminal(task.Status.State) {
			t.Errorf("task %s still %s after removed", task.ID, task.Status.State)
		}
	}
	if _, _, err := cli.ServiceInspectWithRaw(t.Context(), id, swarm.ServiceInspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Errorf("service still there after removed: %v", err)
	}
}

// watchCountingEngine counts the Engine calls a watcher makes.
type watchCountingEngine struct {
	Engine
	mu    sync.Mutex
	calls map[string]int
}

func (c *watchCountingEngine) add(name string) {
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[name]++
	c.mu.Unlock()
}

func (c *watchCountingEngine) TaskList(ctx context.Context, o swarm.TaskListOptions) ([]swarm.Task, error) {
	c.add("TaskList")
	return c.Engine.TaskList(ctx, o)
}

func (c *watchCountingEngine) ServiceList(ctx context.Context, o swarm.ServiceListOptions) ([]swarm.Service, error) {
	c.add("ServiceList")
	return c.Engine.ServiceList(ctx, o)
}

func (c *watchCountingEngine) NodeList(ctx context.Context, o swarm.NodeListOptions) ([]swarm.Node, error) {
	c.add("NodeList")
	return c.Engine.NodeList(ctx, o)
}

// TestWatchManyOperationsShareOnePoller: five updates followed at once by
// one watcher all converge, and its rounds cost no more calls than one
// operation's would.
func TestWatchManyOperationsShareOnePoller(t *testing.T) {
	cli := watchClient(t)
	const n = 5
	ids := make([]string, n)
	w := watchNew(cli, time.Minute)
	for i := range ids {
		ids[i] = watchCreate(t, cli, fmt.Sprintf("w4-many-%d", i), watchServiceOpts{replicas: 1, update: &swarm.UpdateConfig{Monitor: 2 * time.Second}})
	}
	watchAllConverged(t, w, OpCreate, ids)

	count := &watchCountingEngine{Engine: cli}
	w = watchNew(count, time.Minute)
	for _, id := range ids {
		watchChange(t, cli, id, watchImage("swarmbot-test/ping:2"), swarm.ServiceUpdateOptions{})
	}
	watchAllConverged(t, w, OpUpdate, ids)
	polls := w.Stats().Polls
	count.mu.Lock()
	defer count.mu.Unlock()
	perPoll := float64(count.calls["TaskList"]+count.calls["ServiceList"]+count.calls["NodeList"]) / float64(polls)
	t.Logf("%d operations: %d polls, calls %v, %.2f calls per poll", n, polls, count.calls, perPoll)
	if count.calls["TaskList"] > int(polls) || count.calls["ServiceList"] > int(polls) || count.calls["NodeList"] > int(polls) {
		t.Errorf("more than one listing of a kind per poll: %d polls, %v", polls, count.calls)
	}
}

// watchAllConverged follows one operation per service at once and fails
// unless every one converges.
func watchAllConverged(t *testing.T, w *Watcher, kind OperationKind, ids []string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(t.Context(), watchTestDeadline)
			defer cancel()
			p, err := w.Follow(ctx, Operation{Kind: kind, Service: id}, nil)
			if err == nil && p.Phase != PhaseConverged {
				err = fmt.Errorf("%s of %s ended %s:\n%s", kind, id, p.Phase, p.Text())
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestWatchStabilityWindowRestarts: a task that fails inside the stability
// window is reported ("verify: Detected task failure"), and converged waits
// for a whole new window after its replacement runs.
func TestWatchStabilityWindowRestarts(t *testing.T) {
	cli := watchClient(t)
	shared := t.TempDir() // both nodes run on this host: a bind mount they share
	script := `if [ ! -f /shared/failed-once ]; then touch /shared/failed-once; sleep 2; exit 1; fi; exec ping 127.0.0.1`
	rec := newRecordingEngine(cli)
	w := watchNew(rec, time.Minute)
	rec.t0 = time.Now()
	id := watchCreate(t, cli, "w4-window", watchServiceOpts{
		replicas: 1,
		args:     []string{"sh", "-c", script},
		mounts:   []mount.Mount{{Type: mount.TypeBind, Source: shared, Target: "/shared"}},
		restart:  &swarm.RestartPolicy{Delay: watchDuration(time.Second)},
	})
	op := Operation{Kind: OpCreate, Service: id}
	got := watchFollowAll(t, w, op)
	rec.save(t, "recorded-window-reset", "recorded: the first task fails 2 s after it starts, inside the stability window; its replacement runs", op, scenarioExpect{Phase: PhaseConverged})

	final := got[len(got)-1]
	if final.Phase != PhaseConverged {
		t.Fatalf("ended %s:\n%s", final.Phase, final.Text())
	}
	failed := false
	for _, p := range got {
		if p.Services[0].TaskFailed && !failed {
			failed = true
			if !strings.Contains(p.Text(), "verify: Detected task failure") {
				t.Errorf("task failed, but the text does not say so:\n%s", p.Text())
			}
		}
	}
	if !failed {
		t.Fatal("no snapshot reported the task that failed inside the window")
	}
	// The window ran in full after the replacement started: the final
	// snapshot comes at least Monitor after the running task's start (by
	// the Engine's clock, on this same host), less the CLI's one poll.
	ran := final.Services[0].Slots[0].StateSince
	if end := final.Operation.Since.Add(final.Elapsed); end.Sub(ran) < convergeMonitorDefault-convergeVerifyLead-100*time.Millisecond {
		t.Errorf("converged %s after the replacement ran; the window is %s", end.Sub(ran), convergeMonitorDefault)
	}
}

func watchDuration(d time.Duration) *time.Duration { return &d }

// TestWatchGlobalService: a global service converges per node, each node
// named by its hostname.
func TestWatchGlobalService(t *testing.T) {
	cli := watchClient(t)
	rec := newRecordingEngine(cli)
	w := watchNew(rec, time.Minute)
	rec.t0 = time.Now()
	id := watchCreate(t, cli, "w4-global", watchServiceOpts{global: true})
	op := Operation{Kind: OpCreate, Service: id}
	got := watchFollowAll(t, w, op)
	rec.save(t, "recorded-global", "recorded: create a global service on dev01 and dev02", op, scenarioExpect{Phase: PhaseConverged})
	final := got[len(got)-1]
	s := final.Services[0]
	if final.Phase != PhaseConverged || s.Running != 2 || s.Desired != 2 {
		t.Fatalf("ended %s %d/%d, want converged 2/2:\n%s", final.Phase, s.Running, s.Desired, final.Text())
	}
	if !strings.Contains(final.Text(), "dev01: running") || !strings.Contains(final.Text(), "dev02: running") {
		t.Errorf("nodes not named by hostname:\n%s", final.Text())
	}
}

// TestWatchReplicatedJob: a job is followed by its completions and ends
// without a stability window.
func TestWatchReplicatedJob(t *testing.T) {
	cli := watchClient(t)
	rec := newRecordingEngine(cli)
	w := watchNew(rec, time.Minute)
	rec.t0 = time.Now()
	id := watchCreate(t, cli, "w4-job", watchServiceOpts{job: true, replicas: 3, args: []string{"sleep", "1"}})
	op := Operation{Kind: OpCreate, Service: id}
	got := watchFollowAll(t, w, op)
	rec.save(t, "recorded-job", "recorded: a replicated job of 3 completions, 2 at a time, each sleeping 1 s", op, scenarioExpect{Phase: PhaseConverged})
	final := got[len(got)-1]
	s := final.Services[0]
	if final.Phase != PhaseConverged || s.Running != 3 || s.Desired != 3 {
		t.Fatalf("ended %s %d/%d, want converged 3/3:\n%s", final.Phase, s.Running, s.Desired, final.Text())
	}
	if !strings.Contains(final.Text(), "job progress: 3 out of 3 complete") || !strings.Contains(final.Text(), "job complete") {
		t.Errorf("job text:\n%s", final.Text())
	}
	for _, p := range got {
		if p.Phase == PhaseVerifying {
			t.Errorf("a job waited out a stability window (snapshot #%d)", p.Seq)
		}
	}
}

// TestWatchNoSuitableNode: an unassigned task shows the scheduler's "no
// suitable node" error, and the service is reported stuck with it.
func TestWatchNoSuitableNode(t *testing.T) {
	cli := watchClient(t)
	rec := newRecordingEngine(cli)
	w := watchNew(rec, 10*time.Second)
	rec.t0 = time.Now()
	id := watchCreate(t, cli, "w4-nowhere", watchServiceOpts{replicas: 1, constraints: []string{"node.labels.swarmbot-nowhere==yes"}})
	op := Operation{Kind: OpCreate, Service: id}
	got := watchFollowAll(t, w, op)
	rec.saveWith(t, "recorded-no-suitable-node", "recorded: 1 replica constrained to a label no node has; stuck after 10 s", op,
		scenarioExpect{Phase: PhaseStuck, Reason: "no suitable node"}, scenarioCfg{StuckAfter: scenarioDuration(10 * time.Second)})
	final := got[len(got)-1]
	if final.Phase != PhaseStuck || !strings.Contains(final.Services[0].Reason, "no suitable node") {
		t.Fatalf("ended %s (%q), want stuck on no suitable node:\n%s", final.Phase, final.Services[0].Reason, final.Text())
	}
	if !strings.Contains(final.Text(), "1/1: no suitable node") {
		t.Errorf("the unassigned task's error is not shown in its slot:\n%s", final.Text())
	}
}

// TestWatchUnknownService: following a service that does not exist says so
// at once.
func TestWatchUnknownService(t *testing.T) {
	cli := watchClient(t)
	_, err := watchNew(cli, time.Minute).Follow(t.Context(), Operation{Kind: OpUpdate, Service: "w4-no-such-service"}, nil)
	if err == nil || !cerrdefs.IsNotFound(errors.Unwrap(err)) && !strings.Contains(err.Error(), "not found") {
		t.Fatalf("err = %v, want a not-found error", err)
	}
}

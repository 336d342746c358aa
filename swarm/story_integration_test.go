package swarm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	dockerswarm "github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	"github.com/swarmbot/swarmbot/swarm"
)

// The -record flag may be defined by a test file of package swarm as well;
// whichever comes first defines it, and both read it.
func init() {
	if flag.Lookup("record") == nil {
		flag.Bool("record", false, "write what the Engine answers at steps of the seed story to testdata/recorded, the unit tests' fixtures")
	}
}

func recording() bool {
	f := flag.Lookup("record")
	return f != nil && f.Value.String() == "true"
}

// TestSeedStory replays the story the project was built from, step by step,
// on the private two-node swarm, through this package only.
func TestSeedStory(t *testing.T) {
	cli := engine(t)
	c := swarm.New(cli)
	ctx := t.Context()
	const name = "ping"
	pingArgs := []string{"ping", "127.0.0.1"}

	// 1. A long-lived service, one replica; ls shows 1/1.
	created := createService(t, c, swarm.CreateSpec{Name: name, Image: "alpine:latest", Args: pingArgs, Replicas: 1}, swarm.MutateOptions{Fence: 1})
	waitRunning(t, c, name, 1)
	row := serviceRow(t, c, name)
	if row.Running != 1 || row.Desired != 1 || row.Mode != "replicated" || row.Image != "alpine:latest" {
		t.Fatalf("ls row = %+v, want replicated 1/1 alpine:latest", row)
	}
	original := slotTask(t, c, name, 1)

	// Its logs carry the CLI's prefix, service.slot.task@node.
	var logs swarm.Logs
	waitFor(t, "two log lines", 60*time.Second, func() (bool, string, error) {
		var err error
		logs, err = c.Logs(ctx, name, swarm.LogsOptions{Tail: 3})
		return len(logs.Lines) >= 2, fmt.Sprintf("%d lines", len(logs.Lines)), err
	})
	for _, l := range logs.Lines {
		if l.ServiceName != name || l.Slot != 1 || l.TaskID != original.ID || l.NodeName != original.NodeName || !strings.Contains(l.Text, "127.0.0.1") {
			t.Errorf("log line %+v, want one of task %s (slot 1 on %s) about 127.0.0.1", l, original.ID, original.NodeName)
		}
	}
	var lb bytes.Buffer
	if err := swarm.WriteLogs(&lb, logs, swarm.LogFormat{}); err != nil {
		t.Fatal(err)
	}
	if prefix := fmt.Sprintf("ping.1.%s@%s    | ", original.ID[:12], original.NodeName); !strings.HasPrefix(lb.String(), prefix) {
		t.Errorf("logs render as\n%s\nwant lines starting %q", lb.String(), prefix)
	}
	recordFixture(t, cli, "created", created.ServiceID)

	// 2. Scale to 2: the number is the target; a second slot appears.
	res, err := c.Scale(ctx, name, 2, swarm.MutateOptions{Fence: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReplicasBefore != 1 || res.ReplicasAfter != 2 || res.ServiceName != name {
		t.Errorf("scale result = %+v, want ping 1 → 2", res)
	}
	waitRunning(t, c, name, 2)
	if got := runningSlots(t, c, name); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("slots %v after scale 2, want [1 2]", got)
	}

	// 3. Scale to 100, then back to 4: slot 1 keeps its original task; which
	// others stay is the engine's choice.
	if _, err := c.Scale(ctx, name, 100, swarm.MutateOptions{Fence: 1}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, name, 100)
	if _, err := c.Scale(ctx, name, 4, swarm.MutateOptions{Fence: 1}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a task leaving (desired remove)", 30*time.Second, func() (bool, string, error) {
		tasks, err := c.PS(ctx, name, swarm.PSOptions{DesiredState: "remove"})
		return len(tasks) > 0 || len(runningSlots(t, c, name)) == 4, fmt.Sprintf("%d leaving", len(tasks)), err
	})
	recordFixture(t, cli, "scaled-down", created.ServiceID)
	waitRunning(t, c, name, 4)
	if got := slotTask(t, c, name, 1); got.ID != original.ID {
		t.Errorf("slot 1 runs task %s after scaling down, want the original %s", got.ID, original.ID)
	}
	if row := serviceRow(t, c, name); row.Running != 4 || row.Desired != 4 {
		t.Errorf("ls row = %+v, want 4/4", row)
	}

	// 4. Recreate it with four replicas and an update delay.
	impact, err := c.RemoveImpact(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if impact.Replicas != 4 || len(impact.Tasks) != 4 {
		t.Errorf("remove impact = %d replicas, %d tasks; want 4 and 4", impact.Replicas, len(impact.Tasks))
	}
	if _, err := c.Remove(ctx, name, swarm.MutateOptions{Fence: 1, Expect: impact.Token}); err != nil {
		t.Fatal(err)
	}
	delay := 1 * time.Second
	recreated := createService(t, c, swarm.CreateSpec{Name: name, Image: "alpine:latest", Args: pingArgs, Replicas: 4,
		Update: swarm.UpdatePolicy{Delay: &delay}}, swarm.MutateOptions{Fence: 1})
	waitRunning(t, c, name, 4)
	detail, err := c.Inspect(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if u := detail.UpdateConfig; u == nil || u.Delay != delay || u.Parallelism != 1 || u.FailureAction != "pause" || u.Monitor != 5*time.Second {
		t.Errorf("inspect UpdateConfig = %+v, want delay 1s and the defaults", u)
	}
	recordFixture(t, cli, "recreated", recreated.ServiceID)
	before := tasksBySlot(t, c, name)

	// 5. Update the image, slot by slot: ps shows each old task under its new one.
	res, err = c.Update(ctx, name, swarm.UpdateSpec{Image: "alpine:3.7"}, swarm.MutateOptions{Fence: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImageBefore != "alpine:latest" || res.ImageAfter != "alpine:3.7" {
		t.Errorf("update result = %+v, want alpine:latest → alpine:3.7", res)
	}
	waitUpdateState(t, c, name, "completed")
	waitRunningImage(t, c, name, 4, "alpine:3.7")
	recordFixture(t, cli, "updated", recreated.ServiceID)
	history := tasksBySlot(t, c, name)
	for slot := 1; slot <= 4; slot++ {
		checkGenerations(t, history[slot], slot, "alpine:3.7", "alpine:latest")
		if old := history[slot][1]; old.ID != before[slot][0].ID {
			t.Errorf("slot %d: the task under the new one is %s, want the one it replaced, %s", slot, old.ID, before[slot][0].ID)
		}
	}
	var pb bytes.Buffer
	if err := swarm.WriteTasks(&pb, flatten(history), swarm.TaskFormat{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(pb.String(), ` \_ ping.`); n != 4 {
		t.Errorf("ps shows %d history rows, want 4:\n%s", n, pb.String())
	}

	// 6. Roll back, after a look at what it would do; ps shows two generations.
	preview, err := c.RollbackPreview(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if !preview.HasPrevious || preview.Current.Image != "alpine:3.7" || preview.Previous.Image != "alpine:latest" ||
		!slices.Contains(preview.Changes, "image: alpine:3.7 → alpine:latest") {
		t.Errorf("rollback preview = %+v, want alpine:3.7 → alpine:latest", preview)
	}
	res, err = c.Rollback(ctx, name, swarm.MutateOptions{Fence: 3, Expect: preview.Token})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImageBefore != "alpine:3.7" || res.ImageAfter != "alpine:latest" {
		t.Errorf("rollback result = %+v, want alpine:3.7 → alpine:latest", res)
	}
	waitUpdateState(t, c, name, "rollback_completed")
	waitRunningImage(t, c, name, 4, "alpine:latest")
	recordFixture(t, cli, "rolledback", recreated.ServiceID)
	history = tasksBySlot(t, c, name)
	for slot := 1; slot <= 4; slot++ {
		checkGenerations(t, history[slot], slot, "alpine:latest", "alpine:3.7", "alpine:latest")
	}

	// The rollback swapped the fence label back; stamped again, it keeps out
	// a holder of an older fence.
	if got := fenceOf(t, cli, recreated.ServiceID); got != "1" {
		t.Errorf("fence label after the rollback = %q, want the swapped-back 1", got)
	}
	if _, err := c.StampFence(ctx, name, swarm.MutateOptions{Fence: 3}); err != nil {
		t.Fatal(err)
	}
	var fe *swarm.FenceError
	if _, err := c.Scale(ctx, name, 5, swarm.MutateOptions{Fence: 2}); !errors.As(err, &fe) || fe.Seen != 3 {
		t.Errorf("scale with a stale fence: %v, want a FenceError seeing 3", err)
	}

	// 7. Keep three tasks per slot.
	hist, err := c.SetTaskHistoryLimit(ctx, 3, swarm.MutateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := c.SetTaskHistoryLimit(context.Background(), hist.Before, swarm.MutateOptions{}); err != nil {
			t.Errorf("restoring the task history limit: %v", err)
		}
	})
	if info, err := c.Info(ctx); err != nil || info.TaskHistoryRetentionLimit != 3 {
		t.Errorf("info = %+v, %v; want a task history limit of 3", info, err)
	}

	// 8. Drain dev02: every task ends on dev01, in the same slots.
	drain, err := c.DrainImpact(ctx, "dev02")
	if err != nil {
		t.Fatal(err)
	}
	onDev02 := 0
	for _, tasks := range tasksBySlot(t, c, name) {
		if tasks[0].NodeName == "dev02" {
			onDev02++
		}
	}
	if drain.LastActiveNode || drain.OtherActiveNodes != 1 || !drainMoves(drain, name, onDev02) {
		t.Errorf("drain impact = %+v, want %d tasks of ping replaced on dev01", drain, onDev02)
	}
	t.Cleanup(func() {
		if _, err := c.SetAvailability(context.Background(), "dev02", "active", swarm.MutateOptions{}); err != nil {
			t.Errorf("making dev02 active again: %v", err)
		}
	})
	nres, err := c.SetAvailability(ctx, "dev02", "drain", swarm.MutateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if nres.Before != "active" || nres.After != "drain" || nres.Hostname != "dev02" {
		t.Errorf("drain result = %+v, want dev02 active → drain", nres)
	}
	waitFor(t, "every task of ping running on dev01, slots 1-4", 120*time.Second, func() (bool, string, error) {
		tasks, err := c.PS(ctx, name, swarm.PSOptions{DesiredState: "running"})
		if err != nil {
			return false, "", err
		}
		var seen []string
		var slots []int
		ok := len(tasks) == 4
		for _, tk := range tasks {
			seen = append(seen, fmt.Sprintf("%d@%s:%s", tk.Slot, tk.NodeName, tk.State))
			slots = append(slots, tk.Slot)
			ok = ok && tk.NodeName == "dev01" && tk.State == "running"
		}
		slices.Sort(slots)
		return ok && slices.Equal(slots, []int{1, 2, 3, 4}), strings.Join(seen, " "), nil
	})
	recordFixture(t, cli, "drained", recreated.ServiceID)
	waitFor(t, "history cut to 3 tasks per slot", 60*time.Second, func() (bool, string, error) {
		var counts []string
		ok := true
		for slot, tasks := range tasksBySlot(t, c, name) {
			counts = append(counts, fmt.Sprintf("%d:%d", slot, len(tasks)))
			ok = ok && len(tasks) <= 3
		}
		return ok, strings.Join(counts, " "), nil
	})

	// 9. dev02 active again: nothing moves back.
	settled := runningIDs(t, c, name)
	if _, err := c.SetAvailability(ctx, "dev02", "active", swarm.MutateOptions{}); err != nil {
		t.Fatal(err)
	}
	nodes, err := c.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Hostname == "dev02" && n.Availability != "Active" {
			t.Errorf("dev02 is %s, want Active", n.Availability)
		}
	}
	time.Sleep(3 * time.Second) // give the swarm a chance to do what it must not
	if got := runningIDs(t, c, name); !slices.Equal(got, settled) {
		t.Errorf("running tasks changed after dev02 came back: %v, were %v", got, settled)
	}
}

// TestDrainImpactSeesPinnedTasks: a task pinned to a node by a placement
// constraint cannot move when that node is drained, and the preview says so.
func TestDrainImpactSeesPinnedTasks(t *testing.T) {
	c := connect(t)
	ctx := t.Context()
	const name = "pinned-ping"
	res := createService(t, c, swarm.CreateSpec{Name: name, Image: "alpine:latest", Args: []string{"ping", "127.0.0.1"}, Replicas: 1}, swarm.MutateOptions{})
	cli := engine(t)
	s, _, err := cli.ServiceInspectWithRaw(ctx, res.ServiceID, dockerswarm.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Spec.TaskTemplate.Placement = &dockerswarm.Placement{Constraints: []string{"node.hostname==dev02"}}
	if _, err := cli.ServiceUpdate(ctx, s.ID, s.Version, s.Spec, dockerswarm.ServiceUpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pinned task running on dev02", 60*time.Second, func() (bool, string, error) {
		tasks, err := c.PS(ctx, name, swarm.PSOptions{DesiredState: "running"})
		if err != nil || len(tasks) != 1 {
			return false, fmt.Sprintf("%d tasks", len(tasks)), err
		}
		return tasks[0].NodeName == "dev02" && tasks[0].State == "running", tasks[0].NodeName + " " + tasks[0].State, nil
	})
	d, err := c.DrainImpact(ctx, "dev02")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Services {
		if s.ServiceName == name {
			if !strings.Contains(s.Stuck, "node.hostname==dev02") {
				t.Errorf("pinned service's drain impact = %+v, want it stuck on its constraint", s)
			}
			return
		}
	}
	t.Errorf("drain impact of dev02 = %+v, does not list %s", d, name)
}

// TestConcurrentScaleAndLabelBothSurvive: two writers change the same service
// from the same read; one loses the race ("update out of sequence"), re-reads
// and re-applies its change, so both changes are there in the end.
func TestConcurrentScaleAndLabelBothSurvive(t *testing.T) {
	cli := engine(t)
	c := connect(t)
	ctx := t.Context()
	const name = "race-ping"
	createService(t, c, swarm.CreateSpec{Name: name, Image: "alpine:latest", Args: []string{"ping", "127.0.0.1"}, Replicas: 1}, swarm.MutateOptions{})

	for round := 1; round <= 3; round++ {
		gated := swarm.New(newReadBarrier(cli, 2))
		replicas := uint64(round + 1)
		team := fmt.Sprintf("team-%d", round)
		results := make(chan swarm.Result, 2)
		errs := make(chan error, 2)
		go func() {
			r, err := gated.Scale(ctx, name, replicas, swarm.MutateOptions{})
			results <- r
			errs <- err
		}()
		go func() {
			r, err := gated.Label(ctx, name, map[string]string{"owner": team}, nil, swarm.MutateOptions{})
			results <- r
			errs <- err
		}()
		attempts := 0
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			attempts += (<-results).Attempts
		}
		if attempts < 3 {
			t.Errorf("round %d: %d writes in all; both read the same version, so one must have been retried", round, attempts)
		}
		s, _, err := cli.ServiceInspectWithRaw(ctx, name, dockerswarm.ServiceInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := *s.Spec.Mode.Replicated.Replicas; got != replicas {
			t.Errorf("round %d: replicas %d, want %d: the scale was lost", round, got, replicas)
		}
		if got := s.Spec.Labels["owner"]; got != team {
			t.Errorf("round %d: label owner=%q, want %q: the relabel was lost", round, got, team)
		}
	}
}

// readBarrier holds the first service reads until parties of them have
// happened, so that the writes after them start from the same version.
type readBarrier struct {
	*client.Client
	mu      sync.Mutex
	waiting int // reads still to come before all pass
	all     chan struct{}
}

func newReadBarrier(cli *client.Client, parties int) *readBarrier {
	return &readBarrier{Client: cli, waiting: parties, all: make(chan struct{})}
}

func (b *readBarrier) ServiceInspectWithRaw(ctx context.Context, id string, opts dockerswarm.ServiceInspectOptions) (dockerswarm.Service, []byte, error) {
	s, raw, err := b.Client.ServiceInspectWithRaw(ctx, id, opts)
	b.mu.Lock()
	if b.waiting == 0 { // the barrier has opened: later reads go straight through
		b.mu.Unlock()
		return s, raw, err
	}
	b.waiting--
	if b.waiting == 0 {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
	case <-ctx.Done():
	}
	return s, raw, err
}

func waitRunning(t *testing.T, c *swarm.Client, name string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s running %d tasks", name, n), 240*time.Second, func() (bool, string, error) {
		tasks, err := c.PS(t.Context(), name, swarm.PSOptions{DesiredState: "running"})
		if err != nil {
			return false, "", err
		}
		running := 0
		for _, tk := range tasks {
			if tk.State == "running" {
				running++
			}
		}
		return running == n && len(tasks) == n, fmt.Sprintf("%d of %d running", running, len(tasks)), nil
	})
}

func waitRunningImage(t *testing.T, c *swarm.Client, name string, n int, image string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s running %d tasks of %s", name, n, image), 120*time.Second, func() (bool, string, error) {
		tasks, err := c.PS(t.Context(), name, swarm.PSOptions{DesiredState: "running"})
		if err != nil {
			return false, "", err
		}
		ok := len(tasks) == n
		var seen []string
		for _, tk := range tasks {
			seen = append(seen, tk.Image+":"+tk.State)
			ok = ok && tk.State == "running" && tk.Image == image
		}
		return ok, strings.Join(seen, " "), nil
	})
}

func waitUpdateState(t *testing.T, c *swarm.Client, name, state string) {
	t.Helper()
	waitFor(t, name+" "+state, 120*time.Second, func() (bool, string, error) {
		d, err := c.Inspect(t.Context(), name)
		if err != nil || d.UpdateStatus == nil {
			return false, "no update status", err
		}
		if s := d.UpdateStatus.State; s == "paused" || s == "rollback_paused" {
			return false, "", errors.New(s + ": " + d.UpdateStatus.Message)
		}
		return d.UpdateStatus.State == state, d.UpdateStatus.State, nil
	})
}

func serviceRow(t *testing.T, c *swarm.Client, name string) swarm.Service {
	t.Helper()
	svcs, err := c.Services(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("%s not in ls", name)
	return swarm.Service{}
}

// tasksBySlot is ps grouped by slot, newest first in each.
func tasksBySlot(t *testing.T, c *swarm.Client, name string) map[int][]swarm.Task {
	t.Helper()
	tasks, err := c.PS(t.Context(), name, swarm.PSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]swarm.Task{}
	for _, tk := range tasks {
		out[tk.Slot] = append(out[tk.Slot], tk)
	}
	return out
}

func flatten(bySlot map[int][]swarm.Task) []swarm.Task {
	var out []swarm.Task
	for slot := 1; slot <= len(bySlot); slot++ {
		out = append(out, bySlot[slot]...)
	}
	return out
}

func slotTask(t *testing.T, c *swarm.Client, name string, slot int) swarm.Task {
	t.Helper()
	tasks, err := c.PS(t.Context(), name, swarm.PSOptions{DesiredState: "running"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk.Slot == slot {
			return tk
		}
	}
	t.Fatalf("%s has no running task in slot %d", name, slot)
	return swarm.Task{}
}

func runningSlots(t *testing.T, c *swarm.Client, name string) []int {
	t.Helper()
	tasks, err := c.PS(t.Context(), name, swarm.PSOptions{DesiredState: "running"})
	if err != nil {
		t.Fatal(err)
	}
	var slots []int
	for _, tk := range tasks {
		slots = append(slots, tk.Slot)
	}
	slices.Sort(slots)
	return slots
}

func runningIDs(t *testing.T, c *swarm.Client, name string) []string {
	t.Helper()
	tasks, err := c.PS(t.Context(), name, swarm.PSOptions{DesiredState: "running"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tk := range tasks {
		ids = append(ids, tk.ID+"@"+tk.NodeName)
	}
	slices.Sort(ids)
	return ids
}

// checkGenerations checks a slot's tasks, newest first: the newest runs the
// first image, and each older one, shut down, the next.
func checkGenerations(t *testing.T, tasks []swarm.Task, slot int, images ...string) {
	t.Helper()
	if len(tasks) < len(images) {
		t.Errorf("slot %d has %d tasks, want at least %d generations (%v)", slot, len(tasks), len(images), images)
		return
	}
	for i, image := range images {
		tk := tasks[i]
		want := "shutdown"
		if i == 0 {
			want = "running"
		}
		if tk.Image != image || tk.DesiredState != want {
			t.Errorf("slot %d, generation %d: %s desired %s, want %s desired %s", slot, i, tk.Image, tk.DesiredState, image, want)
		}
	}
}

func drainMoves(d swarm.DrainImpact, service string, tasks int) bool {
	for _, s := range d.Services {
		if s.ServiceName == service {
			return s.Replaced && s.Stuck == "" && len(s.Tasks) == tasks
		}
	}
	return tasks == 0
}

func fenceOf(t *testing.T, cli *client.Client, id string) string {
	t.Helper()
	s, _, err := cli.ServiceInspectWithRaw(t.Context(), id, dockerswarm.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Spec.Labels[swarm.FenceLabel]
}

// fixture has the JSON shape of the unit tests' recording.
type fixture struct {
	Now      time.Time
	Info     system.Info
	Swarm    dockerswarm.Swarm
	Nodes    []dockerswarm.Node
	Services []dockerswarm.Service
	Defaults []dockerswarm.Service
	Tasks    []dockerswarm.Task
	Logs     []byte
}

// recordFixture writes, with -record, what the Engine answers about one
// service now to testdata/recorded/name.json.
func recordFixture(t *testing.T, cli *client.Client, name, serviceID string) {
	t.Helper()
	if !recording() {
		return
	}
	ctx := t.Context()
	f := fixture{Now: time.Now().UTC()}
	info, err := cli.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.Info = system.Info{ServerVersion: info.ServerVersion, Swarm: info.Swarm}
	if f.Swarm, err = cli.SwarmInspect(ctx); err != nil {
		t.Fatal(err)
	}
	f.Swarm.JoinTokens = dockerswarm.JoinTokens{} // a secret, even in a private swarm
	if f.Nodes, err = cli.NodeList(ctx, dockerswarm.NodeListOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range f.Nodes {
		f.Nodes[i].Description.TLSInfo = dockerswarm.TLSInfo{}
	}
	svcs, err := cli.ServiceList(ctx, dockerswarm.ServiceListOptions{Status: true, Filters: filters.NewArgs(filters.Arg("id", serviceID))})
	if err != nil {
		t.Fatal(err)
	}
	f.Services = svcs
	d, _, err := cli.ServiceInspectWithRaw(ctx, serviceID, dockerswarm.ServiceInspectOptions{InsertDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	f.Defaults = []dockerswarm.Service{d}
	if f.Tasks, err = cli.TaskList(ctx, dockerswarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", serviceID))}); err != nil {
		t.Fatal(err)
	}
	logs, err := cli.ServiceLogs(ctx, serviceID, container.LogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true, Details: true, Tail: "3"})
	if err != nil {
		t.Fatal(err)
	}
	f.Logs, err = io.ReadAll(logs)
	logs.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "recorded", name+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

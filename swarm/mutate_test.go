package swarm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/docker/docker/api/types/swarm"
)

func fixtureClient(t *testing.T, step string) (*Client, *recordedEngine) {
	t.Helper()
	e := newRecordedEngine(loadRecording(t, step))
	return New(e), e
}

func TestScaleChangesOnlyReplicas(t *testing.T) {
	c, e := fixtureClient(t, "recreated")
	before := e.service("ping")
	res, err := c.Scale(t.Context(), "ping", 6, MutateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReplicasBefore != 4 || res.ReplicasAfter != 6 || res.ServiceName != "ping" || res.ServiceID != before.ID || res.Attempts != 1 {
		t.Errorf("result = %+v, want ping 4 → 6 in one write", res)
	}
	after := e.service("ping")
	if got := *after.Spec.Mode.Replicated.Replicas; got != 6 {
		t.Errorf("replicas = %d, want 6", got)
	}
	after.Spec.Mode, before.Spec.Mode = swarm.ServiceMode{}, swarm.ServiceMode{}
	if !reflect.DeepEqual(after.Spec, before.Spec) {
		t.Errorf("scale changed more than the replicas:\nbefore %+v\nafter  %+v", before.Spec, after.Spec)
	}
}

func TestScaleByIDPrefixAndErrors(t *testing.T) {
	c, e := fixtureClient(t, "recreated")
	id := e.service("ping").ID
	if _, err := c.Scale(t.Context(), id[:5], 2, MutateOptions{}); err != nil {
		t.Errorf("scale by ID prefix: %v", err)
	}
	_, err := c.Scale(t.Context(), "pong", 2, MutateOptions{})
	var nf *NotFoundError
	if !errors.As(err, &nf) || err.Error() != "scaling pong: no such service: pong" {
		t.Errorf("scale of a missing service: %v", err)
	}
}

func TestScaleGlobalGetsTheCLIsError(t *testing.T) {
	c, e := fixtureClient(t, "recreated")
	if _, err := c.Create(t.Context(), CreateSpec{Name: "agent", Image: "alpine", Mode: "global"}, MutateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Scale(t.Context(), "agent", 3, MutateOptions{})
	if err == nil || err.Error() != "agent: scale can only be used with replicated or replicated-job mode" {
		t.Errorf("scale of a global service: %v, want the CLI's text", err)
	}
	if e.writes != 0 {
		t.Errorf("%d writes, want none", e.writes)
	}
}

func TestScaleReplicatedJob(t *testing.T) {
	c, e := fixtureClient(t, "recreated")
	total, maxc := uint64(5), uint64(2)
	e.rec.Services = append(e.rec.Services, swarm.Service{ID: "job000000000000000000000000", Spec: swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: "backup"},
		Mode:        swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{TotalCompletions: &total, MaxConcurrent: &maxc}},
	}})
	res, err := c.Scale(t.Context(), "backup", 8, MutateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReplicasBefore != 5 || res.ReplicasAfter != 8 || *e.service("backup").Spec.Mode.ReplicatedJob.TotalCompletions != 8 {
		t.Errorf("result %+v; want completions 5 → 8", res)
	}
}

func TestScaleAllGoesOnAfterAFailure(t *testing.T) {
	c, e := fixtureClient(t, "recreated")
	out, err := c.ScaleAll(t.Context(), []ScaleRequest{{Service: "nope", Replicas: 1}, {Service: "ping", Replicas: 2}})
	if err == nil || !strings.Contains(err.Error(), "no such service: nope") {
		t.Errorf("error = %v, want the missing service named", err)
	}
	if len(out) != 2 || out[0].Err == nil || out[1].Err != nil || out[1].Result.ReplicasAfter != 2 {
		t.Errorf("outcomes = %+v, want nope failed and ping scaled to 2", out)
	}
	if got := *e.service("ping").Spec.Mode.Replicated.Replicas; got != 2 {
		t.Errorf("ping has %d replicas, want 2", got)
	}
}

// TestAConcurrentWriteIsKept: another writer changes the service between our
// read and our write; ours is refused as out of sequence, re-read and
// re-applied, so both changes are there.
func TestAConcurrentWriteIsKept(t *testing.T) {
	c, e := fixtureClient(t, "recreated")
	first := true
	e.beforeWrite = func(id string) {
		if first {
			first = false
			e.write(id, func(s *swarm.ServiceSpec) { s.Labels["owner"] = "bob" })
		}
	}
	res, err := c.Scale(t.Context(), "ping", 7, MutateOptions{Fence: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || e.conflicts != 1 {
		t.Errorf("attempts %d, conflicts %d; want the first write refused and the second through", res.Attempts, e.conflicts)
	}
	s := e.service("ping")
	if *s.Spec.Mode.Replicated.Replicas != 7 || s.Spec.Labels["owner"] != "bob" || s.Spec.Labels[FenceLabel] != "4" {
		t.Errorf("spec after both writes: replicas %d, labels %v; want 7, owner=bob, fence 4", *s.Spec.Mode.Replicated.Replicas, s.Spec.Labels)
	}
}

func TestWritesGiveUpWhenTheServiceKeepsChanging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := fixtureClient(t, "recreated")
		e.beforeWrite = func(id string) {
			e.write(id, func(s *swarm.ServiceSpec) { s.Labels["churn"] += "x" })
		}
		start := time.Now()
		_, err := c.Scale(t.Context(), "ping", 9, MutateOptions{})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Attempts != writeAttempts || !isOutOfSequence(ce.Err) {
			t.Fatalf("error = %v, want a ConflictError after %d attempts", err, writeAttempts)
		}
		if got := *e.service("ping").Spec.Mode.Replicated.Replicas; got != 4 {
			t.Errorf("replicas = %d, want 4 untouched", got)
		}
		if waited := time.Since(start); waited > 2*time.Second {
			t.Errorf("gave up after %s of pauses; the backoff should stay short", waited)
		}
	})
}

func TestFence(t *testing.T) {
	tests := []struct {
		name      string
		label     string // on the spec; "" for none
		prevLabel string // on the previous spec
		fence     int64
		fresh     bool
		wantSeen  int64 // a FenceError seeing it; 0: the change goes through
		wantLabel string
	}{
		{name: "no fence asked", label: "5", fence: 0, wantLabel: "5"},
		{name: "newer fence stamps", label: "3", fence: 5, wantLabel: "5"},
		{name: "same fence", label: "5", fence: 5, wantLabel: "5"},
		{name: "same fence on a first write: another holder with the same number", label: "5", fence: 5, fresh: true, wantSeen: 5},
		{name: "newer fence on a first write", label: "4", fence: 5, fresh: true, wantLabel: "5"},
		{name: "first fence", label: "", fence: 1, wantLabel: "1"},
		{name: "older fence refused", label: "5", fence: 3, wantSeen: 5},
		{name: "unreadable label counts as none", label: "x", fence: 2, wantLabel: "2"},
		{name: "rolled-back label is not trusted alone", label: "1", prevLabel: "7", fence: 5, wantSeen: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, e := fixtureClient(t, "updated")
			e.mu.Lock()
			s := &e.rec.Services[0]
			s.Spec.Labels = map[string]string{}
			if tt.label != "" {
				s.Spec.Labels[FenceLabel] = tt.label
			}
			s.PreviousSpec.Labels = map[string]string{FenceLabel: tt.prevLabel}
			e.mu.Unlock()
			_, err := c.Scale(t.Context(), "ping", 3, MutateOptions{Fence: tt.fence, Fresh: tt.fresh})
			if tt.wantSeen != 0 {
				var fe *FenceError
				if !errors.As(err, &fe) || fe.Seen != tt.wantSeen || fe.Fence != tt.fence || e.writes != 0 {
					t.Fatalf("error = %v after %d writes, want a FenceError seeing %d and no write", err, e.writes, tt.wantSeen)
				}
				if !strings.Contains(err.Error(), "nothing was changed") {
					t.Errorf("error %q does not say nothing changed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.service("ping").Spec.Labels[FenceLabel]; got != tt.wantLabel {
				t.Errorf("fence label = %q, want %q", got, tt.wantLabel)
			}
		})
	}
}

func TestInProgressGuard(t *testing.T) {
	for _, state := range []swarm.UpdateState{swarm.UpdateStateUpdating, swarm.UpdateStateRollbackStarted, swarm.UpdateStatePaused, swarm.UpdateStateCompleted} {
		t.Run(string(state), func(t *testing.T) {
			c, e := fixtureClient(t, "updated")
			e.mu.Lock()
			e.rec.Services[0].UpdateStatus = &swarm.UpdateStatus{State: state, Message: "update in progress"}
			e.mu.Unlock()
			_, err := c.Update(t.Context(), "ping", UpdateSpec{Image: "alpine:latest"}, MutateOptions{})
			busy := state == swarm.UpdateStateUpdating || state == swarm.UpdateStateRollbackStarted
			var ip *InProgressError
			if got := errors.As(err, &ip); got != busy {
				t.Fatalf("error = %v; want an InProgressError: %t", err, busy)
			}
			if !busy {
				return
			}
			if ip.State != string(state) || !strings.Contains(err.Error(), "wait until it has finished") || e.writes != 0 {
				t.Errorf("error = %v (%d writes); want the state named, what to do, and no write", err, e.writes)
			}
			if _, err := c.Update(t.Context(), "ping", UpdateSpec{Image: "alpine:latest"}, MutateOptions{Force: true}); err != nil {
				t.Errorf("forced: %v", err)
			}
		})
	}
}

// TestRollbackDuringAnUpdate: a rollback is how a bad rollout is stopped, so
// it starts while the update is in progress (as the CLI's does), but not
// while another rollback is.
func TestRollbackDuringAnUpdate(t *testing.T) {
	for _, tt := range []struct {
		state   swarm.UpdateState
		refused bool
		say     string
	}{
		{swarm.UpdateStateUpdating, false, ""},
		{swarm.UpdateStateRollbackStarted, true, "ping has a rollback in progress; nothing was changed: wait until it has finished"},
	} {
		t.Run(string(tt.state), func(t *testing.T) {
			c, e := fixtureClient(t, "updated")
			e.mu.Lock()
			e.rec.Services[0].UpdateStatus = &swarm.UpdateStatus{State: tt.state}
			e.mu.Unlock()
			_, err := c.Rollback(t.Context(), "ping", MutateOptions{})
			var ip *InProgressError
			if errors.As(err, &ip) != tt.refused {
				t.Fatalf("rollback while %s: %v; want refused: %t", tt.state, err, tt.refused)
			}
			if tt.refused {
				if !strings.Contains(err.Error(), tt.say) || strings.Contains(err.Error(), "roll it back") || e.writes != 0 {
					t.Errorf("error = %v (%d writes); want %q, no advice to roll back, and no write", err, e.writes, tt.say)
				}
				return
			}
			if s := e.service("ping"); s.UpdateStatus.State != swarm.UpdateStateRollbackStarted || specImage(s.Spec) != "alpine:latest" {
				t.Errorf("after rollback: state %s, image %s; want rollback_started, alpine:latest", s.UpdateStatus.State, specImage(s.Spec))
			}
			// An update is still refused while the update runs, with the way out named.
			e.mu.Lock()
			e.rec.Services[0].UpdateStatus = &swarm.UpdateStatus{State: swarm.UpdateStateUpdating}
			e.mu.Unlock()
			if _, err := c.Update(t.Context(), "ping", UpdateSpec{Image: "alpine:3.7"}, MutateOptions{}); !errors.As(err, &ip) || !strings.Contains(err.Error(), "or roll it back") {
				t.Errorf("update while updating: %v; want refused with the way out", err)
			}
		})
	}
}

func TestRollbackSwapsTheSpecs(t *testing.T) {
	c, e := fixtureClient(t, "updated")
	preview, err := c.RollbackPreview(t.Context(), "ping")
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Rollback(t.Context(), "ping", MutateOptions{Fence: 3, Expect: preview.Token})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImageBefore != "alpine:3.7" || res.ImageAfter != "alpine:latest" || res.ReplicasBefore != 4 || res.ReplicasAfter != 4 {
		t.Errorf("result = %+v, want alpine:3.7 → alpine:latest, 4 → 4", res)
	}
	s := e.service("ping")
	if specImage(s.Spec) != "alpine:latest" || s.UpdateStatus.State != swarm.UpdateStateRollbackStarted {
		t.Errorf("after rollback: image %s, state %s", specImage(s.Spec), s.UpdateStatus.State)
	}
	// The swap brought back the older fence; the check still sees the newer one.
	if s.Spec.Labels[FenceLabel] != "1" || s.PreviousSpec.Labels[FenceLabel] != "2" {
		t.Errorf("labels after rollback %v / previous %v, want 1 / 2", s.Spec.Labels, s.PreviousSpec.Labels)
	}
	var fe *FenceError
	if _, err := c.Label(t.Context(), "ping", map[string]string{"a": "b"}, nil, MutateOptions{Fence: 1, Force: true}); !errors.As(err, &fe) || fe.Seen != 2 {
		t.Errorf("a write with fence 1 after the rollback: %v, want a FenceError seeing 2", err)
	}
	// Stamped again, once the rollback has finished.
	e.mu.Lock()
	e.rec.Services[0].UpdateStatus.State = swarm.UpdateStateRollbackCompleted
	e.mu.Unlock()
	if _, err := c.StampFence(t.Context(), "ping", MutateOptions{Fence: 3}); err != nil {
		t.Fatal(err)
	}
	if got := e.service("ping").Spec.Labels[FenceLabel]; got != "3" {
		t.Errorf("fence after stamping = %q, want 3", got)
	}
}

func TestRollbackRefusals(t *testing.T) {
	t.Run("no previous spec", func(t *testing.T) {
		c, e := fixtureClient(t, "created")
		_, err := c.Rollback(t.Context(), "ping", MutateOptions{})
		var np *NoPreviousSpecError
		if !errors.As(err, &np) || e.writes != 0 {
			t.Errorf("error = %v (%d writes), want NoPreviousSpecError and no write", err, e.writes)
		}
	})
	t.Run("stale preview", func(t *testing.T) {
		c, e := fixtureClient(t, "updated")
		preview, err := c.RollbackPreview(t.Context(), "ping")
		if err != nil {
			t.Fatal(err)
		}
		e.write(preview.ServiceID, func(s *swarm.ServiceSpec) { s.TaskTemplate.ContainerSpec.Image = "alpine:edge" })
		_, err = c.Rollback(t.Context(), "ping", MutateOptions{Expect: preview.Token})
		var se *StaleError
		if !errors.As(err, &se) || e.writes != 0 {
			t.Errorf("error = %v (%d writes), want StaleError and no write", err, e.writes)
		}
	})
}

func TestUpdate(t *testing.T) {
	c, e := fixtureClient(t, "recreated")
	e.write("ping", func(s *swarm.ServiceSpec) {
		s.TaskTemplate.ContainerSpec.Env = []string{"A=1", "B=2", "C=3"}
		s.RollbackConfig = nil
	})
	force := e.service("ping").Spec.TaskTemplate.ForceUpdate
	par, order := uint64(2), "start-first"
	monitor := 2 * time.Second
	res, err := c.Update(t.Context(), "ping", UpdateSpec{
		Image:     "alpine",
		Args:      []string{"sleep", "3600"},
		EnvAdd:    []string{"B=20", "D=4"},
		EnvRemove: []string{"A"},
		Update:    UpdatePolicy{Parallelism: &par},
		Rollback:  UpdatePolicy{Order: &order, Monitor: &monitor},
		Force:     true,
	}, MutateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImageBefore != "alpine:latest" || res.ImageAfter != "alpine:latest" {
		t.Errorf("images %q → %q, want alpine:latest both (the Engine tags a bare name latest)", res.ImageBefore, res.ImageAfter)
	}
	s := e.service("ping").Spec
	cs := s.TaskTemplate.ContainerSpec
	if !reflect.DeepEqual(cs.Args, []string{"sleep", "3600"}) || !reflect.DeepEqual(cs.Env, []string{"B=20", "C=3", "D=4"}) {
		t.Errorf("args %v env %v", cs.Args, cs.Env)
	}
	if u := s.UpdateConfig; u.Parallelism != 2 || u.Delay != time.Second || u.FailureAction != "pause" {
		t.Errorf("update config %+v: want parallelism 2 with the rest as it was", u)
	}
	want := defaultUpdateConfig()
	want.Order, want.Monitor = "start-first", 2*time.Second
	if r := s.RollbackConfig; r == nil || *r != want {
		t.Errorf("rollback config %+v: want the defaults with start-first and 2s", r)
	}
	if s.TaskTemplate.ForceUpdate != force+1 {
		t.Errorf("ForceUpdate %d, want %d", s.TaskTemplate.ForceUpdate, force+1)
	}
}

func TestUpdateRefusesBadInput(t *testing.T) {
	rollback, ratio, wrongOrder := "rollback", float32(1.5), "sideways"
	neg := -time.Second
	tests := []struct {
		name string
		spec UpdateSpec
		want string
	}{
		{"nothing", UpdateSpec{}, "nothing to change"},
		{"bad image", UpdateSpec{Image: "Alpine:3.7"}, `image "Alpine:3.7"`},
		{"rollback cannot roll back", UpdateSpec{Rollback: UpdatePolicy{FailureAction: &rollback}}, "--rollback-failure-action"},
		{"ratio", UpdateSpec{Update: UpdatePolicy{MaxFailureRatio: &ratio}}, "--update-max-failure-ratio"},
		{"order", UpdateSpec{Update: UpdatePolicy{Order: &wrongOrder}}, "use stop-first or start-first"},
		{"negative delay", UpdateSpec{Update: UpdatePolicy{Delay: &neg}}, "must not be negative"},
		{"env", UpdateSpec{EnvAdd: []string{"=x"}}, "use KEY=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, e := fixtureClient(t, "recreated")
			_, err := c.Update(t.Context(), "ping", tt.spec, MutateOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "updating ping: ") {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
			if e.writes != 0 {
				t.Errorf("%d writes, want none", e.writes)
			}
		})
	}
}

func TestEditEnv(t *testing.T) {
	tests := []struct {
		env, add, rm, want []string
	}{
		{[]string{"A=1"}, nil, nil, []string{"A=1"}},
		{[]string{"A=1", "B=2"}, []string{"A=9"}, nil, []string{"A=9", "B=2"}},
		{[]string{"A=1", "B=2"}, nil, []string{"A"}, []string{"B=2"}},
		{nil, []string{"X=1"}, []string{"X"}, []string{"X=1"}}, // removed first, then added, as docker does
		{[]string{"FLAG"}, []string{"FLAG=on"}, nil, []string{"FLAG=on"}},
	}
	for _, tt := range tests {
		if got := editEnv(tt.env, tt.add, tt.rm); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("editEnv(%v, +%v, -%v) = %v, want %v", tt.env, tt.add, tt.rm, got, tt.want)
		}
	}
}

func TestCreate(t *testing.T) {
	c, e := fixtureClient(t, "created")
	delay, grace, init := 10*time.Second, 3*time.Second, true
	res, err := c.Create(t.Context(), CreateSpec{
		Image: "alpine", Args: []string{"ping", "docker.com"}, Env: []string{"A=1"}, Replicas: 4,
		Update: UpdatePolicy{Delay: &delay}, StopGracePeriod: &grace, Init: &init,
	}, MutateOptions{Fence: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.ServiceName != "goofy_ptolemy" || res.ImageAfter != "alpine:latest" || res.ReplicasAfter != 4 {
		t.Errorf("result %+v: want the Engine's random name, alpine:latest, 4 replicas", res)
	}
	s := e.service(res.ServiceID).Spec
	wantUpdate := defaultUpdateConfig()
	wantUpdate.Delay = 10 * time.Second
	if *s.Mode.Replicated.Replicas != 4 || *s.UpdateConfig != wantUpdate || s.RollbackConfig != nil ||
		*s.TaskTemplate.ContainerSpec.StopGracePeriod != grace || !*s.TaskTemplate.ContainerSpec.Init || s.Labels[FenceLabel] != "7" {
		t.Errorf("spec %+v", s)
	}

	global, err := c.Create(t.Context(), CreateSpec{Name: "agent", Image: "alpine", Mode: "global"}, MutateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := e.service(global.ServiceID).Spec.Mode; m.Global == nil || m.Replicated != nil {
		t.Errorf("mode %+v, want global", m)
	}

	for _, bad := range []struct {
		spec CreateSpec
		want string
	}{
		{CreateSpec{Name: "x"}, "creating x: no image given"},
		{CreateSpec{Name: "x", Image: "alpine", Mode: "global", Replicas: 2}, "replicas can only be used with replicated mode"},
		{CreateSpec{Name: "x", Image: "alpine", Mode: "both"}, "use replicated or global"},
	} {
		if _, err := c.Create(t.Context(), bad.spec, MutateOptions{}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("create %+v: %v, want %q", bad.spec, err, bad.want)
		}
	}
}

func TestRemoveChecksTheGuards(t *testing.T) {
	c, e := fixtureClient(t, "updated")
	var fe *FenceError
	if _, err := c.Remove(t.Context(), "ping", MutateOptions{Fence: 1}); !errors.As(err, &fe) {
		t.Errorf("remove with an old fence: %v, want FenceError", err)
	}
	impact, err := c.RemoveImpact(t.Context(), "ping")
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Remove(t.Context(), "ping", MutateOptions{Fence: 2, Expect: impact.Token})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReplicasBefore != 4 || res.ImageBefore != "alpine:3.7" || len(e.rec.Services) != 0 {
		t.Errorf("result %+v, services left %d", res, len(e.rec.Services))
	}
}

func TestLabel(t *testing.T) {
	c, e := fixtureClient(t, "updated")
	if _, err := c.Label(t.Context(), "ping", map[string]string{"team": "ops"}, []string{FenceLabel}, MutateOptions{}); err != nil {
		t.Fatal(err)
	}
	if l := e.service("ping").Spec.Labels; l["team"] != "ops" || l[FenceLabel] != "" {
		t.Errorf("labels %v", l)
	}
	if _, err := c.Label(t.Context(), "ping", nil, nil, MutateOptions{}); err == nil {
		t.Error("an empty relabel went through")
	}
	if _, err := c.StampFence(t.Context(), "ping", MutateOptions{}); err == nil {
		t.Error("stamping no fence went through")
	}
}

func TestSetAvailability(t *testing.T) {
	c, e := fixtureClient(t, "updated")
	res, err := c.SetAvailability(t.Context(), "dev02", "Drain", MutateOptions{Fence: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Before != "active" || res.After != "drain" || res.Hostname != "dev02" {
		t.Errorf("result %+v", res)
	}
	for _, n := range e.rec.Nodes {
		if n.Description.Hostname == "dev02" && (n.Spec.Availability != "drain" || n.Spec.Labels[FenceLabel] != "2") {
			t.Errorf("dev02 spec %+v", n.Spec)
		}
	}
	var fe *FenceError
	if _, err := c.SetAvailability(t.Context(), "dev02", "active", MutateOptions{Fence: 1}); !errors.As(err, &fe) {
		t.Errorf("older fence: %v", err)
	}
	// The same fence on a first write: another holder was issued it.
	if _, err := c.SetAvailability(t.Context(), "dev02", "active", MutateOptions{Fence: 2, Fresh: true}); !errors.As(err, &fe) || fe.Seen != 2 {
		t.Errorf("same fence, fresh: %v", err)
	}
	if _, err := c.SetAvailability(t.Context(), "dev02", "active", MutateOptions{Fence: 2}); err != nil {
		t.Errorf("same fence, a later write of the same change: %v", err)
	}
	if _, err := c.SetAvailability(t.Context(), "dev02", "off", MutateOptions{}); err == nil || !strings.Contains(err.Error(), "use active, pause or drain") {
		t.Errorf("bad availability: %v", err)
	}
	var nf *NotFoundError
	if _, err := c.SetAvailability(t.Context(), "dev03", "drain", MutateOptions{}); !errors.As(err, &nf) {
		t.Errorf("missing node: %v", err)
	}
}

func TestSetTaskHistoryLimit(t *testing.T) {
	c, _ := fixtureClient(t, "updated")
	res, err := c.SetTaskHistoryLimit(t.Context(), 3, MutateOptions{Fence: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Before != 5 || res.After != 3 {
		t.Errorf("result %+v, want 5 → 3", res)
	}
	if info, _ := c.Info(t.Context()); info.TaskHistoryRetentionLimit != 3 {
		t.Errorf("info says %d", info.TaskHistoryRetentionLimit)
	}
	var fe *FenceError
	if _, err := c.SetTaskHistoryLimit(t.Context(), 5, MutateOptions{Fence: 4}); !errors.As(err, &fe) {
		t.Errorf("older fence: %v", err)
	}
	if _, err := c.SetTaskHistoryLimit(t.Context(), 5, MutateOptions{Fence: 5, Fresh: true}); !errors.As(err, &fe) || fe.Seen != 5 {
		t.Errorf("same fence, fresh: %v", err)
	}
}

package swarm

import (
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/swarm"
)

func TestDrainImpact(t *testing.T) {
	tests := []struct {
		name         string
		edit         func(e *recordedEngine)
		wantLast     bool
		wantReplaced bool
		wantStuck    string // a part of it; "" for none
	}{
		{name: "tasks move to dev01", wantReplaced: true},
		{
			name: "pinned by hostname",
			edit: func(e *recordedEngine) {
				e.rec.Services[0].Spec.TaskTemplate.Placement = &swarm.Placement{Constraints: []string{"node.hostname == DEV02"}}
			},
			wantReplaced: true, wantStuck: "placement constraints (node.hostname == DEV02) match no other",
		},
		{
			name: "pinned to workers",
			edit: func(e *recordedEngine) {
				e.rec.Services[0].Spec.TaskTemplate.Placement = &swarm.Placement{Constraints: []string{"node.role!=manager"}}
			},
			wantReplaced: true, wantStuck: "node.role!=manager",
		},
		{
			name: "a label dev01 has",
			edit: func(e *recordedEngine) {
				e.rec.Nodes[nodeIndex(e, "dev01")].Spec.Labels = map[string]string{"zone": "a"}
				e.rec.Services[0].Spec.TaskTemplate.Placement = &swarm.Placement{Constraints: []string{"node.labels.zone==a"}}
			},
			wantReplaced: true,
		},
		{
			name: "at most one per node",
			edit: func(e *recordedEngine) {
				e.rec.Services[0].Spec.TaskTemplate.Placement = &swarm.Placement{MaxReplicas: 1}
			},
			wantReplaced: true, wantStuck: "at most 1 per node: the 1 other nodes it may run on hold 1 of its 4 replicas",
		},
		{
			name: "last active node",
			edit: func(e *recordedEngine) {
				e.rec.Nodes[nodeIndex(e, "dev01")].Spec.Availability = swarm.NodeAvailabilityPause
			},
			wantLast: true, wantReplaced: true, wantStuck: "no other node is ready and active",
		},
		{
			name: "global service",
			edit: func(e *recordedEngine) {
				e.rec.Services[0].Spec.Mode = swarm.ServiceMode{Global: &swarm.GlobalService{}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, e := fixtureClient(t, "updated")
			if tt.edit != nil {
				tt.edit(e)
			}
			d, err := c.DrainImpact(t.Context(), "dev02")
			if err != nil {
				t.Fatal(err)
			}
			if d.Node.Hostname != "dev02" || d.AlreadyDrained || d.LastActiveNode != tt.wantLast || len(d.Services) != 1 || d.Tasks != 2 {
				t.Fatalf("impact %+v: want dev02 with 2 tasks of one service, last active node %t", d, tt.wantLast)
			}
			s := d.Services[0]
			if s.ServiceName != "ping" || len(s.Tasks) != 2 || s.Replaced != tt.wantReplaced {
				t.Errorf("service impact %+v: want 2 tasks of ping, replaced %t", s, tt.wantReplaced)
			}
			for _, task := range s.Tasks {
				if task.NodeName != "dev02" || task.DesiredState != "running" {
					t.Errorf("task %+v is not a running task of dev02", task)
				}
			}
			if tt.wantStuck == "" && s.Stuck != "" || !strings.Contains(s.Stuck, tt.wantStuck) {
				t.Errorf("stuck = %q, want %q", s.Stuck, tt.wantStuck)
			}
		})
	}
}

func nodeIndex(e *recordedEngine, hostname string) int {
	for i, n := range e.rec.Nodes {
		if n.Description.Hostname == hostname {
			return i
		}
	}
	panic("no node " + hostname)
}

func TestDrainImpactOfADrainedNode(t *testing.T) {
	c, _ := fixtureClient(t, "drained")
	d, err := c.DrainImpact(t.Context(), "dev02")
	if err != nil {
		t.Fatal(err)
	}
	if !d.AlreadyDrained || d.Tasks != 0 || len(d.Services) != 0 {
		t.Errorf("impact %+v: want already drained, nothing on it", d)
	}
}

func TestRollbackPreview(t *testing.T) {
	c, e := fixtureClient(t, "updated")
	p, err := c.RollbackPreview(t.Context(), "ping")
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasPrevious || p.Current.Image != "alpine:3.7" || p.Previous.Image != "alpine:latest" || p.UpdateState != "completed" {
		t.Errorf("preview %+v", p)
	}
	if want := []string{"image: alpine:3.7 → alpine:latest"}; !slices.Equal(p.Changes, want) {
		t.Errorf("changes %q, want %q (the fence label is bookkeeping, not a change)", p.Changes, want)
	}
	again, _ := c.RollbackPreview(t.Context(), "ping")
	if again.Token != p.Token {
		t.Error("the token changed without a change of spec")
	}
	e.mu.Lock()
	e.rec.Services[0].UpdateStatus = nil
	e.rec.Services[0].Version.Index++
	e.mu.Unlock()
	if again, _ := c.RollbackPreview(t.Context(), "ping"); again.Token != p.Token {
		t.Error("the token changed with the status alone")
	}
	e.write("ping", func(s *swarm.ServiceSpec) {
		r := uint64(2)
		s.Mode.Replicated.Replicas = &r
	})
	after, _ := c.RollbackPreview(t.Context(), "ping")
	if after.Token == p.Token {
		t.Error("the token did not change with the spec")
	}
	// A scale since the update makes the rollback undo the scale, not the update.
	if want := []string{"replicas: 2 → 4"}; !slices.Equal(after.Changes, want) {
		t.Errorf("changes after a scale %q, want %q", after.Changes, want)
	}

	c2, _ := fixtureClient(t, "created")
	none, err := c2.RollbackPreview(t.Context(), "ping")
	if err != nil || none.HasPrevious || len(none.Changes) != 0 {
		t.Errorf("preview of a new service %+v, %v; want no previous spec", none, err)
	}
}

func TestRemoveImpact(t *testing.T) {
	c, _ := fixtureClient(t, "rolledback")
	r, err := c.RemoveImpact(t.Context(), "ping")
	if err != nil {
		t.Fatal(err)
	}
	if r.ServiceName != "ping" || r.Replicas != 4 || len(r.Tasks) != 4 || r.Image != "alpine:latest" || r.Token == "" {
		t.Errorf("impact %+v: want 4 running tasks of ping", r)
	}
	for i, task := range r.Tasks {
		if task.DesiredState != "running" || task.Slot != i+1 {
			t.Errorf("task %d: %+v, want the running task of slot %d", i, task, i+1)
		}
	}
}

func TestNodeMeets(t *testing.T) {
	n := swarm.Node{ID: "abc123"}
	n.Description.Hostname = "dev01"
	n.Spec.Role = swarm.NodeRoleManager
	n.Spec.Labels = map[string]string{"zone": "eu-1"}
	n.Description.Engine.Labels = map[string]string{"disk": "ssd"}
	n.Description.Platform = swarm.Platform{OS: "linux", Architecture: "x86_64"}
	n.Status.Addr = "10.0.0.5"
	tests := []struct {
		constraint string
		want       bool
	}{
		{"node.id==abc123", true},
		{"node.hostname==DEV01", true},
		{"node.hostname!=dev01", false},
		{"node.role==manager", true},
		{"node.role==worker", false},
		{"node.labels.zone==eu-1", true},
		{"node.labels.zone==us-1", false},
		{"node.labels.rack!=r1", true},
		{"engine.labels.disk==ssd", true},
		{"node.platform.os==linux", true},
		{"node.platform.arch==arm64", false},
		{"node.ip==10.0.0.5", true},
		{"node.ip==10.0.0.0/24", true},
		{"node.ip!=10.0.0.0/24", false},
		{"something.else==x", true}, // not known: not held against the node
	}
	for _, tt := range tests {
		if got := nodeMeets(n, []string{tt.constraint}); got != tt.want {
			t.Errorf("%s: %t, want %t", tt.constraint, got, tt.want)
		}
	}
}

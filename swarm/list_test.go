package swarm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/docker/docker/api/types/swarm"

	"github.com/swarmbot/swarmbot/internal/golden"
)

// TestLsCountsOnlyWhatRuns: the recordings show the two cases where the
// Engine's own count (what `docker service ls` prints) is wrong.
func TestLsCountsOnlyWhatRuns(t *testing.T) {
	t.Run("tasks leaving after a scale down", func(t *testing.T) {
		rec := loadRecording(t, "scaled-down")
		if st := rec.Services[0].ServiceStatus; st.RunningTasks <= st.DesiredTasks {
			t.Fatalf("the recording no longer shows the CLI's miscount: %+v", st)
		}
		svcs, err := New(newRecordedEngine(rec)).Services(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if s := svcs[0]; s.Running != 4 || s.Desired != 4 {
			t.Errorf("ls row %+v: want 4/4 where the CLI says %d/4", s, rec.Services[0].ServiceStatus.RunningTasks)
		}
	})
	t.Run("tasks on a node that is down", func(t *testing.T) {
		c, e := fixtureClient(t, "updated")
		e.rec.Nodes[nodeIndex(e, "dev02")].Status.State = swarm.NodeStateDown
		svcs, err := c.Services(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if s := svcs[0]; s.Running != 2 || s.Desired != 4 {
			t.Errorf("ls row %+v: want 2/4, the two tasks of dev02 not counted", s)
		}
	})
}

func TestLsRowsOfEveryMode(t *testing.T) {
	four, two, five := uint64(4), uint64(2), uint64(5)
	svcs := []swarm.Service{
		{ID: "w10aaaaaaaaaaaaaaaaaaaaaa", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "web10"},
			Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &four}},
			TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "nginx:1.27@sha256:7b848083f93822dd21b0a2f14a110bd99f6efb4b838d499df6d04a49d0debf8b"}, Placement: &swarm.Placement{MaxReplicas: 2}}},
			Endpoint:      swarm.Endpoint{Ports: []swarm.PortConfig{{PublishedPort: 8080, TargetPort: 80, Protocol: "tcp", PublishMode: swarm.PortConfigPublishModeIngress}}},
			UpdateStatus:  &swarm.UpdateStatus{State: swarm.UpdateStatePaused},
			ServiceStatus: &swarm.ServiceStatus{RunningTasks: 4, DesiredTasks: 4}},
		{ID: "w2bbbbbbbbbbbbbbbbbbbbbbb", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "web2"},
			Mode:         swarm.ServiceMode{Global: &swarm.GlobalService{}},
			TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "agent:2"}}},
			ServiceStatus: &swarm.ServiceStatus{RunningTasks: 2, DesiredTasks: 2}},
		{ID: "jobcccccccccccccccccccccc", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "backup"},
			Mode:         swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: &two, TotalCompletions: &five}},
			TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "backup:1"}}},
			ServiceStatus: &swarm.ServiceStatus{RunningTasks: 1, DesiredTasks: 2, CompletedTasks: 3}},
	}
	node := func(id string, state swarm.NodeState) swarm.Node {
		n := swarm.Node{ID: id}
		n.Status.State = state
		return n
	}
	task := func(svc, node string, desired, state swarm.TaskState) swarm.Task {
		tk := swarm.Task{ServiceID: svc, NodeID: node, DesiredState: desired}
		tk.Status.State = state
		return tk
	}
	tasks := []swarm.Task{
		task(svcs[0].ID, "n1", "running", "running"),
		task(svcs[0].ID, "n1", "running", "running"),
		task(svcs[0].ID, "n2", "running", "running"), // n2 is down
		task(svcs[0].ID, "n1", "running", "starting"),
		task(svcs[1].ID, "n1", "running", "running"),
		task(svcs[1].ID, "n2", "running", "running"),
		task(svcs[2].ID, "n1", "running", "running"),
		task(svcs[2].ID, "n1", "complete", "complete"),
	}
	rows := serviceRows(svcs, tasks, []swarm.Node{node("n1", "ready"), node("n2", "down")})
	var b bytes.Buffer
	if err := WriteServices(&b, rows); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "ls-modes", b.String())
}

func TestResolveService(t *testing.T) {
	svcs := []swarm.Service{
		{ID: "abc111", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "ping"}}},
		{ID: "abc222", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "pong"}}},
		{ID: "xyz333", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "abc111"}}}, // a name that is another's ID
		{ID: "def444", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "abc"}}},
	}
	tests := []struct {
		ref, wantID string
		wantErr     string
	}{
		{ref: "abc111", wantID: "abc111"}, // the full ID before a name
		{ref: "pong", wantID: "abc222"},
		{ref: "abc", wantID: "def444"}, // a full name before an ID prefix
		{ref: "abc2", wantID: "abc222"},
		{ref: "x", wantID: "xyz333"},
		{ref: "ab", wantErr: `"ab" matches 2 services: ping (abc111), pong (abc222); use the full name or more of the ID`},
		{ref: "web", wantErr: "no such service: web"},
		{ref: "", wantErr: "no such service: "},
	}
	for _, tt := range tests {
		s, err := pickService(svcs, tt.ref)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("pickService(%q) = %s, %v; want error %q", tt.ref, s.ID, err, tt.wantErr)
			}
			var nf *NotFoundError
			var amb *AmbiguousError
			if !errors.As(err, &nf) && !errors.As(err, &amb) {
				t.Errorf("pickService(%q): %T is neither NotFoundError nor AmbiguousError", tt.ref, err)
			}
			continue
		}
		if err != nil || s.ID != tt.wantID {
			t.Errorf("pickService(%q) = %s, %v; want %s", tt.ref, s.ID, err, tt.wantID)
		}
	}
}

func TestResolveNode(t *testing.T) {
	node := func(id, name, host string) swarm.Node {
		n := swarm.Node{ID: id}
		n.Spec.Name, n.Description.Hostname = name, host
		return n
	}
	nodes := []swarm.Node{node("n1aaa", "", "dev01"), node("n2bbb", "edge", "dev02"), node("n3ccc", "", "twin"), node("n4ddd", "", "twin")}
	tests := []struct{ ref, wantID, wantErr string }{
		{ref: "n2bbb", wantID: "n2bbb"},
		{ref: "edge", wantID: "n2bbb"},
		{ref: "dev01", wantID: "n1aaa"},
		{ref: "n3", wantID: "n3ccc"},
		{ref: "twin", wantErr: `"twin" matches 2 nodes: twin (n3ccc), twin (n4ddd); use the full name or more of the ID`},
		{ref: "n", wantErr: `"n" matches 4 nodes`},
		{ref: "dev03", wantErr: "no such node: dev03"},
	}
	for _, tt := range tests {
		n, err := pickNode(nodes, tt.ref)
		if tt.wantErr != "" {
			if err == nil || !bytes.HasPrefix([]byte(err.Error()), []byte(tt.wantErr)) {
				t.Errorf("pickNode(%q) = %s, %v; want error %q", tt.ref, n.ID, err, tt.wantErr)
			}
			continue
		}
		if err != nil || n.ID != tt.wantID {
			t.Errorf("pickNode(%q) = %s, %v; want %s", tt.ref, n.ID, err, tt.wantID)
		}
	}
}

func TestPSFiltersAndOrder(t *testing.T) {
	c, _ := fixtureClient(t, "rolledback")
	all, err := c.PS(t.Context(), "ping", PSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 12 {
		t.Fatalf("%d tasks, want 12 (three generations of four slots)", len(all))
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Slot > b.Slot || a.Slot == b.Slot && a.CreatedAt.Before(b.CreatedAt) {
			t.Errorf("tasks %d and %d out of order: slot %d (%s) before slot %d (%s)", i-1, i, a.Slot, a.CreatedAt, b.Slot, b.CreatedAt)
		}
	}
	running, err := c.PS(t.Context(), "ping", PSOptions{DesiredState: "Running"})
	if err != nil || len(running) != 4 {
		t.Errorf("desired running: %d tasks, %v; want 4", len(running), err)
	}
	if _, err := c.PS(t.Context(), "ping", PSOptions{DesiredState: "sleeping"}); err == nil {
		t.Error("an unknown desired state was accepted")
	}
}

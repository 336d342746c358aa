package swarm

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/swarm"

	"github.com/swarmbot/swarmbot/internal/golden"
)

// The seed story's steps, as recorded from the private swarm.
var storySteps = []string{"created", "scaled-down", "recreated", "updated", "rolledback", "drained"}

func render(t *testing.T, write func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPSGolden(t *testing.T) {
	for _, step := range storySteps {
		t.Run(step, func(t *testing.T) {
			rec := loadRecording(t, step)
			c := New(newRecordedEngine(rec))
			tasks, err := c.PS(t.Context(), "ping", PSOptions{})
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "ps-"+step, render(t, func(b *bytes.Buffer) error { return WriteTasks(b, tasks, TaskFormat{Now: rec.Now}) }))
		})
	}
	t.Run("updated no-trunc", func(t *testing.T) {
		rec := loadRecording(t, "updated")
		tasks, err := New(newRecordedEngine(rec)).PS(t.Context(), "ping", PSOptions{DesiredState: "running"})
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "ps-updated-running-notrunc", render(t, func(b *bytes.Buffer) error {
			return WriteTasks(b, tasks, TaskFormat{Now: rec.Now, NoTrunc: true})
		}))
	})
}

func TestLsGolden(t *testing.T) {
	for _, step := range storySteps {
		t.Run(step, func(t *testing.T) {
			rec := loadRecording(t, step)
			svcs, err := New(newRecordedEngine(rec)).Services(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "ls-"+step, render(t, func(b *bytes.Buffer) error { return WriteServices(b, svcs) }))
		})
	}
}

func TestInspectGolden(t *testing.T) {
	for _, step := range []string{"created", "recreated", "updated", "rolledback"} {
		t.Run(step, func(t *testing.T) {
			rec := loadRecording(t, step)
			d, err := New(newRecordedEngine(rec)).Inspect(t.Context(), "ping")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "inspect-"+step, render(t, func(b *bytes.Buffer) error { return WriteServiceDetail(b, d, rec.Now) }))
		})
	}
}

func TestNodeLsGolden(t *testing.T) {
	for _, step := range []string{"created", "drained"} {
		t.Run(step, func(t *testing.T) {
			rec := loadRecording(t, step)
			nodes, err := New(newRecordedEngine(rec)).Nodes(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "node-ls-"+step, render(t, func(b *bytes.Buffer) error { return WriteNodes(b, nodes) }))
		})
	}
}

func TestInfoGolden(t *testing.T) {
	rec := loadRecording(t, "created")
	info, err := New(newRecordedEngine(rec)).Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "info", render(t, func(b *bytes.Buffer) error { return WriteInfo(b, info) }))
}

func TestLogsGolden(t *testing.T) {
	rec := loadRecording(t, "created")
	logs, err := New(newRecordedEngine(rec)).Logs(t.Context(), "ping", LogsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(logs.Lines) == 0 {
		t.Fatal("no log lines read from the recording")
	}
	golden.Check(t, "logs", render(t, func(b *bytes.Buffer) error { return WriteLogs(b, logs, LogFormat{}) }))
	golden.Check(t, "logs-timestamps", render(t, func(b *bytes.Buffer) error { return WriteLogs(b, logs, LogFormat{Timestamps: true, NoTrunc: true}) }))
}

// TestRenderingsArePlainText: front ends put these in code blocks, so they
// carry no markup, no tabs and no trailing spaces.
func TestRenderingsArePlainText(t *testing.T) {
	rec := loadRecording(t, "updated")
	c := New(newRecordedEngine(rec))
	tasks, err1 := c.PS(t.Context(), "ping", PSOptions{})
	svcs, err2 := c.Services(t.Context())
	d, err3 := c.Inspect(t.Context(), "ping")
	nodes, err4 := c.Nodes(t.Context())
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{
		"ps":      render(t, func(b *bytes.Buffer) error { return WriteTasks(b, tasks, TaskFormat{Now: rec.Now}) }),
		"ls":      render(t, func(b *bytes.Buffer) error { return WriteServices(b, svcs) }),
		"inspect": render(t, func(b *bytes.Buffer) error { return WriteServiceDetail(b, d, rec.Now) }),
		"node ls": render(t, func(b *bytes.Buffer) error { return WriteNodes(b, nodes) }),
	}
	for name, out := range outs {
		if strings.ContainsAny(out, "\t`*<>") && name != "node ls" {
			t.Errorf("%s has tabs or markup characters:\n%s", name, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasSuffix(line, " ") {
				t.Errorf("%s has a line ending in a space: %q", name, line)
			}
		}
	}
}

func TestTaskAges(t *testing.T) {
	now := time.Date(2018, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		ago  time.Duration
		want string
	}{
		{500 * time.Millisecond, "Running less than a second ago"},
		{1 * time.Second, "Running 1 second ago"},
		{44 * time.Second, "Running 44 seconds ago"},
		{90 * time.Second, "Running about a minute ago"},
		{8 * time.Minute, "Running 8 minutes ago"},
		{65 * time.Minute, "Running about an hour ago"},
		{5 * time.Hour, "Running 5 hours ago"},
		{72 * time.Hour, "Running 3 days ago"},
	}
	for _, tt := range tests {
		task := Task{ID: "lsypb1jj05uagjt39mzzjblq7", ServiceName: "ping", Slot: 1, NodeName: "dev01", Image: "alpine:latest",
			DesiredState: "running", State: "running", Timestamp: now.Add(-tt.ago)}
		out := render(t, func(b *bytes.Buffer) error { return WriteTasks(b, []Task{task}, TaskFormat{Now: now}) })
		if !strings.Contains(out, tt.want) {
			t.Errorf("%s ago renders\n%s\nwant %q", tt.ago, out, tt.want)
		}
	}
}

func TestPSHistoryAndGlobalNames(t *testing.T) {
	now := time.Date(2018, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return now.Add(-time.Duration(m) * time.Minute) }
	tasks := []Task{
		{ID: "aaaaaaaaaaaaaaaaaaaaaaaaa", ServiceName: "agent", NodeID: "zx2ebgsgrur6lhbmwe0uhwiw6", NodeName: "dev01", Image: "alpine:3.7@sha256:8421d9a84432575381bfabd248f1eb56f3aa21d9d7cd2511583c68c9b7511d10",
			DesiredState: "running", State: "running", Timestamp: at(1), CreatedAt: at(2)},
		{ID: "bbbbbbbbbbbbbbbbbbbbbbbbb", ServiceName: "agent", NodeID: "zx2ebgsgrur6lhbmwe0uhwiw6", NodeName: "dev01", Image: "alpine:latest",
			DesiredState: "shutdown", State: "failed", Err: "task: non-zero exit (1): the process exited because it was told to", Timestamp: at(2), CreatedAt: at(30)},
		{ID: "ccccccccccccccccccccccccc", ServiceName: "agent", NodeID: "yl3bjbwik4kjormhr921wnmll", NodeName: "dev02", Image: "alpine:latest",
			DesiredState: "running", State: "rejected", Err: "No such image: alpine:latest", Timestamp: at(3), CreatedAt: at(3)},
	}
	sortTasks(tasks)
	for _, f := range []TaskFormat{{Now: now}, {Now: now, NoTrunc: true}} {
		name := "ps-global"
		if f.NoTrunc {
			name += "-notrunc"
		}
		golden.Check(t, name, render(t, func(b *bytes.Buffer) error { return WriteTasks(b, tasks, f) }))
	}
}

func TestNaturalLess(t *testing.T) {
	sorted := []string{"ping.1", "ping.2", "ping.10", "ping.100", "ping2.1", "web", "web.1", "web1", "web01", "web2", "web10"}
	for i := range sorted {
		for j := range sorted {
			if got, want := naturalLess(sorted[i], sorted[j]), i < j; got != want {
				t.Errorf("naturalLess(%q, %q) = %t, want %t", sorted[i], sorted[j], got, want)
			}
		}
	}
}

func TestDisplayImage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alpine:latest", "alpine:latest"},
		{"alpine:latest@sha256:7b848083f93822dd21b0a2f14a110bd99f6efb4b838d499df6d04a49d0debf8b", "alpine:latest"},
		{"docker.io/library/redis:7.4.1@sha256:7b848083f93822dd21b0a2f14a110bd99f6efb4b838d499df6d04a49d0debf8b", "redis:7.4.1"},
		{"registry.example.com:5000/team/app:v2", "registry.example.com:5000/team/app:v2"},
		{"redis@sha256:7b848083f93822dd21b0a2f14a110bd99f6efb4b838d499df6d04a49d0debf8b", "redis@sha256:7b848083f93822dd21b0a2f14a110bd99f6efb4b838d499df6d04a49d0debf8b"},
		{"not a reference!", "not a reference!"},
	}
	for _, tt := range tests {
		if got := displayImage(tt.in); got != tt.want {
			t.Errorf("displayImage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIngressPorts(t *testing.T) {
	p := func(pub, tgt uint32, proto string, mode swarm.PortConfigPublishMode) swarm.PortConfig {
		return swarm.PortConfig{PublishedPort: pub, TargetPort: tgt, Protocol: swarm.PortConfigProtocol(proto), PublishMode: mode}
	}
	in := []swarm.PortConfig{
		p(81, 81, "tcp", swarm.PortConfigPublishModeIngress),
		p(80, 80, "tcp", swarm.PortConfigPublishModeIngress),
		p(8080, 80, "udp", swarm.PortConfigPublishModeIngress),
		p(9000, 9000, "tcp", swarm.PortConfigPublishModeHost),
		p(443, 8443, "tcp", swarm.PortConfigPublishModeIngress),
	}
	got := strings.Join(ingressPorts(in), ",")
	if want := "*:80-81->80-81/tcp,*:443->8443/tcp,*:8080->80/udp"; got != want {
		t.Errorf("ingressPorts = %s, want %s", got, want)
	}
}

func TestEllipsis(t *testing.T) {
	if got := ellipsis("No such image: redis@sha256:6fd0", 30); got != "No such image: redis@sha256:6…" {
		t.Errorf("ellipsis = %q", got)
	}
	if got := ellipsis("short", 30); got != "short" {
		t.Errorf("ellipsis = %q", got)
	}
}

package swarm

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/pkg/stdcopy"
)

// logStream builds a multiplexed stream as the Engine sends it for
// ServiceLogs with timestamps and details.
type logStream struct {
	buf bytes.Buffer
}

func (s *logStream) line(stream stdcopy.StdType, at time.Time, task, node, service, text string) {
	details := fmt.Sprintf("com.docker.swarm.node.id=%s,com.docker.swarm.service.id=%s,com.docker.swarm.task.id=%s,com.example.note=%s",
		node, service, task, url.QueryEscape("a b,c"))
	w := stdcopy.NewStdWriter(&s.buf, stream)
	fmt.Fprintf(w, "%s %s %s\n", at.Format(time.RFC3339Nano), details, text)
}

func TestLogsOrderTailAndBounds(t *testing.T) {
	c, e := fixtureClient(t, "recreated")
	svc := e.service("ping")
	var tasks []string
	nodeOf := map[string]string{}
	for _, tk := range e.rec.Tasks {
		tasks = append(tasks, tk.ID)
		nodeOf[tk.ID] = tk.NodeID
	}
	base := e.rec.Now
	var s logStream
	// Each task's lines arrive together, the tasks one after another, as the
	// Engine sends them; their times interleave.
	for i, id := range tasks {
		for n := range 5 {
			s.line(stdcopy.Stdout, base.Add(time.Duration(n*10+i)*time.Second), id, nodeOf[id], svc.ID, fmt.Sprintf("line %d of task %d", n, i))
		}
	}
	s.line(stdcopy.Stderr, base.Add(100*time.Second), tasks[0], nodeOf[tasks[0]], svc.ID, "oops")
	e.rec.Logs = s.buf.Bytes()

	logs, err := c.Logs(t.Context(), "ping", LogsOptions{Tail: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !logs.Truncated || len(logs.Lines) != 5 {
		t.Fatalf("%d lines, truncated %t; want the last 5, truncated", len(logs.Lines), logs.Truncated)
	}
	for i := 1; i < len(logs.Lines); i++ {
		if logs.Lines[i].Time.Before(logs.Lines[i-1].Time) {
			t.Errorf("line %d is older than the one before it", i)
		}
	}
	last := logs.Lines[4]
	if last.Text != "oops" || last.Stream != "stderr" || last.TaskID != tasks[0] || last.Slot == 0 || last.NodeName == "" {
		t.Errorf("last line %+v: want task 0's stderr line with its slot and node", last)
	}
	if !strings.HasPrefix(logs.Lines[0].Text, "line 4 of task") {
		t.Errorf("first kept line %q, want one of the newest", logs.Lines[0].Text)
	}

	small, err := c.Logs(t.Context(), "ping", LogsOptions{Tail: 100, MaxBytes: 40})
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, l := range small.Lines {
		size += len(l.Text) + 1
	}
	if !small.Truncated || size > 40 || len(small.Lines) == 0 || small.Lines[len(small.Lines)-1].Text != "oops" {
		t.Errorf("bounded to 40 bytes: %d lines of %d bytes, truncated %t; want the newest within 40", len(small.Lines), size, small.Truncated)
	}

	whole, err := c.Logs(t.Context(), "ping", LogsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Truncated || len(whole.Lines) != 21 {
		t.Errorf("default tail: %d lines, truncated %t; want all 21", len(whole.Lines), whole.Truncated)
	}
}

// A stream over the read bound is cut where it is, which need not be at its
// oldest lines: the answer says some tasks' lines were not read.
func TestLogsOverTheReadBoundSaySo(t *testing.T) {
	c, e := fixtureClient(t, "created")
	var s logStream
	task := e.rec.Tasks[0]
	long := strings.Repeat("x", 1000)
	for n := range 5000 { // about 5 MiB
		s.line(stdcopy.Stdout, e.rec.Now.Add(time.Duration(n)*time.Millisecond), task.ID, task.NodeID, task.ServiceID, long)
	}
	e.rec.Logs = s.buf.Bytes()
	logs, err := c.Logs(t.Context(), "ping", LogsOptions{Tail: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !logs.Truncated || len(logs.Warnings) != 1 || !strings.Contains(logs.Warnings[0], "more than 4 MiB of logs; the lines of some tasks were not read") {
		t.Errorf("truncated %t, warnings %q; want the cut stream said", logs.Truncated, logs.Warnings)
	}
}

func TestLogsKeepTheEnginesWarning(t *testing.T) {
	c, e := fixtureClient(t, "created")
	var s logStream
	task := e.rec.Tasks[0]
	s.line(stdcopy.Stdout, e.rec.Now, task.ID, task.NodeID, task.ServiceID, "hello")
	w := stdcopy.NewStdWriter(&s.buf, stdcopy.Systemerr)
	fmt.Fprint(w, "warning: incomplete log stream. some logs could not be retrieved for the following reasons: node yl3bjbwik4kj is not available")
	e.rec.Logs = s.buf.Bytes()
	logs, err := c.Logs(t.Context(), "ping", LogsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(logs.Lines) != 1 || len(logs.Warnings) != 1 || !strings.Contains(logs.Warnings[0], "is not available") {
		t.Errorf("logs %+v: want the line and the Engine's warning", logs)
	}
	var b bytes.Buffer
	if err := WriteLogs(&b, logs, LogFormat{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "is not available\n") {
		t.Errorf("rendered logs do not end with the warning:\n%s", b.String())
	}
}

func TestLogsRefusals(t *testing.T) {
	c, e := fixtureClient(t, "created")
	if _, err := c.Logs(t.Context(), "ping", LogsOptions{Tail: -1}); err == nil {
		t.Error("a negative tail was accepted")
	}
	e.rec.Services[0].Spec.TaskTemplate.ContainerSpec.TTY = true
	if _, err := c.Logs(t.Context(), "ping", LogsOptions{}); err == nil || !strings.Contains(err.Error(), "TTY") {
		t.Errorf("logs of a TTY service: %v", err)
	}
}

func TestParseLogDetails(t *testing.T) {
	got, err := parseLogDetails("a=1,com.example.note=a+b%2Cc,k%3Dx=v%3D")
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != "1" || got["com.example.note"] != "a b,c" || got["k=x"] != "v=" {
		t.Errorf("details %v", got)
	}
	if _, err := parseLogDetails("nokey"); err == nil {
		t.Error("a detail without = was accepted")
	}
}

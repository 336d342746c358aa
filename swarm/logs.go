package swarm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/pkg/stdcopy"
)

// LogsOptions bounds what Logs reads.
type LogsOptions struct {
	// Tail is how many of the service's last lines to keep, counted over all
	// of its tasks together; 0 means DefaultLogTail. The Engine is asked for
	// as many per task.
	Tail int
	// Since keeps lines from then on: an RFC 3339 time, a Unix time, or a Go
	// duration such as 10m, as docker's --since.
	Since string
	// MaxBytes bounds the text kept (the newest lines win); 0 means DefaultLogBytes.
	MaxBytes int
}

// Defaults and bounds of Logs.
const (
	DefaultLogTail  = 50
	DefaultLogBytes = 64 << 10
	// logReadLimit bounds what is read from the Engine whatever is asked:
	// a tail of N per task over many tasks can be large.
	logReadLimit = 4 << 20
)

// LogLine is one line a task wrote.
type LogLine struct {
	Time        time.Time
	ServiceName string
	Slot        int // 0 for a global service's task
	TaskID      string
	NodeID      string
	NodeName    string
	Stream      string // stdout or stderr
	Text        string
}

// Logs are the last lines of a service's tasks, oldest first.
type Logs struct {
	ServiceName string
	Replicas    uint64 // of a replicated service; the CLI pads slots to its width
	Lines       []LogLine
	// Truncated says that older lines were left out to stay within the bounds.
	Truncated bool
	// Warnings are what the Engine said about logs it could not get, e.g.
	// from a node that is not available.
	Warnings []string
}

// Logs reads the last lines a service's tasks wrote, as `docker service logs
// --tail N` does, demultiplexed and labelled with the task they came from.
// Unlike the CLI it puts the lines of all tasks in time order and keeps the
// last Tail of them overall, not Tail per task, within MaxBytes.
func (c *Client) Logs(ctx context.Context, service string, opts LogsOptions) (Logs, error) {
	if opts.Tail < 0 {
		return Logs{}, fmt.Errorf("reading the logs of %s: tail %d: give a positive number of lines", service, opts.Tail)
	}
	if opts.Tail == 0 {
		opts.Tail = DefaultLogTail
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultLogBytes
	}
	s, err := c.resolveService(ctx, service)
	if err != nil {
		return Logs{}, fmt.Errorf("reading the logs of %s: %w", service, err)
	}
	if cs := s.Spec.TaskTemplate.ContainerSpec; cs != nil && cs.TTY {
		return Logs{}, fmt.Errorf("reading the logs of %s: it runs with a TTY, so its logs are one raw stream without task names; read them with docker service logs --raw", service)
	}
	out := Logs{ServiceName: s.Spec.Name, Replicas: specReplicas(s.Spec)}

	body, err := c.api.ServiceLogs(ctx, s.ID, container.LogsOptions{
		ShowStdout: true,
		ShowStderr: true,
		Since:      opts.Since,
		Timestamps: true, // to put the tasks' lines in order
		Tail:       strconv.Itoa(opts.Tail),
		Details:    true, // the task, service and node each line came from
	})
	if err != nil {
		return Logs{}, fmt.Errorf("reading the logs of %s: %w", service, err)
	}
	defer body.Close()
	var frames []logFrame
	stdout := &frameSink{stream: "stdout", frames: &frames}
	stderr := &frameSink{stream: "stderr", frames: &frames}
	limited := &io.LimitedReader{R: body, N: logReadLimit + 1} // one byte more tells "more than" from "exactly"
	if _, err := stdcopy.StdCopy(stdout, stderr, limited); err != nil {
		// The Engine's own error stream: logs it could not get. What came is kept.
		msg, ok := strings.CutPrefix(err.Error(), "error from daemon in stream: ")
		if !ok {
			return Logs{}, fmt.Errorf("reading the logs of %s: %w", service, err)
		}
		out.Warnings = append(out.Warnings, strings.TrimSpace(msg))
	}
	if limited.N == 0 {
		// The stream is cut, not its oldest lines: some tasks' lines, of any
		// age, were never read. Say so rather than pass it off as older lines.
		out.Truncated = true
		out.Warnings = append(out.Warnings, fmt.Sprintf("the Engine sent more than %d MiB of logs; the lines of some tasks were not read: ask for fewer with --tail or --since", logReadLimit>>20))
	}

	slots, nodes, err := c.logContext(ctx, s.ID)
	if err != nil {
		return Logs{}, fmt.Errorf("reading the logs of %s: %w", service, err)
	}
	for _, f := range frames {
		l, ok := parseLogFrame(f)
		if !ok {
			continue
		}
		l.ServiceName = s.Spec.Name
		l.Slot = slots[l.TaskID]
		l.NodeName = nodes[l.NodeID]
		if l.NodeName == "" {
			l.NodeName = l.NodeID
		}
		out.Lines = append(out.Lines, l)
	}
	sort.SliceStable(out.Lines, func(i, j int) bool { return out.Lines[i].Time.Before(out.Lines[j].Time) })
	if len(out.Lines) > opts.Tail {
		out.Lines = out.Lines[len(out.Lines)-opts.Tail:]
		out.Truncated = true
	}
	size := 0
	for i := len(out.Lines) - 1; i >= 0; i-- {
		size += len(out.Lines[i].Text) + 1
		if size > opts.MaxBytes {
			out.Lines = out.Lines[i+1:]
			out.Truncated = true
			break
		}
	}
	return out, nil
}

// logContext maps the service's task IDs to slots and node IDs to names.
func (c *Client) logContext(ctx context.Context, serviceID string) (map[string]int, map[string]string, error) {
	tasks, err := c.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", serviceID))})
	if err != nil {
		return nil, nil, err
	}
	slots := make(map[string]int, len(tasks))
	for _, t := range tasks {
		slots[t.ID] = t.Slot
	}
	nodes, err := c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, nil, err
	}
	return slots, nodeNames(nodes), nil
}

type logFrame struct {
	stream string
	data   string
}

// frameSink keeps each frame StdCopy writes: the Engine sends one log message per frame.
type frameSink struct {
	stream string
	frames *[]logFrame
}

func (s *frameSink) Write(p []byte) (int, error) {
	*s.frames = append(*s.frames, logFrame{stream: s.stream, data: string(bytes.Clone(p))})
	return len(p), nil
}

// parseLogFrame reads "<time> <details> <message>", the Engine's shape of a
// service log line when asked for timestamps and details.
func parseLogFrame(f logFrame) (LogLine, bool) {
	ts, rest, ok := strings.Cut(f.data, " ")
	if !ok {
		return LogLine{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return LogLine{}, false
	}
	details, msg, _ := strings.Cut(rest, " ")
	attrs, err := parseLogDetails(details)
	if err != nil {
		return LogLine{}, false
	}
	return LogLine{
		Time:   t,
		TaskID: attrs["com.docker.swarm.task.id"],
		NodeID: attrs["com.docker.swarm.node.id"],
		Stream: f.stream,
		Text:   strings.TrimRight(msg, "\r\n"),
	}, true
}

// parseLogDetails reads k=v,k=v with query-escaped keys and values.
func parseLogDetails(s string) (map[string]string, error) {
	attrs := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, errors.New("not a log detail: " + kv)
		}
		var err error
		if k, err = url.QueryUnescape(k); err != nil {
			return nil, err
		}
		if v, err = url.QueryUnescape(v); err != nil {
			return nil, err
		}
		attrs[k] = v
	}
	return attrs, nil
}

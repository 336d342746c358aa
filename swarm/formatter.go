package swarm

// Plain-text renderings of the package's views, as the docker CLI prints
// them. Both front ends use them (the Slack one inside code blocks), so they
// are plain text: no markup, no escapes, tabs expanded to spaces.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	units "github.com/docker/go-units"
)

// TaskFormat says how WriteTasks renders.
type TaskFormat struct {
	Now     time.Time // the ages ("Running 8 minutes ago") are counted to it
	NoTrunc bool      // full IDs, digests and errors
}

// errLen is the width of a task's error in a table, as the CLI cuts it.
const errLen = 30

// WriteTasks renders tasks as `docker service ps` does: in the order given
// (PS's), each task that follows one of the same slot (or node) marked
// ` \_ ` as history.
func WriteTasks(w io.Writer, tasks []Task, f TaskFormat) error {
	return writeTable(w, func(tw io.Writer) {
		fmt.Fprintln(tw, "ID\tNAME\tIMAGE\tNODE\tDESIRED STATE\tCURRENT STATE\tERROR\tPORTS")
		prev := ""
		for _, t := range tasks {
			name := t.Name()
			shown := name
			if t.Slot == 0 && !f.NoTrunc {
				shown = t.ServiceName + "." + shortID(t.NodeID)
			}
			if name == prev {
				shown = ` \_ ` + shown
			}
			prev = name
			id, image, taskErr := shortID(t.ID), displayImage(t.Image), ellipsis(oneLine(t.Err), errLen)
			if f.NoTrunc {
				id, image, taskErr = t.ID, t.Image, oneLine(t.Err)
			}
			if taskErr != "" {
				taskErr = `"` + taskErr + `"`
			}
			state := prettyPrint(t.State) + " " + strings.ToLower(units.HumanDuration(f.Now.Sub(t.Timestamp))) + " ago"
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, shown, image, t.NodeName,
				prettyPrint(t.DesiredState), state, taskErr, strings.Join(t.Ports, ","))
		}
	})
}

// WriteServices renders services as `docker service ls` does, then one line
// for each service whose rollout is running or stuck, which ls leaves unsaid.
func WriteServices(w io.Writer, svcs []Service) error {
	err := writeTable(w, func(tw io.Writer) {
		fmt.Fprintln(tw, "ID\tNAME\tMODE\tREPLICAS\tIMAGE\tPORTS")
		for _, s := range svcs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", shortID(s.ID), s.Name, s.Mode, replicasText(s), s.Image, strings.Join(s.Ports, ","))
		}
	})
	if err != nil {
		return err
	}
	for _, s := range svcs {
		if note := updateStateNote(s.UpdateState); note != "" {
			if _, err := fmt.Fprintf(w, "%s: %s\n", s.Name, note); err != nil {
				return err
			}
		}
	}
	return nil
}

func replicasText(s Service) string {
	r := fmt.Sprintf("%d/%d", s.Running, s.Desired)
	switch s.Mode {
	case "replicated job", "global job":
		r += fmt.Sprintf(" (%d/%d completed)", s.Completed, s.Completions)
	case "replicated":
		if s.MaxPerNode > 0 {
			r += fmt.Sprintf(" (max %d per node)", s.MaxPerNode)
		}
	}
	return r
}

// updateStateNote words the rollout states a person should know of from ls.
func updateStateNote(state string) string {
	switch state {
	case "updating":
		return "update in progress"
	case "paused":
		return "update paused"
	case "rollback_started":
		return "rollback in progress"
	case "rollback_paused":
		return "rollback paused"
	}
	return ""
}

// WriteNodes renders nodes as `docker node ls` does; * marks the node
// swarmbot talks to.
func WriteNodes(w io.Writer, nodes []Node) error {
	return writeTable(w, func(tw io.Writer) {
		fmt.Fprintln(tw, "ID\tHOSTNAME\tSTATUS\tAVAILABILITY\tMANAGER STATUS\tENGINE VERSION")
		for _, n := range nodes {
			self := " "
			if n.Self {
				self = "*"
			}
			fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\n", n.ID, self, n.Hostname, n.Status, n.Availability, n.ManagerStatus, n.EngineVersion)
		}
	})
}

// WriteInfo renders the Swarm part of `docker info`.
func WriteInfo(w io.Writer, i SwarmInfo) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Swarm: %s\n", i.State)
	fmt.Fprintf(&b, " NodeID: %s\n", i.NodeID)
	fmt.Fprintf(&b, " Is Manager: %t\n", i.IsManager)
	if i.IsManager {
		fmt.Fprintf(&b, " ClusterID: %s\n", i.ClusterID)
		fmt.Fprintf(&b, " Managers: %d\n", i.Managers)
		fmt.Fprintf(&b, " Nodes: %d\n", i.Nodes)
		fmt.Fprintf(&b, " Orchestration:\n")
		fmt.Fprintf(&b, "  Task History Retention Limit: %d\n", i.TaskHistoryRetentionLimit)
	}
	if i.NodeAddr != "" {
		fmt.Fprintf(&b, " Node Address: %s\n", i.NodeAddr)
	}
	if i.EngineVersion != "" {
		fmt.Fprintf(&b, "Server Version: %s\n", i.EngineVersion)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteServiceDetail renders a service as `docker service inspect --pretty`
// does; the ages of its rollout are counted to now.
func WriteServiceDetail(w io.Writer, d ServiceDetail, now time.Time) error {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	line("ID:\t\t%s", d.ID)
	line("Name:\t\t%s", d.Name)
	if len(d.Labels) > 0 {
		line("Labels:")
		for _, k := range slices.Sorted(maps.Keys(d.Labels)) {
			if v := d.Labels[k]; v != "" {
				line(" %s=%s", k, v)
			} else {
				line(" %s", k)
			}
		}
	}
	switch d.Mode {
	case "replicated":
		line("Service Mode:\tReplicated")
		if d.Replicas != nil {
			line(" Replicas:\t%d", *d.Replicas)
		}
	case "global":
		line("Service Mode:\tGlobal")
	case "replicated job":
		line("Service Mode:\tReplicated job")
		if d.MaxConcurrent != nil {
			line(" Max concurrent:\t%d", *d.MaxConcurrent)
		}
		if d.Completions != nil {
			line(" Completions:\t%d", *d.Completions)
		}
	case "global job":
		line("Service Mode:\tGlobal job")
	default:
		line("Service Mode:")
	}
	if u := d.UpdateStatus; u != nil {
		line("UpdateStatus:")
		line(" State:\t\t%s", u.State)
		if u.StartedAt != nil {
			line(" Started:\t%s ago", units.HumanDuration(now.Sub(*u.StartedAt)))
		}
		if u.State == "completed" && u.CompletedAt != nil {
			line(" Completed:\t%s ago", units.HumanDuration(now.Sub(*u.CompletedAt)))
		}
		line(" Message:\t%s", u.Message)
	}
	line("Placement:")
	if len(d.Constraints) > 0 {
		line(" Constraints:\t%v", d.Constraints)
	}
	if len(d.Preferences) > 0 {
		line(" Preferences:   %v", d.Preferences)
	}
	if d.MaxPerNode > 0 {
		line(" Max Replicas Per Node:   %d", d.MaxPerNode)
	}
	policy := func(title, orderLine string, u *UpdateSettings) {
		if u == nil {
			return
		}
		line("%s:", title)
		line(" Parallelism:\t%d", u.Parallelism)
		if u.Delay > 0 {
			line(" Delay:\t\t%s", u.Delay)
		}
		line(" On failure:\t%s", u.FailureAction)
		if u.Monitor > 0 {
			line(" Monitoring Period: %s", u.Monitor)
		}
		line(" Max failure ratio: %v", u.MaxFailureRatio)
		line(orderLine, u.Order)
	}
	policy("UpdateConfig", " Update order:      %s", d.UpdateConfig)
	policy("RollbackConfig", " Rollback order:    %s", d.RollbackConfig)
	line("ContainerSpec:")
	line(" Image:\t\t%s", d.Image)
	if len(d.Args) > 0 {
		line(" Args:\t\t%s", strings.Join(d.Args, " "))
	}
	if len(d.Env) > 0 {
		line(" Env:\t\t%s", strings.Join(d.Env, " "))
	}
	if d.Dir != "" {
		line(" Dir:\t\t%s", d.Dir)
	}
	if d.Init != nil {
		line(" Init:\t\t%t", *d.Init)
	}
	if d.User != "" {
		line(" User: %s", d.User)
	}
	if d.StopGracePeriod != nil {
		line(" Stop grace period: %s", *d.StopGracePeriod)
	}
	if len(d.Mounts) > 0 {
		line("Mounts:")
		for _, m := range d.Mounts {
			line(" Target:\t%s", m.Target)
			line("  Source:\t%s", m.Source)
			line("  ReadOnly:\t%t", m.ReadOnly)
			line("  Type:\t\t%s", m.Type)
		}
	}
	files := func(title string, fs []FileRef) {
		if len(fs) == 0 {
			return
		}
		line("%s:", title)
		for _, f := range fs {
			line(" Target:\t%s", f.Target)
			line("  Source:\t%s", f.Source)
		}
	}
	files("Configs", d.Configs)
	files("Secrets", d.Secrets)
	if d.LogDriver != "" || len(d.LogOpts) > 0 {
		line("Log Driver:")
		if d.LogDriver != "" {
			line(" Name:\t\t%s", d.LogDriver)
		}
		if len(d.LogOpts) > 0 {
			line(" LogOpts:")
			for _, k := range slices.Sorted(maps.Keys(d.LogOpts)) {
				line("  %s:       %s", k, d.LogOpts[k])
			}
		}
	}
	line("Resources:")
	resources := func(title string, r Resources) {
		if r == (Resources{}) {
			return
		}
		line(" %s:", title)
		if r.CPU > 0 {
			line("  CPU:\t\t%s", strconv.FormatFloat(r.CPU, 'g', -1, 64))
		}
		if r.Memory > 0 {
			line("  Memory:\t%s", units.BytesSize(float64(r.Memory)))
		}
		if r.PIDs > 0 {
			line("  PIDs:\t\t%d", r.PIDs)
		}
	}
	resources("Reservations", d.Reservations)
	resources("Limits", d.Limits)
	if len(d.Networks) > 0 {
		line("Networks: %s", strings.Join(d.Networks, " "))
	}
	line("Endpoint Mode:\t%s", d.EndpointMode)
	if len(d.Ports) > 0 {
		line("Ports:")
		for _, p := range d.Ports {
			line(" PublishedPort = %d", p.Published)
			line("  Protocol = %s", p.Protocol)
			line("  TargetPort = %d", p.Target)
			line("  PublishMode = %s", p.PublishMode)
		}
	}
	_, err := io.WriteString(w, tidy(b.String()))
	return err
}

// LogFormat says how WriteLogs renders.
type LogFormat struct {
	Timestamps bool // each line's time first
	NoTrunc    bool // full task IDs
}

// WriteLogs renders log lines as `docker service logs` does:
// `service.slot.taskid@node    | text`.
func WriteLogs(w io.Writer, l Logs, f LogFormat) error {
	bw := bufio.NewWriter(w)
	if l.Truncated {
		fmt.Fprintf(bw, "(older lines left out)\n")
	}
	width := len(strconv.FormatUint(l.Replicas, 10))
	for _, line := range l.Lines {
		if f.Timestamps {
			bw.WriteString(line.Time.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") + " ")
		}
		id := shortID(line.TaskID)
		if f.NoTrunc {
			id = line.TaskID
		}
		slot := strconv.Itoa(line.Slot)
		pad := strings.Repeat(" ", max(0, width-len(slot)))
		fmt.Fprintf(bw, "%s.%s.%s@%s%s    | %s\n", line.ServiceName, slot, id, line.NodeName, pad, line.Text)
	}
	for _, warn := range l.Warnings {
		fmt.Fprintf(bw, "%s\n", warn)
	}
	return bw.Flush()
}

// writeTable lays rows out as the docker CLI's tables do (tabwriter, minimum
// width 10, padding 3), without the spaces it leaves at the ends of lines.
func writeTable(w io.Writer, rows func(tw io.Writer)) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 10, 1, 3, ' ', 0)
	rows(tw)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, tidy(buf.String()))
	return err
}

// tidy expands tabs to 8-column stops, as a terminal shows them (Slack and
// phones do not agree on tabs), and trims the spaces at the ends of lines.
func tidy(s string) string {
	var out strings.Builder
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, "\n")
		col := 0
		var l strings.Builder
		for _, r := range line {
			if r == '\t' {
				n := 8 - col%8
				l.WriteString(strings.Repeat(" ", n))
				col += n
				continue
			}
			l.WriteRune(r)
			col++
		}
		out.WriteString(strings.TrimRight(l.String(), " "))
		out.WriteByte('\n')
	}
	return out.String()
}

// oneLine keeps an Engine text from breaking a table's rows and columns.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s)
}

// ellipsis cuts s to n characters, the last one "…", as the CLI's
// formatter.Ellipsis does for text of narrow characters.
func ellipsis(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// naturalLess orders strings the way people count: runs of digits compare
// as numbers, so ping.2 comes before ping.10.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		switch {
		case da && db:
			na, ra := digitRun(a)
			nb, rb := digitRun(b)
			ta, tb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if len(ta) != len(tb) {
				return len(ta) < len(tb)
			}
			if ta != tb {
				return ta < tb
			}
			if len(na) != len(nb) { // same number: fewer leading zeros first
				return len(na) < len(nb)
			}
			a, b = ra, rb
		default:
			if a[0] != b[0] {
				return a[0] < b[0]
			}
			a, b = a[1:], b[1:]
		}
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digitRun(s string) (run, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

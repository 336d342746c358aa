package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/swarm"
)

// read makes a runner of a read: it takes no lock and answers the person
// with the result, or with what went wrong.
func read(f func(ctx context.Context, d *Deployer, req Request) (Reply, error)) runner {
	return func(ctx context.Context, d *Deployer, req Request, fe Frontend) {
		verb := string(req.Command.Verb())
		r, err := f(ctx, d, req)
		if err != nil {
			d.metrics.Command(verb, "failed")
			d.reply(ctx, req, fe, errorReply(err))
			return
		}
		d.metrics.Command(verb, "ok")
		if r.Kind == "" {
			r.Kind = ReplyResult
		}
		d.reply(ctx, req, fe, r)
	}
}

// errorReply says what went wrong with a command, and what to type next.
func errorReply(err error) Reply {
	r := Reply{Kind: ReplyError, Private: true, Title: redact(err.Error())}
	if hint := hintFor(err); hint != "" {
		r.Lines = append(r.Lines, hint)
	}
	return r
}

// table renders with w into a string; a renderer that fails on a
// strings.Builder cannot happen, but is said rather than hidden.
func table(render func(b *strings.Builder) error) string {
	var b strings.Builder
	if err := render(&b); err != nil {
		return "(could not be rendered: " + err.Error() + ")"
	}
	return b.String()
}

func runLs(ctx context.Context, d *Deployer, _ Request) (Reply, error) {
	svcs, err := d.swarm.Services(ctx)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Title: countOf(len(svcs), "service"), Body: table(func(b *strings.Builder) error { return swarm.WriteServices(b, svcs) }), Data: svcs}, nil
}

func runPs(ctx context.Context, d *Deployer, req Request) (Reply, error) {
	c := req.Command.(commands.Ps)
	tasks, err := d.swarm.PS(ctx, c.Service, swarm.PSOptions{DesiredState: c.DesiredState})
	if err != nil {
		return Reply{}, err
	}
	body := table(func(b *strings.Builder) error {
		return swarm.WriteTasks(b, tasks, swarm.TaskFormat{Now: d.now(), NoTrunc: c.NoTrunc})
	})
	return Reply{Title: "tasks of " + c.Service, Body: body, Data: tasks}, nil
}

func runInspect(ctx context.Context, d *Deployer, req Request) (Reply, error) {
	c := req.Command.(commands.Inspect)
	detail, err := d.swarm.Inspect(ctx, c.Service)
	if err != nil {
		return Reply{}, err
	}
	// Environment values may be secrets: only their names are shown.
	detail.Env = envNames(detail.Env)
	body := table(func(b *strings.Builder) error { return swarm.WriteServiceDetail(b, detail, d.now()) })
	return Reply{Title: "service " + detail.Name, Body: body, Data: detail}, nil
}

// envNames keeps the names of KEY=VALUE entries and hides the values.
func envNames(env []string) []string {
	out := make([]string, len(env))
	for i, e := range env {
		k, _, ok := strings.Cut(e, "=")
		if ok {
			out[i] = k + "=…"
		} else {
			out[i] = k
		}
	}
	return out
}

func runLogs(ctx context.Context, d *Deployer, req Request) (Reply, error) {
	c := req.Command.(commands.Logs)
	opts := swarm.LogsOptions{Tail: c.Tail}
	if c.Since > 0 {
		opts.Since = c.Since.String()
	}
	logs, err := d.swarm.Logs(ctx, c.Service, opts)
	if err != nil {
		return Reply{}, err
	}
	body := table(func(b *strings.Builder) error { return swarm.WriteLogs(b, logs, swarm.LogFormat{}) })
	r := Reply{Title: fmt.Sprintf("last %s of %s", countOf(len(logs.Lines), "line"), logs.ServiceName), Body: body, Data: logs}
	r.Lines = append(r.Lines, logs.Warnings...)
	return r, nil
}

func runNodes(ctx context.Context, d *Deployer, _ Request) (Reply, error) {
	nodes, err := d.swarm.Nodes(ctx)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Title: countOf(len(nodes), "node"), Body: table(func(b *strings.Builder) error { return swarm.WriteNodes(b, nodes) }), Data: nodes}, nil
}

func runInfo(ctx context.Context, d *Deployer, _ Request) (Reply, error) {
	info, err := d.swarm.Info(ctx)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Title: "swarm", Body: table(func(b *strings.Builder) error { return swarm.WriteInfo(b, info) }), Data: info}, nil
}

func runLocks(ctx context.Context, d *Deployer, _ Request) (Reply, error) {
	holders, err := d.locker.List(ctx)
	if err != nil {
		return Reply{}, fmt.Errorf("listing locks: %w", err)
	}
	if len(holders) == 0 {
		return Reply{Title: "nothing is locked", Data: holders}, nil
	}
	now := d.now()
	body := table(func(b *strings.Builder) error {
		tw := tabwriter.NewWriter(b, 0, 4, 3, ' ', 0)
		fmt.Fprintln(tw, "LOCKED\tBY\tFOR\tSINCE\tUNTIL")
		for _, h := range holders {
			what := h.Operation
			if h.Manual {
				what = "manual lock"
				if h.Reason != "" {
					what += ": " + h.Reason
				}
			}
			who := Person{ID: h.UserID, Name: h.UserName}.String()
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s ago\t%s\n", h.Resource, who, what,
				FormatElapsed(now.Sub(h.Since)), h.Until.UTC().Format("15:04:05 UTC"))
		}
		return tw.Flush()
	})
	return Reply{Title: countOf(len(holders), "lock"), Body: body, Data: holders}, nil
}

// auditShown is how many audit entries /swarm audit shows.
const auditShown = 20

func runAudit(ctx context.Context, d *Deployer, req Request) (Reply, error) {
	c := req.Command.(commands.Audit)
	target := c.Service
	if target != "" {
		// The trail names services as people typed them; resolve an ID prefix
		// to the name, but keep the text when the service is gone.
		if ref, err := d.swarm.ResolveService(ctx, target); err == nil {
			target = ref.Name
		}
	}
	entries, err := d.stores.Audit.Recent(ctx, target, auditShown)
	if err != nil {
		return Reply{}, fmt.Errorf("reading the audit trail: %w", err)
	}
	title := "recent changes"
	if target != "" {
		title += " to " + target
	}
	if len(entries) == 0 {
		return Reply{Title: title + ": none recorded", Data: entries}, nil
	}
	var b strings.Builder
	for _, e := range slices.Backward(entries) { // oldest first, as a log reads
		b.WriteString(e.Text() + "\n")
	}
	return Reply{Title: title + ", newest last", Body: b.String(), Data: entries}, nil
}

func runHelp(_ context.Context, d *Deployer, req Request) (Reply, error) {
	c := req.Command.(commands.Help)
	text := commands.HelpText(c.Topic, d.policy, req.Actor, d.opts.ParseOptions...)
	title, body, _ := strings.Cut(text, "\n")
	return Reply{Title: title, Body: strings.TrimLeft(body, "\n"), Private: true}, nil
}

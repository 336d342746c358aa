// Package deploy runs one /swarm command from a person: it decides whether
// they may, asks a second person where policy says so, takes the lock, makes
// the change through swarm/, follows its convergence, reports, and leaves an
// audit record. Reads take no lock and only answer.
//
// deploy speaks in its own small types: a Reply to the person who asked, a
// Card and Events for an operation's status card and thread, an ApprovalCard
// for a request. A front end (Slack, the console, a test recorder) implements
// Frontend and renders them in its medium; every text deploy hands over is
// plain, never pre-formatted for Slack or a terminal.
//
// Each kind of command has one runner, picked from a map (as Atlantis does).
// A change is planned first (what it will do, what to lock, what an approver
// sees), then run inside its locks: the lock is a wrapper around the work, and
// is released on every path. The operation is recorded in the store with a
// lease, so that when this process dies or shuts down, another one (Resume)
// finishes following it and its report; nothing is sent to the Engine twice.
//
// Shared state (approval requests, operations, the audit trail) lives in
// Stores: Redis for several replicas, in-process for one (the console
// without Redis). The same runners work on both.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/internal/metrics"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// Request is one command from a person.
type Request struct {
	Command commands.Command
	Actor   commands.Actor
	// Channel is where the command was typed (Slack channel ID; console: empty).
	Channel string
	// Thread is the thread it was typed in, if any (Slack: the thread's ts).
	Thread string
}

// Options tune a Deployer. The zero value gives the defaults.
type Options struct {
	// ApprovalTTL is how long an approval request stays open (15 minutes).
	ApprovalTTL time.Duration
	// LeaseTTL is how long the lease on following an operation lasts without
	// renewal (30 seconds); it is renewed every third of it. When a process
	// dies, another one resumes its operations after at most this long.
	LeaseTTL time.Duration
	// ResumeEvery is how often KeepResuming looks for operations whose
	// follower died (LeaseTTL/2).
	ResumeEvery time.Duration
	// Instance names this process as the owner of leases (host/pid/random).
	Instance string
	// ParseOptions are given to commands.Parse, for text from people and
	// when an approved request's command is read again.
	ParseOptions []commands.Option
}

func (o Options) withDefaults() Options {
	if o.ApprovalTTL <= 0 {
		o.ApprovalTTL = 15 * time.Minute
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.ResumeEvery <= 0 {
		o.ResumeEvery = o.LeaseTTL / 2
	}
	if o.Instance == "" {
		host, _ := os.Hostname()
		o.Instance = host + "/" + strconv.Itoa(os.Getpid()) + "/" + newID()
	}
	return o
}

// Swarm is what deploy needs of the swarm; *swarm.Client is it.
type Swarm interface {
	Services(ctx context.Context) ([]swarm.Service, error)
	PS(ctx context.Context, service string, opts swarm.PSOptions) ([]swarm.Task, error)
	Inspect(ctx context.Context, service string) (swarm.ServiceDetail, error)
	Logs(ctx context.Context, service string, opts swarm.LogsOptions) (swarm.Logs, error)
	Nodes(ctx context.Context) ([]swarm.Node, error)
	Info(ctx context.Context) (swarm.SwarmInfo, error)
	ResolveService(ctx context.Context, ref string) (swarm.ServiceRef, error)
	ResolveNode(ctx context.Context, ref string) (swarm.Node, error)

	Create(ctx context.Context, s swarm.CreateSpec, opts swarm.MutateOptions) (swarm.Result, error)
	Scale(ctx context.Context, service string, replicas uint64, opts swarm.MutateOptions) (swarm.Result, error)
	Update(ctx context.Context, service string, u swarm.UpdateSpec, opts swarm.MutateOptions) (swarm.Result, error)
	Rollback(ctx context.Context, service string, opts swarm.MutateOptions) (swarm.Result, error)
	Remove(ctx context.Context, service string, opts swarm.MutateOptions) (swarm.Result, error)
	SetAvailability(ctx context.Context, node, availability string, opts swarm.MutateOptions) (swarm.NodeResult, error)
	SetTaskHistoryLimit(ctx context.Context, limit int64, opts swarm.MutateOptions) (swarm.HistoryLimitResult, error)
	StampFence(ctx context.Context, service string, opts swarm.MutateOptions) (swarm.Result, error)

	DrainImpact(ctx context.Context, node string) (swarm.DrainImpact, error)
	RollbackPreview(ctx context.Context, service string) (swarm.RollbackPreview, error)
	RemoveImpact(ctx context.Context, service string) (swarm.RemoveImpact, error)
}

// Watcher follows a change until it converges; *swarm.Watcher is it.
type Watcher interface {
	Follow(ctx context.Context, op swarm.Operation, report func(swarm.Progress)) (swarm.Progress, error)
}

// Deps are what a Deployer works with.
type Deps struct {
	Swarm   Swarm
	Watcher Watcher
	Locker  lock.Locker
	Stores  Stores
	Policy  commands.Policy
	Metrics *metrics.Metrics // may be nil
	Logger  *slog.Logger     // slog.Default() when nil
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Deployer runs commands. It is safe for concurrent use.
type Deployer struct {
	opts    Options
	swarm   Swarm
	watcher Watcher
	locker  lock.Locker
	stores  Stores
	audit   auditor
	policy  commands.Policy
	metrics *metrics.Metrics
	log     *slog.Logger
	now     func() time.Time
	runners map[commands.Verb]runner

	mu       sync.Mutex
	draining bool
	// following are the operations this process follows, by ID.
	following map[string]context.CancelCauseFunc
	wg        sync.WaitGroup
}

// New returns a Deployer.
func New(opts Options, deps Deps) *Deployer {
	d := &Deployer{
		opts:      opts.withDefaults(),
		swarm:     deps.Swarm,
		watcher:   deps.Watcher,
		locker:    deps.Locker,
		stores:    deps.Stores,
		policy:    deps.Policy,
		metrics:   deps.Metrics,
		log:       deps.Logger,
		now:       deps.Now,
		following: map[string]context.CancelCauseFunc{},
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.now == nil {
		d.now = time.Now
	}
	d.audit = auditor{log: d.stores.Audit, logger: d.log}
	d.runners = runners()
	for verb, p := range planners() {
		d.runners[verb] = change(p)
	}
	return d
}

// runner runs one kind of command.
type runner func(ctx context.Context, d *Deployer, req Request, fe Frontend)

// runners is the map from verb to runner: one runner per kind of command.
func runners() map[commands.Verb]runner {
	return map[commands.Verb]runner{
		commands.VerbLs:      read(runLs),
		commands.VerbPs:      read(runPs),
		commands.VerbInspect: read(runInspect),
		commands.VerbLogs:    read(runLogs),
		commands.VerbNodes:   read(runNodes),
		commands.VerbInfo:    read(runInfo),
		commands.VerbLocks:   read(runLocks),
		commands.VerbAudit:   read(runAudit),
		commands.VerbHelp:    read(runHelp),

		commands.VerbLock:    runLock,
		commands.VerbUnlock:  runUnlock,
		commands.VerbApprove: runDecide,
		commands.VerbDeny:    runDecide,
	}
}

// planners plan the changes to the swarm: each becomes a runner through
// change, and an approved request's command is planned again with it.
func planners() map[commands.Verb]planner {
	return map[commands.Verb]planner{
		commands.VerbCreate:       planCreate,
		commands.VerbScale:        planScale,
		commands.VerbUpdate:       planUpdate,
		commands.VerbRollback:     planRollback,
		commands.VerbRm:           planRm,
		commands.VerbDrain:        planAvailability,
		commands.VerbActivate:     planAvailability,
		commands.VerbPause:        planAvailability,
		commands.VerbHistoryLimit: planHistoryLimit,
	}
}

// HandleText parses text typed after /swarm and handles the command; text
// that does not parse is answered with what was wrong and how to type it.
func (d *Deployer) HandleText(ctx context.Context, actor commands.Actor, channel, thread, text string, fe Frontend) {
	cmd, err := commands.Parse(text, d.opts.ParseOptions...)
	if err != nil {
		d.metrics.Command("", "usage")
		req := Request{Actor: actor, Channel: channel, Thread: thread}
		d.reply(ctx, req, fe, UsageReply(err))
		return
	}
	d.Handle(ctx, Request{Command: cmd, Actor: actor, Channel: channel, Thread: thread}, fe)
}

// UsageReply is the answer to text that did not parse: what was wrong, what
// was probably meant, and the command's usage.
func UsageReply(err error) Reply {
	var u *commands.UsageError
	if !errors.As(err, &u) {
		return Reply{Kind: ReplyError, Private: true, Title: redact(err.Error())}
	}
	r := Reply{Kind: ReplyError, Private: true, Title: u.Problem, Body: u.Usage, Data: u}
	if u.Suggestion != "" {
		r.Lines = append(r.Lines, "Did you mean: "+u.Suggestion)
	}
	return r
}

// Handle runs one typed command from a person: a read answers; a change is
// authorised, sent for approval or run under its lock, and reported.
// Whatever happens, the person gets an answer; no panic escapes.
func (d *Deployer) Handle(ctx context.Context, req Request, fe Frontend) {
	defer d.recover(ctx, req, fe)
	cmd := req.Command
	verb := cmd.Verb()
	if cmd.Kind() == commands.Change && d.isDraining() {
		d.reply(ctx, req, fe, Reply{Kind: ReplyRefusal, Private: true,
			Title: "swarmbot is restarting and takes no new changes",
			Lines: []string{"Try again in a minute: /swarm " + redact(cmd.String())}})
		return
	}
	// A requester may withdraw their own request without being an approver:
	// deny is checked against the request itself, by its runner.
	if verb != commands.VerbDeny {
		if err := d.policy.Check(req.Actor, req.Channel, cmd); err != nil {
			d.refuse(ctx, req, fe, err)
			return
		}
	}
	run, ok := d.runners[verb]
	if !ok {
		d.reply(ctx, req, fe, Reply{Kind: ReplyError, Private: true,
			Title: fmt.Sprintf("swarmbot cannot run %s yet", verb), Lines: []string{"See /swarm help"}})
		return
	}
	run(ctx, d, req, fe)
}

// Decide is what a button click does: actor approves or denies request id.
// It is the same as typing /swarm approve ID or /swarm deny ID --reason ….
// channel is where the click happened. An approved change runs before
// Decide returns: front ends call it off their event loop.
func (d *Deployer) Decide(ctx context.Context, actor commands.Actor, channel, id string, approve bool, reason string, fe Frontend) {
	var cmd commands.Command = commands.Approve{ID: id}
	if !approve {
		cmd = commands.Deny{ID: id, Reason: reason}
	}
	d.Handle(ctx, Request{Command: cmd, Actor: actor, Channel: channel}, fe)
}

// recover turns a panic into an answer and a log line.
func (d *Deployer) recover(ctx context.Context, req Request, fe Frontend) {
	v := recover()
	if v == nil {
		return
	}
	d.log.ErrorContext(ctx, "panic handling a command", "panic", redact(fmt.Sprint(v)), "stack", string(debug.Stack()))
	d.reply(ctx, req, fe, Reply{Kind: ReplyError, Private: true,
		Title: "swarmbot failed inside while handling this command",
		Lines: []string{"Nothing more will be done for it. The details are in swarmbot's log; see /swarm locks and /swarm ls for where things stand."}})
}

func (d *Deployer) isDraining() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.draining
}

// reply answers the person, logging when the front end cannot.
func (d *Deployer) reply(ctx context.Context, req Request, fe Frontend, r Reply) {
	if err := fe.Reply(ctx, req, r); err != nil {
		d.log.WarnContext(ctx, "reply not delivered", "error", redact(err.Error()), "title", redact(r.Title))
	}
}

// refuse answers a policy refusal and records it.
func (d *Deployer) refuse(ctx context.Context, req Request, fe Frontend, err error) {
	verb := req.Command.Verb()
	d.metrics.Command(string(verb), "refused")
	d.audit.record(ctx, AuditEntry{Time: d.now(), Actor: personOf(req.Actor), Action: "refused",
		Command: req.Command.String(), Target: subjectName(req.Command), Outcome: err.Error(), Channel: req.Channel})
	r := Reply{Kind: ReplyRefusal, Private: true, Title: "you may not run /swarm " + redact(req.Command.String()), Lines: []string{redact(err.Error())}}
	var pr *commands.Refusal
	if errors.As(err, &pr) {
		r.Data = pr
	}
	d.reply(ctx, req, fe, r)
}

func personOf(a commands.Actor) Person { return Person{ID: a.ID, Name: a.Name} }

// subjectName is what a command is about, for the audit trail.
func subjectName(c commands.Command) string {
	s := c.Subject()
	if s.Kind == commands.SubjectSwarm {
		return "swarm"
	}
	if len(s.Names) > 0 {
		return s.Names[0]
	}
	return ""
}

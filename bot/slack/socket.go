package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/internal/metrics"
)

// Deployer is what the front end asks to run commands and decisions;
// *deploy.Deployer is it.
type Deployer interface {
	Handle(ctx context.Context, req deploy.Request, fe deploy.Frontend)
	Decide(ctx context.Context, actor commands.Actor, channel, id string, approve bool, reason string, fe deploy.Frontend)
}

// Options configure the Slack front end. Tokens and the API URL are required;
// every other zero field takes the default in its comment.
type Options struct {
	BotToken string // xoxb-…: the Web API
	AppToken string // xapp-…: Socket Mode
	APIURL   string // https://slack.com/api/ (ends with /); tests point it at the fake

	// ReadWorkers and ReadQueue bound the reads running at once (8) and
	// waiting (64). ChangeWorkers and ChangeQueue do the same for changes and
	// decisions (16 and 16), each of which holds its worker for as long as
	// the change is followed. A command that finds its pool full is answered
	// "busy, try again".
	ReadWorkers, ReadQueue     int
	ChangeWorkers, ChangeQueue int

	// ParseOptions are given to commands.Parse (MaxReplicas, …); FromSlack is added.
	ParseOptions []commands.Option

	// PingInterval is how long without a ping from Slack before the
	// connection counts as lost and is opened again (30 s).
	PingInterval time.Duration
	// PostEvery and UpdateEvery pace posts per channel and updates per
	// message (1 s each).
	PostEvery, UpdateEvery time.Duration
}

// Deps are what the front end works with.
type Deps struct {
	Deployer Deployer
	// Policy names the user groups whose members are looked up for each actor.
	Policy  commands.Policy
	Metrics *metrics.Metrics // may be nil
	Logger  *slog.Logger     // slog.Default() when nil
	// Deliveries, when shared with other replicas (Redis), make a delivery
	// Slack repeats to another replica run once; nil: this process only.
	Deliveries deploy.Deliveries
}

// Bot is swarmbot's Slack front end. Run connects it; Drain, Wait, Flush and
// Close stop it gracefully, in that order.
type Bot struct {
	opts     Options
	deployer Deployer
	metrics  *metrics.Metrics
	log      *slog.Logger

	api    *slackgo.Client
	sm     *socketmode.Client
	w      *writer
	dir    *directory
	render renderer
	botID  string // the bot's user ID, whose mentions are commands
	name   string // the bot's user name, for "/invite @swarmbot"

	reads, changes *pool
	seen           *seen
	deliveries     deploy.Deliveries
	notices        chan struct{} // bounds the "busy" notices sent off the loop

	// jobs is the context of the work handed to the pools: it outlives a
	// SIGTERM (deploy hands operations over within the grace period) and ends
	// with Close.
	jobs       context.Context
	cancelJobs context.CancelFunc

	connected atomic.Bool
	draining  atomic.Bool
}

// New returns a Bot; it connects when Run is called.
func New(opts Options, deps Deps) (*Bot, error) {
	if opts.BotToken == "" || opts.AppToken == "" {
		return nil, errors.New("starting the slack front end: SWARMBOT_SLACK_BOT_TOKEN and SWARMBOT_SLACK_APP_TOKEN must both be set")
	}
	if opts.APIURL == "" {
		opts.APIURL = "https://slack.com/api/"
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		return nil, fmt.Errorf("starting the slack front end: the API URL must end with /, got %q", opts.APIURL)
	}
	if deps.Deployer == nil {
		return nil, errors.New("starting the slack front end: no deployer")
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&opts.ReadWorkers, 8)
	def(&opts.ReadQueue, 64)
	def(&opts.ChangeWorkers, 16)
	def(&opts.ChangeQueue, 16)
	if opts.PingInterval <= 0 {
		opts.PingInterval = 30 * time.Second
	}
	opts.ParseOptions = append(append([]commands.Option(nil), opts.ParseOptions...), commands.FromSlack())

	api := slackgo.New(opts.BotToken, slackgo.OptionAPIURL(opts.APIURL), slackgo.OptionAppLevelToken(opts.AppToken))
	web := webAPI{c: api, m: deps.Metrics}
	log := deps.Logger.With("component", "slack")
	w := newWriter(web, log)
	if opts.PostEvery > 0 {
		w.postEvery = opts.PostEvery
	}
	if opts.UpdateEvery > 0 {
		w.updateEvery = opts.UpdateEvery
	}
	jobs, cancel := context.WithCancel(context.Background())
	return &Bot{
		name: "swarmbot",
		opts: opts, deployer: deps.Deployer, metrics: deps.Metrics, log: log,
		api: api,
		sm:  socketmode.New(api, socketmode.OptionPingInterval(opts.PingInterval)),
		w:   w, dir: newDirectory(web, policyGroups(deps.Policy), log),
		reads: newPool(opts.ReadWorkers, opts.ReadQueue), changes: newPool(opts.ChangeWorkers, opts.ChangeQueue),
		seen: newSeen(deliveryMemory, 50000), deliveries: deps.Deliveries,
		notices: make(chan struct{}, 8),
		jobs:    jobs, cancelJobs: cancel,
	}, nil
}

// Run connects to Slack and handles what arrives until ctx ends; it returns
// nil then, or the error that made connecting impossible (a bad token).
// Socket Mode reconnects by itself after a disconnect message, a dropped
// socket or missing pings.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.identify(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped before Slack answered
		}
		return err
	}
	runErr := make(chan error, 1)
	go func() { runErr <- b.sm.RunContext(ctx) }()
	for {
		select {
		case evt := <-b.sm.Events:
			b.handle(ctx, evt)
		case err := <-runErr:
			b.connected.Store(false)
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("connecting to slack in socket mode: %w", err)
		}
	}
}

// identify asks Slack who the bot is (auth.test): its user ID, whose mentions
// are commands, and the workspace's URL, for links. A network failure is
// tried again; a refused token is not.
func (b *Bot) identify(ctx context.Context) error {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		res, err := b.api.AuthTestContext(ctx)
		b.metrics.SlackCall("auth.test", callResult(err))
		if err == nil {
			b.botID, b.name, b.render.workspace = res.UserID, res.User, res.URL
			if b.render.workspace != "" && !strings.HasSuffix(b.render.workspace, "/") {
				b.render.workspace += "/"
			}
			b.log.Info("slack identity", "bot_user", res.UserID, "team", res.Team)
			return nil
		}
		var se slackgo.SlackErrorResponse
		if errors.As(err, &se) {
			return fmt.Errorf("checking the slack bot token: %w", err)
		}
		b.log.Warn("slack not reachable; trying again", "error", err.Error(), "in", wait.String())
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("checking the slack bot token: %w", err)
		}
	}
}

func callResult(err error) string {
	if _, limited := retryAfter(err); limited {
		return "ratelimited"
	}
	if err != nil {
		return "error"
	}
	return "ok"
}

// handle is the socket loop's one step. It never waits for Slack's Web API,
// the Engine or Redis: envelopes are acked at once and work goes to a pool.
func (b *Bot) handle(ctx context.Context, evt socketmode.Event) {
	received := time.Now()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.connected.Store(false)
	case socketmode.EventTypeConnectionError:
		b.connected.Store(false)
		if e, ok := evt.Data.(*slackgo.ConnectionErrorEvent); ok && ctx.Err() == nil {
			b.log.Warn("slack connection failed; trying again", "attempt", e.Attempt, "in", e.Backoff.String(), "error", e.Error())
		}
	case socketmode.EventTypeConnected:
		b.connected.Store(true)
		b.metrics.SocketConnect()
		b.log.Info("connected to slack", "connection", connectionCount(evt))
	case socketmode.EventTypeHello:
		b.connected.Store(true)
	case socketmode.EventTypeInvalidAuth:
		b.connected.Store(false)
		b.log.Error("slack refused the app token")
	case socketmode.EventTypeIncomingError:
		if ctx.Err() == nil { // stopping closes the socket under its reader, or cuts a reconnect
			b.log.Warn("unreadable frame from slack", "error", fmt.Sprint(evt.Data))
		}
	case socketmode.EventTypeErrorBadMessage:
		b.badMessage(ctx, evt, received)
	case socketmode.EventTypeErrorWriteFailed:
		b.writeFailed(ctx, evt)
	case socketmode.EventTypeSlashCommand:
		b.onSlash(ctx, evt, received)
	case socketmode.EventTypeInteractive:
		b.onInteraction(ctx, evt, received)
	case socketmode.EventTypeEventsAPI:
		b.onEvent(ctx, evt, received)
	}
}

func connectionCount(evt socketmode.Event) int {
	if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
		return c.ConnectionCount
	}
	return 0
}

// ack acknowledges an envelope, with a payload when one is given (a slash
// command's answer), and records how long it took since the envelope arrived.
func (b *Bot) ack(ctx context.Context, req *socketmode.Request, received time.Time, payload any) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	err := b.sm.AckCtx(ctx, req.EnvelopeID, payload)
	if err != nil && payload != nil {
		b.log.Warn("ack with an answer refused; acking without", "envelope", req.EnvelopeID, "error", err.Error())
		err = b.sm.AckCtx(ctx, req.EnvelopeID, nil)
	}
	if err != nil {
		b.log.Warn("envelope not acked", "envelope", req.EnvelopeID, "error", err.Error())
		return
	}
	b.metrics.Ack(time.Since(received))
}

// firstTime reports whether an envelope (and the event it carries) is new;
// a repeat is acked again and dropped.
func (b *Bot) firstTime(ctx context.Context, req *socketmode.Request, received time.Time, eventID string) bool {
	if b.seen.first(received, deliveryIDs(req, eventID)...) {
		return true
	}
	b.log.Info("repeated delivery dropped", "envelope", req.EnvelopeID, "event", eventID, "retry", req.RetryAttempt)
	return false
}

// deliveryMemory is how long a delivery is remembered: Slack retries an
// event for a few minutes at most.
const deliveryMemory = 30 * time.Minute

func deliveryIDs(req *socketmode.Request, eventID string) []string {
	ids := []string{"envelope " + req.EnvelopeID}
	if eventID != "" {
		ids = append(ids, "event "+eventID)
	}
	return ids
}

// claimed reports whether this replica takes a delivery that was new to it:
// with shared Deliveries, a repeat another replica took already is dropped.
// It runs in a pool's job, after the ack, since it asks Redis. When Redis
// does not answer, the delivery runs: a rare double beats a lost command.
func (b *Bot) claimed(req *socketmode.Request, eventID string) bool {
	if b.deliveries == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(b.jobs, time.Second)
	defer cancel()
	first, err := b.deliveries.Claim(ctx, deliveryMemory, deliveryIDs(req, eventID)...)
	if err != nil {
		b.log.Warn("deliveries shared with other replicas unavailable; running this one", "envelope", req.EnvelopeID, "error", err.Error())
		return true
	}
	if !first {
		b.log.Info("repeated delivery taken by another replica; dropped", "envelope", req.EnvelopeID, "event", eventID, "retry", req.RetryAttempt)
	}
	return first
}

// badMessage acks an envelope slack-go could not read, so that Slack does
// not show the person a timeout or send it again, and logs it.
func (b *Bot) badMessage(ctx context.Context, evt socketmode.Event, received time.Time) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	_ = json.Unmarshal(bad.Message, &env)
	b.log.Warn("unreadable envelope from slack", "type", env.Type, "envelope", env.EnvelopeID, "error", bad.Cause.Error())
	if env.EnvelopeID != "" {
		b.ack(ctx, &socketmode.Request{EnvelopeID: env.EnvelopeID}, received, nil)
	}
}

// writeFailed sends again, once, an ack whose write failed (the socket broke
// under it): slack-go queues it for the next connection.
func (b *Bot) writeFailed(ctx context.Context, evt socketmode.Event) {
	wf, ok := evt.Data.(*socketmode.ErrorWriteFailed)
	if !ok || wf.Response == nil {
		return
	}
	id := wf.Response.EnvelopeID
	if !b.seen.first(time.Now(), "resent "+id) {
		b.log.Warn("ack lost twice; not sending it again", "envelope", id)
		return
	}
	res := socketmode.Response{EnvelopeID: id, Payload: wf.Response.Payload}
	go func() {
		if err := b.sm.SendCtx(ctx, res); err != nil {
			b.log.Warn("ack not sent again", "envelope", id, "error", err.Error())
		}
	}()
}

// Ready reports whether the bot takes commands, its socket connected: the
// "slack" readiness check.
func (b *Bot) Ready(context.Context) error {
	if b.draining.Load() {
		return errors.New("stopping: taking no new commands")
	}
	if b.connected.Load() {
		return nil
	}
	return errors.New("not connected to slack")
}

// Frontend is the front end for work that no person started: operations
// picked up after a restart (deploy's Resume).
func (b *Bot) Frontend() deploy.Frontend { return frontend{b: b} }

// Drain stops taking new commands: what arrives from now on is acked and
// answered "swarmbot is restarting". Work already taken goes on.
func (b *Bot) Drain() { b.draining.Store(true) }

// Wait waits until the work already taken has ended, or ctx ends.
func (b *Bot) Wait(ctx context.Context) error {
	if err := b.reads.wait(ctx); err != nil {
		return fmt.Errorf("waiting for reads to end: %w", err)
	}
	if err := b.changes.wait(ctx); err != nil {
		return fmt.Errorf("waiting for changes to end: %w", err)
	}
	return nil
}

// Flush waits until every message and update queued for Slack has gone, or ctx ends.
func (b *Bot) Flush(ctx context.Context) error { return b.w.Flush(ctx) }

// Close ends the work still running and the writer; what was not sent is
// logged. Run must have returned (its context ended) or never been called.
func (b *Bot) Close() {
	b.cancelJobs()
	b.w.Stop()
}

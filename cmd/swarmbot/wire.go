package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/internal/config"
	"github.com/swarmbot/swarmbot/internal/metrics"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// bot is everything a front end runs on, built from the configuration.
type bot struct {
	cfg      config.Config
	log      *slog.Logger
	metrics  *metrics.Metrics
	swarm    *swarm.Client
	watcher  *swarm.Watcher
	locker   lock.Locker
	stores   deploy.Stores
	policy   commands.Policy
	deployer *deploy.Deployer
	// shared says that locks, approvals and operations live in Redis, shared
	// with every other swarmbot on it; otherwise they live in this process.
	shared bool

	closers []io.Closer
}

// wireOptions say what differs between front ends.
type wireOptions struct {
	// LogOutput receives the log.
	LogOutput io.Writer
	// LogFormat is what SWARMBOT_LOG_FORMAT=auto means: "json" (the
	// default) or "text".
	LogFormat string
	// LogLevel is what SWARMBOT_LOG_LEVEL=auto means: "info" (the default)
	// or "warn".
	LogLevel string
	// NoChannels: commands do not come from channels (the console), so
	// SWARMBOT_CHANNELS restricts nothing.
	NoChannels bool
}

// engineCheckTimeout bounds the first call to the Engine.
const engineCheckTimeout = 15 * time.Second

// wire builds the bot from the configuration: the logger, the Engine client
// (DOCKER_HOST, as for the docker CLI; it must be a swarm manager), the
// watcher, the locks and stores (Redis when SWARMBOT_REDIS_URL is set,
// else in this process), the policy, the metrics and the Deployer.
func wire(ctx context.Context, cfg config.Config, o wireOptions) (*bot, error) {
	b := &bot{cfg: cfg}
	log, err := newLogger(cfg, o)
	if err != nil {
		return nil, err
	}
	b.log = log
	b.metrics = metrics.New()

	api, closer, err := swarm.Dial("")
	if err != nil {
		return nil, err
	}
	b.closers = append(b.closers, closer)
	sw := swarm.New(swarm.Observed(api, b.metrics.EngineCall))
	cctx, cancel := context.WithTimeout(ctx, engineCheckTimeout)
	err = sw.CheckManager(cctx)
	cancel()
	if err != nil {
		b.close()
		if errors.Is(err, swarm.ErrNotManager) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (DOCKER_HOST names the Engine, as for the docker CLI: point it at a swarm manager)", err)
	}
	b.swarm = sw
	b.watcher = sw.Watcher(swarm.WatchConfig{StuckAfter: cfg.StuckAfter, Timeout: cfg.OperationTimeout, Logger: log})

	b.policy = commands.Policy{
		Operators: cfg.Operators, Approvers: cfg.Approvers, Admins: cfg.Admins, Channels: cfg.Channels,
		ApprovalRequired: cfg.ApprovalRequired, SelfApproval: cfg.SelfApproval,
	}
	if o.NoChannels {
		b.policy.Channels = nil
	}
	if err := b.policy.Validate(); err != nil {
		b.close()
		return nil, fmt.Errorf("reading configuration: %w", err)
	}

	lockOpts := lock.Options{Cluster: cfg.Cluster, TTL: cfg.LockTTL}
	if url := cfg.RedisURL.Value(); url != "" {
		lock.LogRedisTo(log)
		rdb, err := lock.NewRedisClient(url)
		if err != nil {
			b.close()
			return nil, err
		}
		b.closers = append(b.closers, rdb)
		locker, err := lock.NewRedis(rdb, lockOpts)
		if err != nil {
			b.close()
			return nil, err
		}
		b.locker, b.stores, b.shared = locker, deploy.NewRedisStores(rdb, cfg.Cluster), true
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := locker.Ping(pctx); err != nil {
			// Reads work without Redis; changes are refused, each saying why.
			log.Warn("redis does not answer; changes are refused until it does", "error", err.Error())
		}
		cancel()
	} else {
		locker, err := lock.NewMemory(lockOpts)
		if err != nil {
			b.close()
			return nil, err
		}
		b.locker, b.stores = locker, deploy.NewMemoryStores()
	}

	b.deployer = deploy.New(deploy.Options{
		ApprovalTTL:  cfg.ApprovalTTL,
		LeaseTTL:     cfg.LockTTL,
		ParseOptions: []commands.Option{commands.MaxReplicas(cfg.MaxReplicas)},
	}, deploy.Deps{
		Swarm: sw, Watcher: b.watcher, Locker: b.locker, Stores: b.stores, Policy: b.policy,
		Metrics: b.metrics, Logger: log,
	})
	return b, nil
}

// shutdownGrace is how long Close lets changes in flight finish before it
// hands them over to another swarmbot.
const shutdownGrace = 10 * time.Second

// Close stops taking changes, lets those in flight finish or hands them
// over, and closes the Engine and Redis clients.
func (b *bot) Close() error {
	if b.deployer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = b.deployer.Shutdown(ctx)
	}
	return b.close()
}

func (b *bot) close() error {
	var errs []error
	for i := len(b.closers) - 1; i >= 0; i-- {
		errs = append(errs, b.closers[i].Close())
	}
	b.closers = nil
	return errors.Join(errs...)
}

// newLogger honours SWARMBOT_LOG_FORMAT and SWARMBOT_LOG_LEVEL; auto means
// the front end's own choice.
func newLogger(cfg config.Config, o wireOptions) (*slog.Logger, error) {
	name := cfg.LogLevel
	if name == "auto" || name == "" {
		name = cmp.Or(o.LogLevel, "info")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(name)); err != nil {
		return nil, fmt.Errorf("reading configuration: SWARMBOT_LOG_LEVEL must be debug, info, warn, error or auto, got %q", cfg.LogLevel)
	}
	format := cfg.LogFormat
	if format == "auto" || format == "" {
		format = cmp.Or(o.LogFormat, "json")
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(o.LogOutput, opts)), nil
	}
	return slog.New(slog.NewTextHandler(o.LogOutput, opts)), nil
}

// deliveries are the Slack deliveries shared with other replicas (Redis), or
// nil: one process needs only its own memory of them.
func (b *bot) deliveries() deploy.Deliveries {
	if !b.shared {
		return nil
	}
	return b.stores.Deliveries
}

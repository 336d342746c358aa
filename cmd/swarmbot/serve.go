package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/swarmbot/swarmbot/bot/slack"
	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/internal/config"
	"github.com/swarmbot/swarmbot/internal/health"
)

// serve is `swarmbot serve`: the Slack bot, until ctx ends (SIGTERM,
// SIGINT); then it stops gracefully: no new commands, what arrives is still
// acked, changes in flight finish or are handed over within the grace period,
// and the last states reach Slack.
func serve(ctx context.Context, stderr io.Writer) int {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, "swarmbot serve:", err)
		return 1
	}
	if err := serveConfig(ctx, cfg, stderr); err != nil {
		fmt.Fprintln(stderr, "swarmbot serve:", err)
		return 1
	}
	return 0
}

// serveConfig is serve with its configuration; the JSON log goes to logOut.
func serveConfig(ctx context.Context, cfg config.Config, logOut io.Writer) error {
	b, err := wire(ctx, cfg, wireOptions{LogOutput: logOut, LogFormat: "json", LogLevel: "info"})
	if err != nil {
		return err
	}
	defer b.Close()
	log := b.log

	front, err := slack.New(slack.Options{
		BotToken: cfg.SlackBotToken.Value(), AppToken: cfg.SlackAppToken.Value(), APIURL: cfg.SlackAPIURL,
		ParseOptions: []commands.Option{commands.MaxReplicas(cfg.MaxReplicas)},
	}, slack.Deps{Deployer: b.deployer, Policy: b.policy, Metrics: b.metrics, Logger: log,
		Deliveries: b.deliveries()})
	if err != nil {
		return err
	}

	checks := health.NewChecker(2 * time.Second)
	checks.Add("slack", front.Ready)
	checks.Add("engine", b.swarm.CheckManager)
	if b.shared {
		checks.Add("redis", b.locker.Ping)
	}
	stopHTTP, err := serveHTTP(cfg.HTTPAddr, health.Handler(checks, b.metrics.Handler()), log)
	if err != nil {
		return err
	}
	defer stopHTTP()

	// The socket keeps acking until the very end, after ctx has ended.
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- front.Run(runCtx) }()
	resumeCtx, stopResume := context.WithCancel(context.WithoutCancel(ctx))
	defer stopResume()
	go b.deployer.KeepResuming(resumeCtx, front.Frontend())
	log.Info("swarmbot serving", "slack", cfg.SlackAPIURL, "http", cfg.HTTPAddr, "redis", b.shared)

	var fatal error
	select {
	case <-ctx.Done():
		log.Info("stopping: no new commands; changes in flight finish or are handed over", "grace", cfg.ShutdownGrace.String())
	case fatal = <-runErr:
		log.Error("cannot connect to slack; stopping", "error", fatal.Error())
	}
	stopGracefully(cfg.ShutdownGrace, front, b.deployer, stopResume, log)
	stopRun()
	if fatal == nil {
		fatal = <-runErr
	}
	front.Close()
	return fatal
}

// stopGracefully stops taking commands, lets deploy finish or hand over what
// it follows (keeping the last part of the grace period for Slack), waits for
// the work already taken and delivers what is queued for Slack.
func stopGracefully(grace time.Duration, front *slack.Bot, d *deploy.Deployer, stopResume func(), log *slog.Logger) {
	start := time.Now()
	reserve := min(5*time.Second, grace/4) // for the last messages, after a handover
	front.Drain()
	stopResume()

	handover, cancel := context.WithDeadline(context.Background(), start.Add(grace-reserve))
	defer cancel()
	if err := d.Shutdown(handover); err != nil {
		log.Warn("changes not handed over", "error", err.Error())
	}
	end, cancel := context.WithDeadline(context.Background(), start.Add(grace))
	defer cancel()
	if err := front.Wait(end); err != nil {
		log.Warn("work still running at the end of the grace period", "error", err.Error())
	}
	if err := front.Flush(end); err != nil {
		log.Warn("slack messages not all delivered", "error", err.Error())
	}
	log.Info("stopped", "took", time.Since(start).Round(time.Millisecond).String())
}

// serveHTTP serves /healthz, /readyz and /metrics on addr ("" turns it off),
// and returns what stops it.
func serveHTTP(addr string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for /healthz, /readyz and /metrics on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "error", err.Error())
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

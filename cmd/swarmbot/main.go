// Command swarmbot is a ChatOps bot for Docker Swarm.
//
//	swarmbot serve     run the Slack bot (socket mode)
//	swarmbot console   run the bot in a terminal (--user NAME)
//	swarmbot config    print the configuration (secrets as set/unset)
//	swarmbot healthcheck  exit 0 when serve's /healthz answers (--ready: /readyz)
//	swarmbot version   print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/swarmbot/swarmbot/internal/config"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `swarmbot: a ChatOps bot for Docker Swarm

Usage:
  swarmbot serve     run the Slack bot (socket mode)
  swarmbot console   run the bot in a terminal (--user NAME: who you act as)
  swarmbot config    print the configuration (secrets show as set/unset)
  swarmbot healthcheck [--ready]
                     exit 0 when serve's /healthz (--ready: /readyz) answers
  swarmbot version   print the version

The Engine is the one DOCKER_HOST (or the default socket) points at; every other
setting is a SWARMBOT_* variable: see swarmbot config.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "swarmbot", version)
		return 0
	case "config":
		if len(args) > 1 && args[1] == "--markdown" {
			fmt.Fprint(stdout, config.MarkdownTable()) // README's configuration table
			return 0
		}
		cfg, err := config.Load()
		if err != nil {
			fmt.Fprintln(stderr, "swarmbot:", err)
			return 1
		}
		if err := cfg.Print(stdout); err != nil {
			fmt.Fprintln(stderr, "swarmbot:", err)
			return 1
		}
		return 0
	case "healthcheck":
		return healthcheck(ctx, args[1:], stdout, stderr)
	case "console":
		return runConsole(ctx, args[1:], stdin, stdout, stderr)
	case "serve":
		return serve(ctx, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "swarmbot: unknown command %q\n\n%s", args[0], usage)
	return 2
}

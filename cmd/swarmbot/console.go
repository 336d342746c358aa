package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/swarmbot/swarmbot/bot/console"
	"github.com/swarmbot/swarmbot/internal/config"
)

const consoleUsage = `Usage: swarmbot console [--user NAME]

Runs the whole bot (commands, locks, approvals, progress) in a terminal, against
the swarm manager DOCKER_HOST points at. On a terminal it shows a prompt; with
commands piped in, it runs one per line and prints plain text.

`

// runConsole is `swarmbot console`. It exits non-zero only when it cannot
// start: bad flags or configuration, no Engine, an Engine that is not a
// swarm manager. At the end of its input it exits 0, whatever the commands
// answered; interrupted, 130.
func runConsole(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, consoleUsage)
		fs.PrintDefaults()
	}
	user := fs.String("user", defaultUser(), "the name you act as: requests, approvals and locks carry it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "swarmbot console: unexpected %q; commands come on stdin\n\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	con, err := console.New(console.Options{In: stdin, Out: stdout, Err: stderr, User: *user})
	if err != nil {
		fmt.Fprintln(stderr, "swarmbot console:", err)
		return 2
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, "swarmbot console:", err)
		return 1
	}
	b, err := wire(ctx, cfg, wireOptions{LogOutput: con.LogOutput(), LogFormat: "text", LogLevel: "warn", NoChannels: true})
	if err != nil {
		fmt.Fprintln(stderr, "swarmbot console:", err)
		return 1
	}
	defer b.Close()
	if !b.shared {
		fmt.Fprintln(stderr, "swarmbot console: SWARMBOT_REDIS_URL is not set, so locks, approvals and operations live in this process only")
	}
	if err := con.Run(ctx, b.deployer); err != nil {
		if ctx.Err() != nil {
			return 130
		}
		fmt.Fprintln(stderr, "swarmbot console:", err)
		return 1
	}
	return 0
}

// defaultUser is who the person at the console is, unless --user says.
func defaultUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "console"
}

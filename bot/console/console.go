// Package console is swarmbot in a terminal: the same commands, progress and
// approvals as in Slack, typed at a prompt or piped in from a file.
//
// On a terminal (stdin and stdout both a TTY) it shows a prompt with line
// editing and history, and redraws a change's progress in place the way the
// docker CLI does. Otherwise it reads one command per line and writes plain
// text, without escape codes, one line running to its end before the next is
// read, so that scripts and tests can drive the whole bot.
//
// Lines starting with ':' are the console's own: `:user NAME` acts as someone
// else, so that a second person can approve a request. '#' starts a comment.
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/term"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
)

// Bot runs the commands people type; *deploy.Deployer is one.
type Bot interface {
	HandleText(ctx context.Context, actor commands.Actor, channel, thread, text string, fe deploy.Frontend)
}

// Options configure a Console.
type Options struct {
	// In carries the commands. When it and Out are terminals, the console
	// is interactive.
	In io.Reader
	// Out receives the answers and the progress.
	Out io.Writer
	// Err receives the log (see LogOutput).
	Err io.Writer
	// User is the name the person at the console acts as; `:user` changes it.
	User string
}

// Console is one terminal session.
type Console struct {
	in      io.Reader
	out     io.Writer
	errOut  io.Writer
	user    string
	inFile  *os.File // set when interactive
	outFile *os.File

	mu     sync.Mutex
	screen *screen // set while Run draws on a terminal
}

// New returns a console; it refuses a user name that cannot be typed back.
func New(o Options) (*Console, error) {
	if err := checkUser(o.User); err != nil {
		return nil, fmt.Errorf("--user: %w", err)
	}
	c := &Console{in: o.In, out: o.Out, errOut: o.Err, user: o.User}
	if c.errOut == nil {
		c.errOut = io.Discard
	}
	in, okIn := o.In.(*os.File)
	out, okOut := o.Out.(*os.File)
	if okIn && okOut && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd())) {
		c.inFile, c.outFile = in, out
	}
	return c, nil
}

// Interactive reports whether the console runs on a terminal.
func (c *Console) Interactive() bool { return c.inFile != nil }

// LogOutput is where the process's log should go: the error stream, except
// that on a terminal the log lines are drawn above the progress, so that they
// do not tear it.
func (c *Console) LogOutput() io.Writer { return logWriter{c} }

type logWriter struct{ c *Console }

func (w logWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	s := w.c.screen
	w.c.mu.Unlock()
	if s != nil && w.c.errIsTerminal() {
		s.log(string(p))
		return len(p), nil
	}
	return w.c.errOut.Write(p)
}

func (c *Console) errIsTerminal() bool {
	f, ok := c.errOut.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Run reads commands until the input ends (nil) or ctx is done (its error).
// Every command's answer, progress and approval request is shown; an error
// is shown and the console goes on.
func (c *Console) Run(ctx context.Context, b Bot) error {
	if c.Interactive() {
		return c.interactive(ctx, b)
	}
	return c.script(ctx, b)
}

// checkUser accepts a name without spaces or control characters.
func checkUser(name string) error {
	switch {
	case name == "":
		return errors.New("give a name, e.g. --user alice")
	case len(name) > 64:
		return errors.New("the name is longer than 64 characters")
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("%q: a name has no spaces or control characters", name)
	}
	return nil
}

// actor is the person a user name stands for: the console knows people by
// one name, which is their ID too.
func actor(user string) commands.Actor { return commands.Actor{ID: user, Name: user} }

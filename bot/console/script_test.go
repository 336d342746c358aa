package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/internal/golden"
)

const session = `# The story in short: alice scales, asks for a drain, bob approves.
ls
/swarm ls             # the prefix is optional
   
scale ping 4
drain dev02
approve h4k7m2pq      # alice cannot approve her own request
:user bob
approve h4k7m2pq
:whoami
:user
scale ping 2
sacle ping 3
logs ping
:user alice
ls`

// TestScript pins what a piped session prints: each command echoed after
// its user's prompt, answers, a change told as it goes and ending with the
// CLI's progress lines, an approval request with the line that approves it,
// errors shown and the session going on, no escape codes at all.
func TestScript(t *testing.T) {
	bot := newFakeBot()
	var out bytes.Buffer
	c, err := New(Options{In: strings.NewReader(session), Out: &out, User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Interactive() {
		t.Fatal("a reader and a buffer make an interactive console")
	}
	if err := c.Run(t.Context(), bot); err != nil {
		t.Fatalf("Run: %v", err)
	}
	golden.Check(t, "script", out.String())
	if strings.Contains(out.String(), "\x1b") {
		t.Error("plain output holds an escape code")
	}
	want := []string{"alice: ls", "alice: /swarm ls", "alice: scale ping 4", "alice: drain dev02", "alice: approve h4k7m2pq",
		"bob: approve h4k7m2pq", "bob: scale ping 2", "bob: sacle ping 3", "bob: logs ping", "alice: ls"}
	if got := bot.called(); !slices.Equal(got, want) {
		t.Errorf("the bot was asked\n%q\nwant\n%q", got, want)
	}
}

// TestScriptEndings: the last line counts without a newline; CRLF files
// work; an overlong line is skipped with a message and the next one runs.
func TestScriptEndings(t *testing.T) {
	tests := []struct {
		name, in string
		calls    []string
		says     string
	}{
		{"no final newline", "ls\nscale ping 4", []string{"alice: ls", "alice: scale ping 4"}, ""},
		{"crlf", "ls\r\n:user bob\r\nls\r\n", []string{"alice: ls", "bob: ls"}, ""},
		{"empty", "", nil, ""},
		{"only comments", "# nothing\n\n   # at all\n", nil, ""},
		{"overlong", "ls\n" + strings.Repeat("x", maxLine+10) + "\nls\n", []string{"alice: ls", "alice: ls"},
			"line 2 is longer than 65536 bytes and was skipped"},
		{"overlong last", "ls\n" + strings.Repeat("x", maxLine+10), []string{"alice: ls"},
			"line 2 is longer than 65536 bytes and was skipped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bot := newFakeBot()
			var out bytes.Buffer
			c, err := New(Options{In: strings.NewReader(tc.in), Out: &out, User: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Run(t.Context(), bot); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := bot.called(); !slices.Equal(got, tc.calls) {
				t.Errorf("the bot was asked %q, want %q", got, tc.calls)
			}
			if !strings.Contains(out.String(), tc.says) {
				t.Errorf("output %q does not say %q", out.String(), tc.says)
			}
		})
	}
}

// blockingBot holds each command until the test lets it finish.
type blockingBot struct {
	started chan string
	finish  chan struct{}
}

func (b *blockingBot) HandleText(ctx context.Context, _ commands.Actor, _, _, text string, _ deploy.Frontend) {
	b.started <- text
	select {
	case <-b.finish:
	case <-ctx.Done():
	}
}

// countingReader records how many times it was read.
type countingReader struct {
	r     io.Reader
	reads chan struct{}
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads <- struct{}{}
	return c.r.Read(p)
}

// TestScriptRunsOneLineAtATime: the next line is not read while a command
// runs, so that a script (or a test) can write it after reading the output.
func TestScriptRunsOneLineAtATime(t *testing.T) {
	pr, pw := io.Pipe()
	in := &countingReader{r: pr, reads: make(chan struct{}, 100)}
	bot := &blockingBot{started: make(chan string), finish: make(chan struct{})}
	c, err := New(Options{In: in, Out: io.Discard, User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- c.Run(t.Context(), bot) }()

	go func() { _, _ = io.WriteString(pw, "scale ping 4\n") }()
	if got := <-bot.started; got != "scale ping 4" {
		t.Fatalf("started %q", got)
	}
	reads := len(in.reads)
	go func() { _, _ = io.WriteString(pw, "ls\n") }() // written while scale runs
	time.Sleep(50 * time.Millisecond)                 // give a wrong console the chance to read it
	if n := len(in.reads); n != reads {
		t.Errorf("the console read its input %d more times while a command ran", n-reads)
	}
	bot.finish <- struct{}{}
	if got := <-bot.started; got != "ls" {
		t.Fatalf("started %q after scale", got)
	}
	bot.finish <- struct{}{}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestScriptInterrupted: when ctx ends (SIGINT), the running command is
// cancelled and Run says so, also while it waits for input.
func TestScriptInterrupted(t *testing.T) {
	for _, running := range []bool{true, false} {
		pr, pw := io.Pipe()
		defer pw.Close()
		bot := &blockingBot{started: make(chan string, 1), finish: make(chan struct{})}
		c, err := New(Options{In: pr, Out: io.Discard, User: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- c.Run(ctx, bot) }()
		if running {
			go func() { _, _ = io.WriteString(pw, "scale ping 4\n") }()
			<-bot.started
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("running %v: Run = %v, want context.Canceled", running, err)
		}
	}
}

//go:build linux

package console

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
)

// openPTY opens a pseudo-terminal: the console gets the terminal end, the
// test types into and reads from the other.
func openPTY(t *testing.T) (control, tty *os.File) {
	t.Helper()
	control, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(control.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close(); control.Close() })
	return control, tty
}

// screenLog collects what the console wrote to the terminal.
type screenLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
	at  int // what waitFor has consumed
}

func (s *screenLog) read(f *os.File) {
	b := make([]byte, 4096)
	for {
		n, err := f.Read(b)
		s.mu.Lock()
		s.buf.Write(b[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitFor waits until text appears after what was waited for before.
func (s *screenLog) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got := s.buf.String()
		s.mu.Unlock()
		if i := strings.Index(got[s.at:], text); i >= 0 {
			s.at += i + len(text)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("the terminal never showed %q; it shows:\n%s", text, visible(s.buf.String()[s.at:]))
}

// slowBot runs `scale ping 4` with a live card and holds it until it is
// cancelled (Ctrl-C); everything else is fakeBot's.
type slowBot struct {
	*fakeBot
	cancelled chan struct{}
}

func (b *slowBot) HandleText(ctx context.Context, a commands.Actor, channel, thread, text string, fe deploy.Frontend) {
	if text != "scale ping 5" {
		b.fakeBot.HandleText(ctx, a, channel, thread, text, fe)
		return
	}
	c := deploy.Card{OperationID: "s5l0w2bt", Requester: alice, What: "scale ping → 5", Phase: deploy.PhaseStarting, Started: time.Now()}
	_, _ = fe.OpenOperation(ctx, deploy.Request{}, c)
	<-ctx.Done()
	close(b.cancelled)
}

// TestInteractive drives the console through a real pseudo-terminal: the
// prompt names the user, a command runs and its change is drawn, :user
// changes the prompt, Ctrl-C at the prompt clears the line, Ctrl-C during a
// change stops following it and comes back, Ctrl-D leaves.
func TestInteractive(t *testing.T) {
	control, tty := openPTY(t)
	bot := &slowBot{fakeBot: newFakeBot(), cancelled: make(chan struct{})}
	c, err := New(Options{In: tty, Out: tty, Err: tty, User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Interactive() {
		t.Fatal("a pseudo-terminal does not make the console interactive")
	}
	before, err := term.GetState(int(tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	scr := &screenLog{}
	go scr.read(control)
	done := make(chan error, 1)
	go func() { done <- c.Run(t.Context(), bot) }()
	typeKeys := func(s string) {
		t.Helper()
		if _, err := control.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}

	scr.waitFor(t, "you are alice")
	scr.waitFor(t, "alice> ")
	typeKeys("scale ping 4\r")
	scr.waitFor(t, "operation k3m9x2qa: scale ping → 4, asked by alice")
	scr.waitFor(t, "\x1b[6A\x1b[J") // the live block went up and was redrawn
	scr.waitFor(t, "verify: Service ping converged\r\n")
	scr.waitFor(t, "converged in 9s. @alice")
	scr.waitFor(t, "alice> ")

	typeKeys(":user bob\r")
	scr.waitFor(t, "bob> ")
	typeKeys("drain dev0")
	typeKeys("\x03") // clears the line
	typeKeys("approve h4k7m2pq\r")
	scr.waitFor(t, "approved by bob")
	scr.waitFor(t, "drain dev02: converged in 6s. @alice")

	typeKeys("scale ping 5\r")
	scr.waitFor(t, "operation s5l0w2bt: scale ping → 5")
	typeKeys("\x03")
	select {
	case <-bot.cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-C did not cancel the running command")
	}
	scr.waitFor(t, "interrupted: swarmbot stopped following")
	scr.waitFor(t, "bob> ")
	typeKeys("logs ping\r")
	scr.waitFor(t, "^[[2J^[[Hcleared your screen") // the Engine's escape codes, shown, not obeyed

	typeKeys("\x04")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-D did not end the console")
	}
	want := []string{"alice: scale ping 4", "bob: approve h4k7m2pq", "bob: logs ping"}
	if got := bot.called(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the bot was asked %q, want %q (Ctrl-C must have cleared \"drain dev0\")", got, want)
	}
	after, err := term.GetState(int(tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*after) != fmt.Sprint(*before) {
		t.Error("the terminal was not given back as it was found")
	}
}

package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/term"
)

// interactive runs the console on a terminal: a prompt with line editing
// and history (x/term's Terminal), one command at a time, its progress
// redrawn in place below its events. The terminal stays in raw mode while
// a command runs too, so that Ctrl-C reaches the console as a key: it stops
// following the change (the change goes on in the swarm, as when the
// docker CLI is interrupted) and comes back to the prompt. At the prompt,
// Ctrl-C clears the line and Ctrl-D on an empty line leaves.
func (c *Console) interactive(ctx context.Context, b Bot) error {
	inFd, outFd := int(c.inFile.Fd()), int(c.outFile.Fd())
	old, err := term.MakeRaw(inFd)
	if err != nil {
		return fmt.Errorf("setting up the terminal: %w", err)
	}
	defer func() { _ = term.Restore(inFd, old) }()

	kb := newKeyboard(c.inFile)
	go kb.pump()
	user := c.user
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{kb, c.outFile}, prompt(user))
	width := func() int {
		w, _, err := term.GetSize(outFd)
		if err != nil || w < 20 {
			return 80
		}
		return w
	}
	s := ttyScreen(t, width)
	c.mu.Lock()
	c.screen = s
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.screen = nil
		c.mu.Unlock()
	}()
	fe := newFrontend(s)
	s.print(styled{clean("swarmbot console: you are " + user + ". Type help for the commands, :user NAME to act as someone else, Ctrl-D to leave."), faint})

	for {
		if w, h, err := term.GetSize(outFd); err == nil {
			_ = t.SetSize(w, h)
		}
		text, err := t.ReadLine()
		if errors.Is(err, io.EOF) {
			_, _ = io.WriteString(t, "\n")
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the terminal: %w", err)
		}
		l := readLine(text)
		switch {
		case l.text == "":
			continue
		case l.directive:
			u, err := obey(l, user)
			if err != nil {
				s.print(styled{clean(err.Error()), bad})
			}
			user = u
			t.SetPrompt(prompt(user))
			continue
		}
		if c.runOne(ctx, b, kb, fe, user, l.text) {
			fe.clearLive()
			s.print(styled{"interrupted: swarmbot stopped following; what was sent to the Engine goes on (see /swarm ps and /swarm locks)", bad})
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func prompt(user string) string { return user + "> " }

// runOne runs one command, redrawing the live card every second so that its
// elapsed time counts, until the command ends or Ctrl-C stops it; it reports
// whether Ctrl-C did.
func (c *Console) runOne(ctx context.Context, b Bot, kb *keyboard, fe *frontend, user, text string) bool {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	interrupted := make(chan struct{})
	var once sync.Once
	kb.onInterrupt(func() { once.Do(func() { close(interrupted); cancel() }) })
	defer kb.onInterrupt(nil)

	done := make(chan struct{})
	go func() {
		defer close(done)
		b.HandleText(cctx, actor(user), "", "", text, fe)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			select {
			case <-interrupted:
				return true
			default:
				return false
			}
		case <-tick.C:
			fe.tick()
		}
	}
}

// Keys the keyboard treats specially.
const (
	keyCtrlC = 3
	keyCtrlU = 21 // x/term: delete the line before the cursor
)

// keyboard reads the terminal's keys in the background, so that Ctrl-C is
// seen while a command runs: then it interrupts the command; at the prompt
// it clears the line. Other keys typed meanwhile wait for the prompt.
type keyboard struct {
	in io.Reader

	mu        sync.Mutex
	cond      *sync.Cond
	buf       []byte
	err       error
	interrupt func()
}

func newKeyboard(in io.Reader) *keyboard {
	k := &keyboard{in: in}
	k.cond = sync.NewCond(&k.mu)
	return k
}

// onInterrupt sets what Ctrl-C does until it is set again (nil: at the prompt).
func (k *keyboard) onInterrupt(f func()) {
	k.mu.Lock()
	k.interrupt = f
	k.mu.Unlock()
}

// pump reads keys until the terminal ends.
func (k *keyboard) pump() {
	b := make([]byte, 256)
	for {
		n, err := k.in.Read(b)
		k.mu.Lock()
		for _, c := range b[:n] {
			if c == keyCtrlC {
				if k.interrupt != nil {
					k.interrupt()
					continue
				}
				c = keyCtrlU
			}
			k.buf = append(k.buf, c)
		}
		if err != nil {
			k.err = err
		}
		k.cond.Broadcast()
		k.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Read gives the keys to the line editor.
func (k *keyboard) Read(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for len(k.buf) == 0 && k.err == nil {
		k.cond.Wait()
	}
	if len(k.buf) > 0 {
		n := copy(p, k.buf)
		k.buf = k.buf[n:]
		return n, nil
	}
	return 0, k.err
}

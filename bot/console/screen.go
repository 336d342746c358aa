package console

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// screen writes the console's lines. Plain, it writes each line once, as
// is. On a terminal it keeps a live block at the bottom (a running change's
// progress) and redraws it in place, as the docker CLI does: the cursor goes
// up over the block, the block is erased, new lines are written above it,
// and the block is drawn again. A live line never wraps (it is cut to the
// terminal's width), so the block's height is its number of lines.
type screen struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	width func() int // columns, on a terminal
	live  []styled
	drawn int // lines of the live block on the screen
}

func plainScreen(w io.Writer) *screen { return &screen{w: w} }

func ttyScreen(w io.Writer, width func() int) *screen {
	return &screen{w: w, tty: true, width: width}
}

// print writes lines for good, above the live block.
func (s *screen) print(ls ...styled) {
	if len(ls) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	s.erase(&b)
	for _, l := range ls {
		s.line(&b, l, false)
	}
	s.draw(&b)
	s.flush(&b)
}

// setLive replaces the live block; plain output has none.
func (s *screen) setLive(ls []styled) {
	if !s.tty {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	s.erase(&b)
	s.live = ls
	s.draw(&b)
	s.flush(&b)
}

// log writes log lines above the live block, faint.
func (s *screen) log(text string) {
	s.print(lines(faint, text)...)
}

func (s *screen) erase(b *strings.Builder) {
	if s.drawn > 0 {
		fmt.Fprintf(b, "\x1b[%dA\x1b[J", s.drawn) // up over the block, erase to the end
		s.drawn = 0
	}
}

func (s *screen) draw(b *strings.Builder) {
	for _, l := range s.live {
		s.line(b, l, true)
	}
	s.drawn = len(s.live)
}

func (s *screen) line(b *strings.Builder, l styled, live bool) {
	text := l.text
	if live {
		text = cut(text, s.width()-1)
	}
	if s.tty {
		text = paint(l.style, text)
	}
	b.WriteString(text)
	b.WriteByte('\n')
}

func (s *screen) flush(b *strings.Builder) {
	if b.Len() > 0 {
		_, _ = io.WriteString(s.w, b.String()) // a closed output has no one to tell
	}
}

// cut shortens text to n columns (a character taken as one column), the
// last one an ellipsis.
func cut(text string, n int) string {
	if n < 1 {
		n = 1
	}
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)
	return string(r[:n-1]) + "…"
}

// paint styles a line with SGR codes.
func paint(s style, text string) string {
	code := ""
	switch s {
	case title:
		code = "1" // bold
	case bad:
		code = "1;31" // bold red
	case good:
		code = "32" // green
	case notice:
		code = "1;33" // bold yellow
	case faint:
		code = "2"
	}
	if code == "" || text == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

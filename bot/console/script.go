package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// maxLine is the longest line the console reads; a command is at most 2000
// characters, so a longer line is a mistake (a binary file piped in).
const maxLine = 64 << 10

// script runs the commands read from a pipe or a file, one line at a time:
// each is echoed after a prompt naming the user, then run to its end (a
// change until it has converged, failed, got stuck or timed out; an approval
// request until it has been published) before the next line is read.
func (c *Console) script(ctx context.Context, b Bot) error {
	s := plainScreen(c.out)
	fe := newFrontend(s)
	user := c.user
	next := lineReader(ctx, c.in)
	// spaced: something was printed since the last echo, so the next echo is
	// set off by a blank line (a directive obeyed prints nothing).
	spaced := false
	for {
		raw, err := next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if raw.tooLong {
			s.print(styled{fmt.Sprintf("line %d is longer than %d bytes and was skipped", raw.n, maxLine), bad})
			continue
		}
		l := readLine(raw.text)
		if l.text == "" {
			continue
		}
		if spaced {
			s.print(styled{})
		}
		s.print(styled{clean(user + "> " + l.text), plain})
		spaced = true
		if l.directive {
			u, err := obey(l, user)
			if err != nil {
				s.print(styled{clean(err.Error()), bad})
			}
			user, spaced = u, err != nil
			continue
		}
		b.HandleText(ctx, actor(user), "", "", l.text, fe)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// rawLine is a line as read: its text, its number, and whether it was cut.
type rawLine struct {
	text    string
	n       int
	tooLong bool
}

// lineReader returns a function that reads the next line when called (not
// before: the previous line has run by then), or returns ctx's error when
// ctx is done first. A last line without a newline counts.
func lineReader(ctx context.Context, in io.Reader) func() (rawLine, error) {
	type result struct {
		l   rawLine
		err error
	}
	want := make(chan struct{})
	got := make(chan result)
	go func() {
		r := bufio.NewReaderSize(in, 4096)
		n := 0
		for range want {
			n++
			l, err := readRaw(r)
			l.n = n
			select {
			case got <- result{l, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	done := false
	return func() (rawLine, error) {
		if done {
			return rawLine{}, io.EOF
		}
		select {
		case want <- struct{}{}:
		case <-ctx.Done():
			return rawLine{}, ctx.Err()
		}
		select {
		case res := <-got:
			if res.err != nil && (res.l.text != "" || res.l.tooLong) && errors.Is(res.err, io.EOF) {
				done = true // the last line had no newline: run it, then end
				close(want)
				return res.l, nil
			}
			if res.err != nil {
				done = true
				close(want)
			}
			return res.l, res.err
		case <-ctx.Done():
			return rawLine{}, ctx.Err()
		}
	}
}

// readRaw reads one line, keeping at most maxLine bytes of it.
func readRaw(r *bufio.Reader) (rawLine, error) {
	var buf []byte
	var l rawLine
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf)+len(chunk) > maxLine {
			l.tooLong = true
		} else {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(buf) > 0 && buf[len(buf)-1] == '\n' {
			buf = buf[:len(buf)-1]
		}
		if len(buf) > 0 && buf[len(buf)-1] == '\r' {
			buf = buf[:len(buf)-1]
		}
		if l.tooLong {
			buf = nil
		}
		l.text = string(buf)
		return l, err
	}
}

package commands

import (
	"strconv"
	"strings"
	"time"
)

// line builds a canonical command text, quoting words that need it.
type line struct{ b strings.Builder }

func newLine(verb Verb) *line {
	l := &line{}
	l.b.Grow(64)
	l.b.WriteString(string(verb))
	return l
}

func (l *line) word(w string) *line {
	l.b.WriteByte(' ')
	writeWord(&l.b, w)
	return l
}

func (l *line) flag(name, value string) *line {
	l.b.WriteString(" --")
	l.b.WriteString(name)
	l.b.WriteByte(' ')
	writeWord(&l.b, value)
	return l
}

func (l *line) on(name string, set bool) *line {
	if set {
		l.b.WriteString(" --")
		l.b.WriteString(name)
	}
	return l
}

func (l *line) count(name string, n *uint64) *line {
	if n != nil {
		l.flag(name, strconv.FormatUint(*n, 10))
	}
	return l
}

func (l *line) duration(name string, d *time.Duration) *line {
	if d != nil {
		l.flag(name, formatDuration(*d))
	}
	return l
}

func (l *line) text(name, s string) *line {
	if s != "" {
		l.flag(name, s)
	}
	return l
}

func (l *line) String() string { return l.b.String() }

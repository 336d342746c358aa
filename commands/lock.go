package commands

import (
	"strings"
	"time"
)

// Lock keeps others from changing a service, e.g. during an incident; changes
// by anyone but the holder wait or are refused until Unlock.
type Lock struct {
	Service string
	// Reason is shown to whoever runs into the lock.
	Reason string
	// For, when not 0, releases the lock by itself after that long.
	For time.Duration
}

// Unlock releases a lock. Force releases one someone else holds (admins only).
type Unlock struct {
	Service string
	Force   bool
}

var lockSpec = &spec{
	verb:     VerbLock,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"lock SERVICE [--reason TEXT] [--for D]"},
	summary:  "keep others from changing a service",
	about: "Locks a service so that nobody else changes it (scale, update, rollback, rm) until you unlock it, " +
		"e.g. during an incident. Whoever runs into the lock sees who holds it and why.",
	flags: []flagDef{
		{name: "reason", arg: "TEXT", usage: "why, shown to whoever runs into the lock; quote it"},
		{name: "for", arg: "D", usage: "release the lock by itself after D, e.g. 2h (at most 168h)"},
	},
	examples: []string{`lock ping --reason "incident 123" --for 2h`},
	parse:    parseLock,
}

var unlockSpec = &spec{
	verb:     VerbUnlock,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"unlock SERVICE [--force]"},
	summary:  "release a service's lock",
	about:    "Releases a lock you took with /swarm lock. --force releases a lock someone else holds; it is for admins, and the holder is told.",
	flags:    []flagDef{{name: "force", usage: "release a lock someone else holds (admins only)"}},
	examples: []string{"unlock ping"},
	parse:    parseUnlock,
}

func parseLock(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	var c Lock
	for _, f := range fa.flags {
		switch f.def.name {
		case "reason":
			if err := checkReason(f.value); err != nil {
				return nil, err
			}
			c.Reason = f.value
		case "for":
			d, err := parseDuration(f.value, "for")
			if err != nil {
				return nil, err
			}
			if d <= 0 || d > maxLockFor {
				return nil, usageErr("--for takes a duration from 1s to 168h (a week), not %s; leave it out to keep the lock until you unlock it", quoteWord(f.value))
			}
			c.For = d
		}
	}
	if len(fa.pos) > 1 {
		return nil, reasonInQuotes(s.verb, fa.pos, c.Reason, Lock{Service: fa.pos[0], For: c.For}.String())
	}
	if c.Service, err = oneService(fa, s.verb); err != nil {
		return nil, err
	}
	return c, nil
}

func parseUnlock(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	var c Unlock
	for _, f := range fa.flags {
		c.Force = f.value == "true"
	}
	if c.Service, err = oneService(fa, s.verb); err != nil {
		return nil, err
	}
	return c, nil
}

func (Lock) Verb() Verb         { return VerbLock }
func (Lock) Kind() Kind         { return Change }
func (c Lock) Subject() Subject { return Subject{Kind: SubjectLock, Names: []string{c.Service}} }
func (c Lock) String() string {
	l := newLine(VerbLock).word(c.Service).text("reason", c.Reason)
	if c.For > 0 {
		l.flag("for", formatDuration(c.For))
	}
	return l.String()
}

func (Unlock) Verb() Verb         { return VerbUnlock }
func (Unlock) Kind() Kind         { return Change }
func (c Unlock) Subject() Subject { return Subject{Kind: SubjectLock, Names: []string{c.Service}} }
func (c Unlock) String() string {
	return newLine(VerbUnlock).word(c.Service).on("force", c.Force).String()
}

// reasonInQuotes answers a reason typed without quotes, which comes out as
// extra words: it suggests the command with the words joined into --reason.
func reasonInQuotes(verb Verb, pos []string, reason, rest string) *UsageError {
	what := "service"
	if verb == VerbDeny {
		what = "request ID"
	}
	e := usageErr("%s takes one %s, but got %d words: %s; put a reason with spaces in quotes", verb, what, len(pos), joinWords(pos))
	words := pos[1:]
	if reason != "" {
		words = append([]string{reason}, words...)
	}
	suggestion := rest + " --reason " + quoteWord(strings.Join(words, " "))
	if _, err := Parse(suggestion); err == nil {
		e.Suggestion = "/swarm " + suggestion
	}
	return e
}

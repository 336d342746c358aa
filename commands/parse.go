package commands

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Defaults for Parse's options.
const (
	DefaultMaxReplicas = 1000
	DefaultMaxLength   = 2000
)

// Option changes how Parse reads text.
type Option func(*options)

type options struct {
	maxReplicas uint64
	maxLength   int
	slack       bool
}

func newOptions(opts []Option) options {
	o := options{maxReplicas: DefaultMaxReplicas, maxLength: DefaultMaxLength}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// MaxReplicas sets the largest replica count create, scale and update accept
// (default 1000). Values below 1 keep the default.
func MaxReplicas(n int) Option {
	return func(o *options) {
		if n >= 1 {
			o.maxReplicas = uint64(n)
		}
	}
}

// MaxLength sets the longest text Parse reads, in characters (default 2000);
// with FromSlack, counted after Slack's escapes are undone. Values below 1 keep
// the default.
func MaxLength(n int) Option {
	return func(o *options) {
		if n >= 1 {
			o.maxLength = n
		}
	}
}

// FromSlack says the text comes from Slack: its entities (&amp; &lt; &gt;) are
// decoded and its links, addresses and mentions (<http://docker.com|docker.com>)
// are replaced by what the user typed. Only text from Slack may be read this way.
func FromSlack() Option {
	return func(o *options) { o.slack = true }
}

// Parse reads the text typed after /swarm. It returns a command, or an error
// (a *UsageError) that says what was wrong and how to type the command. Empty
// text is a request for help. Parse never panics and changes nothing.
func Parse(text string, opts ...Option) (Command, error) {
	return newOptions(opts).parse(text, true)
}

func (o options) parse(text string, suggest bool) (Command, error) {
	if o.slack {
		// The limit is on what the user typed; Slack's entities and links make
		// the text longer than that, but not more than this.
		if len(text) > 8*o.maxLength {
			return nil, tooLong(utf8.RuneCountInString(text), o.maxLength)
		}
		text = decodeSlack(text)
	}
	if n := utf8.RuneCountInString(text); n > o.maxLength {
		return nil, tooLong(n, o.maxLength)
	}
	words, err := lex(unfence(text))
	if err != nil {
		return nil, &UsageError{Problem: err.Error(), Usage: overviewUsage()}
	}
	cmd, err := o.dispatch(words)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) && suggest && ue.bad != "" {
			o.suggestCommand(ue, words)
		}
		return nil, err
	}
	// The canonical text can be longer than what was typed (quotes, long flag
	// names); refuse a command whose canonical text would itself be refused.
	if 3*len(text)+100 > o.maxLength {
		if n := utf8.RuneCountInString(cmd.String()); n > o.maxLength {
			return nil, &UsageError{
				Verb:    cmd.Verb(),
				Problem: fmt.Sprintf("the command is %d characters long written out in full; the limit is %d", n, o.maxLength),
				Usage:   specFor(cmd.Verb()).usage(o),
			}
		}
	}
	return cmd, nil
}

func tooLong(n, limit int) *UsageError {
	return &UsageError{
		Problem: fmt.Sprintf("the command is %d characters long; the limit is %d", n, limit),
		Usage:   overviewUsage(),
	}
}

// unfence takes off the backticks of a command pasted from a code block
// (`docker service ls`, or in three backticks).
func unfence(text string) string {
	t := strings.TrimSpace(text)
	for range 3 {
		if len(t) < 2 || t[0] != '`' || t[len(t)-1] != '`' {
			break
		}
		t = t[1 : len(t)-1]
	}
	if len(t) == len(strings.TrimSpace(text)) {
		return text
	}
	return t
}

// suggestCommand turns a one-word correction into a whole command when the
// corrected text parses.
func (o options) suggestCommand(ue *UsageError, words []string) {
	for _, prefix := range []string{"/swarm", "$"} {
		if len(words) > 0 && strings.EqualFold(words[0], prefix) {
			words = words[1:]
		}
	}
	fixed := make([]string, len(words))
	copy(fixed, words)
	for i, w := range fixed {
		if w == ue.bad || strings.HasPrefix(w, ue.bad+"=") {
			fixed[i] = ue.fix + strings.TrimPrefix(w, ue.bad)
			var b strings.Builder
			for j, f := range fixed {
				if j > 0 {
					b.WriteByte(' ')
				}
				writeWord(&b, f)
			}
			if _, err := (options{maxReplicas: o.maxReplicas, maxLength: o.maxLength}).parse(b.String(), false); err == nil {
				ue.Suggestion = "/swarm " + b.String()
			}
			return
		}
	}
}

// dispatch picks the verb from the first words and hands the rest to it.
func (o options) dispatch(words []string) (Command, error) {
	// What people paste: "/swarm …", "$ docker …", "docker …".
	for _, prefix := range []string{"/swarm", "$", "docker"} {
		if len(words) > 0 && strings.EqualFold(words[0], prefix) {
			words = words[1:]
		}
	}
	if len(words) == 0 {
		return Help{}, nil
	}
	head := strings.ToLower(words[0])
	switch head {
	case "-h", "--help":
		return o.run(specFor(VerbHelp), words[1:])
	case "service", "node", "swarm":
		return o.dispatchGroup(head, words[1:])
	}
	s := specByName(head)
	if s == nil {
		return nil, unknownCommand(words[0])
	}
	return o.run(s, words[1:])
}

func (o options) run(s *spec, args []string) (Command, error) {
	cmd, err := s.parse(o, s, args)
	if err == nil {
		return cmd, nil
	}
	if err == errHelp {
		return Help{Topic: string(s.verb)}, nil
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		if ue.Verb == "" {
			ue.Verb = s.verb
		}
		if ue.Usage == "" {
			ue.Usage = s.usage(o)
		}
	}
	return nil, err
}

// A docker group ("service", "node", "swarm") and the subcommands swarmbot
// runs, each mapped to its verb.
type dockerGroup struct {
	name string
	subs []dockerSub
}

type dockerSub struct {
	name string
	verb Verb // "" for "node update" and "swarm update", which have their own parsers
}

var groups = []dockerGroup{
	{name: "service", subs: []dockerSub{
		{"ls", VerbLs}, {"list", VerbLs}, {"ps", VerbPs}, {"inspect", VerbInspect},
		{"logs", VerbLogs}, {"create", VerbCreate}, {"scale", VerbScale},
		{"update", VerbUpdate}, {"rollback", VerbRollback}, {"rm", VerbRm}, {"remove", VerbRm},
	}},
	{name: "node", subs: []dockerSub{{"ls", VerbNodes}, {"list", VerbNodes}, {"update", ""}}},
	{name: "swarm", subs: []dockerSub{{"update", ""}}},
}

func groupByName(name string) *dockerGroup {
	for i := range groups {
		if groups[i].name == name {
			return &groups[i]
		}
	}
	return nil
}

func (o options) dispatchGroup(group string, words []string) (Command, error) {
	g := groupByName(group)
	if len(words) == 0 || words[0] == "-h" || strings.EqualFold(words[0], "--help") {
		return Help{Topic: group}, nil
	}
	sub := strings.ToLower(words[0])
	for _, s := range g.subs {
		if s.name != sub {
			continue
		}
		switch {
		case s.verb != "":
			return o.run(specFor(s.verb), words[1:])
		case group == "node":
			return o.runPseudo(group, nodeUpdateSpec, words[1:])
		default:
			return o.runPseudo(group, swarmUpdateSpec, words[1:])
		}
	}
	names := make([]string, len(g.subs))
	for i, s := range g.subs {
		names[i] = s.name
	}
	e := &UsageError{
		Problem: fmt.Sprintf("swarmbot does not run docker %s %s", group, words[0]),
		Usage:   groupUsage(g),
	}
	if c := closest(sub, names); c != "" {
		e.bad, e.fix, e.Suggestion = words[0], c, c
		e.Problem = fmt.Sprintf("unknown command %q after %s", words[0], group)
	}
	return nil, e
}

// runPseudo runs "node update" or "swarm update", docker spellings that map
// onto several verbs or one with another name; errors carry their own usage.
func (o options) runPseudo(group string, s *spec, args []string) (Command, error) {
	cmd, err := s.parse(o, s, args)
	if err == errHelp {
		return Help{Topic: group}, nil
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		if ue.Usage == "" {
			ue.Usage = s.usage(o)
		}
		if ue.Verb == "" {
			ue.Verb = s.verb
		}
	}
	return cmd, err
}

func unknownCommand(word string) *UsageError {
	e := &UsageError{
		Problem: fmt.Sprintf("unknown command %q", word),
		Usage:   overviewUsage(),
	}
	names := make([]string, 0, len(specs)+len(groups))
	for _, s := range specs {
		names = append(names, string(s.verb))
	}
	for _, g := range groups {
		names = append(names, g.name)
	}
	if c := closest(word, names); c != "" {
		e.bad, e.fix, e.Suggestion = word, c, c
	}
	return e
}

// usageErr is the error a verb's parser returns; run adds the verb and usage.
func usageErr(format string, a ...any) *UsageError {
	return &UsageError{Problem: fmt.Sprintf(format, a...)}
}

// noArgs checks that a verb that takes nothing got nothing.
func noArgs(fa flagArgs, verb Verb) error {
	if len(fa.pos) > 0 {
		return usageErr("%s takes no arguments, but got %s", verb, quoteWord(fa.pos[0]))
	}
	return nil
}

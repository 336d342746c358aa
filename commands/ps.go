package commands

import "strings"

// Ps lists a service's tasks, each slot's history under its current task, like
// docker service ps.
type Ps struct {
	Service string
	// All shows every task swarm keeps for each slot, not only the latest few.
	All bool
	// NoTrunc shows whole task IDs and error messages.
	NoTrunc bool
	// DesiredState, when set, keeps only tasks swarm wants in that state:
	// running, shutdown or accepted.
	DesiredState string
}

var desiredStates = []string{"running", "shutdown", "accepted"}

var psSpec = &spec{
	verb:     VerbPs,
	kind:     Read,
	section:  sectionLook,
	synopsis: []string{"ps SERVICE [--all] [--no-trunc] [--filter desired-state=STATE]"},
	summary:  "a service's tasks, old ones under new",
	about:    "Lists the tasks of a service slot by slot: the current task of each slot, with the tasks it replaced shown under it (\\_), as docker service ps does.",
	flags: []flagDef{
		{name: "all", usage: "show every task swarm keeps for each slot, not only the latest few"},
		{name: "no-trunc", usage: "show whole task IDs and error messages"},
		{name: "filter", short: "f", arg: "desired-state=STATE", usage: "only tasks swarm wants running, shutdown or accepted"},
	},
	docker:   []string{"service ps SERVICE"},
	examples: []string{"ps ping", "ps ping --filter desired-state=running"},
	parse:    parsePs,
}

func parsePs(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	var c Ps
	for _, f := range fa.flags {
		switch f.def.name {
		case "all":
			c.All = f.value == "true"
		case "no-trunc":
			c.NoTrunc = f.value == "true"
		case "filter":
			key, val, _ := strings.Cut(f.value, "=")
			if !strings.EqualFold(key, "desired-state") {
				return nil, usageErr("ps filters by desired-state only: --filter desired-state=running, shutdown or accepted")
			}
			if c.DesiredState, err = parseEnum(val, "filter desired-state=", desiredStates...); err != nil {
				return nil, usageErr("desired-state takes running, shutdown or accepted, not %s", quoteWord(val))
			}
		}
	}
	if c.Service, err = oneService(fa, s.verb); err != nil {
		return nil, err
	}
	return c, nil
}

func (Ps) Verb() Verb         { return VerbPs }
func (Ps) Kind() Kind         { return Read }
func (c Ps) Subject() Subject { return services(c.Service) }
func (c Ps) String() string {
	l := newLine(VerbPs).word(c.Service).on("all", c.All).on("no-trunc", c.NoTrunc)
	if c.DesiredState != "" {
		l.flag("filter", "desired-state="+c.DesiredState)
	}
	return l.String()
}

// onlyService parses a command whose one argument is a service, with no
// flags but its spec's (inspect, rm, rollback).
func onlyService(s *spec, args []string) (string, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return "", err
	}
	return oneService(fa, s.verb)
}

// oneService reads the single SERVICE argument of a verb.
func oneService(fa flagArgs, verb Verb) (string, error) {
	switch len(fa.pos) {
	case 0:
		return "", usageErr("%s needs a service name", verb)
	case 1:
		return fa.pos[0], checkServiceName(fa.pos[0])
	}
	return "", usageErr("%s takes one service, but got %d: %s", verb, len(fa.pos), joinWords(fa.pos))
}

// joinWords shows words as they could be typed again, cut short when long.
func joinWords(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i == 5 {
			b.WriteString("…")
			break
		}
		writeWord(&b, shorten(w, 40))
	}
	return b.String()
}

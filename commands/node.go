package commands

import "strings"

// Drain takes a node out of service: swarm stops its tasks and starts them
// again on other nodes, like docker node update --availability drain.
type Drain struct {
	Node string
}

// Activate lets a node take tasks again. Tasks that moved away do not move
// back: swarm never rebalances running tasks on its own.
type Activate struct {
	Node string
}

// Pause stops swarm placing new tasks on a node; its running tasks stay.
type Pause struct {
	Node string
}

var drainSpec = &spec{
	verb:     VerbDrain,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"drain NODE"},
	summary:  "move all tasks off a node",
	about: "Sets a node's availability to drain: swarm shuts down its tasks and starts them again on other nodes, in the same slots. " +
		"/swarm activate NODE ends the maintenance.",
	docker:   []string{"node update --availability drain NODE"},
	examples: []string{"drain dev02"},
	parse:    parseNodeVerb(func(n string) Command { return Drain{Node: n} }),
}

var activateSpec = &spec{
	verb:     VerbActivate,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"activate NODE"},
	summary:  "let a node take tasks again",
	about: "Sets a node's availability to active. Tasks that moved away during a drain do not move back: " +
		"swarm places tasks only when they are new or replace a failed one. /swarm update --force SERVICE spreads a service again.",
	docker:   []string{"node update --availability active NODE"},
	examples: []string{"activate dev02"},
	parse:    parseNodeVerb(func(n string) Command { return Activate{Node: n} }),
}

var pauseSpec = &spec{
	verb:     VerbPause,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"pause NODE"},
	summary:  "place no new tasks on a node",
	about:    "Sets a node's availability to pause: swarm places no new tasks there, and the tasks running there keep running.",
	docker:   []string{"node update --availability pause NODE"},
	examples: []string{"pause dev02"},
	parse:    parseNodeVerb(func(n string) Command { return Pause{Node: n} }),
}

func parseNodeVerb(build func(node string) Command) func(options, *spec, []string) (Command, error) {
	return func(_ options, s *spec, args []string) (Command, error) {
		fa, err := parseFlags(s.flags, args, false)
		if err != nil {
			return nil, err
		}
		node, err := oneNode(fa, s.verb)
		if err != nil {
			return nil, err
		}
		return build(node), nil
	}
}

func oneNode(fa flagArgs, verb Verb) (string, error) {
	switch len(fa.pos) {
	case 0:
		return "", usageErr("%s needs a node name (/swarm nodes lists them)", verb)
	case 1:
		return fa.pos[0], checkNodeName(fa.pos[0])
	}
	return "", usageErr("%s takes one node, but got %d: %s", verb, len(fa.pos), joinWords(fa.pos))
}

// nodeUpdateSpec is docker's node update, which swarmbot runs for availability only.
var nodeUpdateSpec = &spec{
	synopsis: []string{
		"node update --availability drain NODE",
		"node update --availability active NODE",
		"node update --availability pause NODE",
	},
	flags: []flagDef{{name: "availability", arg: "AVAILABILITY", usage: "active, pause or drain"}},
	examples: []string{
		"node update --availability drain dev02",
		"drain dev02",
	},
	parse: parseNodeUpdate,
}

func parseNodeUpdate(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	if len(fa.flags) == 0 {
		return nil, usageErr("swarmbot changes only a node's availability: give --availability active, pause or drain")
	}
	avail, err := parseEnum(fa.flags[0].value, "availability", "active", "pause", "drain")
	if err != nil {
		return nil, err
	}
	node, err := oneNode(fa, "node update")
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(avail) {
	case "drain":
		return Drain{Node: node}, nil
	case "pause":
		return Pause{Node: node}, nil
	}
	return Activate{Node: node}, nil
}

func (Drain) Verb() Verb         { return VerbDrain }
func (Drain) Kind() Kind         { return Change }
func (c Drain) Subject() Subject { return Subject{Kind: SubjectNode, Names: []string{c.Node}} }
func (c Drain) String() string   { return newLine(VerbDrain).word(c.Node).String() }

func (Activate) Verb() Verb         { return VerbActivate }
func (Activate) Kind() Kind         { return Change }
func (c Activate) Subject() Subject { return Subject{Kind: SubjectNode, Names: []string{c.Node}} }
func (c Activate) String() string   { return newLine(VerbActivate).word(c.Node).String() }

func (Pause) Verb() Verb         { return VerbPause }
func (Pause) Kind() Kind         { return Change }
func (c Pause) Subject() Subject { return Subject{Kind: SubjectNode, Names: []string{c.Node}} }
func (c Pause) String() string   { return newLine(VerbPause).word(c.Node).String() }

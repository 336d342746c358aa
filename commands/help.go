package commands

import (
	"strconv"
	"strings"
)

// Help asks for help: the overview when Topic is "", else one command (a verb)
// or one of docker's groups ("service", "node", "swarm"). Render it with HelpText.
type Help struct {
	Topic string
}

var helpSpec = &spec{
	verb:     VerbHelp,
	kind:     Read,
	section:  sectionLook,
	synopsis: []string{"help [COMMAND]"},
	summary:  "this help, or one command in full",
	about:    "Shows the commands you may run, or one command in full with its flags and examples. COMMAND --help and -h work too.",
	examples: []string{"help", "help scale", "help service update"},
	parse:    parseHelp,
}

func parseHelp(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	words := fa.pos
	if len(words) > 0 && strings.EqualFold(words[0], "docker") {
		words = words[1:]
	}
	if len(words) == 0 {
		return Help{}, nil
	}
	first := strings.ToLower(words[0])
	if g := groupByName(first); g != nil {
		if len(words) == 1 {
			return Help{Topic: g.name}, nil
		}
		sub := strings.ToLower(words[1])
		for _, gs := range g.subs {
			if gs.name == sub && len(words) == 2 {
				if gs.verb == "" {
					return Help{Topic: g.name}, nil
				}
				return Help{Topic: string(gs.verb)}, nil
			}
		}
		if len(words) == 2 {
			return nil, usageErr("there is no help for %s %s: swarmbot does not run docker %s %s", g.name, quoteWord(words[1]), g.name, quoteWord(words[1]))
		}
	}
	if len(words) > 1 {
		return nil, usageErr("help takes one command, e.g. /swarm help scale")
	}
	if t := specByName(first); t != nil {
		return Help{Topic: string(t.verb)}, nil
	}
	e := unknownCommand(words[0])
	e.Usage = ""
	return nil, e
}

func (Help) Verb() Verb       { return VerbHelp }
func (Help) Kind() Kind       { return Read }
func (Help) Subject() Subject { return Subject{} }
func (c Help) String() string {
	if c.Topic == "" {
		return string(VerbHelp)
	}
	return string(VerbHelp) + " " + c.Topic
}

// HelpText renders help as plain text: the overview for topic "", else one
// command or docker group. The overview lists only what a may run under p;
// a command's page says whether a may run it. opts are Parse's (MaxReplicas
// shows in the text).
func HelpText(topic string, p Policy, a Actor, opts ...Option) string {
	o := newOptions(opts)
	if g := groupByName(topic); g != nil {
		return groupUsage(g)
	}
	s := specByName(topic)
	if s == nil {
		return overview(p, a)
	}
	var b strings.Builder
	b.WriteString("/swarm ")
	b.WriteString(string(s.verb))
	b.WriteString(" — ")
	b.WriteString(s.summary)
	b.WriteString("\n\n")
	b.WriteString(strings.ReplaceAll(s.about, "{max}", strconv.FormatUint(o.maxReplicas, 10)))
	b.WriteString("\n\n")
	b.WriteString(s.usage(o))
	b.WriteString("\n\n")
	b.WriteString(mayNote(s, p, a))
	return b.String()
}

// mayNote says whether a may run the verb and whether it waits for approval.
func mayNote(s *spec, p Policy, a Actor) string {
	if !p.MayRun(a, s.verb) {
		if s.section == sectionDecide {
			return "Only approvers may " + string(s.verb) + " requests; you may not."
		}
		return "Only operators may run " + string(s.verb) + "; ask one of them."
	}
	var notes []string
	switch {
	case s.kind == Read:
		notes = append(notes, "Anyone may run this.")
	case s.section == sectionDecide:
		if p.SelfApproval {
			notes = append(notes, "You may decide requests, your own included.")
		} else {
			notes = append(notes, "You may decide requests, but not your own.")
		}
	default:
		notes = append(notes, "You may run this.")
		if p.NeedsApproval(verbOnly(s.verb)) {
			notes = append(notes, "It waits until an approver presses Approve (or types /swarm approve ID).")
		}
	}
	if s.verb == VerbUnlock {
		if p.IsAdmin(a) {
			notes = append(notes, "As an admin you may release anyone's lock with --force.")
		} else {
			notes = append(notes, "--force, which releases a lock someone else holds, is for admins.")
		}
	}
	return strings.Join(notes, " ")
}

// verbOnly is a command that is only a verb, for Policy.NeedsApproval in help.
type verbOnly Verb

func (v verbOnly) Verb() Verb       { return Verb(v) }
func (v verbOnly) Kind() Kind       { return Verb(v).Kind() }
func (v verbOnly) Subject() Subject { return Subject{} }
func (v verbOnly) String() string   { return string(v) }

func overview(p Policy, a Actor) string {
	var b strings.Builder
	b.WriteString("swarmbot runs docker's service and node commands on the swarm.\n")
	b.WriteString("Type a command after /swarm as you would after docker.\n")

	sections := []struct {
		sec   section
		title string
	}{{sectionLook, "Look"}, {sectionChange, "Change"}, {sectionDecide, "Decide"}}
	var refusedChange, refusedDecide bool
	for _, sec := range sections {
		var rows [][2]string
		width := 0
		for _, s := range specs {
			if s.section != sec.sec {
				continue
			}
			if !p.MayRun(a, s.verb) {
				if sec.sec == sectionDecide {
					refusedDecide = true
				} else {
					refusedChange = true
				}
				continue
			}
			left := "/swarm " + s.brief()
			desc := s.summary
			if s.kind == Change && p.NeedsApproval(verbOnly(s.verb)) {
				desc += " (needs approval)"
			}
			rows = append(rows, [2]string{left, desc})
			width = max(width, textWidth(left))
		}
		if len(rows) == 0 {
			continue
		}
		b.WriteString("\n")
		b.WriteString(sec.title)
		b.WriteString(":\n")
		for _, r := range rows {
			b.WriteString("  ")
			b.WriteString(r[0])
			b.WriteString(strings.Repeat(" ", width-textWidth(r[0])+2))
			b.WriteString(r[1])
			b.WriteByte('\n')
		}
	}
	if refusedChange {
		b.WriteString("\nChanges are for operators; you may look. Ask an operator to change something.\n")
	}
	if refusedDecide && !refusedChange {
		b.WriteString("\nApproving requests is for approvers.\n")
	}

	b.WriteString("\nExamples:\n")
	examples := []string{"ps ping", "logs ping --tail 20"}
	if p.MayRun(a, VerbScale) {
		examples = []string{"ps ping", "scale ping=4", "update ping alpine:3.7", "service update --image alpine:3.7 ping"}
	}
	for _, e := range examples {
		b.WriteString("  /swarm ")
		b.WriteString(e)
		b.WriteByte('\n')
	}
	b.WriteString("\nDocker's spelling works too: /swarm help service, /swarm help node.\n")
	b.WriteString("Type /swarm help COMMAND for one command in full, e.g. /swarm help update.")
	return b.String()
}

// brief is the verb's first form, cut before its flags, for the overview.
func (s *spec) brief() string {
	syn := s.synopsis[0]
	if i := strings.Index(syn, " [--"); i > 0 {
		syn = syn[:i]
	}
	return syn
}

package commands

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// section groups verbs in help.
type section int

const (
	sectionLook section = iota
	sectionChange
	sectionDecide
)

// spec describes one verb: how to type it, what it does, and how to parse it.
// Each verb's file holds its spec next to its type.
type spec struct {
	verb     Verb
	kind     Kind
	section  section
	aliases  []string // other names at the top level (docker's: list, remove)
	synopsis []string // how to type it, after "/swarm "
	summary  string   // one line, for the overview and README
	about    string   // more, for /swarm help VERB
	flags    []flagDef
	docker   []string // docker's spellings that also work, after "/swarm "
	examples []string // after "/swarm "
	parse    func(o options, s *spec, args []string) (Command, error)
}

// specs lists every verb in help's order; filled in by init to keep the
// parsers (which render usage from specs) out of an initialisation cycle.
var (
	specs     []*spec
	specIndex map[string]*spec
)

func init() {
	specs = []*spec{
		lsSpec, psSpec, inspectSpec, logsSpec, nodesSpec, infoSpec, locksSpec, auditSpec, helpSpec,
		createSpec, scaleSpec, updateSpec, rollbackSpec, rmSpec,
		drainSpec, activateSpec, pauseSpec, historyLimitSpec, lockSpec, unlockSpec,
		approveSpec, denySpec,
	}
	specIndex = make(map[string]*spec, len(specs)+4)
	for _, s := range append(specs, nodeUpdateSpec, swarmUpdateSpec) {
		if len(s.flags) > 64 {
			panic("commands: parseFlags tracks at most 64 flags per verb") // a programming error, caught by any test
		}
	}
	for _, s := range specs {
		specIndex[string(s.verb)] = s
		for _, a := range s.aliases {
			specIndex[a] = s
		}
	}
}

func specFor(v Verb) *spec { return specIndex[string(v)] }

func specByName(name string) *spec { return specIndex[name] }

// usage renders how to type the verb: its forms, flags, docker's spellings
// and examples, as plain text.
func (s *spec) usage(o options) string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, syn := range s.synopsis {
		b.WriteString("  /swarm ")
		b.WriteString(syn)
		b.WriteByte('\n')
	}
	writeFlags(&b, s.flags, o)
	if len(s.docker) > 0 {
		b.WriteString("\nDocker's spelling works too:\n")
		for _, d := range s.docker {
			b.WriteString("  /swarm ")
			b.WriteString(d)
			b.WriteByte('\n')
		}
	}
	if len(s.examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, e := range s.examples {
			b.WriteString("  /swarm ")
			b.WriteString(e)
			b.WriteByte('\n')
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeFlags(b *strings.Builder, flags []flagDef, o options) {
	var shown []flagDef
	width := 0
	for _, f := range flags {
		if f.hidden || f.refused != "" {
			continue
		}
		shown = append(shown, f)
		width = max(width, textWidth(flagLeft(f)))
	}
	if len(shown) == 0 {
		return
	}
	b.WriteString("\nFlags:\n")
	for _, f := range shown {
		left := flagLeft(f)
		b.WriteString("  ")
		b.WriteString(left)
		b.WriteString(strings.Repeat(" ", width-textWidth(left)+2))
		b.WriteString(strings.ReplaceAll(f.usage, "{max}", strconv.FormatUint(o.maxReplicas, 10)))
		b.WriteByte('\n')
	}
}

func flagLeft(f flagDef) string {
	left := "    --" + f.name
	if f.short != "" {
		left = "-" + f.short + ", --" + f.name
	}
	if f.arg != "" {
		left += " " + f.arg
	}
	return left
}

// overviewUsage is the usage shown when no command was recognised.
func overviewUsage() string {
	var b strings.Builder
	b.WriteString("Usage: /swarm COMMAND [ARGS…]\n\nCommands:")
	for i, s := range specs {
		if i%8 == 0 {
			b.WriteString("\n ")
		}
		b.WriteByte(' ')
		b.WriteString(string(s.verb))
	}
	b.WriteString("\n\nType /swarm help for what each one does, or /swarm help COMMAND.")
	return b.String()
}

// groupUsage lists docker's spellings in one group that swarmbot runs.
func groupUsage(g *dockerGroup) string {
	var b strings.Builder
	b.WriteString("Docker's ")
	b.WriteString(g.name)
	b.WriteString(" commands that swarmbot runs:\n")
	var lines [][2]string
	width := 0
	for _, s := range specs {
		for _, d := range s.docker {
			if strings.HasPrefix(d, g.name+" ") {
				left := "/swarm " + d
				lines = append(lines, [2]string{left, "/swarm " + s.brief()})
				width = max(width, textWidth(left))
			}
		}
	}
	for _, l := range lines {
		b.WriteString("  ")
		b.WriteString(l[0])
		b.WriteString(strings.Repeat(" ", width-textWidth(l[0])+2))
		b.WriteString("same as ")
		b.WriteString(l[1])
		b.WriteByte('\n')
	}
	b.WriteString("\nType /swarm help for every command.")
	return b.String()
}

// textWidth is how many characters s shows, for lining up columns.
func textWidth(s string) int { return utf8.RuneCountInString(s) }

// MarkdownTable renders every /swarm command as a Markdown table for README:
// how to type it, what it does, docker's spelling, and whether it reads or
// changes (with "approval" for the verbs that wait for one by default).
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Command | What it does | Docker's spelling | Kind |\n|---|---|---|---|\n")
	for _, s := range specs {
		kind := s.kind.String()
		if (Policy{}).NeedsApproval(verbOnly(s.verb)) {
			kind += ", needs approval"
		}
		b.WriteString("| ")
		b.WriteString(codeList("/swarm ", s.synopsis))
		b.WriteString(" | ")
		b.WriteString(s.summary)
		b.WriteString(" | ")
		b.WriteString(codeList("", s.docker))
		b.WriteString(" | ")
		b.WriteString(kind)
		b.WriteString(" |\n")
	}
	return b.String()
}

// codeList writes items as Markdown code spans, "—" when there are none.
func codeList(prefix string, items []string) string {
	if len(items) == 0 {
		return "—"
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = "`" + prefix + strings.ReplaceAll(it, "|", "\\|") + "`"
	}
	return strings.Join(out, "<br>")
}

package commands

import (
	"strings"
	"testing"

	"github.com/swarmbot/swarmbot/internal/golden"
)

func TestHelpGolden(t *testing.T) {
	for _, tc := range []struct {
		file  string
		topic string
		p     Policy
		a     Actor
	}{
		{"overview-everyone", "", Policy{}, carol},
		{"overview-reader", "", ops, carol},
		{"overview-operator", "", ops, ann},
		{"overview-approver", "", ops, bob},
		{"overview-no-approvals", "", Policy{ApprovalRequired: []string{}, SelfApproval: true}, carol},
		{"drain-reader", "drain", ops, carol},
		{"unlock-admin", "unlock", ops, dave},
		{"approve-operator", "approve", ops, ann},
		{"approve-self", "approve", Policy{SelfApproval: true}, carol},
		{"service", "service", Policy{}, carol},
		{"node", "node", Policy{}, carol},
		{"swarm", "swarm", Policy{}, carol},
	} {
		t.Run(tc.file, func(t *testing.T) {
			golden.Check(t, "help/"+tc.file+".golden", HelpText(tc.topic, tc.p, tc.a)+"\n")
		})
	}
	for _, v := range Verbs() {
		t.Run(string(v), func(t *testing.T) {
			golden.Check(t, "help/"+string(v)+".golden", HelpText(string(v), Policy{}, carol)+"\n")
		})
	}
}

// TestHelpListsWhatTheCallerMayRun checks the overview against the policy,
// verb by verb, rather than trusting the golden files alone.
func TestHelpListsWhatTheCallerMayRun(t *testing.T) {
	for _, a := range []Actor{ann, bob, carol, dave} {
		text := HelpText("", ops, a)
		for _, v := range Verbs() {
			listed := strings.Contains(text, "/swarm "+string(v)+" ") || strings.Contains(text, "/swarm "+string(v)+"\n")
			if may := ops.MayRun(a, v); listed != may {
				t.Errorf("help for %s: %s listed = %v, but MayRun = %v", a.Name, v, listed, may)
			}
		}
	}
}

// TestHelpExamplesParse checks that every example a user may copy from help
// or usage parses, to the verb it illustrates.
func TestHelpExamplesParse(t *testing.T) {
	for _, s := range specs {
		for _, e := range s.examples {
			c, err := Parse(e)
			if err != nil {
				t.Errorf("%s: example %q: %v", s.verb, e, err)
				continue
			}
			if c.Verb() != s.verb && !(s.verb == VerbHelp && c.Verb() == VerbHelp) {
				t.Errorf("%s: example %q parses to %s", s.verb, e, c.Verb())
			}
		}
	}
	for _, s := range []*spec{nodeUpdateSpec, swarmUpdateSpec} {
		for _, e := range s.examples {
			if _, err := Parse(e); err != nil {
				t.Errorf("example %q: %v", e, err)
			}
		}
	}
	for _, a := range []Actor{ann, carol} {
		_, examples, ok := strings.Cut(HelpText("", ops, a), "\nExamples:\n")
		examples, _, _ = strings.Cut(examples, "\n\n")
		if !ok || examples == "" {
			t.Fatalf("the overview for %s has no examples", a.Name)
		}
		for _, line := range strings.Split(examples, "\n") {
			line = strings.TrimSpace(line)
			if _, err := Parse(strings.TrimPrefix(line, "/swarm ")); err != nil || !strings.HasPrefix(line, "/swarm ") {
				t.Errorf("overview example %q: %v", line, err)
			}
		}
	}
}

func TestMarkdownTable(t *testing.T) {
	golden.Check(t, "commands-table.golden", MarkdownTable())
}

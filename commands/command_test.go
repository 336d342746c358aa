package commands

import (
	"reflect"
	"testing"
)

// TestSubjectAndKind pins what each command reads or changes: deploy picks its
// lock from the subject, and policy its rule from the kind.
func TestSubjectAndKind(t *testing.T) {
	for _, tc := range []struct {
		in      string
		kind    Kind
		subject Subject
	}{
		{"ls", Read, Subject{}},
		{"ps ping", Read, Subject{SubjectServices, []string{"ping"}}},
		{"inspect ping", Read, Subject{SubjectServices, []string{"ping"}}},
		{"logs ping", Read, Subject{SubjectServices, []string{"ping"}}},
		{"nodes", Read, Subject{}},
		{"info", Read, Subject{Kind: SubjectSwarm}},
		{"locks", Read, Subject{}},
		{"audit", Read, Subject{}},
		{"audit ping", Read, Subject{SubjectServices, []string{"ping"}}},
		{"help scale", Read, Subject{}},
		{"create alpine", Change, Subject{Kind: SubjectServices}},
		{"create --name ping alpine", Change, Subject{SubjectServices, []string{"ping"}}},
		{"scale web=2 ping=4", Change, Subject{SubjectServices, []string{"web", "ping"}}},
		{"update ping alpine:3.7", Change, Subject{SubjectServices, []string{"ping"}}},
		{"rollback ping", Change, Subject{SubjectServices, []string{"ping"}}},
		{"rm ping", Change, Subject{SubjectServices, []string{"ping"}}},
		{"drain dev02", Change, Subject{SubjectNode, []string{"dev02"}}},
		{"activate dev02", Change, Subject{SubjectNode, []string{"dev02"}}},
		{"pause dev02", Change, Subject{SubjectNode, []string{"dev02"}}},
		{"history-limit 3", Change, Subject{Kind: SubjectSwarm}},
		{"lock ping", Change, Subject{SubjectLock, []string{"ping"}}},
		{"unlock ping --force", Change, Subject{SubjectLock, []string{"ping"}}},
		{"approve r1", Change, Subject{SubjectApproval, []string{"r1"}}},
		{"deny r1", Change, Subject{SubjectApproval, []string{"r1"}}},
	} {
		c := mustParse(t, tc.in)
		if c.Kind() != tc.kind || c.Verb().Kind() != tc.kind {
			t.Errorf("%q: kind %s (verb's %s), want %s", tc.in, c.Kind(), c.Verb().Kind(), tc.kind)
		}
		if got := c.Subject(); !reflect.DeepEqual(got, tc.subject) {
			t.Errorf("%q: subject %+v, want %+v", tc.in, got, tc.subject)
		}
	}
	if k := Verb("frobnicate").Kind(); k != Change {
		t.Errorf("an unknown verb's kind is %s; it must count as a change", k)
	}
}

// TestEveryVerbParses makes sure the table of verbs, the parse cases and the
// help pages cover every verb.
func TestEveryVerbParses(t *testing.T) {
	seen := map[Verb]bool{}
	for _, tc := range parseCases {
		seen[tc.want.Verb()] = true
	}
	for _, v := range Verbs() {
		if !seen[v] {
			t.Errorf("no parse case for %s", v)
		}
		if specFor(v) == nil || specFor(v).summary == "" || specFor(v).about == "" || len(specFor(v).examples) == 0 {
			t.Errorf("%s lacks a summary, about text or examples", v)
		}
	}
}

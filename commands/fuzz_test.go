package commands

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics and that every command it returns
// has a canonical text that parses back to an equal command (read as typed,
// and as Slack would deliver it); everything else is a *UsageError.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in, false)
	}
	for _, in := range errorCases {
		f.Add(in, false)
	}
	for _, in := range slackCases {
		f.Add(in.in, true)
	}
	f.Fuzz(func(t *testing.T, text string, slack bool) {
		opts := []Option{MaxLength(300), MaxReplicas(50)}
		if slack {
			opts = append(opts, FromSlack())
		}
		cmd, err := Parse(text, opts...)
		if err != nil && cmd != nil {
			t.Fatalf("Parse(%q) returned both a command and an error", text)
		}
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) = %T %v, want a *UsageError", text, err, err)
			}
			if ue.Problem == "" || ue.Usage == "" || !utf8.ValidString(ue.Error()) {
				t.Fatalf("Parse(%q): error without problem or usage, or not UTF-8: %q", text, ue.Error())
			}
			return
		}
		canonical := cmd.String()
		again, err := Parse(canonical, MaxLength(300), MaxReplicas(50))
		if err != nil {
			t.Fatalf("Parse(%q) = %s, whose canonical text does not parse: %v", text, canonical, err)
		}
		if !reflect.DeepEqual(cmd, again) {
			t.Fatalf("Parse(%q) = %#v\ncanonical %q parses to %#v", text, cmd, canonical, again)
		}
		if again.String() != canonical {
			t.Fatalf("canonical text moved: %q, then %q", canonical, again.String())
		}
		viaSlack, err := Parse(slackEscape(canonical), MaxLength(300), MaxReplicas(50), FromSlack())
		if err != nil || !reflect.DeepEqual(cmd, viaSlack) {
			t.Fatalf("canonical %q sent through Slack parses to %#v, %v", canonical, viaSlack, err)
		}
		if cmd.Kind() != cmd.Verb().Kind() {
			t.Fatalf("%s: Kind %s, but its verb's is %s", canonical, cmd.Kind(), cmd.Verb().Kind())
		}
		_ = cmd.Subject()
	})
}

// slackEscape does to typed text what Slack does before a bot sees it.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

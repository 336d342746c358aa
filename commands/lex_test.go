package commands

import (
	"reflect"
	"strings"
	"testing"
)

func TestLex(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", []string{}, ""},
		{"  a  b\tc\n", []string{"a", "b", "c"}, ""},
		{"a\u00a0b\u2009c\u3000d", []string{"a", "b", "c", "d"}, ""},
		{"a\u200bb \ufeffc", []string{"ab", "c"}, ""},
		{`"a b" 'c d'`, []string{"a b", "c d"}, ""},
		{`"" ''`, []string{"", ""}, ""},
		{`a"b c"d`, []string{"ab cd"}, ""},
		{`x=“a b”`, []string{"x=a b"}, ""},
		{`“a b” ‘c d’ „e f“`, []string{"a b", "c d", "e f"}, ""},
		{`don’t it’s`, []string{"don’t", "it’s"}, ""},
		{`‘don’t stop’`, []string{"don’t stop"}, ""},
		{`5” 6’`, []string{"5”", "6’"}, ""},
		{`don't`, []string{"don't"}, ""},
		{`don't 'a b'`, []string{"don't", "a b"}, ""},
		{`'don't panic' x`, []string{"don't panic", "x"}, ""},
		{`5" screen`, []string{`5"`, "screen"}, ""},
		{`5" "a b"`, []string{`5 a`, `b"`}, ""}, // as a shell reads it: the second quote closes the first
		{`it's 'x`, nil, "a quote is never closed: 'x"},
		{`a\ b \"c`, []string{"a b", `"c`}, ""},
		{`"a \"b\" \\ \n \“"`, []string{`a "b" \ \n “`}, ""},
		{`'a \ b'`, []string{`a \ b`}, ""},
		{"\"a\nb\tc\"", []string{"a b c"}, ""},
		{"trailing\\", []string{`trailing\`}, ""},
		{"a\\\tb c\\\nd", []string{"a b", "c d"}, ""}, // an escaped tab or line break is a space
		{`"open`, nil, `a quote is never closed: "open`},
		{`“open`, nil, `a quote is never closed: “open`},
		{"a\x00b", nil, "U+0000"},
		{"a\u202eb", nil, "U+202E"},
		{"\"a\x1bb\"", nil, "U+001B"},
		{"a\xffb", nil, "not valid UTF-8"},
		{"👨\u200d👩", []string{"👨\u200d👩"}, ""},
		{"—force –image=x a—b", []string{"--force", "--image=x", "a—b"}, ""},
		{"\"—quoted\"", []string{"—quoted"}, ""},
	} {
		got, err := lex(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("lex(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("lex(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestQuoteWord checks that lex reads back every word quoteWord writes.
func TestQuoteWord(t *testing.T) {
	for _, w := range []string{
		"", "ping", "docker.com", "a b", `"`, `'`, `\`, "“”„‟", "‘’", "don’t", "a=b c", "--", "-x",
		"nbsp\u00a0here", "—dash", "–dash", "it's", "'a b'", "x'", "5\" screen", "점검", "🚀", `\"`, `a\`, "=“x”",
	} {
		q := quoteWord(w)
		got, err := lex(q)
		if err != nil || len(got) != 1 || got[0] != w {
			t.Errorf("quoteWord(%q) = %s, which lexes to %q, %v", w, q, got, err)
		}
	}
	for w, want := range map[string]string{"ping": "ping", "alpine:3.7": "alpine:3.7", "a b": `"a b"`, "": `""`, `say "hi"`: `"say \"hi\""`} {
		if got := quoteWord(w); got != want {
			t.Errorf("quoteWord(%q) = %s, want %s", w, got, want)
		}
	}
}

func TestDecodeSlack(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                            "plain",
		"<http://docker.com|docker.com>":   "docker.com",
		"<https://x.io/a?b=1&amp;c=2>":     "https://x.io/a?b=1&c=2",
		"<mailto:a@b.io|a@b.io>":           "a@b.io",
		"<mailto:a@b.io>":                  "a@b.io",
		"<@U1> <@U2|bo> <#C1> <#C2|ops>":   "@U1 @bo #C1 #ops",
		"<!here> <!channel> <!subteam^S1>": "@here @channel @S1",
		"a &lt;b&gt; &amp;amp; c":          "a <b> &amp; c",
		"1 < 2 and <not closed":            "1 < 2 and <not closed",
		"<<http://a.io|a.io>":              "<a.io",
		"&amp":                             "&amp",
		"<http://x.io|a &amp; b>":          "a & b",
	} {
		if got := decodeSlack(in); got != want {
			t.Errorf("decodeSlack(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClosest(t *testing.T) {
	verbs := []string{"ls", "ps", "scale", "update", "rollback", "rm", "history-limit", "drain", "deny"}
	for in, want := range map[string]string{
		"sacle":                 "scale", // a swap is one edit
		"scael":                 "scale",
		"updte":                 "update",
		"UPDATE":                "update",
		"rolback":               "rollback",
		"roll":                  "rollback", // the only verb it begins
		"histroy-limt":          "history-limit",
		"lss":                   "ls",
		"xyz":                   "",
		"dra":                   "drain", // begins only drain: "deny" is 2 edits away, over the limit for 3 letters
		"":                      "",
		"q":                     "",
		strings.Repeat("a", 50): "",
	} {
		if got := closest(in, verbs); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}

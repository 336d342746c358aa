package slack

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a & b", "a &amp; b"},
		{"<!channel> ping", "&lt;!channel&gt; ping"},
		{"<@U123|boss>", "&lt;@U123|boss&gt;"},
		{"<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"&amp; already", "&amp;amp; already"},
	} {
		if got := escape(tc.in); got != tc.want {
			t.Errorf("escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMentionAndPerson(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"U123ABC", "<@U123ABC>"},
		{"W0001", "<@W0001>"},
		{"S0SRE", "<!subteam^S0SRE>"},
		{"C0OPS", "<#C0OPS>"},
		{"alice", "alice"},
		{"<!here>", "&lt;!here&gt;"},
		{"u123", "u123"},
	} {
		if got := mention(tc.id); got != tc.want {
			t.Errorf("mention(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
	if got := person("alice", "Alice <3"); got != "Alice &lt;3" {
		t.Errorf("person without a Slack ID = %q", got)
	}
	if got := person("U1X", "alice"); got != "<@U1X>" {
		t.Errorf("person with a Slack ID = %q", got)
	}
}

// escapeAround keeps the mentions it made and escapes everything else, even
// text that imitates its own placeholders or Slack's markup.
func TestEscapeAround(t *testing.T) {
	got := escapeAround(func(name func(string) string) string {
		return "only " + name("S0SRE") + " or " + name("U1X") + " may run <!channel> & \x00fake:0\x00"
	})
	want := "only <!subteam^S0SRE> or <@U1X> may run &lt;!channel&gt; &amp; \x00fake:0\x00"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijkl", 5, "abcd…"},
		{"ab &amp; cd", 6, "ab …"},    // never half an entity
		{"hi <@U123> x", 8, "hi …"},   // never half a mention
		{"héllo wörld", 7, "héllo …"}, // counts characters, not bytes
		{"a &amp; b &lt", 12, "a &amp; b …"},
	} {
		if got := cut(tc.in, tc.n); got != tc.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if got := cut(tc.in, tc.n); runes(got) > tc.n {
			t.Errorf("cut(%q, %d) is %d characters", tc.in, tc.n, runes(got))
		}
	}
}

func TestCodeChunks(t *testing.T) {
	t.Run("escaped and fenced", func(t *testing.T) {
		got := codeChunks([]string{"ID  NAME", "x1  <ping> & ```pong```"})
		want := "```\nID  NAME\nx1  &lt;ping&gt; &amp; ``\u200b`pong``\u200b`\n```"
		if len(got) != 1 || got[0] != want {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("split between lines within the limit", func(t *testing.T) {
		var lines []string
		for range 500 {
			lines = append(lines, strings.Repeat("x", 29)) // 30 with its newline
		}
		chunks := codeChunks(lines)
		if len(chunks) < 5 {
			t.Fatalf("%d chunks for 15000 characters", len(chunks))
		}
		total := 0
		for _, c := range chunks {
			if n := runes(c); n > maxSectionText {
				t.Errorf("chunk of %d characters", n)
			}
			if !strings.HasPrefix(c, "```\n") || !strings.HasSuffix(c, "\n```") {
				t.Errorf("chunk not fenced: %.20q…", c)
			}
			total += strings.Count(strings.Trim(c, "`\n"), "\n") + 1
		}
		if total != 500 {
			t.Errorf("%d lines in the chunks, want 500", total)
		}
	})
	t.Run("a line too long is cut", func(t *testing.T) {
		chunks := codeChunks([]string{strings.Repeat("<", 2000)}) // 8000 once escaped
		if len(chunks) != 1 || runes(chunks[0]) > maxSectionText || !strings.HasSuffix(chunks[0], "…\n```") {
			t.Fatalf("got %d chunks, first %d characters", len(chunks), runes(chunks[0]))
		}
	})
	if codeChunks(nil) != nil {
		t.Error("no lines gave chunks")
	}
}

// A failed answer through a response URL never shows the URL, which can post
// in the channel for half an hour.
func TestResponseURLStaysOutOfErrors(t *testing.T) {
	secret := "https://hooks.slack.com/commands/T1/123/s3cr3t"
	err := fmt.Errorf("answering through the response URL: %w", hideURL{&url.Error{Op: "Post", URL: secret, Err: errors.New("dial tcp: connection refused")}})
	if got := err.Error(); strings.Contains(got, "s3cr3t") || !strings.Contains(got, "connection refused") {
		t.Errorf("error = %q, want the cause without the URL", got)
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Error("the *url.Error is no longer reachable with errors.As")
	}
}

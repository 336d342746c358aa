package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"
)

// Slack's limits on a message (Block Kit reference, chat.postMessage).
const (
	maxBlocks      = 50    // blocks in one message
	maxSectionText = 3000  // characters of a section's text
	maxContextText = 2000  // characters of one context element (Slack's limit for text objects there)
	maxMessageText = 40000 // characters of a message's text; Slack truncates beyond
	maxFallback    = 3000  // the text shown in notifications: kept short on purpose
)

// message is what the bot writes: blocks, and the plain fallback text Slack
// shows in notifications and where blocks cannot be shown. Both are mrkdwn,
// escaped already.
type message struct {
	Text   string
	Blocks []slackgo.Block
	// File, when set, is attached in the message's thread: a body too long
	// for a message.
	File *file
}

// file is a text too long for a message, uploaded beside it.
type file struct {
	Name    string
	Title   string
	Content string
}

// runes counts characters the way Slack's limits do.
func runes(s string) int { return utf8.RuneCountInString(s) }

// cut shortens s to at most n characters, the last one an ellipsis.
func cut(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	r := []rune(s)
	out := string(r[:n-1])
	// Never leave half an entity (&amp;) or half a mention (<@U1>) behind.
	if i := strings.LastIndexAny(out, "&<"); i >= 0 && !strings.ContainsAny(out[i:], ";>") {
		out = out[:i]
	}
	return out + "…"
}

// section is a mrkdwn section; text is cut to Slack's limit.
func section(text string) *slackgo.SectionBlock {
	return slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, cut(text, maxSectionText), false, false), nil, nil)
}

// contextLine is a context block (small grey text) of one mrkdwn element.
func contextLine(text string) *slackgo.ContextBlock {
	return slackgo.NewContextBlock("", slackgo.NewTextBlockObject(slackgo.MarkdownType, cut(text, maxContextText), false, false))
}

// fence is what wraps a code block.
const fence = "```"

// codeChunks splits preformatted text into code blocks of at most
// maxSectionText characters each, breaking between lines, after escaping.
// A line too long for one block is cut.
func codeChunks(lines []string) []string {
	const room = maxSectionText - 2*len(fence) - 2 // the fences and their newlines
	var chunks []string
	var b strings.Builder
	n := 0
	flush := func() {
		if n > 0 {
			chunks = append(chunks, fence+"\n"+b.String()+"\n"+fence)
			b.Reset()
			n = 0
		}
	}
	for _, l := range lines {
		l = cut(codeSafe(escape(l)), room)
		need := runes(l)
		if n > 0 {
			need++ // the newline before it
		}
		if n+need > room {
			flush()
			need = runes(l)
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		n += need
	}
	flush()
	return chunks
}

// codeSafe keeps a line from closing its code block early.
func codeSafe(s string) string {
	return strings.ReplaceAll(s, fence, "``\u200b`")
}

// splitLines splits preformatted text into lines, without the trailing empty one.
func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// plural writes a count with its noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// fallback builds the notification text: the first line, kept short.
func fallback(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return cut(first, maxFallback)
}

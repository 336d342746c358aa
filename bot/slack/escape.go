package slack

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
)

// escaper turns the three characters mrkdwn gives a meaning to into entities,
// as Slack asks: nothing a person or the Engine wrote can become a mention, a
// link, a channel-wide broadcast or a broken message.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes plain text safe to put in mrkdwn.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return escaper.Replace(s)
}

// isUserID reports whether id looks like a Slack user ID (U… or W…).
func isUserID(id string) bool { return isID(id, "UW") }

// isID reports whether id is a Slack ID starting with one of first: an upper
// case letter, then upper case letters and digits.
func isID(id, first string) bool {
	if len(id) < 2 || !strings.ContainsRune(first, rune(id[0])) {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// mention writes a Slack ID as Slack's markup: <@U…> for a person, <!subteam^S…>
// for a user group, <#C…> for a channel. Anything else is shown as text.
func mention(id string) string {
	switch {
	case isID(id, "UW"):
		return "<@" + id + ">"
	case isID(id, "S"):
		return "<!subteam^" + id + ">"
	case isID(id, "CGD"):
		return "<#" + id + ">"
	}
	return escape(id)
}

// person writes someone known by ID and name: a mention when the ID is a Slack
// user's, else the name, escaped.
func person(id, name string) string {
	if isUserID(id) {
		return mention(id)
	}
	if name == "" {
		name = id
	}
	return escape(name)
}

// escapeAround renders text with render, which names Slack IDs by calling the
// function it is given; everything is escaped except those names' markup.
// It is how a plain text that names people (a policy refusal) becomes mrkdwn
// with working mentions and nothing else live.
func escapeAround(render func(name func(id string) string) string) string {
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	mark := "\x00" + hex.EncodeToString(nonce[:]) + ":"
	var marks []string
	text := render(func(id string) string {
		marks = append(marks, mention(id))
		return mark + strconv.Itoa(len(marks)-1) + "\x00"
	})
	text = escape(text)
	for i, m := range marks {
		text = strings.ReplaceAll(text, mark+strconv.Itoa(i)+"\x00", m)
	}
	return text
}

// link writes a link with an escaped label; url must be one this package built.
func link(url, label string) string {
	return "<" + url + "|" + escape(label) + ">"
}

// code writes a short text as inline code, or as plain escaped text when it
// holds a backtick (mrkdwn cannot escape one inside inline code).
func code(s string) string {
	if s == "" || strings.ContainsAny(s, "`\n") {
		return escape(s)
	}
	return "`" + escape(s) + "`"
}

// bold writes text in bold, or plain when it holds a character that would end
// the bold early.
func bold(s string) string {
	if s == "" || strings.ContainsAny(s, "*\n") {
		return escape(s)
	}
	return "*" + escape(s) + "*"
}

package commands

import "strings"

// decodeSlack undoes what Slack does to the text of a slash command or message
// before it reaches a bot: it escapes &, < and > as entities, and wraps what
// looks like a link, an address, a mention or a channel in <…|…>. Typing
// docker.com arrives as <http://docker.com|docker.com>; this returns docker.com.
//
// Only text from Slack may go through here: there every literal < or & has been
// escaped, so each <…> is Slack's own markup and decoding is exact.
func decodeSlack(s string) string {
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			if j := strings.IndexAny(s[i+1:], "<>"); j >= 0 && s[i+1+j] == '>' {
				b.WriteString(unescapeSlack(unwrapSlack(s[i+1 : i+1+j])))
				i += j + 2
				continue
			}
		case '&':
			if e, r, ok := slackEntity(s[i:]); ok {
				b.WriteByte(r)
				i += len(e)
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// unwrapSlack returns the text a person typed for the inside of one <…>:
// the label after "|" when there is one, else the target without "mailto:".
func unwrapSlack(inner string) string {
	target, label, hasLabel := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"): // <@U123|ann>, <#C123|ops>
		if hasLabel {
			return target[:1] + strings.TrimPrefix(label, target[:1])
		}
		return target
	case strings.HasPrefix(target, "!"): // <!here>, <!subteam^S123|@sre>, <!date^…|fallback>
		if hasLabel {
			return label
		}
		name, _, _ := strings.Cut(target[1:], "^")
		if name == "subteam" {
			_, id, _ := strings.Cut(target, "^")
			return "@" + id
		}
		return "@" + name
	}
	if hasLabel {
		return label
	}
	return strings.TrimPrefix(target, "mailto:")
}

func unescapeSlack(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if e, r, ok := slackEntity(s[i:]); ok {
			b.WriteByte(r)
			i += len(e)
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// slackEntity reports whether s starts with one of the three entities Slack uses.
func slackEntity(s string) (entity string, r byte, ok bool) {
	switch {
	case strings.HasPrefix(s, "&amp;"):
		return "&amp;", '&', true
	case strings.HasPrefix(s, "&lt;"):
		return "&lt;", '<', true
	case strings.HasPrefix(s, "&gt;"):
		return "&gt;", '>', true
	}
	return "", 0, false
}

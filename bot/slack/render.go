package slack

import (
	"errors"
	"fmt"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/deploy"
)

// How much of a long body (a ps of 100 slots, logs) a message shows. A
// channel stays readable on a phone: beyond a screenful, the first lines are
// shown and the whole text is attached as a file in the message's thread. A
// private reply cannot carry a file, so it shows more, and beyond that says
// what it left out and how to ask for less.
type bodyLimits struct {
	lines, chunks int // a body this long is shown whole if it fits in this many code blocks…
	preview       int // …otherwise these many lines are shown
}

var (
	publicBody  = bodyLimits{lines: 40, chunks: 3, preview: 20}
	privateBody = bodyLimits{lines: 100, chunks: 8, preview: 40}
)

// renderer renders deploy's types in Block Kit. Its zero value works; links
// to messages need the workspace's URL.
type renderer struct {
	// workspace is the workspace's URL (https://acme.slack.com/), from
	// auth.test, for links to threads; empty: threads are named, not linked.
	workspace string
}

// replyIcons mark what is not a plain answer.
var replyIcons = map[deploy.ReplyKind]string{
	deploy.ReplyRefusal: ":no_entry: ",
	deploy.ReplyError:   ":warning: ",
}

// Reply renders an answer to req. For a public answer it names who asked for
// what; a body too long for a message is cut, and returned whole as a file
// for the caller to attach (only when the answer is public).
func (rd renderer) Reply(req deploy.Request, r deploy.Reply) message {
	head := replyIcons[r.Kind] + bold(r.Title)
	lines := rd.replyLines(r)
	text := head
	if len(lines) > 0 {
		text += "\n" + strings.Join(lines, "\n")
	}
	blocks := []slackgo.Block{section(text)}

	var m message
	if body := splitLines(r.Body); len(body) > 0 {
		limits := publicBody
		if r.Private {
			limits = privateBody
		}
		chunks := codeChunks(body)
		if len(body) <= limits.lines && len(chunks) <= limits.chunks {
			for _, c := range chunks {
				blocks = append(blocks, section(c))
			}
		} else {
			for i, c := range codeChunks(body[:limits.preview]) {
				if i == limits.chunks {
					break
				}
				blocks = append(blocks, section(c))
			}
			more := plural(len(body)-limits.preview, "more line", "more lines")
			if r.Private {
				blocks = append(blocks, contextLine("… "+more+" not shown"+narrowHint(req)))
			} else {
				blocks = append(blocks, contextLine("… "+more+": the whole output is attached in the thread"))
				m.File = &file{Name: fileName(req), Title: r.Title, Content: r.Body}
			}
		}
	}
	if !r.Private && req.Command != nil {
		// The name, not a mention: answering a read notifies nobody.
		name := req.Actor.Name
		if name == "" {
			name = req.Actor.ID
		}
		blocks = append(blocks, contextLine(fmt.Sprintf("%s · %s", escape(name), code("/swarm "+req.Command.String()))))
	}
	m.Blocks = blocks
	m.Text = fallback(replyIcons[r.Kind] + escape(r.Title))
	return m
}

// replyLines are a reply's sentences in mrkdwn; where the reply carries what
// it is about, names become mentions and a lock holder's thread a link.
func (rd renderer) replyLines(r deploy.Reply) []string {
	var refusal *commands.Refusal
	var usage *commands.UsageError
	var conflict *deploy.LockConflict
	switch d := r.Data.(type) {
	case *commands.Refusal:
		refusal = d
	case *commands.UsageError:
		usage = d
	case *deploy.LockConflict:
		conflict = d
	}
	out := make([]string, 0, len(r.Lines))
	for _, l := range r.Lines {
		switch {
		case refusal != nil && l == refusal.Error():
			out = append(out, escapeAround(refusal.Text))
		case usage != nil && usage.Suggestion != "" && l == "Did you mean: "+usage.Suggestion:
			out = append(out, "Did you mean "+code(usage.Suggestion)+"?")
		case conflict != nil && !conflict.Thread.IsZero() && strings.HasSuffix(l, placeText(conflict.Thread)):
			out = append(out, escape(strings.TrimSuffix(l, placeText(conflict.Thread)))+rd.placeLink(conflict.Thread, "the thread"))
		default:
			out = append(out, escape(l))
		}
	}
	return out
}

// placeText is how deploy writes a place in plain text.
func placeText(p deploy.Place) string {
	if p.Channel == "" {
		return p.ID
	}
	return p.Channel + " " + p.ID
}

// narrowHint says how to see less, for a private reply that was cut.
func narrowHint(req deploy.Request) string {
	if req.Command == nil {
		return ""
	}
	switch req.Command.Verb() {
	case commands.VerbLogs:
		return "; fewer lines: " + code("/swarm logs SERVICE --tail 20")
	case commands.VerbPs:
		return "; without history: " + code("/swarm ps SERVICE --filter desired-state=running")
	}
	return ""
}

// fileName names the file a long answer is attached as: swarm-ps-ping.txt.
func fileName(req deploy.Request) string {
	name := "swarm"
	if req.Command != nil {
		name += " " + req.Command.String()
	}
	var b strings.Builder
	dash := false
	for _, r := range name {
		ok := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return strings.Trim(b.String(), "-.") + ".txt"
}

// placeLink links to the message at p (its thread, for a reply in one), or
// names its channel when the workspace's URL is unknown. A place that is not
// a Slack conversation is a swarmbot console's, sharing this Redis.
func (rd renderer) placeLink(p deploy.Place, label string) string {
	if !slackConversation.MatchString(p.Channel) {
		return label + " in a swarmbot console, not in Slack"
	}
	ts, thread := splitPlace(p.ID)
	if rd.workspace == "" || p.Channel == "" || ts == "" {
		return label + " in " + mention(p.Channel)
	}
	url := rd.workspace + "archives/" + p.Channel + "/p" + strings.ReplaceAll(ts, ".", "")
	if thread != "" {
		url += "?thread_ts=" + thread + "&cid=" + p.Channel
	}
	return link(url, label)
}

// A place's ID is the message's ts; for a message that is itself a reply
// in a thread, the thread's ts follows after a slash, since events go to
// the thread and a reply cannot have replies of its own.
func placeID(ts, thread string) string {
	if thread == "" || thread == ts {
		return ts
	}
	return ts + "/" + thread
}

// splitPlace undoes placeID: the message's ts, and its thread's ts when it
// is a reply ("" when it is the thread's parent).
func splitPlace(id string) (ts, thread string) {
	ts, thread, _ = strings.Cut(id, "/")
	return ts, thread
}

// threadOf is the ts of the thread a place's events go to.
func threadOf(p deploy.Place) string {
	ts, thread := splitPlace(p.ID)
	if thread != "" {
		return thread
	}
	return ts
}

// errNoPlace is what a reporter without a place answers.
var errNoPlace = errors.New("the operation has no message to report to")

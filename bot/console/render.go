package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/swarmbot/swarmbot/deploy"
)

// The console shows deploy's messages in their shared plain-text forms (the
// same words Slack shows), one message after another. A change has no card
// to update in place on paper, so it is told as it goes: one line naming the
// operation, the events of its thread as they happen, and at the end the
// docker CLI's progress lines for where it stopped. On a terminal, the latest
// card is also drawn below the events and redrawn in place (see screen).

// The kinds of line, for a terminal to style; plain output ignores them.
type style int

const (
	plain  style = iota
	title        // the first line of an answer
	bad          // a refusal or an error, a failed change
	good         // a change that converged or is done
	notice       // an approval request, a notice
	faint        // a log line
)

// styled is one line of output and how a terminal may show it.
type styled struct {
	text  string
	style style
}

func lines(s style, text string) []styled {
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return nil
	}
	var out []styled
	for l := range strings.SplitSeq(text, "\n") {
		out = append(out, styled{clean(l), s})
		s = plain // only the first line carries the style
	}
	return out
}

// replyLines renders an answer: its title, its sentences, its table.
func replyLines(r deploy.Reply) []styled {
	s := title
	switch r.Kind {
	case deploy.ReplyRefusal, deploy.ReplyError:
		s = bad
	case deploy.ReplyNotice:
		s = notice
	}
	return lines(s, r.Text())
}

// approvalLines renders an approval request with its impact and the exact
// lines that approve or deny it.
func approvalLines(a deploy.ApprovalCard) []styled {
	return lines(notice, a.Text())
}

// approvalUpdateLine says what became of a request.
func approvalUpdateLine(a deploy.ApprovalCard) styled {
	s := bad
	if a.Status == deploy.StatusApproved {
		s = good
	}
	return styled{clean(fmt.Sprintf("approval request %s (%s): %s", a.ID, a.Command, a.StatusText())), s}
}

// headerLine names an operation when its first card arrives.
func headerLine(c deploy.Card) styled {
	text := fmt.Sprintf("operation %s: %s, asked by %s", c.OperationID, c.What, c.Requester)
	if !c.Approver.IsZero() {
		text += ", approved by " + c.Approver.String()
	}
	return styled{clean(text), title}
}

// progressLines are the docker CLI's progress lines for the card's latest
// snapshot, e.g. "overall progress: 2 out of 4 tasks", "2/4: running".
func progressLines(c deploy.Card) []styled {
	if c.Progress == nil {
		return nil
	}
	return lines(plain, c.Progress.Text())
}

// statusLine says where a running change stands, below its progress lines
// on a terminal: "updating · 2 out of 4 tasks · 12s".
func statusLine(c deploy.Card, elapsed time.Duration) styled {
	text := string(c.Phase)
	if running, desired := c.Tasks(); desired > 0 {
		text += fmt.Sprintf(" · %d out of %d tasks", running, desired)
	}
	text += " · " + deploy.FormatElapsed(elapsed)
	if c.Note != "" {
		text += " · " + c.Note
	}
	return styled{clean(text), faint}
}

// eventLine renders a thread event: its time (UTC), its text, the mention.
func eventLine(e deploy.Event) styled {
	s := plain
	switch e.Kind {
	case deploy.EventConverged, deploy.EventDone, deploy.EventApproved:
		s = good
	case deploy.EventTaskError, deploy.EventPaused, deploy.EventStuck, deploy.EventTimedOut,
		deploy.EventFailed, deploy.EventLockLost, deploy.EventDenied, deploy.EventExpired,
		deploy.EventStale, deploy.EventNotExecuted:
		s = bad
	}
	return styled{clean(e.String()), s}
}

// clean makes text safe to write to a terminal: a control character (from
// an Engine error, a log line, a user's text) would move the cursor or
// change colours, so it is shown in caret notation (^[) instead. Tabs stay.
func clean(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + 0x40)
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80 && r < 0xa0:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\t') || (r >= 0x7f && r < 0xa0)
}

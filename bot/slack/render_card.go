package slack

import (
	"fmt"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/swarm"
)

// phaseIcons give a card's first line its colour at a glance.
var phaseIcons = map[deploy.Phase]string{
	deploy.PhaseStarting:    ":hourglass_flowing_sand:",
	deploy.PhaseUpdating:    ":arrows_counterclockwise:",
	deploy.PhaseRollingBack: ":rewind:",
	deploy.PhaseVerifying:   ":mag:",
	deploy.PhaseConverged:   ":white_check_mark:",
	deploy.PhasePaused:      ":double_vertical_bar:",
	deploy.PhaseFailed:      ":x:",
	deploy.PhaseStuck:       ":warning:",
	deploy.PhaseTimedOut:    ":alarm_clock:",
	deploy.PhaseLockLost:    ":unlock:",
	deploy.PhaseRemoving:    ":wastebasket:",
	deploy.PhaseRemoved:     ":white_check_mark:",
	deploy.PhaseDone:        ":white_check_mark:",
	deploy.PhaseNotRun:      ":heavy_minus_sign:",
}

// Card renders an operation's status card: what, where it stands, who asked,
// and a line per slot (up to 20; counts beyond, as the docker CLI does).
//
//	:arrows_counterclockwise: *update ping alpine:latest → alpine:3.7*
//	updating · 2 of 4 tasks · 23s
//	alice · operation `k3m9x2qa`
//	```ping.1  running    dev01  alpine:3.7 …```
func (rd renderer) Card(c deploy.Card) message {
	icon := phaseIcons[c.Phase]
	if icon == "" {
		icon = ":grey_question:"
	}
	status := escape(string(c.Phase))
	if c.Progress != nil && len(c.Progress.Services) > 0 {
		running, desired := c.Tasks()
		status += fmt.Sprintf(" · %d of %s", running, plural(desired, "task", "tasks"))
	}
	status += " · " + deploy.FormatElapsed(c.Elapsed)
	blocks := []slackgo.Block{section(icon + " " + bold(c.What) + "\n" + status)}

	who := "asked by " + escape(c.Requester.String())
	if !c.Approver.IsZero() {
		who += ", approved by " + escape(c.Approver.String())
	}
	if c.OperationID != "" && c.OperationID != "-" {
		who += " · operation " + code(c.OperationID)
	}
	blocks = append(blocks, contextLine(who))

	if c.Progress != nil {
		lines := progressLines(*c.Progress)
		chunks := codeChunks(lines)
		// A card has room for a handful of blocks; 20 slots a service fit in one.
		for i, ch := range chunks {
			if i == 4 {
				blocks = append(blocks, contextLine(fmt.Sprintf("… and %d more blocks of slots", len(chunks)-i)))
				break
			}
			blocks = append(blocks, section(ch))
		}
	}
	if c.Note != "" {
		blocks = append(blocks, section(escape(c.Note)))
	}
	return message{
		Text:   fallback(escape(c.What) + ": " + escape(string(c.Phase))),
		Blocks: blocks,
	}
}

// progressLines are a snapshot's lines for the card's code block: per
// service (named when there are several), the Engine's word when it matters,
// and a line per slot, or counts when the service has too many slots.
func progressLines(p swarm.Progress) []string {
	var out []string
	many := len(p.Services) > 1
	for _, s := range p.Services {
		if many {
			out = append(out, fmt.Sprintf("%s: %s · %d of %d", s.Name, s.Phase, s.Running, s.Desired))
		}
		if s.Message != "" && (s.Rollback || s.Phase == swarm.PhasePaused || s.Phase == swarm.PhaseFailed) {
			out = append(out, oneLine(s.Message, 80))
		}
		if s.Reason != "" && s.Reason != s.Message && (s.Phase.Final() || s.Stalled > 0) {
			out = append(out, oneLine(s.Reason, 80))
		}
		if s.Summarized {
			line := fmt.Sprintf("%d of %d running", s.Running, s.Desired)
			if s.Leaving > 0 {
				line += fmt.Sprintf(", %d stopping", s.Leaving)
			}
			out = append(out, line)
			continue
		}
		out = append(out, slotLines(s)...)
	}
	return out
}

// slotLines writes one line per slot, in columns: the task as docker names
// it (ping.2), its state, its node, and its image or error.
func slotLines(s swarm.ServiceProgress) []string {
	rows := make([][4]string, 0, len(s.Slots))
	var w [3]int
	for _, sl := range s.Slots {
		name := s.Name
		if sl.Slot != 0 {
			name = fmt.Sprintf("%s.%d", s.Name, sl.Slot)
		}
		node := sl.NodeName
		if node == "" {
			node = "-"
		}
		detail := shortImage(sl.Image)
		if sl.Err != "" {
			detail = oneLine(sl.Err, 60)
		}
		if sl.Leaving {
			detail += " (leaving)"
		}
		r := [4]string{name, sl.State, node, detail}
		for i := range w {
			w[i] = max(w[i], runes(r[i]))
		}
		rows = append(rows, r)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		line := fmt.Sprintf("%-*s  %-*s  %-*s  %s", w[0], r[0], w[1], r[1], w[2], r[2], r[3])
		out[i] = strings.TrimRight(line, " ")
	}
	return out
}

// shortImage drops an image's digest, which fills a phone's screen and says
// nothing a person compares by eye.
func shortImage(image string) string {
	if i := strings.Index(image, "@sha256:"); i > 0 {
		image = image[:i]
	}
	return image
}

// oneLine folds an Engine text onto one line of at most n characters.
func oneLine(s string, n int) string {
	return cut(strings.Join(strings.Fields(s), " "), n)
}

// eventIcons mark the events that matter; slot changes and milestones go plain.
var eventIcons = map[deploy.EventKind]string{
	deploy.EventTaskError:   ":x:",
	deploy.EventRollback:    ":rewind:",
	deploy.EventPaused:      ":double_vertical_bar:",
	deploy.EventConverged:   ":white_check_mark:",
	deploy.EventStuck:       ":warning:",
	deploy.EventTimedOut:    ":alarm_clock:",
	deploy.EventFailed:      ":x:",
	deploy.EventLockLost:    ":unlock:",
	deploy.EventResumed:     ":arrow_forward:",
	deploy.EventHandedOver:  ":arrow_right_hook:",
	deploy.EventApproved:    ":+1:",
	deploy.EventDenied:      ":no_entry_sign:",
	deploy.EventExpired:     ":hourglass:",
	deploy.EventStale:       ":no_entry_sign:",
	deploy.EventDone:        ":white_check_mark:",
	deploy.EventUnlocked:    ":unlock:",
	deploy.EventNotExecuted: ":heavy_minus_sign:",
}

// Event renders a thread event as one line of mrkdwn; Slack shows its time
// beside it. The person to notify (the requester, at the end) is mentioned.
func (rd renderer) Event(e deploy.Event) string {
	line := escape(oneLine(e.Text, maxSectionText/2))
	if icon := eventIcons[e.Kind]; icon != "" {
		line = icon + " " + line
	}
	if !e.Mention.IsZero() {
		line += " " + person(e.Mention.ID, e.Mention.Name)
	}
	return line
}

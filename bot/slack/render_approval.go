package slack

import (
	"fmt"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/swarmbot/swarmbot/deploy"
)

// The buttons of an approval request. Their value is the request's ID.
const (
	actionApprove = "approve"
	actionDeny    = "deny"
	// blockApproval is the block_id of the buttons' block; interaction.go
	// takes only clicks from it.
	blockApproval = "swarmbot-approval"
)

// approvalHeads say where a request stands, first thing.
var approvalHeads = map[deploy.ApprovalStatus]string{
	deploy.StatusPending:  ":raised_hand: *Approval needed:*",
	deploy.StatusApproved: ":white_check_mark: *Approved:*",
	deploy.StatusDenied:   ":no_entry_sign: *Denied:*",
	deploy.StatusExpired:  ":hourglass: *Expired:*",
	deploy.StatusStale:    ":no_entry_sign: *Refused, stale:*",
}

// Approval renders an approval request: what is asked, by whom, what it will
// do, what to beware of, and, while it waits, Approve and Deny buttons.
func (rd renderer) Approval(a deploy.ApprovalCard) message {
	head := approvalHeads[a.Status]
	if head == "" {
		head = "*" + escape(string(a.Status)) + ":*"
	}
	blocks := []slackgo.Block{
		section(head + " " + code("/swarm "+a.Command)),
		contextLine(fmt.Sprintf("asked by %s · request %s", escape(a.Requester.String()), code(a.ID))),
	}
	if impact := impactText(a.Impact); impact != "" {
		blocks = append(blocks, section(impact))
	}
	if len(a.Impact.Warnings) > 0 {
		ws := make([]string, len(a.Impact.Warnings))
		for i, w := range a.Impact.Warnings {
			ws[i] = ":warning: " + escape(w)
		}
		blocks = append(blocks, section(strings.Join(ws, "\n")))
	}
	if a.Status == deploy.StatusPending {
		approve := slackgo.NewButtonBlockElement(actionApprove, a.ID, slackgo.NewTextBlockObject(slackgo.PlainTextType, "Approve", false, false))
		approve.Style = slackgo.StylePrimary
		deny := slackgo.NewButtonBlockElement(actionDeny, a.ID, slackgo.NewTextBlockObject(slackgo.PlainTextType, "Deny", false, false))
		deny.Style = slackgo.StyleDanger
		blocks = append(blocks,
			slackgo.NewActionBlock(blockApproval, approve, deny),
			contextLine(fmt.Sprintf("%s · or type %s", escape(a.StatusText()), code(a.ApproveCommand()))))
	} else {
		blocks = append(blocks, section(escape(capitalize(a.StatusText()))))
	}
	return message{
		Text:   fallback(fmt.Sprintf("%s /swarm %s (asked by %s)", strings.ReplaceAll(head, "*", ""), escape(a.Command), escape(a.Requester.String()))),
		Blocks: blocks,
	}
}

// impactText is the impact's summary and its lines as a list, cut to fit a
// section with a count of what was left out.
func impactText(im deploy.Impact) string {
	var b strings.Builder
	b.WriteString(escape(im.Summary))
	const room = maxSectionText - 40 // for the "and N more" line
	for i, l := range im.Lines {
		item := "\n• " + escape(l)
		if runes(b.String())+runes(item) > room {
			fmt.Fprintf(&b, "\n… and %d more", len(im.Lines)-i)
			break
		}
		b.WriteString(item)
	}
	return strings.TrimPrefix(b.String(), "\n")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

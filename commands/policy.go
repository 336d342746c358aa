package commands

import (
	"fmt"
	"slices"
	"strings"
)

// Actor is the person behind a command or a button press, as the front end
// knows them. Groups are the user groups (S…) the front end found them in.
type Actor struct {
	ID     string // Slack user ID, U… or W…
	Name   string // shown in messages and the audit log
	Groups []string
}

// DefaultApprovalRequired lists the verbs that wait for a second person when
// Policy.ApprovalRequired is nil.
func DefaultApprovalRequired() []string {
	return []string{string(VerbDrain), string(VerbRollback), string(VerbRm), string(VerbHistoryLimit)}
}

// Policy decides who may run what, and where. It is built from configuration;
// every list holds Slack user IDs (U…, W…) and user-group IDs (S…), channels
// hold channel IDs. The zero value lets everyone run everything everywhere,
// with the default approvals, no self-approval and no admins.
type Policy struct {
	// Operators may run changes; empty: everyone.
	Operators []string
	// Approvers may approve requests; empty: anyone but the requester.
	Approvers []string
	// Admins may force-unlock a lock someone else holds; empty: nobody.
	Admins []string
	// Channels are where commands are taken; empty: every channel.
	Channels []string
	// ApprovalRequired lists the verbs that wait for a second person's
	// approval; nil: DefaultApprovalRequired; empty but not nil: none.
	ApprovalRequired []string
	// SelfApproval lets a requester approve their own request.
	SelfApproval bool
}

// Validate checks the IDs and verbs the policy was built from, so a typo in
// configuration stops the bot at start instead of locking people out.
func (p Policy) Validate() error {
	for _, l := range []struct {
		name string
		ids  []string
	}{{"operators", p.Operators}, {"approvers", p.Approvers}, {"admins", p.Admins}} {
		for _, id := range l.ids {
			id = strings.TrimSpace(id)
			if id != "" && !isSlackID(id, "UWS") {
				return fmt.Errorf("policy: %s: %q is not a Slack user ID (U…, W…) or user-group ID (S…)", l.name, id)
			}
		}
	}
	for _, id := range p.Channels {
		id = strings.TrimSpace(id)
		if id != "" && !isSlackID(id, "CGD") {
			return fmt.Errorf("policy: channels: %q is not a Slack channel ID (C…, G…)", id)
		}
	}
	for _, v := range p.ApprovalRequired {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		s := specByName(v)
		switch {
		case s == nil:
			msg := fmt.Sprintf("policy: approval required: unknown verb %q", v)
			if c := closest(v, changeVerbNames()); c != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", c)
			}
			return fmt.Errorf("%s", msg)
		case s.kind == Read:
			return fmt.Errorf("policy: approval required: %s only reads; only changes can wait for approval", v)
		case s.section == sectionDecide:
			return fmt.Errorf("policy: approval required: %s decides a request; it cannot wait for approval itself", v)
		}
	}
	return nil
}

func isSlackID(id, first string) bool {
	if len(id) < 3 || strings.IndexByte(first, id[0]) < 0 {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func changeVerbNames() []string {
	var out []string
	for _, s := range specs {
		if s.kind == Change && s.section != sectionDecide {
			out = append(out, string(s.verb))
		}
	}
	return out
}

// NeedsApproval reports whether the command waits for a second person.
func (p Policy) NeedsApproval(c Command) bool {
	v := c.Verb()
	if v.Kind() != Change {
		return false
	}
	list := p.ApprovalRequired
	if list == nil {
		list = DefaultApprovalRequired()
	}
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), string(v)) {
			return true
		}
	}
	return false
}

// IsOperator reports whether a may run changes.
func (p Policy) IsOperator(a Actor) bool {
	return len(nonEmpty(p.Operators)) == 0 || listed(p.Operators, a)
}

// IsApprover reports whether a may approve requests (someone else's, unless
// SelfApproval is set).
func (p Policy) IsApprover(a Actor) bool {
	return len(nonEmpty(p.Approvers)) == 0 || listed(p.Approvers, a)
}

// IsAdmin reports whether a may force-unlock.
func (p Policy) IsAdmin(a Actor) bool { return listed(p.Admins, a) }

// MayRun reports whether a may run the verb at all, whatever the channel; help
// lists only these.
func (p Policy) MayRun(a Actor, v Verb) bool {
	switch {
	case v.Kind() == Read:
		return true
	case v == VerbApprove || v == VerbDeny:
		return p.IsApprover(a)
	case v == VerbUnlock && p.IsAdmin(a):
		return true
	}
	return p.IsOperator(a)
}

// Check decides whether a may run c in channel (a channel ID; "" when the
// command does not come from a channel). It returns nil or a *Refusal.
// Approving your own request is checked later, by CheckApproval, when the
// request is known.
func (p Policy) Check(a Actor, channel string, c Command) error {
	v := c.Verb()
	if chans := nonEmpty(p.Channels); len(chans) > 0 && !slices.Contains(chans, channel) {
		return &Refusal{Verb: v, Reason: "swarmbot takes commands only in {who}", Who: chans, Hint: "run it there"}
	}
	if u, ok := c.(Unlock); ok && u.Force {
		if p.IsAdmin(a) {
			return nil // an admin need not be an operator to clear a stale lock
		}
		admins := nonEmpty(p.Admins)
		if len(admins) == 0 {
			return &Refusal{Verb: v, Reason: "nobody may force an unlock: no admins are named",
				Hint: "ask the holder to unlock it, or ask whoever runs swarmbot to name admins"}
		}
		return &Refusal{Verb: v, Reason: "only {who} may force an unlock", Who: admins, Hint: "ask one of them, or ask the holder to unlock it"}
	}
	if p.MayRun(a, v) {
		return nil
	}
	if v == VerbApprove || v == VerbDeny {
		return &Refusal{Verb: v, Reason: "only {who} may " + string(v) + " requests", Who: nonEmpty(p.Approvers), Hint: "ask one of them"}
	}
	return &Refusal{Verb: v, Reason: "only {who} may " + string(v), Who: nonEmpty(p.Operators), Hint: "ask one of them to run it: /swarm " + c.String()}
}

// CheckApproval decides whether a may approve a request that requesterID
// made. It returns nil or a *Refusal.
func (p Policy) CheckApproval(a Actor, requesterID string) error {
	if !p.IsApprover(a) {
		return &Refusal{Verb: VerbApprove, Reason: "only {who} may approve requests", Who: nonEmpty(p.Approvers), Hint: "ask one of them"}
	}
	if a.ID == requesterID && !p.SelfApproval {
		return &Refusal{Verb: VerbApprove, Reason: "you asked for this, so someone else must approve it", Hint: "ask another approver"}
	}
	return nil
}

// CheckDenial decides whether a may deny a request that requesterID made:
// approvers may, and so may the requester, to withdraw it.
func (p Policy) CheckDenial(a Actor, requesterID string) error {
	if a.ID == requesterID || p.IsApprover(a) {
		return nil
	}
	return &Refusal{Verb: VerbDeny, Reason: "only {who} or the person who asked may deny a request", Who: nonEmpty(p.Approvers), Hint: "ask one of them"}
}

func listed(list []string, a Actor) bool {
	for _, id := range list {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if id == a.ID || slices.Contains(a.Groups, id) {
			return true
		}
	}
	return false
}

// nonEmpty returns the list's IDs without surrounding spaces or empty entries.
func nonEmpty(list []string) []string {
	clean := true
	for _, id := range list {
		if id == "" || strings.TrimSpace(id) != id {
			clean = false
			break
		}
	}
	if clean {
		return list
	}
	out := make([]string, 0, len(list))
	for _, id := range list {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// Refusal is Policy's answer when someone may not do something: why, who may,
// and what to do instead.
type Refusal struct {
	Verb Verb
	// Reason says why, with {who} where Who is named.
	Reason string
	// Who are the user, group or channel IDs who may (or where one may).
	Who []string
	// Hint says what to do instead.
	Hint string
}

func (r *Refusal) Error() string { return r.Text(nil) }

// Text renders the refusal, naming each ID in Who with mention (nil: the bare
// ID), so a Slack front end can pass a function that writes <@U123>, <!subteam^S123>
// or <#C123>. User groups read "members of …".
func (r *Refusal) Text(mention func(id string) string) string {
	if mention == nil {
		mention = func(id string) string { return id }
	}
	names := make([]string, len(r.Who))
	for i, id := range r.Who {
		names[i] = mention(id)
		if strings.HasPrefix(id, "S") {
			names[i] = "members of " + names[i]
		}
	}
	text := strings.ReplaceAll(r.Reason, "{who}", orList(names))
	if r.Hint != "" {
		text += "; " + r.Hint
	}
	return text
}

package commands

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/swarmbot/swarmbot/internal/golden"
)

var (
	ann   = Actor{ID: "U0ANN", Name: "ann"}                            // listed by ID
	bob   = Actor{ID: "U0BOB", Name: "bob", Groups: []string{"S0SRE"}} // in the SRE group
	carol = Actor{ID: "U0CAROL", Name: "carol"}                        // listed nowhere
	dave  = Actor{ID: "W0DAVE", Name: "dave", Groups: []string{"S0ADM"}}
)

// ops is a policy as a team would configure it.
var ops = Policy{
	Operators: []string{"U0ANN", " S0SRE"}, // a space, as env lists often have
	Approvers: []string{"S0SRE", "W0DAVE"},
	Admins:    []string{"S0ADM"},
	Channels:  []string{"C0OPS", "C0PROD"},
}

func mustParse(t *testing.T, text string) Command {
	t.Helper()
	c, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	return c
}

func TestPolicyCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       Policy
		a       Actor
		channel string
		cmd     string
		allowed bool
	}{
		{"zero policy: anyone reads", Policy{}, carol, "C1", "ps ping", true},
		{"zero policy: anyone changes", Policy{}, carol, "C1", "scale ping=4", true},
		{"zero policy: anyone approves", Policy{}, carol, "C1", "approve r1", true},
		{"zero policy: nobody forces an unlock", Policy{}, carol, "C1", "unlock ping --force", false},
		{"zero policy: unlock without force is a change", Policy{}, carol, "C1", "unlock ping", true},
		{"reads are for everyone", ops, carol, "C0OPS", "ls", true},
		{"help is a read", ops, carol, "C0OPS", "help drain", true},
		{"an operator by ID", ops, ann, "C0OPS", "scale ping=4", true},
		{"an operator by group", ops, bob, "C0OPS", "drain dev02", true},
		{"not an operator", ops, carol, "C0OPS", "scale ping=4", false},
		{"not an operator: docker's spelling is the same verb", ops, carol, "C0OPS", "node update --availability drain dev02", false},
		{"not an operator: lock is a change", ops, carol, "C0OPS", "lock ping", false},
		{"not an operator: history-limit", ops, carol, "C0OPS", "swarm update --task-history-limit 3", false},
		{"another channel", ops, ann, "C0RANDOM", "scale ping=4", false},
		{"another channel, even to read", ops, carol, "C0RANDOM", "ps ping", false},
		{"no channel when channels are set", ops, ann, "", "ps ping", false},
		{"second allowed channel", ops, ann, "C0PROD", "ps ping", true},
		{"an approver approves", ops, dave, "C0OPS", "approve r1", true},
		{"an approver by group", ops, bob, "C0OPS", "deny r1", true},
		{"an operator who is no approver", ops, ann, "C0OPS", "approve r1", false},
		{"an admin forces an unlock", ops, dave, "C0OPS", "unlock ping --force", true},
		{"an operator may not force an unlock", ops, ann, "C0OPS", "unlock ping --force", false},
		{"an admin who is no operator still may not scale", ops, dave, "C0OPS", "scale ping=1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Check(tc.a, tc.channel, mustParse(t, tc.cmd))
			if (err == nil) != tc.allowed {
				t.Fatalf("Check(%s, %q, %q) = %v, want allowed = %v", tc.a.Name, tc.channel, tc.cmd, err, tc.allowed)
			}
			if err != nil {
				var r *Refusal
				if !errors.As(err, &r) || r.Hint == "" {
					t.Fatalf("refusal %v is not a *Refusal with a hint", err)
				}
			}
		})
	}
}

func TestPolicyApprovals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		p         Policy
		a         Actor
		requester string
		approve   bool // else deny
		allowed   bool
	}{
		{"anyone approves another's request", Policy{}, carol, "U0ANN", true, true},
		{"nobody approves their own", Policy{}, carol, "U0CAROL", true, false},
		{"unless self-approval is on", Policy{SelfApproval: true}, carol, "U0CAROL", true, true},
		{"an approver group member", ops, bob, "U0ANN", true, true},
		{"an approver, but their own request", ops, bob, "U0BOB", true, false},
		{"no approver", ops, carol, "U0ANN", true, false},
		{"no approver may not deny", ops, carol, "U0ANN", false, false},
		{"an approver denies", ops, dave, "U0ANN", false, true},
		{"the requester withdraws", ops, carol, "U0CAROL", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.approve {
				err = tc.p.CheckApproval(tc.a, tc.requester)
			} else {
				err = tc.p.CheckDenial(tc.a, tc.requester)
			}
			if (err == nil) != tc.allowed {
				t.Fatalf("got %v, want allowed = %v", err, tc.allowed)
			}
		})
	}
}

func TestPolicyNeedsApproval(t *testing.T) {
	for _, tc := range []struct {
		p    Policy
		cmd  string
		want bool
	}{
		{Policy{}, "drain dev02", true},
		{Policy{}, "node update --availability drain dev02", true},
		{Policy{}, "rollback ping", true},
		{Policy{}, "service update --rollback ping", true}, // docker's spelling cannot skip the approval
		{Policy{}, "rm ping", true},
		{Policy{}, "service rm ping", true},
		{Policy{}, "history-limit 3", true},
		{Policy{}, "swarm update --task-history-limit 3", true},
		{Policy{}, "scale ping=4", false},
		{Policy{}, "update ping alpine:3.7", false},
		{Policy{}, "activate dev02", false},
		{Policy{}, "ps ping", false},
		{Policy{ApprovalRequired: []string{}}, "drain dev02", false},
		{Policy{ApprovalRequired: []string{" Scale ", "update"}}, "scale ping=4", true},
		{Policy{ApprovalRequired: []string{"scale"}}, "drain dev02", false},
		{Policy{ApprovalRequired: []string{"ps"}}, "ps ping", false}, // a read never waits
	} {
		if got := tc.p.NeedsApproval(mustParse(t, tc.cmd)); got != tc.want {
			t.Errorf("%v.NeedsApproval(%q) = %v, want %v", tc.p.ApprovalRequired, tc.cmd, got, tc.want)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		p    Policy
		want string // "" for valid
	}{
		{Policy{}, ""},
		{ops, ""},
		{Policy{Operators: []string{"U123", "W456", "S789", ""}}, ""},
		{Policy{ApprovalRequired: []string{"drain", " rollback", "pause"}}, ""},
		{Policy{Operators: []string{"ann"}}, `operators: "ann" is not a Slack user ID`},
		{Policy{Approvers: []string{"<@U123>"}}, `approvers: "<@U123>"`},
		{Policy{Admins: []string{"u123"}}, `admins: "u123"`},
		{Policy{Channels: []string{"#ops"}}, `channels: "#ops" is not a Slack channel ID`},
		{Policy{ApprovalRequired: []string{"drian"}}, `unknown verb "drian" (did you mean drain?)`},
		{Policy{ApprovalRequired: []string{"ps"}}, "ps only reads"},
		{Policy{ApprovalRequired: []string{"approve"}}, "approve decides a request"},
	} {
		err := tc.p.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v, want valid", tc.p, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: %v, want an error with %q", tc.p, err, tc.want)
		}
	}
}

// TestRefusalTexts pins what refused people read.
func TestRefusalTexts(t *testing.T) {
	var b strings.Builder
	show := func(what string, err error) {
		fmt.Fprintf(&b, "=== %s\n%v\n", what, err)
		var r *Refusal
		if errors.As(err, &r) {
			fmt.Fprintf(&b, "%s\n", r.Text(slackMention))
		}
		b.WriteString("\n")
	}
	show("carol scales", ops.Check(carol, "C0OPS", mustParse(t, "scale ping=4")))
	show("carol drains, docker's way", ops.Check(carol, "C0OPS", mustParse(t, "node update --availability drain dev02")))
	show("ann in another channel", ops.Check(ann, "C0RANDOM", mustParse(t, "ps ping")))
	show("ann approves", ops.Check(ann, "C0OPS", mustParse(t, "approve r1")))
	show("ann forces an unlock", ops.Check(ann, "C0OPS", mustParse(t, "unlock ping --force")))
	show("anyone forces an unlock without admins", Policy{}.Check(ann, "C1", mustParse(t, "unlock ping --force")))
	show("bob approves his own request", ops.CheckApproval(bob, bob.ID))
	show("carol approves", ops.CheckApproval(carol, ann.ID))
	show("carol denies", ops.CheckDenial(carol, ann.ID))
	golden.Check(t, "refusals.golden", b.String())
}

// slackMention is what a Slack front end would pass to Refusal.Text.
func slackMention(id string) string {
	switch id[0] {
	case 'S':
		return "<!subteam^" + id + ">"
	case 'C', 'G':
		return "<#" + id + ">"
	}
	return "<@" + id + ">"
}

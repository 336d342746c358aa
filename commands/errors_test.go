package commands

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/swarmbot/swarmbot/internal/golden"
)

// errorCases are texts Parse must refuse; the errors, with their usage, are
// pinned in testdata/errors.golden.
var errorCases = []string{
	// verbs and docker's groups
	"sacle ping=4",
	"frobnicate",
	"servce ls",
	"Updat ping alpine:3.7",
	"service scael ping=4",
	"service frob",
	"node rm dev02",
	"node promote dev02",
	"swarm init",
	"swarm update",
	"swarm update --autolock",
	"swarm update --task-history-limit -1",
	"swarm update --task-history-limit 3 extra",

	// text that cannot be read
	`lock ping --reason "unclosed`,
	"lock ping --reason “unclosed",
	"scale ping=4\x07",
	"scale ping=\u202e4",
	"scale ping=\xff",
	strings.Repeat("a", 2001),

	// reads
	"ls ping",
	"ls --all",
	"ps",
	"ps ping web",
	"ps Ping!",
	"ps ping --filter node=dev01",
	"ps ping --filter desired-state=sleeping",
	"ps ping --filter",
	"ps ping --all --all",
	"ps ping --format x",
	"ps ping --al",
	"inspect",
	"inspect -f x ping",
	"logs ping --tail 0",
	"logs ping --tail all",
	"logs ping --since 0",
	"logs ping --since yesterday",
	"logs ping -f",
	"logs ping --follow",
	"nodes dev01",
	"audit ping web",
	"audit ping!",
	"audit --all",
	"logs ping web",
	"history-limit --force 3",
	"help sacle",
	"help scale update",
	"help service frob",

	// create
	"create",
	"create --name ping",
	"create Alpine",
	"create alpine:",
	"create --name -bad alpine",
	"create --name a.b alpine",
	"create --replicas 1001 alpine",
	"create --replicas -1 alpine",
	"create --mode global --replicas 2 alpine",
	"create --mode replicated-job alpine",
	"create -e FOO alpine",
	"create -e =x alpine",
	"create --update-delay 10 alpine",
	"create --update-delay -5s alpine",
	"create --update-failure-action stop alpine",
	"create --rollback-failure-action rollback alpine",
	"create --update-max-failure-ratio 1.5 alpine",
	"create --update-max-failure-ratio NaN alpine",
	"create --update-order first alpine",
	"create --update-parallelism 1001 alpine",
	"create --replica 3 alpine",
	"create --update-dealy 10s alpine",
	"create --publish 80:80 alpine",
	"create -p 80:80 alpine",
	"create alpine ping --replicas=3",
	"create --name ping --name pong alpine",
	"create --init=maybe alpine",
	"create --name",
	"create -dq alpine",
	"create --with-registry-auth alpine",
	"create --stop-grace-period soon alpine",
	"create --stop-grace-period -1s alpine",
	"create -e FOO=" + strings.Repeat("x", 1200) + " alpine",

	// scale
	"scale",
	"scale ping",
	"scale 4",
	"scale ping=",
	"scale =4",
	"scale ping=four",
	"scale ping=1001",
	"scale ping -1",
	"scale ping=2 ping=3",
	"scale 4 ping",
	"scale Ping!=3",
	"scale ping=+1",
	"scale --force ping=2",
	"scale\u3000ping\u2009=4",

	// update
	"update",
	"update ping",
	"update ping alpine:3.7 extra",
	"update alpine:3.7 ping",
	"update ping Alpine",
	"update ping alpine:3.7 --image alpine:3.8",
	"update --rollback --force ping",
	`update --args "unclosed ping`,
	`update --args 'sh -c "x' ping`,
	"update --env-add FOO ping",
	"update --env-rm A=B ping",
	"update --with-registry-auth ping alpine:3.7",
	"update --imgae alpine:3.7 ping",
	"update --force=false ping",
	"update --image Alpine ping",
	"update --image alpine:3.8 Ping!",
	"update --rollback-parallelism -1 ping",
	"update --rollback-delay 10 ping",
	"update --args " + strings.Repeat("x", 1200) + " ping",
	"update --env-add FOO=" + strings.Repeat("x", 1200) + " ping",

	// rollback, rm
	"rollback",
	"rollback ping web",
	"rm",
	"rm ping web",
	"rm -f ping",

	// nodes
	"drain",
	"drain dev01 dev02",
	"drain -dev02",
	"drain dev_02!",
	"activate",
	"pause dev02 now",
	"node update dev02",
	"node update --availability sleep dev02",
	"node update --availability drain",
	"node update --role manager dev02",
	"node update --label-add a=b dev02",
	"node update --availabilty drain dev02",

	// history-limit
	"history-limit",
	"history-limit -1",
	"history-limit 101",
	"history-limit five",
	"history-limit 3 4",

	// locks
	"lock",
	"lock ping --reason",
	`lock ping --reason ""`,
	"lock ping --reason incident 123",
	"lock ping --reason don't deploy",
	"lock ping --for 0s",
	"lock ping --for 200h",
	"lock ping --for soon",
	"lock ping --reason " + strings.Repeat("x", 301),
	"unlock",
	"unlock ping --force=yes",

	// approvals
	"approve",
	"approve a b",
	"approve ../x",
	"deny",
	"deny 7f3k2 not now",
	"deny 7f3k2 --reason",
	"deny 7f3k2 --reason " + strings.Repeat("x", 301),
	"approve --now 7f3k2",
}

func TestParseErrors(t *testing.T) {
	var b strings.Builder
	for _, in := range errorCases {
		cmd, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want an error", in, cmd)
			continue
		}
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Parse(%q) = %T, want a *UsageError", in, err)
			continue
		}
		if ue.Problem == "" || ue.Usage == "" {
			t.Errorf("Parse(%q): the error lacks a problem or a usage: %+v", in, ue)
		}
		if ue.Suggestion != "" && strings.HasPrefix(ue.Suggestion, "/swarm ") {
			if _, err := Parse(strings.TrimPrefix(ue.Suggestion, "/swarm ")); err != nil {
				t.Errorf("Parse(%q) suggests %q, which does not parse: %v", in, ue.Suggestion, err)
			}
		}
		shown := in
		if len(shown) > 80 {
			shown = shown[:40] + "…"
		}
		fmt.Fprintf(&b, "=== %s (verb %q)\n%s\n\n", strconv.Quote(shown), ue.Verb, err)
	}
	golden.Check(t, "errors.golden", b.String())
}

// TestParseOptions checks the limits Parse's options set.
func TestParseOptions(t *testing.T) {
	for _, tc := range []struct {
		in   string
		opts []Option
		ok   bool
	}{
		{"scale ping=1000", nil, true},
		{"scale ping=1001", nil, false},
		{"scale ping=50", []Option{MaxReplicas(50)}, true},
		{"scale ping=51", []Option{MaxReplicas(50)}, false},
		{"create --replicas 51 alpine", []Option{MaxReplicas(50)}, false},
		{"update --replicas 51 ping", []Option{MaxReplicas(50)}, false},
		{"update --update-parallelism 51 ping", []Option{MaxReplicas(50)}, false},
		{"scale ping=1000", []Option{MaxReplicas(0)}, true}, // below 1 keeps the default
		{"ls", []Option{MaxLength(2)}, true},
		{"ls ", []Option{MaxLength(2)}, false},
		{"lock ping --reason " + strings.Repeat("é", 100), []Option{MaxLength(121)}, true}, // characters, not bytes
		{"lock ping --reason " + strings.Repeat("é", 100), []Option{MaxLength(118)}, false},
		// Slack's escapes do not count: the limit is on what was typed
		{"lock ping --reason " + strings.Repeat("&amp;", 100), []Option{MaxLength(121), FromSlack()}, true},
		{"lock ping --reason " + strings.Repeat("&amp;", 101), []Option{MaxLength(121), FromSlack()}, false},
		// accepted as typed, but its canonical text (quoted, escaped) would be over the limit
		{`lock ping --reason '` + strings.Repeat(`"`, 40) + `'`, []Option{MaxLength(70)}, false},
	} {
		_, err := Parse(tc.in, tc.opts...)
		if (err == nil) != tc.ok {
			t.Errorf("Parse(%q): err = %v, want ok = %v", shortened(tc.in), err, tc.ok)
		}
	}
}

func shortened(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

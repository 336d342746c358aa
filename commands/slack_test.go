package commands

import (
	"reflect"
	"testing"
)

var slackCases = []struct {
	in   string
	want Command
}{
	{"update ping <http://registry.example.com/app:1|registry.example.com/app:1>", Update{Service: "ping", Image: "registry.example.com/app:1"}},
	{"update ping “<http://registry.example.com/app:1|registry.example.com/app:1>”", Update{Service: "ping", Image: "registry.example.com/app:1"}},
	{"service create --name ping alpine ping <http://docker.com|docker.com>", Create{Name: "ping", Image: "alpine", Args: []string{"ping", "docker.com"}}},
	{"create -e MAIL=<mailto:ops@docker.com|ops@docker.com> alpine", Create{Image: "alpine", Env: []string{"MAIL=ops@docker.com"}}},
	{"create alpine wget -q <http://example.com/x?a=1&amp;b=2>", Create{Image: "alpine", Args: []string{"wget", "-q", "http://example.com/x?a=1&b=2"}}},
	{"create alpine sh -c \"ping docker.com &gt; /dev/null &amp;&amp; echo ok\"", Create{Image: "alpine", Args: []string{"sh", "-c", "ping docker.com > /dev/null && echo ok"}}},
	{`lock ping --reason "a &amp; b &lt;c&gt;"`, Lock{Service: "ping", Reason: "a & b <c>"}},
	{`lock ping --reason "page <@U123ABC> in <#C0123|ops>"`, Lock{Service: "ping", Reason: "page @U123ABC in #ops"}},
	{`lock ping --reason "page <@U123ABC|ann>"`, Lock{Service: "ping", Reason: "page @ann"}},
	{`lock ping --reason "<!subteam^S0123|@sre> asked"`, Lock{Service: "ping", Reason: "@sre asked"}},
	{`lock ping --reason "<!subteam^S0123> asked"`, Lock{Service: "ping", Reason: "@S0123 asked"}},
	{`lock ping --reason "<!here> freeze"`, Lock{Service: "ping", Reason: "@here freeze"}},
	{`lock ping --reason "until <!date^1392734382^{date}|Feb 18>"`, Lock{Service: "ping", Reason: "until Feb 18"}},
	{"lock ping --reason \"1 < 2\"", Lock{Service: "ping", Reason: "1 < 2"}}, // not markup: no closing >
	{"scale ping=4", Scale{Targets: []ScaleTarget{{"ping", 4}}}},
}

func TestParseFromSlack(t *testing.T) {
	for _, tc := range slackCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in, FromSlack())
			if err != nil {
				t.Fatalf("Parse(%q, FromSlack()): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q, FromSlack())\n got %s\nwant %s", tc.in, got, tc.want)
			}
			again, err := Parse(slackEscape(got.String()), FromSlack())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("canonical %q typed into Slack parses to %v, %v", got.String(), again, err)
			}
		})
	}
}

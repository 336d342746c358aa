package commands

import "testing"

// typical are commands people type, from the seed's story and the bot's short forms.
var typical = []struct {
	name, text string
	slack      bool
}{
	{"ps", "ps ping", false},
	{"scale", "scale ping 4", false},
	{"service_scale", "service scale ping=2", false},
	{"update_short", "update ping alpine:3.7", false},
	{"service_update", "service update --image alpine:3.7 ping", false},
	{"node_update_drain", "node update --availability drain dev02", false},
	{"service_create", "service create --name ping --replicas 4 --update-delay 10s alpine ping docker.com", false},
	{"lock_smart_quotes", "lock ping --reason “incident 123” --for 2h", false},
	{"create_from_slack", "service create --name ping alpine ping <http://docker.com|docker.com>", true},
	{"typo", "sacle ping=4", false},
}

func BenchmarkParse(b *testing.B) {
	for _, tc := range typical {
		opts := []Option(nil)
		if tc.slack {
			opts = []Option{FromSlack()}
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(tc.text, opts...)
			}
		})
	}
}

func BenchmarkCanonical(b *testing.B) {
	c, err := Parse(typical[6].text)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.String()
	}
}

package commands

import (
	"strings"
	"testing"

	"github.com/distribution/reference"
)

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

// BenchmarkBaseline measures, for comparison in the same run, the two costs a
// parse cannot avoid: splitting the text into words, and checking an image
// reference with distribution/reference (what update and create spend most on).
func BenchmarkBaseline(b *testing.B) {
	b.Run("strings.Fields_service_create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = strings.Fields(typical[6].text)
		}
	})
	b.Run("lex_service_create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = lex(typical[6].text)
		}
	})
	b.Run("reference.ParseNormalizedNamed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = reference.ParseNormalizedNamed("alpine:3.7")
		}
	})
}

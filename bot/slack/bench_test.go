package slack

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/internal/fakeslack"
)

func reportLatencies(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))].Microseconds())
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(at(1), "max-µs")
}

// BenchmarkSlashBurst sends 500 slash commands at 50 a second through the
// fake to the bot, whose deployer takes 20 ms for each and answers privately,
// and measures each ack's latency as Slack sees it (from the envelope's
// write to the ack's arrival). Commands that find the pool full are answered
// "busy" in the ack; their count is reported too.
func BenchmarkSlashBurst(b *testing.B) {
	const (
		burst = 500
		every = 20 * time.Millisecond // 50 a second
	)
	f := fakeslack.New(b, workspace())
	s := &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
		time.Sleep(20 * time.Millisecond)
		_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Private: true, Title: "2 services", Body: "ID  NAME\nabc  ping\n"})
	}}
	bot := startBot(b, f, s, Options{})
	ctx := b.Context()
	var lat []time.Duration
	busy := 0
	for b.Loop() {
		ds := make([]*fakeslack.Delivery, 0, burst)
		tick := time.NewTicker(every)
		for i := range burst {
			user := "U1"
			if i%2 == 1 {
				user = "U2"
			}
			ds = append(ds, f.SlashCommand(ctx, user, "C1", "/swarm", "ls"))
			<-tick.C
		}
		tick.Stop()
		for _, d := range ds {
			payload, l, err := d.Ack(ctx)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, l)
			var a struct{ Text string }
			if len(payload) > 0 && json.Unmarshal(payload, &a) == nil && strings.Contains(a.Text, "busy") {
				busy++
			}
		}
	}
	if err := bot.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	reportLatencies(b, lat)
	b.ReportMetric(float64(busy)/float64(b.N), "busy/burst")
}

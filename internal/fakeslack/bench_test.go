package fakeslack_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/swarmbot/swarmbot/internal/fakeslack"
)

// ackingBot acks every slash command at once, the floor any real bot's ack
// latency is measured against.
func ackingBot(b *testing.B, f *fakeslack.Server) {
	bot := startBot(b, f)
	bot.next(b, socketmode.EventTypeHello)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-bot.events:
				if e.Type == socketmode.EventTypeSlashCommand {
					_ = bot.sm.Ack(*e.Request)
				}
			}
		}
	})
	b.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

func reportLatencies(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))].Microseconds())
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(at(1), "max-µs")
}

// BenchmarkSlashCommandAck sends one slash command at a time to slack-go
// through the fake and waits for its ack.
func BenchmarkSlashCommandAck(b *testing.B) {
	f := fakeslack.New(b, workspace())
	ackingBot(b, f)
	ctx := b.Context()
	var lat []time.Duration
	for b.Loop() {
		_, l, err := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls").Ack(ctx)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, l)
	}
	reportLatencies(b, lat)
}

// BenchmarkSlashCommandBurst sends 500 slash commands at once and waits for
// every ack: the latency includes the queue in the fake and in slack-go.
func BenchmarkSlashCommandBurst(b *testing.B) {
	const burst = 500
	f := fakeslack.New(b, workspace())
	ackingBot(b, f)
	ctx := b.Context()
	var lat []time.Duration
	for b.Loop() {
		ds := make([]*fakeslack.Delivery, burst)
		for i := range ds {
			ds[i] = f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls")
		}
		for _, d := range ds {
			_, l, err := d.Ack(ctx)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, l)
		}
	}
	reportLatencies(b, lat)
}

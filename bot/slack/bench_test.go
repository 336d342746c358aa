package slack

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

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

// paceBurst sends 500 slash commands at 50 a second and returns each ack's
// latency as Slack sees it, and how many acks answered "busy".
func paceBurst(b *testing.B, f *fakeslack.Server) (lat []time.Duration, busy int) {
	const (
		burst = 500
		every = 20 * time.Millisecond // 50 a second
	)
	ctx := b.Context()
	ds := make([]*fakeslack.Delivery, 0, burst)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := range burst {
		user := "U1"
		if i%2 == 1 {
			user = "U2"
		}
		ds = append(ds, f.SlashCommand(ctx, user, "C1", "/swarm", "ls"))
		<-tick.C
	}
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
	return lat, busy
}

// BenchmarkSlashBurstFloor is the same burst to slack-go alone, acking each
// slash command the moment it arrives: the floor the bot is compared with.
func BenchmarkSlashBurstFloor(b *testing.B) {
	f := fakeslack.New(b, workspace())
	api := slackgo.New(f.BotToken(), slackgo.OptionAPIURL(f.APIURL()), slackgo.OptionAppLevelToken(f.AppToken()))
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-sm.Events:
				if e.Type == socketmode.EventTypeSlashCommand {
					_ = sm.Ack(*e.Request)
				}
			}
		}
	})
	defer func() { cancel(); wg.Wait() }()
	if err := f.WaitConnected(b.Context()); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	for b.Loop() {
		l, _ := paceBurst(b, f)
		lat = append(lat, l...)
	}
	reportLatencies(b, lat)
}

// BenchmarkSlashBurst sends 500 slash commands at 50 a second through the
// fake to the bot, whose deployer takes 20 ms for each and answers privately,
// and measures each ack's latency as Slack sees it (from the envelope's
// write to the ack's arrival). Commands that find the pool full are answered
// "busy" in the ack; their count is reported too.
func BenchmarkSlashBurst(b *testing.B) {
	f := fakeslack.New(b, workspace())
	s := &script{handle: func(ctx context.Context, req deploy.Request, fe deploy.Frontend) {
		time.Sleep(20 * time.Millisecond)
		_ = fe.Reply(ctx, req, deploy.Reply{Kind: deploy.ReplyResult, Private: true, Title: "2 services", Body: "ID  NAME\nabc  ping\n"})
	}}
	bot := startBot(b, f, s, Options{})
	var lat []time.Duration
	busy, rounds := 0, 0
	for b.Loop() {
		l, n := paceBurst(b, f)
		lat, busy, rounds = append(lat, l...), busy+n, rounds+1
	}
	if err := bot.Wait(b.Context()); err != nil {
		b.Fatal(err)
	}
	reportLatencies(b, lat)
	b.ReportMetric(float64(busy)/float64(rounds), "busy/burst")
}

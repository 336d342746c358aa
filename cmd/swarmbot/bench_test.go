package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/fakeslack"
)

// BenchmarkServeSlashBurst sends 500 `/swarm ls` at 50 a second to swarmbot
// serve (real deploy, swarm and Redis) through the fake Slack: 50 channels,
// one command a second in each, which is as fast as Slack lets a bot answer
// in one channel. It reports the ack latency as Slack sees it (from the
// envelope's write to the ack's arrival), and how many answers said "busy".
func BenchmarkServeSlashBurst(b *testing.B) {
	const (
		burst    = 500
		channels = 50
		every    = 20 * time.Millisecond
	)
	var chans []fakeslack.Channel
	for i := range channels {
		chans = append(chans, fakeslack.Channel{ID: fmt.Sprintf("C%02d", i), Name: fmt.Sprintf("team-%02d", i), Members: []string{alice.ID, bob.ID, "UBOT"}})
	}
	w := newWorld(b, 2, chans...)
	w.serve(b)
	ctx := w.ctx(b)
	var lat []time.Duration
	busy, answers, rounds := 0, 0, 0
	for b.Loop() {
		rounds++
		ds := make([]*fakeslack.Delivery, 0, burst)
		tick := time.NewTicker(every)
		for i := range burst {
			ds = append(ds, w.f.SlashCommand(ctx, alice.ID, chans[i%channels].ID, "/swarm", "ls"))
			<-tick.C
		}
		tick.Stop()
		for _, d := range ds {
			p, l, err := d.Ack(ctx)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, l)
			var a struct{ Text string }
			if len(p) > 0 && json.Unmarshal(p, &a) == nil && strings.Contains(a.Text, "busy") {
				busy++
			} else {
				answers++
			}
		}
		w.waitFor(b, "every answer", func(st fakeslack.State) bool {
			n := 0
			for _, c := range chans {
				n += len(st.Messages(c.ID))
			}
			return n >= answers
		})
	}
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(at(1), "max-µs")
	b.ReportMetric(float64(busy)/float64(rounds), "busy/burst")
}

// BenchmarkServeScale100 scales the test's service from 1 to 100 replicas
// with /swarm scale and reports the Slack calls the change cost (posts of
// the card and the thread's events, updates of the card) beside the seconds
// from the command to the last event.
func BenchmarkServeScale100(b *testing.B) {
	w := newWorld(b, 1)
	w.serve(b)
	for i := 0; b.Loop(); i++ {
		before := len(w.f.Calls())
		start := time.Now()
		w.slash(b, alice, fmt.Sprintf("scale %s 100", w.service))
		card, thread := w.operation(b, 2*i)
		took := time.Since(start)
		counts := map[string]int{}
		for _, c := range w.f.Calls()[before:] {
			counts[c.Method]++
		}
		lines := 0
		for _, m := range thread {
			lines += strings.Count(m.Text, "\n") + 1
		}
		b.ReportMetric(took.Seconds(), "s")
		b.ReportMetric(float64(counts["chat.postMessage"]+counts["chat.update"]), "slack-calls")
		b.ReportMetric(float64(counts["chat.update"]), "updates")
		b.ReportMetric(float64(len(card.Edits)), "card-edits")
		b.Logf("scale 1 → 100: %.1f s, %d chat.postMessage (%d thread messages, %d event lines), %d chat.update, other calls %v",
			took.Seconds(), counts["chat.postMessage"], len(thread), lines, counts["chat.update"], others(counts))
		// Back to 1 for the next round, through swarmbot too.
		w.slash(b, alice, fmt.Sprintf("scale %s 1", w.service))
		w.operation(b, 2*i+1)
	}
}

func others(counts map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range counts {
		if k != "chat.postMessage" && k != "chat.update" {
			out[k] = v
		}
	}
	return out
}

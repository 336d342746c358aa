package deploy

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/internal/testenv"
	"github.com/swarmbot/swarmbot/lock"
)

// roundTrips counts the requests a Redis client sends: a command, a script
// or a whole pipeline (a MULTI/EXEC transaction) each count once.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

// BenchmarkChangeOverhead sets what deploy adds to a change, in time and
// Redis commands, beside the lock alone: the change is a scale on a fake
// swarm whose watcher converges at once, so only deploy's own work counts
// (lock, operation record and lease, audit entries, reports).
func BenchmarkChangeOverhead(b *testing.B) {
	rdb, err := lock.NewRedisClient(testenv.Redis(b))
	if err != nil {
		b.Fatal(err)
	}
	defer rdb.Close()
	trips := &roundTrips{}
	rdb.AddHook(trips)
	cluster := "bench-" + newID()
	locker, err := lock.NewRedis(rdb, lock.Options{Cluster: cluster})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("lock alone", func(b *testing.B) {
		ctx := context.Background()
		before := trips.n.Load()
		for b.Loop() {
			l, err := locker.Acquire(ctx, lock.Request{Resource: lock.Service("ping"), UserID: alice.ID, Operation: "scale ping → 2"})
			if err != nil {
				b.Fatal(err)
			}
			if err := l.Release(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(trips.n.Load()-before)/float64(b.N), "round-trips/op")
	})
	b.Run("deploy scale", func(b *testing.B) {
		d := New(Options{}, Deps{Swarm: newFakeSwarm(), Watcher: &fakeWatcher{}, Locker: locker,
			Stores: NewRedisStores(rdb, cluster), Policy: commands.Policy{}, Logger: quiet})
		defer d.Shutdown(context.Background())
		rec := newRecorder()
		cmd := commands.Scale{Targets: []commands.ScaleTarget{{Service: "ping", Replicas: 2}}}
		before := trips.n.Load()
		for b.Loop() {
			d.Handle(context.Background(), Request{Command: cmd, Actor: actorAlice, Channel: "C0BENCH"}, rec)
		}
		b.ReportMetric(float64(trips.n.Load()-before)/float64(b.N), "round-trips/op")
		b.ReportMetric(float64(len(rec.places("op")))/float64(b.N), "cards/op")
	})
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, "swarmbot:*"+cluster+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

// BenchmarkScaleHundred scales a service of the private swarm from 4 to 100
// and back, through deploy, and sets the thread's length beside the time it
// took: milestones keep a 100-replica scale to a handful of events. It is a
// measurement, run with -bench, not part of the tests.
func BenchmarkScaleHundred(b *testing.B) {
	w := newWorld(b)
	d := w.deployer(b, Options{})
	svc := w.storyService(b)
	rec := newRecorder()
	ctx := context.Background()
	d.HandleText(ctx, actorAlice, storyChannel, "", fmt.Sprintf("create --name %s --replicas 4 --update-monitor 1s alpine:latest ping 127.0.0.1", svc), rec)
	for b.Loop() {
		for _, n := range []int{100, 4} {
			start := time.Now()
			d.HandleText(ctx, actorAlice, storyChannel, "", fmt.Sprintf("scale %s=%d", svc, n), rec)
			th := rec.snapshot(rec.lastPlace(b, "op"))
			if c := th.lastCard(); c.Phase != PhaseConverged {
				b.Fatalf("scale to %d ended %s:\n%s", n, c.Phase, th.text())
			}
			b.Logf("scale to %d: converged in %.1fs, %d events, %d card updates", n, time.Since(start).Seconds(), len(th.Events), len(th.Cards))
			if n == 100 {
				b.ReportMetric(float64(len(th.Events)), "events/scale100")
				b.ReportMetric(float64(len(th.Cards)), "cards/scale100")
				b.ReportMetric(time.Since(start).Seconds(), "s/scale100")
			}
		}
	}
}

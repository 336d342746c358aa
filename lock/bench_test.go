package lock

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"

	"github.com/swarmbot/swarmbot/internal/testenv"
)

// roundTrips counts what a client sends to Redis: one per command, one per
// pipeline (connection setup is not counted: the pool keeps connections).
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// compared is one lock under benchmark: acquire then release a key, and try
// a key someone else holds, reading back who when the lock can.
type compared struct {
	name    string
	acquire func(ctx context.Context, key string) (release func(context.Context) error, err error)
	refused func(ctx context.Context, key string) (who string, err error)
}

func comparedLocks(b *testing.B, url string, hook *roundTrips) []compared {
	cluster := newCluster(&testing.T{})
	deleteCluster(b, url, cluster)
	rdb := newClient(b, url)
	rdb.AddHook(hook)
	ours, err := NewRedis(rdb, Options{Cluster: cluster})
	if err != nil {
		b.Fatal(err)
	}
	theirs := redislock.New(rdb)
	theirKey := func(key string) string { return "swarmbot:" + cluster + ":redislock:{service:" + key + "}" }
	mem, err := NewMemory(Options{})
	if err != nil {
		b.Fatal(err)
	}
	lease := func(lk Locker) func(ctx context.Context, key string) (func(context.Context) error, error) {
		return func(ctx context.Context, key string) (func(context.Context) error, error) {
			l, err := lk.Acquire(ctx, request(Service(key), "U0BENCH", "update "+key+" → alpine:3.7"))
			if err != nil {
				return nil, err
			}
			return l.Release, nil
		}
	}
	refusal := func(lk Locker) func(ctx context.Context, key string) (string, error) {
		return func(ctx context.Context, key string) (string, error) {
			_, err := lk.Acquire(ctx, request(Service(key), "U0OTHER", "scale "+key+" 1"))
			var held *HeldError
			if !errors.As(err, &held) {
				return "", fmt.Errorf("want a refusal, got %v", err)
			}
			return held.Holder.UserID, nil
		}
	}
	return []compared{
		{name: "swarmbot-redis", acquire: lease(ours), refused: refusal(ours)},
		{
			name: "bsm-redislock",
			acquire: func(ctx context.Context, key string) (func(context.Context) error, error) {
				l, err := theirs.Obtain(ctx, theirKey(key), DefaultTTL, &redislock.Options{Metadata: "U0BENCH update " + key})
				if err != nil {
					return nil, err
				}
				return l.Release, nil
			},
			// redislock refuses without saying who; its value (token+metadata)
			// takes a second round trip, and only the owner can split it.
			refused: func(ctx context.Context, key string) (string, error) {
				_, err := theirs.Obtain(ctx, theirKey(key), DefaultTTL, &redislock.Options{Metadata: "U0OTHER"})
				if !errors.Is(err, redislock.ErrNotObtained) {
					return "", fmt.Errorf("want ErrNotObtained, got %v", err)
				}
				return rdb.Get(ctx, theirKey(key)).Result()
			},
		},
		{name: "swarmbot-memory", acquire: lease(mem), refused: refusal(mem)},
	}
}

func report(b *testing.B, hook *roundTrips, before int64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(hook.n.Load()-before)/float64(b.N), "roundtrips/op")
}

// BenchmarkAcquireRelease takes and releases one service's lock in a loop.
func BenchmarkAcquireRelease(b *testing.B) {
	url := testenv.Redis(b)
	hook := &roundTrips{}
	for _, c := range comparedLocks(b, url, hook) {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			cycle := func() {
				release, err := c.acquire(ctx, "ping")
				if err != nil {
					b.Fatal(err)
				}
				if err := release(ctx); err != nil {
					b.Fatal(err)
				}
			}
			cycle() // loads the scripts and opens a connection
			before := hook.n.Load()
			for b.Loop() {
				cycle()
			}
			report(b, hook, before)
		})
	}
}

// BenchmarkAcquireReleaseParallel does the same from many goroutines, each
// on a service of its own.
func BenchmarkAcquireReleaseParallel(b *testing.B) {
	url := testenv.Redis(b)
	hook := &roundTrips{}
	for _, c := range comparedLocks(b, url, hook) {
		b.Run(c.name, func(b *testing.B) {
			var next atomic.Int64
			release, err := c.acquire(b.Context(), "warm-up")
			if err != nil {
				b.Fatal(err)
			}
			if err := release(b.Context()); err != nil {
				b.Fatal(err)
			}
			before := hook.n.Load()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				key := fmt.Sprintf("svc%d", next.Add(1))
				for pb.Next() {
					release, err := c.acquire(ctx, key)
					if err != nil {
						b.Error(err)
						return
					}
					if err := release(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			report(b, hook, before)
		})
	}
}

// BenchmarkRefused tries a lock someone holds and learns who holds it.
func BenchmarkRefused(b *testing.B) {
	url := testenv.Redis(b)
	hook := &roundTrips{}
	for _, c := range comparedLocks(b, url, hook) {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			release, err := c.acquire(ctx, "held")
			if err != nil {
				b.Fatal(err)
			}
			defer release(context.Background())
			if _, err := c.refused(ctx, "held"); err != nil {
				b.Fatal(err)
			}
			before := hook.n.Load()
			for b.Loop() {
				who, err := c.refused(ctx, "held")
				if err != nil || who == "" {
					b.Fatalf("refused by %q: %v", who, err)
				}
			}
			report(b, hook, before)
		})
	}
}

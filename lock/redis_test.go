package lock

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/swarmbot/swarmbot/internal/testenv"
)

// The bound the issue sets on every call when Redis is down is 2 s; tests
// allow five times that, since the machine is shared, and log what they saw.
const unavailableBound = 10 * time.Second

func newClient(t testing.TB, url string) *redis.Client {
	t.Helper()
	rdb, err := NewRedisClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// deleteCluster removes a test cluster's keys when the test ends.
func deleteCluster(t testing.TB, url, cluster string) {
	t.Helper()
	t.Cleanup(func() {
		rdb := newClient(t, url)
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, "swarmbot:"+cluster+":*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Logf("cleaning up cluster %s: %v", cluster, err)
		}
	})
}

func redisBackend(t *testing.T) backend {
	url := testenv.Redis(t)
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	const ttl = 2 * time.Second
	return backend{
		name: "redis", ttl: ttl, manualFor: 2 * time.Second,
		open: func(t *testing.T, cluster string) Locker {
			t.Helper()
			mu.Lock()
			if !seen[cluster] {
				seen[cluster] = true
				deleteCluster(t, url, cluster)
			}
			mu.Unlock()
			lk, err := NewRedis(newClient(t, url), Options{Cluster: cluster, TTL: ttl})
			if err != nil {
				t.Fatal(err)
			}
			return lk
		},
	}
}

func TestRedisContract(t *testing.T) { runContract(t, redisBackend(t)) }

// callEveryWay makes every kind of call and checks that each fails with
// ErrUnavailable, says what it was doing, and ends within the bound.
func callEveryWay(t *testing.T, lk Locker, l *Lease) {
	t.Helper()
	svc := Service("ping")
	calls := []struct {
		doing string
		call  func(ctx context.Context) error
	}{
		{"acquiring the lock on service ping", func(ctx context.Context) error {
			_, err := lk.Acquire(ctx, request(svc, "U0BOB", "scale ping 1"))
			return err
		}},
		{"reading the lock on service ping", func(ctx context.Context) error { _, err := lk.Inspect(ctx, svc); return err }},
		{"listing locks", func(ctx context.Context) error { _, err := lk.List(ctx); return err }},
		{"unlocking service ping", func(ctx context.Context) error { _, err := lk.Unlock(ctx, svc, "U0BOB"); return err }},
		{"force-unlocking service ping", func(ctx context.Context) error { _, err := lk.ForceUnlock(ctx, svc); return err }},
		{"pinging the lock store", lk.Ping},
		{"releasing the lock on service ping", l.Release},
	}
	for _, c := range calls {
		start := time.Now()
		err := c.call(t.Context())
		took := time.Since(start)
		t.Logf("%s with Redis unavailable: %s: %v", c.doing, took.Round(time.Millisecond), err)
		if !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), c.doing+": ") {
			t.Errorf("%s: want an error starting %q and matching ErrUnavailable, got %v", c.doing, c.doing, err)
		}
		if took > unavailableBound {
			t.Errorf("%s took %s with Redis unavailable; the bound is 2 s", c.doing, took)
		}
	}
}

// waitLost waits for the lease to be lost and returns how long it took.
func waitLost(t *testing.T, l *Lease, since time.Time, ttl time.Duration) time.Duration {
	t.Helper()
	select {
	case <-l.Lost():
	case <-time.After(ttl + 90*time.Second):
		t.Fatal("the owner was never told the lease was lost")
	}
	took := time.Since(since)
	t.Logf("owner told after %s (TTL %s): %v", took.Round(time.Millisecond), ttl, l.Err())
	if err := l.Err(); !errors.Is(err, ErrLost) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("Err: want ErrLost caused by ErrUnavailable, got %v", err)
	}
	// The lease runs out TTL after its last renewal began; allow for a busy machine.
	if took > ttl+unavailableBound {
		t.Errorf("the owner was told %s after Redis went away; the TTL is %s", took, ttl)
	}
	return took
}

// acquireAgain waits until locking works again and returns how many tries failed.
func acquireAgain(t *testing.T, lk Locker) int {
	t.Helper()
	failed := 0
	var l *Lease
	eventually(t, 0, "locking works again", func() bool {
		var err error
		l, err = lk.Acquire(t.Context(), request(Service("ping"), "U0BOB", "scale ping 1"))
		if err != nil {
			failed++
			t.Logf("acquire after Redis came back: %v", err)
		}
		return err == nil
	})
	if err := l.Release(t.Context()); err != nil {
		t.Error(err)
	}
	return failed
}

func TestRedisServerStops(t *testing.T) {
	srv := testenv.StartRedisServer(t)
	const ttl = 2 * time.Second
	lk, err := NewRedis(newClient(t, srv.URL), Options{Cluster: newCluster(t), TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	l := mustAcquire(t, lk, request(Service("ping"), "U0ALICE", "update ping → alpine:3.7"))

	stopped := time.Now()
	srv.Stop()
	waitLost(t, l, stopped, ttl)
	callEveryWay(t, lk, l)

	srv.Start(t)
	if n := acquireAgain(t, lk); n > 1 {
		t.Errorf("locking failed %d times after Redis came back", n)
	}
	// The restarted Redis has forgotten the old lease (it keeps no data).
	if err := l.Release(t.Context()); !errors.Is(err, ErrLost) {
		t.Errorf("releasing the old lease after the restart: want ErrLost, got %v", err)
	}
}

func TestRedisHangs(t *testing.T) {
	url := testenv.Redis(t)
	hole := startBlackhole(t, strings.TrimSuffix(strings.TrimPrefix(url, "redis://"), "/0"))
	cluster := newCluster(t)
	deleteCluster(t, url, cluster)
	const ttl = 2 * time.Second
	lk, err := NewRedis(newClient(t, "redis://"+hole.addr()+"/0"), Options{Cluster: cluster, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	l := mustAcquire(t, lk, request(Service("ping"), "U0ALICE", "update ping → alpine:3.7"))

	frozen := time.Now()
	hole.freeze(true) // Redis accepts connections and never answers
	waitLost(t, l, frozen, ttl)
	callEveryWay(t, lk, l)

	hole.freeze(false)
	// The old lease's key runs out in Redis by itself; then locking works.
	acquireAgain(t, lk)
}

// blackhole forwards TCP to Redis until frozen; frozen, it swallows what
// clients send and answers nothing, as a hung Redis or a dropped network does.
type blackhole struct {
	ln     net.Listener
	frozen atomic.Bool
}

func startBlackhole(t *testing.T, target string) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, u)
			mu.Unlock()
			wg.Go(func() { b.pipe(u, c) })
			wg.Go(func() { b.pipe(c, u) })
		}
	})
	return b
}

func (b *blackhole) addr() string   { return b.ln.Addr().String() }
func (b *blackhole) freeze(on bool) { b.frozen.Store(on) }
func (b *blackhole) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !b.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestNewRedisClientHidesPassword(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	for _, url := range []string{
		"redis://:" + secret + "@127.0.0.1:1/x",        // bad database
		"redis://:" + secret + "@[::1:6379/0",          // unparsable host
		"redis://:" + secret + "@127.0.0.1:1/0?nope=1", // unknown option
		"http://:" + secret + "@127.0.0.1:1/0",         // wrong scheme
	} {
		_, err := NewRedisClient(url)
		if err == nil {
			t.Errorf("%s: want an error", strings.ReplaceAll(url, secret, "…"))
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
	}

	// A Redis that wants another password, and a Redis that is not there.
	srv := testenv.StartRedisServer(t)
	if err := newClient(t, srv.URL).ConfigSet(t.Context(), "requirepass", "another-one").Err(); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{
		strings.Replace(srv.URL, "redis://", "redis://:"+secret+"@", 1),
		"redis://:" + secret + "@127.0.0.1:1/0",
	} {
		lk, err := NewRedis(newClient(t, url), Options{Cluster: newCluster(t)})
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{
			lk.Ping(t.Context()),
			func() error { _, err := lk.Acquire(t.Context(), request(Service("ping"), "U1", "x")); return err }(),
		} {
			if err == nil || !errors.Is(err, ErrUnavailable) {
				t.Errorf("want ErrUnavailable, got %v", err)
				continue
			}
			t.Logf("%v", err)
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the password: %v", err)
			}
		}
	}
}

func TestKeysShareAHashSlot(t *testing.T) {
	r, err := NewRedis(nil, Options{Cluster: "prod-eu"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		res         Resource
		lock, fence string
	}{
		{Service("ping"), "swarmbot:prod-eu:lock:{service:ping}", "swarmbot:prod-eu:fence:{service:ping}"},
		{Node("dev01"), "swarmbot:prod-eu:lock:{node:dev01}", "swarmbot:prod-eu:fence:{node:dev01}"},
		{Swarm(), "swarmbot:prod-eu:lock:{swarm}", "swarmbot:prod-eu:fence:{swarm}"},
	} {
		lock, fence := r.keys(c.res)
		if lock != c.lock || fence != c.fence {
			t.Errorf("keys(%s) = %s, %s; want %s, %s", c.res, lock, fence, c.lock, c.fence)
		}
		if hashTag(lock) != hashTag(fence) || hashTag(lock) == "" {
			t.Errorf("%s and %s are not in one hash slot", lock, fence)
		}
	}
	for _, bad := range []string{"a b", "a{b}", "a*", "a:b", "-a", strings.Repeat("x", 64)} {
		if _, err := NewRedis(nil, Options{Cluster: bad}); err == nil {
			t.Errorf("cluster name %q accepted", bad)
		}
	}
}

// hashTag is the part of a key Redis Cluster hashes: the first {…}, if any.
func hashTag(key string) string {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return key
	}
	j := strings.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return key
	}
	return key[i+1 : i+1+j]
}

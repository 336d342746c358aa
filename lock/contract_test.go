package lock

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// backend is one Locker implementation under the contract.
type backend struct {
	name string
	// ttl is the operation lease the tests use: short against real Redis,
	// the default in a synctest bubble, where waiting costs nothing.
	ttl time.Duration
	// manualFor is how long a manual lock lasts in the tests.
	manualFor time.Duration
	// bubble runs each test in a synctest bubble (fake clock).
	bubble bool
	// open returns a Locker for cluster. Called again with the same cluster
	// it returns another Locker over the same store, on its own connection.
	open func(t *testing.T, cluster string) Locker
}

func (b backend) run(t *testing.T, f func(t *testing.T)) {
	if b.bubble {
		synctest.Test(t, f)
		return
	}
	f(t)
}

var contract = []struct {
	name string
	test func(t *testing.T, b backend)
}{
	{"ExclusiveUnderContention", testExclusive},
	{"HolderReadback", testHolderReadback},
	{"ReleaseByNonOwnerRefused", testReleaseByNonOwner},
	{"ExpiresWhenHeartbeatStops", testExpiry},
	{"RenewalKeepsIt", testRenewal},
	{"ForceUnlock", testForceUnlock},
	{"ManualLockExpires", testManualExpires},
	{"ManualUnlock", testManualUnlock},
	{"SeenFence", testSeenFence},
	{"ListAndClusters", testList},
	{"BadRequests", testBadRequests},
	{"SetThread", testSetThread},
}

func runContract(t *testing.T, b backend) {
	for _, c := range contract {
		t.Run(c.name, func(t *testing.T) {
			b.run(t, func(t *testing.T) { c.test(t, b) })
		})
	}
}

// newCluster returns a cluster name no other test uses, so tests sharing one
// Redis never see each other's keys.
func newCluster(t *testing.T) string {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, t.Name())
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return "t" + newToken()[:8] + "-" + strings.Trim(name, "-")
}

func request(res Resource, user, op string) Request {
	return Request{
		Resource: res, UserID: user, UserName: "name of " + user, Operation: op,
		Channel: "C0SWARM", ThreadTS: "1714557600.000100",
	}
}

// eventually polls cond until it holds, for up to within plus a generous
// margin, since the machine is shared (waiting is free in a bubble).
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within + 90*time.Second)
	poll := max(50*time.Millisecond, within/1000)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(poll)
	}
}

func released(t *testing.T, l *Lease) {
	t.Helper()
	if err := l.Release(t.Context()); err != nil {
		t.Errorf("releasing %s: %v", l.Resource(), err)
	}
}

func mustAcquire(t *testing.T, lk Locker, req Request) *Lease {
	t.Helper()
	l, err := lk.Acquire(t.Context(), req)
	if err != nil {
		t.Fatalf("acquiring %s for %s: %v", req.Resource, req.UserID, err)
	}
	return l
}

func heldBy(t *testing.T, err error) Holder {
	t.Helper()
	var held *HeldError
	if !errors.As(err, &held) || !errors.Is(err, ErrHeld) {
		t.Fatalf("want a *HeldError, got %v", err)
	}
	return held.Holder
}

func testExclusive(t *testing.T, b backend) {
	cluster := newCluster(t)
	const contenders, rounds = 50, 4
	lockers := make([]Locker, contenders)
	for i := range lockers {
		lockers[i] = b.open(t, cluster)
		// Connect first, so that the contenders race on the lock, not on dialing.
		if err := lockers[i].Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	var fences []int64
	for round := range rounds {
		type result struct {
			user  string
			lease *Lease
			err   error
		}
		start := make(chan struct{})
		results := make(chan result, contenders)
		for i, lk := range lockers {
			user := fmt.Sprintf("U%02d", i)
			go func() {
				<-start
				l, err := lk.Acquire(context.Background(), request(Service("ping"), user, "scale ping 3"))
				results <- result{user, l, err}
			}()
		}
		close(start)
		var winners []result
		var refusals []Holder
		for range contenders {
			r := <-results
			switch {
			case r.err == nil:
				winners = append(winners, r)
			case errors.Is(r.err, ErrHeld):
				refusals = append(refusals, heldBy(t, r.err))
			default:
				t.Errorf("round %d, %s: %v", round, r.user, r.err)
			}
		}
		if len(winners) != 1 {
			for _, w := range winners {
				_ = w.lease.Release(t.Context())
			}
			t.Fatalf("round %d: %d contenders got the lock, want exactly 1", round, len(winners))
		}
		w := winners[0]
		for _, h := range refusals {
			if h.UserID != w.user || h.Fence != w.lease.Fence() {
				t.Errorf("round %d: refused with holder %s fence %d, but %s holds it with fence %d",
					round, h.UserID, h.Fence, w.user, w.lease.Fence())
			}
		}
		fences = append(fences, w.lease.Fence())
		released(t, w.lease)
	}
	for i := 1; i < len(fences); i++ {
		if fences[i] <= fences[i-1] {
			t.Errorf("fences do not strictly increase across acquires: %v", fences)
		}
	}
}

func testHolderReadback(t *testing.T, b backend) {
	lk := b.open(t, newCluster(t))
	req := request(Service("ping"), "U0ALICE", "update ping → alpine:3.7")
	req.UserName = `Alice <&> "Kim"` // stored and returned as is; escaping is the renderer's
	l := mustAcquire(t, lk, req)
	defer released(t, l)
	own := l.Holder()

	other := b.open(t, clusterOf(lk))
	_, err := other.Acquire(t.Context(), request(Service("ping"), "U0BOB", "scale ping 1"))
	refused := heldBy(t, err)
	inspected, err := other.Inspect(t.Context(), Service("ping"))
	if err != nil {
		t.Fatal(err)
	}
	listed, err := other.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 {
		t.Fatalf("List returned %d locks, want 1: %+v", len(listed), listed)
	}
	for _, c := range []struct {
		how string
		h   Holder
	}{{"refusal", refused}, {"Inspect", inspected}, {"List", listed[0]}} {
		want := own
		want.Until = c.h.Until // from the store's time to live; checked below
		if !sameHolder(c.h, want) {
			t.Errorf("%s: holder\n got %+v\nwant %+v", c.how, c.h, want)
		}
		if !c.h.Until.After(c.h.Since) || c.h.Until.After(time.Now().Add(b.ttl)) {
			t.Errorf("%s: until %s is not within the TTL %s after %s", c.how, c.h.Until, b.ttl, c.h.Since)
		}
	}
	if own.UserID != "U0ALICE" || own.UserName != req.UserName || own.Operation != req.Operation ||
		own.Channel != req.Channel || own.ThreadTS != req.ThreadTS || own.Manual || own.Fence < 1 ||
		own.Instance == "" || own.Since.IsZero() {
		t.Errorf("lease's own holder does not say what was asked: %+v", own)
	}
	msg := (&HeldError{Holder: refused}).Error()
	for _, want := range []string{"service ping", req.UserName, "U0ALICE", "update ping → alpine:3.7"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q does not say %q", msg, want)
		}
	}
}

// sameHolder compares holders, times by their instant.
func sameHolder(a, b Holder) bool {
	ta, tb := [2]time.Time{a.Since, a.Until}, [2]time.Time{b.Since, b.Until}
	a.Since, a.Until, b.Since, b.Until = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b && ta[0].Equal(tb[0]) && ta[1].Equal(tb[1])
}

func clusterOf(lk Locker) string {
	switch l := lk.(type) {
	case *Redis:
		return l.opts.Cluster
	case *Memory:
		return l.opts.Cluster
	}
	panic(fmt.Sprintf("unknown locker %T", lk))
}

func testReleaseByNonOwner(t *testing.T, b backend) {
	cluster := newCluster(t)
	lk := b.open(t, cluster)
	svc := Service("ping")
	alice := mustAcquire(t, lk, request(svc, "U0ALICE", "update ping → alpine:3.7"))
	alice.abandon() // Alice's bot stops heartbeating, as if paused or dead
	eventually(t, b.ttl, "alice's lock runs out", func() bool {
		_, err := lk.Inspect(t.Context(), svc)
		return errors.Is(err, ErrNotHeld)
	})
	bob := mustAcquire(t, b.open(t, cluster), request(svc, "U0BOB", "scale ping 1"))
	defer released(t, bob)

	if err := alice.Release(t.Context()); !errors.Is(err, ErrLost) {
		t.Errorf("releasing a lease that ran out: want ErrLost, got %v", err)
	}
	if _, err := alice.Advance(t.Context(), bob.Fence()); !errors.Is(err, ErrLost) {
		t.Errorf("advancing a lease that ran out: want ErrLost, got %v", err)
	}
	if _, err := lk.Unlock(t.Context(), svc, "U0ALICE"); heldBy(t, err).UserID != "U0BOB" {
		t.Errorf("alice unlocking bob's lock: got %v", err)
	}
	if _, err := lk.Unlock(t.Context(), svc, "U0BOB"); !sameLock(heldBy(t, err), bob.Holder()) {
		t.Errorf("unlocking a running operation's lock must be refused, got %v", err)
	}
	h, err := lk.Inspect(t.Context(), svc)
	if err != nil || h.UserID != "U0BOB" || h.Fence != bob.Fence() {
		t.Errorf("after refused releases bob must still hold it; got %+v, %v", h, err)
	}
	if bob.Fence() <= alice.Fence() {
		t.Errorf("bob's fence %d is not above alice's %d", bob.Fence(), alice.Fence())
	}
	if err := bob.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := bob.Release(t.Context()); err != nil {
		t.Errorf("releasing twice: %v", err)
	}
	if _, err := lk.Inspect(t.Context(), svc); !errors.Is(err, ErrNotHeld) {
		t.Errorf("after release: want ErrNotHeld, got %v", err)
	}
}

// sameLock reports whether two holders are the same lock by the same person.
func sameLock(a, b Holder) bool {
	return a.Resource == b.Resource && a.UserID == b.UserID && a.Fence == b.Fence
}

func testExpiry(t *testing.T, b backend) {
	cluster := newCluster(t)
	lk := b.open(t, cluster)
	svc := Service("ping")
	dead := mustAcquire(t, lk, request(svc, "U0ALICE", "update ping → alpine:3.7"))
	dead.abandon()
	other := b.open(t, cluster)
	if _, err := other.Acquire(t.Context(), request(svc, "U0BOB", "scale ping 1")); heldBy(t, err).UserID != "U0ALICE" {
		t.Fatalf("right after acquiring, alice must hold it")
	}
	var next *Lease
	eventually(t, b.ttl, "the abandoned lock runs out and bob gets it", func() bool {
		l, err := other.Acquire(t.Context(), request(svc, "U0BOB", "scale ping 1"))
		if err != nil && !errors.Is(err, ErrHeld) {
			t.Fatal(err)
		}
		next = l
		return err == nil
	})
	defer released(t, next)
	if next.Fence() <= dead.Fence() {
		t.Errorf("fence after expiry %d is not above %d", next.Fence(), dead.Fence())
	}
	select {
	case <-dead.Lost():
		t.Error("an abandoned lease has no heartbeat to notice anything, yet Lost was closed")
	default:
	}
}

func testRenewal(t *testing.T, b backend) {
	cluster := newCluster(t)
	lk := b.open(t, cluster)
	svc := Service("ping")
	l := mustAcquire(t, lk, request(svc, "U0ALICE", "update ping → alpine:3.7"))
	defer released(t, l)
	first := l.Holder().Until
	time.Sleep(3 * b.ttl)
	select {
	case <-l.Lost():
		t.Fatalf("a renewed lease was lost: %v", l.Err())
	default:
	}
	h, err := b.open(t, cluster).Inspect(t.Context(), svc)
	if err != nil || !sameLock(h, l.Holder()) {
		t.Fatalf("after three TTLs, want alice's lease; got %+v, %v", h, err)
	}
	if !l.Holder().Until.After(first) {
		t.Errorf("renewals did not move Until on from %s", first)
	}
	if _, err := b.open(t, cluster).Acquire(t.Context(), request(svc, "U0BOB", "scale ping 1")); heldBy(t, err).UserID != "U0ALICE" {
		t.Error("bob got a renewed lock")
	}
}

func testForceUnlock(t *testing.T, b backend) {
	cluster := newCluster(t)
	lk := b.open(t, cluster)
	svc := Service("ping")
	if _, err := lk.ForceUnlock(t.Context(), svc); !errors.Is(err, ErrNotHeld) {
		t.Errorf("force-unlocking a free service: want ErrNotHeld, got %v", err)
	}
	alice := mustAcquire(t, lk, request(svc, "U0ALICE", "update ping → alpine:3.7"))
	broken, err := b.open(t, cluster).ForceUnlock(t.Context(), svc)
	if err != nil {
		t.Fatal(err)
	}
	if !sameLock(broken, alice.Holder()) || broken.Operation != "update ping → alpine:3.7" {
		t.Errorf("force-unlock returned %+v, want alice's lease %+v", broken, alice.Holder())
	}
	select {
	case <-alice.Lost():
	case <-time.After(90 * time.Second):
		t.Fatal("alice was never told she lost the lock")
	}
	if err := alice.Err(); !errors.Is(err, ErrLost) {
		t.Errorf("Err after force-unlock: want ErrLost, got %v", err)
	}
	if _, err := alice.Advance(t.Context(), 0); !errors.Is(err, ErrLost) {
		t.Errorf("checking a broken lease with Advance: want ErrLost, got %v", err)
	}
	if err := alice.Release(t.Context()); !errors.Is(err, ErrLost) {
		t.Errorf("releasing a broken lease: want ErrLost, got %v", err)
	}
	bob := mustAcquire(t, lk, request(svc, "U0BOB", "rollback ping"))
	defer released(t, bob)
	if bob.Fence() < alice.Fence()+2 {
		t.Errorf("force-unlock must move the fence on: alice had %d, bob got %d", alice.Fence(), bob.Fence())
	}
}

func testManualExpires(t *testing.T, b backend) {
	cluster := newCluster(t)
	lk := b.open(t, cluster)
	svc := Service("ping")
	req := request(svc, "U0ALICE", "")
	req.Reason, req.For = "incident 42", b.manualFor
	m := mustAcquire(t, lk, req)
	h, err := b.open(t, cluster).Inspect(t.Context(), svc)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Manual || h.Reason != "incident 42" || !sameLock(h, m.Holder()) {
		t.Errorf("inspecting a manual lock: got %+v", h)
	}
	// Until is the read time plus Redis's PTTL (whole milliseconds), so it
	// lies between the moment the lock was asked for and now, plus For.
	if h.Until.Before(h.Since.Add(b.manualFor-time.Millisecond)) || h.Until.After(time.Now().Add(b.manualFor)) {
		t.Errorf("a manual lock for %s runs from %s until %s", b.manualFor, h.Since, h.Until)
	}
	refused := heldBy(t, func() error {
		_, err := b.open(t, cluster).Acquire(t.Context(), request(svc, "U0BOB", "scale ping 1"))
		return err
	}())
	if !refused.Manual || refused.Reason != "incident 42" {
		t.Errorf("refusal by a manual lock: got %+v", refused)
	}
	if msg := (&HeldError{Holder: refused}).Error(); !strings.Contains(msg, "incident 42") || !strings.Contains(msg, "until") {
		t.Errorf("refusal %q does not give the reason and the end", msg)
	}
	eventually(t, b.manualFor, "the manual lock runs out", func() bool {
		_, err := lk.Inspect(t.Context(), svc)
		return errors.Is(err, ErrNotHeld)
	})
	select {
	case <-m.Lost():
		t.Error("a manual lock has no heartbeat, yet Lost was closed")
	default:
	}
	bob := mustAcquire(t, lk, request(svc, "U0BOB", "scale ping 1"))
	defer released(t, bob)
}

func testManualUnlock(t *testing.T, b backend) {
	lk := b.open(t, newCluster(t))
	svc := Service("ping")
	req := request(svc, "U0ALICE", "")
	req.Reason, req.For = "incident 42", 2*time.Hour
	m := mustAcquire(t, lk, req)
	if _, err := lk.Unlock(t.Context(), svc, "U0BOB"); heldBy(t, err).UserID != "U0ALICE" {
		t.Errorf("bob unlocking alice's manual lock: got %v", err)
	}
	got, err := lk.Unlock(t.Context(), svc, "U0ALICE")
	if err != nil || !sameLock(got, m.Holder()) || got.Reason != "incident 42" {
		t.Fatalf("alice unlocking her manual lock: got %+v, %v", got, err)
	}
	if _, err := lk.Unlock(t.Context(), svc, "U0ALICE"); !errors.Is(err, ErrNotHeld) {
		t.Errorf("unlocking twice: want ErrNotHeld, got %v", err)
	}
	if err := m.Release(t.Context()); !errors.Is(err, ErrLost) {
		t.Errorf("releasing the lease of an unlocked manual lock: want ErrLost, got %v", err)
	}
	bob := mustAcquire(t, lk, request(svc, "U0BOB", "scale ping 1"))
	defer released(t, bob)
	if bob.Fence() <= m.Fence() {
		t.Errorf("fence after unlock %d is not above %d", bob.Fence(), m.Fence())
	}
}

func testSeenFence(t *testing.T, b backend) {
	lk := b.open(t, newCluster(t))
	svc := Service("ping")
	req := request(svc, "U0ALICE", "update ping → alpine:3.7")
	req.SeenFence = 100 // the service label says 100: the counter lost increments
	l := mustAcquire(t, lk, req)
	if l.Fence() != 101 {
		t.Errorf("acquire after seeing 100: fence %d, want 101", l.Fence())
	}
	released(t, l)

	l = mustAcquire(t, lk, request(svc, "U0ALICE", "update ping → alpine:3.7"))
	if l.Fence() != 102 {
		t.Errorf("next acquire: fence %d, want 102", l.Fence())
	}
	for _, c := range []struct {
		seen, want int64
	}{
		{50, 102},  // an older label: nothing to do
		{101, 102}, // still older
		{102, 103}, // the label equals a fresh fence: someone was issued it before
		{200, 201},
	} {
		got, err := l.Advance(t.Context(), c.seen)
		if err != nil || got != c.want || l.Fence() != c.want {
			t.Errorf("Advance(%d) = %d, %v (Fence %d), want %d", c.seen, got, err, l.Fence(), c.want)
		}
	}
	h, err := lk.Inspect(t.Context(), svc)
	if err != nil || h.Fence != 201 {
		t.Errorf("the holder's fence after Advance: %+v, %v; want 201", h, err)
	}
	if _, err := lk.ForceUnlock(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	<-l.Lost()
	if err := l.Release(t.Context()); !errors.Is(err, ErrLost) {
		t.Errorf("releasing a force-unlocked lease: want ErrLost, got %v", err)
	}
	l2 := mustAcquire(t, lk, request(svc, "U0BOB", "scale ping 1"))
	defer released(t, l2)
	if l2.Fence() != 203 {
		t.Errorf("acquire after force-unlocking fence 201: fence %d, want 203", l2.Fence())
	}
}

func testList(t *testing.T, b backend) {
	cluster := newCluster(t)
	lk := b.open(t, cluster)
	if hs, err := lk.List(t.Context()); err != nil || len(hs) != 0 {
		t.Fatalf("a new cluster has locks: %+v, %v", hs, err)
	}
	var leases []*Lease
	for _, res := range []Resource{Service("pong"), Node("dev01"), Service("ping"), Swarm()} {
		leases = append(leases, mustAcquire(t, lk, request(res, "U0ALICE", "something on "+res.String())))
	}
	elsewhere := b.open(t, newCluster(t))
	if _, ok := lk.(*Redis); ok {
		// Another swarm sharing the Redis has its own service ping.
		leases = append(leases, mustAcquire(t, elsewhere, request(Service("ping"), "U0BOB", "scale ping 1")))
	}
	defer func() {
		for _, l := range leases {
			released(t, l)
		}
	}()
	hs, err := lk.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hs {
		got = append(got, h.Resource.String()+" by "+h.UserID+": "+h.Operation)
	}
	want := []string{
		"the swarm by U0ALICE: something on the swarm",
		"node dev01 by U0ALICE: something on node dev01",
		"service ping by U0ALICE: something on service ping",
		"service pong by U0ALICE: something on service pong",
	}
	if !slices.Equal(got, want) {
		t.Errorf("List:\n got %q\nwant %q", got, want)
	}
	released(t, leases[2])
	leases = slices.Delete(leases, 2, 3)
	hs, err = lk.List(t.Context())
	if err != nil || len(hs) != 3 {
		t.Errorf("List after releasing one of four: %d locks, %v", len(hs), err)
	}
}

func testBadRequests(t *testing.T, b backend) {
	lk := b.open(t, newCluster(t))
	for _, c := range []struct {
		name string
		req  Request
		want string
	}{
		{"no user", Request{Resource: Service("ping")}, "needs the user"},
		{"no service name", request(Service(""), "U1", "x"), "needs the service's name"},
		{"brace", request(Service("pi{ng}"), "U1", "x"), "brace"},
		{"space", request(Node("dev 01"), "U1", "x"), "space"},
		{"unknown kind", request(Resource{Kind: "network", Name: "x"}, "U1", "x"), "unknown kind"},
		{"named swarm", request(Resource{Kind: KindSwarm, Name: "x"}, "U1", "x"), "no name"},
		{"negative for", Request{Resource: Service("ping"), UserID: "U1", For: -time.Second}, "positive duration"},
		{"too short for", Request{Resource: Service("ping"), UserID: "U1", For: time.Millisecond}, "at least 1s"},
		{"negative fence", Request{Resource: Service("ping"), UserID: "U1", SeenFence: -1}, "never negative"},
	} {
		_, err := lk.Acquire(t.Context(), c.req)
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrHeld) || errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: want an error saying %q, got %v", c.name, c.want, err)
		}
	}
	for _, res := range []Resource{Service(""), {Kind: "x", Name: "y"}} {
		if _, err := lk.Inspect(t.Context(), res); err == nil || errors.Is(err, ErrNotHeld) {
			t.Errorf("Inspect(%+v): want a validation error, got %v", res, err)
		}
		if _, err := lk.Unlock(t.Context(), res, "U1"); err == nil || errors.Is(err, ErrNotHeld) {
			t.Errorf("Unlock(%+v): want a validation error, got %v", res, err)
		}
		if _, err := lk.ForceUnlock(t.Context(), res); err == nil || errors.Is(err, ErrNotHeld) {
			t.Errorf("ForceUnlock(%+v): want a validation error, got %v", res, err)
		}
	}
	if hs, err := lk.List(t.Context()); err != nil || len(hs) != 0 {
		t.Errorf("bad requests left locks: %+v, %v", hs, err)
	}
}

// memoryBackend opens Memory lockers; lockers of one cluster share one store.
func memoryBackend() backend {
	var (
		mu     sync.Mutex
		stores = map[string]*Memory{}
	)
	return backend{
		name: "memory", ttl: DefaultTTL, manualFor: 2 * time.Hour, bubble: true,
		open: func(t *testing.T, cluster string) Locker {
			t.Helper()
			mu.Lock()
			defer mu.Unlock()
			if m, ok := stores[cluster]; ok {
				return m
			}
			m, err := NewMemory(Options{Cluster: cluster})
			if err != nil {
				t.Fatal(err)
			}
			stores[cluster] = m
			return m
		},
	}
}

func TestMemoryContract(t *testing.T) { runContract(t, memoryBackend()) }

// A lease taken before its operation's thread existed records the thread
// afterwards; others then see it. A lease that no longer holds the lock
// cannot change what the new holder shows.
func testSetThread(t *testing.T, b backend) {
	lk := b.open(t, newCluster(t))
	req := request(Service("ping"), "U0ALICE", "update ping → alpine:3.7")
	req.Channel, req.ThreadTS = "", ""
	l := mustAcquire(t, lk, req)
	if err := l.SetThread(t.Context(), "C0OPS", "1714557600.000200"); err != nil {
		t.Fatal(err)
	}
	other := b.open(t, clusterOf(lk))
	got, err := other.Inspect(t.Context(), Service("ping"))
	if err != nil {
		t.Fatal(err)
	}
	want := l.Holder()
	want.Until = got.Until
	if got.Channel != "C0OPS" || got.ThreadTS != "1714557600.000200" || !sameHolder(got, want) {
		t.Errorf("after SetThread the holder is\n %+v\nwant\n %+v", got, want)
	}
	if _, err := other.Acquire(t.Context(), request(Service("ping"), "U0BOB", "scale ping 1")); heldBy(t, err).ThreadTS != "1714557600.000200" {
		t.Error("a refusal does not show the thread set after the lock was taken")
	}
	released(t, l)
	l2 := mustAcquire(t, other, request(Service("ping"), "U0BOB", "scale ping 1"))
	defer released(t, l2)
	if err := l.SetThread(t.Context(), "C0X", "1"); !errors.Is(err, ErrLost) {
		t.Errorf("SetThread of a released lease: got %v, want ErrLost", err)
	}
	if h, _ := other.Inspect(t.Context(), Service("ping")); h.UserID != "U0BOB" || h.ThreadTS == "1" {
		t.Errorf("a stale lease changed the new holder: %+v", h)
	}
}

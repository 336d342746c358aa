package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/swarmbot/swarmbot/internal/testenv"
	"github.com/swarmbot/swarmbot/swarm"
)

// storeBackends gives each contract test the in-process stores and Redis
// stores on the test environment's Redis (under a cluster name of the test's
// own, removed when it ends).
func storeBackends(t *testing.T) map[string]func(t *testing.T) Stores {
	return map[string]func(t *testing.T) Stores{
		"memory": func(*testing.T) Stores { return NewMemoryStores() },
		"redis": func(t *testing.T) Stores {
			rdb := testRedis(t)
			return NewRedisStores(rdb, testCluster(t, rdb))
		},
	}
}

// testRedis connects to the test environment's Redis.
func testRedis(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.Redis(t))
	if err != nil {
		t.Fatalf("parsing the test Redis URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// testCluster returns a cluster name of the test's own and removes its keys
// when the test ends.
func testCluster(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	cluster := "test-" + newID()
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, "swarmbot:{"+cluster+"}:*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return cluster
}

var (
	alice = Person{ID: "U0ALICE", Name: "alice"}
	bob   = Person{ID: "U0BOB", Name: "bob"}
	carol = Person{ID: "U0CAROL", Name: "carol"}
)

func testApproval(now time.Time) Approval {
	return Approval{
		ID: newID(), Requester: alice, Command: "drain dev02", Verb: "drain", Target: "dev02",
		Channel: "C0OPS", Check: "active",
		Impact:  Impact{Summary: "2 tasks of 1 service run on dev02 and will move", Lines: []string{"ping.2", "ping.4"}},
		Created: now, Expires: now.Add(15 * time.Minute),
	}
}

func TestApprovalsContract(t *testing.T) {
	for name, open := range storeBackends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			now := time.Now().UTC().Truncate(time.Millisecond)

			t.Run("round trip", func(t *testing.T) {
				s := open(t).Approvals
				a := testApproval(now)
				if err := s.Create(ctx, a); err != nil {
					t.Fatal(err)
				}
				if err := s.Create(ctx, a); !errors.Is(err, ErrExists) {
					t.Errorf("second Create: got %v, want ErrExists", err)
				}
				if err := s.SetPlace(ctx, a.ID, Place{Channel: "C0OPS", ID: "1700000000.000100"}); err != nil {
					t.Fatal(err)
				}
				if err := s.SetOperation(ctx, a.ID, "op1"); err != nil {
					t.Fatal(err)
				}
				got, err := s.Get(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := a
				want.Status = StatusPending
				want.Place = Place{Channel: "C0OPS", ID: "1700000000.000100"}
				want.OperationID = "op1"
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("Get:\n got %+v\nwant %+v", got, want)
				}
				if _, err := s.Get(ctx, "nosuchid"); !errors.Is(err, ErrNotFound) {
					t.Errorf("Get of a missing request: got %v, want ErrNotFound", err)
				}
				if err := s.SetPlace(ctx, "nosuchid", Place{}); !errors.Is(err, ErrNotFound) {
					t.Errorf("SetPlace of a missing request: got %v, want ErrNotFound", err)
				}
				if _, err := s.Decide(ctx, "nosuchid", Decision{Status: StatusApproved, By: bob, At: now}); !errors.Is(err, ErrNotFound) {
					t.Errorf("Decide of a missing request: got %v, want ErrNotFound", err)
				}
			})

			decisions := []struct {
				name       string
				d          Decision
				wantStatus ApprovalStatus
				wantErr    error
			}{
				{"approved in time", Decision{Status: StatusApproved, By: bob, At: now.Add(time.Minute), Reason: ""}, StatusApproved, nil},
				{"denied with a reason", Decision{Status: StatusDenied, By: bob, At: now.Add(time.Minute), Reason: "not during the incident"}, StatusDenied, nil},
				{"approved at expiry", Decision{Status: StatusApproved, By: bob, At: now.Add(15 * time.Minute)}, StatusExpired, ErrExpired},
				{"denied after expiry", Decision{Status: StatusDenied, By: bob, At: now.Add(time.Hour)}, StatusExpired, ErrExpired},
				{"stale", Decision{Status: StatusStale, By: bob, At: now.Add(time.Minute), Reason: "dev02 is drain now"}, StatusStale, nil},
			}
			for _, tc := range decisions {
				t.Run(tc.name, func(t *testing.T) {
					s := open(t).Approvals
					a := testApproval(now)
					if err := s.Create(ctx, a); err != nil {
						t.Fatal(err)
					}
					got, err := s.Decide(ctx, a.ID, tc.d)
					if !errors.Is(err, tc.wantErr) {
						t.Fatalf("Decide: got error %v, want %v", err, tc.wantErr)
					}
					if got.Status != tc.wantStatus || got.DecidedBy != tc.d.By || !got.DecidedAt.Equal(tc.d.At) || got.Reason != tc.d.Reason {
						t.Errorf("Decide returned %s by %v at %v (%q), want %s by %v at %v (%q)",
							got.Status, got.DecidedBy, got.DecidedAt, got.Reason, tc.wantStatus, tc.d.By, tc.d.At, tc.d.Reason)
					}
					if got.Command != a.Command || got.Requester != a.Requester {
						t.Errorf("Decide returned the request %q by %v, want %q by %v", got.Command, got.Requester, a.Command, a.Requester)
					}
					// A second decision changes nothing and says who decided.
					again, err := s.Decide(ctx, a.ID, Decision{Status: StatusApproved, By: carol, At: now.Add(2 * time.Minute)})
					if !errors.Is(err, ErrDecided) {
						t.Errorf("second Decide: got %v, want ErrDecided", err)
					}
					if again.Status != tc.wantStatus || again.DecidedBy != tc.d.By {
						t.Errorf("second Decide reports %s by %v, want %s by %v", again.Status, again.DecidedBy, tc.wantStatus, tc.d.By)
					}
					stored, err := s.Get(ctx, a.ID)
					if err != nil || stored.Status != tc.wantStatus || stored.DecidedBy != tc.d.By {
						t.Errorf("Get after Decide: %s by %v (%v), want %s by %v", stored.Status, stored.DecidedBy, err, tc.wantStatus, tc.d.By)
					}
				})
			}

			t.Run("at most once under concurrency", func(t *testing.T) {
				st := open(t).Approvals
				a := testApproval(now)
				if err := st.Create(ctx, a); err != nil {
					t.Fatal(err)
				}
				const clicks = 50
				var (
					wg  sync.WaitGroup
					mu  sync.Mutex
					won []Approval
				)
				for i := range clicks {
					wg.Go(func() {
						status := StatusApproved
						if i%2 == 1 {
							status = StatusDenied
						}
						by := Person{ID: fmt.Sprintf("U%03d", i)}
						got, err := st.Decide(ctx, a.ID, Decision{Status: status, By: by, At: now.Add(time.Minute)})
						switch {
						case err == nil:
							mu.Lock()
							won = append(won, got)
							mu.Unlock()
						case !errors.Is(err, ErrDecided):
							t.Errorf("Decide: %v", err)
						}
					})
				}
				wg.Wait()
				if len(won) != 1 {
					t.Fatalf("%d of %d concurrent decisions succeeded, want exactly 1", len(won), clicks)
				}
				stored, _ := st.Get(ctx, a.ID)
				if stored.DecidedBy != won[0].DecidedBy || stored.Status != won[0].Status {
					t.Errorf("stored decision %s by %v, but the winner was %s by %v", stored.Status, stored.DecidedBy, won[0].Status, won[0].DecidedBy)
				}
			})
		})
	}
}

func TestOperationsContract(t *testing.T) {
	for name, open := range storeBackends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			t0 := time.Now().UTC().Truncate(time.Millisecond)

			t.Run("records and in flight", func(t *testing.T) {
				s := open(t).Operations
				ops := []Operation{
					{ID: "b", Requester: alice, Command: "scale ping=4", Verb: "scale", State: OpFollowing, Started: t0.Add(time.Second),
						Follow: []swarm.Operation{{Kind: swarm.OpScale, Service: "ping", Since: t0.Add(2 * time.Second)}},
						Locks:  []LockRef{{Kind: "service", Name: "ping", Fence: 7}}, Place: Place{Channel: "C1", ID: "1.2"},
						Last: Card{OperationID: "b", Phase: PhaseUpdating, Progress: &swarm.Progress{Phase: swarm.PhaseUpdating, Services: []swarm.ServiceProgress{
							{ID: "s1", Name: "ping", Running: 1, Desired: 4, Slots: []swarm.SlotProgress{{Slot: 1, NodeName: "dev01", State: "running"}}}}}}},
					{ID: "a", Requester: bob, Command: "drain dev02", State: OpStarting, Started: t0},
					{ID: "c", Requester: alice, Command: "scale web=1", State: OpFinished, Started: t0, Finished: t0.Add(time.Minute)},
				}
				for _, op := range ops {
					if err := s.Put(ctx, op); err != nil {
						t.Fatal(err)
					}
				}
				got, err := s.Get(ctx, "b")
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, ops[0]) {
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(ops[0])
					t.Errorf("Get:\n got %s\nwant %s", g, w)
				}
				if _, err := s.Get(ctx, "zzz"); !errors.Is(err, ErrNotFound) {
					t.Errorf("Get of a missing operation: got %v, want ErrNotFound", err)
				}
				assertInFlight(t, s, "a", "b")

				done := ops[0]
				done.State, done.Finished = OpFinished, t0.Add(2*time.Minute)
				if err := s.Put(ctx, done); err != nil {
					t.Fatal(err)
				}
				assertInFlight(t, s, "a")
				if got, err := s.Get(ctx, "b"); err != nil || got.State != OpFinished {
					t.Errorf("a finished operation is still readable: got %v, %v", got.State, err)
				}
			})

			t.Run("leases", func(t *testing.T) {
				s := open(t).Operations
				claim := func(owner string, ttl time.Duration) bool {
					t.Helper()
					ok, err := s.Claim(ctx, "op1", owner, ttl)
					if err != nil {
						t.Fatal(err)
					}
					return ok
				}
				if !claim("p1", time.Minute) {
					t.Fatal("p1 could not claim a free lease")
				}
				if claim("p2", time.Minute) {
					t.Error("p2 claimed a lease p1 holds")
				}
				if !claim("p1", time.Minute) {
					t.Error("p1 could not renew its own lease")
				}
				if err := s.Release(ctx, "op1", "p2"); err != nil {
					t.Fatal(err)
				}
				if claim("p2", time.Minute) {
					t.Error("a release by p2, not the owner, freed p1's lease")
				}
				if err := s.Release(ctx, "op1", "p1"); err != nil {
					t.Fatal(err)
				}
				if !claim("p2", 50*time.Millisecond) {
					t.Fatal("p2 could not claim a lease its owner released")
				}
				// A lease nobody renews lapses: its owner has died.
				deadline := time.Now().Add(10 * time.Second)
				for !claim("p3", time.Minute) {
					if time.Now().After(deadline) {
						t.Fatal("p2's 50ms lease never lapsed")
					}
					time.Sleep(20 * time.Millisecond)
				}

				// Of many processes claiming one lease at once, one wins.
				var wg sync.WaitGroup
				var mu sync.Mutex
				winners := 0
				for i := range 30 {
					wg.Go(func() {
						ok, err := s.Claim(ctx, "op2", fmt.Sprint("p", i), time.Minute)
						if err != nil {
							t.Error(err)
						}
						if ok {
							mu.Lock()
							winners++
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if winners != 1 {
					t.Errorf("%d processes claimed one lease, want 1", winners)
				}
			})
		})
	}
}

func assertInFlight(t *testing.T, s Operations, want ...string) {
	t.Helper()
	ops, err := s.InFlight(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range ops {
		got = append(got, op.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("in flight: got %v, want %v (oldest first)", got, want)
	}
}

func TestAuditContract(t *testing.T) {
	for name, open := range storeBackends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			s := open(t).Audit
			t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			n := auditMaxLen + 500
			if name == "redis" {
				// Fill it fast: the bound is what is under test, not Append's round trips.
				rs := s.(redisAudit)
				p := rs.s.rdb.Pipeline()
				for i := range n - 3 {
					p.XAdd(ctx, &redis.XAddArgs{Stream: rs.s.auditKey(), MaxLen: auditMaxLen, Approx: true,
						Values: []any{"e", fmt.Sprintf(`{"action":"filler","target":"t%d"}`, i)}})
				}
				if _, err := p.Exec(ctx); err != nil {
					t.Fatal(err)
				}
			} else {
				for i := range n - 3 {
					if err := s.Append(ctx, AuditEntry{Action: "filler", Target: fmt.Sprint("t", i)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			last := []AuditEntry{
				{Time: t0, Actor: alice, Action: "started", Command: "scale ping=4", Target: "ping", OperationID: "op1"},
				{Time: t0.Add(time.Second), Actor: bob, Action: "refused", Command: "scale web=2", Target: "web", Outcome: "web is locked by alice"},
				{Time: t0.Add(2 * time.Second), Actor: alice, Action: "finished", Command: "scale ping=4", Target: "ping", Outcome: "converged in 12s", OperationID: "op1"},
			}
			for _, e := range last {
				if err := s.Append(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Recent(ctx, "", 3)
			if err != nil {
				t.Fatal(err)
			}
			want := []AuditEntry{last[2], last[1], last[0]}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("Recent(3):\n got %v\nwant %v", got, want)
			}
			got, err = s.Recent(ctx, "ping", 10)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint([]AuditEntry{last[2], last[0]}) {
				t.Errorf("Recent(ping):\n got %v\nwant %v", got, []AuditEntry{last[2], last[0]})
			}
			// The trail is bounded: the oldest entries are gone.
			all, err := s.Recent(ctx, "", 2*n)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) >= n || len(all) < auditMaxLen {
				t.Errorf("the trail holds %d of %d entries appended, want about %d", len(all), n, auditMaxLen)
			}
			if old, _ := s.Recent(ctx, "t0", 1); len(old) != 0 {
				t.Errorf("the oldest entry is still there: %v", old)
			}
		})
	}
}

func TestDeliveriesContract(t *testing.T) {
	for name, open := range storeBackends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			d := open(t).Deliveries
			if first, err := d.Claim(ctx, time.Minute, "envelope e1", "event Ev1"); err != nil || !first {
				t.Fatalf("a new delivery: first %v, %v", first, err)
			}
			// An events_api retry: a new envelope with the same event.
			if first, err := d.Claim(ctx, time.Minute, "envelope e2", "event Ev1"); err != nil || first {
				t.Errorf("a retry of a claimed event: first %v, %v; want false", first, err)
			}
			if first, err := d.Claim(ctx, time.Minute, "envelope e2"); err != nil || first {
				t.Errorf("the retry's envelope was not claimed with it: first %v, %v", first, err)
			}
			// Twenty replicas given the same new delivery at once: one takes it.
			var mu sync.Mutex
			var wg sync.WaitGroup
			taken := 0
			for range 20 {
				wg.Go(func() {
					first, err := d.Claim(ctx, time.Minute, "envelope e3", "event Ev3")
					if err != nil {
						t.Error(err)
					}
					if first {
						mu.Lock()
						taken++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if taken != 1 {
				t.Errorf("%d of 20 concurrent claims of one delivery took it, want 1", taken)
			}
			// Forgotten after the ttl.
			if first, err := d.Claim(ctx, 50*time.Millisecond, "event Ev4"); err != nil || !first {
				t.Fatalf("first %v, %v", first, err)
			}
			time.Sleep(120 * time.Millisecond)
			if first, err := d.Claim(ctx, time.Minute, "event Ev4"); err != nil || !first {
				t.Errorf("after its ttl the delivery is still claimed: first %v, %v", first, err)
			}
		})
	}
}

package swarm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

// manyScenario is the same two-replica rolling update on n services at once.
func manyScenario(n int) scenario {
	sc := scenario{Expect: scenarioExpect{Phase: PhaseConverged}}
	nodes := []scenarioNode{
		{ID: "node-dev01", Hostname: "dev01", State: "ready", Availability: "active"},
		{ID: "node-dev02", Hostname: "dev02", State: "ready", Availability: "active"},
	}
	at := func(s string) scenarioDuration { d, _ := time.ParseDuration(s); return scenarioDuration(d) }
	services := func(state string) []scenarioService {
		var out []scenarioService
		for i := range n {
			out = append(out, scenarioService{ID: fmt.Sprintf("svc-%02d", i), Name: fmt.Sprintf("web%02d", i), Mode: "replicated",
				Replicas: 2, Image: "alpine:3.7", Update: &scenarioUpdate{State: state, Message: "update " + state}})
		}
		return out
	}
	tasks := func(states ...string) []scenarioTask {
		out := []scenarioTask{}
		for i := range n {
			for slot, st := range states {
				if st == "" {
					continue
				}
				desired, state, _ := strings.Cut(st, "/")
				out = append(out, scenarioTask{ID: fmt.Sprintf("t%02d-%d", i, slot+1), Service: fmt.Sprintf("svc-%02d", i), Slot: slot + 1,
					Node: nodes[slot%2].ID, Desired: desired, State: state, At: at("0s"), Image: "alpine:3.7"})
			}
		}
		return out
	}
	sc.Frames = []scenarioFrame{
		{At: at("0s"), Services: services("updating"), Nodes: nodes, Tasks: tasks()},
		{At: at("0.4s"), Tasks: tasks("ready/preparing")},
		{At: at("1.3s"), Tasks: tasks("running/running")},
		{At: at("1.6s"), Tasks: tasks("running/running", "ready/starting")},
		{At: at("2.5s"), Tasks: tasks("running/running", "running/running")},
		{At: at("9s"), Services: services("completed")},
	}
	return sc
}

// TestWatchCostDoesNotGrowWithOperations follows the same update on 1, 10,
// 20 and 60 services at once (past 50, listings stop naming services) and
// counts the Engine calls of each round: one task listing per round,
// whatever the number of operations; service and node listings only when
// events (or the refresh) call for them.
func TestWatchCostDoesNotGrowWithOperations(t *testing.T) {
	type cost struct {
		polls                              uint64
		taskLists, serviceLists, nodeLists int
	}
	costs := map[int]cost{}
	for _, n := range []int{1, 10, 20, 60} {
		synctest.Test(t, func(t *testing.T) {
			eng := newReplayEngine(manyScenario(n))
			w := NewWatcher(eng, WatchConfig{Logger: convergeQuietLog})
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := w.Follow(t.Context(), Operation{Kind: OpUpdate, Service: fmt.Sprintf("web%02d", i)}, nil)
					if err != nil || p.Phase != PhaseConverged {
						t.Errorf("web%02d: %v, ended %s", i, err, p.Phase)
					}
				}()
			}
			wg.Wait()
			watchStopped(t, w)
			c := eng.counts()
			costs[n] = cost{w.Stats().Polls, c["TaskList"], c["ServiceList"], c["NodeList"]}
			if got := c["ServiceInspect"]; got != n {
				t.Errorf("%d operations: %d service inspections, want one each to start", n, got)
			}
		})
	}
	for _, n := range []int{1, 10, 20, 60} {
		c := costs[n]
		t.Logf("%2d operations: %d rounds, %d task listings, %d service listings, %d node listings", n, c.polls, c.taskLists, c.serviceLists, c.nodeLists)
		if c.taskLists > int(c.polls) || c.serviceLists > int(c.polls) || c.nodeLists > int(c.polls) {
			t.Errorf("%d operations: more than one listing of a kind in a round: %+v", n, c)
		}
		// Operations join the poller a few rounds apart at most; beyond that
		// the rounds must not multiply with the operations.
		if one := costs[1]; c.polls > one.polls+3 || c.serviceLists > one.serviceLists+3 {
			t.Errorf("%d operations cost %+v, one operation %+v: the cost grows with the operations", n, c, one)
		}
	}
}

// TestWatchFallsBackToPolling: without events, and with an event stream
// that keeps breaking, the same update converges; the stream is reopened.
func TestWatchFallsBackToPolling(t *testing.T) {
	base := loadScenario(t, "testdata/converge/update-rolling.json")
	noEvents := base
	noEvents.NoEvents = true
	breaking := base
	// Reopened after 1 s, then 2 s, then 4 s: all three before the update converges.
	breaking.StreamErrors = []scenarioDuration{scenarioDuration(500 * time.Millisecond), scenarioDuration(1600 * time.Millisecond), scenarioDuration(3700 * time.Millisecond)}
	for name, sc := range map[string]scenario{"no events": noEvents, "stream breaks": breaking} {
		t.Run(name, func(t *testing.T) {
			res := replay(t, sc)
			if res.final.Phase != PhaseConverged {
				t.Fatalf("ended %s:\n%s", res.final.Phase, res.transcript)
			}
			if name == "stream breaks" && res.stats.EventReconnects < 3 {
				t.Errorf("event stream reopened %d times, want 3", res.stats.EventReconnects)
			}
			if res.calls["Events"] < 1 {
				t.Errorf("the event stream was never opened")
			}
		})
	}
}

// TestWatchSnapshotsOnlyOnChange: no two snapshots in a row say the same
// thing, and they are numbered in order.
func TestWatchSnapshotsOnlyOnChange(t *testing.T) {
	for _, name := range []string{"update-rolling", "recorded-update-delay", "recorded-drain", "timeout-crash-loop"} {
		t.Run(name, func(t *testing.T) {
			sc := loadScenario(t, "testdata/converge/"+name+".json")
			var got []Progress
			synctest.Test(t, func(t *testing.T) {
				w := NewWatcher(newReplayEngine(sc), WatchConfig{StuckAfter: time.Duration(sc.Config.StuckAfter), Timeout: time.Duration(sc.Config.Timeout), Logger: convergeQuietLog})
				op := Operation{Kind: sc.Op.Kind, Service: sc.Op.Service, Node: sc.Op.Node, Services: sc.Op.Services}
				if _, err := w.Follow(t.Context(), op, func(p Progress) { got = append(got, p) }); err != nil {
					t.Fatal(err)
				}
				watchStopped(t, w)
			})
			for i := 1; i < len(got); i++ {
				if watchSame(got[i-1], got[i]) {
					t.Errorf("snapshots #%d and #%d say the same:\n%s", got[i-1].Seq, got[i].Seq, got[i].Text())
				}
				if got[i].Seq != got[i-1].Seq+1 || got[i-1].Final {
					t.Errorf("snapshot #%d follows #%d (final %v)", got[i].Seq, got[i-1].Seq, got[i-1].Final)
				}
			}
		})
	}
}

// TestWatchFollowCancelled: a Follow cancelled by its context returns the
// context's error and the last snapshot; the poller stops with it (the
// bubble fails the test if a goroutine is left).
func TestWatchFollowCancelled(t *testing.T) {
	sc := loadScenario(t, "testdata/converge/stuck-crash-loop.json")
	synctest.Test(t, func(t *testing.T) {
		w := NewWatcher(newReplayEngine(sc), WatchConfig{Logger: convergeQuietLog})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		last, err := w.Follow(ctx, Operation{Kind: OpUpdate, Service: "ping"}, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the context's deadline", err)
		}
		if last.Seq == 0 || last.Final {
			t.Errorf("last snapshot = #%d final %v, want an intermediate one", last.Seq, last.Final)
		}
		watchStopped(t, w)
		if s := w.Stats(); s.Following != 0 {
			t.Errorf("still following %d operations", s.Following)
		}
	})
}

// TestWatchFollowErrors: what cannot be followed says why at once.
func TestWatchFollowErrors(t *testing.T) {
	sc := loadScenario(t, "testdata/converge/update-rolling.json")
	tests := []struct {
		op   Operation
		want string
	}{
		{Operation{Kind: OpUpdate, Service: "nope"}, "following update of nope: service nope not found"},
		{Operation{Kind: OpScale}, "following scale: no service given"},
		{Operation{Kind: "restart", Service: "ping"}, `following "restart": not an operation the watcher knows`},
		{Operation{Kind: OpDrain}, "following drain: no node given"},
		{Operation{Kind: OpDrain, Node: "dev09"}, "following drain of dev09: node dev09 not found"},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			w := NewWatcher(newReplayEngine(sc), WatchConfig{Logger: convergeQuietLog})
			_, err := w.Follow(t.Context(), tt.op, nil)
			watchStopped(t, w)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Follow(%+v) = %v, want %q", tt.op, err, tt.want)
			}
		})
	}
}

// TestWatchNothingToWaitFor: rm of a service already gone (by name), and a
// drain of a node with no tasks, end at once with a final snapshot.
func TestWatchNothingToWaitFor(t *testing.T) {
	sc := loadScenario(t, "testdata/converge/update-rolling.json")
	for _, op := range []Operation{{Kind: OpRemove, Service: "gone"}, {Kind: OpDrain, Node: "dev02"}} {
		synctest.Test(t, func(t *testing.T) {
			// update-rolling has no task on dev02 at the start.
			var reports int
			w := NewWatcher(newReplayEngine(sc), WatchConfig{Logger: convergeQuietLog})
			p, err := w.Follow(t.Context(), op, func(Progress) { reports++ })
			watchStopped(t, w)
			if err != nil || !p.Final || reports != 1 {
				t.Fatalf("Follow(%+v) = %+v, %v after %d reports; want one final snapshot", op, p, err, reports)
			}
			want := map[OperationKind]Phase{OpRemove: PhaseRemoved, OpDrain: PhaseConverged}[op.Kind]
			if p.Phase != want {
				t.Errorf("Follow(%+v) ended %s, want %s", op, p.Phase, want)
			}
		})
	}
}

// TestWatchNoGoroutineLeft runs follows on the real clock, one cancelled
// halfway, and checks with goleak that nothing is left running after them.
func TestWatchNoGoroutineLeft(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sc := manyScenario(3)
	w := NewWatcher(newReplayEngine(sc), WatchConfig{FastPoll: 50 * time.Millisecond, Logger: convergeQuietLog})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := t.Context()
			if i == 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Second)
				defer cancel()
			}
			_, _ = w.Follow(ctx, Operation{Kind: OpUpdate, Service: fmt.Sprintf("web%02d", i)}, nil)
		}()
	}
	wg.Wait()
	if s := w.Stats(); s.Following != 0 {
		t.Errorf("still following %d operations", s.Following)
	}
}

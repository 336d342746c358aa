package swarm

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swarmbot/swarmbot/internal/golden"
)

var convergeQuietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// scenarioExpect is what a scenario must end with.
type scenarioExpect struct {
	Phase  Phase  `json:"phase"`
	Reason string `json:"reason,omitempty"` // a part of the final reason
}

// replayResult is what a replayed Follow produced.
type replayResult struct {
	transcript string
	final      Progress
	calls      map[string]int
	stats      WatchStats
}

// replay follows the scenario's operation on a replayed Engine, in a bubble
// whose clock runs only when every goroutine waits, so waiting minutes takes
// no time and the transcript is the same on every run.
func replay(t *testing.T, sc scenario) replayResult {
	t.Helper()
	var res replayResult
	synctest.Test(t, func(t *testing.T) {
		eng := newReplayEngine(sc)
		w := NewWatcher(eng, WatchConfig{
			StuckAfter: time.Duration(sc.Config.StuckAfter),
			Timeout:    time.Duration(sc.Config.Timeout),
			Logger:     convergeQuietLog,
		})
		var b strings.Builder
		op := Operation{Kind: sc.Op.Kind, Service: sc.Op.Service, Node: sc.Op.Node, Services: sc.Op.Services}
		final, err := w.Follow(t.Context(), op, func(p Progress) { writeSnapshot(&b, p) })
		if err != nil {
			t.Fatalf("Follow: %v", err)
		}
		res = replayResult{transcript: b.String(), final: final, calls: eng.counts(), stats: w.Stats()}
		// The poller stops once nothing is followed; the bubble fails the
		// test if a goroutine is left behind.
		watchStopped(t, w)
	})
	return res
}

// watchStopped waits (on the bubble's clock) until the watcher's poller has
// stopped, as it must once nothing is followed.
func watchStopped(t *testing.T, w *Watcher) {
	t.Helper()
	for i := 0; ; i++ {
		w.mu.Lock()
		running := w.running
		w.mu.Unlock()
		if !running {
			return
		}
		if i == 1000 {
			t.Fatal("the poller still runs after every Follow returned")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// writeSnapshot writes one snapshot as people read it (Text), preceded by
// its number, age and phase, and followed by where each slot's task is.
func writeSnapshot(b *strings.Builder, p Progress) {
	final := ""
	if p.Final {
		final = " final"
	}
	fmt.Fprintf(b, "--- #%d +%s %s%s\n", p.Seq, p.Elapsed, p.Phase, final)
	b.WriteString(p.Text())
	for _, s := range p.Services {
		var where []string
		for _, sl := range s.Slots {
			w := fmt.Sprintf("%s@%s", slotName(s, sl), orDash(sl.NodeName))
			if sl.Leaving {
				w += "(leaving)"
			}
			where = append(where, w)
		}
		if len(where) > 0 {
			fmt.Fprintf(b, "    where %s: %s\n", s.Name, strings.Join(where, " "))
		}
	}
}

func slotName(s ServiceProgress, sl SlotProgress) string {
	if sl.Slot == 0 {
		return sl.TaskID
	}
	return fmt.Sprint(sl.Slot)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// TestConvergeScenarios replays every scenario under testdata/converge (the
// recorded runs of the private swarm and the hand-written rare states) and
// compares what a person would read with the golden file beside it.
func TestConvergeScenarios(t *testing.T) {
	paths, err := filepath.Glob("testdata/converge/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no scenarios under testdata/converge")
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			sc := loadScenario(t, path)
			res := replay(t, sc)
			golden.Check(t, strings.TrimSuffix(strings.TrimPrefix(path, "testdata/"), ".json"), res.transcript)
			if !res.final.Final {
				t.Errorf("the last snapshot is not marked final: %+v", res.final)
			}
			if sc.Expect.Phase == "" {
				t.Fatalf("%s names no expected phase", path)
			}
			if res.final.Phase != sc.Expect.Phase {
				t.Errorf("ended %q, want %q", res.final.Phase, sc.Expect.Phase)
			}
			if sc.Expect.Reason != "" {
				var reasons []string
				for _, s := range res.final.Services {
					reasons = append(reasons, s.Reason)
				}
				if got := strings.Join(reasons, " | "); !strings.Contains(got, sc.Expect.Reason) {
					t.Errorf("final reason %q does not say %q", got, sc.Expect.Reason)
				}
			}
		})
	}
}

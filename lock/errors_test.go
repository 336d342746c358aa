package lock

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/golden"
)

// TestErrorTexts pins the texts people read when a lock refuses them, is
// lost or cannot be reached; front ends may show them as they are.
func TestErrorTexts(t *testing.T) {
	since := time.Date(2026, 5, 1, 10, 4, 5, 0, time.FixedZone("KST", 9*3600))
	op := Holder{
		Resource: Service("ping"), UserID: "U0ALICE", UserName: "Alice Kim",
		Operation: "update ping → alpine:3.7", Since: since, Until: since.Add(30 * time.Second), Fence: 7,
	}
	manual := Holder{
		Resource: Service("ping"), UserID: "U0BOB", UserName: "Bob", Reason: "incident 42",
		Manual: true, Since: since, Until: since.Add(2 * time.Hour),
	}
	down := errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	for_ := Request{Resource: Service("ping"), UserID: "U1", For: -time.Minute}
	cases := []struct {
		name string
		err  error
	}{
		{"held by an operation", &HeldError{Holder: op}},
		{"held by hand", &HeldError{Holder: manual}},
		{"held by hand, no reason", &HeldError{Holder: Holder{Resource: Node("dev01"), UserID: "U0BOB", Manual: true, Until: since}}},
		{"swarm held, no name", &HeldError{Holder: Holder{Resource: Swarm(), UserID: "U0CAROL", Operation: "history-limit 5", Since: since}}},
		{"lost, nobody holds it", lostTo(Service("ping"), nil)},
		{"lost to another", lostTo(Service("ping"), &manual)},
		{"unavailable", fmt.Errorf("acquiring the lock on service ping: %w", unavailable(down))},
		{"bad name", func() error { _, err := (&Memory{}).Inspect(t.Context(), Service("a b")); return err }()},
		{"bad duration", for_.validate()},
		{"no user", Request{Resource: Node("dev01")}.validate()},
	}
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "%s:\n\t%v\n", c.name, c.err)
	}
	golden.Check(t, "errors.golden", b.String())
}

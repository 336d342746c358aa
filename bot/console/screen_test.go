package console

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/deploy"
	"github.com/swarmbot/swarmbot/internal/golden"
)

// TestTerminalRedraw pins the escape codes of a change on a terminal: the
// live block (the CLI's progress lines and a status line) is erased and
// drawn again below each new event, cut to the terminal's width, and at the
// end left for good as plain progress lines.
func TestTerminalRedraw(t *testing.T) {
	var out bytes.Buffer
	fe := newFrontend(ttyScreen(&out, func() int { return 32 }))
	fe.now = func() time.Time { return t0 }
	req := deploy.Request{}
	playScale(t.Context(), req, fe)
	playLs(t.Context(), req, fe)
	golden.Check(t, "terminal-scale", visible(out.String()))

	for i, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "\x1b[2m") && len([]rune(stripSGR(l))) > 31 { // the status line is faint
			t.Errorf("line %d is wider than the terminal: %q", i, l)
		}
	}
}

// TestTerminalTick: the status line's elapsed time counts on between cards,
// and a change that stops being followed leaves no live block behind.
func TestTerminalTick(t *testing.T) {
	var out bytes.Buffer
	fe := newFrontend(ttyScreen(&out, func() int { return 80 }))
	now := t0
	fe.now = func() time.Time { return now }
	c := deploy.Card{OperationID: "k3m9x2qa", Requester: alice, What: "scale ping → 4", Phase: deploy.PhaseStarting, Started: t0, Elapsed: time.Second}
	if _, err := fe.OpenOperation(context.Background(), deploy.Request{}, c); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3 * time.Second)
	fe.tick()
	if !strings.Contains(out.String(), "starting · 4s") {
		t.Errorf("after 3 s more, the status line does not say 4s:\n%s", visible(out.String()))
	}
	fe.clearLive()
	out.Reset()
	fe.tick()
	if out.Len() != 0 {
		t.Errorf("a tick with nothing live drew %q", visible(out.String()))
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"1/4: running", 20, "1/4: running"},
		{"1/4: running", 12, "1/4: running"},
		{"1/4: running", 11, "1/4: runni…"},
		{"scale ping 1 → 4", 12, "scale ping …"},
		{"abc", 0, "…"},
	}
	for _, tc := range tests {
		if got := cut(tc.in, tc.n); got != tc.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func stripSGR(s string) string {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return s
		}
		j := strings.IndexAny(s[i:], "mAJK")
		if j < 0 {
			return s
		}
		s = s[:i] + s[i+j+1:]
	}
}

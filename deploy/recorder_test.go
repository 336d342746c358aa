package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a front end for tests: it records every reply, card, event
// and approval card, by place, and lets a test wait for them.
type recorder struct {
	mu      sync.Mutex
	replies []recorded
	threads map[Place]*thread
	order   []Place // places in the order they were opened
}

type recorded struct {
	Req   Request
	Reply Reply
}

// thread is what one place received: an approval card's versions, status
// cards (the last one is what people see) and events.
type thread struct {
	Approvals []ApprovalCard
	Cards     []Card
	Events    []Event
}

func newRecorder() *recorder { return &recorder{threads: map[Place]*thread{}} }

func (r *recorder) Reply(_ context.Context, req Request, rep Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, recorded{req, rep})
	return nil
}

func (r *recorder) open(channel, kind string) (Place, *thread) {
	p := Place{Channel: channel, ID: kind + "-" + newID()}
	t := &thread{}
	r.threads[p] = t
	r.order = append(r.order, p)
	return p, t
}

func (r *recorder) at(p Place) *thread {
	t, ok := r.threads[p]
	if !ok {
		t = &thread{}
		r.threads[p] = t
		r.order = append(r.order, p)
	}
	return t
}

func (r *recorder) OpenOperation(_ context.Context, req Request, c Card) (Place, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, t := r.open(req.Channel, "op")
	t.Cards = append(t.Cards, c)
	return p, nil
}

func (r *recorder) Operation(at Place) Reporter { return recorderReporter{r, at} }

func (r *recorder) PublishApproval(_ context.Context, req Request, a ApprovalCard) (Place, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, t := r.open(req.Channel, "approval")
	t.Approvals = append(t.Approvals, a)
	return p, nil
}

func (r *recorder) UpdateApproval(_ context.Context, at Place, a ApprovalCard) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.at(at)
	t.Approvals = append(t.Approvals, a)
	return nil
}

type recorderReporter struct {
	r  *recorder
	at Place
}

func (rr recorderReporter) Card(_ context.Context, c Card) error {
	rr.r.mu.Lock()
	defer rr.r.mu.Unlock()
	t := rr.r.at(rr.at)
	t.Cards = append(t.Cards, c)
	return nil
}

func (rr recorderReporter) Event(_ context.Context, e Event) error {
	rr.r.mu.Lock()
	defer rr.r.mu.Unlock()
	t := rr.r.at(rr.at)
	t.Events = append(t.Events, e)
	return nil
}

// repliesTo returns the replies made to the person with id.
func (r *recorder) repliesTo(id string) []Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Reply
	for _, x := range r.replies {
		if x.Req.Actor.ID == id {
			out = append(out, x.Reply)
		}
	}
	return out
}

// lastReplyTo is the last reply to id; the test fails when there is none.
func (r *recorder) lastReplyTo(t *testing.T, id string) Reply {
	t.Helper()
	rs := r.repliesTo(id)
	if len(rs) == 0 {
		t.Fatalf("no reply to %s", id)
	}
	return rs[len(rs)-1]
}

// snapshot copies a place's thread.
func (r *recorder) snapshot(p Place) thread {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.threads[p]
	if !ok {
		return thread{}
	}
	return thread{Approvals: slices.Clone(t.Approvals), Cards: slices.Clone(t.Cards), Events: slices.Clone(t.Events)}
}

// places lists the places opened, oldest first, whose ID starts with kind.
func (r *recorder) places(kind string) []Place {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Place
	for _, p := range r.order {
		if strings.HasPrefix(p.ID, kind+"-") {
			out = append(out, p)
		}
	}
	return out
}

// lastPlace is the last place of kind opened; the test fails when none is.
func (r *recorder) lastPlace(t testing.TB, kind string) Place {
	t.Helper()
	ps := r.places(kind)
	if len(ps) == 0 {
		t.Fatalf("no %s was published", kind)
	}
	return ps[len(ps)-1]
}

// lastCard is the card people see at p.
func (th thread) lastCard() Card {
	if len(th.Cards) == 0 {
		return Card{}
	}
	return th.Cards[len(th.Cards)-1]
}

func (th thread) lastApproval() ApprovalCard {
	if len(th.Approvals) == 0 {
		return ApprovalCard{}
	}
	return th.Approvals[len(th.Approvals)-1]
}

// kinds lists the events' kinds, in order.
func (th thread) kinds() []EventKind {
	out := make([]EventKind, len(th.Events))
	for i, e := range th.Events {
		out[i] = e.Kind
	}
	return out
}

func (th thread) has(k EventKind) bool { return slices.Contains(th.kinds(), k) }

// text renders the thread's events one a line, for failure messages.
func (th thread) text() string { return thread2text(th.Events) }

func thread2text(es []Event) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "  [%s] %s\n", e.Kind, e)
	}
	return b.String()
}

// waitFor polls cond until it holds, failing the test after a deadline
// generous enough for a busy machine and a real swarm.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFinal waits for the final card at p and returns the thread.
func (r *recorder) waitFinal(t *testing.T, p Place, timeout time.Duration) thread {
	t.Helper()
	var th thread
	waitFor(t, "the final card at "+p.ID, timeout, func() bool {
		th = r.snapshot(p)
		return th.lastCard().Final
	})
	return th
}

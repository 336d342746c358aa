package deploy

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/internal/golden"
	"github.com/swarmbot/swarmbot/internal/testenv"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// These tests run the Deployer on a fake swarm and in-process stores and
// locks, to force what the real swarm cannot be made to do on demand. The
// seed's story on the real swarm and Redis is in story_test.go.

func TestChangeRunsUnderItsLockAndReports(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	h.do(t, actorAlice, "scale ping=6")

	p := h.rec.lastPlace(t, "op")
	th := h.rec.snapshot(p)
	if c := th.Cards[0]; c.Phase != PhaseStarting || c.Requester != alice || c.Final {
		t.Errorf("the first card is %s by %v (final %v), want starting by alice", c.Phase, c.Requester, c.Final)
	}
	last := th.lastCard()
	if !last.Final || last.Phase != PhaseConverged || last.What != "scale ping 4 → 6" {
		t.Errorf("the last card: %q %s final=%v, want scale ping 4 → 6 converged final", last.What, last.Phase, last.Final)
	}
	end := th.Events[len(th.Events)-1]
	if end.Kind != EventConverged || end.Mention != alice {
		t.Errorf("the thread ends with %s mentioning %v, want converged mentioning alice:\n%s", end.Kind, end.Mention, th.text())
	}
	if !th.has(EventStarted) || !th.has(EventSlot) {
		t.Errorf("the thread lacks the start or slot events:\n%s", th.text())
	}
	if n := h.sw.changed("Scale"); n != 1 {
		t.Errorf("the Engine was asked to scale %d times, want 1", n)
	}
	if _, err := h.locker.Inspect(t.Context(), lock.Service("ping")); !errors.Is(err, lock.ErrNotHeld) {
		t.Errorf("the lock is still held after the change: %v", err)
	}
	if got := actions(h.audit(t)); !slices.Equal(got, []string{"alice started", "alice finished"}) {
		t.Errorf("audit: %v", got)
	}
	ops, _ := h.stores.Operations.InFlight(t.Context())
	if len(ops) != 0 {
		t.Errorf("%d operations still in flight", len(ops))
	}
}

func TestLockConflictNamesTheHolder(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	alicePlace, done := h.followedUpdate(t)

	h.do(t, actorBob, "scale ping=2")
	r := h.rec.lastReplyTo(t, bob.ID)
	c, ok := r.Data.(*LockConflict)
	if r.Kind != ReplyRefusal || !r.Private || !ok {
		t.Fatalf("bob got %s (private %v, data %T), want a private refusal with a *LockConflict", r.Kind, r.Private, r.Data)
	}
	if c.Holder != alice || c.Operation != "update ping → alpine:3.8" || c.Thread != alicePlace || c.Retry != "/swarm scale ping=2" {
		t.Errorf("conflict %+v: want alice's update, her thread %v and bob's retry", c, alicePlace)
	}
	golden.Check(t, "reply-lock-conflict", maskTimes(r.Text()))
	if n := h.sw.changed("Scale"); n != 0 {
		t.Errorf("bob's refused scale reached the Engine %d times", n)
	}
	close(h.w.gate)
	<-done
	h.do(t, actorBob, "scale ping=2")
	if n := h.sw.changed("Scale"); n != 1 {
		t.Errorf("bob's scale after alice's update ended: %d Engine calls, want 1", n)
	}
	if got := actions(h.audit(t)); !slices.Contains(got, "bob refused") {
		t.Errorf("the refusal is not in the audit trail: %v", got)
	}
}

var (
	clockRE = regexp.MustCompile(`\b\d\d:\d\d(:\d\d)?\b`)
	durRE   = regexp.MustCompile(`\b(\d+h)?(\d+m)?\d+s\b`)
	idRE    = regexp.MustCompile(`op-[a-z0-9]{8}`)
)

// maskTimes hides clock times, durations and place IDs from a text for golden files.
func maskTimes(s string) string {
	s = idRE.ReplaceAllString(s, "op-ID")
	return clockRE.ReplaceAllString(durRE.ReplaceAllString(s, "DUR"), "HH:MM")
}

func TestPolicyRefusesBeforeAnythingHappens(t *testing.T) {
	h := newHarness(t, commands.Policy{Operators: []string{alice.ID}})
	h.do(t, actorBob, "scale ping=1")
	r := h.rec.lastReplyTo(t, bob.ID)
	if r.Kind != ReplyRefusal || !strings.Contains(r.Text(), "only U0ALICE may scale") || !strings.Contains(r.Text(), "/swarm scale ping=1") {
		t.Errorf("bob's refusal does not say who may and what to ask:\n%s", r.Text())
	}
	if n := h.sw.changed("Scale"); n != 0 || len(h.rec.places("op")) != 0 {
		t.Errorf("a refused change made %d Engine calls and %d cards", n, len(h.rec.places("op")))
	}
	if got := actions(h.audit(t)); !slices.Equal(got, []string{"bob refused"}) {
		t.Errorf("audit: %v", got)
	}
}

func TestUsageErrorsSayWhatToType(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	h.do(t, actorAlice, "scael ping=2")
	r := h.rec.lastReplyTo(t, alice.ID)
	if r.Kind != ReplyError || !r.Private || !strings.Contains(r.Text(), "scale") {
		t.Errorf("a typo got:\n%s", r.Text())
	}
	h.do(t, actorAlice, "scale nosuch=2")
	r = h.rec.lastReplyTo(t, alice.ID)
	if !strings.Contains(r.Title, "no such service: nosuch") || !strings.Contains(r.Text(), "/swarm ls") {
		t.Errorf("an unknown service got:\n%s", r.Text())
	}
}

func TestLockReleasedOnEveryPath(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *harness)
		phase Phase
	}{
		{"the Engine refuses", func(h *harness) { h.sw.fail = errEngine }, PhaseFailed},
		{"the update pauses", func(h *harness) { h.w.end = swarm.PhasePaused }, PhasePaused},
		{"the watcher panics", func(h *harness) { h.w.panics = true }, ""},
		{"the change times out", func(h *harness) { h.w.end = swarm.PhaseTimedOut }, PhaseTimedOut},
		{"the change is stuck", func(h *harness) { h.w.end = swarm.PhaseStuck }, PhaseStuck},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, commands.Policy{})
			tc.setup(h)
			h.do(t, actorAlice, "update ping alpine:3.8")
			if _, err := h.locker.Inspect(t.Context(), lock.Service("ping")); !errors.Is(err, lock.ErrNotHeld) {
				t.Errorf("the lock is held after %s: %v", tc.name, err)
			}
			th := h.rec.snapshot(h.rec.lastPlace(t, "op"))
			if tc.phase != "" {
				if c := th.lastCard(); c.Phase != tc.phase || !c.Final {
					t.Errorf("the card ends %s (final %v), want %s", c.Phase, c.Final, tc.phase)
				}
				if e := th.Events[len(th.Events)-1]; e.Mention != alice {
					t.Errorf("the last event does not mention alice: %s", e)
				}
			} else if r := h.rec.lastReplyTo(t, alice.ID); r.Kind != ReplyError || strings.Contains(r.Text(), "panic") {
				t.Errorf("after a panic alice got:\n%s", r.Text())
			}
		})
	}
}

// A rollback approved after the service changed is refused as stale: the
// approver saw another rollback than the one that would run.
func TestRollbackApprovedAfterAChangeIsStale(t *testing.T) {
	h := newHarness(t, approvalPolicy)
	id, place := h.request(t, "rollback ping")
	h.sw.mu.Lock()
	h.sw.services["ping"].image = "alpine:3.9" // someone updated it meanwhile
	h.sw.mu.Unlock()
	h.do(t, actorBob, "approve "+id)
	a, err := h.stores.Approvals.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != StatusStale {
		t.Errorf("the request is %s, want stale", a.Status)
	}
	if n := h.sw.changed("Rollback"); n != 0 {
		t.Errorf("the Engine was asked to roll back %d times, want none", n)
	}
	if c := h.rec.snapshot(place).lastApproval(); c.Status != StatusStale {
		t.Errorf("the card shows %s, want stale", c.Status)
	}
	if r := h.rec.lastReplyTo(t, bob.ID); !strings.Contains(r.Text(), "has changed") {
		t.Errorf("bob got:\n%s\nwant the reason it is stale", r.Text())
	}
}

func TestLostLockStopsAndIsReported(t *testing.T) {
	h := newHarness(t, commands.Policy{Admins: []string{carol.ID}})
	p, done := h.followedUpdate(t)
	defer close(h.w.gate)
	h.do(t, actorCarol, "unlock ping --force")
	<-done
	th := h.rec.snapshot(p)
	if c := th.lastCard(); c.Phase != PhaseLockLost || !c.Final {
		t.Errorf("the card ends %s, want lock lost:\n%s", c.Phase, th.text())
	}
	if !th.has(EventUnlocked) {
		t.Errorf("the force-unlock was not told in alice's thread:\n%s", th.text())
	}
	if got := actions(h.audit(t)); !slices.Contains(got, "carol force-unlocked") {
		t.Errorf("the force-unlock is not in the audit trail: %v", got)
	}
}

// approvalPolicy has alice, bob and carol approve, but nobody their own request.
var approvalPolicy = commands.Policy{Approvers: []string{alice.ID, bob.ID, carol.ID}}

// request has alice ask for a drain of dev02 and returns its ID and place.
func (h *harness) request(t *testing.T, text string) (string, Place) {
	t.Helper()
	h.do(t, actorAlice, text)
	p := h.rec.lastPlace(t, "approval")
	a := h.rec.snapshot(p).lastApproval()
	if a.Status != StatusPending || a.Requester != alice {
		t.Fatalf("the request is %s by %v, want pending by alice", a.Status, a.Requester)
	}
	return a.ID, p
}

func TestApprovals(t *testing.T) {
	tests := []struct {
		name      string
		run       func(t *testing.T, h *harness, id string)
		status    ApprovalStatus
		drains    int
		refusedTo string // who got a refusal
		refusal   string // in it
	}{
		{"approved by another person", func(t *testing.T, h *harness, id string) {
			h.do(t, actorBob, "approve "+id)
		}, StatusApproved, 1, "", ""},
		{"the requester cannot approve", func(t *testing.T, h *harness, id string) {
			h.do(t, actorAlice, "approve "+id)
		}, StatusPending, 0, alice.ID, "someone else must approve it"},
		{"a non-approver cannot approve", func(t *testing.T, h *harness, id string) {
			h.do(t, commands.Actor{ID: "U0DAVE", Name: "dave"}, "approve "+id)
		}, StatusPending, 0, "U0DAVE", "only U0ALICE, U0BOB or U0CAROL may approve"},
		{"expired at the click", func(t *testing.T, h *harness, id string) {
			h.clock.advance(16 * time.Minute)
			h.do(t, actorBob, "approve "+id)
		}, StatusExpired, 0, bob.ID, "expired"},
		{"stale: the node changed", func(t *testing.T, h *harness, id string) {
			h.sw.mu.Lock()
			h.sw.nodes["dev02"] = "pause"
			h.sw.mu.Unlock()
			h.do(t, actorBob, "approve "+id)
		}, StatusStale, 0, bob.ID, "dev02 is pause now"},
		{"denied with a reason", func(t *testing.T, h *harness, id string) {
			h.do(t, actorBob, `deny `+id+` --reason "not during the incident"`)
		}, StatusDenied, 0, "", ""},
		{"withdrawn by the requester", func(t *testing.T, h *harness, id string) {
			h.do(t, actorAlice, "deny "+id)
		}, StatusDenied, 0, "", ""},
		{"asked in another front end: decided there", func(t *testing.T, h *harness, id string) {
			// A Slack replica cannot change a console's approval card, nor report its drain.
			h.d.HandleText(t.Context(), actorBob, "C0OPS", "", "approve "+id, notOwning{h.rec})
		}, StatusPending, 0, bob.ID, "It was asked in another of swarmbot's front ends (C0OPS "},
		{"a second approval after the first", func(t *testing.T, h *harness, id string) {
			h.do(t, actorBob, "approve "+id)
			h.do(t, actorCarol, "approve "+id)
		}, StatusApproved, 1, carol.ID, "already approved by bob"},
		{"twenty approvals at once execute once", func(t *testing.T, h *harness, id string) {
			var wg sync.WaitGroup
			for i := range 20 {
				who := []commands.Actor{actorBob, actorCarol}[i%2]
				wg.Go(func() { h.d.HandleText(t.Context(), who, "C0OPS", "", "approve "+id, h.rec) })
			}
			wg.Wait()
		}, StatusApproved, 1, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, approvalPolicy)
			id, place := h.request(t, "drain dev02")
			if n := h.sw.changed("SetAvailability"); n != 0 {
				t.Fatalf("asking for a drain drained (%d calls)", n)
			}
			tc.run(t, h, id)
			a, err := h.stores.Approvals.Get(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != tc.status {
				t.Errorf("the request is %s, want %s", a.Status, tc.status)
			}
			if n := h.sw.changed("SetAvailability"); n != tc.drains {
				t.Errorf("the Engine was asked to drain %d times, want %d", n, tc.drains)
			}
			th := h.rec.snapshot(place)
			if tc.status != StatusPending && tc.status != StatusApproved && th.lastApproval().Status != tc.status {
				t.Errorf("the card shows %s, want %s", th.lastApproval().Status, tc.status)
			}
			if tc.status == StatusApproved {
				c := th.lastCard()
				if !c.Final || c.Approver.IsZero() || c.Requester != alice {
					t.Errorf("the approval's place shows %+v, want the final card of alice's drain with its approver", c)
				}
				if e := th.Events[len(th.Events)-1]; e.Mention != alice {
					t.Errorf("the drain's last event does not mention alice: %s", e)
				}
			}
			if tc.refusedTo != "" {
				r := h.rec.lastReplyTo(t, tc.refusedTo)
				if r.Kind != ReplyRefusal || !strings.Contains(r.Text(), tc.refusal) {
					t.Errorf("%s got:\n%s\nwant a refusal saying %q", tc.refusedTo, r.Text(), tc.refusal)
				}
			}
		})
	}
}

func TestNoSecretLeaves(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	h.sw.fail = errors.New("rejected: PASSWORD=hunter2 is not allowed")
	h.do(t, actorAlice, "update --env-add PASSWORD=hunter2 ping")
	h.do(t, actorAlice, "inspect ping")
	var all strings.Builder
	for _, r := range h.rec.repliesTo(alice.ID) {
		all.WriteString(r.Text())
	}
	for _, p := range h.rec.places("op") {
		th := h.rec.snapshot(p)
		all.WriteString(th.text())
		for _, c := range th.Cards {
			all.WriteString(c.Text())
		}
	}
	for _, e := range h.audit(t) {
		all.WriteString(e.Text())
	}
	if strings.Contains(all.String(), "hunter2") {
		t.Errorf("the secret left through a reply, card, event or the audit trail:\n%s", all.String())
	}
	if !strings.Contains(all.String(), "PASSWORD=…") {
		t.Errorf("the variable's name should still show:\n%s", all.String())
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"create --env PASSWORD=s3cret --name web nginx", "create --env PASSWORD=… --name web nginx"},
		{`create --env "TOKEN=a b c" nginx`, `create --env "TOKEN=…" nginx`},
		{"update --env-add=KEY=v ping", "update --env-add=KEY=… ping"},
		{"update --env-rm KEY ping", "update --env-rm KEY ping"},
		{"create -e A=1 -e B=2 nginx", "create -e A=… -e B=… nginx"},
		{"token xoxb-123-456-abc leaked", "token xoxb-… leaked"},
		{"dial redis://:pw@127.0.0.1:6379/0: refused", "dial redis://:…@127.0.0.1:6379/0: refused"},
		{"scale ping=4", "scale ping=4"},
		{"scale keycloak=2", "scale keycloak=2"},
		{"rejected: DB_PASSWORD=x1 and API_KEY='a b'", "rejected: DB_PASSWORD=… and API_KEY=…"},
	}
	for _, tc := range tests {
		if got := redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFenceMovesPastALostCount(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	// A fence far above what the fresh in-process locker hands out: a
	// previous run of the console left it.
	h.sw.services["ping"].fence = 41
	h.do(t, actorAlice, "scale ping=2")
	if n := h.sw.changed("Scale"); n != 1 {
		t.Fatalf("the scale was not made (%d calls):\n%s", n, h.rec.snapshot(h.rec.lastPlace(t, "op")).text())
	}
	if f := h.sw.services["ping"].fence; f <= 41 {
		t.Errorf("the service carries fence %d, want above 41", f)
	}
}

// The Engine's warnings on a scale reach the thread, with the service named.
func TestScaleShowsTheEnginesWarnings(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	h.sw.warn = "image alpine:3.7 could not be accessed on a registry to record its digest"
	h.do(t, actorAlice, "scale ping=2 web=3")
	th := h.rec.snapshot(h.rec.lastPlace(t, "op"))
	want := "the Engine warns: ping: image alpine:3.7 could not be accessed on a registry to record its digest; web: image"
	if !strings.Contains(th.text(), want) {
		t.Errorf("the thread does not carry the warnings (%q):\n%s", want, th.text())
	}
}

// TestFenceEqualToALostCount: a Redis failover lost the increment of the
// holder who stamped fence 1, so the next holder is issued 1 again. Its first
// write sees its own number on the service and moves past it; the second
// write of the same change (update, then scale) is not refused by the fence
// the first one stamped.
func TestFenceEqualToALostCount(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	h.sw.services["ping"].fence = 1 // the fresh in-process locker issues 1 next
	h.do(t, actorAlice, "update --image alpine:3.8 --replicas 6 ping")
	if u, sc := h.sw.changed("Update"), h.sw.changed("Scale"); u != 1 || sc != 1 {
		t.Fatalf("update %d, scale %d calls, want 1 and 1:\n%s", u, sc, h.rec.snapshot(h.rec.lastPlace(t, "op")).text())
	}
	s := h.sw.services["ping"]
	if s.fence != 2 || s.replicas != 6 {
		t.Errorf("the service carries fence %d and %d replicas, want 2 and 6", s.fence, s.replicas)
	}
	// The operation's record holds the fence it moved to, for a resume.
	place := h.rec.lastPlace(t, "op")
	es := h.audit(t)
	var id string
	for _, e := range es {
		if e.OperationID != "" {
			id = e.OperationID
		}
	}
	op, err := h.stores.Operations.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("operation %q of %v: %v", id, place, err)
	}
	if len(op.Locks) != 1 || op.Locks[0].Fence != 2 {
		t.Errorf("the operation records locks %+v, want ping's at fence 2", op.Locks)
	}
}

// followedUpdate starts alice's update and returns once the watcher follows
// it, with its place; the watcher's gate holds it there until the test closes
// it, and done closes when alice's request has returned.
func (h *harness) followedUpdate(t *testing.T) (Place, chan struct{}) {
	t.Helper()
	h.w.gate, h.w.started = make(chan struct{}), make(chan swarm.Operation, 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.do(t, actorAlice, "update ping alpine:3.8")
	}()
	<-h.w.started
	return h.rec.lastPlace(t, "op"), done
}

// handedOver has alice's update followed, then the deployer shut down with
// no grace, so that it hands the update over; the watcher's gate stays shut
// for whoever resumes it. It returns the operation's place.
func handedOver(t *testing.T) (*harness, Place) {
	t.Helper()
	h := newHarness(t, commands.Policy{})
	p, done := h.followedUpdate(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // no grace: hand over at once
	if err := h.d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-done
	return h, p
}

func TestShutdownHandsOverAndAnotherResumes(t *testing.T) {
	h, p := handedOver(t)
	th := h.rec.snapshot(p)
	if !th.has(EventHandedOver) || th.lastCard().Final {
		t.Fatalf("after shutdown: final %v, events:\n%s", th.lastCard().Final, th.text())
	}
	h.do(t, actorBob, "scale ping=1")
	if r := h.rec.lastReplyTo(t, bob.ID); !strings.Contains(r.Title, "restarting") {
		t.Errorf("a change during shutdown got: %s", r.Text())
	}

	d2 := h.deployer(t, commands.Policy{})
	n, err := d2.Resume(t.Context(), h.rec)
	if err != nil || n != 1 {
		t.Fatalf("Resume picked up %d operations (%v), want 1", n, err)
	}
	<-h.w.started
	close(h.w.gate)
	th = h.rec.waitFinal(t, p, 30*time.Second)
	if c := th.lastCard(); c.Phase != PhaseConverged {
		t.Errorf("the resumed operation ended %s:\n%s", c.Phase, th.text())
	}
	if !th.has(EventResumed) {
		t.Errorf("the thread does not say the operation was resumed:\n%s", th.text())
	}
	if n := h.sw.changed("Update"); n != 1 {
		t.Errorf("the update was sent %d times, want once", n)
	}
	seen := map[string]int{}
	for _, e := range th.Events {
		if e.Kind == EventSlot {
			if seen[e.Text]++; seen[e.Text] > 1 {
				t.Errorf("the thread repeats %q after the resume:\n%s", e.Text, th.text())
			}
		}
	}
	if len(seen) == 0 {
		t.Errorf("no slot event in the thread:\n%s", th.text())
	}
	if e := th.Events[len(th.Events)-1]; e.Mention != alice {
		t.Errorf("the resumed report does not end mentioning alice: %s", e)
	}
}

func TestResumeReportsAChangeThatNeverReachedTheEngine(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	ctx := t.Context()
	// A process took ping's lock (fence 1) and died before its scale was
	// sent: its lease is not renewed and runs out (a short manual lock stands
	// for it, since a live lease here would be renewed).
	if _, err := h.locker.Acquire(ctx, lock.Request{Resource: lock.Service("ping"), UserID: alice.ID, For: time.Second}); err != nil {
		t.Fatal(err)
	}
	op := Operation{ID: "dead1", Requester: alice, Command: "scale ping=9", Verb: "scale", What: "scale ping → 9", Target: "ping",
		Place: Place{Channel: "C0OPS", ID: "op-dead1"}, State: OpStarting, Started: time.Now(),
		Locks:  []LockRef{{Kind: "service", Name: "ping", Fence: 1}},
		Follow: []swarm.Operation{{Kind: swarm.OpScale, Service: "idping"}}}
	if err := h.stores.Operations.Put(ctx, op); err != nil {
		t.Fatal(err)
	}
	if n, err := h.d.Resume(ctx, h.rec); n != 1 || err != nil {
		t.Fatalf("Resume: %d, %v", n, err)
	}
	th := h.rec.waitFinal(t, op.Place, 30*time.Second)
	if c := th.lastCard(); c.Phase != PhaseNotRun {
		t.Errorf("the card ends %s, want not run:\n%s", c.Phase, th.text())
	}
	if n := h.sw.changed("Scale"); n != 0 {
		t.Errorf("resuming sent the scale %d times; it must never send it", n)
	}
	want := "scale ping → 9: not run: the swarmbot instance running it stopped before the change reached the Engine. Nothing was changed; to try again: `/swarm scale ping=9`."
	if e := th.Events[len(th.Events)-1]; e.Text != want || e.Mention != alice {
		t.Errorf("last event %q mentioning %v\nwant %q mentioning alice", e.Text, e.Mention, want)
	}
}

func TestReadsTakeNoLock(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	_, done := h.followedUpdate(t)
	h.do(t, actorBob, "inspect ping")
	r := h.rec.lastReplyTo(t, bob.ID)
	if r.Kind != ReplyResult || !strings.Contains(r.Body, "alpine:3.8") {
		t.Errorf("bob's inspect during alice's update:\n%s", r.Text())
	}
	h.do(t, actorBob, "locks")
	if r := h.rec.lastReplyTo(t, bob.ID); !strings.Contains(r.Body, "service ping") || !strings.Contains(r.Body, "alice") {
		t.Errorf("/swarm locks during alice's update:\n%s", r.Text())
	}
	close(h.w.gate)
	<-done
	h.do(t, actorBob, "audit ping")
	if r := h.rec.lastReplyTo(t, bob.ID); !strings.Contains(r.Body, "alice  started  update ping alpine:3.8") {
		t.Errorf("/swarm audit ping:\n%s", r.Text())
	}
}

func TestMultiServiceScaleIsAllOrNothing(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	// bob holds web by hand: alice's scale of ping and web takes neither.
	h.do(t, actorBob, `lock web --reason "load test" --for 1h`)
	h.do(t, actorAlice, "scale ping=2 web=3")
	r := h.rec.lastReplyTo(t, alice.ID)
	if c, ok := r.Data.(*LockConflict); !ok || c.Holder != bob || !c.Manual || c.Reason != "load test" {
		t.Fatalf("alice's scale got:\n%s", r.Text())
	}
	if !strings.Contains(r.Text(), "Ask bob to /swarm unlock web") {
		t.Errorf("the refusal does not say what to do:\n%s", r.Text())
	}
	if _, err := h.locker.Inspect(t.Context(), lock.Service("ping")); !errors.Is(err, lock.ErrNotHeld) {
		t.Errorf("ping stayed locked after the refusal: %v", err)
	}
	if n := h.sw.changed("Scale"); n != 0 {
		t.Errorf("a refused multi-service scale made %d changes", n)
	}

	h.do(t, actorBob, "unlock web")
	h.do(t, actorAlice, "scale ping=2 web=3")
	th := h.rec.snapshot(h.rec.lastPlace(t, "op"))
	c := th.lastCard()
	if !c.Final || c.Phase != PhaseConverged || c.What != "scale ping 4 → 2, web 1 → 3" || len(c.Progress.Services) != 2 {
		t.Errorf("the multi-service scale ended %q %s with %d services:\n%s", c.What, c.Phase, len(c.Progress.Services), c.Text())
	}
	if n := h.sw.changed("Scale"); n != 2 {
		t.Errorf("%d scale calls, want 2", n)
	}
	if got := actions(h.audit(t)); !slices.Equal(got, []string{"bob locked", "alice refused", "bob unlocked", "alice started", "alice finished"}) {
		t.Errorf("audit: %v", got)
	}
}

func TestMergeProgress(t *testing.T) {
	moving := swarm.Progress{Phase: swarm.PhaseUpdating, Services: []swarm.ServiceProgress{{Name: "a"}}}
	done := swarm.Progress{Phase: swarm.PhaseConverged, Final: true, Services: []swarm.ServiceProgress{{Name: "b"}}}
	paused := swarm.Progress{Phase: swarm.PhasePaused, Final: true, Services: []swarm.ServiceProgress{{Name: "c"}}}
	tests := []struct {
		parts []swarm.Progress
		phase swarm.Phase
		final bool
	}{
		{[]swarm.Progress{moving, done}, swarm.PhaseUpdating, false},
		{[]swarm.Progress{done, done}, swarm.PhaseConverged, true},
		{[]swarm.Progress{done, paused}, swarm.PhasePaused, true},
		{[]swarm.Progress{{}, done}, swarm.PhaseUpdating, false}, // one not reported yet
	}
	for _, tc := range tests {
		m := mergeProgress(tc.parts)
		if m.Phase != tc.phase || m.Final != tc.final {
			t.Errorf("merge of %d parts: %s final=%v, want %s final=%v", len(tc.parts), m.Phase, m.Final, tc.phase, tc.final)
		}
	}
}

// With Redis down, changes are refused (fail closed) with a clear answer
// within a bounded time, reads go on, and all works again once it is back.
func TestRedisDownRefusesChangesKeepsReads(t *testing.T) {
	srv := testenv.StartRedisServer(t)
	rdb, err := lock.NewRedisClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	locker, err := lock.NewRedis(rdb, lock.Options{Cluster: "down"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, approvalPolicy)
	h.locker, h.stores = locker, NewRedisStores(rdb, "down")
	h.d = h.deployer(t, approvalPolicy)

	srv.Stop()
	h.do(t, actorAlice, "scale ping=2")
	r := h.rec.lastReplyTo(t, alice.ID)
	if r.Kind != ReplyRefusal || !strings.Contains(r.Title, "lock store cannot be reached") || !strings.Contains(r.Text(), "/swarm scale ping=2") {
		t.Errorf("a change with Redis down got:\n%s", r.Text())
	}
	h.do(t, actorAlice, "drain dev02")
	if r := h.rec.lastReplyTo(t, alice.ID); r.Kind != ReplyError || !strings.Contains(r.Title, "could not be filed") {
		t.Errorf("an approval request with Redis down got:\n%s", r.Text())
	}
	h.do(t, actorAlice, "inspect ping")
	if r := h.rec.lastReplyTo(t, alice.ID); r.Kind != ReplyResult {
		t.Errorf("a read with Redis down got:\n%s", r.Text())
	}
	if n := h.sw.changed("Scale") + h.sw.changed("SetAvailability"); n != 0 || len(h.rec.places("op")) != 0 {
		t.Errorf("with Redis down, %d changes were made and %d cards opened", n, len(h.rec.places("op")))
	}

	srv.Start(t)
	h.do(t, actorAlice, "scale ping=2")
	if n := h.sw.changed("Scale"); n != 1 {
		t.Errorf("once Redis is back the scale made %d changes, want 1:\n%s", n, h.rec.lastReplyTo(t, alice.ID).Text())
	}
}

// A follower that panics on resume ends its operation as failed, and the
// process goes on.
func TestResumePanicEndsTheOperation(t *testing.T) {
	h := newHarness(t, commands.Policy{})
	op := Operation{ID: "boom1", Requester: alice, Command: "scale ping=2", Verb: "scale", What: "scale ping 4 → 2", Target: "ping",
		Place: Place{Channel: "C0OPS", ID: "op-boom1"}, State: OpFollowing, Started: time.Now(), Applied: time.Now(),
		Follow: []swarm.Operation{{Kind: swarm.OpScale, Service: "idping"}}}
	if err := h.stores.Operations.Put(t.Context(), op); err != nil {
		t.Fatal(err)
	}
	h.w.panics = true
	if n, err := h.d.Resume(t.Context(), h.rec); n != 1 || err != nil {
		t.Fatalf("Resume: %d, %v", n, err)
	}
	th := h.rec.waitFinal(t, op.Place, 30*time.Second)
	if c := th.lastCard(); c.Phase != PhaseFailed {
		t.Errorf("the card ends %s, want failed", c.Phase)
	}
	if ops, _ := h.stores.Operations.InFlight(t.Context()); len(ops) != 0 {
		t.Errorf("%d operations still in flight after the panic", len(ops))
	}
}

// notOwning is a front end that reports nowhere the recorder does (a Slack
// replica, for a console's operation).
type notOwning struct{ *recorder }

func (notOwning) Owns(Place) bool { return false }

func TestResumeLeavesAnotherFrontEndsOperation(t *testing.T) {
	h, p := handedOver(t)

	d2 := h.deployer(t, commands.Policy{})
	if n, err := d2.Resume(t.Context(), notOwning{h.rec}); err != nil || n != 0 {
		t.Fatalf("a front end that does not own the place resumed %d operations (%v), want 0", n, err)
	}
	if n, err := d2.Resume(t.Context(), h.rec); err != nil || n != 1 {
		t.Fatalf("the owning front end resumed %d operations (%v), want 1", n, err)
	}
	<-h.w.started
	close(h.w.gate)
	if c := h.rec.waitFinal(t, p, 30*time.Second).lastCard(); c.Phase != PhaseConverged {
		t.Errorf("the resumed operation ended %s", c.Phase)
	}
}

package deploy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/swarmbot/swarmbot/commands"
	"github.com/swarmbot/swarmbot/internal/testenv"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// The seed's story, by alice and bob, on the private two-node swarm and real
// Redis, through a recording front end: every piece of shared state lives in
// Redis, and two Deployers (two bot replicas) share it.

const storyChannel = "C0STORY"

// storyPolicy: alice and bob both approve, neither their own requests;
// drains and rollbacks wait for approval (the default).
var storyPolicy = commands.Policy{Approvers: []string{alice.ID, bob.ID}}

// world is what the story's Deployers share: the swarm, Redis, a cluster
// name of the test's own.
type world struct {
	env     testenv.Env
	sw      *swarm.Client
	rdb     *redis.Client
	cluster string
	stores  Stores
}

func newWorld(t testing.TB) *world {
	t.Helper()
	env := testenv.Swarm(t)
	sw, closer, err := swarm.Connect(env.ManagerHost)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	rdb, err := lock.NewRedisClient(testenv.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	w := &world{env: env, sw: sw, rdb: rdb, cluster: testCluster(t, rdb)}
	w.stores = NewRedisStores(rdb, w.cluster)
	t.Cleanup(func() { // the lock keys are lock/'s, under the same cluster name
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, "swarmbot:"+w.cluster+":*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return w
}

// lockTTL is short in the story, so that a dead follower's lock runs out
// soon; 3 s was lost under load (a 2-core machine, -race, other packages'
// tests), when the heartbeat did not run for 2 s.
const lockTTL = 6 * time.Second

// deployer is one bot replica over the world.
func (w *world) deployer(t testing.TB, opts Options) *Deployer {
	t.Helper()
	locker, err := lock.NewRedis(w.rdb, lock.Options{Cluster: w.cluster, TTL: lockTTL})
	if err != nil {
		t.Fatal(err)
	}
	if opts.LeaseTTL == 0 {
		opts.LeaseTTL = lockTTL
	}
	d := New(opts, Deps{
		Swarm: w.sw, Watcher: w.sw.Watcher(swarm.WatchConfig{StuckAfter: time.Minute, Timeout: 3 * time.Minute, Logger: quiet}),
		Locker: locker, Stores: w.stores, Policy: storyPolicy, Logger: quiet,
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = d.Shutdown(ctx)
	})
	return d
}

var quiet = slog.New(slog.DiscardHandler)

// storyService names the story's service, one of the test's own, and
// removes it (and makes dev02 active again) when the test ends.
func (w *world) storyService(t testing.TB) string {
	name := "story-" + newID()[:5]
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := w.sw.Remove(ctx, name, swarm.MutateOptions{Force: true}); err != nil {
			var nf *swarm.NotFoundError
			if !errors.As(err, &nf) {
				t.Logf("removing %s: %v", name, err)
			}
		}
		if _, err := w.sw.SetAvailability(ctx, "dev02", "active", swarm.MutateOptions{}); err != nil {
			t.Logf("making dev02 active again: %v", err)
		}
	})
	return name
}

// runChange has actor run text through d and returns the operation's thread,
// which the change has finished by then.
func runChange(t *testing.T, d *Deployer, rec *recorder, actor commands.Actor, text string) (Place, thread) {
	t.Helper()
	before := len(rec.places("op"))
	d.HandleText(t.Context(), actor, storyChannel, "", text, rec)
	ops := rec.places("op")
	if len(ops) == before {
		t.Fatalf("%s: %q opened no operation; the reply was:\n%s", actor.Name, text, rec.lastReplyTo(t, actor.ID).Text())
	}
	p := ops[len(ops)-1]
	return p, rec.snapshot(p)
}

// converged checks that a thread ends converged, mentioning who asked.
func converged(t *testing.T, what string, th thread, requester Person) {
	t.Helper()
	c := th.lastCard()
	if !c.Final || c.Phase != PhaseConverged {
		t.Fatalf("%s ended %s (final %v):\n%s\n%s", what, c.Phase, c.Final, c.Text(), th.text())
	}
	if e := th.Events[len(th.Events)-1]; e.Kind != EventConverged || e.Mention != requester {
		t.Errorf("%s: the thread ends with %s mentioning %v, want converged mentioning %v", what, e.Kind, e.Mention, requester)
	}
}

// running lists the service's tasks meant to run: node and image by slot.
func (w *world) running(t *testing.T, service string) map[int]swarm.Task {
	t.Helper()
	tasks, err := w.sw.PS(t.Context(), service, swarm.PSOptions{DesiredState: "running"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]swarm.Task{}
	for _, task := range tasks {
		out[task.Slot] = task
	}
	return out
}

// auditOf counts the audit entries of an action about an operation or request.
func (w *world) auditOf(t *testing.T, action, id string) int {
	t.Helper()
	es, err := w.stores.Audit.Recent(t.Context(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == action && (e.OperationID == id || e.ApprovalID == id) {
			n++
		}
	}
	return n
}

func TestStory(t *testing.T) {
	w := newWorld(t)
	a := w.deployer(t, Options{}) // two replicas on one Redis
	b := w.deployer(t, Options{})
	rec := newRecorder()
	if testing.Verbose() {
		t.Cleanup(func() { logStory(t, rec) })
	}
	svc := w.storyService(t)

	// alice creates ping with 2 replicas, then scales it to 4.
	_, th := runChange(t, a, rec, actorAlice, fmt.Sprintf("create --name %s --replicas 2 --update-delay 1s --update-monitor 1s alpine:latest ping 127.0.0.1", svc))
	converged(t, "create", th, alice)
	_, th = runChange(t, a, rec, actorAlice, "scale "+svc+"=4")
	converged(t, "scale", th, alice)
	if c := th.lastCard(); c.What != fmt.Sprintf("scale %s 2 → 4", svc) {
		t.Errorf("the scale's card says %q", c.What)
	}
	if n := len(w.running(t, svc)); n != 4 {
		t.Fatalf("%d tasks run after the scale to 4", n)
	}

	// alice updates the image; bob's scale while it runs is refused, naming alice.
	var wg sync.WaitGroup
	opened := len(rec.places("op"))
	wg.Go(func() {
		a.HandleText(t.Context(), actorAlice, storyChannel, "", "update "+svc+" alpine:3.7", rec)
	})
	var update Place
	waitFor(t, "alice's update to start", time.Minute, func() bool {
		ps := rec.places("op")
		if len(ps) == opened {
			return false
		}
		update = ps[len(ps)-1]
		return rec.snapshot(update).has(EventStarted)
	})
	b.HandleText(t.Context(), actorBob, storyChannel, "", "scale "+svc+"=2", rec)
	if len(rec.repliesTo(bob.ID)) == 0 {
		last := rec.lastPlace(t, "op")
		th := rec.snapshot(last)
		t.Fatalf("bob's scale was not refused; its thread:\n%s\n%s", th.lastCard().Text(), th.text())
	}
	refusal := rec.lastReplyTo(t, bob.ID)
	conflict, ok := refusal.Data.(*LockConflict)
	if !ok || conflict.Holder != alice || conflict.Thread != update || !strings.Contains(conflict.Operation, "update "+svc) {
		t.Errorf("bob's scale during alice's update got:\n%s\n(data %+v), want alice named as the holder, with her thread %v", refusal.Text(), refusal.Data, update)
	}
	wg.Wait()
	th = rec.snapshot(update)
	converged(t, "update", th, alice)
	slots := 0
	for _, e := range th.Events {
		if e.Kind == EventSlot && strings.Contains(e.Text, "running alpine:3.7") {
			slots++
		}
	}
	if slots != 4 {
		t.Errorf("the update's thread has %d slot events for alpine:3.7, want 4:\n%s", slots, th.text())
	}
	for slot, task := range w.running(t, svc) {
		if task.Image != "alpine:3.7" {
			t.Errorf("slot %d runs %s after the update", slot, task.Image)
		}
	}
	// Reads take no lock and show the history: old tasks under new ones.
	b.HandleText(t.Context(), actorBob, storyChannel, "", "ps "+svc, rec)
	if r := rec.lastReplyTo(t, bob.ID); r.Kind != ReplyResult || !strings.Contains(r.Body, ` \_ `+svc+".1") || !strings.Contains(r.Body, "alpine:latest") {
		t.Errorf("ps after the update:\n%s", r.Text())
	}

	// alice asks to drain dev02; her own approval is refused; bob's drains it.
	a.HandleText(t.Context(), actorAlice, storyChannel, "", "drain dev02", rec)
	drainAt := rec.lastPlace(t, "approval")
	req := rec.snapshot(drainAt).lastApproval()
	if req.Status != StatusPending || !strings.Contains(req.Text(), svc+".") || !strings.Contains(req.Impact.Summary, "dev02") {
		t.Errorf("the drain request does not show %s's tasks on dev02:\n%s", svc, req.Text())
	}
	a.HandleText(t.Context(), actorAlice, storyChannel, "", "approve "+req.ID, rec)
	if r := rec.lastReplyTo(t, alice.ID); r.Kind != ReplyRefusal || !strings.Contains(r.Text(), "someone else must approve") {
		t.Errorf("alice approving her own drain got:\n%s", r.Text())
	}
	b.HandleText(t.Context(), actorBob, storyChannel, "", "approve "+req.ID, rec)
	th = rec.snapshot(drainAt)
	converged(t, "drain", th, alice)
	if c := th.lastCard(); c.Approver != bob {
		t.Errorf("the drain's card names %v as approver, want bob", c.Approver)
	}
	for slot, task := range w.running(t, svc) {
		if task.NodeName != "dev01" {
			t.Errorf("slot %d runs on %s after dev02 was drained", slot, task.NodeName)
		}
	}
	_, th = runChange(t, a, rec, actorAlice, "activate dev02")
	if c := th.lastCard(); c.Phase != PhaseDone {
		t.Errorf("activate ended %s:\n%s", c.Phase, th.text())
	}

	// A request nobody decides in time is refused when bob finally clicks.
	hasty := w.deployer(t, Options{ApprovalTTL: time.Second})
	hasty.HandleText(t.Context(), actorAlice, storyChannel, "", "rollback "+svc, rec)
	lateAt := rec.lastPlace(t, "approval")
	late := rec.snapshot(lateAt).lastApproval()
	time.Sleep(time.Until(late.Expires) + 100*time.Millisecond)
	b.HandleText(t.Context(), actorBob, storyChannel, "", "approve "+late.ID, rec)
	if r := rec.lastReplyTo(t, bob.ID); r.Kind != ReplyRefusal || !strings.Contains(r.Title, "expired") {
		t.Errorf("bob's late approval got:\n%s", r.Text())
	}
	if s := rec.snapshot(lateAt).lastApproval().Status; s != StatusExpired {
		t.Errorf("the late request's card shows %s, want expired", s)
	}

	// A rollback approved twice at once, on both replicas, runs once and converges.
	a.HandleText(t.Context(), actorAlice, storyChannel, "", "rollback "+svc, rec)
	rbAt := rec.lastPlace(t, "approval")
	rb := rec.snapshot(rbAt).lastApproval()
	if !strings.Contains(rb.Text(), "image: alpine:3.7 → alpine:latest") {
		t.Errorf("the rollback request does not show the image going back:\n%s", rb.Text())
	}
	before := len(rec.repliesTo(bob.ID))
	for _, d := range []*Deployer{a, b} {
		wg.Go(func() { d.HandleText(t.Context(), actorBob, storyChannel, "", "approve "+rb.ID, rec) })
	}
	wg.Wait()
	th = rec.snapshot(rbAt)
	converged(t, "rollback", th, alice)
	if !th.has(EventRollback) {
		t.Errorf("the rollback's thread does not say it started, with the Engine's reason:\n%s", th.text())
	}
	replies := rec.repliesTo(bob.ID)[before:]
	if len(replies) != 1 || !strings.Contains(replies[0].Title, "already approved by bob") {
		var texts []string
		for _, r := range replies {
			texts = append(texts, r.Text())
		}
		t.Errorf("the second of two simultaneous approvals got %d replies, want one saying it was already approved:\n%s", len(replies), strings.Join(texts, "\n"))
	}
	if n := w.auditOf(t, "started", rb.ID); n != 1 {
		t.Errorf("the rollback started %d times, want once", n)
	}
	for slot, task := range w.running(t, svc) {
		if task.Image != "alpine:latest" {
			t.Errorf("slot %d runs %s after the rollback", slot, task.Image)
		}
	}

	// The process following alice's next update dies mid-way; another one
	// finishes the same operation's report, sending nothing again.
	opID, place := w.killFollower(t, svc, "update "+svc+" alpine:3.7")
	c := w.deployer(t, Options{})
	waitFor(t, "another process to resume the operation", time.Minute, func() bool {
		n, err := c.Resume(t.Context(), rec)
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	})
	th = rec.waitFinal(t, place, 3*time.Minute)
	converged(t, "the resumed update", th, alice)
	if th.Events[0].Kind != EventResumed {
		t.Errorf("the resumed thread does not start by saying so:\n%s", th.text())
	}
	if got := th.lastCard().OperationID; got != opID {
		t.Errorf("the resumed card is operation %s, want %s", got, opID)
	}
	if s, f := w.auditOf(t, "started", opID), w.auditOf(t, "finished", opID); s != 1 || f != 1 {
		t.Errorf("the update was started %d and finished %d times, want once each", s, f)
	}
	for slot, task := range w.running(t, svc) {
		if task.Image != "alpine:3.7" {
			t.Errorf("slot %d runs %s after the resumed update", slot, task.Image)
		}
	}
}

// followerEnv makes the test binary a follower process: it runs one change
// and prints its operation when the first slot has moved, to be killed.
const followerEnv = "SWARMBOT_DEPLOY_TEST_FOLLOWER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(followerEnv); spec != "" {
		os.Exit(runFollower(spec))
	}
	// No goroutine outlives the tests: followers, lease renewals, lock
	// heartbeats and watchers all end with their operations.
	goleak.VerifyTestMain(m)
}

// killFollower runs text in another process, kills it (SIGKILL) once the
// change is made and its first slot has moved, and returns its operation.
func (w *world) killFollower(t *testing.T, svc, text string) (string, Place) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), followerEnv+"="+strings.Join([]string{w.env.ManagerHost, w.cluster, text}, "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var opID string
	var place Place
	select {
	case line, ok := <-lines:
		if !ok || !strings.HasPrefix(line, "following ") {
			t.Fatalf("the follower process said %q instead of following", line)
		}
		fmt.Sscanf(line, "following %s %s %s", &opID, &place.Channel, &place.ID)
	case <-time.After(2 * time.Minute):
		t.Fatal("the follower process never started following")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	go func() { // drain what it wrote before it died
		for range lines {
		}
	}()
	return opID, place
}

// runFollower is the follower process: a Deployer of its own on the same
// swarm and Redis, which runs one change for alice.
func runFollower(spec string) int {
	parts := strings.Split(spec, "\x1f")
	host, cluster, text := parts[0], parts[1], parts[2]
	sw, closer, err := swarm.Connect(host)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer closer.Close()
	rdb, err := lock.NewRedisClient(os.Getenv("SWARMBOT_TEST_REDIS_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	locker, err := lock.NewRedis(rdb, lock.Options{Cluster: cluster, TTL: lockTTL})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	d := New(Options{LeaseTTL: lockTTL}, Deps{
		Swarm: sw, Watcher: sw.Watcher(swarm.WatchConfig{Logger: quiet}), Locker: locker,
		Stores: NewRedisStores(rdb, cluster), Policy: storyPolicy, Logger: quiet,
	})
	fe := &announcer{recorder: newRecorder(), out: os.Stdout}
	d.HandleText(context.Background(), actorAlice, storyChannel, "", text, fe)
	for _, r := range fe.repliesTo(alice.ID) { // it should have been killed before: say why not
		fmt.Fprintf(os.Stdout, "reply: %s\n", strings.ReplaceAll(r.Text(), "\n", " / "))
	}
	return 1
}

// announcer is a recorder that prints the operation once its first slot
// has moved.
type announcer struct {
	*recorder
	out  io.Writer
	once sync.Once
}

func (a *announcer) Operation(at Place) Reporter { return announcerReporter{a, at} }

type announcerReporter struct {
	a  *announcer
	at Place
}

func (r announcerReporter) Card(ctx context.Context, c Card) error {
	return r.a.recorder.Operation(r.at).Card(ctx, c)
}

func (r announcerReporter) Event(ctx context.Context, e Event) error {
	if e.Kind == EventSlot {
		r.a.once.Do(func() {
			cards := r.a.recorder.snapshot(r.at).Cards
			fmt.Fprintf(r.a.out, "following %s %s %s\n", cards[len(cards)-1].OperationID, r.at.Channel, r.at.ID)
		})
	}
	return r.a.recorder.Operation(r.at).Event(ctx, e)
}

// logStory writes what the recording front end saw, as people would read it.
func logStory(t *testing.T, rec *recorder) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var b strings.Builder
	for _, x := range rec.replies {
		fmt.Fprintf(&b, "--- reply to %s (%s)\n%s", x.Req.Actor.Name, x.Reply.Kind, x.Reply.Text())
	}
	for _, p := range rec.order {
		th := rec.threads[p]
		fmt.Fprintf(&b, "--- %s\n", p.ID)
		for _, a := range th.Approvals {
			b.WriteString(a.Text())
		}
		if len(th.Cards) > 0 {
			b.WriteString(th.lastCard().Text())
		}
		for _, e := range th.Events {
			b.WriteString("  " + e.String() + "\n")
		}
	}
	t.Log("\n" + b.String())
}

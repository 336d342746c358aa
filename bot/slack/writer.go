package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
)

// poster is the part of Slack's Web API the writer uses. webAPI is the real
// one; the writer's tests use one that records calls in memory.
type poster interface {
	post(ctx context.Context, channel, thread string, m message) (ts string, err error)
	update(ctx context.Context, channel, ts string, m message) error
	upload(ctx context.Context, channel, thread string, f file) error
	ephemeral(ctx context.Context, channel, user, thread string, m message) error
	respond(ctx context.Context, responseURL string, m message, inChannel bool) error
}

// Pacing, after Slack's limits: chat.postMessage about one a second per
// channel; chat.update is Tier 3 (about 50 a minute), so one a second per
// message keeps a few cards moving at once.
const (
	defaultPostEvery   = time.Second
	defaultUpdateEvery = time.Second
)

// Retries of calls that failed for a reason other than a rate limit.
const (
	transientTries = 3
	transientWait  = time.Second
)

// errStopped is what a write waiting in the queue gets when the writer stops.
var errStopped = errors.New("not sent: swarmbot is stopping")

// writer paces and coalesces the bot's writes to Slack:
//
//   - posts (new messages, thread replies, files) go one channel at a time, at
//     most one per postEvery per channel, in order; event lines waiting for
//     the same thread go out together in one message;
//   - updates of a message (a status card) keep only the newest content, and go
//     at most one per updateEvery per message; content equal to what was sent
//     last is not sent again;
//   - a 429 stops that lane (a channel's posts; every update, since chat.update's
//     limit is per workspace) for Retry-After, then the newest state goes;
//   - a final state is always delivered: it is retried until it goes or the
//     writer stops, and whoever wrote it may wait for it.
//
// Pacing counts from the end of the previous call, so Slack sees the calls at
// least that far apart whatever the network does.
type writer struct {
	api                    poster
	log                    *slog.Logger
	postEvery, updateEvery time.Duration

	ctx    context.Context // ends when the writer stops; calls in flight end with it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu            sync.Mutex
	posts         map[string]*postLane // by channel
	cards         map[string]*cardLane // by channel and ts
	updatesPaused time.Time            // a 429 on chat.update: no update before this
	idle          chan struct{}        // closed when no lane is left; nil when nobody waits
	stopped       bool
}

func newWriter(api poster, log *slog.Logger) *writer {
	ctx, cancel := context.WithCancel(context.Background())
	return &writer{
		api: api, log: log,
		postEvery: defaultPostEvery, updateEvery: defaultUpdateEvery,
		ctx: ctx, cancel: cancel,
		posts: map[string]*postLane{}, cards: map[string]*cardLane{},
	}
}

// postLane is one channel's queue of posts.
type postLane struct {
	channel string
	queue   []*postJob
	next    time.Time // no post before this: pacing, or a 429's Retry-After
	running bool      // its goroutine runs
	sending bool      // a call is in flight
}

// postJob is one post waiting in a channel's lane.
type postJob struct {
	ctx    context.Context // a job whose context ended before its turn is dropped
	thread string
	msg    message
	upload *file
	// line: a thread event's text, which may share a message with the lines
	// queued after it for the same thread.
	line  bool
	lines int
	done  chan postResult // nil: nobody waits
	tries int
}

type postResult struct {
	ts  string
	err error
}

// cardLane is one message's updates.
type cardLane struct {
	channel, ts string
	pending     *cardState
	next        time.Time
	lastSent    string // what the message shows, as sent last
	running     bool
	sending     bool
}

// cardState is the newest content of a message and who waits for it.
type cardState struct {
	msg     message
	final   bool
	waiters []chan error
	tries   int
}

// Post posts a message (in thread, when thread is set) in its channel's turn,
// and returns its ts. It waits for its turn unless ctx ends first.
func (w *writer) Post(ctx context.Context, channel, thread string, m message) (string, error) {
	job := &postJob{ctx: ctx, thread: thread, msg: m, done: make(chan postResult, 1)}
	if err := w.enqueue(channel, job); err != nil {
		return "", err
	}
	select {
	case r := <-job.done:
		return r.ts, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("posting to %s: %w", channel, context.Cause(ctx))
	}
}

// Line posts one line of text in a thread, in its channel's turn, without
// waiting: lines queued together for the same thread share one message.
func (w *writer) Line(channel, thread, text string) error {
	return w.enqueue(channel, &postJob{ctx: w.ctx, thread: thread, msg: message{Text: text}, line: true, lines: 1})
}

// Upload attaches a file in a thread, in its channel's turn, and waits for it.
func (w *writer) Upload(ctx context.Context, channel, thread string, f file) error {
	job := &postJob{ctx: ctx, thread: thread, upload: &f, done: make(chan postResult, 1)}
	if err := w.enqueue(channel, job); err != nil {
		return err
	}
	select {
	case r := <-job.done:
		return r.err
	case <-ctx.Done():
		return fmt.Errorf("uploading to %s: %w", channel, context.Cause(ctx))
	}
}

func (w *writer) enqueue(channel string, job *postJob) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return errStopped
	}
	l := w.posts[channel]
	if l == nil {
		l = &postLane{channel: channel}
		w.posts[channel] = l
	}
	l.queue = append(l.queue, job)
	if !l.running {
		l.running = true
		w.wg.Add(1)
		go w.runPosts(l)
	}
	return nil
}

// Update replaces a message's content with m, coalescing with updates not
// yet sent. For a final state it waits until the state is delivered (or
// replaced by a newer one that is), or ctx ends; otherwise it returns at once.
func (w *writer) Update(ctx context.Context, channel, ts string, m message, final bool) error {
	var done chan error
	if final {
		done = make(chan error, 1)
	}
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return errStopped
	}
	key := channel + " " + ts
	l := w.cards[key]
	if l == nil {
		w.prune()
		l = &cardLane{channel: channel, ts: ts}
		w.cards[key] = l
	}
	if !l.running {
		l.running = true
		w.wg.Add(1)
		go w.runCard(l)
	}
	st := &cardState{msg: m, final: final}
	if l.pending != nil {
		st.waiters = l.pending.waiters // the newer state answers for the older
		st.final = st.final || l.pending.final
	}
	if done != nil {
		st.waiters = append(st.waiters, done)
	}
	l.pending = st
	w.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("updating message %s in %s: %w", ts, channel, context.Cause(ctx))
	}
}

// Ephemeral shows a message to one person; a 429 is waited out.
func (w *writer) Ephemeral(ctx context.Context, channel, user, thread string, m message) error {
	return w.direct(ctx, func(ctx context.Context) error { return w.api.ephemeral(ctx, channel, user, thread, m) })
}

// Respond posts to a response_url, to the person only or in the channel; a
// 429 is waited out.
func (w *writer) Respond(ctx context.Context, responseURL string, m message, inChannel bool) error {
	return w.direct(ctx, func(ctx context.Context) error { return w.api.respond(ctx, responseURL, m, inChannel) })
}

// direct makes a call that is not paced per channel (ephemerals are Tier 4),
// waiting out a 429 and retrying a transient failure a few times.
func (w *writer) direct(ctx context.Context, call func(context.Context) error) error {
	for tries := 1; ; tries++ {
		err := call(ctx)
		wait, ok := retryAfter(err)
		if !ok {
			if err == nil || !transient(err) || tries >= transientTries {
				return err
			}
			wait = transientWait << (tries - 1)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
	}
}

// runPosts sends one channel's posts in order, paced, until the lane has
// been empty for a whole pacing interval.
func (w *writer) runPosts(l *postLane) {
	defer w.wg.Done()
	for {
		w.mu.Lock()
		wait := time.Until(l.next)
		if len(l.queue) == 0 && wait <= 0 {
			l.running = false
			w.checkIdle()
			w.mu.Unlock()
			return
		}
		if wait > 0 {
			w.mu.Unlock()
			if !w.sleep(wait) {
				w.failPosts(l)
				return
			}
			continue
		}
		job := w.takePost(l)
		if job == nil {
			w.mu.Unlock()
			continue
		}
		l.sending = true
		w.mu.Unlock()

		ts, err := w.sendPost(l.channel, job)

		w.mu.Lock()
		l.sending = false
		now := time.Now()
		l.next = now.Add(w.postEvery)
		if d, ok := retryAfter(err); ok {
			l.next = now.Add(max(d, w.postEvery))
			l.queue = append([]*postJob{job}, l.queue...) // the same post, merged with what came meanwhile
			w.mu.Unlock()
			w.log.Warn("slack rate-limited a post; waiting", "channel", l.channel, "retry_after", d.String())
			continue
		}
		if err != nil && transient(err) && job.tries < transientTries {
			job.tries++
			l.next = now.Add(transientWait << (job.tries - 1))
			l.queue = append([]*postJob{job}, l.queue...)
			w.mu.Unlock()
			continue
		}
		w.checkIdle()
		w.mu.Unlock()
		if job.done != nil {
			job.done <- postResult{ts: ts, err: err}
		} else if err != nil {
			w.log.Warn("thread event not posted", "channel", l.channel, "thread", job.thread, "error", err.Error())
		}
	}
}

// takePost takes the lane's next post; event lines queued one after the
// other for the same thread go together. The caller holds w.mu.
func (w *writer) takePost(l *postLane) *postJob {
	job := l.queue[0]
	l.queue = l.queue[1:]
	if job.ctx.Err() != nil {
		if job.done != nil {
			job.done <- postResult{err: context.Cause(job.ctx)}
		}
		return nil
	}
	if !job.line {
		return job
	}
	for len(l.queue) > 0 {
		next := l.queue[0]
		if !next.line || next.thread != job.thread || job.lines >= maxLinesPerPost ||
			runes(job.msg.Text)+1+runes(next.msg.Text) > maxSectionText {
			break
		}
		job.msg.Text += "\n" + next.msg.Text
		job.lines++
		l.queue = l.queue[1:]
	}
	return job
}

// maxLinesPerPost bounds how many event lines share one thread message.
const maxLinesPerPost = 20

func (w *writer) sendPost(channel string, job *postJob) (string, error) {
	if job.upload != nil {
		return "", w.api.upload(w.ctx, channel, job.thread, *job.upload)
	}
	return w.api.post(w.ctx, channel, job.thread, job.msg)
}

// failPosts answers every post still queued when the writer stops.
func (w *writer) failPosts(l *postLane) {
	w.mu.Lock()
	queue := l.queue
	l.queue = nil
	w.mu.Unlock()
	lost := 0
	for _, job := range queue {
		if job.done != nil {
			job.done <- postResult{err: errStopped}
		}
		lost += max(job.lines, 1)
	}
	if lost > 0 {
		w.log.Warn("posts not sent before stopping", "channel", l.channel, "posts", lost)
	}
}

// runCard sends one message's updates, newest only, paced, until nothing
// has been pending for a whole pacing interval.
func (w *writer) runCard(l *cardLane) {
	defer w.wg.Done()
	for {
		w.mu.Lock()
		now := time.Now()
		wait := l.next.Sub(now)
		if l.pending != nil {
			wait = max(wait, w.updatesPaused.Sub(now))
		}
		if l.pending == nil && wait <= 0 {
			l.running = false
			w.checkIdle()
			w.mu.Unlock()
			return
		}
		if wait > 0 {
			w.mu.Unlock()
			if !w.sleep(wait) {
				w.failCard(l)
				return
			}
			continue
		}
		st := l.pending
		l.pending = nil
		content := contentKey(st.msg)
		if content == l.lastSent {
			w.checkIdle()
			w.mu.Unlock()
			answer(st.waiters, nil) // Slack shows it already
			continue
		}
		l.sending = true
		w.mu.Unlock()

		err := w.api.update(w.ctx, l.channel, l.ts, st.msg)

		w.mu.Lock()
		l.sending = false
		now = time.Now()
		l.next = now.Add(w.updateEvery)
		retry := false
		if d, ok := retryAfter(err); ok {
			w.updatesPaused = now.Add(d)
			w.log.Warn("slack rate-limited an update; waiting", "channel", l.channel, "ts", l.ts, "retry_after", d.String())
			retry = true
		} else if err != nil && transient(err) && st.final && st.tries < transientTries {
			st.tries++
			l.next = now.Add(transientWait << (st.tries - 1))
			retry = true
		}
		if retry {
			if l.pending == nil {
				l.pending = st
			} else { // a newer state came meanwhile: it goes instead, and answers for this one
				l.pending.waiters = append(l.pending.waiters, st.waiters...)
				l.pending.final = l.pending.final || st.final
			}
			w.mu.Unlock()
			continue
		}
		if err == nil {
			l.lastSent = content
		}
		w.checkIdle()
		w.mu.Unlock()
		if err != nil && len(st.waiters) == 0 {
			w.log.Warn("message not updated", "channel", l.channel, "ts", l.ts, "error", err.Error())
		}
		answer(st.waiters, err)
	}
}

// failCard answers whoever waits for a message's update when the writer stops.
func (w *writer) failCard(l *cardLane) {
	w.mu.Lock()
	st := l.pending
	l.pending = nil
	w.mu.Unlock()
	if st == nil {
		return
	}
	answer(st.waiters, errStopped)
	if st.final {
		w.log.Warn("final state of a message not delivered before stopping", "channel", l.channel, "ts", l.ts)
	}
}

func answer(waiters []chan error, err error) {
	for _, ch := range waiters {
		ch <- err
	}
}

// contentKey is what a message shows, to tell a repeat.
func contentKey(m message) string {
	b, err := json.Marshal(m.Blocks)
	if err != nil {
		return "" // never equal to a key that was sent: the update goes
	}
	return m.Text + "\x00" + string(b)
}

// checkIdle wakes Flush when nothing is queued, pending or in flight. The
// caller holds w.mu.
func (w *writer) checkIdle() {
	if w.idle != nil && w.quiet() {
		close(w.idle)
		w.idle = nil
	}
}

func (w *writer) quiet() bool {
	for _, l := range w.posts {
		if len(l.queue) > 0 || l.sending {
			return false
		}
	}
	for _, l := range w.cards {
		if l.pending != nil || l.sending {
			return false
		}
	}
	return true
}

// Lanes of messages not updated for a while are forgotten (what they last
// showed, kept to skip repeats, with them) once there are many.
const (
	laneMemory = 1000
	laneIdle   = 10 * time.Minute
)

// prune forgets idle message lanes beyond laneMemory. The caller holds w.mu.
func (w *writer) prune() {
	if len(w.cards) < laneMemory {
		return
	}
	old := time.Now().Add(-laneIdle)
	for key, l := range w.cards {
		if !l.running && l.pending == nil && l.next.Before(old) {
			delete(w.cards, key)
		}
	}
}

// Flush waits until every queued post and pending update has been sent (or
// ctx ends): what a graceful stop does before Stop.
func (w *writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	if w.quiet() {
		w.mu.Unlock()
		return nil
	}
	if w.idle == nil {
		w.idle = make(chan struct{})
	}
	idle := w.idle
	w.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flushing slack writes: %w", context.Cause(ctx))
	}
}

// Stop ends the writer: calls in flight are cut short, and what is still
// queued is dropped (and logged). Writes after Stop fail with errStopped.
func (w *writer) Stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.cancel()
	w.wg.Wait()
}

// sleep waits d, or returns false when the writer stops first.
func (w *writer) sleep(d time.Duration) bool {
	return sleepCtx(w.ctx, d) == nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// retryAfter reports whether err is Slack's 429, and how long it asks to wait.
// A 429 without Retry-After waits a second.
func retryAfter(err error) (time.Duration, bool) {
	if err == nil {
		return 0, false
	}
	var rl *slackgo.RateLimitedError
	if errors.As(err, &rl) {
		return max(rl.RetryAfter, 100*time.Millisecond), true
	}
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) && sc.Code == 429 {
		return time.Second, true
	}
	return 0, false
}

// transient reports whether a failed call may work when tried again: Slack's
// 5xx, or the network.
func transient(err error) bool {
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code >= 500
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF")
}

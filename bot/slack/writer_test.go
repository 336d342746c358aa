package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	slackgo "github.com/slack-go/slack"
)

// memCall is one call the in-memory Slack received.
type memCall struct {
	method  string // post, update, upload, ephemeral, respond
	channel string
	ts      string // the message a post created, or the one an update changed
	thread  string
	text    string
	at      time.Time
	err     error
}

// memSlack is an in-memory poster: it records every call with the (bubble's)
// time and answers with errors queued per method, so the writer's pacing and
// 429 handling can be checked with synctest's clock. The real Slack API is
// exercised against the fake in the end-to-end tests.
type memSlack struct {
	mu    sync.Mutex
	calls []memCall
	fail  map[string][]error
	n     int
	// during, when set, runs inside the next call (as if it took a while):
	// what the writer is given meanwhile.
	during func()
}

func newMemSlack() *memSlack { return &memSlack{fail: map[string][]error{}} }

func (m *memSlack) failNext(method string, errs ...error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail[method] = append(m.fail[method], errs...)
}

func (m *memSlack) record(c memCall) error {
	m.mu.Lock()
	during := m.during
	m.during = nil
	m.mu.Unlock()
	if during != nil {
		during()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c.at = time.Now()
	if q := m.fail[c.method]; len(q) > 0 {
		c.err, m.fail[c.method] = q[0], q[1:]
	}
	m.calls = append(m.calls, c)
	return c.err
}

func (m *memSlack) Calls(method string) []memCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []memCall
	for _, c := range m.calls {
		if method == "" || c.method == method {
			out = append(out, c)
		}
	}
	return out
}

func (m *memSlack) post(_ context.Context, channel, thread string, msg message) (string, error) {
	m.mu.Lock()
	m.n++
	ts := fmt.Sprintf("1700000000.%06d", m.n)
	m.mu.Unlock()
	if err := m.record(memCall{method: "post", channel: channel, thread: thread, ts: ts, text: msg.Text}); err != nil {
		return "", err
	}
	return ts, nil
}

func (m *memSlack) update(_ context.Context, channel, ts string, msg message) error {
	return m.record(memCall{method: "update", channel: channel, ts: ts, text: msg.Text})
}

func (m *memSlack) upload(_ context.Context, channel, thread string, f file) error {
	return m.record(memCall{method: "upload", channel: channel, thread: thread, text: f.Name})
}

func (m *memSlack) ephemeral(_ context.Context, channel, user, thread string, msg message) error {
	return m.record(memCall{method: "ephemeral", channel: channel, thread: thread, text: user + ": " + msg.Text})
}

func (m *memSlack) respond(_ context.Context, url string, msg message, inChannel bool) error {
	return m.record(memCall{method: "respond", text: msg.Text})
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// limited is Slack's 429 as slack-go returns it.
func limited(d time.Duration) error { return &slackgo.RateLimitedError{RetryAfter: d} }

// gaps checks that calls follow each other at least min apart.
func gaps(t *testing.T, calls []memCall, min time.Duration) {
	t.Helper()
	for i := 1; i < len(calls); i++ {
		if d := calls[i].at.Sub(calls[i-1].at); d < min {
			t.Errorf("call %d came %s after call %d (%s), want at least %s", i, d, i-1, calls[i].text, min)
		}
	}
}

func TestWriterPacesPostsPerChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		w := newWriter(api, quietLog())
		defer w.Stop()
		var wg sync.WaitGroup
		for i := range 4 {
			for _, ch := range []string{"C1", "C2"} {
				wg.Go(func() {
					if _, err := w.Post(t.Context(), ch, "", message{Text: fmt.Sprintf("%s-%d", ch, i)}); err != nil {
						t.Error(err)
					}
				})
			}
			synctest.Wait() // post in a known order
		}
		wg.Wait()
		for _, ch := range []string{"C1", "C2"} {
			var calls []memCall
			for _, c := range api.Calls("post") {
				if c.channel == ch {
					calls = append(calls, c)
				}
			}
			if len(calls) != 4 {
				t.Fatalf("%s: %d posts, want 4", ch, len(calls))
			}
			gaps(t, calls, time.Second)
			for i, c := range calls {
				if want := fmt.Sprintf("%s-%d", ch, i); c.text != want {
					t.Errorf("%s: post %d is %q, want %q (order kept)", ch, i, c.text, want)
				}
			}
		}
		// Channels do not wait for each other: the second channel's first post went at once.
		if first := api.Calls("post"); first[1].at.Sub(first[0].at) != 0 {
			t.Errorf("the second channel waited %s for the first", first[1].at.Sub(first[0].at))
		}
	})
}

func TestWriterGathersThreadLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		w := newWriter(api, quietLog())
		defer w.Stop()
		ts, err := w.Post(t.Context(), "C1", "", message{Text: "card"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 { // arrive while the channel waits for its next turn
			if err := w.Line("C1", ts, fmt.Sprintf("event %d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Line("C1", "other-thread", "elsewhere"); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		posts := api.Calls("post")
		if len(posts) != 3 {
			t.Fatalf("%d posts, want the card, one post of 5 lines, and one for the other thread: %+v", len(posts), posts)
		}
		if want := "event 0\nevent 1\nevent 2\nevent 3\nevent 4"; posts[1].text != want || posts[1].thread != ts {
			t.Errorf("gathered post = %q in thread %q", posts[1].text, posts[1].thread)
		}
		if posts[2].text != "elsewhere" || posts[2].thread != "other-thread" {
			t.Errorf("last post = %+v", posts[2])
		}
		gaps(t, posts, time.Second)
	})
}

func TestWriterCoalescesUpdates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		w := newWriter(api, quietLog())
		defer w.Stop()
		// 30 states over 3 seconds: at most about one update a second goes.
		for i := range 30 {
			if err := w.Update(t.Context(), "C1", "1.1", message{Text: fmt.Sprintf("state %d", i)}, false); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err := w.Update(t.Context(), "C1", "1.1", message{Text: "final"}, true); err != nil {
			t.Fatal(err)
		}
		updates := api.Calls("update")
		if len(updates) > 5 {
			t.Errorf("%d updates for 3 s of changes, want about one a second", len(updates))
		}
		gaps(t, updates, time.Second)
		if last := updates[len(updates)-1]; last.text != "final" {
			t.Errorf("last update = %q, want the final state", last.text)
		}
		// Another message is paced on its own.
		if err := w.Update(t.Context(), "C1", "2.2", message{Text: "other"}, true); err != nil {
			t.Fatal(err)
		}
		if n := len(api.Calls("update")); n != len(updates)+1 {
			t.Errorf("the other message's update did not go at once")
		}
	})
}

func TestWriterSkipsRepeatedContent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		w := newWriter(api, quietLog())
		defer w.Stop()
		for range 3 {
			if err := w.Update(t.Context(), "C1", "1.1", message{Text: "same"}, true); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(api.Calls("update")); n != 1 {
			t.Errorf("%d updates of the same content, want 1", n)
		}
	})
}

// A 429 storm on chat.update: every update waits out Retry-After, only the
// newest state goes after each wait, and the final state arrives.
func TestWriterUpdateRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		api.failNext("update", limited(3*time.Second), limited(2*time.Second), limited(2*time.Second))
		w := newWriter(api, quietLog())
		defer w.Stop()
		start := time.Now()
		for i := range 40 {
			if err := w.Update(t.Context(), "C1", "1.1", message{Text: fmt.Sprintf("state %d", i)}, false); err != nil {
				t.Fatal(err)
			}
			time.Sleep(250 * time.Millisecond)
		}
		final := make(chan error, 1)
		go func() { final <- w.Update(t.Context(), "C1", "1.1", message{Text: "final"}, true) }()
		if err := <-final; err != nil {
			t.Fatal(err)
		}
		calls := api.Calls("update")
		// The first three calls were refused; each refusal was waited out in full.
		for i, want := range []time.Duration{3 * time.Second, 2 * time.Second, 2 * time.Second} {
			if d := calls[i+1].at.Sub(calls[i].at); d < want {
				t.Errorf("call %d came %s after a 429 asking for %s", i+1, d, want)
			}
		}
		// After each wait, the newest state went, not the one refused.
		if calls[1].text == calls[0].text {
			t.Errorf("after a 429 the refused state %q went again, not the newest", calls[1].text)
		}
		gaps(t, calls, time.Second)
		if last := calls[len(calls)-1]; last.text != "final" || last.err != nil {
			t.Errorf("last update = %+v, want the final state delivered", last)
		}
		if total := time.Since(start); len(calls) > int(total/time.Second)+1 {
			t.Errorf("%d updates in %s", len(calls), total)
		}
	})
}

// A newer state that comes while a call is refused goes after the wait, not
// the refused one.
func TestWriterNewestAfter429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		api.failNext("update", limited(2*time.Second))
		w := newWriter(api, quietLog())
		defer w.Stop()
		api.during = func() {
			if err := w.Update(t.Context(), "C1", "1.1", message{Text: "B"}, false); err != nil {
				t.Error(err)
			}
		}
		if err := w.Update(t.Context(), "C1", "1.1", message{Text: "A"}, false); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		calls := api.Calls("update")
		if len(calls) != 2 || calls[0].text != "A" || calls[1].text != "B" {
			t.Errorf("updates = %+v, want A refused, then B alone", calls)
		}
	})
}

// A 429 on a post holds the channel for Retry-After; lines that came
// meanwhile go with the refused one.
func TestWriterPostRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		api.failNext("post", limited(5*time.Second))
		w := newWriter(api, quietLog())
		defer w.Stop()
		if err := w.Line("C1", "t1", "one"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if err := w.Line("C1", "t1", "two"); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		posts := api.Calls("post")
		if len(posts) != 2 || posts[1].text != "one\ntwo" {
			t.Fatalf("posts = %+v, want the refused line again with the one that came meanwhile", posts)
		}
		if d := posts[1].at.Sub(posts[0].at); d < 5*time.Second {
			t.Errorf("retried %s after a 429 asking for 5s", d)
		}
	})
}

// A final state that fails for a passing reason is tried again; a
// non-final one is left to the next state.
func TestWriterRetriesFinalState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		api.failNext("update", slackgo.StatusCodeError{Code: 503, Status: "503 Service Unavailable"})
		w := newWriter(api, quietLog())
		defer w.Stop()
		if err := w.Update(t.Context(), "C1", "1.1", message{Text: "final"}, true); err != nil {
			t.Fatalf("final state: %v", err)
		}
		if calls := api.Calls("update"); len(calls) != 2 || calls[1].err != nil {
			t.Errorf("calls = %+v", calls)
		}
		api.failNext("update", errors.New("cant_update_message"))
		if err := w.Update(t.Context(), "C1", "2.2", message{Text: "final"}, true); err == nil || !strings.Contains(err.Error(), "cant_update_message") {
			t.Errorf("a refusal that will not pass: err = %v", err)
		}
	})
}

func TestWriterEphemeralWaitsOutRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		api.failNext("ephemeral", limited(2*time.Second))
		w := newWriter(api, quietLog())
		defer w.Stop()
		if err := w.Ephemeral(t.Context(), "C1", "U1", "", message{Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		calls := api.Calls("ephemeral")
		if len(calls) != 2 || calls[1].at.Sub(calls[0].at) < 2*time.Second {
			t.Errorf("calls = %+v", calls)
		}
	})
}

func TestWriterStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		api.failNext("update", limited(time.Hour))
		w := newWriter(api, quietLog())
		final := make(chan error, 1)
		go func() { final <- w.Update(context.Background(), "C1", "1.1", message{Text: "final"}, true) }()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if err := w.Flush(ctx); err == nil {
			t.Error("Flush returned nil while an update waited out an hour's 429")
		}
		w.Stop()
		if err := <-final; !errors.Is(err, errStopped) {
			t.Errorf("waiting final update: err = %v, want errStopped", err)
		}
		if err := w.Line("C1", "1.1", "late"); !errors.Is(err, errStopped) {
			t.Errorf("Line after Stop: err = %v", err)
		}
	})
}

func TestWriterDropsPostWhoseContextEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newMemSlack()
		w := newWriter(api, quietLog())
		defer w.Stop()
		if _, err := w.Post(t.Context(), "C1", "", message{Text: "first"}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		go func() { time.Sleep(100 * time.Millisecond); cancel() }()
		if _, err := w.Post(ctx, "C1", "", message{Text: "given up"}); err == nil {
			t.Fatal("a post whose context ended while it waited returned no error")
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if posts := api.Calls("post"); len(posts) != 1 {
			t.Errorf("posts = %+v: the abandoned post went anyway", posts)
		}
	})
}

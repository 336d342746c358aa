package fakeslack

import (
	"fmt"
	"net/http"
	"time"
)

// Failure is what an injected fault answers instead of the method: a Slack
// error (HTTP 200, ok:false), another HTTP status, or a 429.
type Failure struct {
	Status     int           // HTTP status; 0 means 200 with Error
	Error      string        // the Slack error of the ok:false reply
	RetryAfter time.Duration // with Status 429: Retry-After, rounded up to whole seconds; 0 sends no header
}

// SlackError is a Failure answering HTTP 200 {"ok":false,"error":code}.
func SlackError(code string) Failure { return Failure{Error: code} }

// HTTPStatus is a Failure answering the status with a non-JSON body, as
// Slack's 5xx pages are.
func HTTPStatus(code int) Failure { return Failure{Status: code} }

// RateLimited is a Failure answering 429 with Retry-After (none when retryAfter is 0).
func RateLimited(retryAfter time.Duration) Failure {
	return Failure{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

func (f Failure) String() string {
	switch {
	case f.Status == http.StatusTooManyRequests:
		return fmt.Sprintf("429 retry after %s", f.RetryAfter)
	case f.Status != 0 && f.Status != http.StatusOK:
		return fmt.Sprintf("HTTP %d", f.Status)
	}
	return f.Error
}

func (f Failure) reply() reply {
	switch {
	case f.Status == http.StatusTooManyRequests:
		return rateLimitedReply(f.RetryAfter)
	case f.Status != 0 && f.Status != http.StatusOK:
		return reply{
			status:   f.Status,
			text:     fmt.Sprintf("fake slack: injected %d %s", f.Status, http.StatusText(f.Status)),
			injected: true,
		}
	}
	code := f.Error
	if code == "" {
		code = "fatal_error"
	}
	rep := errReply(code)
	rep.injected = true
	return rep
}

// FailNext makes the next n calls of method answer f. Method is a Web API
// method name, or "upload" or "response_url" for those endpoints. Faults
// queue: they are used in the order they were asked for.
func (s *Server) FailNext(method string, f Failure, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// RateLimit makes the next times calls of method answer 429 with
// Retry-After (no header when retryAfter is 0, which slack-go reports as a
// StatusCodeError rather than a RateLimitedError).
func (s *Server) RateLimit(method string, times int, retryAfter time.Duration) {
	s.FailNext(method, RateLimited(retryAfter), times)
}

// FailConnectionsOpen makes the next n apps.connections.open calls answer f:
// RateLimited, HTTPStatus(5xx), or SlackError (invalid_auth is fatal to
// slack-go, other errors are retried with backoff).
func (s *Server) FailConnectionsOpen(n int, f Failure) {
	s.FailNext("apps.connections.open", f, n)
}

// RefuseUpgrade makes the next n WebSocket handshakes fail with HTTP 503.
func (s *Server) RefuseUpgrade(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseUpgrades += n
}

// takeFault pops the next fault injected for method. The caller holds s.mu.
func (s *Server) takeFault(method string) (Failure, bool) {
	q := s.faults[method]
	if len(q) == 0 {
		return Failure{}, false
	}
	s.faults[method] = q[1:]
	return q[0], true
}

// RateRules rate-limit the chat methods the way Slack does, so that a test
// can prove the bot stays under them: every call over a rule gets 429 with
// Retry-After and shows in RateLimitHits. A rate of 0 leaves that rule off.
// A burst is how many calls may go at once before the rate applies; 0 means 1.
type RateRules struct {
	PostsPerSecond float64 // chat.postMessage per channel (Slack: about 1, short bursts tolerated)
	PostBurst      int

	UpdatesPerSecond float64 // chat.update per message
	UpdateBurst      int

	ChannelUpdatesPerSecond float64 // chat.update per channel, all its messages together
	ChannelUpdateBurst      int
}

// SetRateRules replaces the rate rules and forgets the calls counted so far.
func (s *Server) SetRateRules(r RateRules) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = r
	s.buckets = map[string]*bucket{}
}

// limit is one token bucket to pass: rate tokens a second, up to burst.
type limit struct {
	key   string
	rate  float64
	burst int
}

type bucket struct {
	tokens float64
	last   time.Time
}

// admit takes a token from every bucket, or from none when one is empty; then
// it says how long until that one refills. The caller holds s.mu.
func (s *Server) admit(limits ...limit) (time.Duration, bool) {
	now := s.now()
	var wait time.Duration
	var active []*bucket
	for _, l := range limits {
		if l.rate <= 0 {
			continue
		}
		burst := float64(max(l.burst, 1))
		b := s.buckets[l.key]
		if b == nil {
			b = &bucket{tokens: burst, last: now}
			s.buckets[l.key] = b
		}
		if elapsed := now.Sub(b.last); elapsed > 0 {
			b.tokens = min(burst, b.tokens+elapsed.Seconds()*l.rate)
		}
		b.last = now
		if b.tokens < 1 {
			wait = max(wait, time.Duration((1-b.tokens)/l.rate*float64(time.Second)))
		}
		active = append(active, b)
	}
	if wait > 0 {
		return wait, false
	}
	for _, b := range active {
		b.tokens--
	}
	return 0, true
}

package fakeslack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrClosed is returned by waits that were still waiting when the fake closed.
var ErrClosed = errors.New("fake slack closed")

// Config describes the workspace the fake serves. Every empty field takes the
// default named in its comment, so the zero Config is a workspace whose only
// user is the bot and which has no channels.
type Config struct {
	BotToken          string // xoxb-test: accepted as form token= or Bearer on Web API calls
	AppToken          string // xapp-test: accepted only as Bearer on apps.connections.open
	VerificationToken string // fake-verification-token: the token field of every payload

	TeamID     string // T1
	TeamDomain string // acme
	TeamName   string // Acme
	AppID      string // A1
	BotUserID  string // UBOT
	BotID      string // B1
	BotName    string // swarmbot

	Users      []User              // people in the workspace; the bot user is added
	Channels   []Channel           // conversations; ephemerals need the user among Members
	UserGroups map[string][]string // user group ID (S…) → member user IDs

	PingEvery  time.Duration // 5 s: interval of the WebSocket Ping frames on every connection
	AckTimeout time.Duration // 3 s: an envelope acked later counts as timed out

	// EventRetrySchedule, when set, redelivers an events_api envelope that was
	// not acked within AckTimeout: retry k waits EventRetrySchedule[k-1] after
	// that timeout, at most 3 retries, as Slack does (there 0, 1 min and 5 min).
	EventRetrySchedule []time.Duration

	Clock func() time.Time // time.Now: gives every ts, ack time and response_url age

	// LenientBlocks turns off the checks Slack makes inside blocks (text
	// lengths, button value and action_id lengths, block_id uniqueness). The
	// 50-block limit and decodability are always checked.
	LenientBlocks bool

	// Rate, when set, rate-limits chat.postMessage and chat.update the way
	// Slack does; see RateRules. SetRateRules changes it later.
	Rate RateRules
}

// User is a person (or bot) of the workspace, as users.info shows it.
type User struct {
	ID          string
	Name        string // the handle, e.g. alice
	RealName    string
	DisplayName string
	Email       string
	TZ          string
	Deleted     bool
	IsBot       bool
}

// Channel is a conversation of the workspace. A private channel is invisible
// to the bot (channel_not_found) unless the bot user is among its Members.
type Channel struct {
	ID      string // C…
	Name    string // without #
	Private bool
	Members []string // user IDs
}

// Server is a fake Slack: the Web API methods, the Socket Mode WebSocket,
// response_url and file upload endpoints a socket-mode bot uses, plus a driver
// that acts as the workspace's users. It is safe for concurrent use.
type Server struct {
	cfg  Config
	http *httptest.Server

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change of state
	closed  bool
	wg      sync.WaitGroup // connection goroutines

	users    map[string]User
	channels map[string]*Channel
	groups   map[string][]string

	lastMicros   int64
	counters     map[string]int
	messages     map[string][]*Message // by channel, in ts order, thread replies included
	ephemerals   []*Ephemeral
	files        map[string]*File
	fileOrder    []string
	responseURLs map[string]*responseURL
	calls        []Call
	faults       map[string][]Failure
	rate         RateRules
	buckets      map[string]*bucket

	tickets        map[string]bool // ticket → used
	conns          []*conn
	pending        []*envelope // waiting for an open connection
	envelopes      map[string]*envelope
	acks           []Ack
	deliveries     []*Delivery
	pingsStopped   bool
	refuseUpgrades int
}

// New starts a fake Slack on 127.0.0.1 and closes it when the test ends.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := newServer(cfg)
	t.Cleanup(s.Close)
	return s
}

func newServer(cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{
		cfg:          cfg,
		changed:      make(chan struct{}),
		users:        map[string]User{},
		channels:     map[string]*Channel{},
		groups:       map[string][]string{},
		counters:     map[string]int{},
		messages:     map[string][]*Message{},
		files:        map[string]*File{},
		responseURLs: map[string]*responseURL{},
		faults:       map[string][]Failure{},
		rate:         cfg.Rate,
		buckets:      map[string]*bucket{},
		tickets:      map[string]bool{},
		envelopes:    map[string]*envelope{},
	}
	s.users[cfg.BotUserID] = User{ID: cfg.BotUserID, Name: cfg.BotName, RealName: cfg.BotName, DisplayName: cfg.BotName, IsBot: true}
	for _, u := range cfg.Users {
		s.users[u.ID] = u
	}
	for _, c := range cfg.Channels {
		c.Members = append([]string(nil), c.Members...)
		s.channels[c.ID] = &c
	}
	for id, members := range cfg.UserGroups {
		s.groups[id] = append([]string(nil), members...)
	}
	s.http = httptest.NewServer(s.routes())
	return s
}

func withDefaults(c Config) Config {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&c.BotToken, "xoxb-test")
	def(&c.AppToken, "xapp-test")
	def(&c.VerificationToken, "fake-verification-token")
	def(&c.TeamID, "T1")
	def(&c.TeamDomain, "acme")
	def(&c.TeamName, "Acme")
	def(&c.AppID, "A1")
	def(&c.BotUserID, "UBOT")
	def(&c.BotID, "B1")
	def(&c.BotName, "swarmbot")
	if c.PingEvery <= 0 {
		c.PingEvery = 5 * time.Second
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 3 * time.Second
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("GET /link/", s.serveLink)
	mux.HandleFunc("POST /upload/{id}", s.serveUpload)
	mux.HandleFunc("POST /response/{id}", s.serveResponseURL)
	return mux
}

// APIURL is the Web API root to give slack.OptionAPIURL, with its trailing slash.
func (s *Server) APIURL() string { return s.http.URL + "/api/" }

// BotToken is the token the bot must use for Web API calls.
func (s *Server) BotToken() string { return s.cfg.BotToken }

// AppToken is the app-level token the bot must use to open Socket Mode.
func (s *Server) AppToken() string { return s.cfg.AppToken }

// BotUserID is the bot's user ID, the one a mention names (<@UBOT>).
func (s *Server) BotUserID() string { return s.cfg.BotUserID }

// Close ends every connection, stops every timer and the HTTP server, and
// waits for the fake's goroutines. Waits still waiting return ErrClosed.
// It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	var open []*conn
	for _, c := range s.conns {
		if s.markClosed(c, "fake closed") {
			open = append(open, c)
		}
	}
	for _, d := range s.deliveries {
		d.stopTimers()
	}
	s.notify()
	s.mu.Unlock()

	for _, c := range open {
		_ = c.ws.Close()
	}
	s.http.Close()
	s.wg.Wait()
}

// notify wakes every waiter. The caller holds s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// now reads the configured clock.
func (s *Server) now() time.Time { return s.cfg.Clock() }

// nextID returns prefix followed by the next number of that prefix's counter.
func (s *Server) nextID(prefix string) string {
	s.counters[prefix]++
	return fmt.Sprintf("%s%d", prefix, s.counters[prefix])
}

// newTS allocates a message timestamp: the clock in microseconds, moved on by
// one microsecond when the clock has not advanced, so that every ts is unique
// and strictly increasing, as Slack's are within a channel.
func (s *Server) newTS() string {
	m := s.now().UnixMicro()
	if m <= s.lastMicros {
		m = s.lastMicros + 1
	}
	s.lastMicros = m
	return formatTS(m)
}

// formatTS renders microseconds since the epoch as a Slack ts.
func formatTS(micros int64) string { return fmt.Sprintf("%d.%06d", micros/1e6, micros%1e6) }

// channel finds a conversation by ID or by name (with or without #), as the
// chat methods accept either.
func (s *Server) channel(idOrName string) *Channel {
	if c, ok := s.channels[idOrName]; ok {
		return c
	}
	name := strings.TrimPrefix(idOrName, "#")
	for _, c := range s.channels {
		if c.Name == name && name != "" {
			return c
		}
	}
	return nil
}

// visibleChannel is channel, hiding private channels the bot is not in, as Slack does.
func (s *Server) visibleChannel(idOrName string) *Channel {
	c := s.channel(idOrName)
	if c == nil || (c.Private && !c.isMember(s.cfg.BotUserID)) {
		return nil
	}
	return c
}

func (c *Channel) isMember(user string) bool {
	for _, m := range c.Members {
		if m == user {
			return true
		}
	}
	return false
}

// writeJSON answers with a JSON body and the JSON content type, as Slack does on every reply.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"slices"
	"time"
)

// Message is a message in a channel or a thread, as the workspace sees it.
type Message struct {
	Channel        string
	TS             string
	ThreadTS       string // the parent's ts for a thread reply, "" for a top-level message
	User           string // the author; the bot user for the bot's messages
	BotID          string // set on the bot's messages only
	Text           string
	Blocks         json.RawMessage // the blocks as Slack keeps them: as posted, with a generated block_id where none was given
	Attachments    json.RawMessage
	Metadata       json.RawMessage
	ReplyBroadcast bool     // a thread reply also shown in the channel
	ReplyCount     int      // replies in this message's thread
	LatestReply    string   // ts of the newest reply
	ReplyUsers     []string // authors of the replies, first reply first
	Files          []string // IDs of the files shared with this message
	Edits          []Edit   // one per change after posting, oldest first
	Deleted        bool
	Via            string // how it arrived: chat.postMessage, response_url, ack, files.completeUploadExternal, user
}

// Edit is one change of a message's content: what the message showed after it.
type Edit struct {
	At     time.Time
	Via    string // chat.update or response_url
	Text   string
	Blocks json.RawMessage
}

// Ephemeral is a message only one user sees.
type Ephemeral struct {
	Channel  string
	User     string // who sees it
	TS       string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
	Via      string // chat.postEphemeral, response_url or ack
	Edits    []Edit
	Deleted  bool
}

// File is an upload through files.getUploadURLExternal, the upload URL and
// files.completeUploadExternal.
type File struct {
	ID             string
	Name           string
	Title          string
	Length         int    // as declared to files.getUploadURLExternal
	Content        []byte // as received by the upload URL
	Uploaded       bool
	Shared         bool // completed with files.completeUploadExternal
	Channels       []string
	ThreadTS       string
	InitialComment string
}

// Call is one request the fake answered.
type Call struct {
	Method   string          // Web API method; "upload", "response_url" or "websocket" for the other endpoints
	Params   url.Values      // form fields, or the top-level fields of a JSON body
	JSON     json.RawMessage // the body, when it was JSON
	Auth     string          // how the token came: "bearer", "form" or ""
	Status   int             // HTTP status of the reply
	Error    string          // the Slack error of an ok:false reply; "ratelimited" on a 429
	Injected bool            // the reply was a fault the test asked for, or a rate rule's 429
	At       time.Time
}

// Connection is one Socket Mode WebSocket.
type Connection struct {
	ID        int
	Ticket    string
	Opened    time.Time
	HelloAt   time.Time // when its hello frame was written; zero before
	Closed    time.Time // zero while open
	Cause     string    // why it closed
	Draining  bool      // told to disconnect: gets no new envelopes
	PingsSent int
	Pongs     int
}

// Open reports whether the connection has not closed.
func (c Connection) Open() bool { return c.Closed.IsZero() }

// Ack is one frame the bot sent on a WebSocket, normally an acknowledgement.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // nil when the ack carried none
	Conn       int             // the connection it arrived on
	SentOn     int             // the connection its envelope went out on
	At         time.Time
	Latency    time.Duration // from the envelope's write to this ack
	Unknown    bool          // no envelope has that ID (or the frame was not an ack)
	Duplicate  bool          // the envelope was already acked
	Raw        json.RawMessage
}

// ResponsePost is one POST to a response_url.
type ResponsePost struct {
	At     time.Time
	Body   json.RawMessage
	Status int
	Error  string
}

// State is the fake's state, given to a WaitFor condition. It is valid only
// during that call; the condition must not call the Server's own methods.
type State struct{ s *Server }

// WaitFor blocks until cond reports true, the context ends or the fake closes.
// cond runs under the fake's lock each time its state changes; it never sleeps.
func (s *Server) WaitFor(ctx context.Context, cond func(State) bool) error {
	for {
		s.mu.Lock()
		if cond(State{s}) {
			s.mu.Unlock()
			return nil
		}
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("waiting for fake slack state: %w", context.Cause(ctx))
		}
	}
}

// WaitConnected waits until an open connection has been sent its hello.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.WaitFor(ctx, func(st State) bool {
		for _, c := range st.Connections() {
			if c.Open() && !c.HelloAt.IsZero() {
				return true
			}
		}
		return false
	})
}

// view runs f with the state under the lock.
func view[T any](s *Server, f func(State) T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(State{s})
}

// Messages lists the channel's visible top-level messages (and broadcast thread replies), oldest first.
func (s *Server) Messages(channel string) []Message {
	return view(s, func(st State) []Message { return st.Messages(channel) })
}

// Thread lists a thread: its parent first, then the replies, oldest first.
func (s *Server) Thread(channel, ts string) []Message {
	return view(s, func(st State) []Message { return st.Thread(channel, ts) })
}

// Message finds any message of the channel by ts, deleted ones and thread replies included.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return State{s}.Message(channel, ts)
}

// Ephemerals lists the ephemerals the user saw in the channel, oldest first, deleted ones left out.
func (s *Server) Ephemerals(channel, user string) []Ephemeral {
	return view(s, func(st State) []Ephemeral { return st.Ephemerals(channel, user) })
}

// ResponseURLPosts lists the posts to a response_url, given as its ID (R1) or whole URL.
func (s *Server) ResponseURLPosts(id string) []ResponsePost {
	return view(s, func(st State) []ResponsePost { return st.ResponseURLPosts(id) })
}

// Files lists the files, in the order their upload began.
func (s *Server) Files() []File { return view(s, State.Files) }

// Calls is the log of every request answered, oldest first.
func (s *Server) Calls() []Call { return view(s, State.Calls) }

// RateLimitHits lists every call answered with HTTP 429.
func (s *Server) RateLimitHits() []Call { return view(s, State.RateLimitHits) }

// Connections lists every WebSocket connection, oldest first.
func (s *Server) Connections() []Connection { return view(s, State.Connections) }

// Acks lists every frame received from the bot, oldest first.
func (s *Server) Acks() []Ack { return view(s, State.Acks) }

// Messages: see Server.Messages.
func (st State) Messages(channel string) []Message {
	var out []Message
	for _, m := range st.s.messagesOf(channel) {
		if !m.Deleted && (m.ThreadTS == "" || m.ReplyBroadcast) {
			out = append(out, m.clone())
		}
	}
	return out
}

// Thread: see Server.Thread.
func (st State) Thread(channel, ts string) []Message {
	var out []Message
	for _, m := range st.s.messagesOf(channel) {
		if !m.Deleted && ((m.TS == ts && m.ThreadTS == "") || m.ThreadTS == ts) {
			out = append(out, m.clone())
		}
	}
	return out
}

// Message: see Server.Message.
func (st State) Message(channel, ts string) (Message, bool) {
	if m := st.s.findMessage(channel, ts); m != nil {
		return m.clone(), true
	}
	return Message{}, false
}

// Ephemerals: see Server.Ephemerals.
func (st State) Ephemerals(channel, user string) []Ephemeral {
	var out []Ephemeral
	for _, e := range st.s.ephemerals {
		if e.Channel == channel && e.User == user && !e.Deleted {
			c := *e
			c.Edits = slices.Clone(e.Edits)
			out = append(out, c)
		}
	}
	return out
}

// ResponseURLPosts: see Server.ResponseURLPosts.
func (st State) ResponseURLPosts(id string) []ResponsePost {
	u := st.s.responseURLs[path.Base(id)]
	if u == nil {
		return nil
	}
	return slices.Clone(u.posts)
}

// Files: see Server.Files.
func (st State) Files() []File {
	var out []File
	for _, id := range st.s.fileOrder {
		f := *st.s.files[id]
		f.Content = slices.Clone(f.Content)
		f.Channels = slices.Clone(f.Channels)
		out = append(out, f)
	}
	return out
}

// Calls: see Server.Calls.
func (st State) Calls() []Call { return slices.Clone(st.s.calls) }

// RateLimitHits: see Server.RateLimitHits.
func (st State) RateLimitHits() []Call {
	var out []Call
	for _, c := range st.s.calls {
		if c.Status == 429 {
			out = append(out, c)
		}
	}
	return out
}

// Connections: see Server.Connections.
func (st State) Connections() []Connection {
	out := make([]Connection, 0, len(st.s.conns))
	for _, c := range st.s.conns {
		out = append(out, c.info)
	}
	return out
}

// Acks: see Server.Acks.
func (st State) Acks() []Ack { return slices.Clone(st.s.acks) }

func (s *Server) messagesOf(channel string) []*Message {
	if c := s.channel(channel); c != nil {
		return s.messages[c.ID]
	}
	return nil
}

// findMessage finds a message of the channel by ts, deleted or not.
func (s *Server) findMessage(channel, ts string) *Message {
	for _, m := range s.messagesOf(channel) {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

func (m *Message) clone() Message {
	c := *m
	c.Edits = slices.Clone(m.Edits)
	c.Files = slices.Clone(m.Files)
	c.ReplyUsers = slices.Clone(m.ReplyUsers)
	return c
}

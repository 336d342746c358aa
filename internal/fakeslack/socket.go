package fakeslack

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// writeTimeout bounds every write to a WebSocket, as slack-go's own writes are bounded.
const writeTimeout = 10 * time.Second

// upgrader accepts any Origin: slack-go dials with Origin https://api.slack.com,
// which gorilla's default check would refuse for a 127.0.0.1 host.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// conn is one Socket Mode WebSocket. A single writer goroutine owns writes of
// data frames (gorilla allows one writer); pings go through WriteControl,
// which may run beside it.
type conn struct {
	info  Connection
	ws    *websocket.Conn
	queue []frame       // frames waiting for the writer; guarded by Server.mu
	wake  chan struct{} // tells the writer the queue grew
	done  chan struct{} // closed when the connection closes
}

type frame struct {
	data  []byte
	env   *envelope // nil for hello and disconnect
	hello bool
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *conn) open() bool { return c.info.Closed.IsZero() }

func (s *Server) appsConnectionsOpen(*request) reply {
	ticket := s.nextID("ticket-")
	s.tickets[ticket] = false
	url := "ws" + strings.TrimPrefix(s.http.URL, "http") + "/link/?ticket=" + ticket + "&app_id=" + s.cfg.AppID
	return okReply(map[string]any{"url": url})
}

// serveLink is the WebSocket endpoint apps.connections.open points to. Extra
// query parameters (slack-go's debug_reconnects=true) are ignored.
func (s *Server) serveLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	req := &request{params: maps.Clone(r.URL.Query())}

	s.mu.Lock()
	used, known := s.tickets[ticket]
	var refusal *reply
	switch {
	case s.closed:
		refusal = &reply{status: http.StatusServiceUnavailable, text: "fake slack closed"}
	case !known || used:
		refusal = &reply{status: http.StatusForbidden, text: "unknown or used ticket", slackErr: "invalid_ticket"}
	case s.refuseUpgrades > 0:
		s.refuseUpgrades--
		s.tickets[ticket] = true
		refusal = &reply{status: http.StatusServiceUnavailable, text: "fake slack: upgrade refused", injected: true}
	}
	if refusal != nil {
		s.record("websocket", req, *refusal)
		s.mu.Unlock()
		refusal.write(w)
		return
	}
	s.tickets[ticket] = true
	s.record("websocket", req, reply{status: http.StatusSwitchingProtocols})
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := s.register(ws, ticket)
	if c == nil {
		_ = ws.Close()
		return
	}
	s.readLoop(c)
}

// register adds an upgraded connection, queues its hello (then any envelope
// that waited for a connection) and starts its writer and pinger. It returns
// nil when the fake has closed.
func (s *Server) register(ws *websocket.Conn, ticket string) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	c := &conn{ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{})}
	c.info = Connection{ID: len(s.conns) + 1, Ticket: ticket, Opened: s.now()}
	s.conns = append(s.conns, c)
	open := 0
	for _, o := range s.conns {
		if o.open() {
			open++
		}
	}
	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": open,
		"debug_info": map[string]any{
			"host":                        "applink-fake",
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": s.cfg.AppID},
	})
	c.queue = append(c.queue, frame{data: hello, hello: true})
	s.route()
	c.signal()
	ws.SetPongHandler(func(string) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		c.info.Pongs++
		s.notify()
		return nil
	})
	s.wg.Add(2)
	go s.writeLoop(c)
	go s.pingLoop(c)
	s.notify()
	return c
}

// readLoop reads the bot's frames until the connection fails. It never
// blocks on anything but the socket.
func (s *Server) readLoop(c *conn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			s.mu.Lock()
			s.markClosed(c, readFailure(err))
			s.mu.Unlock()
			_ = c.ws.Close()
			return
		}
		s.receive(c, data)
	}
}

func readFailure(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Code == websocket.CloseAbnormalClosure {
			return "connection lost without a close frame (1006)"
		}
		return fmt.Sprintf("closed by the bot (%d %s)", ce.Code, ce.Text)
	}
	return "read failed: " + err.Error()
}

func (s *Server) writeLoop(c *conn) {
	defer s.wg.Done()
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		for {
			s.mu.Lock()
			if !c.open() || len(c.queue) == 0 {
				s.mu.Unlock()
				break
			}
			f := c.queue[0]
			c.queue = c.queue[1:]
			if f.env != nil {
				// Stamped before the write: the ack may arrive before the write returns.
				f.env.sentAt, f.env.conn = s.now(), c.info.ID
			}
			s.mu.Unlock()

			_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			err := c.ws.WriteMessage(websocket.TextMessage, f.data)

			s.mu.Lock()
			if err != nil {
				if f.env != nil {
					f.env.sentAt, f.env.conn = time.Time{}, 0
				}
				if c.open() {
					c.queue = append([]frame{f}, c.queue...)
					s.markClosed(c, "write failed: "+err.Error())
				} else {
					s.requeue([]frame{f})
				}
				s.mu.Unlock()
				_ = c.ws.Close()
				return
			}
			if f.hello {
				c.info.HelloAt = s.now()
			}
			if f.env != nil {
				s.sent(f.env)
			}
			s.notify()
			s.mu.Unlock()
		}
	}
}

func (s *Server) pingLoop(c *conn) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.PingEvery)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		stopped := s.pingsStopped
		s.mu.Unlock()
		if stopped {
			continue
		}
		if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(writeTimeout)); err != nil {
			continue // the read loop notices a dead connection
		}
		s.mu.Lock()
		c.info.PingsSent++
		s.mu.Unlock()
	}
}

// markClosed records that a connection is over and hands its unwritten
// envelopes to the newest open connection, or to the queue. It reports
// whether the connection was open. The caller holds s.mu.
func (s *Server) markClosed(c *conn, cause string) bool {
	if !c.open() {
		return false
	}
	c.info.Closed = s.now()
	c.info.Cause = cause
	close(c.done)
	q := c.queue
	c.queue = nil
	s.requeue(q)
	s.notify()
	return true
}

// requeue puts the envelopes of unwritten frames back in front of the queue
// and routes them. The caller holds s.mu.
func (s *Server) requeue(frames []frame) {
	var envs []*envelope
	for _, f := range frames {
		if f.env != nil {
			envs = append(envs, f.env)
		}
	}
	s.pending = append(envs, s.pending...)
	s.route()
}

// route moves queued envelopes to the newest open connection that has not
// been told to disconnect; with none, they wait. The caller holds s.mu.
func (s *Server) route() {
	if len(s.pending) == 0 || s.closed {
		return
	}
	var target *conn
	for i := len(s.conns) - 1; i >= 0; i-- {
		if c := s.conns[i]; c.open() && !c.info.Draining {
			target = c
			break
		}
	}
	if target == nil {
		return
	}
	for _, e := range s.pending {
		target.queue = append(target.queue, frame{data: e.data, env: e})
	}
	s.pending = nil
	target.signal()
}

// receive handles one frame from the bot: an ack is matched to its envelope
// whichever connection either went on.
func (s *Server) receive(c *conn, data []byte) {
	var msg struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	err := json.Unmarshal(data, &msg)

	s.mu.Lock()
	defer s.mu.Unlock()
	a := Ack{EnvelopeID: msg.EnvelopeID, Conn: c.info.ID, At: s.now(), Raw: data}
	if len(msg.Payload) > 0 && string(msg.Payload) != "null" {
		a.Payload = msg.Payload
	}
	env := s.envelopes[msg.EnvelopeID]
	switch {
	case err != nil || env == nil:
		a.Unknown = true
	case env.acked:
		a.Duplicate = true
		a.SentOn, a.Latency = env.conn, a.At.Sub(env.sentAt)
	default:
		env.acked = true
		a.SentOn, a.Latency = env.conn, a.At.Sub(env.sentAt)
		s.acked(env.d, a)
	}
	s.acks = append(s.acks, a)
	s.notify()
}

// Disconnect sends {"type":"disconnect","reason":reason} on every open
// connection, as Slack does before a refresh ("warning", "refresh_requested")
// or when too many are open ("too_many_websockets"). Those connections get no
// new envelopes; they wait for the bot's next connection.
func (s *Server) Disconnect(reason string) {
	msg, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "applink-fake"},
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if c.open() && !c.info.Draining {
			c.queue = append(c.queue, frame{data: msg})
			c.info.Draining = true
			c.signal()
		}
	}
	s.notify()
}

// DropConnection ends every open connection at once: after a close frame
// (1001 going away) when withCloseFrame, else by closing the TCP connection,
// which the bot sees as 1006. Unwritten envelopes wait for the next connection.
func (s *Server) DropConnection(withCloseFrame bool) {
	cause := "dropped by the test without a close frame"
	if withCloseFrame {
		cause = "dropped by the test with a close frame"
	}
	s.mu.Lock()
	var victims []*conn
	for _, c := range s.conns {
		if s.markClosed(c, cause) {
			victims = append(victims, c)
		}
	}
	s.mu.Unlock()
	for _, c := range victims {
		if withCloseFrame {
			msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "fake slack dropped the connection")
			_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		}
		_ = c.ws.Close()
	}
}

// StopPings stops the WebSocket Ping frames on every connection, old and new,
// as a half-dead link would; slack-go reconnects after its ping interval.
func (s *Server) StopPings() { s.setPings(true) }

// StartPings resumes the Ping frames.
func (s *Server) StartPings() { s.setPings(false) }

func (s *Server) setPings(stopped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pingsStopped = stopped
}

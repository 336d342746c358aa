package fakeslack

import (
	"encoding/json"
	"slices"
)

// wireMessage is a message as the Web API and interaction payloads show it.
type wireMessage struct {
	Type        string          `json:"type"`
	Subtype     string          `json:"subtype,omitempty"`
	User        string          `json:"user,omitempty"`
	BotID       string          `json:"bot_id,omitempty"`
	AppID       string          `json:"app_id,omitempty"`
	Text        string          `json:"text"`
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts,omitempty"`
	Team        string          `json:"team,omitempty"`
	Blocks      json.RawMessage `json:"blocks,omitempty"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	ReplyCount  int             `json:"reply_count,omitempty"`
	ReplyUsers  []string        `json:"reply_users,omitempty"`
	LatestReply string          `json:"latest_reply,omitempty"`
	Edited      *wireEdited     `json:"edited,omitempty"`
	Files       []wireFile      `json:"files,omitempty"`
}

type wireEdited struct {
	User string `json:"user"`
	TS   string `json:"ts"`
}

type wireFile struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Title string `json:"title,omitempty"`
}

func (s *Server) wire(m *Message) wireMessage {
	w := wireMessage{
		Type:        "message",
		User:        m.User,
		BotID:       m.BotID,
		Text:        m.Text,
		TS:          m.TS,
		ThreadTS:    m.ThreadTS,
		Team:        s.cfg.TeamID,
		Blocks:      m.Blocks,
		Attachments: m.Attachments,
		Metadata:    m.Metadata,
		ReplyCount:  m.ReplyCount,
		ReplyUsers:  m.ReplyUsers,
		LatestReply: m.LatestReply,
	}
	if m.BotID != "" {
		w.AppID = s.cfg.AppID
	}
	if m.ThreadTS == "" && m.ReplyCount > 0 {
		w.ThreadTS = m.TS // a parent carries its own ts as thread_ts
	}
	if n := len(m.Edits); n > 0 {
		w.Edited = &wireEdited{User: m.User, TS: s.tsOf(m.Edits[n-1])}
	}
	if len(m.Files) > 0 {
		w.Subtype = "file_share"
		for _, id := range m.Files {
			if f := s.files[id]; f != nil {
				w.Files = append(w.Files, wireFile{ID: f.ID, Name: f.Name, Title: f.Title})
			}
		}
	}
	return w
}

// tsOf renders an edit's time as a ts.
func (s *Server) tsOf(e Edit) string { return formatTS(e.At.UnixMicro()) }

// content is the text, blocks and attachments of a chat call or a response.
type content struct {
	textValue      string
	hasText        bool
	blocks         json.RawMessage
	hasBlocks      bool
	attachments    json.RawMessage
	hasAttachments bool
	metadata       json.RawMessage
	hasMetadata    bool
}

// readContent reads and checks text, blocks, attachments and metadata of a
// chat call; rep is the error reply when they are unusable.
func (s *Server) readContent(req *request) (c content, rep *reply) {
	c.hasText = req.has("text")
	c.textValue = truncateText(req.params.Get("text"))
	if req.has("blocks") {
		c.hasBlocks = true
		blocks, problems := parseBlocks(req.params.Get("blocks"), s.cfg.LenientBlocks)
		if len(problems) > 0 {
			r := invalidReply("invalid_blocks", problems)
			return c, &r
		}
		c.blocks = blocks
	}
	if a := req.params.Get("attachments"); a != "" {
		if !json.Valid([]byte(a)) {
			r := errReply("invalid_attachments")
			return c, &r
		}
		c.hasAttachments, c.attachments = true, json.RawMessage(a)
	}
	if md := req.params.Get("metadata"); md != "" && json.Valid([]byte(md)) {
		c.hasMetadata, c.metadata = true, json.RawMessage(md)
	}
	return c, nil
}

func (c content) empty() bool {
	return c.textValue == "" && len(c.blocks) == 0 && len(c.attachments) == 0
}

// post stores a new message in the channel (as a reply when threadTS is set,
// which must name a message there) and returns it. The caller holds s.mu.
func (s *Server) post(ch *Channel, m *Message) *Message {
	m.Channel = ch.ID
	m.TS = s.newTS()
	if m.ThreadTS != "" {
		parent := s.findMessage(ch.ID, m.ThreadTS)
		parent.ReplyCount++
		parent.LatestReply = m.TS
		if !slices.Contains(parent.ReplyUsers, m.User) {
			parent.ReplyUsers = append(parent.ReplyUsers, m.User)
		}
	}
	s.messages[ch.ID] = append(s.messages[ch.ID], m)
	return m
}

// threadParent resolves a thread_ts: the ts of a top-level message, or of a
// reply, which threads under the reply's parent. ok is false when no such
// message exists.
func (s *Server) threadParent(ch *Channel, threadTS string) (string, bool) {
	if threadTS == "" {
		return "", true
	}
	m := s.findMessage(ch.ID, threadTS)
	if m == nil || m.Deleted {
		return "", false
	}
	if m.ThreadTS != "" {
		return m.ThreadTS, true
	}
	return m.TS, true
}

func (s *Server) chatPostMessage(req *request) reply {
	ch := s.visibleChannel(req.params.Get("channel"))
	if ch == nil {
		return errReply("channel_not_found")
	}
	if wait, ok := s.admit(limit{"post/" + ch.ID, s.rate.PostsPerSecond, s.rate.PostBurst}); !ok {
		return rateLimitedReply(wait)
	}
	c, bad := s.readContent(req)
	if bad != nil {
		return *bad
	}
	if c.empty() {
		return errReply("no_text")
	}
	// Slack's behaviour for an unknown parent is not documented; the fake
	// refuses it so that a bot threading under a wrong ts is caught.
	parent, ok := s.threadParent(ch, req.params.Get("thread_ts"))
	if !ok {
		return errReply("thread_not_found")
	}
	m := s.post(ch, &Message{
		ThreadTS:       parent,
		User:           s.cfg.BotUserID,
		BotID:          s.cfg.BotID,
		Text:           c.textValue,
		Blocks:         c.blocks,
		Attachments:    c.attachments,
		Metadata:       c.metadata,
		ReplyBroadcast: parent != "" && req.params.Get("reply_broadcast") == "true",
		Via:            "chat.postMessage",
	})
	return okReply(map[string]any{"channel": ch.ID, "ts": m.TS, "message": s.wire(m)})
}

func (s *Server) chatUpdate(req *request) reply {
	ch := s.visibleChannel(req.params.Get("channel"))
	if ch == nil {
		return errReply("channel_not_found")
	}
	ts := req.params.Get("ts")
	m := s.findMessage(ch.ID, ts)
	if m == nil || m.Deleted {
		return errReply("message_not_found")
	}
	if m.BotID != s.cfg.BotID {
		return errReply("cant_update_message")
	}
	if wait, ok := s.admit(
		limit{"update/" + ch.ID + "/" + ts, s.rate.UpdatesPerSecond, s.rate.UpdateBurst},
		limit{"update/" + ch.ID, s.rate.ChannelUpdatesPerSecond, s.rate.ChannelUpdateBurst},
	); !ok {
		return rateLimitedReply(wait)
	}
	c, bad := s.readContent(req)
	if bad != nil {
		return *bad
	}
	if !c.hasText && !c.hasBlocks && !c.hasAttachments {
		return errReply("no_text")
	}
	// Text and attachments are replaced when sent; blocks only when the field
	// is present ("[]" clears them), as Slack documents for chat.update.
	if c.hasText {
		m.Text = c.textValue
	}
	if c.hasBlocks {
		m.Blocks = c.blocks
	}
	if c.hasAttachments {
		m.Attachments = c.attachments
	}
	if c.hasMetadata {
		m.Metadata = c.metadata
	}
	m.Edits = append(m.Edits, Edit{At: s.now(), Via: "chat.update", Text: m.Text, Blocks: m.Blocks})
	return okReply(map[string]any{"channel": ch.ID, "ts": m.TS, "text": m.Text, "message": s.wire(m)})
}

func (s *Server) chatPostEphemeral(req *request) reply {
	ch := s.visibleChannel(req.params.Get("channel"))
	if ch == nil {
		return errReply("channel_not_found")
	}
	user := req.params.Get("user")
	if _, ok := s.users[user]; !ok {
		return errReply("user_not_found")
	}
	if !ch.isMember(user) {
		return errReply("user_not_in_channel")
	}
	c, bad := s.readContent(req)
	if bad != nil {
		return *bad
	}
	if c.empty() {
		return errReply("no_text")
	}
	e := &Ephemeral{
		Channel:  ch.ID,
		User:     user,
		TS:       s.newTS(),
		ThreadTS: req.params.Get("thread_ts"),
		Text:     c.textValue,
		Blocks:   c.blocks,
		Via:      "chat.postEphemeral",
	}
	s.ephemerals = append(s.ephemerals, e)
	return okReply(map[string]any{"message_ts": e.TS})
}

// findEphemeral finds a user's ephemeral in a channel by ts.
func (s *Server) findEphemeral(channel, user, ts string) *Ephemeral {
	for _, e := range s.ephemerals {
		if e.Channel == channel && e.User == user && e.TS == ts {
			return e
		}
	}
	return nil
}

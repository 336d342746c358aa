package fakeslack

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"
)

// Slack lets a response_url be used 5 times within 30 minutes.
const (
	maxResponseUses     = 5
	responseURLLifetime = 30 * time.Minute
)

// responseURL is one response_url Slack handed out with a slash command or a
// click, bound to the user, the channel and (for a click) the message.
type responseURL struct {
	id              string
	user, channel   string
	created         time.Time
	uses            int
	slash           bool
	source          string // ts of the message replace_original and delete_original act on
	sourceEphemeral bool
	threadTS        string // thread of the source message
	posts           []ResponsePost
}

// responseBody is what the bot posts to a response_url (slack-go's slack.Msg),
// and what a slash command's ack payload may carry.
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

func (b responseBody) empty() bool {
	return b.Text == "" && isNull(b.Blocks) && isNull(b.Attachments) && !b.DeleteOriginal && !b.ReplaceOriginal
}

func isNull(r json.RawMessage) bool { return len(r) == 0 || string(r) == "null" }

// newResponseURL mints a response_url. The caller holds s.mu.
func (s *Server) newResponseURL(user, channel string) *responseURL {
	u := &responseURL{id: s.nextID("R"), user: user, channel: channel, created: s.now()}
	s.responseURLs[u.id] = u
	return u
}

func (s *Server) responseURLOf(u *responseURL) string { return s.http.URL + "/response/" + u.id }

// serveResponseURL takes a bot's post to a response_url. It always answers
// JSON with the JSON content type: slack-go reads any other reply as text
// that must be exactly "ok".
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody))
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))

	s.mu.Lock()
	req := &request{params: url.Values{"id": {id}}, json: body}
	u := s.responseURLs[id]
	rep := func() reply {
		if f, ok := s.takeFault("response_url"); ok {
			return f.reply()
		}
		notFound := func(code string) reply {
			return reply{status: http.StatusNotFound, body: map[string]any{"ok": false, "error": code}, slackErr: code}
		}
		switch {
		case u == nil:
			return notFound("invalid_url")
		case s.now().Sub(u.created) > responseURLLifetime:
			return notFound("expired_url")
		case u.uses >= maxResponseUses:
			return notFound("used_url")
		}
		var msg responseBody
		if readErr != nil || ctype != "application/json" || json.Unmarshal(body, &msg) != nil {
			return reply{status: http.StatusBadRequest, body: map[string]any{"ok": false, "error": "invalid_payload"}, slackErr: "invalid_payload"}
		}
		if code, problems := s.applyResponse(u, msg, "response_url"); code != "" {
			if len(problems) > 0 {
				return invalidReply(code, problems)
			}
			return errReply(code)
		}
		u.uses++
		return okReply(map[string]any{})
	}()
	if u != nil {
		u.posts = append(u.posts, ResponsePost{At: s.now(), Body: body, Status: rep.status, Error: rep.slackErr})
	}
	s.record("response_url", req, rep)
	s.mu.Unlock()
	rep.write(w)
}

// applyResponse shows a response the way Slack does: delete_original removes
// the source message, replace_original replaces it, anything else is a new
// message, ephemeral to the user unless response_type is in_channel. For a
// slash command, which has no message of its own, the source is the last
// response shown (Slack's exact behaviour there is not documented). The
// caller holds s.mu.
func (s *Server) applyResponse(u *responseURL, b responseBody, via string) (code string, problems []string) {
	var blocks json.RawMessage
	if !isNull(b.Blocks) {
		parsed, problems := parseBlocks(string(b.Blocks), s.cfg.LenientBlocks)
		if len(problems) > 0 {
			return "invalid_blocks", problems
		}
		blocks = parsed
	}
	var attachments json.RawMessage
	if !isNull(b.Attachments) {
		attachments = b.Attachments
	}
	text := truncateText(b.Text)
	now := s.now()

	var msg *Message
	var eph *Ephemeral
	if u.source != "" {
		if u.sourceEphemeral {
			eph = s.findEphemeral(u.channel, u.user, u.source)
		} else {
			msg = s.findMessage(u.channel, u.source)
		}
	}
	hasSource := (msg != nil && !msg.Deleted) || (eph != nil && !eph.Deleted)

	switch {
	case b.DeleteOriginal:
		if !hasSource {
			return "message_not_found", nil
		}
		if msg != nil {
			msg.Deleted = true
		} else {
			eph.Deleted = true
		}
		return "", nil
	case b.ReplaceOriginal && hasSource:
		if text == "" && blocks == nil && attachments == nil {
			return "no_text", nil
		}
		edit := Edit{At: now, Via: via, Text: text, Blocks: blocks}
		if msg != nil {
			msg.Text, msg.Blocks, msg.Attachments = text, blocks, attachments
			msg.Edits = append(msg.Edits, edit)
		} else {
			eph.Text, eph.Blocks = text, blocks
			eph.Edits = append(eph.Edits, edit)
		}
		return "", nil
	}

	if text == "" && blocks == nil && attachments == nil {
		return "no_text", nil
	}
	ch := s.channels[u.channel]
	threadTS := b.ThreadTS
	if threadTS == "" {
		threadTS = u.threadTS
	}
	if b.ResponseType == "in_channel" {
		parent, ok := s.threadParent(ch, threadTS)
		if !ok {
			return "thread_not_found", nil
		}
		m := s.post(ch, &Message{
			ThreadTS:    parent,
			User:        s.cfg.BotUserID,
			BotID:       s.cfg.BotID,
			Text:        text,
			Blocks:      blocks,
			Attachments: attachments,
			Via:         via,
		})
		if u.slash {
			u.source, u.sourceEphemeral = m.TS, false
		}
		return "", nil
	}
	e := &Ephemeral{Channel: ch.ID, User: u.user, TS: s.newTS(), ThreadTS: threadTS, Text: text, Blocks: blocks, Via: via}
	s.ephemerals = append(s.ephemerals, e)
	if u.slash {
		u.source, u.sourceEphemeral = e.TS, true
	}
	return "", nil
}

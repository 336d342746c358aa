package fakeslack

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds what the fake reads of any request body.
const maxBody = 64 << 20

// apiMethods are the Web API methods the fake serves; any other answers unknown_method.
var apiMethods = map[string]func(*Server, *request) reply{
	"apps.connections.open":        (*Server).appsConnectionsOpen,
	"auth.test":                    (*Server).authTest,
	"chat.postMessage":             (*Server).chatPostMessage,
	"chat.update":                  (*Server).chatUpdate,
	"chat.postEphemeral":           (*Server).chatPostEphemeral,
	"users.info":                   (*Server).usersInfo,
	"usergroups.users.list":        (*Server).usergroupsUsersList,
	"conversations.info":           (*Server).conversationsInfo,
	"files.getUploadURLExternal":   (*Server).filesGetUploadURLExternal,
	"files.completeUploadExternal": (*Server).filesCompleteUploadExternal,
}

// request is a Web API call, its form or JSON fields flattened into params.
type request struct {
	params url.Values
	json   json.RawMessage
	token  string
	auth   string // bearer, form or ""
}

// has reports whether the call carried the field at all, empty or not.
func (r *request) has(field string) bool {
	_, ok := r.params[field]
	return ok
}

// reply is what a handler answers; serveAPI writes it and records it.
type reply struct {
	status     int
	body       any    // written as JSON
	text       string // written as text/plain when body is nil
	retryAfter string
	slackErr   string
	injected   bool
}

func okReply(fields map[string]any) reply {
	fields["ok"] = true
	return reply{status: http.StatusOK, body: fields}
}

func errReply(code string) reply {
	return reply{status: http.StatusOK, body: map[string]any{"ok": false, "error": code}, slackErr: code}
}

// invalidReply is an ok:false reply that also lists what was wrong, the way
// Slack details invalid_blocks in "errors" and response_metadata.
func invalidReply(code string, problems []string) reply {
	rep := errReply(code)
	rep.body = map[string]any{
		"ok":                false,
		"error":             code,
		"errors":            problems,
		"response_metadata": map[string]any{"messages": prefixed("[ERROR] ", problems)},
	}
	return rep
}

func prefixed(prefix string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = prefix + s
	}
	return out
}

func rateLimitedReply(retryAfter time.Duration) reply {
	rep := reply{
		status:   http.StatusTooManyRequests,
		body:     map[string]any{"ok": false, "error": "ratelimited"},
		slackErr: "ratelimited",
		injected: true,
	}
	if retryAfter > 0 {
		rep.retryAfter = strconv.Itoa(ceilSeconds(retryAfter))
	}
	return rep
}

// ceilSeconds rounds up to whole seconds, at least one: Retry-After is an integer.
func ceilSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

func (rep reply) write(w http.ResponseWriter) {
	if rep.retryAfter != "" {
		w.Header().Set("Retry-After", rep.retryAfter)
	}
	if rep.body != nil {
		writeJSON(w, rep.status, rep.body)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.text)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	req, err := parseRequest(r)
	s.mu.Lock()
	var rep reply
	if err != nil {
		rep = errReply("invalid_form_data")
	} else {
		rep = s.answer(method, req)
	}
	s.record(method, req, rep)
	s.mu.Unlock()
	rep.write(w)
}

// answer runs one Web API call: injected faults first, then the token, then the method.
func (s *Server) answer(method string, req *request) reply {
	handle, known := apiMethods[method]
	if !known {
		return errReply("unknown_method")
	}
	if f, ok := s.takeFault(method); ok {
		return f.reply()
	}
	if code := s.authorize(method, req); code != "" {
		return errReply(code)
	}
	return handle(s, req)
}

// authorize checks the token: apps.connections.open takes only the app token
// as Bearer; every other method the bot token, in the form or as Bearer.
func (s *Server) authorize(method string, req *request) string {
	if method == "apps.connections.open" {
		switch {
		case req.auth != "bearer" || req.token == "":
			return "not_authed"
		case req.token != s.cfg.AppToken:
			return "invalid_auth"
		}
		return ""
	}
	switch req.token {
	case "":
		return "not_authed"
	case s.cfg.BotToken:
		return ""
	case s.cfg.AppToken:
		return "not_allowed_token_type"
	}
	return "invalid_auth"
}

// record appends the call to the log and wakes waiters. The caller holds s.mu.
func (s *Server) record(method string, req *request, rep reply) {
	c := Call{Method: method, Status: rep.status, Error: rep.slackErr, Injected: rep.injected, At: s.now()}
	if req != nil {
		c.Params = maps.Clone(req.params)
		c.JSON = req.json
		c.Auth = req.auth
	}
	s.calls = append(s.calls, c)
	s.notify()
}

func parseRequest(r *http.Request) (*request, error) {
	req := &request{params: url.Values{}}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		req.token, req.auth = strings.TrimSpace(tok), "bearer"
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return req, err
		}
		if len(bytes.TrimSpace(body)) > 0 {
			req.json = body
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(body, &fields); err != nil {
				return req, err
			}
			for k, v := range fields {
				var str string
				if json.Unmarshal(v, &str) == nil {
					req.params.Set(k, str)
				} else {
					req.params.Set(k, string(v))
				}
			}
		}
		for k, vs := range r.URL.Query() {
			req.params[k] = append(req.params[k], vs...)
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return req, err
		}
		req.params = maps.Clone(r.Form)
	default:
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return req, err
		}
		req.params = maps.Clone(r.Form)
	}
	if req.auth == "" && req.params.Get("token") != "" {
		req.token, req.auth = req.params.Get("token"), "form"
	}
	return req, nil
}

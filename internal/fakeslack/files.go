package fakeslack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func (s *Server) filesGetUploadURLExternal(req *request) reply {
	name := req.params.Get("filename")
	length, err := strconv.Atoi(req.params.Get("length"))
	if name == "" || err != nil || length <= 0 {
		return errReply("invalid_arguments")
	}
	f := &File{ID: s.nextID("F"), Name: name, Title: name, Length: length}
	s.files[f.ID] = f
	s.fileOrder = append(s.fileOrder, f.ID)
	// The same scheme and host:port as the API: slack-go sends the bot token
	// only there (or to https *.slack.com).
	return okReply(map[string]any{"upload_url": s.http.URL + "/upload/" + f.ID, "file_id": f.ID})
}

// serveUpload receives a file's bytes at the URL files.getUploadURLExternal gave.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	tok, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	content, readErr := readUpload(r)

	s.mu.Lock()
	req := &request{params: url.Values{"id": {id}}}
	if bearer {
		req.token, req.auth = tok, "bearer"
	}
	rep := func() reply {
		if f, ok := s.takeFault("upload"); ok {
			return f.reply()
		}
		f := s.files[id]
		switch {
		case !bearer || tok != s.cfg.BotToken:
			return reply{status: http.StatusUnauthorized, text: "invalid_auth", slackErr: "invalid_auth"}
		case f == nil:
			return reply{status: http.StatusNotFound, text: "file_not_found", slackErr: "file_not_found"}
		case readErr != nil:
			return reply{status: http.StatusBadRequest, text: readErr.Error(), slackErr: "invalid_upload"}
		}
		f.Content, f.Uploaded = content, true
		return reply{status: http.StatusOK, text: fmt.Sprintf("OK - %d", len(content))}
	}()
	s.record("upload", req, rep)
	s.mu.Unlock()
	rep.write(w)
}

// readUpload takes the "file" part of a multipart body, or the raw body.
func readUpload(r *http.Request) ([]byte, error) {
	body := io.LimitReader(r.Body, maxBody)
	ctype, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype != "multipart/form-data" {
		return io.ReadAll(body)
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("multipart body has no file part")
		}
		if err != nil {
			return nil, fmt.Errorf("reading multipart upload: %w", err)
		}
		if part.FormName() == "file" {
			return io.ReadAll(part)
		}
	}
}

func (s *Server) filesCompleteUploadExternal(req *request) reply {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(req.params.Get("files")), &summaries); err != nil || len(summaries) == 0 {
		return errReply("invalid_arguments")
	}
	var files []*File
	for _, sum := range summaries {
		f := s.files[sum.ID]
		if f == nil || !f.Uploaded {
			return errReply("file_not_found")
		}
		files = append(files, f)
	}

	var channels []*Channel
	ids := req.params.Get("channels")
	if id := req.params.Get("channel_id"); id != "" {
		ids = id
	}
	for _, id := range strings.Split(ids, ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		ch := s.visibleChannel(id)
		if ch == nil {
			return errReply("channel_not_found")
		}
		channels = append(channels, ch)
	}
	threadTS := req.params.Get("thread_ts")
	if threadTS != "" && len(channels) != 1 {
		return errReply("invalid_arguments")
	}
	var parent string
	if len(channels) == 1 {
		p, ok := s.threadParent(channels[0], threadTS)
		if !ok {
			return errReply("thread_not_found")
		}
		parent = p
	}
	var blocks json.RawMessage
	if b := req.params.Get("blocks"); b != "" {
		parsed, problems := parseBlocks(b, s.cfg.LenientBlocks)
		if len(problems) > 0 {
			return invalidReply("invalid_blocks", problems)
		}
		blocks = parsed
	}

	var out []map[string]any
	var fileIDs []string
	for i, f := range files {
		if summaries[i].Title != "" {
			f.Title = summaries[i].Title
		}
		f.Shared = true
		f.ThreadTS = parent
		f.InitialComment = req.params.Get("initial_comment")
		for _, ch := range channels {
			f.Channels = append(f.Channels, ch.ID)
		}
		fileIDs = append(fileIDs, f.ID)
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	for _, ch := range channels {
		s.post(ch, &Message{
			ThreadTS: parent,
			User:     s.cfg.BotUserID,
			BotID:    s.cfg.BotID,
			Text:     truncateText(req.params.Get("initial_comment")),
			Blocks:   blocks,
			Files:    fileIDs,
			Via:      "files.completeUploadExternal",
		})
	}
	return okReply(map[string]any{"files": out})
}

package fakeslack_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/swarmbot/swarmbot/internal/fakeslack"
)

var tsPattern = regexp.MustCompile(`^[0-9]+\.[0-9]{6}$`)

// micros turns a ts into microseconds, to compare two ts.
func micros(t *testing.T, ts string) int64 {
	t.Helper()
	if !tsPattern.MatchString(ts) {
		t.Fatalf("ts %q is not %%d.%%06d", ts)
	}
	n, err := strconv.ParseInt(strings.Replace(ts, ".", "", 1), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPostThreadAndUpdate(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	api := webAPI(f)

	card := []slack.Block{section("*scale ping* 1 → 4, asked by <@U1>")}
	ch, parent, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("scaling ping", false), slack.MsgOptionBlocks(card...))
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C1" {
		t.Errorf("channel = %s, want C1", ch)
	}
	_, reply, err := api.PostMessageContext(ctx, "#ops", slack.MsgOptionTS(parent), slack.MsgOptionText("ping.2 running", false))
	if err != nil {
		t.Fatal(err)
	}
	_, broadcast, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionTS(parent), slack.MsgOptionBroadcast(), slack.MsgOptionText("<@U1> ping converged", false))
	if err != nil {
		t.Fatal(err)
	}
	if !(micros(t, parent) < micros(t, reply) && micros(t, reply) < micros(t, broadcast)) {
		t.Errorf("ts not increasing: %s %s %s", parent, reply, broadcast)
	}

	msgs := f.Messages("C1")
	if len(msgs) != 2 || msgs[0].TS != parent || msgs[1].TS != broadcast || !msgs[1].ReplyBroadcast {
		t.Fatalf("channel shows %+v, want the parent and the broadcast reply", msgs)
	}
	p := msgs[0]
	if p.ReplyCount != 2 || p.LatestReply != broadcast || p.User != "UBOT" || p.BotID != "B1" || p.Via != "chat.postMessage" {
		t.Errorf("parent = %+v, want 2 replies, latest %s, by the bot", p, broadcast)
	}
	if thread := f.Thread("C1", parent); len(thread) != 3 || thread[1].TS != reply || thread[1].ThreadTS != parent {
		t.Errorf("thread = %+v, want parent, reply, broadcast", thread)
	}
	blocksBefore := p.Blocks
	if !bytes.Contains(blocksBefore, []byte(`"block_id"`)) {
		t.Errorf("stored blocks %s have no block_id", blocksBefore)
	}

	steps := []struct {
		name       string
		opts       []slack.MsgOption
		wantText   string
		wantBlocks func(json.RawMessage) bool
	}{
		{
			name:       "text only keeps the blocks",
			opts:       []slack.MsgOption{slack.MsgOptionText("scaled ping", false)},
			wantText:   "scaled ping",
			wantBlocks: func(b json.RawMessage) bool { return bytes.Equal(b, blocksBefore) },
		},
		{
			name:       "blocks replace the blocks",
			opts:       []slack.MsgOption{slack.MsgOptionText("scaled ping", false), slack.MsgOptionBlocks(section("*ping* 4/4"))},
			wantText:   "scaled ping",
			wantBlocks: func(b json.RawMessage) bool { return bytes.Contains(b, []byte("4/4")) },
		},
		{
			name:       "empty blocks clear them",
			opts:       []slack.MsgOption{slack.MsgOptionText("done", false), slack.MsgOptionBlocks()},
			wantText:   "done",
			wantBlocks: func(b json.RawMessage) bool { return b == nil },
		},
	}
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if _, _, _, err := api.UpdateMessageContext(ctx, "C1", parent, step.opts...); err != nil {
				t.Fatal(err)
			}
			m, _ := f.Message("C1", parent)
			if m.Text != step.wantText || !step.wantBlocks(m.Blocks) {
				t.Errorf("after update: text %q blocks %s", m.Text, m.Blocks)
			}
			if len(m.Edits) != i+1 || m.Edits[i].Via != "chat.update" || m.Edits[i].Text != step.wantText {
				t.Errorf("edits = %+v, want %d, the last with text %q", m.Edits, i+1, step.wantText)
			}
		})
	}

	ephTS, err := api.PostEphemeralContext(ctx, "C1", "U2", slack.MsgOptionText("only bob sees this", false), slack.MsgOptionTS(parent))
	if err != nil {
		t.Fatal(err)
	}
	eph := f.Ephemerals("C1", "U2")
	if len(eph) != 1 || eph[0].TS != ephTS || eph[0].ThreadTS != parent || eph[0].Text != "only bob sees this" {
		t.Errorf("bob's ephemerals = %+v", eph)
	}
	if others := f.Ephemerals("C1", "U1"); len(others) != 0 {
		t.Errorf("alice sees bob's ephemeral: %+v", others)
	}
}

func TestChatErrors(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	api := webAPI(f)
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("status", false))
	if err != nil {
		t.Fatal(err)
	}
	userMessage := f.Mention(ctx, "U1", "C1", "hello", "").MessageTS

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"post to unknown channel", func() error {
			_, _, err := api.PostMessageContext(ctx, "C404", slack.MsgOptionText("x", false))
			return err
		}, "channel_not_found"},
		{"post to a private channel without the bot", func() error {
			_, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("x", false))
			return err
		}, "channel_not_found"},
		{"post without text or blocks", func() error {
			_, _, err := api.PostMessageContext(ctx, "C1")
			return err
		}, "no_text"},
		{"reply to unknown thread", func() error {
			_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionTS("1.000001"), slack.MsgOptionText("x", false))
			return err
		}, "thread_not_found"},
		{"update unknown message", func() error {
			_, _, _, err := api.UpdateMessageContext(ctx, "C1", "1.000001", slack.MsgOptionText("x", false))
			return err
		}, "message_not_found"},
		{"update a user's message", func() error {
			_, _, _, err := api.UpdateMessageContext(ctx, "C1", userMessage, slack.MsgOptionText("x", false))
			return err
		}, "cant_update_message"},
		{"update with nothing", func() error {
			_, _, _, err := api.UpdateMessageContext(ctx, "C1", ts)
			return err
		}, "no_text"},
		{"ephemeral to someone outside the channel", func() error {
			_, err := api.PostEphemeralContext(ctx, "C1", "U3", slack.MsgOptionText("x", false))
			return err
		}, "user_not_in_channel"},
		{"ephemeral to unknown user", func() error {
			_, err := api.PostEphemeralContext(ctx, "C1", "U404", slack.MsgOptionText("x", false))
			return err
		}, "user_not_found"},
		{"wrong bot token", func() error {
			_, err := slack.New("xoxb-wrong", slack.OptionAPIURL(f.APIURL())).AuthTestContext(ctx)
			return err
		}, "invalid_auth"},
		{"app token on a Web API method", func() error {
			_, err := slack.New(f.AppToken(), slack.OptionAPIURL(f.APIURL())).AuthTestContext(ctx)
			return err
		}, "not_allowed_token_type"},
		{"method the fake does not serve", func() error {
			_, err := api.GetEmojiContext(ctx)
			return err
		}, "unknown_method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.Calls())
			err := tt.call()
			if got := slackError(err); got != tt.want {
				t.Fatalf("error = %v, want Slack error %s", err, tt.want)
			}
			calls := f.Calls()[before:]
			if len(calls) != 1 || calls[0].Status != http.StatusOK || calls[0].Error != tt.want {
				t.Errorf("recorded %+v, want one HTTP 200 call with error %s", calls, tt.want)
			}
		})
	}
	if msgs := f.Messages("C1"); len(msgs) != 2 {
		t.Errorf("failed calls changed the channel: %+v", msgs)
	}
}

func TestFormTokenAndJSONContentType(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	if _, err := webAPI(f).AuthTestContext(ctx); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].Auth != "form" || calls[0].Params.Get("token") != f.BotToken() {
		t.Errorf("auth.test recorded as %+v, want the bot token in the form, as slack-go sends it", calls)
	}

	for _, body := range []url.Values{
		{"token": {f.BotToken()}},
		{"token": {f.BotToken()}, "channel": {"C404"}, "text": {"x"}},
		{"token": {f.BotToken()}, "channel": {"C1"}, "blocks": {"[{"}},
	} {
		resp, err := http.PostForm(f.APIURL()+"chat.postMessage", body)
		if err != nil {
			t.Fatal(err)
		}
		reply, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("%v: %s %q %s, want 200 with JSON content type", body, resp.Status, resp.Header.Get("Content-Type"), reply)
		}
	}
}

func TestLongTextIsTruncated(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	_, ts, err := webAPI(f).PostMessageContext(ctx, "C1", slack.MsgOptionText(strings.Repeat("é", 40001), false))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := f.Message("C1", ts); m.Text != strings.Repeat("é", 40000) {
		t.Errorf("stored %d characters, want Slack's 40000", len([]rune(m.Text)))
	}
}

func TestFrozenClockStillGivesUniqueTimestamps(t *testing.T) {
	ctx := testContext(t)
	cfg := workspace()
	cfg.Clock = newClock().Now
	f := fakeslack.New(t, cfg)
	api := webAPI(f)
	var last int64
	for i := range 5 {
		_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(fmt.Sprint(i), false))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ts, "1700000000.") {
			t.Errorf("ts %s does not come from the clock", ts)
		}
		if n := micros(t, ts); n <= last {
			t.Errorf("ts %s not after the previous", ts)
		} else {
			last = n
		}
	}
}

func TestBlockLimits(t *testing.T) {
	button := func(actionID, value string) slack.Block {
		return slack.NewActionBlock("", slack.NewButtonBlockElement(actionID, value, text("Approve")))
	}
	sections := func(n int) []slack.Block {
		var bs []slack.Block
		for i := range n {
			bs = append(bs, section(fmt.Sprint("slot ", i)))
		}
		return bs
	}
	tests := []struct {
		name    string
		blocks  []slack.Block
		lenient bool
		want    string
	}{
		{name: "50 blocks", blocks: sections(50)},
		{name: "51 blocks", blocks: sections(51), want: "invalid_blocks"},
		{name: "51 blocks, lenient", blocks: sections(51), lenient: true, want: "invalid_blocks"},
		{name: "section text of 3000", blocks: []slack.Block{section(strings.Repeat("x", 3000))}},
		{name: "section text of 3001", blocks: []slack.Block{section(strings.Repeat("x", 3001))}, want: "invalid_blocks"},
		{name: "section text of 3001, lenient", blocks: []slack.Block{section(strings.Repeat("x", 3001))}, lenient: true},
		{name: "3000 runes of multibyte text", blocks: []slack.Block{section(strings.Repeat("→", 3000))}},
		{name: "button value of 2000", blocks: []slack.Block{button("approve", strings.Repeat("v", 2000))}},
		{name: "button value of 2001", blocks: []slack.Block{button("approve", strings.Repeat("v", 2001))}, want: "invalid_blocks"},
		{name: "action_id of 255", blocks: []slack.Block{button(strings.Repeat("a", 255), "v")}},
		{name: "action_id of 256", blocks: []slack.Block{button(strings.Repeat("a", 256), "v")}, want: "invalid_blocks"},
		{
			name: "duplicate block_id",
			blocks: []slack.Block{
				slack.NewSectionBlock(text("a"), nil, nil, slack.SectionBlockOptionBlockID("b1")),
				slack.NewSectionBlock(text("b"), nil, nil, slack.SectionBlockOptionBlockID("b1")),
			},
			want: "invalid_blocks",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			cfg := workspace()
			cfg.LenientBlocks = tt.lenient
			f := fakeslack.New(t, cfg)
			_, _, err := webAPI(f).PostMessageContext(ctx, "C1", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tt.blocks...))
			if got := slackError(err); got != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if tt.want != "" {
				var se slack.SlackErrorResponse
				if errors.As(err, &se) && len(se.ResponseMetadata.Messages) == 0 {
					t.Error("invalid_blocks without a message saying what was wrong")
				}
			}
		})
	}
}

func TestLookups(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	api := webAPI(f)

	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if auth.UserID != "UBOT" || auth.BotID != "B1" || auth.TeamID != "T1" || auth.User != "swarmbot" {
		t.Errorf("auth.test = %+v", auth)
	}

	alice, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if alice.Name != "alice" || alice.RealName != "Alice Adams" || alice.Profile.DisplayName != "alice" ||
		alice.Profile.Email != "alice@example.com" || alice.TZ != "Europe/Berlin" || alice.IsBot {
		t.Errorf("users.info U1 = %+v", alice)
	}
	bot, err := api.GetUserInfoContext(ctx, "UBOT")
	if err != nil || !bot.IsBot {
		t.Errorf("users.info UBOT = %+v, %v; want a bot", bot, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U404"); slackError(err) != "user_not_found" {
		t.Errorf("users.info U404: %v, want user_not_found", err)
	}

	members, err := api.GetUserGroupMembersContext(ctx, "S1")
	if err != nil || !equal(members, []string{"U1", "U2"}) {
		t.Errorf("usergroups.users.list S1 = %v, %v", members, err)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S404"); slackError(err) != "no_such_subteam" {
		t.Errorf("usergroups.users.list S404: %v, want no_such_subteam", err)
	}

	ops, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if ops.Name != "ops" || !ops.IsMember || ops.IsPrivate || ops.Created == 0 {
		t.Errorf("conversations.info C1 = %+v", ops)
	}
	for _, id := range []string{"C2", "C404"} {
		if _, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id}); slackError(err) != "channel_not_found" {
			t.Errorf("conversations.info %s: %v, want channel_not_found", id, err)
		}
	}
}

func TestFileUpload(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	api := webAPI(f)
	_, parent, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("ps ping", false))
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("ping.1  dev01  Running\n", 200)
	sum, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: "ps-ping.txt", Content: content, FileSize: len(content), Title: "ps ping",
		Channel: "C1", ThreadTimestamp: parent, InitialComment: "all 200 tasks",
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.ID == "" || sum.Title != "ps ping" {
		t.Errorf("upload summary = %+v", sum)
	}

	files := f.Files()
	if len(files) != 1 {
		t.Fatalf("files = %+v, want one", files)
	}
	got := files[0]
	if got.ID != sum.ID || string(got.Content) != content || got.Length != len(content) || !got.Uploaded || !got.Shared ||
		got.Name != "ps-ping.txt" || !equal(got.Channels, []string{"C1"}) || got.ThreadTS != parent {
		t.Errorf("file = %+v", got)
	}
	thread := f.Thread("C1", parent)
	if len(thread) != 2 || !equal(thread[1].Files, []string{sum.ID}) || thread[1].Text != "all 200 tasks" || thread[1].Via != "files.completeUploadExternal" {
		t.Errorf("thread = %+v, want the parent and the file share", thread)
	}
	for _, c := range f.Calls() {
		if c.Method == "upload" && (c.Auth != "bearer" || c.Status != http.StatusOK) {
			t.Errorf("upload call = %+v, want a Bearer call answered 200", c)
		}
	}
}

func TestResponseURL(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	b := startBot(t, f)

	d := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls")
	b.ack(t, b.next(t, socketmode.EventTypeSlashCommand))
	respond := func(opts ...slack.MsgOption) error {
		_, _, err := b.api.PostMessageContext(ctx, "", opts...)
		return err
	}

	if err := respond(slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("3 services", false)); err != nil {
		t.Fatal(err)
	}
	if eph := f.Ephemerals("C1", "U1"); len(eph) != 1 || eph[0].Text != "3 services" || eph[0].Via != "response_url" {
		t.Errorf("ephemerals = %+v, want the ephemeral response", eph)
	}
	if err := respond(slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeInChannel), slack.MsgOptionText("ping 4/4", false)); err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages("C1")
	if len(msgs) != 1 || msgs[0].Text != "ping 4/4" || msgs[0].BotID != "B1" {
		t.Fatalf("channel = %+v, want the in_channel response", msgs)
	}
	if err := respond(slack.MsgOptionReplaceOriginal(d.ResponseURL), slack.MsgOptionText("ping 4/4 converged", false)); err != nil {
		t.Fatal(err)
	}
	if m, _ := f.Message("C1", msgs[0].TS); m.Text != "ping 4/4 converged" || len(m.Edits) != 1 || m.Edits[0].Via != "response_url" {
		t.Errorf("after replace_original: %+v", m)
	}
	if err := respond(slack.MsgOptionDeleteOriginal(d.ResponseURL)); err != nil {
		t.Fatal(err)
	}
	if msgs := f.Messages("C1"); len(msgs) != 0 {
		t.Errorf("after delete_original the channel shows %+v", msgs)
	}
	if err := respond(slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("fifth use", false)); err != nil {
		t.Fatal(err)
	}
	err := respond(slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("sixth use", false))
	var sce slack.StatusCodeError
	if !errors.As(err, &sce) || sce.Code != http.StatusNotFound {
		t.Errorf("sixth use: %v, want 404", err)
	}
	posts := f.ResponseURLPosts(d.ResponseURL)
	if len(posts) != 6 || posts[5].Error != "used_url" || posts[4].Status != http.StatusOK {
		t.Errorf("response_url posts = %+v, want 5 accepted and a used_url", posts)
	}

	t.Run("click replaces the card", func(t *testing.T) {
		_, ts, err := b.api.PostMessageContext(ctx, "C1", slack.MsgOptionText("drain dev02?", false),
			slack.MsgOptionBlocks(section("drain dev02?"), slack.NewActionBlock("approval", slack.NewButtonBlockElement("approve", "req-1", text("Approve")))))
		if err != nil {
			t.Fatal(err)
		}
		click := f.ClickButton(ctx, "U2", "C1", ts, "approve")
		b.ack(t, b.next(t, socketmode.EventTypeInteractive))
		if err := respond(slack.MsgOptionReplaceOriginal(click.ResponseURL), slack.MsgOptionText("approved by bob", false),
			slack.MsgOptionBlocks(section("drain dev02: *approved* by <@U2>"))); err != nil {
			t.Fatal(err)
		}
		m, _ := f.Message("C1", ts)
		if m.Text != "approved by bob" || bytes.Contains(m.Blocks, []byte("approve\"")) || !bytes.Contains(m.Blocks, []byte("approved")) {
			t.Errorf("card after the click = %q %s, want the buttons gone", m.Text, m.Blocks)
		}
	})
}

func TestResponseURLFault(t *testing.T) {
	ctx := testContext(t)
	f := fakeslack.New(t, workspace())
	d := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls")
	f.FailNext("response_url", fakeslack.HTTPStatus(http.StatusInternalServerError), 1)
	respond := func() error {
		_, _, err := webAPI(f).PostMessageContext(ctx, "", slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("3 services", false))
		return err
	}
	wantStatus(http.StatusInternalServerError)(t, respond())
	if err := respond(); err != nil {
		t.Fatalf("the post after the fault: %v", err)
	}
	if eph := f.Ephemerals("C1", "U1"); len(eph) != 1 {
		t.Errorf("ephemerals = %+v, want only the second post shown", eph)
	}
}

func TestResponseURLExpires(t *testing.T) {
	ctx := testContext(t)
	clk := newClock()
	cfg := workspace()
	cfg.Clock = clk.Now
	f := fakeslack.New(t, cfg)
	d := f.SlashCommand(ctx, "U1", "C1", "/swarm", "ls") // no bot needed: the URL exists at once

	clk.Advance(31 * time.Minute)
	_, _, err := webAPI(f).PostMessageContext(ctx, "", slack.MsgOptionResponseURL(d.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("late", false))
	var sce slack.StatusCodeError
	if !errors.As(err, &sce) || sce.Code != http.StatusNotFound {
		t.Fatalf("post after 31 min: %v, want 404", err)
	}
	if posts := f.ResponseURLPosts(d.ResponseURL); len(posts) != 1 || posts[0].Error != "expired_url" {
		t.Errorf("posts = %+v, want one expired_url", posts)
	}
}

func TestInjectedFaults(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*fakeslack.Server)
		call   func(*slack.Client) error
		check  func(*testing.T, error)
	}{
		{
			name:   "429 with Retry-After",
			inject: func(f *fakeslack.Server) { f.RateLimit("chat.postMessage", 1, 1500*time.Millisecond) },
			call:   postStatus,
			check: func(t *testing.T, err error) {
				var rle *slack.RateLimitedError
				if !errors.As(err, &rle) || rle.RetryAfter != 2*time.Second {
					t.Errorf("error = %v, want a RateLimitedError retrying after 2s (1.5 s rounded up)", err)
				}
			},
		},
		{
			name:   "429 without Retry-After",
			inject: func(f *fakeslack.Server) { f.RateLimit("chat.postMessage", 1, 0) },
			call:   postStatus,
			check:  wantStatus(http.StatusTooManyRequests),
		},
		{
			name:   "503",
			inject: func(f *fakeslack.Server) { f.FailNext("chat.postMessage", fakeslack.HTTPStatus(503), 1) },
			call:   postStatus,
			check:  wantStatus(http.StatusServiceUnavailable),
		},
		{
			name:   "Slack error",
			inject: func(f *fakeslack.Server) { f.FailNext("users.info", fakeslack.SlackError("fatal_error"), 1) },
			call: func(api *slack.Client) error {
				_, err := api.GetUserInfo("U1")
				return err
			},
			check: func(t *testing.T, err error) {
				if slackError(err) != "fatal_error" {
					t.Errorf("error = %v, want fatal_error", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakeslack.New(t, workspace())
			api := webAPI(f)
			tt.inject(f)
			tt.check(t, tt.call(api))
			if err := tt.call(api); err != nil {
				t.Errorf("the call after the fault failed too: %v", err)
			}
			for _, c := range f.Calls() {
				if c.Status == http.StatusTooManyRequests && !c.Injected {
					t.Errorf("429 not marked injected: %+v", c)
				}
			}
		})
	}
}

func postStatus(api *slack.Client) error {
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("status", false))
	return err
}

func wantStatus(code int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var sce slack.StatusCodeError
		if !errors.As(err, &sce) || sce.Code != code {
			t.Errorf("error = %v, want HTTP %d", err, code)
		}
	}
}

func TestRateRules(t *testing.T) {
	ctx := testContext(t)
	clk := newClock()
	cfg := workspace()
	cfg.Clock = clk.Now
	cfg.Rate = fakeslack.RateRules{PostsPerSecond: 1, PostBurst: 2, UpdatesPerSecond: 1}
	f := fakeslack.New(t, cfg)
	api := webAPI(f)
	post := func(ch string) error {
		_, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("x", false))
		return err
	}
	update := func(ts string) error {
		_, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("y", false))
		return err
	}
	limited := func(err error) bool {
		var rle *slack.RateLimitedError
		return errors.As(err, &rle) && rle.RetryAfter == time.Second
	}

	if err := post("C1"); err != nil {
		t.Fatal(err)
	}
	if err := post("C1"); err != nil {
		t.Fatalf("second post within the burst: %v", err)
	}
	if err := post("C1"); !limited(err) {
		t.Errorf("third post in the same instant: %v, want 429 retry after 1s", err)
	}
	if err := post("C3"); err != nil {
		t.Errorf("post to another channel: %v, want the limit per channel", err)
	}
	clk.Advance(time.Second)
	if err := post("C1"); err != nil {
		t.Errorf("post a second later: %v", err)
	}

	ts := f.Messages("C1")[0].TS
	if err := update(ts); err != nil {
		t.Fatal(err)
	}
	if err := update(ts); !limited(err) {
		t.Errorf("second update in the same instant: %v, want 429", err)
	}
	if err := update(f.Messages("C1")[1].TS); err != nil {
		t.Errorf("update of another message: %v, want the limit per message", err)
	}
	clk.Advance(time.Second)
	if err := update(ts); err != nil {
		t.Errorf("update a second later: %v", err)
	}

	hits := f.RateLimitHits()
	if len(hits) != 2 || hits[0].Method != "chat.postMessage" || hits[1].Method != "chat.update" {
		t.Errorf("rate limit hits = %+v, want one post and one update", hits)
	}
}

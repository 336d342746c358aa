package slack

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	slackgo "github.com/slack-go/slack"

	"github.com/swarmbot/swarmbot/internal/metrics"
)

// webAPI is the poster, and the directory's source, over slack-go's Web API
// client; every call is counted by method and result.
type webAPI struct {
	c *slackgo.Client
	m *metrics.Metrics
}

func (a webAPI) count(method string, err error) {
	result := "ok"
	if _, limited := retryAfter(err); limited {
		result = "ratelimited"
	} else if err != nil {
		result = "error"
	}
	a.m.SlackCall(method, result)
}

// options are a message's fields as slack-go takes them. Links and media are
// never unfurled: a service name that looks like a domain stays text.
func options(m message) []slackgo.MsgOption {
	return []slackgo.MsgOption{
		slackgo.MsgOptionText(cut(m.Text, maxMessageText), false),
		slackgo.MsgOptionBlocks(m.Blocks...), // none: sends [] and clears old blocks
		slackgo.MsgOptionDisableLinkUnfurl(),
		slackgo.MsgOptionDisableMediaUnfurl(),
	}
}

func (a webAPI) post(ctx context.Context, channel, thread string, m message) (string, error) {
	opts := options(m)
	if thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(thread))
	}
	_, ts, err := a.c.PostMessageContext(ctx, channel, opts...)
	a.count("chat.postMessage", err)
	if err != nil {
		return "", fmt.Errorf("posting to %s: %w", channel, err)
	}
	return ts, nil
}

func (a webAPI) update(ctx context.Context, channel, ts string, m message) error {
	_, _, _, err := a.c.UpdateMessageContext(ctx, channel, ts, options(m)...)
	a.count("chat.update", err)
	if err != nil {
		return fmt.Errorf("updating message %s in %s: %w", ts, channel, err)
	}
	return nil
}

func (a webAPI) ephemeral(ctx context.Context, channel, user, thread string, m message) error {
	opts := options(m)
	if thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(thread))
	}
	_, err := a.c.PostEphemeralContext(ctx, channel, user, opts...)
	a.count("chat.postEphemeral", err)
	if err != nil {
		return fmt.Errorf("showing a message to %s in %s: %w", user, channel, err)
	}
	return nil
}

func (a webAPI) respond(ctx context.Context, responseURL string, m message, inChannel bool) error {
	kind := slackgo.ResponseTypeEphemeral
	if inChannel {
		kind = slackgo.ResponseTypeInChannel
	}
	opts := append(options(m), slackgo.MsgOptionResponseURL(responseURL, kind))
	_, _, err := a.c.PostMessageContext(ctx, "", opts...)
	a.count("response_url", err)
	if err != nil {
		return fmt.Errorf("answering through the response URL: %w", hideURL{err})
	}
	return nil
}

// hideURL keeps a response URL, a credential that can post in a channel for
// half an hour, out of an error's text (a *url.Error names its URL); the
// error it wraps is still there for errors.As.
type hideURL struct{ err error }

func (h hideURL) Error() string {
	var ue *url.Error
	if errors.As(h.err, &ue) {
		return ue.Op + " (the response URL): " + ue.Err.Error()
	}
	return h.err.Error()
}

func (h hideURL) Unwrap() error { return h.err }

func (a webAPI) upload(ctx context.Context, channel, thread string, f file) error {
	_, err := a.c.UploadFileContext(ctx, slackgo.UploadFileParameters{
		Content: f.Content, FileSize: len(f.Content), Filename: f.Name, Title: f.Title,
		Channel: channel, ThreadTimestamp: thread,
	})
	a.count("files.upload", err)
	if err != nil {
		return fmt.Errorf("uploading %s to %s: %w", f.Name, channel, err)
	}
	return nil
}

// notInChannel reports whether Slack refused a post because the bot is not
// in the channel (or cannot see it).
func notInChannel(err error) bool {
	var se slackgo.SlackErrorResponse
	return errors.As(err, &se) && (se.Err == "not_in_channel" || se.Err == "channel_not_found")
}

func (a webAPI) userInfo(ctx context.Context, id string) (string, error) {
	u, err := a.c.GetUserInfoContext(ctx, id)
	a.count("users.info", err)
	if err != nil {
		return "", fmt.Errorf("looking up user %s: %w", id, err)
	}
	switch {
	case u.Profile.DisplayName != "":
		return u.Profile.DisplayName, nil
	case u.Name != "":
		return u.Name, nil
	case u.RealName != "":
		return u.RealName, nil
	}
	return "", errors.New("looking up user " + id + ": no name")
}

func (a webAPI) groupMembers(ctx context.Context, group string) ([]string, error) {
	ids, err := a.c.GetUserGroupMembersContext(ctx, group)
	a.count("usergroups.users.list", err)
	if err != nil {
		return nil, fmt.Errorf("listing members of user group %s: %w", group, err)
	}
	return ids, nil
}

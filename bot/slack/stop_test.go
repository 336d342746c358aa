package slack

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// While it stops, the bot is not ready (it takes no new commands), and the
// socket closed under its reader, or a reconnect cut short, is not worth a
// warning; before, it is.
func TestStoppingIsNotReadyAndQuiet(t *testing.T) {
	var log bytes.Buffer
	b, err := New(Options{BotToken: "xoxb-x", AppToken: "xapp-x", APIURL: "http://127.0.0.1:1/api/"},
		Deps{Deployer: &script{}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	closed := socketmode.Event{Type: socketmode.EventTypeIncomingError, Data: errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: use of closed network connection")}
	cut := socketmode.Event{Type: socketmode.EventTypeConnectionError, Data: &slackgo.ConnectionErrorEvent{Attempt: 1, ErrorObj: context.Canceled}}

	b.connected.Store(true)
	if err := b.Ready(t.Context()); err != nil {
		t.Errorf("connected, Ready = %v", err)
	}
	b.handle(t.Context(), closed)
	b.handle(t.Context(), cut)
	if !strings.Contains(log.String(), "unreadable frame from slack") || !strings.Contains(log.String(), "slack connection failed") {
		t.Errorf("a frame lost while running is not logged:\n%s", log.String())
	}

	log.Reset()
	b.Drain()
	if err := b.Ready(t.Context()); err == nil || !strings.Contains(err.Error(), "stopping") {
		t.Errorf("draining, Ready = %v", err)
	}
	stopped, cancel := context.WithCancel(t.Context())
	cancel()
	b.handle(stopped, closed)
	b.handle(stopped, cut)
	if log.Len() != 0 {
		t.Errorf("stopping logged:\n%s", log.String())
	}
}

// Stopped while Slack cannot be reached, Run returns nil: a stop asked for
// is not a failure.
func TestStopWhileSlackUnreachable(t *testing.T) {
	warned := make(chan struct{}, 1)
	b, err := New(Options{BotToken: "xoxb-x", AppToken: "xapp-x", APIURL: "http://127.0.0.1:1/api/"},
		Deps{Deployer: &script{}, Logger: slog.New(slog.NewTextHandler(notifyWriter(warned), nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	<-warned // "slack not reachable; trying again"
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run stopped while Slack was unreachable = %v, want nil", err)
	}
}

// notifyWriter tells ch of every write.
type notifyWriter chan struct{}

func (w notifyWriter) Write(p []byte) (int, error) {
	select {
	case w <- struct{}{}:
	default:
	}
	return len(p), nil
}

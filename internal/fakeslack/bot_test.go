package fakeslack_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"

	"github.com/swarmbot/swarmbot/internal/fakeslack"
)

// TestMain fails the package when any test leaves a goroutine behind: the
// fake's Close must end every connection goroutine it started.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// patience bounds every wait: generous, since the machine is shared.
const patience = 2 * time.Minute

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	t.Cleanup(cancel)
	return ctx
}

// workspace is the fake workspace most tests use: alice and bob in #ops with
// the bot, carol outside it, a private channel without the bot.
func workspace() fakeslack.Config {
	return fakeslack.Config{
		Users: []fakeslack.User{
			{ID: "U1", Name: "alice", RealName: "Alice Adams", DisplayName: "alice", Email: "alice@example.com", TZ: "Europe/Berlin"},
			{ID: "U2", Name: "bob", RealName: "Bob Brown", DisplayName: "bob"},
			{ID: "U3", Name: "carol", RealName: "Carol Clark", DisplayName: "carol"},
		},
		Channels: []fakeslack.Channel{
			{ID: "C1", Name: "ops", Members: []string{"U1", "U2", "UBOT"}},
			{ID: "C2", Name: "secret", Private: true, Members: []string{"U1"}},
			{ID: "C3", Name: "deploys", Members: []string{"U1", "UBOT"}},
		},
		UserGroups: map[string][]string{"S1": {"U1", "U2"}},
	}
}

// webAPI is a plain slack-go Web API client of the fake, without Socket Mode.
func webAPI(f *fakeslack.Server) *slack.Client {
	return slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
}

// testBot is the real slack-go Socket Mode client, connected to the fake,
// whose events the test reads with next.
type testBot struct {
	api    *slack.Client
	sm     *socketmode.Client
	events chan socketmode.Event
	runErr chan error
}

func startBot(t testing.TB, f *fakeslack.Server, opts ...socketmode.Option) *testBot {
	return startBotWithAppToken(t, f, f.AppToken(), opts...)
}

// startBotWithAppToken runs socketmode.Client.RunContext until the test ends
// (or until it returns, which its error on runErr reports).
func startBotWithAppToken(t testing.TB, f *fakeslack.Server, appToken string, opts ...socketmode.Option) *testBot {
	ctx, cancel := context.WithCancel(context.Background())
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()), slack.OptionAppLevelToken(appToken))
	b := &testBot{
		api:    api,
		sm:     socketmode.New(api, opts...),
		events: make(chan socketmode.Event, 1000),
		runErr: make(chan error, 1),
	}
	var wg sync.WaitGroup
	wg.Go(func() { b.runErr <- b.sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-b.sm.Events:
				select {
				case b.events <- e:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return b
}

// next returns the bot's next event of one of the types, skipping others. A
// frame slack-go could not decode fails the test: the fake sent something
// Slack would not.
func (b *testBot) next(t testing.TB, types ...socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.NewTimer(patience)
	defer timeout.Stop()
	for {
		select {
		case e := <-b.events:
			if slices.Contains(types, e.Type) {
				return e
			}
			switch data := e.Data.(type) {
			case *socketmode.ErrorBadMessage:
				t.Fatalf("slack-go could not read a frame of the fake: %v\n%.500s", data.Cause, data.Message)
			case *slack.IncomingEventError:
				// A read on a connection slack-go itself closed is no fault of the fake's.
				var syntax *json.SyntaxError
				var typ *json.UnmarshalTypeError
				if errors.As(data.ErrorObj, &syntax) || errors.As(data.ErrorObj, &typ) {
					t.Fatalf("slack-go could not read a frame of the fake: %v", data.ErrorObj)
				}
			}
		case <-timeout.C:
			t.Fatalf("no %v event from slack-go within %s", types, patience)
		}
	}
}

// ack acknowledges a request, optionally with a payload.
func (b *testBot) ack(t testing.TB, e socketmode.Event, payload ...any) {
	t.Helper()
	if err := b.sm.Ack(*e.Request, payload...); err != nil {
		t.Fatalf("acking envelope %s: %v", e.Request.EnvelopeID, err)
	}
}

// slackError is the Slack error code in err, or "" when err is not an ok:false reply.
func slackError(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// clock is a test clock the fake reads for ts, rates and response_url age.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1700000000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func text(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func section(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, s, false, false), nil, nil)
}

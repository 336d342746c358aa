// Package fakeslack is a local fake Slack for end-to-end tests of a Socket
// Mode bot. The real slack-go client (v0.35.0) talks to it unchanged: it
// serves apps.connections.open and the Socket Mode WebSocket (hello, Ping
// frames, acks matched by envelope ID across connections), the Web API
// methods the bot calls (auth.test, chat.postMessage, chat.update,
// chat.postEphemeral, users.info, usergroups.users.list, conversations.info,
// files.getUploadURLExternal, files.completeUploadExternal), the upload URL
// and response_url. Any other method answers unknown_method, and every call
// is logged, so a test can flag the unexpected.
//
// It answers as Slack does where the bot can tell: API errors are HTTP 200
// with ok:false, 429 only for rate limits, JSON content type on every JSON
// reply, ts strictly increasing ("%d.%06d"), blocks checked against Block Kit
// limits (50 blocks, 3000 characters of section text, button value 2000 and
// action_id 255) and given a block_id when they have none.
//
// A test plays the workspace's users with SlashCommand, ClickButton and
// Mention, each returning a Delivery whose Ack waits for the bot's ack; it
// reads back what the bot did with Messages, Thread, Ephemerals,
// ResponseURLPosts, Files and Calls, and waits for a state with WaitFor
// (woken on every change, never polling). It injects faults with RateLimit,
// FailNext, SetRateRules, Disconnect, DropConnection, StopPings,
// FailConnectionsOpen and RefuseUpgrade.
//
// A bot test wires slack-go to the fake through the API URL and the tokens;
// the WebSocket URL comes from apps.connections.open:
//
//	f := fakeslack.New(t, fakeslack.Config{
//		Users:    []fakeslack.User{{ID: "U1", Name: "alice"}},
//		Channels: []fakeslack.Channel{{ID: "C1", Name: "ops", Members: []string{"U1", "UBOT"}}},
//	})
//	api := slack.New(f.BotToken(),
//		slack.OptionAPIURL(f.APIURL()),
//		slack.OptionAppLevelToken(f.AppToken()))
//	sm := socketmode.New(api)
//	go sm.RunContext(ctx) // and a loop that reads sm.Events and acks
//
//	d := f.SlashCommand(ctx, "U1", "C1", "/swarm", "scale ping 4")
//	if _, latency, err := d.Ack(ctx); err != nil || latency > 3*time.Second {
//		t.Fatalf("ack: %v after %s", err, latency)
//	}
//	err := f.WaitFor(ctx, func(st fakeslack.State) bool {
//		return len(st.Messages("C1")) == 1
//	})
//
// In a test that needs a lost link found fast, set the fake's PingEvery to
// 200 ms and the bot's socketmode.OptionPingInterval to 1 s.
package fakeslack

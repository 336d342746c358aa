// Package slack is swarmbot's Slack front end: it connects in Socket Mode,
// acknowledges every envelope at once, turns slash commands, mentions and
// button clicks into deploy's requests and decisions, and renders deploy's
// replies, status cards, thread events and approval requests in Block Kit.
//
// Its parts, each in its own file:
//
//	socket.go       the Socket Mode loop: connection state, ack first
//	dedup.go        envelopes and events already handled, across reconnects
//	pool.go         the bounded worker pools the loop hands work to
//	command.go      slash commands and mentions → commands.Parse → deploy
//	interaction.go  button clicks (approve, deny) → deploy.Decide
//	frontend.go     deploy.Frontend: where replies, cards, events and approvals go
//	render*.go      Block Kit renderings of deploy's types
//	blocks.go       Block Kit pieces within Slack's limits (sections, code blocks)
//	escape.go       mrkdwn escaping and mentions
//	writer.go       paced, coalescing Slack writes that honour 429 Retry-After
//	webapi.go       the Web API calls, through slack-go, each counted in the metrics
//	directory.go    users and user groups, cached
//
// Every text that comes from the Engine or a person is escaped for mrkdwn
// (&, <, >) before it goes into a message; only the markup this package
// writes itself (mentions, links) is left as is.
package slack

package deploy

import (
	"context"
	"strings"
)

// Person is someone who asked for, approved or holds something: an ID a front
// end can mention (a Slack user ID; the console's user name) and the name to show.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// String is the name to show: the display name, else the ID.
func (p Person) String() string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// IsZero reports whether p names nobody.
func (p Person) IsZero() bool { return p.ID == "" && p.Name == "" }

// Place is where a front end put a message: the channel, and the message within
// it (Slack: the message's ts; the console: an id of its own). deploy stores it
// and gives it back to a front end, but never interprets ID.
type Place struct {
	Channel string `json:"channel,omitempty"`
	ID      string `json:"id,omitempty"`
}

// IsZero reports whether p is no place at all.
func (p Place) IsZero() bool { return p == Place{} }

// Frontend is what a front end (Slack, the console, a test recorder) gives
// deploy to talk to people. Every text deploy hands over is plain: the front
// end escapes it for its medium.
type Frontend interface {
	// Reply answers the person who sent req: a read's result, a refusal, a
	// usage error or a notice.
	Reply(ctx context.Context, req Request, r Reply) error
	// OpenOperation publishes a new operation's status card where req came
	// from, and returns its place; the operation's events go in its thread.
	OpenOperation(ctx context.Context, req Request, c Card) (Place, error)
	// Operation returns a reporter for an operation already published, by
	// this process or another one before a restart.
	Operation(at Place) Reporter
	// PublishApproval publishes an approval request where req came from.
	// When the request is approved, its place becomes the operation's place:
	// the status card replaces the approval card and the events go in its thread.
	PublishApproval(ctx context.Context, req Request, a ApprovalCard) (Place, error)
	// UpdateApproval replaces an approval card with its new state (approved,
	// denied, expired, refused as stale).
	UpdateApproval(ctx context.Context, at Place, a ApprovalCard) error
}

// PlaceOwner is a Frontend that can tell which places it reports at. Resume
// leaves an operation whose place another front end owns (a console's, for a
// Slack replica sharing its Redis) to that front end; an approval request is
// decided where it was asked, since only there its card can change.
type PlaceOwner interface {
	Owns(at Place) bool
}

// reportsAt reports whether fe can report at p: every front end can, but a
// PlaceOwner only at its own places. A place not known yet counts as its own.
func reportsAt(fe Frontend, p Place) bool {
	o, ok := fe.(PlaceOwner)
	return !ok || p.IsZero() || o.Owns(p)
}

// Reporter reports one operation's progress at its place.
type Reporter interface {
	// Card replaces the status card. Front ends may coalesce updates, but must
	// always show the last one, and a Final card must be delivered.
	Card(ctx context.Context, c Card) error
	// Event adds an event to the operation's thread.
	Event(ctx context.Context, e Event) error
}

// ReplyKind says what a reply is, so a front end can style it.
type ReplyKind string

// The kinds of reply.
const (
	ReplyResult  ReplyKind = "result"  // what a read asked for
	ReplyRefusal ReplyKind = "refusal" // a change or a decision that was not allowed, and why
	ReplyError   ReplyKind = "error"   // bad input or a failure, with what to type
	ReplyNotice  ReplyKind = "notice"  // something happened (a request was filed, a lock taken)
)

// Reply is an answer to one person. Everything in it is plain text.
type Reply struct {
	Kind ReplyKind
	// Private asks the front end to show it to the asker only (Slack: ephemeral).
	Private bool
	// Title is one line that says what this is.
	Title string
	// Lines are sentences under the title, one per line.
	Lines []string
	// Body is preformatted text (a table, a usage text, log lines), shown as is
	// in a fixed-width font (Slack: a code block).
	Body string
	// Data is the structured value behind the text (e.g. a *LockConflict), for a
	// front end that renders something richer; it may be nil.
	Data any
}

// Text renders r as plain text: the title, the lines, then the body.
func (r Reply) Text() string {
	var b strings.Builder
	b.WriteString(r.Title)
	b.WriteByte('\n')
	for _, l := range r.Lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if r.Body != "" {
		b.WriteString(r.Body)
		if !strings.HasSuffix(r.Body, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

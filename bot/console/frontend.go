package console

import (
	"context"
	"sync"
	"time"

	"github.com/swarmbot/swarmbot/deploy"
)

// placeChannel is the channel of every place the console opens, so that
// other front ends sharing Redis can tell a console's operation from theirs.
const placeChannel = "console"

// Owns reports whether at is a console's place.
func (f *frontend) Owns(at deploy.Place) bool { return at.Channel == placeChannel }

// frontend is the console's deploy.Frontend: it shows every reply, card,
// event and approval request on the screen, as it comes.
type frontend struct {
	s   *screen
	now func() time.Time

	mu sync.Mutex
	// named holds the places whose operation has been named (its header
	// printed); an approval's place gets its operation's cards once approved.
	named map[deploy.Place]bool
	// live is the running change drawn at the bottom of a terminal.
	live *liveCard
}

type liveCard struct {
	at   deploy.Place
	card deploy.Card
	seen time.Time // when the card came; its elapsed time counts on from it
}

func newFrontend(s *screen) *frontend {
	return &frontend{s: s, now: time.Now, named: map[deploy.Place]bool{}}
}

var _ deploy.Frontend = (*frontend)(nil)

func (f *frontend) Reply(_ context.Context, _ deploy.Request, r deploy.Reply) error {
	f.s.print(replyLines(r)...)
	return nil
}

func (f *frontend) OpenOperation(_ context.Context, _ deploy.Request, c deploy.Card) (deploy.Place, error) {
	at := deploy.Place{Channel: placeChannel, ID: c.OperationID}
	f.card(at, c)
	return at, nil
}

func (f *frontend) Operation(at deploy.Place) deploy.Reporter { return reporter{f, at} }

func (f *frontend) PublishApproval(_ context.Context, _ deploy.Request, a deploy.ApprovalCard) (deploy.Place, error) {
	f.s.print(approvalLines(a)...)
	return deploy.Place{Channel: placeChannel, ID: a.ID}, nil
}

func (f *frontend) UpdateApproval(_ context.Context, _ deploy.Place, a deploy.ApprovalCard) error {
	f.s.print(approvalUpdateLine(a))
	return nil
}

type reporter struct {
	f  *frontend
	at deploy.Place
}

func (r reporter) Card(_ context.Context, c deploy.Card) error {
	r.f.card(r.at, c)
	return nil
}

func (r reporter) Event(_ context.Context, e deploy.Event) error {
	r.f.s.print(eventLine(e))
	return nil
}

// card shows an operation's status card: its name the first time, its
// progress live on a terminal while it runs, and its last progress lines
// for good when it ends. f.mu is held while drawing, so that a tick cannot
// draw an older card over a newer one.
func (f *frontend) card(at deploy.Place, c deploy.Card) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.named[at] {
		f.named[at] = true
		f.s.print(headerLine(c))
	}
	if !c.Final {
		f.live = &liveCard{at: at, card: c, seen: f.now()}
		f.s.setLive(f.liveLines())
		return
	}
	if f.live != nil && f.live.at == at {
		f.live = nil
		f.s.setLive(nil)
	}
	f.s.print(progressLines(c)...)
}

// tick redraws the live card, so that its elapsed time counts.
func (f *frontend) tick() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.live != nil {
		f.s.setLive(f.liveLines())
	}
}

// clearLive forgets the live card (its change stopped being followed).
func (f *frontend) clearLive() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.live = nil
	f.s.setLive(nil)
}

// liveLines is the live block: the CLI's progress lines, then the status.
// The caller holds f.mu.
func (f *frontend) liveLines() []styled {
	if f.live == nil {
		return nil
	}
	c := f.live.card
	return append(progressLines(c), statusLine(c, c.Elapsed+f.now().Sub(f.live.seen)))
}

package slack

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/swarmbot/swarmbot/commands"
)

// people is the part of Slack's Web API the directory reads.
type people interface {
	userInfo(ctx context.Context, id string) (name string, err error)
	groupMembers(ctx context.Context, group string) ([]string, error)
}

// How long lookups are trusted. Names change rarely; group membership is
// what permissions hang on, so it is read again every few minutes.
const (
	userTTL  = time.Hour
	groupTTL = 5 * time.Minute
)

// directory tells who a Slack user is: their name, and which of the user
// groups that the policy names they belong to (usergroups.users.list, Tier 2).
// Answers are cached; one lookup of a user or group runs at a time, and a
// failed refresh keeps the last answer, so that a Slack hiccup does not lock
// people out.
type directory struct {
	api    people
	groups []string // the user groups the policy names (S…)
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	users   map[string]*entry[string]
	members map[string]*entry[[]string]
}

// entry is one cached answer; ready is closed once the first lookup ended.
type entry[T any] struct {
	ready   chan struct{}
	value   T
	ok      bool // value holds an answer
	at      time.Time
	loading bool
}

func newDirectory(api people, groups []string, log *slog.Logger) *directory {
	return &directory{
		api: api, groups: groups, log: log, now: time.Now,
		users: map[string]*entry[string]{}, members: map[string]*entry[[]string]{},
	}
}

// policyGroups lists the user groups named anywhere in a policy.
func policyGroups(p commands.Policy) []string {
	var out []string
	for _, list := range [][]string{p.Operators, p.Approvers, p.Admins} {
		for _, id := range list {
			if isID(id, "S") && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// Actor is the person behind a command or a click: their ID, their name (the
// name Slack sent along, when the lookup fails) and their groups.
func (d *directory) Actor(ctx context.Context, id, name string) commands.Actor {
	a := commands.Actor{ID: id, Name: name}
	if n, ok := lookup(ctx, d, d.users, id, userTTL, d.api.userInfo); ok && n != "" {
		a.Name = n
	}
	if a.Name == "" {
		a.Name = id
	}
	for _, g := range d.groups {
		members, ok := lookup(ctx, d, d.members, g, groupTTL, d.api.groupMembers)
		if ok && slices.Contains(members, id) {
			a.Groups = append(a.Groups, g)
		}
	}
	return a
}

// lookup answers from the cache while it is fresh; otherwise one caller
// looks it up while the others wait (or take the stale answer).
func lookup[T any](ctx context.Context, d *directory, cache map[string]*entry[T], key string, ttl time.Duration,
	fetch func(context.Context, string) (T, error)) (T, bool) {
	d.mu.Lock()
	e := cache[key]
	if e == nil {
		e = &entry[T]{ready: make(chan struct{})}
		cache[key] = e
	}
	fresh := e.ok && d.now().Sub(e.at) < ttl
	if fresh || e.loading {
		ready, v, ok := e.ready, e.value, e.ok
		d.mu.Unlock()
		if fresh || ok {
			return v, ok // fresh, or stale while someone refreshes it
		}
		select {
		case <-ready:
		case <-ctx.Done():
			var zero T
			return zero, false
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		return e.value, e.ok
	}
	e.loading = true
	d.mu.Unlock()

	v, err := fetch(ctx, key)

	d.mu.Lock()
	defer d.mu.Unlock()
	e.loading = false
	if err != nil {
		d.log.Warn("slack lookup failed; using what was known", "key", key, "known", e.ok, "error", err.Error())
	} else {
		e.value, e.ok, e.at = v, true, d.now()
	}
	select {
	case <-e.ready:
	default:
		close(e.ready)
	}
	if !e.ok {
		// Nobody has an answer: the next caller tries again.
		e.ready = make(chan struct{})
	}
	return e.value, e.ok
}

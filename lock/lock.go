package lock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Locker takes and shows locks on services, nodes and the whole swarm.
// *Redis and *Memory implement it.
type Locker interface {
	// Acquire takes the lock on req.Resource, or fails at once: it never
	// waits for a holder. When someone holds it the error is a *HeldError
	// that says who. An operation's lease is renewed until Release; a manual
	// lock (req.For > 0) is held until it runs out or its holder unlocks it.
	Acquire(ctx context.Context, req Request) (*Lease, error)

	// Inspect returns the holder of r's lock, or ErrNotHeld.
	Inspect(ctx context.Context, r Resource) (Holder, error)

	// List returns every lock of this cluster with its holder, sorted by resource.
	List(ctx context.Context) ([]Holder, error)

	// Unlock removes a manual lock held by the person userID and returns it.
	// Anyone else's lock, and an operation's lock, is refused with a *HeldError.
	Unlock(ctx context.Context, r Resource, userID string) (Holder, error)

	// ForceUnlock breaks r's lock whoever holds it, moves r's fence on so that
	// the broken holder's writes are refused, and returns what it broke. It is
	// for admins; the caller checks that and writes the audit record.
	ForceUnlock(ctx context.Context, r Resource) (Holder, error)

	// Ping checks that the lock store answers, for /readyz.
	Ping(ctx context.Context) error
}

// Kind is the kind of thing a lock protects.
type Kind string

// The kinds of resources swarmbot locks.
const (
	KindService Kind = "service" // one service: scale, update, rollback, rm, a manual lock
	KindNode    Kind = "node"    // one node: drain, activate
	KindSwarm   Kind = "swarm"   // swarm-wide settings: history-limit
)

// Resource is one lockable thing.
type Resource struct {
	Kind Kind
	Name string // service or node name; empty for the swarm
}

// Service is the resource of the service named name.
func Service(name string) Resource { return Resource{Kind: KindService, Name: name} }

// Node is the resource of the node named name (hostname or ID, as the caller
// chooses; it must choose the same one every time).
func Node(name string) Resource { return Resource{Kind: KindNode, Name: name} }

// Swarm is the resource of the whole swarm.
func Swarm() Resource { return Resource{Kind: KindSwarm} }

// String names the resource the way messages say it: "service ping",
// "node dev01", "the swarm".
func (r Resource) String() string {
	if r.Kind == KindSwarm {
		return "the swarm"
	}
	return string(r.Kind) + " " + r.Name
}

func (r Resource) validate() error {
	switch r.Kind {
	case KindSwarm:
		if r.Name != "" {
			return fmt.Errorf("the swarm's lock has no name, got %q", r.Name)
		}
		return nil
	case KindService, KindNode:
	default:
		return fmt.Errorf("unknown kind of lock %q: use service, node or swarm", r.Kind)
	}
	switch {
	case r.Name == "":
		return fmt.Errorf("a %s lock needs the %s's name", r.Kind, r.Kind)
	case len(r.Name) > 255:
		return fmt.Errorf("%s name is %d bytes long, at most 255 allowed", r.Kind, len(r.Name))
	case strings.ContainsAny(r.Name, "{}"):
		// Braces would break the Redis Cluster hash tag; no Docker name has them.
		return fmt.Errorf("%s name %q has a brace, which no %s name has", r.Kind, r.Name, r.Kind)
	case strings.IndexFunc(r.Name, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0:
		return fmt.Errorf("%s name %q has a space or control character", r.Kind, r.Name)
	}
	return nil
}

// Request asks for a lock. UserID through Reason are stored with the lock and
// shown to everyone who is refused, lists locks or inspects one.
type Request struct {
	Resource Resource

	UserID    string // Slack user ID (U…) of the person the lock is for; required
	UserName  string // their display name
	Operation string // what is being done, e.g. "update ping → alpine:3.7"
	Channel   string // Slack channel ID of the thread that reports on it
	ThreadTS  string // that thread's ts
	Reason    string // why, for a manual lock: "incident 42"

	// For, when above zero, makes a manual lock: held by a person rather than
	// a running operation, not renewed, ending after For unless unlocked first.
	For time.Duration

	// SeenFence is the largest fence the caller has seen on the resource
	// (the service label swarmbot.fence); the lease's fence will be above it.
	// It repairs a counter that lost increments (Redis failover, in-process
	// store restarted). Zero when nothing was seen.
	SeenFence int64
}

func (req Request) validate() error {
	if err := req.Resource.validate(); err != nil {
		return err
	}
	switch {
	case req.UserID == "":
		return errors.New("a lock needs the user it is for")
	case req.For < 0:
		return fmt.Errorf("a manual lock needs a positive duration, got %s", req.For)
	case req.For > 0 && req.For < time.Second:
		return fmt.Errorf("a manual lock lasts at least 1s, got %s", req.For)
	case req.SeenFence < 0:
		return fmt.Errorf("a fence is never negative, got %d", req.SeenFence)
	}
	return nil
}

// Holder is who holds a lock, doing what, where, since when and until when.
type Holder struct {
	Resource  Resource
	UserID    string // Slack user ID
	UserName  string // display name
	Operation string // e.g. "update ping → alpine:3.7"; empty for most manual locks
	Channel   string // Slack channel of the operation's thread
	ThreadTS  string // ts of that thread
	Reason    string // a manual lock's reason
	Manual    bool   // held by a person (lock command), not by a running operation
	Since     time.Time
	Until     time.Time // when the lock runs out unless renewed (operation) or unlocked (manual)
	Fence     int64     // the fence issued to this holder
	Instance  string    // the swarmbot process that took it (host/pid)
}

// ErrHeld matches a *HeldError with errors.Is.
var ErrHeld = errors.New("locked by someone else")

// ErrNotHeld says a resource has no lock.
var ErrNotHeld = errors.New("not locked")

// ErrLost says a lease is no longer held: it ran out without renewal, was
// force-unlocked, or was taken over after running out. Its owner must stop
// making changes.
var ErrLost = errors.New("lock lost")

// ErrUnavailable says the lock store could not answer (Redis down, slow or
// refusing). Callers refuse changes and go on with reads.
var ErrUnavailable = errors.New("lock store (Redis) unavailable")

// HeldError refuses a lock because someone else holds it, and says who.
type HeldError struct {
	Holder Holder
}

func (e *HeldError) Error() string {
	h := e.Holder
	var b strings.Builder
	fmt.Fprintf(&b, "%s is locked by %s", h.Resource, h.who())
	if h.Manual {
		fmt.Fprintf(&b, " until %s", h.Until.UTC().Format(time.RFC3339))
		if h.Reason != "" {
			fmt.Fprintf(&b, ": %s", h.Reason)
		}
		return b.String()
	}
	if h.Operation != "" {
		fmt.Fprintf(&b, " for %s", h.Operation)
	}
	fmt.Fprintf(&b, " since %s", h.Since.UTC().Format(time.RFC3339))
	return b.String()
}

// Is makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

func (h Holder) who() string {
	switch {
	case h.UserName != "" && h.UserID != "":
		return h.UserName + " (" + h.UserID + ")"
	case h.UserName != "":
		return h.UserName
	default:
		return h.UserID
	}
}

// Options configure a Locker.
type Options struct {
	// Cluster is the swarm's name, part of every key so several swarms can
	// share one Redis: letters, digits, '.', '_' and '-'. Default "default".
	Cluster string
	// TTL is an operation's lease; it is renewed every TTL/3. Default 30 s.
	TTL time.Duration
	// Timeout bounds every call to the store, renewals included. Default 2 s.
	Timeout time.Duration
	// Instance names this swarmbot process in Holder.Instance. Default host/pid.
	Instance string
}

// Defaults for Options.
const (
	DefaultCluster = "default"
	DefaultTTL     = 30 * time.Second
	DefaultTimeout = 2 * time.Second
)

var clusterName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

func (o Options) withDefaults() (Options, error) {
	if o.Cluster == "" {
		o.Cluster = DefaultCluster
	}
	if !clusterName.MatchString(o.Cluster) {
		return o, fmt.Errorf("cluster name %q: use up to 63 letters, digits, '.', '_' or '-'", o.Cluster)
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.TTL < 30*time.Millisecond {
		return o, fmt.Errorf("lock TTL %s is too short to renew", o.TTL)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Instance == "" {
		host, _ := os.Hostname()
		o.Instance = host + "/" + strconv.Itoa(os.Getpid())
	}
	return o, nil
}

// newToken returns a random token that only the lease that holds it knows.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// holderFor is the holder a request will be, before the store sets the fence.
func holderFor(req Request, instance string, now time.Time, ttl time.Duration) Holder {
	h := Holder{
		Resource:  req.Resource,
		UserID:    req.UserID,
		UserName:  req.UserName,
		Operation: req.Operation,
		Channel:   req.Channel,
		ThreadTS:  req.ThreadTS,
		Reason:    req.Reason,
		Manual:    req.For > 0,
		Since:     now,
		Until:     now.Add(ttl),
		Instance:  instance,
	}
	if h.Manual {
		h.Until = now.Add(req.For)
	}
	return h
}

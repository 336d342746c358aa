package slack

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/swarmbot/swarmbot/commands"
)

// memPeople answers lookups from maps and counts them.
type memPeople struct {
	mu         sync.Mutex
	names      map[string]string
	groups     map[string][]string
	fail       atomic.Bool
	userCalls  atomic.Int32
	groupCalls atomic.Int32
	slow       chan struct{} // when set, lookups wait for it
}

func (m *memPeople) userInfo(ctx context.Context, id string) (string, error) {
	m.userCalls.Add(1)
	if m.slow != nil {
		<-m.slow
	}
	if m.fail.Load() {
		return "", errors.New("ratelimited")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.names[id]
	if !ok {
		return "", errors.New("user_not_found")
	}
	return n, nil
}

func (m *memPeople) groupMembers(ctx context.Context, g string) ([]string, error) {
	m.groupCalls.Add(1)
	if m.slow != nil {
		<-m.slow
	}
	if m.fail.Load() {
		return nil, errors.New("ratelimited")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.groups[g]), nil
}

func TestPolicyGroups(t *testing.T) {
	p := commands.Policy{Operators: []string{"S1", "U1"}, Approvers: []string{"S2", "S1"}, Admins: []string{"W1", "S3"}}
	if got := policyGroups(p); !slices.Equal(got, []string{"S1", "S2", "S3"}) {
		t.Errorf("policyGroups = %v", got)
	}
}

func TestDirectoryActor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &memPeople{
			names:  map[string]string{"U1": "alice", "U2": "bob"},
			groups: map[string][]string{"S1": {"U1"}, "S2": {"U1", "U2"}},
		}
		d := newDirectory(api, []string{"S1", "S2"}, quietLog())
		ctx := t.Context()

		a := d.Actor(ctx, "U1", "alice-handle")
		if a.ID != "U1" || a.Name != "alice" || !slices.Equal(a.Groups, []string{"S1", "S2"}) {
			t.Errorf("alice = %+v", a)
		}
		b := d.Actor(ctx, "U2", "")
		if b.Name != "bob" || !slices.Equal(b.Groups, []string{"S2"}) {
			t.Errorf("bob = %+v", b)
		}
		if u, g := api.userCalls.Load(), api.groupCalls.Load(); u != 2 || g != 2 {
			t.Errorf("%d user and %d group lookups for two people, want 2 and 2 (groups cached)", u, g)
		}

		// Cached: no more calls for a while.
		for range 10 {
			d.Actor(ctx, "U1", "")
		}
		if u, g := api.userCalls.Load(), api.groupCalls.Load(); u != 2 || g != 2 {
			t.Errorf("after repeats: %d user and %d group lookups", u, g)
		}

		// Membership changes are seen once the group's entry is old.
		api.mu.Lock()
		api.groups["S1"] = []string{"U2"}
		api.mu.Unlock()
		time.Sleep(groupTTL + time.Second)
		if b := d.Actor(ctx, "U2", ""); !slices.Equal(b.Groups, []string{"S1", "S2"}) {
			t.Errorf("bob after joining S1 = %+v", b)
		}

		// Slack failing: the last answers stand.
		api.fail.Store(true)
		time.Sleep(userTTL + time.Second)
		if a := d.Actor(ctx, "U1", "alice-handle"); a.Name != "alice" || !slices.Equal(a.Groups, []string{"S2"}) {
			t.Errorf("alice while slack fails = %+v", a)
		}
	})
}

func TestDirectoryWithoutAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &memPeople{groups: map[string][]string{}}
		api.fail.Store(true)
		d := newDirectory(api, []string{"S1"}, quietLog())
		a := d.Actor(t.Context(), "U9", "handle")
		// The name Slack sent along stands in; no group is assumed.
		if a.Name != "handle" || len(a.Groups) != 0 {
			t.Errorf("actor = %+v", a)
		}
		if a := d.Actor(t.Context(), "U9", ""); a.Name != "U9" {
			t.Errorf("actor with no name at all = %+v", a)
		}
		if n := api.groupCalls.Load(); n != 2 {
			t.Errorf("%d group lookups: a failed one must be tried again next time", n)
		}
	})
}

// Many commands from one person at once make one lookup of each kind.
func TestDirectoryOneLookupAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &memPeople{names: map[string]string{"U1": "alice"}, groups: map[string][]string{"S1": {"U1"}}, slow: make(chan struct{})}
		d := newDirectory(api, []string{"S1"}, quietLog())
		var wg sync.WaitGroup
		got := make([]commands.Actor, 10)
		for i := range got {
			wg.Go(func() { got[i] = d.Actor(t.Context(), "U1", "") })
		}
		synctest.Wait()
		close(api.slow)
		wg.Wait()
		for _, a := range got {
			if a.Name != "alice" || !slices.Equal(a.Groups, []string{"S1"}) {
				t.Errorf("actor = %+v", a)
			}
		}
		if u, g := api.userCalls.Load(), api.groupCalls.Load(); u != 1 || g != 1 {
			t.Errorf("%d user and %d group lookups for 10 at once, want 1 and 1", u, g)
		}
	})
}

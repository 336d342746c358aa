package deploy

import (
	"fmt"
	"time"

	"github.com/swarmbot/swarmbot/swarm"
)

// deriver turns successive progress snapshots into thread events: what a
// person following the change wants to read, not every state a task passes
// through. It remembers what it said, so that a slot rejected again and
// again for the same reason is reported once. Above 20 slots (the snapshot
// is then summarized) it reports milestones, each quarter of the tasks, so a
// 100-replica scale makes a handful of events, not a hundred.
//
// The operation's last word (converged, paused, stuck, …) is not derived
// here when the operation has one service: the final report says it, with
// the requester's mention.
type deriver struct {
	// since is when the change was made: a task first seen running that was
	// running before it (by the Engine's clock) is not news.
	since    time.Time
	said     map[string]bool   // "service/slot/error" already reported
	quarters map[string]int    // service ID → quarters of its tasks already announced
	ranOn    map[string]string // "service/slot" → the node its last running task ran on
	// drained is the node a drain empties: a new task elsewhere moved from it.
	drained string
	// many marks the services seen summarized (above 20 slots): they stay
	// in milestones, so that a scale from 100 down to 4 does not end in a
	// burst of slot events as it drops below 20.
	many map[string]bool
}

func newDeriver(since time.Time) *deriver {
	return &deriver{since: since, said: map[string]bool{}, quarters: map[string]int{}, ranOn: map[string]string{}, many: map[string]bool{}}
}

// events says what changed from prev (nil for the first snapshot) to cur.
func (d *deriver) events(prev, cur *swarm.Progress, at time.Time) []Event {
	var out []Event
	many := len(cur.Services) > 1
	for _, s := range cur.Services {
		var ps *swarm.ServiceProgress
		if prev != nil {
			for i := range prev.Services {
				if prev.Services[i].ID == s.ID {
					ps = &prev.Services[i]
				}
			}
		}
		out = append(out, d.serviceEvents(ps, s, many, at)...)
	}
	return out
}

func (d *deriver) serviceEvents(prev *swarm.ServiceProgress, cur swarm.ServiceProgress, many bool, at time.Time) []Event {
	var out []Event
	add := func(kind EventKind, format string, args ...any) {
		out = append(out, Event{Kind: kind, Time: at, Service: cur.Name, Text: fmt.Sprintf(format, args...)})
	}
	if cur.Rollback && (prev == nil || !prev.Rollback) {
		reason := cur.Message
		if reason == "" {
			reason = "the Engine gave no reason"
		}
		add(EventRollback, "%s: rollback started: %s", cur.Name, oneLine(reason))
	}
	if cur.TaskFailed && (prev == nil || !prev.TaskFailed) {
		add(EventTaskError, "%s: a task failed while its tasks were being verified; the %s stability window starts again", cur.Name, cur.Monitor)
	}

	if cur.Summarized || (prev != nil && prev.Summarized) {
		d.many[cur.ID] = true
	}
	if d.many[cur.ID] {
		out = append(out, d.milestones(cur, at)...)
	} else {
		out = append(out, d.slotEvents(prev, cur, at)...)
	}

	if many && cur.Phase.Final() && (prev == nil || prev.Phase != cur.Phase) {
		out = append(out, serviceFinalEvent(cur, at))
	}
	return out
}

// slotEvents reports, slot by slot: a task that reached running (new, or on
// another node), a task error, a slot that went away.
func (d *deriver) slotEvents(prev *swarm.ServiceProgress, cur swarm.ServiceProgress, at time.Time) []Event {
	var out []Event
	before := map[string]swarm.SlotProgress{}
	if prev != nil {
		for _, sl := range prev.Slots {
			before[slotKey(sl)] = sl
		}
	}
	for _, sl := range cur.Slots {
		old, had := before[slotKey(sl)]
		delete(before, slotKey(sl))
		name := slotName(cur, sl)
		switch {
		case sl.Err != "":
			key := cur.ID + "/" + slotKey(sl) + "/" + sl.Err
			if d.said[key] {
				continue
			}
			d.said[key] = true
			where := ""
			if sl.NodeName != "" {
				where = " on " + sl.NodeName
			}
			out = append(out, Event{Kind: EventTaskError, Time: at, Service: cur.Name,
				Text: fmt.Sprintf("%s %s%s: %s", name, sl.State, where, oneLine(sl.Err))})
		case sl.State == "running" && !sl.Leaving:
			where := cur.ID + "/" + slotKey(sl)
			ranOn, ran := d.ranOn[where]
			d.ranOn[where] = sl.NodeName
			if had && old.State == "running" && old.TaskID == sl.TaskID {
				continue // no change
			}
			if (!had || old.TaskID != sl.TaskID) && !sl.StateSince.IsZero() && sl.StateSince.Before(d.since) {
				continue // first seen, and running since before the change: not news
			}
			text := fmt.Sprintf("%s running %s on %s", name, sl.Image, sl.NodeName)
			switch {
			case ran && ranOn != sl.NodeName && ranOn != "" && sl.Slot != 0:
				text += " (moved from " + ranOn + ")"
			case !ran && d.drained != "" && sl.NodeName != d.drained && sl.Slot != 0:
				text += " (moved from " + d.drained + ")"
			}
			out = append(out, Event{Kind: EventSlot, Time: at, Service: cur.Name, Text: text})
		}
	}
	if prev != nil {
		for _, sl := range prev.Slots { // in order, so events come in slot order
			if _, gone := before[slotKey(sl)]; gone && sl.Slot != 0 {
				out = append(out, Event{Kind: EventSlot, Time: at, Service: cur.Name,
					Text: fmt.Sprintf("%s removed", slotName(cur, sl))})
			}
		}
	}
	return out
}

// milestones reports each new quarter of a summarized service's tasks running.
func (d *deriver) milestones(cur swarm.ServiceProgress, at time.Time) []Event {
	if cur.Desired == 0 || cur.Phase.Final() {
		return nil
	}
	q := 4 * cur.Running / cur.Desired
	if q <= d.quarters[cur.ID] || q >= 4 {
		return nil
	}
	d.quarters[cur.ID] = q
	return []Event{{Kind: EventMilestone, Time: at, Service: cur.Name,
		Text: fmt.Sprintf("%s: %d out of %d tasks running", cur.Name, cur.Running, cur.Desired)}}
}

func slotKey(sl swarm.SlotProgress) string {
	if sl.Slot != 0 {
		return fmt.Sprint(sl.Slot)
	}
	return "@" + sl.NodeID
}

// serviceFinalEvent says how one service of several ended.
func serviceFinalEvent(s swarm.ServiceProgress, at time.Time) Event {
	e := Event{Time: at, Service: s.Name}
	why := s.Reason
	if why == "" {
		why = s.Message
	}
	switch s.Phase {
	case swarm.PhaseConverged:
		e.Kind, e.Text = EventConverged, fmt.Sprintf("%s converged: %d out of %d tasks running", s.Name, s.Running, s.Desired)
	case swarm.PhaseRemoved:
		e.Kind, e.Text = EventConverged, s.Name+" removed"
	case swarm.PhasePaused:
		e.Kind, e.Text = EventPaused, withReason(s.Name+" paused", why)
	case swarm.PhaseStuck:
		e.Kind, e.Text = EventStuck, withReason(fmt.Sprintf("%s stuck, nothing moved for %s", s.Name, FormatElapsed(s.Stalled)), why)
	case swarm.PhaseTimedOut:
		e.Kind, e.Text = EventTimedOut, withReason(s.Name+" timed out", why)
	default:
		e.Kind, e.Text = EventFailed, withReason(fmt.Sprintf("%s %s", s.Name, s.Phase), why)
	}
	return e
}

// withReason adds ": why" to text when there is a why.
func withReason(text, why string) string {
	if why = oneLine(why); why != "" {
		return text + ": " + why
	}
	return text
}

// phaseOf is deploy's word for the watcher's phase: the same word.
func phaseOf(p swarm.Phase) Phase { return Phase(p) }

// finalEvent is an operation's last word in its thread: how it ended, why,
// what to type next, and the requester's mention.
func finalEvent(c Card, at time.Time) Event {
	e := Event{Time: at, Mention: c.Requester}
	var service, why string
	if c.Progress != nil && len(c.Progress.Services) == 1 {
		s := c.Progress.Services[0]
		service = s.Name
		why = s.Reason
		if why == "" {
			why = s.Message
		}
	}
	if c.Note != "" {
		why = c.Note
	}
	ps := ""
	if service != "" {
		ps = " See `/swarm ps " + service + "`."
	}
	took := FormatElapsed(c.Elapsed)
	switch c.Phase {
	case PhaseConverged:
		e.Kind, e.Text = EventConverged, fmt.Sprintf("%s: converged in %s.", c.What, took)
	case PhaseRemoved, PhaseDone:
		e.Kind, e.Text = EventDone, fmt.Sprintf("%s: done in %s.", c.What, took)
	case PhasePaused:
		e.Kind, e.Text = EventPaused, withReason(fmt.Sprintf("%s: paused by the Engine after %s", c.What, took), why)+"."+ps
		if service != "" {
			e.Text += " `/swarm rollback " + service + "` goes back to the previous spec."
		}
	case PhaseStuck:
		e.Kind, e.Text = EventStuck, withReason(fmt.Sprintf("%s: stuck after %s", c.What, took), why)+". swarmbot stopped following; the swarm goes on trying."+ps
	case PhaseTimedOut:
		e.Kind, e.Text = EventTimedOut, withReason(fmt.Sprintf("%s: timed out after %s", c.What, took), why)+". swarmbot stopped following; the swarm goes on trying."+ps
	case PhaseLockLost:
		e.Kind, e.Text = EventLockLost, withReason(fmt.Sprintf("%s: the lock was lost after %s", c.What, took), why)+
			". swarmbot makes no further change and stopped following; what was sent to the Engine goes on."+ps
	case PhaseNotRun:
		e.Kind, e.Text = EventNotExecuted, withReason(c.What+": not run", why)+". Nothing was changed; to try again: `/swarm "+c.Command+"`."
	default:
		e.Kind, e.Text = EventFailed, withReason(fmt.Sprintf("%s: %s after %s", c.What, c.Phase, took), why)+"."+ps
	}
	return e
}

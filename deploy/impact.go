package deploy

import (
	"fmt"
	"strings"

	"github.com/swarmbot/swarmbot/swarm"
)

// drainImpact says what draining a node will do: which tasks of which
// services move, and what a careful person must know first.
func drainImpact(d swarm.DrainImpact) Impact {
	node := d.Node.Hostname
	var im Impact
	switch {
	case d.Tasks == 0:
		im.Summary = fmt.Sprintf("%s runs no tasks: draining it moves nothing", node)
	default:
		im.Summary = fmt.Sprintf("%s on %s will stop there:", countOf(d.Tasks, "task"), node)
		if len(d.Services) > 1 {
			im.Summary = fmt.Sprintf("%s of %d services on %s will stop there:", countOf(d.Tasks, "task"), len(d.Services), node)
		}
	}
	for _, s := range d.Services {
		names := make([]string, 0, len(s.Tasks))
		for _, t := range s.Tasks {
			names = append(names, t.Name())
		}
		if s.Replaced {
			im.Lines = append(im.Lines, fmt.Sprintf("%s: %s, started again on another node in the same %s",
				s.ServiceName, strings.Join(names, ", "), plural(len(names), "slot", "slots")))
		} else {
			im.Lines = append(im.Lines, fmt.Sprintf("%s: its %s (%s: stops, not moved)", s.ServiceName, plural(len(names), "task", "tasks"), s.Mode))
			im.Warnings = append(im.Warnings, fmt.Sprintf("%s is a %s service: its task on %s stops and runs nowhere else", s.ServiceName, s.Mode, node))
		}
		if s.Stuck != "" {
			im.Warnings = append(im.Warnings, fmt.Sprintf("%s's tasks may not be placed elsewhere: %s", s.ServiceName, s.Stuck))
		}
	}
	if d.LastActiveNode {
		im.Warnings = append(im.Warnings, fmt.Sprintf("%s is the last active node: once drained, no task can run anywhere", node))
	}
	if d.AlreadyDrained {
		im.Warnings = append(im.Warnings, fmt.Sprintf("%s is already drained", node))
	}
	if d.Tasks > 0 {
		im.Lines = append(im.Lines, "making the node active again later does not move tasks back")
	}
	return im
}

// rollbackImpact says what rolling a service back will change: the current
// spec's image and settings → the previous spec's.
func rollbackImpact(p swarm.RollbackPreview) Impact {
	im := Impact{Summary: fmt.Sprintf("%s goes back to its previous spec:", p.ServiceName)}
	im.Lines = append(im.Lines, p.Changes...)
	if len(p.Changes) == 0 {
		im.Lines = append(im.Lines, "the previous spec differs only in swarmbot's bookkeeping: tasks stay as they are")
	}
	if p.UpdateState != "" && p.UpdateState != "completed" && p.UpdateState != "rollback_completed" {
		im.Warnings = append(im.Warnings, fmt.Sprintf("%s's last rollout is %s", p.ServiceName, strings.ReplaceAll(p.UpdateState, "_", " ")))
	}
	im.Warnings = append(im.Warnings, "a rollback goes one spec back only: once it has converged, rolling back again changes nothing")
	return im
}

// removeImpact says what removing a service will stop.
func removeImpact(r swarm.RemoveImpact) Impact {
	im := Impact{Summary: fmt.Sprintf("%s (%s, %s) will be removed:", r.ServiceName, r.Mode, r.Image)}
	switch {
	case len(r.Tasks) == 0:
		im.Lines = append(im.Lines, "no task runs now")
	default:
		names := make([]string, 0, len(r.Tasks))
		for _, t := range r.Tasks {
			names = append(names, t.Name())
		}
		im.Lines = append(im.Lines, fmt.Sprintf("%s will be gone: %s", countOf(len(r.Tasks), "running task"), strings.Join(names, ", ")))
	}
	im.Warnings = append(im.Warnings, "removing a service cannot be undone: its spec and task history go with it")
	return im
}

// historyLimitImpact says what changing the task history retention limit does.
func historyLimitImpact(before, after int64) Impact {
	return Impact{
		Summary: fmt.Sprintf("the swarm keeps %d tasks per slot instead of %d (the current task included)", after, before),
		Lines:   []string{"older tasks are not deleted at once: they go as slots get new tasks"},
	}
}

// countOf writes a count with its noun: "1 task", "4 tasks".
func countOf(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

package commands

import (
	"strings"
	"time"
)

// UpdateConfig holds the --update-* or --rollback-* flags that were given, as
// docker's swarm.UpdateConfig names them. A nil field or "" was not given and
// keeps what the service has (or swarm's default, for create).
type UpdateConfig struct {
	// Parallelism is how many tasks change at once; 0 changes them all at once.
	Parallelism *uint64
	// Delay is the wait between one batch of tasks and the next.
	Delay *time.Duration
	// FailureAction is pause, continue or rollback (rollback: pause or continue).
	FailureAction string
	// Monitor is how long each new task is watched for failure.
	Monitor *time.Duration
	// MaxFailureRatio is the fraction of tasks that may fail, 0 to 1.
	MaxFailureRatio *float32
	// Order is stop-first or start-first.
	Order string
}

// IsZero reports whether no flag was given.
func (u UpdateConfig) IsZero() bool {
	return u.Parallelism == nil && u.Delay == nil && u.FailureAction == "" &&
		u.Monitor == nil && u.MaxFailureRatio == nil && u.Order == ""
}

// policyFlags are the six flags of an update ("update") or rollback ("rollback") policy.
func policyFlags(prefix string) []flagDef {
	done, actions := "updated", "pause, continue or rollback"
	if prefix == "rollback" {
		done, actions = "rolled back", "pause or continue"
	}
	return []flagDef{
		{name: prefix + "-parallelism", arg: "N", usage: "tasks " + done + " at once; 0 for all (default 1)"},
		{name: prefix + "-delay", arg: "D", usage: "wait between batches, e.g. 10s (default 0s)"},
		{name: prefix + "-failure-action", arg: "ACTION", usage: "when a task fails: " + actions + " (default pause)"},
		{name: prefix + "-monitor", arg: "D", usage: "watch each new task this long for failure (default 5s)"},
		{name: prefix + "-max-failure-ratio", arg: "R", usage: "fraction of tasks that may fail, 0 to 1 (default 0)"},
		{name: prefix + "-order", arg: "ORDER", usage: "stop-first or start-first (default stop-first)"},
	}
}

// set applies one flag if it belongs to this policy (prefix "update" or
// "rollback"); it reports whether it did.
func (u *UpdateConfig) set(prefix string, f flagVal, o options) (bool, error) {
	name, ok := strings.CutPrefix(f.def.name, prefix+"-")
	if !ok {
		return false, nil
	}
	var err error
	switch name {
	case "parallelism":
		n, ok := parseCount(f.value, o.maxReplicas)
		if !ok {
			return true, usageErr("--%s takes a number of tasks from 0 (all at once) to %d, not %s", f.def.name, o.maxReplicas, quoteWord(f.value))
		}
		u.Parallelism = &n
	case "delay":
		d, e := parseDuration(f.value, f.def.name)
		u.Delay, err = &d, e
	case "monitor":
		d, e := parseDuration(f.value, f.def.name)
		u.Monitor, err = &d, e
	case "failure-action":
		actions := []string{"pause", "continue", "rollback"}
		if prefix == "rollback" {
			actions = actions[:2]
		}
		u.FailureAction, err = parseEnum(f.value, f.def.name, actions...)
	case "max-failure-ratio":
		r, e := parseRatio(f.value, f.def.name)
		u.MaxFailureRatio, err = &r, e
	case "order":
		u.Order, err = parseEnum(f.value, f.def.name, "stop-first", "start-first")
	default:
		return false, nil
	}
	return true, err
}

func (u UpdateConfig) write(l *line, prefix string) {
	l.count(prefix+"-parallelism", u.Parallelism)
	l.duration(prefix+"-delay", u.Delay)
	l.text(prefix+"-failure-action", u.FailureAction)
	l.duration(prefix+"-monitor", u.Monitor)
	if u.MaxFailureRatio != nil {
		l.flag(prefix+"-max-failure-ratio", formatRatio(*u.MaxFailureRatio))
	}
	l.text(prefix+"-order", u.Order)
}

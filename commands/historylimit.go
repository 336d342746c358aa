package commands

import (
	"strconv"
	"strings"
)

// HistoryLimit sets how many tasks swarm keeps per slot, the current one
// included, like docker swarm update --task-history-limit. Older tasks go at
// the next update, not at once.
type HistoryLimit struct {
	Limit int
}

var historyLimitSpec = &spec{
	verb:     VerbHistoryLimit,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"history-limit N"},
	summary:  "set how many tasks swarm keeps per slot",
	about: "Sets the swarm's task history retention limit: how many tasks swarm keeps for each slot, the current one included (docker's default is 5). " +
		"Lowering it deletes nothing at once; older tasks go at the next update. /swarm info shows the limit.",
	docker:   []string{"swarm update --task-history-limit N"},
	examples: []string{"history-limit 3"},
	parse:    parseHistoryLimit,
}

func parseHistoryLimit(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	switch len(fa.pos) {
	case 0:
		return nil, usageErr("history-limit needs a number, e.g. /swarm history-limit 5")
	case 1:
		return historyLimit(fa.pos[0], "history-limit")
	}
	return nil, usageErr("history-limit takes one number, but got %d words: %s", len(fa.pos), joinWords(fa.pos))
}

func historyLimit(s, what string) (Command, error) {
	n, ok := parseCount(s, maxHistoryLimit)
	if !ok {
		e := usageErr("%s takes a number of tasks from 0 to %d, not %s", what, maxHistoryLimit, quoteWord(s))
		if strings.HasPrefix(s, "-") {
			e.Problem += " (a negative limit, which keeps every task forever, is not offered)"
		}
		return nil, e
	}
	return HistoryLimit{Limit: int(n)}, nil
}

// swarmUpdateSpec is docker's swarm update, which swarmbot runs for the task history limit only.
var swarmUpdateSpec = &spec{
	verb:     VerbHistoryLimit,
	synopsis: []string{"swarm update --task-history-limit N"},
	flags:    []flagDef{{name: "task-history-limit", arg: "N", usage: "tasks swarm keeps per slot, the current one included (0 to 100)"}},
	examples: []string{"swarm update --task-history-limit 3", "history-limit 3"},
	parse:    parseSwarmUpdate,
}

func parseSwarmUpdate(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	if len(fa.pos) > 0 {
		return nil, usageErr("swarm update takes no arguments, but got %s", joinWords(fa.pos))
	}
	if len(fa.flags) == 0 {
		return nil, usageErr("swarmbot changes only the task history limit: give --task-history-limit N")
	}
	return historyLimit(fa.flags[0].value, "--task-history-limit")
}

func (HistoryLimit) Verb() Verb       { return VerbHistoryLimit }
func (HistoryLimit) Kind() Kind       { return Change }
func (HistoryLimit) Subject() Subject { return Subject{Kind: SubjectSwarm} }
func (c HistoryLimit) String() string {
	return newLine(VerbHistoryLimit).word(strconv.Itoa(c.Limit)).String()
}

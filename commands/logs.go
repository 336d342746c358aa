package commands

import (
	"strconv"
	"time"
)

// Logs shows a service's recent log lines, like docker service logs.
type Logs struct {
	Service string
	// Tail is how many lines to show from the end; 0 leaves it to the bot.
	Tail int
	// Since keeps only lines from the last Since; 0 means no limit.
	Since time.Duration
}

var logsSpec = &spec{
	verb:     VerbLogs,
	kind:     Read,
	section:  sectionLook,
	synopsis: []string{"logs SERVICE [--tail N] [--since D]"},
	summary:  "a service's recent log lines",
	about:    "Shows the last lines a service's tasks wrote, each with its task (ping.1.abc123@dev01), as docker service logs does. It shows them once; it does not follow.",
	flags: []flagDef{
		{name: "tail", short: "n", arg: "N", usage: "show the last N lines (1 to 1000)"},
		{name: "since", arg: "D", usage: "only lines from the last D, e.g. 10m or 2h"},
		{name: "follow", short: "f", refused: "swarmbot shows logs once; give --tail N or --since D instead"},
		{name: "timestamps", short: "t", refused: "swarmbot shows log lines as the service wrote them"},
	},
	docker:   []string{"service logs SERVICE"},
	examples: []string{"logs ping", "logs ping --tail 20 --since 10m"},
	parse:    parseLogs,
}

func parseLogs(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	var c Logs
	for _, f := range fa.flags {
		switch f.def.name {
		case "tail":
			n, ok := parseCount(f.value, maxLogTail)
			if !ok || n == 0 {
				return nil, usageErr("--tail takes a number of lines from 1 to %d, not %s", maxLogTail, quoteWord(f.value))
			}
			c.Tail = int(n)
		case "since":
			if c.Since, err = parseDuration(f.value, "since"); err != nil {
				return nil, err
			}
			if c.Since == 0 {
				return nil, usageErr("--since takes how far back to look, such as 10m or 2h; leave it out for all lines")
			}
		}
	}
	if c.Service, err = oneService(fa, s.verb); err != nil {
		return nil, err
	}
	return c, nil
}

func (Logs) Verb() Verb         { return VerbLogs }
func (Logs) Kind() Kind         { return Read }
func (c Logs) Subject() Subject { return services(c.Service) }
func (c Logs) String() string {
	l := newLine(VerbLogs).word(c.Service)
	if c.Tail > 0 {
		l.flag("tail", strconv.Itoa(c.Tail))
	}
	if c.Since > 0 {
		l.flag("since", formatDuration(c.Since))
	}
	return l.String()
}

package commands

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// flagDef is one flag a verb takes, in docker's spelling.
type flagDef struct {
	name   string // long name, without dashes
	short  string // one letter, or ""
	arg    string // placeholder for the value; "" for a flag that takes none
	usage  string
	repeat bool // may be given more than once
	hidden bool // accepted so pasted docker commands work, but does nothing and is not listed
	// refused, when set, says why swarmbot does not offer this docker flag here.
	refused string
}

// flagVal is one flag as given.
type flagVal struct {
	def   *flagDef
	value string
}

// flagArgs is an argument list split into flags and positional words.
type flagArgs struct {
	flags    []flagVal
	pos      []string
	dashdash bool // "--" ended the flags
}

// errHelp is returned by parseFlags for -h or --help: the user wants the usage.
var errHelp = errors.New("help requested")

// unoffered lists docker flags swarmbot knows but does not offer, with why, so
// they get an answer instead of a guess at a typo.
var unoffered = map[string]string{
	"format":             "swarmbot lays out its own replies",
	"with-registry-auth": "swarmbot holds no registry credentials; the nodes pull with their own",
	"publish":            "swarmbot does not publish ports; run docker service create/update yourself for that",
	"network":            "swarmbot does not attach networks; run docker service create/update yourself for that",
	"mount":              "swarmbot does not mount volumes; run docker service create/update yourself for that",
	"secret":             "swarmbot does not handle secrets; run docker service create/update yourself for that",
	"label":              "swarmbot does not set labels; run docker yourself for that",
	"label-add":          "swarmbot does not set labels; run docker yourself for that",
	"label-rm":           "swarmbot does not set labels; run docker yourself for that",
	"constraint":         "swarmbot does not set placement constraints; run docker yourself for that",
	"role":               "swarmbot changes only a node's availability; run docker node promote/demote yourself",
	"env-file":           "swarmbot cannot read files; give each variable with --env KEY=VALUE",
	"no-resolve":         "swarmbot always shows names",
}

// unofferedShort maps docker's one-letter flags that swarmbot does not offer
// anywhere to their long names in unoffered.
var unofferedShort = map[string]string{"p": "publish", "l": "label"}

// parseFlags splits args into flags (checked against defs) and positional words.
// With stopAtWord, everything from the first positional word on is positional,
// as docker does for create's IMAGE [ARG…]. "--" ends the flags; a word such as
// -1 is positional, so "scale ping -1" gets a replica-count error.
func parseFlags(defs []flagDef, args []string, stopAtWord bool) (flagArgs, error) {
	var fa flagArgs
	var seen uint64 // bit i: defs[i] was given
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			fa.dashdash = true
			fa.pos = append(fa.pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || isNumberish(a) {
			if stopAtWord {
				fa.pos = append(fa.pos, args[i:]...)
				break
			}
			fa.pos = append(fa.pos, a)
			continue
		}
		var name, value string
		var hasValue, long bool
		if a[1] == '-' {
			long = true
			name, value, hasValue = strings.Cut(a[2:], "=")
		} else {
			_, size := utf8.DecodeRuneInString(a[1:])
			name = a[1 : 1+size]
			if len(a) > 1+size {
				value, hasValue = a[1+size:], true
			}
		}
		name = strings.ToLower(name)
		if name == "help" || name == "h" && !long {
			return fa, errHelp
		}
		d := lookupFlag(defs, name, long)
		if d < 0 {
			return fa, unknownFlag(defs, a, name, long)
		}
		def := &defs[d]
		if def.refused != "" {
			return fa, &UsageError{Problem: fmt.Sprintf("%s is not offered: %s", strings.SplitN(a, "=", 2)[0], def.refused)}
		}
		if def.arg == "" {
			if !long && hasValue {
				return fa, &UsageError{Problem: fmt.Sprintf("unknown flag %s: give one flag at a time (-%s -%s)", a, name, value)}
			}
			v := "true"
			if hasValue {
				switch strings.ToLower(value) {
				case "true", "1":
				case "false", "0":
					v = "false"
				default:
					return fa, &UsageError{Problem: fmt.Sprintf("--%s takes no value (or true or false), not %q", def.name, value)}
				}
			}
			value = v
		} else if !hasValue {
			if i+1 >= len(args) {
				return fa, &UsageError{Problem: fmt.Sprintf("--%s needs a value: --%s %s", def.name, def.name, def.arg)}
			}
			i++
			value = args[i]
		}
		if seen&(1<<d) != 0 && !def.repeat {
			return fa, &UsageError{Problem: fmt.Sprintf("--%s is given twice; give it once", def.name)}
		}
		seen |= 1 << d
		if def.hidden {
			continue
		}
		fa.flags = append(fa.flags, flagVal{def: def, value: value})
	}
	return fa, nil
}

func lookupFlag(defs []flagDef, name string, long bool) int {
	for i := range defs {
		if long && defs[i].name == name || !long && defs[i].short != "" && defs[i].short == name {
			return i
		}
	}
	return -1
}

func unknownFlag(defs []flagDef, given, name string, long bool) *UsageError {
	offered := name
	if !long {
		offered = unofferedShort[name]
	}
	if why, ok := unoffered[offered]; ok {
		return &UsageError{Problem: fmt.Sprintf("%s is not offered: %s", strings.SplitN(given, "=", 2)[0], why)}
	}
	e := &UsageError{Problem: fmt.Sprintf("unknown flag %s", strings.SplitN(given, "=", 2)[0])}
	names := make([]string, 0, len(defs))
	for _, d := range defs {
		if !d.hidden && d.refused == "" {
			names = append(names, d.name)
		}
	}
	if len(names) == 0 {
		e.Problem += ": this command takes no flags"
		return e
	}
	if !long {
		return e
	}
	if c := closest(name, names); c != "" {
		e.bad = strings.SplitN(given, "=", 2)[0]
		e.fix = "--" + c
		e.Suggestion = e.fix
	}
	return e
}

// isNumberish reports words like -1 or -0.5, which are values, not flags.
func isNumberish(a string) bool {
	return len(a) > 1 && a[0] == '-' && ('0' <= a[1] && a[1] <= '9' || a[1] == '.')
}

// hiddenDockerFlags are accepted on change verbs so pasted docker commands
// work; swarmbot always follows a change to its end in a thread.
var hiddenDockerFlags = []flagDef{
	{name: "detach", short: "d", hidden: true},
	{name: "quiet", short: "q", hidden: true},
}

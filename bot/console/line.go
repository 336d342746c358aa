package console

import (
	"fmt"
	"strings"
	"unicode"
)

// line is one line of input, read.
type line struct {
	// text is what to run or obey, without the comment and the spaces around.
	text string
	// directive marks the console's own lines (":user bob"), with their
	// name ("user") and argument.
	directive bool
	name, arg string
}

// readLine reads one line of input: '#' at the start of a word, outside
// quotes, starts a comment (so `--reason "incident #42"` keeps its '#');
// a line starting with ':' is a directive to the console.
func readLine(s string) line {
	text := strings.TrimSpace(stripComment(s))
	if !strings.HasPrefix(text, ":") {
		return line{text: text}
	}
	l := line{text: text, directive: true}
	if f := strings.Fields(text[1:]); len(f) > 0 {
		l.name, l.arg = strings.ToLower(f[0]), strings.Join(f[1:], " ")
	}
	return l
}

func stripComment(s string) string {
	var quote rune
	prevSpace := true
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '“':
			quote = '"'
			if r == '“' {
				quote = '”'
			}
		case r == '\'' && prevSpace: // an apostrophe inside a word quotes nothing
			quote = '\''
		case r == '#' && prevSpace:
			return s[:i]
		}
		prevSpace = unicode.IsSpace(r)
	}
	return s
}

// directiveHelp says which directives the console knows.
const directiveHelp = "the console knows :user NAME (act as someone else, e.g. to approve a request)"

// obey carries out a directive on the console's state; it returns the new
// user, or an error to show.
func obey(l line, user string) (string, error) {
	switch l.name {
	case "user":
		if l.arg == "" {
			return user, fmt.Errorf(":user needs a name, e.g. :user bob (you are %s)", user)
		}
		if err := checkUser(l.arg); err != nil {
			return user, fmt.Errorf(":user: %w", err)
		}
		return l.arg, nil
	case "":
		return user, fmt.Errorf("%q is not a console command: %s", l.text, directiveHelp)
	}
	return user, fmt.Errorf(":%s is not a console command: %s", l.name, directiveHelp)
}

package commands

import "strings"

// UsageError is what Parse returns for text it cannot turn into a command: what
// was wrong, what the user probably meant, and how to type the command. Its
// parts are plain text; a front end may show them in its own way (Error joins them).
type UsageError struct {
	// Verb is the command the text was for, or "" when no command was recognised.
	Verb Verb
	// Problem says what was wrong, e.g. `unknown flag --replica`.
	Problem string
	// Suggestion is what the user probably meant: a whole command starting
	// with "/swarm " when the corrected text parses, else a single word; "" for none.
	Suggestion string
	// Usage shows how to type the command, with examples to copy.
	Usage string

	// bad and fix are the word that was wrong and its likely correction, for a
	// whole-command suggestion.
	bad, fix string
}

func (e *UsageError) Error() string {
	var b strings.Builder
	b.WriteString(e.Problem)
	if e.Suggestion != "" {
		b.WriteString("\nDid you mean: ")
		b.WriteString(e.Suggestion)
	}
	if e.Usage != "" {
		b.WriteString("\n\n")
		b.WriteString(e.Usage)
	}
	return b.String()
}

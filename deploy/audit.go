package deploy

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// auditor writes every change, decision, refusal and force-unlock to the
// audit trail and to the structured log, with secrets taken out.
type auditor struct {
	log    AuditLog
	logger *slog.Logger
}

func (a auditor) record(ctx context.Context, e AuditEntry) {
	e.Command = redact(e.Command)
	e.Outcome = redact(e.Outcome)
	a.logger.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("action", e.Action),
		slog.String("actor", e.Actor.ID),
		slog.String("command", e.Command),
		slog.String("target", e.Target),
		slog.String("outcome", e.Outcome),
		slog.String("operation", e.OperationID),
		slog.String("approval", e.ApprovalID),
		slog.String("channel", e.Channel),
	)
	if err := a.log.Append(ctx, e); err != nil {
		// The log line above keeps the entry; the trail in Redis misses it.
		a.logger.LogAttrs(ctx, slog.LevelWarn, "audit trail not written", slog.String("error", redact(err.Error())))
	}
}

// Text renders an audit entry as one plain line.
func (e AuditEntry) Text() string {
	var b strings.Builder
	b.WriteString(e.Time.UTC().Format("2006-01-02 15:04:05"))
	b.WriteString("  " + e.Actor.String() + "  " + e.Action)
	if e.Command != "" {
		b.WriteString("  " + e.Command)
	}
	if e.Outcome != "" {
		b.WriteString(": " + e.Outcome)
	}
	if e.OperationID != "" {
		b.WriteString(" (operation " + e.OperationID + ")")
	} else if e.ApprovalID != "" {
		b.WriteString(" (request " + e.ApprovalID + ")")
	}
	return b.String()
}

var (
	slackToken = regexp.MustCompile(`\b(xox[a-z]|xapp)-[A-Za-z0-9-]+`)
	urlPass    = regexp.MustCompile(`(\b[a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@`)
	// secretVar is a NAME=value whose name says it holds a secret, wherever
	// it appears (an Engine error may quote a spec).
	secretVar = regexp.MustCompile(`\b([A-Z0-9_]*(?:PASS|SECRET|TOKEN|KEY|CRED|AUTH)[A-Z0-9_]*)=("[^"]*"|'[^']*'|[^\s"',;]+)`)
)

// redact takes secrets out of a text bound for a reply, the audit trail or a
// log: the values of environment variables in a command (--env K=V becomes
// --env K=…), any NAME=value whose name says secret (PASSWORD, TOKEN, KEY, …),
// Slack tokens, and passwords in URLs.
func redact(s string) string {
	s = redactEnv(s)
	s = secretVar.ReplaceAllString(s, "$1=…")
	s = slackToken.ReplaceAllString(s, "$1-…")
	return urlPass.ReplaceAllString(s, "$1:…@")
}

// redactEnv replaces the value in every --env/--env-add/-e K=V of a command
// line, quoted or not.
func redactEnv(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		flagEnd := envFlagAt(s, i)
		if flagEnd < 0 {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(s[i:flagEnd])
		i = flagEnd
		var quote byte
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			quote = s[i]
			b.WriteByte(quote)
			i++
		}
		eq := strings.IndexAny(s[i:], "= \t\"'")
		if eq < 0 || s[i+eq] != '=' {
			continue // no K=V here: nothing to hide
		}
		b.WriteString(s[i : i+eq+1])
		i += eq + 1
		for i < len(s) { // skip the value
			c := s[i]
			if (quote != 0 && c == quote) || (quote == 0 && (c == ' ' || c == '\t')) {
				break
			}
			if c == '\\' && i+1 < len(s) {
				i++
			}
			i++
		}
		b.WriteString("…")
	}
	return b.String()
}

// envFlagAt returns where the value of an env flag that starts at i begins,
// or -1 when none starts there.
func envFlagAt(s string, i int) int {
	if i > 0 && s[i-1] != ' ' && s[i-1] != '\t' {
		return -1
	}
	for _, f := range []string{"--env-add", "--env", "-e"} {
		if !strings.HasPrefix(s[i:], f) {
			continue
		}
		j := i + len(f)
		if j < len(s) && s[j] == '=' {
			return j + 1
		}
		k := j
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		if k > j && k < len(s) {
			return k
		}
	}
	return -1
}

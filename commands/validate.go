package commands

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/distribution/reference"
)

// Limits on free text and numbers, beyond the configurable replica maximum.
const (
	maxReasonLen    = 300  // characters in a --reason
	maxLogTail      = 1000 // lines logs --tail shows
	maxHistoryLimit = 100  // tasks per slot history-limit accepts
	maxLockFor      = 7 * 24 * time.Hour
	maxServiceName  = 63  // swarmkit: a DNS label
	maxNodeName     = 253 // a host name
	maxApprovalID   = 64
	maxArgLen       = 1000 // bytes in one container argument or env entry
)

// checkServiceName applies swarmkit's rule for service names: letters, digits,
// "-" and "_", starting and ending with a letter or digit, at most 63 long.
// A service ID passes too, so every name docker accepts is accepted.
func checkServiceName(name string) error {
	if name == "" {
		return usageErr("give a service name")
	}
	if !isLabel(name, "-_") || len(name) > maxServiceName {
		return usageErr("%s is not a service name: use letters, digits, - and _, starting and ending with a letter or digit, at most %d long", quoteWord(name), maxServiceName)
	}
	return nil
}

// checkNodeName accepts a node's host name or ID: letters, digits, ".", "-"
// and "_", starting and ending with a letter or digit.
func checkNodeName(name string) error {
	if name == "" {
		return usageErr("give a node name")
	}
	if !isLabel(name, "-_.") || len(name) > maxNodeName {
		return usageErr("%s is not a node name: give its host name (as /swarm nodes shows it) or its ID", quoteWord(name))
	}
	return nil
}

// isLabel reports whether s is ASCII letters, digits and the given extra
// characters, starting and ending with a letter or digit.
func isLabel(s, extra string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !isAlnum(s[i]) && strings.IndexByte(extra, s[i]) < 0 {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// checkImage checks an image reference against the distribution reference
// grammar docker uses: [registry[:port]/]name[:tag][@digest], lower-case name.
func checkImage(image string) error {
	if image == "" {
		return usageErr("give an image, e.g. alpine:3.7")
	}
	if _, err := reference.ParseNormalizedNamed(image); err != nil {
		why := err.Error()
		switch {
		case strings.Contains(why, "must be lowercase"):
			why = "the repository name must be lower-case"
		case strings.Contains(why, "invalid reference format"):
			why = "an image is [REGISTRY/]NAME[:TAG][@DIGEST], e.g. alpine:3.7 or registry.example.com/app:1"
		}
		return usageErr("%s is not an image reference: %s", quoteWord(image), why)
	}
	return nil
}

// parseCount reads a whole number from 0 to limit, as typed (digits only).
func parseCount(s string, limit uint64) (uint64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit {
		return 0, false
	}
	return n, true
}

func parseReplicas(s string, o options, what string) (uint64, error) {
	n, ok := parseCount(s, o.maxReplicas)
	if !ok {
		return 0, usageErr("%s is not a replica count%s: give a whole number from 0 to %d", quoteWord(s), what, o.maxReplicas)
	}
	return n, nil
}

// parseDuration reads a Go duration such as 10s, 1m30s or 500ms; 0 is allowed.
func parseDuration(s, flag string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usageErr("--%s takes a duration such as 10s, 1m30s or 500ms, not %s", flag, quoteWord(s))
	}
	return d, nil
}

// formatDuration writes d so that time.ParseDuration reads it back, without
// the zero units Duration.String adds ("2h", not "2h0m0s").
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// parseRatio reads a failure ratio from 0 to 1, as docker's --*-max-failure-ratio.
func parseRatio(s, flag string) (float32, error) {
	f, err := strconv.ParseFloat(s, 32)
	if err != nil || !(f >= 0 && f <= 1) || math.IsNaN(f) {
		return 0, usageErr("--%s takes a fraction from 0 to 1, such as 0.2, not %s", flag, quoteWord(s))
	}
	if f == 0 {
		f = 0 // no -0
	}
	return float32(f), nil
}

func formatRatio(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }

// parseEnum reads one of the allowed values, ignoring case.
func parseEnum(s, flag string, allowed ...string) (string, error) {
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a, nil
		}
	}
	return "", usageErr("--%s takes %s, not %s", flag, orList(allowed), quoteWord(s))
}

// orList writes "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// checkEnv checks a KEY=VALUE environment entry. Unlike docker, a bare KEY is
// refused: docker would copy the value from its own environment, and swarmbot's
// environment holds its tokens.
func checkEnv(kv, flag string) error {
	key, _, ok := strings.Cut(kv, "=")
	switch {
	case !ok:
		return usageErr("--%s takes KEY=VALUE, not %s (swarmbot never copies a value from its own environment)", flag, quoteWord(kv))
	case key == "" || strings.ContainsAny(key, " \t"):
		return usageErr("--%s takes KEY=VALUE with a KEY that has no spaces, not %s", flag, quoteWord(kv))
	case len(kv) > maxArgLen:
		return usageErr("--%s %s is longer than %d bytes", flag, shorten(kv, 20), maxArgLen)
	}
	return nil
}

// checkEnvKey checks the KEY given to --env-rm.
func checkEnvKey(key string) error {
	if key == "" || strings.ContainsAny(key, "= \t") || len(key) > maxArgLen {
		return usageErr("--env-rm takes the name of a variable, not %s", quoteWord(key))
	}
	return nil
}

// checkReason checks the free text of --reason.
func checkReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return usageErr("--reason needs some text; put it in quotes: --reason \"incident 123\"")
	}
	if n := utf8.RuneCountInString(reason); n > maxReasonLen {
		return usageErr("the reason is %d characters long; keep it to %d", n, maxReasonLen)
	}
	return nil
}

// checkApprovalID checks the ID of an approval request as its card shows it.
func checkApprovalID(id string) error {
	if id == "" || len(id) > maxApprovalID || !isLabel(id, "-_") {
		return usageErr("%s is not a request ID: copy the ID from the request's card", quoteWord(id))
	}
	return nil
}

func checkArg(a string) error {
	if len(a) > maxArgLen {
		return usageErr("an argument is longer than %d bytes", maxArgLen)
	}
	return nil
}

// shorten cuts s to n characters, marking the cut with "…".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

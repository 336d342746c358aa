package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/swarmbot/swarmbot/internal/config"
)

// TestNewLogger: SWARMBOT_LOG_FORMAT and SWARMBOT_LOG_LEVEL win; auto means
// the front end's own choice (the console: text, warn; serve: json, info).
func TestNewLogger(t *testing.T) {
	for _, tc := range []struct {
		name            string
		format, level   string // configured
		oFormat, oLevel string // the front end's auto
		json            bool
		info, warn      bool // which levels get through
	}{
		{"console defaults", "auto", "auto", "text", "warn", false, false, true},
		{"serve defaults", "auto", "auto", "json", "info", true, true, true},
		{"nothing said", "auto", "auto", "", "", true, true, true},
		{"configured", "text", "info", "json", "warn", false, true, true},
		{"quiet", "json", "error", "text", "info", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			log, err := newLogger(config.Config{LogFormat: tc.format, LogLevel: tc.level},
				wireOptions{LogOutput: &out, LogFormat: tc.oFormat, LogLevel: tc.oLevel})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if got := log.Enabled(ctx, slog.LevelInfo); got != tc.info {
				t.Errorf("info enabled %v, want %v", got, tc.info)
			}
			if got := log.Enabled(ctx, slog.LevelWarn); got != tc.warn {
				t.Errorf("warn enabled %v, want %v", got, tc.warn)
			}
			log.Error("x")
			if got := strings.HasPrefix(out.String(), "{"); got != tc.json {
				t.Errorf("json %v, want %v: %q", got, tc.json, out.String())
			}
		})
	}
	if _, err := newLogger(config.Config{LogLevel: "loud"}, wireOptions{LogOutput: &bytes.Buffer{}}); err == nil ||
		!strings.Contains(err.Error(), "SWARMBOT_LOG_LEVEL") {
		t.Errorf("a bad level: %v", err)
	}
}

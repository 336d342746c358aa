package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSubcommands(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"version"}, 0, "swarmbot dev", ""},
		{[]string{"config"}, 0, "SWARMBOT_SLACK_BOT_TOKEN", ""},
		{[]string{"config", "--markdown"}, 0, "| `SWARMBOT_REDIS_URL` |", ""},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{nil, 2, "", "Usage:"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(t.Context(), tc.args, strings.NewReader(""), &out, &errb)
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
				t.Errorf("run(%q) = %d, stdout %q, stderr %q", tc.args, code, out.String(), errb.String())
			}
		})
	}
}

func TestConfigRefusesBadSettings(t *testing.T) {
	t.Setenv("SWARMBOT_MAX_REPLICAS", "-3")
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"config"}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "SWARMBOT_MAX_REPLICAS") {
		t.Errorf("code %d, stderr %q", code, errb.String())
	}
}

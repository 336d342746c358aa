package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAPIURL != "https://slack.com/api/" || c.HTTPAddr != ":8080" || c.MaxReplicas != 1000 ||
		c.ApprovalTTL != 15*time.Minute || c.LockTTL != 30*time.Second || c.Cluster != "default" ||
		c.LogFormat != "auto" || c.LogLevel != "auto" {
		t.Errorf("defaults = %+v", c)
	}
	if want := []string{"drain", "rollback", "rm", "history-limit"}; fmt.Sprint(c.ApprovalRequired) != fmt.Sprint(want) {
		t.Errorf("ApprovalRequired = %v, want %v", c.ApprovalRequired, want)
	}
}

func TestLoadReadsEnvironment(t *testing.T) {
	t.Setenv("SWARMBOT_APPROVERS", "U1,S2")
	t.Setenv("SWARMBOT_MAX_REPLICAS", "50")
	t.Setenv("SWARMBOT_SLACK_API_URL", "http://127.0.0.1:9/api/")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Approvers) != "[U1 S2]" || c.MaxReplicas != 50 || c.SlackAPIURL != "http://127.0.0.1:9/api/" {
		t.Errorf("got %+v", c)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	for _, tc := range []struct{ env, val, want string }{
		{"SWARMBOT_SLACK_API_URL", "http://x/api", "must end with /"},
		{"SWARMBOT_MAX_REPLICAS", "0", "at least 1"},
		{"SWARMBOT_MAX_REPLICAS", "many", "MAX_REPLICAS"},
		{"SWARMBOT_REDIS_URL", "localhost:6379", "redis://"},
		{"SWARMBOT_LOG_FORMAT", "xml", "json, text or auto"},
		{"SWARMBOT_LOG_LEVEL", "loud", "debug, info, warn, error or auto"},
		{"SWARMBOT_APPROVAL_TTL", "soon", "APPROVAL_TTL"},
	} {
		t.Run(tc.env+"="+tc.val, func(t *testing.T) {
			t.Setenv(tc.env, tc.val)
			_, err := Load()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bot")
	if err := os.WriteFile(path, []byte("xoxb-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWARMBOT_SLACK_BOT_TOKEN_FILE", path)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackBotToken.Value() != "xoxb-from-file" {
		t.Errorf("token = %q", c.SlackBotToken.Value())
	}

	t.Setenv("SWARMBOT_SLACK_BOT_TOKEN", "xoxb-env")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("both set: err = %v", err)
	}
	os.Unsetenv("SWARMBOT_SLACK_BOT_TOKEN")
	t.Setenv("SWARMBOT_SLACK_BOT_TOKEN_FILE", filepath.Join(dir, "missing"))
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "SWARMBOT_SLACK_BOT_TOKEN_FILE") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestPrintNeverShowsSecrets(t *testing.T) {
	t.Setenv("SWARMBOT_SLACK_BOT_TOKEN", "xoxb-very-secret")
	t.Setenv("SWARMBOT_REDIS_URL", "redis://:hunter2@redis:6379/0")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.Print(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"xoxb-very-secret", "hunter2"} {
		if strings.Contains(out, secret) {
			t.Errorf("config output shows %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{`SWARMBOT_SLACK_BOT_TOKEN\s+set\s`, `SWARMBOT_SLACK_APP_TOKEN\s+unset\s`, `redis://:xxxxx@redis:6379/0`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	for _, s := range []string{fmt.Sprint(c.SlackBotToken), fmt.Sprintf("%v %+v %#v %s", c, c, c.SlackBotToken, c.SlackBotToken)} {
		if strings.Contains(s, "xoxb-very-secret") {
			t.Errorf("formatting shows the secret: %s", s)
		}
	}
}

// TestReadmeTableIsCurrent keeps README's configuration table equal to the
// settings swarmbot reads.
func TestReadmeTableIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	const start, end = "<!-- config-table -->\n", "<!-- /config-table -->"
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", start, end)
	}
	if got, want := readme[i+len(start):j], MarkdownTable(); got != want {
		t.Errorf("README's configuration table is out of date; replace it with the output of `swarmbot config --markdown`:\n%s", want)
	}
}

// Package config reads swarmbot's configuration from SWARMBOT_* environment
// variables (through envconfig) and describes it for `swarmbot config` and README.
//
// The Engine connection is not configured here: it comes from the standard
// DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as for the docker CLI.
package config

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Prefix is the prefix of every environment variable swarmbot reads.
const Prefix = "SWARMBOT"

// Config is swarmbot's whole configuration. Each field's desc tag is the text
// shown by `swarmbot config` and in README's configuration table.
type Config struct {
	SlackBotToken Secret `envconfig:"SLACK_BOT_TOKEN" desc:"Slack bot token (xoxb-…); SWARMBOT_SLACK_BOT_TOKEN_FILE reads it from a file"`
	SlackAppToken Secret `envconfig:"SLACK_APP_TOKEN" desc:"Slack app-level token for socket mode (xapp-…); SWARMBOT_SLACK_APP_TOKEN_FILE reads it from a file"`
	SlackAPIURL   string `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL, ending in /; tests point it at the local fake Slack"`

	RedisURL Secret `envconfig:"REDIS_URL" desc:"Redis URL (redis://[:password@]host:port/db) for locks, approvals, operations and audit; empty: in-process stores, one instance only; SWARMBOT_REDIS_URL_FILE reads it from a file"`
	HTTPAddr string `envconfig:"HTTP_ADDR" default:":8080" desc:"address of the HTTP server for /healthz, /readyz and /metrics; empty turns it off"`
	Cluster  string `envconfig:"CLUSTER" default:"default" desc:"name of the swarm, part of every Redis key, so several swarms can share one Redis"`

	Operators []string `envconfig:"OPERATORS" desc:"Slack user IDs (U…) and user-group IDs (S…) who may run changes; empty: everyone"`
	Approvers []string `envconfig:"APPROVERS" desc:"Slack user IDs and user-group IDs who may approve requests; empty: anyone but the requester"`
	Admins    []string `envconfig:"ADMINS" desc:"Slack user IDs and user-group IDs who may force-unlock; empty: nobody"`
	Channels  []string `envconfig:"CHANNELS" desc:"Slack channel IDs where the bot takes commands; empty: every channel it is in"`

	ApprovalRequired []string      `envconfig:"APPROVAL_REQUIRED" default:"drain,rollback,rm,history-limit" desc:"verbs that wait for a second person's approval"`
	SelfApproval     bool          `envconfig:"SELF_APPROVAL" default:"false" desc:"whether a requester may approve their own request"`
	ApprovalTTL      time.Duration `envconfig:"APPROVAL_TTL" default:"15m" desc:"how long an approval request stays open"`
	MaxReplicas      int           `envconfig:"MAX_REPLICAS" default:"1000" desc:"the largest replica count scale and create accept"`

	LockTTL          time.Duration `envconfig:"LOCK_TTL" default:"30s" desc:"lease of a service lock; renewed every third of it while the change runs"`
	StuckAfter       time.Duration `envconfig:"STUCK_AFTER" default:"2m" desc:"report a change as stuck when nothing has moved for this long"`
	OperationTimeout time.Duration `envconfig:"OPERATION_TIMEOUT" default:"30m" desc:"stop following a change after this long and report it timed out"`

	ShutdownGrace time.Duration `envconfig:"SHUTDOWN_GRACE" default:"20s" desc:"on SIGTERM, how long serve lets changes in flight finish before handing them to another replica; keep it under the container's stop grace period"`

	LogFormat string `envconfig:"LOG_FORMAT" default:"auto" desc:"log format: json, text, or auto (json for serve, text for console)"`
	LogLevel  string `envconfig:"LOG_LEVEL" default:"auto" desc:"log level: debug, info, warn, error, or auto (info for serve; warn for console, whose audit trail is /swarm audit)"`
}

// Load reads the configuration from the environment. For every secret setting
// X, X_FILE names a file to read it from (Docker secrets); setting both is an error.
func Load() (Config, error) {
	var c Config
	if err := envconfig.Process(Prefix, &c); err != nil {
		return Config{}, fmt.Errorf("reading configuration: %w", err)
	}
	for _, f := range Fields() {
		if !f.Secret {
			continue
		}
		path, ok := os.LookupEnv(f.Env + "_FILE")
		if !ok || path == "" {
			continue
		}
		if _, both := os.LookupEnv(f.Env); both {
			return Config{}, fmt.Errorf("reading configuration: set %s or %s_FILE, not both", f.Env, f.Env)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("reading configuration: %s_FILE: %w", f.Env, err)
		}
		reflect.ValueOf(&c).Elem().FieldByName(f.Name).Set(reflect.ValueOf(Secret(strings.TrimSpace(string(b)))))
	}
	if err := c.validate(); err != nil {
		return Config{}, fmt.Errorf("reading configuration: %w", err)
	}
	return c, nil
}

func (c Config) validate() error {
	if c.SlackAPIURL != "" && !strings.HasSuffix(c.SlackAPIURL, "/") {
		return fmt.Errorf("SWARMBOT_SLACK_API_URL must end with /, got %q", c.SlackAPIURL)
	}
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL.Value())
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			return fmt.Errorf("SWARMBOT_REDIS_URL must look like redis://host:6379/0")
		}
	}
	if c.MaxReplicas < 1 {
		return fmt.Errorf("SWARMBOT_MAX_REPLICAS must be at least 1, got %d", c.MaxReplicas)
	}
	if c.ShutdownGrace < time.Second {
		return fmt.Errorf("SWARMBOT_SHUTDOWN_GRACE must be at least 1s, got %s", c.ShutdownGrace)
	}
	if c.LockTTL < time.Second {
		return fmt.Errorf("SWARMBOT_LOCK_TTL must be at least 1s, got %s", c.LockTTL)
	}
	switch c.LogFormat {
	case "auto", "json", "text":
	default:
		return fmt.Errorf("SWARMBOT_LOG_FORMAT must be json, text or auto, got %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "auto", "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("SWARMBOT_LOG_LEVEL must be debug, info, warn, error or auto, got %q", c.LogLevel)
	}
	return nil
}

// Field describes one setting.
type Field struct {
	Name    string // Go field name
	Env     string // environment variable
	Default string
	Desc    string
	Secret  bool
}

// Fields lists every setting in declaration order.
func Fields() []Field {
	t := reflect.TypeFor[Config]()
	out := make([]Field, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		out = append(out, Field{
			Name:    f.Name,
			Env:     Prefix + "_" + f.Tag.Get("envconfig"),
			Default: f.Tag.Get("default"),
			Desc:    f.Tag.Get("desc"),
			Secret:  f.Type == reflect.TypeFor[Secret](),
		})
	}
	return out
}

// Print writes every setting with its current value; secrets show only whether
// they are set.
func (c Config) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tMEANING")
	v := reflect.ValueOf(c)
	for _, f := range Fields() {
		val := v.FieldByName(f.Name).Interface()
		var shown string
		switch x := val.(type) {
		case Secret:
			shown = x.String()
			if u, err := url.Parse(x.Value()); err == nil && u.Host != "" {
				shown = u.Redacted() // the address helps; the password never shows
			}
		case []string:
			shown = strings.Join(x, ",")
		default:
			shown = fmt.Sprint(x)
		}
		if shown == "" {
			shown = "(empty)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Env, shown, f.Desc)
	}
	return tw.Flush()
}

// Secret is a setting that must never be shown: it prints as "set" or "unset".
type Secret string

// Decode implements envconfig.Decoder.
func (s *Secret) Decode(v string) error { *s = Secret(v); return nil }

// Value returns the secret itself, for the one place that needs it.
func (s Secret) Value() string { return string(s) }

// String says whether the secret is set, never what it is.
func (s Secret) String() string {
	if s == "" {
		return "unset"
	}
	return "set"
}

// GoString keeps %#v from printing the secret.
func (s Secret) GoString() string { return s.String() }

// MarshalText keeps encoders (JSON, slog) from printing the secret.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarkdownTable renders the settings as README's configuration table.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Meaning |\n|---|---|---|\n")
	for _, f := range Fields() {
		def := "(empty)"
		if f.Default != "" {
			def = "`" + f.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", f.Env, def, strings.ReplaceAll(f.Desc, "|", "\\|"))
	}
	return b.String()
}

package main

import (
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/swarmbot/swarmbot/internal/config"
	"github.com/swarmbot/swarmbot/internal/testenv"
)

// stackFile is the part of a compose file for docker stack deploy that
// swarmbot depends on.
type stackFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Secrets     []string          `yaml:"secrets"`
		Volumes     []mount           `yaml:"volumes"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		StopGracePeriod string `yaml:"stop_grace_period"`
		Deploy          struct {
			Placement struct {
				Constraints []string `yaml:"constraints"`
			} `yaml:"placement"`
			RestartPolicy struct {
				Condition string `yaml:"condition"`
			} `yaml:"restart_policy"`
			UpdateConfig struct {
				Order string `yaml:"order"`
			} `yaml:"update_config"`
		} `yaml:"deploy"`
	} `yaml:"services"`
	Secrets map[string]struct {
		External bool `yaml:"external"`
	} `yaml:"secrets"`
}

// mount is a volume in the long syntax.
type mount struct {
	Type   string `yaml:"type"`
	Source string `yaml:"source"`
	Target string `yaml:"target"`
}

// TestStackFile holds deployments/stack.yml to what serve needs: only
// settings swarmbot knows, tokens only from Docker secrets, the manager's
// socket, its own healthcheck, a stop grace period longer than its shutdown
// grace, and a Redis that never evicts and keeps its data.
func TestStackFile(t *testing.T) {
	raw, err := os.ReadFile("../../deployments/stack.yml")
	if err != nil {
		t.Fatal(err)
	}
	var st stackFile
	if err := yaml.Unmarshal(raw, &st); err != nil {
		t.Fatalf("deployments/stack.yml: %v", err)
	}
	bot, ok := st.Services["bot"]
	if !ok {
		t.Fatalf("deployments/stack.yml has no service bot: %v", st.Services)
	}

	known := map[string]config.Field{}
	for _, f := range config.Fields() {
		known[f.Env] = f
		if f.Secret {
			known[f.Env+"_FILE"] = f
		}
	}
	for name, value := range bot.Environment {
		f, ok := known[name]
		switch {
		case !ok:
			t.Errorf("bot sets %s, which swarmbot does not read", name)
		case f.Secret && !strings.HasSuffix(name, "_FILE") && strings.Contains(name, "TOKEN"):
			t.Errorf("bot sets %s in the stack file: a token comes from a Docker secret, through %s_FILE", name, name)
		case strings.HasSuffix(name, "_FILE"):
			secret, found := strings.CutPrefix(value, "/run/secrets/")
			if !found || !slices.Contains(bot.Secrets, secret) {
				t.Errorf("bot: %s=%s is not one of its secrets %v under /run/secrets", name, value, bot.Secrets)
			}
			if _, declared := st.Secrets[secret]; !declared {
				t.Errorf("the secret %s is not declared at the top of the stack file", secret)
			}
		}
	}
	for _, name := range []string{"SWARMBOT_SLACK_BOT_TOKEN_FILE", "SWARMBOT_SLACK_APP_TOKEN_FILE", "SWARMBOT_REDIS_URL", "SWARMBOT_HTTP_ADDR"} {
		if bot.Environment[name] == "" {
			t.Errorf("bot does not set %s", name)
		}
	}
	if u, err := url.Parse(bot.Environment["SWARMBOT_REDIS_URL"]); err != nil || u.Hostname() == "" {
		t.Errorf("bot: SWARMBOT_REDIS_URL=%q", bot.Environment["SWARMBOT_REDIS_URL"])
	} else if _, ok := st.Services[u.Hostname()]; !ok {
		t.Errorf("bot: SWARMBOT_REDIS_URL names %s, which is not a service of the stack", u.Hostname())
	}

	if !slices.Contains(bot.Volumes, mount{Type: "bind", Source: "/var/run/docker.sock", Target: "/var/run/docker.sock"}) {
		t.Errorf("bot does not mount the Engine socket: %+v", bot.Volumes)
	}
	if !slices.Contains(bot.Deploy.Placement.Constraints, "node.role == manager") {
		t.Errorf("bot is not placed on managers: %v", bot.Deploy.Placement.Constraints)
	}
	if want := []string{"CMD", "/swarmbot", "healthcheck"}; !slices.Equal(bot.Healthcheck.Test, want) {
		t.Errorf("bot's healthcheck runs %q, want %q", bot.Healthcheck.Test, want)
	}
	if bot.Deploy.RestartPolicy.Condition == "" {
		t.Errorf("bot has no restart policy")
	}
	if bot.Deploy.UpdateConfig.Order != "start-first" {
		t.Errorf("bot's updates are %q: start-first lets the old bot hand its changes to the new one", bot.Deploy.UpdateConfig.Order)
	}
	stop, err := time.ParseDuration(bot.StopGracePeriod)
	if err != nil {
		t.Errorf("bot's stop_grace_period %q: %v", bot.StopGracePeriod, err)
	}
	grace := 20 * time.Second // SWARMBOT_SHUTDOWN_GRACE's default
	if g, ok := bot.Environment["SWARMBOT_SHUTDOWN_GRACE"]; ok {
		if grace, err = time.ParseDuration(g); err != nil {
			t.Errorf("bot's SWARMBOT_SHUTDOWN_GRACE %q: %v", g, err)
		}
	}
	if stop < grace+5*time.Second {
		t.Errorf("bot's stop_grace_period %s leaves too little past SWARMBOT_SHUTDOWN_GRACE %s: SIGKILL would cut the handover", stop, grace)
	}

	redis := st.Services["redis"]
	cmd := strings.Join(redis.Command, " ")
	for _, want := range []string{"--maxmemory-policy noeviction", "--appendonly yes"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("redis runs %q, without %s", cmd, want)
		}
	}
	if len(redis.Volumes) == 0 {
		t.Errorf("redis keeps its data in no volume")
	}
	for name, s := range st.Secrets {
		if !s.External {
			t.Errorf("the secret %s is not external: README has people create it with docker secret create", name)
		}
	}
}

// TestStackFileLoadsInTheDockerCLI has the docker CLI read the stack file as
// docker stack deploy would (docker stack config: interpolation, the compose
// schema), without a daemon: what the YAML check above cannot see.
func TestStackFileLoadsInTheDockerCLI(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		if testenv.CI() {
			t.Fatalf("no docker CLI: %v; CI=true, so this is a failure, not a skip", err)
		}
		t.Skipf("no docker CLI to read the stack file with: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), docker, "stack", "config", "-c", "../../deployments/stack.yml")
	// No daemon is asked; point DOCKER_HOST nowhere so that none could be.
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock", "DOCKER_CONTEXT=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docker stack config refuses deployments/stack.yml: %v\n%s", err, out)
	}
	var st struct {
		Services map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(out, &st); err != nil {
		t.Fatalf("docker stack config printed what is not YAML: %v\n%s", err, out)
	}
	for _, name := range []string{"bot", "redis"} {
		if _, ok := st.Services[name]; !ok {
			t.Errorf("docker stack config shows no %s service:\n%s", name, out)
		}
	}
}

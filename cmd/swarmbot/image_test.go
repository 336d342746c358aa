package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/fakeslack"
	"github.com/swarmbot/swarmbot/internal/testenv"
)

// dockerCLI runs the docker CLI against the private swarm's manager only:
// the machine's own daemon, contexts and client configuration stay out.
type dockerCLI struct {
	t    *testing.T
	env  []string
	path string
}

func newDockerCLI(t *testing.T, managerHost string) *dockerCLI {
	t.Helper()
	path, err := exec.LookPath("docker")
	if err != nil {
		if testenv.CI() {
			t.Fatalf("no docker CLI (%v); CI=true, so this is a failure, not a skip", err)
		}
		t.Skipf("no docker CLI: %v", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKER_") {
			env = append(env, kv)
		}
	}
	env = append(env, "DOCKER_HOST="+managerHost, "DOCKER_CONFIG="+t.TempDir(), "DOCKER_BUILDKIT=0")
	return &dockerCLI{t: t, env: env, path: path}
}

// run runs docker with args (or, when args[0] is a path, that program with
// the same environment) and returns its standard output.
func (d *dockerCLI) run(ctx context.Context, stdin string, args ...string) (string, error) {
	name := d.path
	if strings.Contains(args[0], "/") {
		name, args = args[0], args[1:]
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = d.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), &cliError{args: args, err: err, stderr: errb.String()}
	}
	return out.String(), nil
}

// must is run, failing the test on an error.
func (d *dockerCLI) must(ctx context.Context, stdin string, args ...string) string {
	d.t.Helper()
	out, err := d.run(ctx, stdin, args...)
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// serviceLogs is what a service's tasks wrote, stdout and stderr (serve
// logs to stderr, which docker service logs passes on as its own).
func (d *dockerCLI) serviceLogs(ctx context.Context, name string) string {
	cmd := exec.CommandContext(ctx, d.path, "service", "logs", "--raw", name)
	cmd.Env = d.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out) + "\n(" + err.Error() + ")"
	}
	return string(out)
}

type cliError struct {
	args   []string
	err    error
	stderr string
}

func (e *cliError) Error() string {
	return strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + strings.TrimSpace(e.stderr)
}

// TestImageServesOnTheSwarm is the image as a team runs it: scripts/image
// builds it on the manager (the legacy builder, no registry), and it runs as
// a service there with the manager's socket mounted, tokens from Docker
// secrets, on the host network (to reach the fake Slack on loopback) and the
// test Redis. It answers /swarm ls, its health check turns it healthy, and
// on SIGTERM (scaled to 0) it stops gracefully and says so.
func TestImageServesOnTheSwarm(t *testing.T) {
	env := testenv.Swarm(t)
	redisURL := testenv.Redis(t)
	docker := newDockerCLI(t, env.ManagerHost)
	u, err := url.Parse(env.ManagerHost)
	if err != nil || u.Scheme != "unix" {
		t.Fatalf("the manager is %q: the service mounts its socket, which needs a unix socket", env.ManagerHost)
	}
	f := fakeslack.New(t, fakeslack.Config{
		BotToken: "xoxb-" + newID() + "-bot-secret",
		AppToken: "xapp-" + newID() + "-app-secret",
		Users:    []fakeslack.User{alice},
		Channels: []fakeslack.Channel{{ID: ops, Name: "ops", Members: []string{alice.ID, "UBOT"}}},
	})
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	defer cancel()
	id := newID()
	name, tag := "swarmbot-e2e-"+id, "swarmbot-e2e:"+id
	cluster := "image-" + id
	t.Cleanup(func() {
		w := &world{}
		w.cfg.Cluster = cluster
		w.cleanRedis(redisURL)
	})

	start := time.Now()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	docker.must(ctx, "", filepath.Join(repo, "scripts", "image"), tag)
	t.Cleanup(func() { _, _ = docker.run(context.Background(), "", "image", "rm", "--force", tag) })
	built := time.Since(start)

	secrets := map[string]string{"bot": f.BotToken(), "app": f.AppToken()}
	for which, token := range secrets {
		secret := name + "-" + which
		docker.must(ctx, token, "secret", "create", secret, "-")
		t.Cleanup(func() { _, _ = docker.run(context.Background(), "", "secret", "rm", secret) })
	}
	httpAddr := freeAddr(t)
	docker.must(ctx, "", "service", "create", "--detach", "--name", name,
		"--network", "host", "--constraint", "node.role==manager",
		"--mount", "type=bind,source="+u.Path+",target=/var/run/docker.sock",
		"--secret", "source="+name+"-bot,target=swarmbot_slack_bot_token",
		"--secret", "source="+name+"-app,target=swarmbot_slack_app_token",
		"--env", "SWARMBOT_SLACK_BOT_TOKEN_FILE=/run/secrets/swarmbot_slack_bot_token",
		"--env", "SWARMBOT_SLACK_APP_TOKEN_FILE=/run/secrets/swarmbot_slack_app_token",
		"--env", "SWARMBOT_SLACK_API_URL="+f.APIURL(),
		"--env", "SWARMBOT_REDIS_URL="+redisURL,
		"--env", "SWARMBOT_CLUSTER="+cluster,
		"--env", "SWARMBOT_HTTP_ADDR="+httpAddr,
		"--health-interval", "1s", // the image's own check, asked sooner than every 30 s
		"--restart-condition", "none",
		tag)
	t.Cleanup(func() {
		if t.Failed() {
			logs := docker.serviceLogs(context.Background(), name)
			t.Logf("the service's log:\n%s", logs)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = docker.run(ctx, "", "service", "rm", name)
		for ctx.Err() == nil { // the image goes once no container uses it
			out, err := docker.run(ctx, "", "ps", "--all", "--quiet", "--filter", "label=com.docker.swarm.service.name="+name)
			if err == nil && strings.TrimSpace(out) == "" {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	})

	if err := f.WaitConnected(ctx); err != nil {
		t.Fatalf("the service did not connect to the fake Slack: %v", err)
	}
	connected := time.Since(start)
	if _, _, err := f.SlashCommand(ctx, alice.ID, ops, "/swarm", "ls").Ack(ctx); err != nil {
		t.Fatalf("/swarm ls: %v", err)
	}
	if err := f.WaitFor(ctx, func(st fakeslack.State) bool { return len(st.Messages(ops)) == 1 }); err != nil {
		t.Fatalf("waiting for the answer to /swarm ls: %v", err)
	}
	if got := text(f.Messages(ops)[0].Blocks); !strings.Contains(got, name) || !strings.Contains(got, tag) {
		t.Errorf("ls does not show the bot's own service %s (%s):\n%s", name, tag, got)
	}
	answered := time.Since(start)

	// The image's HEALTHCHECK (swarmbot healthcheck) turns the task healthy.
	for {
		out, _ := docker.run(ctx, "", "ps", "--filter", "label=com.docker.swarm.service.name="+name, "--format", "{{.Status}}")
		if strings.Contains(out, "(healthy)") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the container never became healthy: %q", out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if code, body := get(t, "http://"+httpAddr+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d:\n%s", code, body)
	}

	// SIGTERM: the service scaled to nothing stops gracefully.
	docker.must(ctx, "", "service", "scale", "--detach", name+"=0")
	var logs string
	for !strings.Contains(logs, `"msg":"stopped"`) {
		if ctx.Err() != nil {
			t.Fatalf("no graceful stop in the service's log:\n%s", logs)
		}
		time.Sleep(500 * time.Millisecond)
		logs = docker.serviceLogs(ctx, name)
	}
	for what, s := range map[string]string{"the bot token": f.BotToken(), "the app token": f.AppToken()} {
		if strings.Contains(logs, s) {
			t.Errorf("%s is in the service's log", what)
		}
	}
	t.Logf("image built in %s; connected to Slack %s after the start, answered ls after %s; whole test %s",
		built.Round(100*time.Millisecond), connected.Round(100*time.Millisecond), answered.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
}

package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/config"
	"github.com/swarmbot/swarmbot/internal/fakeslack"
	"github.com/swarmbot/swarmbot/internal/testenv"
)

// opsWorld is a world for the operator's side of serve: distinctive tokens,
// the given Redis URL, every log line (debug), and no service of its own.
func opsWorld(t *testing.T, redisURL string) *world {
	t.Helper()
	env := testenv.Swarm(t)
	sw := useSwarm(t, env.ManagerHost)
	f := fakeslack.New(t, fakeslack.Config{
		BotToken:   "xoxb-" + newID() + "-bot-secret",
		AppToken:   "xapp-" + newID() + "-app-secret",
		Users:      []fakeslack.User{alice, bob},
		Channels:   []fakeslack.Channel{{ID: ops, Name: "ops", Members: []string{alice.ID, bob.ID, "UBOT"}}},
		UserGroups: map[string][]string{sre: {alice.ID, bob.ID}},
		PingEvery:  500 * time.Millisecond,
	})
	w := &world{t: t, f: f, sw: sw, env: env, logs: &syncBuffer{}}
	for k, v := range map[string]string{
		"SWARMBOT_SLACK_BOT_TOKEN": f.BotToken(),
		"SWARMBOT_SLACK_APP_TOKEN": f.AppToken(),
		"SWARMBOT_SLACK_API_URL":   f.APIURL(),
		"SWARMBOT_REDIS_URL":       redisURL,
		"SWARMBOT_CLUSTER":         "ops-" + newID(),
		"SWARMBOT_HTTP_ADDR":       freeAddr(t),
		"SWARMBOT_LOCK_TTL":        "6s", // short, yet a loaded 2-core CI under -race does not lose it
		"SWARMBOT_SHUTDOWN_GRACE":  "5s",
		"SWARMBOT_LOG_LEVEL":       "debug",
	} {
		t.Setenv(k, v)
	}
	var err error
	if w.cfg, err = config.Load(); err != nil {
		t.Fatal(err)
	}
	w.http = "http://" + w.cfg.HTTPAddr
	t.Cleanup(func() { w.cleanRedis(redisURL) })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("swarmbot's log:\n%s", w.logs.String())
		}
	})
	return w
}

// waitReadyz polls /readyz until it answers code with a body that has want.
func (w *world) waitReadyz(t *testing.T, code int, want string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	var got int
	var body string
	for time.Now().Before(deadline) {
		if got, body = get(t, w.http+"/readyz"); got == code && strings.Contains(body, want) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("/readyz = %d, want %d with %q:\n%s", got, code, want, body)
}

// waitMetrics polls /metrics until it has every line in want: a count may
// lag the message it counts by a moment.
func (w *world) waitMetrics(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	var metrics string
	for time.Now().Before(deadline) {
		_, metrics = get(t, w.http+"/metrics")
		if !slices.ContainsFunc(want, func(s string) bool { return !strings.Contains(metrics, s) }) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, s := range want {
		if !strings.Contains(metrics, s) {
			t.Errorf("/metrics lacks %s", s)
		}
	}
	t.Logf("/metrics:\n%s", metrics)
}

// TestServeReadinessFollowsRedis: /readyz says unready while Redis is down
// (at start, and when it stops later) and ready again when it is back;
// /metrics counts a command and the Engine calls it made; and no token and
// no part of the Redis password reaches the log, whatever happened.
func TestServeReadinessFollowsRedis(t *testing.T) {
	password := "redis-" + newID() + "-password"
	rs := testenv.StartRedisServer(t, "--requirepass", password)
	redisURL := "redis://:" + password + "@" + rs.Addr + "/0"
	w := opsWorld(t, redisURL)

	rs.Stop() // down when serve starts: wire warns, serve goes on
	w.serve(t)
	w.waitReadyz(t, 503, "redis: pinging the lock store")
	rs.Start(t)
	w.waitReadyz(t, 200, "redis: ok")

	w.slash(t, alice, "ls")
	w.waitFor(t, "ls", func(st fakeslack.State) bool { return len(st.Messages(ops)) == 1 })
	w.waitMetrics(t,
		`swarmbot_commands_total{outcome="ok",verb="ls"} 1`,
		`swarmbot_engine_api_calls_total{call="ServiceList",result="ok"}`,
		`swarmbot_engine_api_latency_seconds_count{call="ServiceList"}`,
		`swarmbot_ack_latency_seconds_count 1`,
		`swarmbot_slack_api_calls_total{method="chat.postMessage",result="ok"} 1`,
	)

	rs.Stop()
	w.waitReadyz(t, 503, "redis: pinging the lock store")
	if _, body := get(t, w.http+"/readyz"); !strings.Contains(body, "slack: ok") || !strings.Contains(body, "engine: ok") {
		t.Errorf("/readyz with Redis down:\n%s", body)
	}
	rs.Start(t)
	w.waitReadyz(t, 200, "redis: ok")
	w.shutdown(t)

	logs := w.logs.String()
	if !strings.Contains(logs, "redis does not answer") || !strings.Contains(logs, `"from":"go-redis"`) || !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("the log lacks the lines this test meant to cause:\n%s", logs)
	}
	// Nothing was in flight: a clean stop warns of nothing.
	_, stopping, _ := strings.Cut(logs, `"msg":"stopping`)
	if strings.Contains(stopping, `"level":"WARN"`) || strings.Contains(stopping, `"level":"ERROR"`) {
		t.Errorf("a clean stop logged a warning:\n%s", stopping)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a log line is not JSON: %s", line)
		}
	}
	secrets := map[string]string{"the bot token": w.f.BotToken(), "the app token": w.f.AppToken(), "the Redis password": password}
	for what, s := range secrets {
		// A secret cut short or escaped is still a secret: look for its middle.
		if strings.Contains(logs, s) || strings.Contains(logs, s[3:len(s)-3]) {
			t.Errorf("%s is in the log", what)
		}
	}
	if regexp.MustCompile(`redis://:[^@]+@`).MatchString(logs) {
		t.Errorf("a Redis URL with its password is in the log")
	}
}

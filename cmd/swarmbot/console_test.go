package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/testenv"
	"github.com/swarmbot/swarmbot/lock"
	"github.com/swarmbot/swarmbot/swarm"
)

// runConsoleWith runs `swarmbot console --user user` on input, as main does, and
// returns its exit status, stdout and stderr.
func runConsoleWith(t *testing.T, user, input string) (int, string, string) {
	t.Helper()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	code := run(ctx, []string{"console", "--user", user}, strings.NewReader(input), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestConsoleCannotStart: without an Engine, or with one that is not a
// swarm manager, the console says so in one line, with what to do, and
// exits non-zero without reading its input.
func TestConsoleCannotStart(t *testing.T) {
	env := testenv.Swarm(t)
	for _, tc := range []struct {
		name, host string
		says       []string
	}{
		{"no engine", "unix:///nonexistent/docker.sock", []string{"reaching the Docker Engine", "point it at a swarm manager"}},
		{"a worker", env.WorkerHost, []string{"not a swarm manager", "docker swarm init", "DOCKER_HOST"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			useSwarm(t, env.ManagerHost)       // resets the Engine settings …
			t.Setenv("DOCKER_HOST", tc.host)   // … then points at the wrong Engine
			t.Setenv("SWARMBOT_REDIS_URL", "") // not the reason it fails
			code, out, errOut := runConsoleWith(t, "alice", "ls\n")
			if code == 0 {
				t.Errorf("exit status 0; stdout %q", out)
			}
			if out != "" {
				t.Errorf("it answered commands: %q", out)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(lines) != 1 {
				t.Errorf("it said %d lines, want one:\n%s", len(lines), errOut)
			}
			for _, w := range tc.says {
				if !strings.Contains(errOut, w) {
					t.Errorf("it does not say %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// TestConsoleFlags: bad flags and bad --user names stop the console before
// it touches anything.
func TestConsoleFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"console", "--user", "bob smith"}, 2, "no spaces"},
		{[]string{"console", "--user", ""}, 2, "give a name"},
		{[]string{"console", "--colour"}, 2, "flag provided but not defined: -colour"},
		{[]string{"console", "ls"}, 2, `unexpected "ls"; commands come on stdin`},
		{[]string{"console", "-h"}, 0, "Usage: swarmbot console [--user NAME]"},
	} {
		var out, errb syncBuffer
		code := run(t.Context(), tc.args, strings.NewReader("ls\n"), &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.says) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.says)
		}
	}
}

// TestConsolesShareRedis: with SWARMBOT_REDIS_URL, one console's locks and
// approval requests are every other console's. alice locks a service and
// asks to remove it in her console, then leaves; bob, in another, is
// refused a scale with alice named as the holder; once alice has unlocked
// it, bob approves her request by its ID and the service goes.
func TestConsolesShareRedis(t *testing.T) {
	env := testenv.Swarm(t)
	redisURL := testenv.Redis(t)
	sw := useSwarm(t, env.ManagerHost)
	cluster := "console-" + rand.Text()[:8]
	t.Setenv("SWARMBOT_REDIS_URL", redisURL)
	t.Setenv("SWARMBOT_CLUSTER", cluster)
	t.Cleanup(func() { deleteKeys(t, redisURL, cluster) })

	name := "share-" + strings.ToLower(rand.Text()[:6])
	if _, err := sw.Create(t.Context(), swarm.CreateSpec{Name: name, Image: "alpine:latest", Args: []string{"ping", "127.0.0.1"}, Replicas: 1},
		swarm.MutateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeService(t, sw, name) })

	code, out, errOut := runConsoleWith(t, "alice", fmt.Sprintf("lock %s --reason \"handing over to bob\"\nrm %s\n", name, name))
	if code != 0 {
		t.Fatalf("alice's console: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(errOut, "in this process only") {
		t.Errorf("with Redis, the console says its stores are in-process:\n%s", errOut)
	}
	m := approveLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("alice's rm printed no approval request:\n%s", out)
	}
	id := m[1]

	_, out, _ = runConsoleWith(t, "bob", fmt.Sprintf("scale %s 2\n", name))
	if !strings.Contains(out, "service "+name+" is locked by alice") || !strings.Contains(out, "handing over to bob") {
		t.Errorf("bob's scale was not refused with alice's lock:\n%s", out)
	}
	if _, out, _ = runConsoleWith(t, "alice", "unlock "+name+"\n"); !strings.Contains(out, "unlocked") {
		t.Errorf("alice's unlock:\n%s", out)
	}
	_, out, _ = runConsoleWith(t, "bob", "approve "+id+"\n")
	for _, w := range []string{"approval request " + id + " (rm " + name + "): approved by bob", "asked by alice, approved by bob", "rm " + name + ": done in"} {
		if !strings.Contains(out, w) {
			t.Errorf("bob's approval does not say %q:\n%s", w, out)
		}
	}
	if _, err := sw.ResolveService(t.Context(), name); err == nil {
		t.Errorf("%s is still there after bob approved its removal", name)
	}
}

// deleteKeys removes what a test's cluster left in Redis.
func deleteKeys(t *testing.T, url, cluster string) {
	rdb, err := lock.NewRedisClient(url)
	if err != nil {
		t.Error(err)
		return
	}
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, "swarmbot:"+cluster+":*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

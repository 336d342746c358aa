// Package testenv gives integration tests the private test environment that
// scripts/testenv starts: a two-node swarm (manager dev01, worker dev02) and a
// redis-server, all on loopback, described by SWARMBOT_TEST_* variables.
//
// Tests never fall back to DOCKER_HOST or a default socket: they touch only
// daemons the environment started. When the environment is missing, a test
// skips with a message saying how to start it; under CI=true it fails instead.
//
// Several test binaries (go test ./... runs packages in parallel) share one
// environment. The first call to Swarm or Redis in a process takes an exclusive
// lock on it, held until the process exits, so that one package's drain never
// moves another package's tasks.
package testenv

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Env is the running test environment.
type Env struct {
	ManagerHost string // DOCKER_HOST of dev01, the manager
	WorkerHost  string // DOCKER_HOST of dev02, the worker
	RedisURL    string
}

const howTo = `start it with: eval "$(scripts/testenv up)"  (needs root, dockerd, redis-server, busybox-static; .ci/run installs them)`

var (
	lockOnce sync.Once
	lockErr  error
	// lockFile holds the environment's lock. It must stay reachable: an
	// unreachable *os.File is closed by its finalizer at the next GC, and
	// closing it releases the lock while the tests still run.
	lockFile *os.File
)

// Swarm returns the environment after checking that both daemons are set; the
// test skips (fails under CI=true) when they are not.
func Swarm(t testing.TB) Env {
	t.Helper()
	e := Env{
		ManagerHost: os.Getenv("SWARMBOT_TEST_MANAGER_HOST"),
		WorkerHost:  os.Getenv("SWARMBOT_TEST_WORKER_HOST"),
		RedisURL:    os.Getenv("SWARMBOT_TEST_REDIS_URL"),
	}
	if e.ManagerHost == "" || e.WorkerHost == "" {
		missing(t, "no private test swarm (SWARMBOT_TEST_MANAGER_HOST, SWARMBOT_TEST_WORKER_HOST)")
	}
	for _, h := range []string{e.ManagerHost, e.WorkerHost} {
		if err := reachable(h); err != nil {
			missing(t, fmt.Sprintf("the test swarm does not answer at %s: %v", h, err))
		}
	}
	exclusive(t, e.ManagerHost)
	return e
}

// Redis returns the URL of the environment's redis-server.
func Redis(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SWARMBOT_TEST_REDIS_URL")
	if u == "" {
		missing(t, "no test Redis (SWARMBOT_TEST_REDIS_URL)")
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatalf("SWARMBOT_TEST_REDIS_URL %q: %v", u, err)
	}
	if err := reachable("tcp://" + pu.Host); err != nil {
		missing(t, fmt.Sprintf("the test Redis does not answer at %s: %v", pu.Host, err))
	}
	exclusive(t, os.Getenv("SWARMBOT_TEST_MANAGER_HOST"))
	return u
}

// CI reports whether the tests run in CI, where a missing environment fails.
func CI() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

func missing(t testing.TB, why string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s; CI=true, so this is a failure, not a skip; %s", why, howTo)
	}
	t.Skipf("%s; %s", why, howTo)
}

func reachable(host string) error {
	u, err := url.Parse(host)
	if err != nil {
		return err
	}
	network, addr := u.Scheme, u.Host
	if network == "unix" {
		addr = u.Path
	}
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// exclusive takes the environment's lock for the rest of this process.
func exclusive(t testing.TB, managerHost string) {
	t.Helper()
	lockOnce.Do(func() {
		path := os.Getenv("SWARMBOT_TEST_LOCKFILE")
		if path == "" {
			u, err := url.Parse(managerHost)
			if err != nil || u.Scheme != "unix" {
				return // no shared folder to lock in: nothing to coordinate with
			}
			path = filepath.Join(filepath.Dir(filepath.Dir(u.Path)), "tests.lock")
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			lockErr = err
			return
		}
		// Held until the process exits; the kernel releases it then.
		lockErr = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		lockFile = f
	})
	if lockErr != nil {
		t.Fatalf("taking the test environment's lock: %v", lockErr)
	}
}

// RedisServer is a redis-server process of the test's own, for tests that stop
// and restart Redis. It is stopped when the test ends.
type RedisServer struct {
	Addr string
	URL  string
	bin  string
	dir  string
	args []string
	cmd  *exec.Cmd
}

// StartRedisServer starts a private redis-server on a free loopback port;
// args are more of its options (e.g. "--requirepass", "secret").
func StartRedisServer(t testing.TB, args ...string) *RedisServer {
	t.Helper()
	bin := os.Getenv("SWARMBOT_TEST_REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			missing(t, "no redis-server binary (SWARMBOT_TEST_REDIS_SERVER)")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &RedisServer{Addr: addr, URL: "redis://" + addr + "/0", bin: bin, dir: t.TempDir(), args: args}
	s.Start(t)
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server (again) on the same address and waits until it answers.
func (s *RedisServer) Start(t testing.TB) {
	t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	s.cmd = exec.Command(s.bin, append([]string{"--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", s.dir}, s.args...)...)
	s.cmd.Stdout, s.cmd.Stderr = nil, nil
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("redis-server did not answer on %s", s.Addr)
}

// Stop stops the server; it may be started again.
func (s *RedisServer) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

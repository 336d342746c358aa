// Command convergebench measures, on a private test swarm, how soon and at
// what Engine cost the docker CLI and swarmbot's watcher report that the same
// rolling updates have converged.
//
// For each number of operations (1, 10, 20 by default) it creates that many
// services, then, round after round, runs one `docker service update --image`
// per service at once through a counting reverse proxy in front of the
// manager's socket. As soon as the Engine announces each update (a service
// event), one shared Watcher follows it, through a counting Engine. Both
// clocks start when the docker process starts, so the figures compare the CLI's
// `verify: Service … converged` with the watcher's converged snapshot for the
// very same update.
//
//	eval "$(scripts/testenv up h4)"
//	go run ./swarm/cmd/convergebench -ops 1,10,20 -rounds 3
//
// It only talks to the host given (SWARMBOT_TEST_MANAGER_HOST by default) and
// removes the services it created.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"

	sb "github.com/swarmbot/swarmbot/swarm"
)

func main() {
	host := flag.String("host", os.Getenv("SWARMBOT_TEST_MANAGER_HOST"), "the manager's Engine, unix:///… (never the machine's own daemon)")
	opsFlag := flag.String("ops", "1,10,20", "numbers of operations followed at once")
	replicas := flag.Uint64("replicas", 2, "replicas of each service")
	rounds := flag.Int("rounds", 3, "updates per number of operations")
	dockerBin := flag.String("docker", "docker", "the docker CLI")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("convergebench: ")
	if !strings.HasPrefix(*host, "unix://") {
		log.Fatalf("-host must be a unix:// socket of the test swarm (got %q); start it with scripts/testenv up", *host)
	}
	var ops []int
	for _, s := range strings.Split(*opsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			log.Fatalf("-ops: %q is not a positive number", s)
		}
		ops = append(ops, n)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cli, err := client.NewClientWithOpts(client.WithHost(*host), client.WithAPIVersionNegotiation())
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()

	dir, err := os.MkdirTemp("", "convergebench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	proxy, err := startProxy(filepath.Join(dir, "proxy.sock"), strings.TrimPrefix(*host, "unix://"))
	if err != nil {
		log.Fatal(err)
	}
	defer proxy.Close()

	b := &bench{cli: cli, proxy: proxy, docker: *dockerBin, dockerConfig: dir, replicas: *replicas}
	var results []result
	for _, n := range ops {
		res, err := b.run(ctx, n, *rounds)
		if err != nil {
			log.Print(err)
			break
		}
		results = append(results, res)
	}
	report(os.Stdout, results, *replicas, *rounds)
}

type bench struct {
	cli          *client.Client
	proxy        *proxy
	docker       string
	dockerConfig string
	replicas     uint64
}

// result is the measure of one number of operations over all its rounds.
type result struct {
	ops               int
	cliTimes, wTimes  []time.Duration // per update: from the docker process start to converged
	earlier           []time.Duration // per update: how much sooner the watcher said converged
	cliCalls, wCalls  int64
	cliWall, wWall    time.Duration
	cliPollCalls      int64 // the CLI's calls while waiting (inspect, task list, node list)
	wPolls            uint64
	wByKind, cliKinds map[string]int64
	failures          []string
}

func (b *bench) run(ctx context.Context, n, rounds int) (result, error) {
	res := result{ops: n, wByKind: map[string]int64{}, cliKinds: map[string]int64{}}
	names := make([]string, n)
	ids := map[string]string{} // name → ID
	for i := range names {
		names[i] = fmt.Sprintf("convergebench-%02d", i)
		_ = b.cli.ServiceRemove(ctx, names[i])
	}
	defer func() {
		for _, name := range names {
			_ = b.cli.ServiceRemove(context.Background(), name)
		}
		time.Sleep(2 * time.Second) // let the containers stop before the next size
	}()
	setup := sb.NewWatcher(b.cli, sb.WatchConfig{})
	var wg sync.WaitGroup
	var setupErr error
	var mu sync.Mutex
	for _, name := range names {
		r := b.replicas
		resp, err := b.cli.ServiceCreate(ctx, swarm.ServiceSpec{
			Annotations:  swarm.Annotations{Name: name},
			TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "swarmbot-test/ping:1", Args: []string{"ping", "127.0.0.1"}}},
			Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &r}},
		}, swarm.ServiceCreateOptions{})
		if err != nil {
			return res, fmt.Errorf("creating %s: %w", name, err)
		}
		ids[name] = resp.ID
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := setup.Follow(ctx, sb.Operation{Kind: sb.OpCreate, Service: resp.ID}, nil)
			if err == nil && p.Phase != sb.PhaseConverged {
				err = fmt.Errorf("creating %s ended %s:\n%s", name, p.Phase, p.Text())
			}
			if err != nil {
				mu.Lock()
				setupErr = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if setupErr != nil {
		return res, setupErr
	}
	log.Printf("%d services of %d replicas created", n, b.replicas)

	for round := range rounds {
		image := "swarmbot-test/ping:2"
		if round%2 == 1 {
			image = "swarmbot-test/ping:1"
		}
		if err := b.round(ctx, names, ids, image, &res); err != nil {
			return res, err
		}
		log.Printf("%d operations, round %d done", n, round+1)
	}
	return res, nil
}

// round updates every service at once with the docker CLI, and follows each
// update with one shared watcher as soon as the Engine announces it.
func (b *bench) round(ctx context.Context, names []string, ids map[string]string, image string, res *result) error {
	counting := &countingEngine{Engine: b.cli}
	w := sb.NewWatcher(counting, sb.WatchConfig{})

	// The bench's own look at events (not counted): it tells when each
	// CLI's update has reached the Engine, to start following it.
	evCtx, cancelEv := context.WithCancel(ctx)
	defer cancelEv()
	msgs, errs := b.cli.Events(evCtx, events.ListOptions{Filters: filters.NewArgs(filters.Arg("type", "service"), filters.Arg("scope", "swarm"))})

	starts := make(map[string]time.Time, len(names))
	var mu sync.Mutex
	cliDone := make(map[string]time.Duration)
	wDone := make(map[string]time.Duration)
	var wFirst, wLast time.Time

	proxyBefore := b.proxy.snapshot()
	cliStart := time.Now()
	var clis sync.WaitGroup
	for _, name := range names {
		cmd := exec.CommandContext(ctx, b.docker, "-H", "unix://"+b.proxy.path, "service", "update", "--image", image, "--no-resolve-image", name)
		cmd.Env = append(withoutDocker(os.Environ()), "DOCKER_CONFIG="+b.dockerConfig)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		cmd.Stderr = io.Discard
		mu.Lock()
		starts[name] = time.Now()
		mu.Unlock()
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("running %s: %w", b.docker, err)
		}
		clis.Add(1)
		go func() {
			defer clis.Done()
			converged := "verify: Service " + name + " converged"
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if strings.Contains(sc.Text(), converged) {
					mu.Lock()
					cliDone[name] = time.Since(starts[name])
					mu.Unlock()
				}
			}
			if err := cmd.Wait(); err != nil {
				mu.Lock()
				res.failures = append(res.failures, fmt.Sprintf("docker service update %s: %v", name, err))
				mu.Unlock()
			}
		}()
	}

	var follows sync.WaitGroup
	followed := map[string]bool{}
	pollsBefore := w.Stats().Polls
	for len(followed) < len(names) {
		select {
		case err := <-errs:
			return fmt.Errorf("watching events: %w", err)
		case <-time.After(2 * time.Minute):
			return errors.New("no update event within 2 minutes")
		case m := <-msgs:
			name := m.Actor.Attributes["name"]
			if m.Actor.Attributes["image.new"] != image || followed[name] || ids[name] != m.Actor.ID {
				continue
			}
			followed[name] = true
			mu.Lock()
			since := starts[name]
			if wFirst.IsZero() {
				wFirst = time.Now()
			}
			mu.Unlock()
			follows.Add(1)
			go func() {
				defer follows.Done()
				p, err := w.Follow(ctx, sb.Operation{Kind: sb.OpUpdate, Service: m.Actor.ID, Since: since}, nil)
				mu.Lock()
				defer mu.Unlock()
				wLast = time.Now()
				if err != nil || p.Phase != sb.PhaseConverged {
					res.failures = append(res.failures, fmt.Sprintf("watcher on %s: %v %s", name, err, p.Phase))
					return
				}
				wDone[name] = time.Since(since)
			}()
		}
	}
	follows.Wait()
	clis.Wait()
	cliWall := time.Since(cliStart)
	proxyAfter := b.proxy.snapshot()
	cancelEv()

	for _, name := range names {
		c, okc := cliDone[name]
		wt, okw := wDone[name]
		if okc {
			res.cliTimes = append(res.cliTimes, c)
		}
		if okw {
			res.wTimes = append(res.wTimes, wt)
		}
		if okc && okw {
			res.earlier = append(res.earlier, c-wt)
		}
	}
	for k, v := range proxyAfter {
		d := v - proxyBefore[k]
		res.cliCalls += d
		res.cliKinds[k] += d
		if k == "GET /services/{id}" || k == "GET /tasks" || k == "GET /nodes" {
			res.cliPollCalls += d
		}
	}
	res.cliWall += cliWall
	for k, v := range counting.counts() {
		res.wCalls += v
		res.wByKind[k] += v
	}
	res.wWall += wLast.Sub(wFirst)
	res.wPolls += w.Stats().Polls - pollsBefore
	return nil
}

func withoutDocker(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "DOCKER_") })
}

// countingEngine counts the watcher's Engine calls.
type countingEngine struct {
	sb.Engine
	mu    sync.Mutex
	calls map[string]int64
}

func (c *countingEngine) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int64{}
	}
	c.calls[k]++
}

func (c *countingEngine) counts() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return copyCounts(c.calls)
}

func copyCounts(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (c *countingEngine) TaskList(ctx context.Context, o swarm.TaskListOptions) ([]swarm.Task, error) {
	c.add("TaskList")
	return c.Engine.TaskList(ctx, o)
}

func (c *countingEngine) ServiceList(ctx context.Context, o swarm.ServiceListOptions) ([]swarm.Service, error) {
	c.add("ServiceList")
	return c.Engine.ServiceList(ctx, o)
}

func (c *countingEngine) NodeList(ctx context.Context, o swarm.NodeListOptions) ([]swarm.Node, error) {
	c.add("NodeList")
	return c.Engine.NodeList(ctx, o)
}

func (c *countingEngine) ServiceInspectWithRaw(ctx context.Context, id string, o swarm.ServiceInspectOptions) (swarm.Service, []byte, error) {
	c.add("ServiceInspect")
	return c.Engine.ServiceInspectWithRaw(ctx, id, o)
}

func (c *countingEngine) Events(ctx context.Context, o events.ListOptions) (<-chan events.Message, <-chan error) {
	c.add("Events")
	return c.Engine.Events(ctx, o)
}

// proxy is a reverse proxy on a unix socket that counts the requests it
// passes to the Engine, by method and path (IDs and the API version elided).
type proxy struct {
	path   string
	srv    *http.Server
	mu     sync.Mutex
	counts map[string]*atomic.Int64
}

var (
	proxyVersion = regexp.MustCompile(`^/v[0-9.]+`)
	proxyID      = regexp.MustCompile(`^/(services|tasks|nodes)/[^/]+`)
)

func startProxy(path, engine string) (*proxy, error) {
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	p := &proxy{path: path, counts: map[string]*atomic.Int64{}}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "engine"})
	rp.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", engine)
	}}
	rp.FlushInterval = -1
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := proxyVersion.ReplaceAllString(r.URL.Path, "")
		path = proxyID.ReplaceAllString(path, "/$1/{id}")
		p.counter(r.Method + " " + path).Add(1)
		rp.ServeHTTP(w, r)
	})}
	go p.srv.Serve(l)
	return p, nil
}

func (p *proxy) counter(k string) *atomic.Int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.counts[k]
	if !ok {
		c = &atomic.Int64{}
		p.counts[k] = c
	}
	return c
}

func (p *proxy) snapshot() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int64, len(p.counts))
	for k, c := range p.counts {
		out[k] = c.Load()
	}
	return out
}

func (p *proxy) Close() error { return p.srv.Close() }

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func maxOf(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return slices.Max(ds)
}

func minOf(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return slices.Min(ds)
}

func report(w io.Writer, results []result, replicas uint64, rounds int) {
	fmt.Fprintf(w, "\nrolling updates of %d-replica services (--image ping:1 <-> ping:2, default update config), %d rounds each;\n", replicas, rounds)
	fmt.Fprintf(w, "times from the docker process start to converged, per update (median / max); calls per second over each side's wall time\n\n")
	fmt.Fprintf(w, "%-4s | %-22s | %-22s | %-24s | %-22s | %-22s | %s\n", "ops", "CLI converged", "watcher converged", "watcher sooner (min/med)", "CLI calls/s (waiting)", "watcher calls/s", "watcher calls/round")
	for _, r := range results {
		cliRate := float64(r.cliCalls) / r.cliWall.Seconds()
		cliPollRate := float64(r.cliPollCalls) / r.cliWall.Seconds()
		wRate := float64(r.wCalls) / r.wWall.Seconds()
		listings := r.wByKind["TaskList"] + r.wByKind["ServiceList"] + r.wByKind["NodeList"]
		perRound := float64(listings) / float64(max(r.wPolls, 1))
		fmt.Fprintf(w, "%-4d | %9s / %-10s | %9s / %-10s | %10s / %-11s | %7.1f (%7.1f)       | %7.1f                | %.2f (%d rounds)\n",
			r.ops, median(r.cliTimes).Round(10*time.Millisecond), maxOf(r.cliTimes).Round(10*time.Millisecond),
			median(r.wTimes).Round(10*time.Millisecond), maxOf(r.wTimes).Round(10*time.Millisecond),
			minOf(r.earlier).Round(10*time.Millisecond), median(r.earlier).Round(10*time.Millisecond),
			cliRate, cliPollRate, wRate, perRound, r.wPolls)
	}
	fmt.Fprintln(w)
	for _, r := range results {
		fmt.Fprintf(w, "%d ops: CLI calls %v\n", r.ops, r.cliKinds)
		fmt.Fprintf(w, "%d ops: watcher calls %v\n", r.ops, r.wByKind)
		for _, f := range r.failures {
			fmt.Fprintf(w, "%d ops: FAILED %s\n", r.ops, f)
		}
	}
}

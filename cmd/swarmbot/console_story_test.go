package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/golden"
	"github.com/swarmbot/swarmbot/internal/testenv"
	"github.com/swarmbot/swarmbot/swarm"
)

// useSwarm points the Engine settings of this process at the private test
// swarm's manager (never at the machine's own daemon), and makes sure the
// story's service does not exist before the test and is gone after it, and
// that dev02 is active again.
func useSwarm(t testing.TB, host string) *swarm.Client {
	t.Helper()
	t.Setenv("DOCKER_HOST", host)
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_CONTEXT", "")
	t.Setenv("DOCKER_API_VERSION", "")
	sw, closer, err := swarm.Connect(host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	return sw
}

// removeService removes a service, if there is one by that name.
func removeService(t *testing.T, sw *swarm.Client, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := sw.Remove(ctx, name, swarm.MutateOptions{Force: true}); err != nil {
		var nf *swarm.NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("removing %s: %v", name, err)
		}
	}
}

// syncBuffer is an output the console writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var approveLine = regexp.MustCompile(`(?m)^to approve: /swarm approve (\S+)$`)

// storyTimeout bounds the whole story; it takes a minute or two.
const storyTimeout = 8 * time.Minute

// TestConsoleStory feeds the seed's story (testdata/story.txt) to
// `swarmbot console` on the private swarm, through the same run function
// main calls, with stdin a pipe, and compares what it printed with a golden
// transcript (testdata/story.golden) once IDs, times, ages, durations and
// the nodes the scheduler picked are masked.
//
// Approval IDs are random, so the story writes <ID> where the line needs
// the ID of the latest request. The test writes the story into the pipe
// line by line; the console reads a line only when the one before has run
// to its end, so when it comes to an <ID> line the test waits for the
// request to be printed, and types its ID, as a person would copy it.
func TestConsoleStory(t *testing.T) {
	env := testenv.Swarm(t)
	sw := useSwarm(t, env.ManagerHost)
	t.Setenv("SWARMBOT_REDIS_URL", "") // the in-process stores: what a new user gets
	t.Setenv("SWARMBOT_REDIS_URL_FILE", "")
	removeService(t, sw, "ping")
	foreign := foreignServices(t, sw)
	t.Cleanup(func() {
		removeService(t, sw, "ping")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := sw.SetAvailability(ctx, "dev02", "active", swarm.MutateOptions{}); err != nil {
			t.Errorf("making dev02 active again: %v", err)
		}
	})

	story, err := os.ReadFile(filepath.Join("testdata", "story.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), storyTimeout)
	defer cancel()
	stdin, feed := io.Pipe()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"console", "--user", "alice"}, stdin, stdout, stderr)
		stdin.CloseWithError(errors.New("the console has ended")) // a feed still writing gives up
	}()

	requests, commandsSince := 0, false
	for l := range strings.SplitSeq(string(story), "\n") {
		text := strings.TrimSpace(l)
		switch {
		case strings.Contains(text, "<ID>"):
			if commandsSince {
				requests++ // a command since the last <ID> line asked for approval
			}
			commandsSince = false
			id := waitForRequest(ctx, t, stdout, requests)
			l = strings.ReplaceAll(l, "<ID>", id)
		case text != "" && !strings.HasPrefix(text, "#") && !strings.HasPrefix(text, ":"):
			commandsSince = true
		}
		if _, err := io.WriteString(feed, l+"\n"); err != nil {
			t.Fatalf("the console stopped reading at %q: %v\nstdout:\n%s\nstderr:\n%s", l, err, stdout, stderr)
		}
	}
	feed.Close()
	var code int
	select {
	case code = <-exit:
	case <-time.After(storyTimeout):
		t.Fatalf("the console did not end at the end of its input\nstdout:\n%s", stdout)
	}
	out := stdout.String()
	if path := os.Getenv("SWARMBOT_TEST_STORY_RAW"); path != "" {
		_ = os.WriteFile(path, []byte(out), 0o644) // to look at the transcript unmasked
	}
	if code != 0 {
		t.Errorf("exit status %d at the end of the input, want 0; stderr:\n%s", code, stderr)
	}
	if got := stderr.String(); !strings.Contains(got, "SWARMBOT_REDIS_URL is not set, so locks, approvals and operations live in this process only") {
		t.Errorf("stderr does not say the stores are in-process:\n%s", got)
	}
	if strings.Contains(out, "\x1b") {
		t.Error("the transcript holds escape codes")
	}
	checkStoryFacts(t, out)
	golden.Check(t, "story", normalize(out, foreign))
}

// foreignServices are the services other tests left on the swarm; the
// transcript leaves out what is said about them.
func foreignServices(t *testing.T, sw *swarm.Client) []string {
	t.Helper()
	svcs, err := sw.Services(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range svcs {
		names = append(names, s.Name)
	}
	return names
}

// waitForRequest waits until the n-th approval request is printed, and
// returns its ID.
func waitForRequest(ctx context.Context, t *testing.T, out *syncBuffer, n int) string {
	t.Helper()
	for {
		if m := approveLine.FindAllStringSubmatch(out.String(), -1); len(m) >= n {
			return m[n-1][1]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("approval request %d was never printed; the console printed:\n%s", n, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkStoryFacts checks what the mask hides: where the tasks run after
// the drain and after the node is active again (all on dev01: swarm does
// not move tasks back), and who held the lock.
func checkStoryFacts(t *testing.T, out string) {
	t.Helper()
	after := func(echo string) string {
		i := strings.Index(out, "\n"+echo+"\n")
		if i < 0 {
			t.Fatalf("the transcript has no %q", echo)
		}
		rest := out[i+len(echo)+2:]
		if j := strings.Index(rest, "\n\n"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	for _, when := range []struct{ echo, what string }{
		{"alice> ps ping --filter desired-state=running", "after draining dev02"},
		{"alice> ps ping -f desired-state=running", "after making dev02 active again"},
	} {
		ps := after(when.echo)
		rows := 0
		for l := range strings.SplitSeq(ps, "\n") {
			if strings.Contains(l, " ping.") {
				rows++
				if !strings.Contains(l, " dev01 ") {
					t.Errorf("%s, a task runs elsewhere than dev01: %q", when.what, l)
				}
			}
		}
		if rows != 4 {
			t.Errorf("%s, ps shows %d running tasks, want 4:\n%s", when.what, rows, ps)
		}
	}
	if !strings.Contains(out, "\nrollback: manually requested rollback\n") && !strings.Contains(out, "\nrollback: rollback completed\n") {
		t.Error("the rollback's progress does not give the Engine's word for it")
	}
	if refused := after("bob> scale ping 2"); !strings.Contains(refused, "service ping is locked by alice") ||
		!strings.Contains(refused, "incident #42") {
		t.Errorf("bob's refused scale does not name alice and her reason:\n%s", refused)
	}
}

// The masks: what differs from one run of the story to the next.
var (
	clock      = regexp.MustCompile(`\b\d\d:\d\d:\d\d\b`)
	clockShort = regexp.MustCompile(`\b((Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) )?\d\d:\d\d UTC\b`)
	// how long something took or has been held: "converged in 9s", "by hand 1m05s ago".
	took = regexp.MustCompile(`\b(converged in|done in|by hand|held for) \d+(h\d\dm|m\d\ds|s)\b`)
	ago  = regexp.MustCompile(`\b(Less than a second|less than a second|About a minute|about a minute|About an hour|about an hour|\d+ (seconds?|minutes?|hours?)) ago\b`)
	// IDs: swarm's (25 characters, or the first 12) and swarmbot's (8).
	swarmID12 = regexp.MustCompile(`^[a-z0-9]{12}\b`)
	swarmID25 = regexp.MustCompile(`\b[a-z0-9]{25}\b`)
	opID      = regexp.MustCompile(`\b(operation|request|approve|deny|console) ([2-9a-hjkmnp-z]{8})\b`)
	// where the scheduler put a task when nothing forced it: a slot event's node.
	slotEvent   = regexp.MustCompile(`^hh:mm:ss  ping\.\d+ `)
	slotNode    = regexp.MustCompile(` on dev0[12]$`)
	movedSlot   = regexp.MustCompile(`^(hh:mm:ss  ping\.)\d+`)
	removedSlot = regexp.MustCompile(`^(hh:mm:ss  ping\.)\d+( removed)$`)
	moveLine    = regexp.MustCompile(`^(  ping: )ping\.\d+, ping\.\d+(, started again)`)
	// what other services on the drained node would add to: masked always,
	// so that the transcript reads the same with them or without.
	lsTitle      = regexp.MustCompile(`^\d+ services?$`)
	drainSettled = regexp.MustCompile(`^(drain dev02: )\d+ of \d+ services? settled$`)
	drainTasks   = regexp.MustCompile(`^\d+ tasks?( of \d+ services?)? on dev02 will stop there:$`)
	// a rollback's Engine state when its last snapshot was taken: still
	// "rollback_started", or already "rollback_completed" (the Engine's
	// monitor period and the watcher's run out at about the same time).
	rollbackState = regexp.MustCompile(`^(  )?rollback: (manually requested rollback|rollback completed)$`)
	engineVersion = regexp.MustCompile(`\b\d+\.\d+\.\d+(\+\S+)?$`)
	logLine       = regexp.MustCompile(`seq=\d+ ttl=64 time=\d+\.\d+ ms`)
	spaces        = regexp.MustCompile(` {2,}`)
	scaleDown     = regexp.MustCompile(`^operation \S+: scale ping (\d+ )?→ 4\b`)
	slotName      = regexp.MustCompile(`\bping\.\d+\b`)
	slotLine      = regexp.MustCompile(`^( *)\d+/`)
)

// normalize masks what changes between runs, leaves out foreign services,
// and sorts the slot events that the swarm may report in any order.
func normalize(out string, foreign []string) string {
	ids := map[string]string{}
	counts := map[string]int{}
	idFor := func(kind, id string) string {
		if m, ok := ids[id]; ok {
			return m
		}
		prefix := "OP" // an operation's ID, and the console place named by it
		if kind == "request" || kind == "approve" || kind == "deny" {
			prefix = "RQ"
		}
		counts[prefix]++
		ids[id] = fmt.Sprintf("%s%06d", prefix, counts[prefix]) // 8 characters, as the ID
		return ids[id]
	}
	var lines []string
	table := "" // "ps", "ls" or "nodes" inside a table, until a blank line
	skipBlock := false
	// Which slots survive a scale-down is the Engine's choice (the seed digest:
	// report what it did, do not assume the numbers); from then on slot
	// numbers are masked.
	scaledDown := false
	for l := range strings.SplitSeq(out, "\n") {
		if scaleDown.MatchString(l) {
			scaledDown = true
		}
		if mentionsAny(l, foreign) {
			skipBlock = !strings.HasPrefix(l, " ") // a drain's block for that service
			continue
		}
		if skipBlock && strings.HasPrefix(l, "  ") {
			continue
		}
		skipBlock = false
		switch {
		case l == "":
			table = ""
		case strings.HasPrefix(l, "ID ") && strings.Contains(l, "CURRENT STATE"):
			table = "ps"
		case strings.HasPrefix(l, "ID ") && strings.Contains(l, "REPLICAS"):
			table = "ls"
		case strings.HasPrefix(l, "ID ") && strings.Contains(l, "HOSTNAME"):
			table = "nodes"
		}
		l = opID.ReplaceAllStringFunc(l, func(s string) string {
			m := opID.FindStringSubmatch(s)
			return m[1] + " " + idFor(m[1], m[2])
		})
		l = clock.ReplaceAllString(l, "hh:mm:ss")
		l = clockShort.ReplaceAllString(l, "hh:mm UTC")
		l = took.ReplaceAllString(l, "$1 D")
		l = swarmID25.ReplaceAllString(l, strings.Repeat("#", 25))
		l = logLine.ReplaceAllString(l, "seq=N ttl=64 time=T ms")
		switch table {
		case "ps": // ages vary in width, and where a task runs is the scheduler's choice
			l = swarmID12.ReplaceAllString(l, strings.Repeat("#", 12))
			l = ago.ReplaceAllString(l, "AGE ago")
			l = strings.NewReplacer(" dev01 ", " dev0N ", " dev02 ", " dev0N ").Replace(l)
			l = spaces.ReplaceAllString(l, "   ")
		case "ls": // other services' names widen the columns
			l = swarmID12.ReplaceAllString(l, strings.Repeat("#", 12))
			l = spaces.ReplaceAllString(l, "   ")
		case "nodes":
			l = engineVersion.ReplaceAllString(l, "VERSION")
		}
		if strings.HasPrefix(l, "Server Version: ") {
			l = engineVersion.ReplaceAllString(l, "VERSION")
		}
		if slotEvent.MatchString(l) {
			l = slotNode.ReplaceAllString(l, " on dev0N")
			if strings.HasSuffix(l, " (moved from dev02)") { // which slots ran there was the scheduler's choice
				l = movedSlot.ReplaceAllString(l, "${1}N")
			}
		}
		l = removedSlot.ReplaceAllString(l, "${1}N${2}")
		l = lsTitle.ReplaceAllString(l, "N services")
		l = drainSettled.ReplaceAllString(l, "${1}N of M services settled")
		l = drainTasks.ReplaceAllString(l, "TASKS on dev02 will stop there:")
		if rollbackState.MatchString(l) {
			continue
		}
		l = moveLine.ReplaceAllString(l, "${1}ping.N, ping.N${2}")
		if scaledDown {
			l = slotName.ReplaceAllString(l, "ping.N")
			l = slotLine.ReplaceAllString(l, "${1}N/")
		}
		lines = append(lines, l)
	}
	sortSlotEvents(lines)
	return strings.Join(lines, "\n")
}

// mentionsAny reports whether line names one of the services as a word.
func mentionsAny(line string, names []string) bool {
	for _, n := range names {
		if regexp.MustCompile(`(^|[^\w.-])` + regexp.QuoteMeta(n) + `($|[^\w-])`).MatchString(line) {
			return true
		}
	}
	return false
}

// sortSlotEvents sorts each run of slot events: slots that change at
// about the same time come in any order.
func sortSlotEvents(lines []string) {
	for i := 0; i < len(lines); {
		if !slotEvent.MatchString(lines[i]) {
			i++
			continue
		}
		j := i
		for j < len(lines) && slotEvent.MatchString(lines[j]) {
			j++
		}
		slices.Sort(lines[i:j])
		i = j
	}
}

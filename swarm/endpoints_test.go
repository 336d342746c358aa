package swarm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
)

// engineEndpoints calls every Engine method through the Docker client against
// a server that answers 404 to everything, and returns the requests it made,
// as "METHOD /path" with the API version and IDs taken out ("{id}").
func engineEndpoints(t *testing.T) map[string][]string {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c, err := client.NewClientWithOpts(client.WithHost("tcp://"+srv.Listener.Addr().String()), client.WithVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	version := regexp.MustCompile(`^/v1\.41/`)
	id := regexp.MustCompile(`/ID(/|$)`)
	out := map[string][]string{}
	v := reflect.ValueOf(Engine(c))
	ctxType := reflect.TypeFor[context.Context]()
	for m := range reflect.TypeFor[Engine]().Methods() {
		fn := v.MethodByName(m.Name)
		args := make([]reflect.Value, fn.Type().NumIn())
		for i := range args {
			switch in := fn.Type().In(i); {
			case in == ctxType:
				args[i] = reflect.ValueOf(ctx)
			case in.Kind() == reflect.String:
				args[i] = reflect.ValueOf("ID")
			default:
				args[i] = reflect.Zero(in)
			}
		}
		mu.Lock()
		seen = nil
		mu.Unlock()
		fn.Call(args)
		deadline := time.Now().Add(10 * time.Second)
		for { // Events asks in the background
			mu.Lock()
			n := len(seen)
			mu.Unlock()
			if n > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		for _, s := range seen {
			method, path, _ := strings.Cut(s, " ")
			path = version.ReplaceAllString(path, "/v{version}/")
			s = method + " " + id.ReplaceAllString(path, "/{id}$1")
			if !slices.Contains(out[m.Name], s) {
				out[m.Name] = append(out[m.Name], s)
			}
		}
		mu.Unlock()
	}
	return out
}

// readmeEndpoints reads README's table of the Engine endpoints swarmbot uses
// (Security): rows of | `METHOD`[, `METHOD`] | `path` | `Call` | why |.
func readmeEndpoints(t *testing.T) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(raw), "<!-- engine-endpoints -->\n")
	table, _, ok2 := strings.Cut(table, "<!-- /engine-endpoints -->")
	if !ok || !ok2 {
		t.Fatal("README has no <!-- engine-endpoints --> table")
	}
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(table), "\n")[2:] {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) < 3 {
			t.Fatalf("README's endpoint table: row %q has fewer than 3 cells", line)
		}
		call, path := strings.Trim(cells[2], "`"), strings.Trim(cells[1], "`")
		for _, m := range strings.Split(cells[0], ", ") {
			out[call] = append(out[call], strings.Trim(m, "`")+" "+path)
		}
	}
	return out
}

// TestReadmeListsEveryEngineEndpoint: README's Security section lists exactly
// the requests the Engine interface makes, method and path, for whoever puts
// a socket proxy in front of the Engine. They come from calling every method
// of the real Docker client against a server that records them.
func TestReadmeListsEveryEngineEndpoint(t *testing.T) {
	got, listed := engineEndpoints(t), readmeEndpoints(t)
	for call, eps := range got {
		slices.Sort(eps)
		l := slices.Sorted(slices.Values(listed[call]))
		if !slices.Equal(eps, l) {
			t.Errorf("%s asks the Engine for %q; README lists %q", call, eps, l)
		}
	}
	for call := range listed {
		if _, ok := got[call]; !ok {
			t.Errorf("README lists %s, which the Engine interface does not have", call)
		}
	}
}

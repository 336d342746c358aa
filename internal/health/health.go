// Package health serves swarmbot's HTTP endpoints for operators: /healthz
// (the process is alive), /readyz (each dependency answers) and /metrics.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Check reports whether one dependency is ready; nil means ready.
type Check func(ctx context.Context) error

// Checker runs named readiness checks.
type Checker struct {
	mu      sync.Mutex
	checks  map[string]Check
	timeout time.Duration
}

// NewChecker returns a Checker whose checks each get timeout to answer.
func NewChecker(timeout time.Duration) *Checker {
	return &Checker{checks: map[string]Check{}, timeout: timeout}
}

// Add registers a check under a name ("slack", "redis", "engine").
func (c *Checker) Add(name string, check Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks[name] = check
}

// Result is one check's answer.
type Result struct {
	Name  string `json:"name"`
	Ready bool   `json:"ready"`
	Error string `json:"error,omitempty"`
}

// Run runs every check at once and returns their results sorted by name, and
// whether all are ready.
func (c *Checker) Run(ctx context.Context) ([]Result, bool) {
	c.mu.Lock()
	names := make([]string, 0, len(c.checks))
	for n := range c.checks {
		names = append(names, n)
	}
	checks := make([]Check, len(names))
	sort.Strings(names)
	for i, n := range names {
		checks[i] = c.checks[n]
	}
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	results := make([]Result, len(names))
	var wg sync.WaitGroup
	for i := range names {
		wg.Go(func() {
			err := checks[i](ctx)
			results[i] = Result{Name: names[i], Ready: err == nil}
			if err != nil {
				results[i].Error = err.Error()
			}
		})
	}
	wg.Wait()
	all := true
	for _, r := range results {
		all = all && r.Ready
	}
	return results, all
}

// Handler serves /healthz, /readyz and, when metrics is not nil, /metrics.
func Handler(c *Checker, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		results, ready := c.Run(r.Context())
		status := http.StatusOK
		if !ready {
			status = http.StatusServiceUnavailable
		}
		if r.URL.Query().Has("json") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]any{"ready": ready, "checks": results})
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		for _, res := range results {
			if res.Ready {
				fmt.Fprintf(w, "%s: ok\n", res.Name)
			} else {
				fmt.Fprintf(w, "%s: %s\n", res.Name, res.Error)
			}
		}
	})
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	return mux
}

package health

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/metrics"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestReadyzReportsEachCheck(t *testing.T) {
	c := NewChecker(time.Second)
	var redisDown atomic.Bool
	redisDown.Store(true)
	c.Add("engine", func(context.Context) error { return nil })
	c.Add("redis", func(context.Context) error {
		if redisDown.Load() {
			return errors.New("dial tcp 127.0.0.1:6379: connection refused")
		}
		return nil
	})
	srv := httptest.NewServer(Handler(c, nil))
	defer srv.Close()

	code, body := get(t, srv, "/readyz")
	if code != http.StatusServiceUnavailable || body != "engine: ok\nredis: dial tcp 127.0.0.1:6379: connection refused\n" {
		t.Errorf("redis down: %d %q", code, body)
	}
	redisDown.Store(false)
	if code, body = get(t, srv, "/readyz"); code != http.StatusOK || body != "engine: ok\nredis: ok\n" {
		t.Errorf("all up: %d %q", code, body)
	}
	if code, body = get(t, srv, "/readyz?json"); code != http.StatusOK || !strings.Contains(body, `"ready":true`) {
		t.Errorf("json: %d %q", code, body)
	}
	if code, body = get(t, srv, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
}

func TestReadyzGivesUpOnASlowCheck(t *testing.T) {
	c := NewChecker(50 * time.Millisecond)
	c.Add("slack", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	results, ready := c.Run(t.Context())
	if ready || len(results) != 1 || !strings.Contains(results[0].Error, "deadline") {
		t.Errorf("got %+v, ready=%v", results, ready)
	}
}

func TestMetricsCountACommand(t *testing.T) {
	m := metrics.New()
	srv := httptest.NewServer(Handler(NewChecker(time.Second), m.Handler()))
	defer srv.Close()
	m.Command("scale", "ok")
	m.Command("scale", "ok")
	_, body := get(t, srv, "/metrics")
	if !strings.Contains(body, `swarmbot_commands_total{outcome="ok",verb="scale"} 2`) {
		t.Errorf("metrics lack the command count:\n%s", body)
	}
	var nilMetrics *metrics.Metrics
	nilMetrics.Command("scale", "ok") // a process without metrics records nothing, and does not panic
}

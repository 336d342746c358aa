package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/swarmbot/swarmbot/internal/health"
)

// listen serves h on a free loopback port and returns the port.
func listen(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func TestHealthcheck(t *testing.T) {
	alive := listen(t, health.Handler(health.NewChecker(time.Second), nil))
	checks := health.NewChecker(time.Second)
	checks.Add("redis", func(context.Context) error { return errors.New("pinging the lock store: connection refused") })
	checks.Add("slack", func(context.Context) error { return nil })
	unready := listen(t, health.Handler(checks, nil))
	broken := listen(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	closed := func() string { // a port nobody listens on any more
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		return port
	}()

	for _, tc := range []struct {
		name, addr string
		args       []string
		code       int
		out, err   string
	}{
		{"every address means loopback", ":" + alive, nil, 0, "ok", ""},
		{"unspecified IPv4", "0.0.0.0:" + alive, nil, 0, "ok", ""},
		{"a named address", "127.0.0.1:" + alive, nil, 0, "ok", ""},
		{"alive but not ready", ":" + unready, nil, 0, "ok", ""},
		{"not ready", ":" + unready, []string{"--ready"}, 1, "redis: pinging the lock store: connection refused\nslack: ok", "503 Service Unavailable"},
		{"ready", ":" + alive, []string{"--ready"}, 0, "", ""},
		{"an error status", "127.0.0.1:" + broken, nil, 1, "", "500 Internal Server Error"},
		{"nothing listening", ":" + closed, nil, 1, "", "connection refused"},
		{"no HTTP server", "", nil, 1, "", "SWARMBOT_HTTP_ADDR is empty"},
		{"not an address", "8080", nil, 1, "", `SWARMBOT_HTTP_ADDR "8080" is not host:port`},
		{"an unknown flag", ":" + alive, []string{"--readyz"}, 2, "", "usage: swarmbot healthcheck [--ready]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SWARMBOT_HTTP_ADDR", tc.addr)
			var out, errb bytes.Buffer
			code := run(t.Context(), append([]string{"healthcheck"}, tc.args...), nil, &out, &errb)
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
				t.Errorf("healthcheck with SWARMBOT_HTTP_ADDR=%q = %d, stdout %q, stderr %q", tc.addr, code, out.String(), errb.String())
			}
		})
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/swarmbot/swarmbot/internal/config"
)

// healthcheckTimeout bounds the whole probe; Docker's own timeout is longer.
const healthcheckTimeout = 3 * time.Second

// healthcheck is `swarmbot healthcheck [--ready]`: it asks the serve process
// in the same container whether it is alive (GET /healthz on
// SWARMBOT_HTTP_ADDR), or with --ready whether Slack, the Engine and Redis
// answer it (GET /readyz), prints the answer and exits 0 when it is yes. A
// scratch image has no curl, so the image's HEALTHCHECK and the stack file
// run this instead, and so can `docker exec`.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	path := "/healthz"
	switch {
	case len(args) == 1 && args[0] == "--ready":
		path = "/readyz"
	case len(args) > 0:
		fmt.Fprintf(stderr, "swarmbot healthcheck: unknown argument %q\nusage: swarmbot healthcheck [--ready]\n", args[0])
		return 2
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, "swarmbot healthcheck:", err)
		return 1
	}
	body, err := probe(ctx, cfg.HTTPAddr, path)
	fmt.Fprint(stdout, body)
	if err != nil {
		fmt.Fprintln(stderr, "swarmbot healthcheck:", err)
		return 1
	}
	return 0
}

// probe GETs path from the server listening on addr and returns the body.
func probe(ctx context.Context, addr, path string) (string, error) {
	if addr == "" {
		return "", fmt.Errorf("SWARMBOT_HTTP_ADDR is empty, so serve runs no HTTP server to ask; set it (e.g. :8080)")
	}
	u, err := localURL(addr, path)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("asking %s: %w", u, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("asking %s: %w", u, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("asking %s: %s", u, res.Status)
	}
	return string(body), nil
}

// localURL turns a listen address into the URL to ask: a server listening
// on every address (":8080", "0.0.0.0:8080", "[::]:8080") is asked on loopback.
func localURL(addr, path string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("SWARMBOT_HTTP_ADDR %q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}

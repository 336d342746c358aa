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

// healthcheck is `swarmbot healthcheck`: it asks the serve process in the same
// container whether it is alive (GET /healthz on SWARMBOT_HTTP_ADDR) and exits
// 0 when it is. A scratch image has no curl, so the image's HEALTHCHECK and
// the stack file run this instead.
func healthcheck(ctx context.Context, stdout, stderr io.Writer) int {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, "swarmbot healthcheck:", err)
		return 1
	}
	if err := probe(ctx, cfg.HTTPAddr); err != nil {
		fmt.Fprintln(stderr, "swarmbot healthcheck:", err)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// probe GETs /healthz from the server listening on addr.
func probe(ctx context.Context, addr string) error {
	if addr == "" {
		return fmt.Errorf("SWARMBOT_HTTP_ADDR is empty, so serve runs no HTTP server to ask; set it (e.g. :8080)")
	}
	u, err := healthzURL(addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("asking %s: %w", u, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking %s: %w", u, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("asking %s: %s", u, res.Status)
	}
	return nil
}

// healthzURL turns a listen address into the URL to ask: a server listening
// on every address (":8080", "0.0.0.0:8080", "[::]:8080") is asked on loopback.
func healthzURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("SWARMBOT_HTTP_ADDR %q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

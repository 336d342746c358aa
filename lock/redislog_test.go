package lock

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9/logging"
)

// go-redis's complaint about a Redis that does not answer arrives as a debug
// line of the given logger, not as text on stderr.
func TestLogRedisTo(t *testing.T) {
	var out bytes.Buffer
	LogRedisTo(slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(logging.Enable)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody answers there
	rdb, err := NewRedisClient("redis://:hunter2@" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := rdb.Ping(t.Context()).Err(); err == nil {
		t.Fatal("ping answered with nobody listening")
	}
	got := out.String()
	if !strings.Contains(got, `"level":"DEBUG","msg":"connection pool: failed to dial`) || !strings.Contains(got, `"from":"go-redis"`) {
		t.Errorf("go-redis's log:\n%s", got)
	}
	if strings.Contains(got, "hunter2") {
		t.Errorf("the password is in go-redis's log:\n%s", got)
	}
}

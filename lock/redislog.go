package lock

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// LogRedisTo sends go-redis's own log lines (a failed dial, a pool warning),
// which it otherwise prints to stderr as plain text, to log at debug level,
// so that serve's log stays JSON. They repeat while Redis is down; what they
// mean is reported where it matters: /readyz, and every change refused. The
// setting is go-redis's, for the whole process.
func LogRedisTo(log *slog.Logger) {
	redis.SetLogger(redisLog{log})
}

type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: ")
	l.log.DebugContext(ctx, msg, "from", "go-redis")
}

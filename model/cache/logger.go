package cache

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// LogToSlog sends go-redis's own log lines (reconnects, pool and pub/sub
// trouble) to slog at warn, with the request id when the context has one.
// go-redis has one process-wide logger, so main calls this once.
func LogToSlog() { redis.SetLogger(slogPrinter{}) }

type slogPrinter struct{}

func (slogPrinter) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	slog.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

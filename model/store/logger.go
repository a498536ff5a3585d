package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// LogSQL sends GORM's log to slog: a statement slower than slow is a warning
// carrying the SQL and its duration (and, through the context, the request
// id); with the debug level on, every statement is logged. Call it right
// after Open, before the store is used.
func (s *Store) LogSQL(slow time.Duration) {
	s.gdb.Logger = sqlLogger{slow: slow}
}

// sqlLogger is gorm's logger.Interface over slog.
type sqlLogger struct{ slow time.Duration }

func (l sqlLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l sqlLogger) Info(ctx context.Context, msg string, args ...any) {
	slog.InfoContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l sqlLogger) Warn(ctx context.Context, msg string, args ...any) {
	slog.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l sqlLogger) Error(ctx context.Context, msg string, args ...any) {
	slog.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

// Trace is called after every statement. Errors are the callers' to report
// (most are expected: a duplicate, a lost compare-and-set), so they appear
// only at the debug level.
func (l sqlLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case l.slow > 0 && elapsed > l.slow:
		sql, rows := fc()
		slog.WarnContext(ctx, "slow sql", "sql", sql, "ms", float64(elapsed.Microseconds())/1000, "rows", rows,
			"threshold_ms", l.slow.Milliseconds())
	case slog.Default().Enabled(ctx, slog.LevelDebug):
		sql, rows := fc()
		attrs := []any{"sql", sql, "ms", float64(elapsed.Microseconds()) / 1000, "rows", rows}
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			attrs = append(attrs, "err", err.Error())
		}
		slog.DebugContext(ctx, "sql", attrs...)
	}
}

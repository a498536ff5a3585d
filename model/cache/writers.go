package cache

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Writers records in Redis which users wrote lately, so that every server
// process (not only the one that took the write) reads a writer's requests
// from the primary database until the read replicas have the write.
type Writers struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// NewWriters keeps its records under "shanhai:wrote:<user id>".
func NewWriters(rdb redis.UniversalClient) *Writers {
	return &Writers{rdb: rdb, prefix: "shanhai:wrote:", timeout: 200 * time.Millisecond}
}

// Wrote records that user id wrote now; the record lasts window.
func (w *Writers) Wrote(ctx context.Context, id int64, window time.Duration) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.timeout)
	defer cancel()
	return w.rdb.Set(ctx, w.prefix+strconv.FormatInt(id, 10), "1", window).Err()
}

// Recent reports whether user id wrote within the window of their last
// record.
func (w *Writers) Recent(ctx context.Context, id int64) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	n, err := w.rdb.Exists(ctx, w.prefix+strconv.FormatInt(id, 10)).Result()
	return n > 0, err
}

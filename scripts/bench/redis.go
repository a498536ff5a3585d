package bench

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Redis is the bench's own Redis database: flushed when opened and again on
// Close, so database 0 (tests, dev servers) is refused.
type Redis struct {
	*redis.Client
	Addr    string
	Version string // the server's redis_version
}

// OpenRedis connects to the database url names and flushes it.
func OpenRedis(ctx context.Context, url string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("-redis: %w", err)
	}
	if opts.DB == 0 {
		return nil, fmt.Errorf("-redis %s: database 0 is where tests and dev servers live and the bench flushes its database; pick another, e.g. redis://%s/9", url, opts.Addr)
	}
	r := &Redis{Client: redis.NewClient(opts), Addr: opts.Addr}
	if r.Version, err = redisVersion(ctx, r.Client); err != nil {
		r.Client.Close()
		return nil, fmt.Errorf("Redis at %s: %w", opts.Addr, err)
	}
	if err := r.FlushDB(ctx).Err(); err != nil {
		r.Client.Close()
		return nil, fmt.Errorf("Redis FLUSHDB %d: %w", opts.DB, err)
	}
	return r, nil
}

// Close flushes the database and closes the client.
func (r *Redis) Close() error {
	r.FlushDB(context.Background())
	return r.Client.Close()
}

func redisVersion(ctx context.Context, rdb *redis.Client) (string, error) {
	s, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v, nil
		}
	}
	return "unknown", nil
}

package cache

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Counter counts events per key in fixed windows on Redis, shared by every
// replica (login and order rate limits). Each call is bounded by a short
// timeout; callers fall back to counting in-process when it fails.
//
// Every call touches one key only (its script and its pipeline alike), so it
// runs unchanged on a Redis Cluster, whatever slot the key hashes to.
type Counter struct {
	rdb     redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// CounterOptions tune a Counter; zero values take the defaults.
type CounterOptions struct {
	Prefix  string        // of every key; default "shanhai:rate:"
	Timeout time.Duration // of each call; default 100ms
}

// NewCounter returns a Redis counter, with the defaults unless o is given.
func NewCounter(rdb redis.UniversalClient, o ...CounterOptions) *Counter {
	c := &Counter{rdb: rdb, prefix: "shanhai:rate:", timeout: 100 * time.Millisecond}
	for _, o := range o {
		if o.Prefix != "" {
			c.prefix = o.Prefix
		}
		if o.Timeout > 0 {
			c.timeout = o.Timeout
		}
	}
	return c
}

// incr adds one and starts the window on the first event, atomically.
var incr = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

// Incr adds one to key's count and returns the count and the time left in its window.
func (c *Counter) Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := incr.Run(ctx, c.rdb, []string{c.prefix + key}, window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, err
	}
	return res[0], time.Duration(res[1]) * time.Millisecond, nil
}

// Count is key's count in its current window and the time left in it.
func (c *Counter) Count(ctx context.Context, key string) (int64, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	pipe := c.rdb.Pipeline()
	get := pipe.Get(ctx, c.prefix+key)
	ttl := pipe.PTTL(ctx, c.prefix+key)
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return 0, 0, err
	}
	n, err := get.Int64()
	if err == redis.Nil {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	return n, ttl.Val(), nil
}

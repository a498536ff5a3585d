package cache

// Stats caches statistics answers in Redis. Every value key embeds the
// current generation ("<prefix>stats:s1:v:<gen>:<key>"); the rollup worker
// calls Moved after each batch it commits, which bumps the generation, so
// every answer computed before that batch is never read again and expires
// on its own (TTL 30 s). Reading the generation is one plain GET of one key,
// and no command touches two keys: it works the same on Redis Cluster.
//
// Load reads the generation before it computes the answer and stores the
// answer under that generation, so an answer computed from rollups that
// moved meanwhile is stored under a generation nobody reads any more. (Set,
// which reads the generation when it stores, is only as good as the TTL.)
//
// Redis errors never fail a request: each call has a 100 ms deadline, and
// after a failure Redis is skipped for a second and every read goes to the
// database. Moved alone reports its error, so the worker can say it again.

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	statsFormat  = "stats:s1:" // change it when the cached answers change shape
	statsTTL     = 30 * time.Second
	statsTimeout = 100 * time.Millisecond
	statsBackoff = time.Second
)

// Stats is the statistics cache; a nil client (or a nil *Stats) caches
// nothing: every Get misses.
type Stats struct {
	rdb       redis.UniversalClient
	pfx       string
	timeout   time.Duration // each Redis call's deadline
	downUntil atomic.Int64  // unix nanoseconds: Redis is skipped until then

	hits, misses, errs atomic.Uint64
}

// NewStats caches statistics answers in rdb (nil: no cache).
func NewStats(rdb redis.UniversalClient) *Stats {
	return &Stats{rdb: rdb, pfx: "shanhai:" + statsFormat, timeout: statsTimeout}
}

// moveGen bumps the generation, or starts it from the time in milliseconds
// when the key is missing (a new, flushed or restarted Redis), so a
// generation never goes back to a number whose values may still be there.
var moveGen = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[1])
return tonumber(ARGV[1])`)

func (s *Stats) genKey() string { return s.pfx + "gen" }

func (s *Stats) valueKey(gen, key string) string { return s.pfx + "v:" + gen + ":" + key }

func (s *Stats) usable() bool {
	return s != nil && s.rdb != nil && time.Now().UnixNano() >= s.downUntil.Load()
}

// failed notes a Redis error: Redis is skipped for a while.
func (s *Stats) failed() {
	s.errs.Add(1)
	s.downUntil.Store(time.Now().Add(statsBackoff).UnixNano())
}

// gen reads the current generation; false when Redis cannot say.
func (s *Stats) gen(ctx context.Context) (string, bool) {
	if !s.usable() {
		return "", false
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	g, err := s.rdb.Get(rctx, s.genKey()).Result()
	if errors.Is(err, redis.Nil) {
		// No generation yet: start one, and cache nothing on this call.
		if err := s.rdb.SetNX(rctx, s.genKey(), strconv.FormatInt(time.Now().UnixMilli(), 10), 0).Err(); err != nil {
			s.failed()
		}
		return "", false
	}
	if err != nil {
		s.failed()
		return "", false
	}
	return g, true
}

func (s *Stats) get(ctx context.Context, gen, key string) ([]byte, bool) {
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, err := s.rdb.Get(rctx, s.valueKey(gen, key)).Bytes()
	switch {
	case err == nil:
		s.hits.Add(1)
		return v, true
	case !errors.Is(err, redis.Nil):
		s.failed()
	}
	s.misses.Add(1)
	return nil, false
}

func (s *Stats) set(ctx context.Context, gen, key string, val []byte) {
	if !s.usable() {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.rdb.Set(rctx, s.valueKey(gen, key), val, statsTTL).Err(); err != nil {
		s.failed()
	}
}

// Get is the cached answer for key under the current generation.
func (s *Stats) Get(ctx context.Context, key string) ([]byte, bool) {
	gen, ok := s.gen(ctx)
	if !ok {
		return nil, false
	}
	return s.get(ctx, gen, key)
}

// Set stores an answer for key under the current generation, for 30 s.
func (s *Stats) Set(ctx context.Context, key string, val []byte) {
	if gen, ok := s.gen(ctx); ok {
		s.set(ctx, gen, key, val)
	}
}

// Load is the cached answer for key, or fetch's, which it then stores under
// the generation read before fetch ran. fetch's error is returned as is and
// nothing is stored.
func (s *Stats) Load(ctx context.Context, key string, fetch func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	gen, ok := s.gen(ctx)
	if ok {
		if v, hit := s.get(ctx, gen, key); hit {
			return v, nil
		}
	}
	v, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	if ok {
		s.set(ctx, gen, key, v)
	}
	return v, nil
}

// Moved says the rollups moved: every answer cached so far is dropped (by
// moving the generation). Without Redis it does nothing; a Redis error is
// returned so the caller can say it again.
func (s *Stats) Moved(ctx context.Context) error {
	if s == nil || s.rdb == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := moveGen.Run(rctx, s.rdb, []string{s.genKey()}, time.Now().UnixMilli()).Err(); err != nil {
		s.failed()
		return err
	}
	return nil
}

// Counts are the hits, misses and Redis errors since start.
func (s *Stats) Counts() (hits, misses, errs uint64) {
	return s.hits.Load(), s.misses.Load(), s.errs.Load()
}

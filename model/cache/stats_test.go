package cache

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// fetcher counts its calls and answers "v<n>".
type fetcher struct{ n int }

func (f *fetcher) fetch(context.Context) ([]byte, error) {
	f.n++
	return []byte("v" + strconv.Itoa(f.n)), nil
}

func load(t *testing.T, s *Stats, key string, f *fetcher) string {
	t.Helper()
	v, err := s.Load(context.Background(), key, f.fetch)
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

func TestStatsCacheNone(t *testing.T) {
	ctx := context.Background()
	for name, s := range map[string]*Stats{"nil client": NewStats(nil), "nil Stats": nil} {
		t.Run(name, func(t *testing.T) {
			s.Set(ctx, "k", []byte("x"))
			if v, ok := s.Get(ctx, "k"); ok {
				t.Errorf("Get = %q, want a miss", v)
			}
			f := &fetcher{}
			if a, b := load(t, s, "k", f), load(t, s, "k", f); a != "v1" || b != "v2" {
				t.Errorf("loads = %s, %s: every one must fetch", a, b)
			}
			if err := s.Moved(ctx); err != nil {
				t.Errorf("Moved = %v", err)
			}
		})
	}
}

func TestStatsCacheRedisDown(t *testing.T) {
	ctx := context.Background()
	s := NewStats(testClient(t, "redis://127.0.0.1:1/0"))
	start := time.Now()
	f := &fetcher{}
	for i := 1; i <= 3; i++ {
		if got := load(t, s, "k", f); got != "v"+strconv.Itoa(i) {
			t.Errorf("load %d = %s", i, got)
		}
	}
	if _, ok := s.Get(ctx, "k"); ok {
		t.Error("Get hit with Redis down")
	}
	if err := s.Moved(ctx); err == nil {
		t.Error("Moved with Redis down: no error, so the worker would not say it again")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v with Redis down", d)
	}
	if _, _, errs := s.Counts(); errs == 0 {
		t.Error("no Redis error counted")
	}
}

func TestStatsCacheRedis(t *testing.T) {
	url := os.Getenv("SHANHAI_TEST_REDIS")
	if url == "" {
		t.Skip("SKIPPED the real-Redis statistics cache test: SHANHAI_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	ctx := context.Background()
	rdb := testClient(t, url)
	s := NewStats(rdb)
	s.pfx = testPrefix(t, rdb) + statsFormat
	s.timeout = 5 * time.Second // a loaded test machine must not turn a slow answer into a miss

	f := &fetcher{}
	// a Redis without a generation yet: the first call starts one
	if got := load(t, s, "p:2026:0:all", f); got != "v1" {
		t.Fatalf("first load = %s", got)
	}
	if got := load(t, s, "p:2026:0:all", f); got != "v2" {
		t.Fatalf("second load = %s, want a fetch", got)
	}
	if got := load(t, s, "p:2026:0:all", f); got != "v2" {
		t.Fatalf("third load = %s, want the cached v2", got)
	}
	if v, ok := s.Get(ctx, "p:2026:0:all"); !ok || string(v) != "v2" {
		t.Errorf("Get = %q, %v", v, ok)
	}
	// another key (another scope) is another entry
	if got := load(t, s, "p:2026:0:h330604", &fetcher{n: 10}); got != "v11" {
		t.Errorf("another scope = %s", got)
	}
	gen, _ := rdb.Get(ctx, s.genKey()).Int64()
	if gen < time.Now().Add(-time.Minute).UnixMilli() {
		t.Errorf("generation %d does not start from the time", gen)
	}
	ttl := rdb.PTTL(ctx, s.valueKey(strconv.FormatInt(gen, 10), "p:2026:0:all")).Val()
	if ttl <= 0 || ttl > statsTTL {
		t.Errorf("value TTL = %v, want within %v", ttl, statsTTL)
	}

	// the rollups move: everything cached before is dropped
	if err := s.Moved(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get(ctx, "p:2026:0:all"); ok {
		t.Error("Get hit after Moved")
	}
	if got := load(t, s, "p:2026:0:all", f); got != "v3" {
		t.Errorf("load after Moved = %s, want a fetch", got)
	}

	// the rollups move while an answer is being computed: that answer is
	// stored under the generation read before, which nobody reads again
	racing := func(ctx context.Context) ([]byte, error) {
		if err := s.Moved(ctx); err != nil {
			return nil, err
		}
		return []byte("computed-before-the-batch"), nil
	}
	if _, err := s.Load(ctx, "m:1:2026:all", racing); err != nil {
		t.Fatal(err)
	}
	if got := load(t, s, "m:1:2026:all", f); got != "v4" {
		t.Errorf("load after a racing batch = %s, want a fresh fetch", got)
	}

	// Set and Get
	s.Set(ctx, "r:2026:all", []byte("x"))
	if v, ok := s.Get(ctx, "r:2026:all"); !ok || string(v) != "x" {
		t.Errorf("Get after Set = %q, %v", v, ok)
	}

	// a flushed generation starts again from the time, never from 1
	rdb.Del(ctx, s.genKey())
	if err := s.Moved(ctx); err != nil {
		t.Fatal(err)
	}
	if g, _ := rdb.Get(ctx, s.genKey()).Int64(); g < gen {
		t.Errorf("generation after a flush = %d, want at least %d", g, gen)
	}
	if hits, misses, errs := s.Counts(); hits == 0 || misses == 0 || errs != 0 {
		t.Errorf("counts = %d hits, %d misses, %d errors", hits, misses, errs)
	}
}

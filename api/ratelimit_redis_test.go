package api_test

// The login and order rate limits of two replicas counting through one Redis
// (SHANHAI_TEST_REDIS) or one Redis Cluster (SHANHAI_TEST_REDIS_CLUSTER), as
// main.go wires them: a failure on one replica counts on the other. Each
// says it was SKIPPED without its server.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shanhai/model"
	"shanhai/model/cache"
	"shanhai/model/cache/cachetest"
	"shanhai/model/store/storetest"
	"shanhai/service/account"
)

func TestRateLimitsRedis(t *testing.T) {
	url := os.Getenv("SHANHAI_TEST_REDIS")
	if url == "" {
		t.Skip("SKIPPED the rate limits on Redis: SHANHAI_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) { testSharedLimits(t, b, url) })
}

func TestRateLimitsCluster(t *testing.T) {
	addrs := os.Getenv("SHANHAI_TEST_REDIS_CLUSTER")
	if addrs == "" {
		t.Skip("SKIPPED the rate limits on Redis Cluster: SHANHAI_TEST_REDIS_CLUSTER is not set (e.g. 127.0.0.1:7001,127.0.0.1:7002)")
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		if _, ok := redisClient(t, addrs).(*redis.ClusterClient); !ok {
			t.Fatalf("cache.NewClient(%q) is not a cluster client", addrs)
		}
		testSharedLimits(t, b, addrs)
	})
}

// strictCounter fails the test when Redis does not answer: the fallback to
// in-process counting would hide exactly what this test is about.
type strictCounter struct {
	t     *testing.T
	inner account.Counter
}

func (s strictCounter) Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	n, ttl, err := s.inner.Incr(ctx, key, window)
	if err != nil {
		s.t.Errorf("Redis counter Incr(%s): %v", key, err)
	}
	return n, ttl, err
}

func (s strictCounter) Count(ctx context.Context, key string) (int64, time.Duration, error) {
	n, ttl, err := s.inner.Count(ctx, key)
	if err != nil {
		s.t.Errorf("Redis counter Count(%s): %v", key, err)
	}
	return n, ttl, err
}

func testSharedLimits(t *testing.T, b storetest.Backend, addr string) {
	rdb := redisClient(t, addr)
	rnd := make([]byte, 6)
	rand.Read(rnd)
	prefix := "shanhai-test:" + hex.EncodeToString(rnd) + ":rate:"
	t.Cleanup(func() {
		for _, k := range cachetest.Keys(t, rdb, prefix+"*") {
			rdb.Del(context.Background(), k)
		}
	})

	limits := testOrderLimits()
	limits.RateOrders = 2
	// two replicas over one database, each with services and a counter of its own
	replica := func() *harness {
		c := account.Fallback{Local: account.NewMemory(), Primary: strictCounter{t,
			cache.NewCounter(rdb, cache.CounterOptions{Prefix: prefix, Timeout: 5 * time.Second})}}
		return newHarness(t, b, withLoginLimit(c, 3), withOrders(c, limits))
	}
	one, two := replica(), replica()
	w := seedWorld(t, one)
	sku := w.orderGoods(t).skuA
	consumer, buyer := w.token(t, model.RoleConsumer), w.token(t, model.RoleBuyer)

	t.Run("orders", func(t *testing.T) {
		key := 0
		place := func(h *harness, token string) response {
			key++
			return h.callWith(t, http.MethodPost, v1+"/orders", token,
				jsonBody(map[string]any{"lines": []map[string]int64{{"sku_id": sku, "quantity": 1}}}),
				map[string]string{"Idempotency-Key": "shared-limit-" + strconv.Itoa(key)})
		}
		wantStatus(t, place(one, consumer), http.StatusCreated)
		wantStatus(t, place(two, consumer), http.StatusCreated)
		res := place(one, consumer)
		wantError(t, res, http.StatusTooManyRequests, "rate_limited")
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
			t.Errorf("Retry-After = %q, want 1 to 60 seconds", res.Header.Get("Retry-After"))
		}
		wantError(t, place(two, consumer), http.StatusTooManyRequests, "rate_limited")
		// another user is not slowed down
		wantStatus(t, place(two, buyer), http.StatusCreated)
	})

	t.Run("logins", func(t *testing.T) {
		const addr = "192.0.2.44:4000"
		attempt := func(h *harness, username, pass string) response {
			t.Helper()
			req := newRequest(http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{"username": username, "password": pass}))
			req.RemoteAddr = addr
			return h.do(t, req, true)
		}
		for _, h := range []*harness{one, two, one} {
			wantStatus(t, attempt(h, model.RoleOfficer, "wrong-password"), http.StatusUnauthorized)
		}
		res := attempt(two, model.RoleOfficer, password(model.RoleOfficer))
		wantError(t, res, http.StatusTooManyRequests, "rate_limited")
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 15*60 {
			t.Errorf("Retry-After = %q, want seconds up to the 15-minute window", res.Header.Get("Retry-After"))
		}
		wantStatus(t, attempt(one, model.RoleOfficer, password(model.RoleOfficer)), http.StatusTooManyRequests)
		// another user from the same address is not limited
		wantStatus(t, attempt(two, model.RoleApprover, password(model.RoleApprover)), http.StatusOK)
	})

	// the counts are in Redis, each with a window that ends
	keys := cachetest.Keys(t, rdb, prefix+"*")
	for _, want := range []string{"orders:user:" + itoa(w.users[model.RoleConsumer].ID), "login:user:officer", "login:ip:192.0.2.44"} {
		found := false
		for _, k := range keys {
			found = found || k == prefix+want
		}
		if !found {
			t.Errorf("no counter %s in Redis; keys: %v", want, keys)
		}
	}
	for _, k := range keys {
		if ttl, err := rdb.PTTL(context.Background(), k).Result(); err != nil || ttl == -1 {
			t.Errorf("counter %s: TTL %v, %v; want one", k, ttl, err)
		}
	}
}

// redisClient connects as main.go does, closed when t ends.
func redisClient(t *testing.T, addr string) redis.UniversalClient {
	t.Helper()
	rdb, err := cache.NewClient(addr)
	if err != nil {
		t.Fatalf("cache.NewClient(%q): %v", addr, err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

package cache

// The rate-limit counter on a real Redis (SHANHAI_TEST_REDIS) and on a Redis
// Cluster (SHANHAI_TEST_REDIS_CLUSTER); each says it was SKIPPED otherwise.
// The login and order limits count with it, shared by every replica.

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shanhai/model/cache/cachetest"
)

func TestCounterRedis(t *testing.T) {
	url := os.Getenv("SHANHAI_TEST_REDIS")
	if url == "" {
		t.Skip("SKIPPED the rate counter on Redis: SHANHAI_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	testCounter(t, testClient(t, url))
}

func TestCounterCluster(t *testing.T) {
	addrs := os.Getenv("SHANHAI_TEST_REDIS_CLUSTER")
	if addrs == "" {
		t.Skip("SKIPPED the rate counter on Redis Cluster: SHANHAI_TEST_REDIS_CLUSTER is not set (e.g. 127.0.0.1:7001,127.0.0.1:7002)")
	}
	rdb := testClient(t, addrs)
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		t.Fatalf("NewClient(%q) = %T, want a cluster client", addrs, rdb)
	}
	testCounter(t, rdb)
}

func testCounter(t *testing.T, rdb redis.UniversalClient) {
	ctx := context.Background()
	prefix := testPrefix(t, rdb)
	// A loaded test machine may take longer than the production timeout; a
	// timed-out Incr may still have counted, which the checks below would
	// misread, so give each call room.
	c := NewCounter(rdb, CounterOptions{Prefix: prefix, Timeout: 5 * time.Second})

	t.Run("Window", func(t *testing.T) {
		const window = time.Minute
		if n, ttl, err := c.Count(ctx, "login:user:nobody"); err != nil || n != 0 || ttl != 0 {
			t.Fatalf("Count of an unknown key = %d, %v, %v; want 0, 0", n, ttl, err)
		}
		for want := int64(1); want <= 3; want++ {
			n, ttl, err := c.Incr(ctx, "login:user:alice", window)
			if err != nil || n != want || ttl <= 0 || ttl > window {
				t.Fatalf("Incr #%d = %d, %v, %v; want %d and a TTL within the window", want, n, ttl, err, want)
			}
		}
		n, ttl, err := c.Count(ctx, "login:user:alice")
		if err != nil || n != 3 || ttl <= 0 || ttl > window {
			t.Fatalf("Count = %d, %v, %v; want 3 and a TTL within the window", n, ttl, err)
		}
		// the window starts at the first event and is not pushed back by later ones
		time.Sleep(20 * time.Millisecond)
		_, ttl2, _ := c.Incr(ctx, "login:user:alice", window)
		if ttl2 >= ttl {
			t.Errorf("a later event moved the window's end: TTL %v then %v", ttl, ttl2)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		const window = 300 * time.Millisecond
		if n, _, err := c.Incr(ctx, "orders:user:7", window); err != nil || n != 1 {
			t.Fatalf("Incr = %d, %v", n, err)
		}
		c.Incr(ctx, "orders:user:7", window)
		eventually(t, 5*time.Second, "the window ends", func() error {
			if n, _, err := c.Count(ctx, "orders:user:7"); err != nil || n != 0 {
				return fmt.Errorf("count %d, %v", n, err)
			}
			return nil
		})
		if n, ttl, err := c.Incr(ctx, "orders:user:7", window); err != nil || n != 1 || ttl <= 0 {
			t.Fatalf("Incr in a new window = %d, %v, %v; want 1 and a fresh TTL", n, ttl, err)
		}
	})

	// Keys as the services build them, with what users may type in them:
	// braces (a cluster hash tag), IPv6 addresses, other scripts.
	t.Run("AnyKey", func(t *testing.T) {
		for _, k := range []string{"login:user:{admin}", "login:user:}{", "login:user:{", "login:ip:[::1]",
			"login:ip:2001:db8::1", "login:user:张三", "login:user: spaced out ", "login:user:"} {
			for want := int64(1); want <= 2; want++ {
				if n, _, err := c.Incr(ctx, k, time.Minute); err != nil || n != want {
					t.Fatalf("Incr(%q) = %d, %v; want %d", k, n, err, want)
				}
			}
			if n, _, err := c.Count(ctx, k); err != nil || n != 2 {
				t.Errorf("Count(%q) = %d, %v; want 2", k, n, err)
			}
		}
	})

	// Replicas counting at once never lose or share an increment: every
	// caller sees a distinct count, and the total is exact.
	t.Run("Concurrent", func(t *testing.T) {
		const workers, each = 16, 10
		other := NewCounter(rdb, CounterOptions{Prefix: prefix, Timeout: 5 * time.Second}) // another replica
		var mu sync.Mutex
		var seen []int64
		var wg sync.WaitGroup
		for i := range workers {
			cc := c
			if i%2 == 1 {
				cc = other
			}
			wg.Go(func() {
				for range each {
					n, _, err := cc.Incr(ctx, "login:ip:192.0.2.1", time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					seen = append(seen, n)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		sort.Slice(seen, func(i, j int) bool { return seen[i] < seen[j] })
		for i, n := range seen {
			if n != int64(i+1) {
				t.Fatalf("counts seen %v: want each of 1..%d once", seen, workers*each)
			}
		}
		if n, _, err := c.Count(ctx, "login:ip:192.0.2.1"); err != nil || n != workers*each {
			t.Errorf("Count = %d, %v; want %d", n, err, workers*each)
		}
	})

	// On a cluster the keys spread over the masters: the counter is not
	// leaning on one node by a hash tag of its own.
	t.Run("Spread", func(t *testing.T) {
		cl, ok := rdb.(*redis.ClusterClient)
		if !ok {
			t.Skip("one Redis: nothing to spread over")
		}
		for i := range 64 {
			if _, _, err := c.Incr(ctx, "orders:user:"+strconv.Itoa(i), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		holding := 0
		err := cl.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			keys, err := m.Keys(ctx, prefix+"orders:user:*").Result()
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if len(keys) > 0 {
				holding++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if holding < 2 {
			t.Errorf("64 counters live on %d master(s), want them spread over several", holding)
		}
	})

	// Every counter expires: none may lock anyone out for ever.
	t.Run("TTL", func(t *testing.T) {
		keys := cachetest.Keys(t, rdb, "*"+prefix+"*")
		if len(keys) == 0 {
			t.Fatal("no counter keys found")
		}
		for _, k := range keys {
			// go-redis gives PTTL's -1 (no expiry) and -2 (gone: its window
			// ended meanwhile) as those many nanoseconds
			if ttl, err := rdb.PTTL(ctx, k).Result(); err != nil || ttl == -1 {
				t.Errorf("key %s: TTL %v, %v; want a positive TTL", k, ttl, err)
			}
		}
	})
}

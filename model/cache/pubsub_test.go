package cache

// Tests of the pub/sub invalidation and of the shared fetches. The Redis ones
// run from TestCacheRedis (and the cluster suite); TestSingleflight needs no
// Redis.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

func TestSingleflight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Run("Singleflight", func(t *testing.T) { testSingleflight(t, b.Store, nil) })
		t.Run("FlightAfterWrite", func(t *testing.T) { testFlightAfterWrite(t, b.Store, nil) })
	})
}

// TestMessage: what a replica publishes reads back the same.
func TestMessage(t *testing.T) {
	for _, m := range []message{
		{l: 1, d: 2},
		{l: 1732900000000, d: 1732900000001, lists: true, ids: []int64{7}},
		{l: 3, d: 4, all: true},
		{l: 3, d: 4, lists: true, all: true},
		{l: 5, d: 6, ids: []int64{1, 22, 333}},
	} {
		sender, got, err := decodeMessage(m.encode("abc"))
		if err != nil || sender != "abc" || fmt.Sprint(got) != fmt.Sprint(m) {
			t.Errorf("%+v: got %q %+v, %v", m, sender, got, err)
		}
	}
	for _, bad := range []string{"", "abc", "abc 1 2 l", "abc x 2 l ", "abc 1 2 - 1,x"} {
		if _, _, err := decodeMessage(bad); err == nil {
			t.Errorf("decodeMessage(%q) = nil error", bad)
		}
	}
}

// testPubSub: a replica whose local entries would otherwise live a minute,
// and which never re-reads the generation by itself, serves every kind of
// write made on another replica within half a second: the published
// invalidation reaches it.
func testPubSub(t *testing.T, st *store.Store, rdb redis.UniversalClient) {
	ctx := context.Background()
	f := seed(t, st)
	prefix := testPrefix(t, rdb)
	c := newStore(t, st, rdb, opts(prefix))
	replica := newStore(t, st, rdb, Options{Prefix: prefix, Timeout: time.Second,
		LocalTTL: time.Minute, LocalLongTTL: time.Minute, GenRefresh: time.Hour})
	waitHealthy(t, replica)
	for _, w := range writeCases(f) {
		t.Run(w.name, func(t *testing.T) {
			mustMatch(t, ctx, c, st, f)
			mustMatch(t, ctx, replica, st, f)
			if !localHas(replica, f.product) {
				t.Fatalf("the replica does not hold the detail locally: the check would prove nothing")
			}
			_, _, e0 := c.Stats()
			if err := w.write(ctx, c); err != nil {
				t.Fatalf("write: %v", err)
			}
			start := time.Now()
			for {
				err := match(ctx, replica, st, f)
				if err == nil {
					break
				}
				// A failed Redis call of the writer (a loaded machine)
				// leaves the message to the replay after the back-off.
				within := 2 * time.Second // pub/sub takes milliseconds; the fallback would take a minute
				if _, _, e := c.Stats(); e != e0 {
					within += 2 * time.Second
				}
				if time.Since(start) > within {
					t.Fatalf("the other replica: not within %v: %v", within, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// testSubscriptionKilled: Redis kills the replica's subscription. The replica
// notices, its local entries fall back to the short life (messages may have
// been lost meanwhile), it subscribes again, and then serves a write made on
// another replica within half a second again.
func testSubscriptionKilled(t *testing.T, st *store.Store, url string) {
	ctx := context.Background()
	name := "shanhai-test-" + randHex(6)
	rdb := testClient(t, url)
	named := testClient(t, withClientName(url, name))
	f := seed(t, st)
	prefix := testPrefix(t, rdb)
	c := newStore(t, st, rdb, opts(prefix))
	replica := newStore(t, st, named, Options{Prefix: prefix, Timeout: time.Second,
		LocalTTL: 100 * time.Millisecond, LocalLongTTL: time.Minute, GenRefresh: time.Hour})
	waitHealthy(t, replica)
	mustMatch(t, ctx, replica, st, f)
	time.Sleep(150 * time.Millisecond) // past the short life
	if !localHas(replica, f.product) {
		t.Fatalf("the detail is not held past LocalTTL while the subscription is healthy")
	}
	ep := replica.epoch.Load()

	killPubSub(t, rdb, name)
	eventually(t, 2*time.Second, "the replica notices", func() error {
		if replica.epoch.Load() == ep {
			return errors.New("same epoch")
		}
		return nil
	})
	if localHas(replica, f.product) {
		t.Fatalf("an entry older than LocalTTL outlived the subscription it relied on")
	}
	mustMatch(t, ctx, replica, st, f)

	waitHealthy(t, replica)
	mustMatch(t, ctx, replica, st, f)
	if _, err := c.SetSKUPrice(ctx, f.sku, 4711); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "the write on the resubscribed replica", func() error {
		return match(ctx, replica, st, f)
	})
}

// testMessagesLost: the replica's link to Redis goes away (closed, or
// silently stalled) while another replica writes, so the message does not
// reach it. Its long-lived entries must not outlive that by more than a
// second; once the link is back it serves writes within half a second again.
func testMessagesLost(t *testing.T, st *store.Store, url string) {
	ctx := context.Background()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, opt.Addr)
	direct := testClient(t, url)
	via := testClient(t, "redis://"+px.addr()+"/"+strconv.Itoa(opt.DB))
	f := seed(t, st)
	prefix := testPrefix(t, direct)
	c := newStore(t, st, direct, opts(prefix))
	replica := newStore(t, st, via, Options{Prefix: prefix, Timeout: 200 * time.Millisecond, Backoff: 200 * time.Millisecond,
		LocalTTL: 300 * time.Millisecond, LocalLongTTL: time.Minute, GenRefresh: time.Hour})
	price := int64(8000)
	for _, tc := range []struct {
		name     string
		cut, fix func()
	}{
		{"closed", func() { px.setDown(true) }, func() { px.setDown(false) }},
		{"stalled", func() { px.setStalled(true) }, func() { px.setStalled(false) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			waitHealthy(t, replica)
			mustMatch(t, ctx, c, st, f)
			mustMatch(t, ctx, replica, st, f)
			time.Sleep(350 * time.Millisecond) // past the short life
			if !localHas(replica, f.product) {
				t.Fatalf("the detail is not held past LocalTTL while the subscription is healthy")
			}

			tc.cut()
			defer tc.fix() // already done unless the test failed
			price++
			if _, err := c.SetSKUPrice(ctx, f.sku, price); err != nil {
				t.Fatal(err)
			}
			wrote := time.Now()
			// Without a read of its own, by the subscription alone.
			eventually(t, 4*time.Second, "the replica notices", func() error {
				if healthy(replica.epoch.Load()) {
					return errors.New("still healthy")
				}
				return nil
			})
			t.Logf("noticed %v after the write", time.Since(wrote).Round(time.Millisecond))
			for {
				err := match(ctx, replica, st, f)
				if err == nil {
					break
				}
				if time.Since(wrote) > 4*time.Second {
					t.Fatalf("the replica serves an old value %v after the write: %v", time.Since(wrote), err)
				}
				time.Sleep(20 * time.Millisecond)
			}

			tc.fix()
			waitHealthy(t, replica)
			mustMatch(t, ctx, replica, st, f)
			price++
			if _, err := c.SetSKUPrice(ctx, f.sku, price); err != nil {
				t.Fatal(err)
			}
			eventually(t, 2*time.Second, "the write once the link is back", func() error {
				return match(ctx, replica, st, f)
			})
		})
	}
}

// gatedInner holds every read of the store until the test opens the gate,
// and counts them.
type gatedInner struct {
	*store.Store
	mu    sync.Mutex
	gate  chan struct{}
	calls atomic.Int32
}

func (g *gatedInner) arm() chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
	g.calls.Store(0)
	return g.gate
}

func (g *gatedInner) wait() {
	g.calls.Add(1)
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	<-gate
}

func (g *gatedInner) Product(ctx context.Context, id int64) (*model.ProductDetail, error) {
	g.wait()
	return g.Store.Product(ctx, id)
}

func (g *gatedInner) Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error) {
	g.wait()
	return g.Store.Products(ctx, q)
}

// testSingleflight: n concurrent misses of one entry read the store once,
// and every caller gets the database's answer.
func testSingleflight(t *testing.T, st *store.Store, rdb redis.UniversalClient) {
	const n = 16
	ctx := context.Background()
	f := seed(t, st)
	prefix := "shanhai-test-sf:"
	if rdb != nil {
		prefix = testPrefix(t, rdb)
	}
	inner := &gatedInner{Store: st}
	o := opts(prefix)
	o.GenRefresh = time.Hour // no generation re-read may start a second flight mid-test
	c := newStore(t, inner, rdb, o)
	if rdb != nil {
		// becoming healthy re-reads the generation, which starts a new flight
		waitHealthy(t, c)
	}
	for _, list := range []bool{false, true} {
		t.Run(fmt.Sprintf("list=%v", list), func(t *testing.T) {
			read := func() (string, error) {
				if list {
					p, err := c.Products(ctx, f.queries[1])
					return jsonOf(p), err
				}
				d, err := c.Product(ctx, f.product)
				return jsonOf(d), err
			}
			var want string
			if list {
				p, err := st.Products(ctx, f.queries[1])
				if err != nil {
					t.Fatal(err)
				}
				want = jsonOf(p)
			} else {
				d, err := st.Product(ctx, f.product)
				if err != nil {
					t.Fatal(err)
				}
				want = jsonOf(d)
			}
			gate := inner.arm()
			_, m0, _ := c.Stats()
			got := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { got[i], errs[i] = read() })
			}
			eventually(t, 10*time.Second, "every other reader waiting on the first one's fetch", func() error {
				if k := parkedInFlight(); k < n-1 {
					return fmt.Errorf("%d of %d waiting, %d store reads", k, n-1, inner.calls.Load())
				}
				return nil
			})
			close(gate)
			wg.Wait()
			if calls := inner.calls.Load(); calls != 1 {
				t.Errorf("%d concurrent misses read the store %d times, want once", n, calls)
			}
			if _, m, _ := c.Stats(); m-m0 != 1 {
				t.Errorf("misses counted %d, want 1", m-m0)
			}
			for i := range n {
				if errs[i] != nil || got[i] != want {
					t.Fatalf("reader %d: %v\n got %s\nwant %s", i, errs[i], got[i], want)
				}
			}
		})
	}
}

// testFlightAfterWrite: a read that begins after a write does not join a
// fetch that began before it (that one may hold the old row), and what that
// fetch read is not kept.
func testFlightAfterWrite(t *testing.T, st *store.Store, rdb redis.UniversalClient) {
	ctx := context.Background()
	f := seed(t, st)
	price := int64(3000)
	for _, list := range []bool{false, true} {
		t.Run(fmt.Sprintf("list=%v", list), func(t *testing.T) {
			prefix := "shanhai-test-flight:"
			if rdb != nil {
				prefix = testPrefix(t, rdb) // nothing in Redis yet: the first read misses
			}
			inner := &slowInner{Store: st}
			c := newStore(t, inner, rdb, opts(prefix))
			read := func() (string, error) {
				if list {
					p, err := c.Products(ctx, f.queries[1])
					return jsonOf(p), err
				}
				d, err := c.Product(ctx, f.product)
				return jsonOf(d), err
			}
			fetched, release := inner.arm()
			done := make(chan error, 1)
			go func() {
				_, err := read()
				done <- err
			}()
			select {
			case <-fetched:
			case err := <-done:
				t.Fatalf("the first reader did not miss (err %v): the race is not set up", err)
			}
			price++
			if _, err := c.SetSKUPrice(ctx, f.sku, price); err != nil {
				t.Fatal(err)
			}
			type answer struct {
				v   string
				err error
			}
			after := make(chan answer, 1)
			go func() {
				v, err := read()
				after <- answer{v, err}
			}()
			select {
			case a := <-after:
				if a.err != nil {
					t.Fatal(a.err)
				}
				var want any
				var err error
				if list {
					want, err = st.Products(ctx, f.queries[1])
				} else {
					want, err = st.Product(ctx, f.product)
				}
				if err != nil {
					t.Fatal(err)
				}
				if w := jsonOf(want); a.v != w {
					t.Fatalf("the read after the write got\n %s\nwant %s", a.v, w)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("the read after the write waits for the fetch that began before it")
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			mustMatch(t, ctx, c, st, f)
			mustMatch(t, ctx, newStore(t, st, rdb, opts(prefix)), st, f)
		})
	}
}

// newStore is New, closed when t ends (before its Redis client closes).
func newStore(t testing.TB, inner Inner, rdb redis.UniversalClient, o Options) *Store {
	c := New(inner, rdb, o)
	t.Cleanup(func() { c.Close() })
	return c
}

// waitHealthy waits until c's local entries may live LocalLongTTL: Redis
// probed and the subscription confirmed.
func waitHealthy(t *testing.T, c *Store) {
	t.Helper()
	eventually(t, 5*time.Second, "a healthy subscription", func() error {
		c.redisOK(context.Background())
		if !healthy(c.epoch.Load()) {
			return errors.New("not healthy")
		}
		return nil
	})
}

// localHas reports whether c would serve product id from its local tier now.
func localHas(c *Store, id int64) bool {
	_, ok := c.details.get(id, c.now(), c.allVer.Load(), c.prodVer[id&(stripes-1)].Load(), c.epoch.Load())
	return ok
}

func withClientName(url, name string) string {
	if strings.Contains(url, "?") {
		return url + "&client_name=" + name
	}
	return url + "?client_name=" + name
}

// killPubSub kills the pub/sub connection of the client named name.
func killPubSub(t *testing.T, rdb redis.UniversalClient, name string) {
	t.Helper()
	ctx := context.Background()
	eventually(t, 5*time.Second, "the subscriber's connection", func() error {
		list, err := rdb.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
		if err != nil {
			return err
		}
		for _, line := range strings.Split(list, "\n") {
			var id string
			named := false
			for _, kv := range strings.Fields(line) {
				k, v, _ := strings.Cut(kv, "=")
				switch {
				case k == "id":
					id = v
				case k == "name" && v == name:
					named = true
				}
			}
			if named && id != "" {
				return rdb.Do(ctx, "CLIENT", "KILL", "ID", id).Err()
			}
		}
		return fmt.Errorf("no pubsub client named %s", name)
	})
}

// parkedInFlight counts the goroutines waiting for another's shared fetch.
func parkedInFlight() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	k := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("singleflight.(*Group).Do(")) && bytes.Contains(g, []byte("sync.(*WaitGroup).Wait(")) {
			k++
		}
	}
	return k
}

package cache

// The real-Redis suite runs when SHANHAI_TEST_REDIS (redis://host:port/db) is
// set, the cluster suite when SHANHAI_TEST_REDIS_CLUSTER (host:port,...) is;
// each says it was SKIPPED otherwise. Both run on SQLite, and on MariaDB too
// when SHANHAI_TEST_MYSQL is set. TestCacheRedisDown needs no Redis at all.
// Every check compares the cache's answer with the store's own, read fresh
// from the database, never with what the cache said before.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shanhai/model"
	"shanhai/model/cache/cachetest"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

func TestCacheRedis(t *testing.T) {
	url := os.Getenv("SHANHAI_TEST_REDIS")
	if url == "" {
		t.Skip("SKIPPED the real-Redis cache suite: SHANHAI_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		rdb := testClient(t, url)
		t.Run("MissThenHit", func(t *testing.T) { testMissThenHit(t, b.Store, rdb) })
		t.Run("ReadAfterWrite", func(t *testing.T) { testReadAfterWrite(t, b.Store, rdb) })
		t.Run("Transaction", func(t *testing.T) { testTransaction(t, b.Store, rdb) })
		t.Run("SlowReader", func(t *testing.T) { testSlowReader(t, b.Store, rdb) })
		t.Run("RedisGoesAway", func(t *testing.T) { testRedisGoesAway(t, b.Store, url) })
		t.Run("PubSub", func(t *testing.T) { testPubSub(t, b.Store, rdb) })
		t.Run("SubscriptionKilled", func(t *testing.T) { testSubscriptionKilled(t, b.Store, url) })
		t.Run("MessagesLost", func(t *testing.T) { testMessagesLost(t, b.Store, url) })
		t.Run("Singleflight", func(t *testing.T) { testSingleflight(t, b.Store, rdb) })
		t.Run("FlightAfterWrite", func(t *testing.T) { testFlightAfterWrite(t, b.Store, rdb) })
	})
}

func TestCacheCluster(t *testing.T) {
	addrs := os.Getenv("SHANHAI_TEST_REDIS_CLUSTER")
	if addrs == "" {
		t.Skip("SKIPPED the Redis Cluster cache suite: SHANHAI_TEST_REDIS_CLUSTER is not set (e.g. 127.0.0.1:7001,127.0.0.1:7002)")
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		rdb := testClient(t, addrs)
		if _, ok := rdb.(*redis.ClusterClient); !ok {
			t.Fatalf("NewClient(%q) = %T, want a cluster client", addrs, rdb)
		}
		t.Run("MissThenHit", func(t *testing.T) { testMissThenHit(t, b.Store, rdb) })
		t.Run("ReadAfterWrite", func(t *testing.T) { testReadAfterWrite(t, b.Store, rdb) })
		t.Run("Transaction", func(t *testing.T) { testTransaction(t, b.Store, rdb) })
		t.Run("SlowReader", func(t *testing.T) { testSlowReader(t, b.Store, rdb) })
		t.Run("PubSub", func(t *testing.T) { testPubSub(t, b.Store, rdb) })
		t.Run("Singleflight", func(t *testing.T) { testSingleflight(t, b.Store, rdb) })
		t.Run("FlightAfterWrite", func(t *testing.T) { testFlightAfterWrite(t, b.Store, rdb) })
	})
}

// TestCacheRedisDown needs no Redis: a closed port, and a server that accepts
// connections and never answers.
func TestCacheRedisDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		t.Run("Refused", func(t *testing.T) {
			testRedisUnusable(t, b.Store, testClient(t, "redis://127.0.0.1:1/0"))
		})
		t.Run("Hangs", func(t *testing.T) {
			testRedisUnusable(t, b.Store, testClient(t, "redis://"+hungServer(t)+"/0"))
		})
	})
}

func testMissThenHit(t *testing.T, st *store.Store, rdb redis.UniversalClient) {
	ctx := context.Background()
	f := seed(t, st)
	prefix := testPrefix(t, rdb)
	c := newStore(t, st, rdb, opts(prefix))

	h0, m0, e0 := c.Stats()
	mustMatch(t, ctx, c, st, f)
	h1, m1, _ := c.Stats()
	if m1 != m0+1+uint64(len(f.queries)) || h1 != h0 {
		t.Fatalf("first reads: hits %d→%d, misses %d→%d; want only %d misses", h0, h1, m0, m1, 1+len(f.queries))
	}
	mustMatch(t, ctx, c, st, f)
	h2, m2, e2 := c.Stats()
	if h2 != h1+1+uint64(len(f.queries)) || m2 != m1 {
		t.Fatalf("second reads: hits %d→%d, misses %d→%d; want only hits", h1, h2, m1, m2)
	}
	if e2 != e0 {
		t.Fatalf("redis errors %d→%d", e0, e2)
	}

	// Another replica, and one without the in-process tier, find it all in Redis.
	for _, o := range []Options{opts(prefix), {Prefix: prefix, Timeout: time.Second, LocalTTL: -1}} {
		r := newStore(t, st, rdb, o)
		mustMatch(t, ctx, r, st, f)
		mustMatch(t, ctx, r, st, f)
		if h, m, e := r.Stats(); m != 0 || e != 0 || h != 2*uint64(1+len(f.queries)) {
			t.Fatalf("replica %+v: hits %d, misses %d, errors %d; want every read a hit", o, h, m, e)
		}
	}

	// Every key the cache wrote is bounded by a TTL.
	keys := cachetest.Keys(t, rdb, "*"+prefix+"*")
	if len(keys) < 2+len(f.queries) {
		t.Fatalf("redis holds %d keys under %q, want a detail, %d list pages and the generation: %v",
			len(keys), prefix, len(f.queries), keys)
	}
	for _, k := range keys {
		ttl, err := rdb.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 {
			t.Errorf("key %s: TTL %v, %v; want a positive TTL", k, ttl, err)
		}
	}
}

// writeCase is one kind of write and what it must visibly change.
type writeCase struct {
	name         string
	write        func(ctx context.Context, c *Store) error
	detail, list bool // whether the detail / some list page must differ afterwards
}

func writeCases(f fixture) []writeCase {
	return []writeCase{
		{"SetSKUPrice", func(ctx context.Context, c *Store) error {
			_, err := c.SetSKUPrice(ctx, f.sku, 5900)
			return err
		}, true, true},
		{"AdjustStock", func(ctx context.Context, c *Store) error {
			_, err := c.Stock(c.Inner.(StockMover)).AdjustStock(ctx, f.sku, 7)
			return err
		}, true, false},
		{"Certify", func(ctx context.Context, c *Store) error {
			return c.Certify(ctx, &model.Certification{ProductID: f.product, CertificateNo: "ZJ-" + f.tag,
				Issuer: "上虞区农业农村局", ValidFrom: "2000-01-01", ValidTo: "2099-12-31"})
		}, true, true},
		{"RevokeCertification", func(ctx context.Context, c *Store) error {
			return c.RevokeCertification(ctx, f.product)
		}, true, true},
		{"SetProductOnSale/off", func(ctx context.Context, c *Store) error {
			return c.SetProductOnSale(ctx, f.product, false)
		}, true, true},
		{"SetProductOnSale/on", func(ctx context.Context, c *Store) error {
			return c.SetProductOnSale(ctx, f.product, true)
		}, true, true},
		{"SetSupplierStatus/suspended", func(ctx context.Context, c *Store) error {
			ids, err := c.SetSupplierStatus(ctx, f.supplier, model.SupplierSuspended)
			if err == nil && len(ids) != 2 {
				err = fmt.Errorf("SetSupplierStatus returned %v, want the 2 products", ids)
			}
			return err
		}, true, true},
		{"SetSupplierStatus/active", func(ctx context.Context, c *Store) error {
			_, err := c.SetSupplierStatus(ctx, f.supplier, model.SupplierActive)
			return err
		}, true, true},
		{"UpdateProduct", func(ctx context.Context, c *Store) error {
			name := "川明参 特级 " + f.tag
			return c.UpdateProduct(ctx, f.product, model.ProductPatch{Name: &name})
		}, true, true},
		{"CreateProduct", func(ctx context.Context, c *Store) error {
			return c.CreateProduct(ctx, &model.Product{SupplierID: f.supplier, Name: "金口河核桃 " + f.tag,
				CategoryCode: "herbs", OriginCode: "511113", OnSale: true},
				[]model.SKU{{Spec: "1kg", Unit: "袋", PriceCents: 100, OnHand: 5}})
		}, false, true},
		{"CreatePairing", func(ctx context.Context, c *Store) error {
			return c.CreatePairing(ctx, &model.Pairing{Programme: model.ProgrammeEastWest, Level: model.LevelCounty,
				HelperCode: f.helper, PartnerCode: "511113", SinceYear: 2021, Active: true})
		}, true, false},
		{"UpdatePairing", func(ctx context.Context, c *Store) error {
			ps, err := c.Pairings(ctx)
			if err != nil || len(ps) == 0 {
				return fmt.Errorf("no pairing to update (%v)", err)
			}
			off := false
			return c.UpdatePairing(ctx, ps[len(ps)-1].ID, model.PairingPatch{Active: &off})
		}, true, false},
	}
}

// testReadAfterWrite: after each kind of write the replica that made it
// answers like the database at once, and another replica within 1.5 s.
func testReadAfterWrite(t *testing.T, st *store.Store, rdb redis.UniversalClient) {
	ctx := context.Background()
	f := seed(t, st)
	prefix := testPrefix(t, rdb)
	c := newStore(t, st, rdb, opts(prefix))
	replica := newStore(t, st, rdb, opts(prefix))
	for _, w := range writeCases(f) {
		t.Run(w.name, func(t *testing.T) {
			// Warm both replicas (in-process tier and Redis) with the old answers.
			mustMatch(t, ctx, c, st, f)
			mustMatch(t, ctx, replica, st, f)
			beforeD, beforeL := snapshot(t, ctx, st, f)

			if err := w.write(ctx, c); err != nil {
				t.Fatalf("write: %v", err)
			}
			afterD, afterL := snapshot(t, ctx, st, f)
			if w.detail && afterD == beforeD {
				t.Fatalf("the write did not change the product detail: the check would prove nothing")
			}
			if w.list && afterL == beforeL {
				t.Fatalf("the write did not change any list page: the check would prove nothing")
			}
			mustMatch(t, ctx, c, st, f)
			// Within 1.5 s while Redis answers every call. A failed call (a
			// loaded CI machine) leaves the replay to the back-off: allow for it.
			_, _, e0 := c.Stats()
			start := time.Now()
			for {
				err := match(ctx, replica, st, f)
				if err == nil {
					break
				}
				within := 4 * time.Second // ~1 s by design; slack for a loaded CI machine
				if _, _, e := c.Stats(); e != e0 {
					within += 2 * time.Second
				}
				if time.Since(start) > within {
					t.Fatalf("the other replica: not within %v: %v", within, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	if _, _, e := c.Stats(); e != 0 {
		t.Logf("redis errors: %d", e)
	}
}

// testTransaction: invalidation waits for the commit, a rollback leaves the
// cache right, and nothing read inside a transaction is ever stored.
func testTransaction(t *testing.T, st *store.Store, rdb redis.UniversalClient) {
	ctx := context.Background()
	f := seed(t, st)
	prefix := testPrefix(t, rdb)
	c := newStore(t, st, rdb, opts(prefix))
	errRollback := errors.New("roll back")

	t.Run("Rollback", func(t *testing.T) {
		mustMatch(t, ctx, c, st, f)
		key := c.detailKey(f.product)
		gen := listGen(t, rdb, c)
		err := st.InTx(ctx, func(tx context.Context) error {
			if _, err := c.SetSKUPrice(tx, f.sku, 1); err != nil {
				return err
			}
			if err := c.SetProductOnSale(tx, f.other, false); err != nil {
				return err
			}
			d, err := c.Product(tx, f.product)
			if err != nil {
				return err
			}
			if p := d.SKUs[0].PriceCents; p != 1 {
				t.Errorf("inside the transaction the detail shows price %d, want its own write 1", p)
			}
			if n := rdb.Exists(ctx, key).Val(); n != 1 {
				t.Errorf("the detail left Redis before the commit")
			}
			if g := listGen(t, rdb, c); g != gen {
				t.Errorf("the list generation moved before the commit: %d → %d", gen, g)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("InTx = %v, want the rollback", err)
		}
		mustMatch(t, ctx, c, st, f)
		if d, _ := c.Product(ctx, f.product); d.SKUs[0].PriceCents == 1 {
			t.Fatalf("the rolled-back price is served")
		}
		if n := rdb.Exists(ctx, key).Val(); n != 1 {
			t.Errorf("a rollback invalidated the detail: invalidations must run only after a commit")
		}
	})

	t.Run("ReadInTxNotStored", func(t *testing.T) {
		fresh := newStore(t, st, rdb, opts(prefix)) // empty in-process tier
		fresh.redisOK(ctx)                          // learn the generation, so detailKey is the live key
		key := fresh.detailKey(f.product)
		rdb.Del(ctx, key, key+leaseSuffix)
		err := st.InTx(ctx, func(tx context.Context) error {
			if _, err := fresh.SetSKUPrice(tx, f.sku, 2); err != nil {
				return err
			}
			d, err := fresh.Product(tx, f.product)
			if err != nil {
				return err
			}
			if p := d.SKUs[0].PriceCents; p != 2 {
				t.Errorf("inside the transaction the detail shows price %d, want 2", p)
			}
			for _, q := range f.queries {
				if _, err := fresh.Products(tx, q); err != nil {
					return err
				}
			}
			if n := rdb.Exists(ctx, key).Val(); n != 0 {
				t.Errorf("a value read inside a transaction was stored in Redis")
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("InTx = %v, want the rollback", err)
		}
		mustMatch(t, ctx, fresh, st, f)
		mustMatch(t, ctx, newStore(t, st, rdb, opts(prefix)), st, f)
	})

	t.Run("CommitThenInvalidate", func(t *testing.T) {
		mustMatch(t, ctx, c, st, f)
		key := c.detailKey(f.product)
		gen := listGen(t, rdb, c)
		err := st.InTx(ctx, func(tx context.Context) error {
			if _, err := c.SetSKUPrice(tx, f.sku, 4321); err != nil {
				return err
			}
			if n := rdb.Exists(ctx, key).Val(); n != 1 {
				t.Errorf("the detail left Redis before the commit")
			}
			if g := listGen(t, rdb, c); g != gen {
				t.Errorf("the list generation moved before the commit")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := rdb.Exists(ctx, key).Val(); n != 0 {
			t.Errorf("the detail is still in Redis after the commit")
		}
		if g := listGen(t, rdb, c); g <= gen {
			t.Errorf("the list generation did not move on commit: %d → %d", gen, g)
		}
		mustMatch(t, ctx, c, st, f)
		if d, _ := c.Product(ctx, f.product); d.SKUs[0].PriceCents != 4321 {
			t.Fatalf("price %d after the commit, want 4321", d.SKUs[0].PriceCents)
		}
	})
}

// slowInner holds a read that has fetched its answer from the database until
// the test lets it go on: the reader that raced a write.
type slowInner struct {
	*store.Store
	mu      sync.Mutex
	fetched chan struct{} // closed once the held read has its answer
	hold    chan struct{} // the held read goes on when this closes
}

func (s *slowInner) arm() (fetched, release chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetched, s.hold = make(chan struct{}), make(chan struct{})
	return s.fetched, s.hold
}

func (s *slowInner) pause() {
	s.mu.Lock()
	f, h := s.fetched, s.hold
	s.fetched, s.hold = nil, nil
	s.mu.Unlock()
	if f != nil {
		close(f)
		<-h
	}
}

func (s *slowInner) Product(ctx context.Context, id int64) (*model.ProductDetail, error) {
	d, err := s.Store.Product(ctx, id)
	s.pause()
	return d, err
}

func (s *slowInner) Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error) {
	p, err := s.Store.Products(ctx, q)
	s.pause()
	return p, err
}

// testSlowReader: a reader fetches the old row, a write commits and
// invalidates, then the reader stores what it fetched. Neither the writer's
// replica nor a fresh one reading Redis may serve that old value.
func testSlowReader(t *testing.T, st *store.Store, rdb redis.UniversalClient) {
	ctx := context.Background()
	f := seed(t, st)
	price := int64(9000)
	for _, same := range []bool{true, false} {
		for _, list := range []bool{false, true} {
			t.Run(fmt.Sprintf("sameReplica=%v/list=%v", same, list), func(t *testing.T) {
				prefix := testPrefix(t, rdb)
				inner := &slowInner{Store: st}
				c := newStore(t, inner, rdb, opts(prefix))
				reader := c
				if !same {
					reader = newStore(t, inner, rdb, opts(prefix))
				}
				fetched, release := inner.arm()
				done := make(chan error, 1)
				go func() {
					var err error
					if list {
						_, err = reader.Products(ctx, f.queries[1])
					} else {
						_, err = reader.Product(ctx, f.product)
					}
					done <- err
				}()
				select {
				case <-fetched:
				case err := <-done:
					t.Fatalf("the reader did not miss (err %v): the race is not set up", err)
				}
				price++
				if _, err := c.SetSKUPrice(ctx, f.sku, price); err != nil {
					t.Fatal(err)
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
}

// testRedisUnusable: with Redis refusing or hanging, every read still gets
// the database's answer, about as fast as the bare store gives it, writes
// work, and the errors are counted.
func testRedisUnusable(t *testing.T, st *store.Store, rdb redis.UniversalClient) {
	ctx := context.Background()
	f := seed(t, st)
	c := newStore(t, st, rdb, Options{Prefix: "shanhai-test-down:", Timeout: 50 * time.Millisecond, Backoff: 200 * time.Millisecond})
	// quick checks the cache's reads give the database's answers without
	// waiting on Redis at every read: while the back-off runs, Redis is not
	// asked at all, so the errors counted grow by at most one probe per
	// back-off period that elapsed (no wall-clock bound: a loaded machine
	// only allows more probes).
	quick := func(what string) {
		t.Helper()
		_, _, e0 := c.Stats()
		start := time.Now()
		if _, err := c.Product(ctx, f.product); err != nil {
			t.Fatal(err)
		}
		for _, q := range f.queries {
			if _, err := c.Products(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		_, _, e1 := c.Stats()
		periods := uint64(time.Since(start)/c.opt.Backoff) + 1
		if probes := e1 - e0; probes > 2*periods {
			t.Errorf("%s: %d Redis errors over %d back-off periods: Redis was asked while it was known down", what, probes, periods)
		}
		mustMatch(t, ctx, c, st, f)
	}
	for i := 0; i < 3; i++ {
		quick("reads")
		time.Sleep(250 * time.Millisecond) // past the back-off: the next read probes Redis again
	}
	for _, w := range writeCases(f) {
		mustMatch(t, ctx, c, st, f) // the in-process tier holds the old answers
		if err := w.write(ctx, c); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		quick("after " + w.name)
	}
	if _, _, e := c.Stats(); e == 0 {
		t.Errorf("no Redis errors counted")
	}
	if err := c.Ping(ctx); err == nil {
		t.Errorf("Ping = nil with Redis unusable")
	}
}

// testRedisGoesAway: Redis (behind a proxy the test controls) goes away after
// the cache filled it; a write made meanwhile cannot delete there, so its
// invalidation must be replayed before the cache uses Redis again.
func testRedisGoesAway(t *testing.T, st *store.Store, url string) {
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
	c := newStore(t, st, via, Options{Prefix: prefix, Timeout: time.Second, Backoff: 300 * time.Millisecond})
	replica := newStore(t, st, direct, opts(prefix))

	mustMatch(t, ctx, c, st, f)
	mustMatch(t, ctx, replica, st, f)
	key := c.detailKey(f.product)
	if direct.Exists(ctx, key).Val() != 1 {
		t.Fatalf("the detail is not in Redis: %s", key)
	}

	px.setDown(true)
	if _, err := c.SetSKUPrice(ctx, f.sku, 777); err != nil {
		t.Fatal(err)
	}
	if err := c.SetProductOnSale(ctx, f.other, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		mustMatch(t, ctx, c, st, f)
	}
	if direct.Exists(ctx, key).Val() != 1 {
		t.Fatalf("the detail left Redis although Redis was unreachable: the test proves nothing")
	}
	if _, _, e := c.Stats(); e == 0 {
		t.Errorf("no Redis errors counted while it was away")
	}

	px.setDown(false)
	eventually(t, 3*time.Second, "the cache back on Redis", func() error {
		mustMatch(t, ctx, c, st, f)
		if c.down.Load() {
			return errors.New("still marked down")
		}
		return nil
	})
	// A replica that never saw the write reads Redis: the replayed delete and
	// generation bump must have reached it.
	mustMatch(t, ctx, newStore(t, st, direct, opts(prefix)), st, f)
	eventually(t, 1500*time.Millisecond, "the warmed replica", func() error { return match(ctx, replica, st, f) })
}

// fixture is a supplier with two products in 金口河 and the list queries the
// checks compare.
type fixture struct {
	tag                    string
	helper                 string // helper region of the pairing CreatePairing adds
	supplier, product, sku int64
	other                  int64 // a second product of the supplier
	queries                []model.ProductQuery
}

// helpers are Shaoxing's districts: each fixture pairs a different one with
// 金口河, since a pairing is unique per database.
var (
	helpers = []string{"330604", "330602", "330603", "330683", "330600"}
	seeded  atomic.Int32
)

func seed(t *testing.T, st *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{tag: randHex(4), helper: helpers[int(seeded.Add(1))%len(helpers)]}
	sup := &model.Supplier{Name: "金口河山珍 " + f.tag, RegionCode: "511113", Status: model.SupplierActive}
	if err := st.CreateSupplier(ctx, sup); err != nil {
		t.Fatal(err)
	}
	p := &model.Product{SupplierID: sup.ID, Name: "川明参 " + f.tag, CategoryCode: "herbs", Brand: "金口河",
		OriginCode: "511113", OnSale: true, ShelfLifeDays: 365}
	skus := []model.SKU{
		{Spec: "500g", Unit: "袋", PriceCents: 6800, OnHand: 100, Tiers: []model.Tier{{MinQty: 10, PriceCents: 6000}}},
		{Spec: "1kg", Unit: "袋", PriceCents: 12800, OnHand: 50},
	}
	if err := st.CreateProduct(ctx, p, skus); err != nil {
		t.Fatal(err)
	}
	o := &model.Product{SupplierID: sup.ID, Name: "天麻 " + f.tag, CategoryCode: "herbs",
		OriginCode: "511113", OnSale: true}
	if err := st.CreateProduct(ctx, o, []model.SKU{{Spec: "250g", Unit: "盒", PriceCents: 6500, OnHand: 20}}); err != nil {
		t.Fatal(err)
	}
	f.supplier, f.product, f.sku, f.other = sup.ID, p.ID, skus[0].ID, o.ID
	today, yes := model.DateOf(time.Now()), true
	f.queries = []model.ProductQuery{
		{Sort: model.SortNewest, Today: today, Page: 1, PageSize: 20},
		{Sort: model.SortPriceAsc, Today: today, Page: 1, PageSize: 20},
		{Certified: &yes, Sort: model.SortNewest, Today: today, Page: 1, PageSize: 20},
		{Q: f.tag, Origin: "511100", Category: "herbs", Sort: model.SortName, Today: today, Page: 1, PageSize: 20},
	}
	return f
}

// match compares the cache's answers with the database's.
func match(ctx context.Context, c *Store, st *store.Store, f fixture) error {
	got, err := c.Product(ctx, f.product)
	if err != nil {
		return fmt.Errorf("cache Product: %v", err)
	}
	want, err := st.Product(ctx, f.product)
	if err != nil {
		return fmt.Errorf("store Product: %v", err)
	}
	if g, w := jsonOf(got), jsonOf(want); g != w {
		return fmt.Errorf("product %d:\n got %s\nwant %s", f.product, g, w)
	}
	for _, q := range f.queries {
		got, err := c.Products(ctx, q)
		if err != nil {
			return fmt.Errorf("cache Products: %v", err)
		}
		want, err := st.Products(ctx, q)
		if err != nil {
			return fmt.Errorf("store Products: %v", err)
		}
		if g, w := jsonOf(got), jsonOf(want); g != w {
			return fmt.Errorf("products %+v:\n got %s\nwant %s", q, g, w)
		}
	}
	return nil
}

func mustMatch(t *testing.T, ctx context.Context, c *Store, st *store.Store, f fixture) {
	t.Helper()
	if err := match(ctx, c, st, f); err != nil {
		t.Fatal(err)
	}
}

// snapshot is the database's answers, to tell whether a write changed them.
func snapshot(t *testing.T, ctx context.Context, st *store.Store, f fixture) (detail, lists string) {
	t.Helper()
	d, err := st.Product(ctx, f.product)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, q := range f.queries {
		p, err := st.Products(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(jsonOf(p))
	}
	return jsonOf(d), b.String()
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func eventually(t *testing.T, within time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func listGen(t *testing.T, rdb redis.UniversalClient, c *Store) int64 {
	t.Helper()
	n, err := rdb.HGet(context.Background(), c.genKey(), "l").Int64()
	if err != nil {
		t.Fatalf("generation: %v", err)
	}
	return n
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// opts are the options of the functional tests: a generous Redis deadline,
// so a loaded test machine does not turn a correctness check into a timeout
// test (those have their own).
func opts(prefix string) Options { return Options{Prefix: prefix, Timeout: time.Second} }

func testClient(t testing.TB, url string) redis.UniversalClient {
	t.Helper()
	rdb, err := NewClient(url)
	if err != nil {
		t.Fatalf("NewClient(%q): %v", url, err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// testPrefix is a key prefix of t's own; its keys are deleted when t ends
// (registered after the client, so it runs before the client closes).
func testPrefix(t testing.TB, rdb redis.UniversalClient) string {
	prefix := "shanhai-test:" + randHex(6) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		if keys := cachetest.Keys(t, rdb, "*"+prefix+"*"); len(keys) > 0 {
			for _, k := range keys {
				rdb.Del(ctx, k)
			}
		}
	})
	return prefix
}

// hungServer accepts connections and never answers.
func hungServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			go io.Copy(io.Discard, conn)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// proxy forwards TCP to Redis until set down: then it drops every connection
// and closes new ones at once, as a Redis that went away.
type proxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	down    bool
	stalled bool // connections stay open but nothing goes through: a silent network
	conns   map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.setDown(true)
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns[in], p.conns[out] = true, true
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if n > 0 {
					p.waitFlowing()
					if _, err := dst.Write(buf[:n]); err != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		go pipe(out, in)
		go pipe(in, out)
	}
}

// setStalled holds (or lets go) every byte in flight, connections open.
func (p *proxy) setStalled(stalled bool) {
	p.mu.Lock()
	p.stalled = stalled
	p.mu.Unlock()
}

func (p *proxy) waitFlowing() {
	for {
		p.mu.Lock()
		stalled, down := p.stalled, p.down
		p.mu.Unlock()
		if !stalled || down {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (p *proxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
	}
}

// TestCanon: different queries never share a key, equal ones always do.
func TestCanon(t *testing.T) {
	yes, no := true, false
	qs := []model.ProductQuery{
		{}, {Q: "a"}, {Category: "a"}, {Origin: "a"}, {Sort: "a"}, {Today: "a"},
		{Q: "1:a"}, {Q: "a", Category: "b"}, {Q: "a:1:b"},
		{PairingID: 1}, {Certified: &yes}, {Certified: &no}, {Page: 1}, {PageSize: 1}, {Page: 11}, {Page: 1, PageSize: 1},
	}
	seen := map[string]int{}
	for i, q := range qs {
		k := canon(q)
		if j, ok := seen[k]; ok {
			t.Errorf("queries %d %+v and %d %+v share key %q", j, qs[j], i, q, k)
		}
		seen[k] = i
	}
	yes2 := true
	if canon(model.ProductQuery{Certified: &yes}) != canon(model.ProductQuery{Certified: &yes2}) {
		t.Errorf("equal queries with different pointers got different keys")
	}
	if !bytes.Equal([]byte(canon(qs[7])), []byte(canon(model.ProductQuery{Q: "a", Category: "b"}))) {
		t.Errorf("canon is not deterministic")
	}
}

// TestLocalBounded: the in-process tier never grows past its bound, and an
// entry dies with its TTL or its stamps.
func TestLocalBounded(t *testing.T) {
	l := newLocal[int64, int](100, time.Second, time.Second)
	for i := int64(0); i < 1000; i++ {
		l.put(i, int(i), 0, 1, 1, 0, 0)
		if n := len(l.m); n > 100 {
			t.Fatalf("%d entries, bound 100", n)
		}
	}
	l.put(5000, 1, 0, 1, 1, 0, 0)
	if _, ok := l.get(5000, int64(500*time.Millisecond), 1, 1, 0); !ok {
		t.Errorf("a fresh entry was not found")
	}
	if _, ok := l.get(5000, int64(time.Second), 1, 1, 0); ok {
		t.Errorf("an entry outlived its TTL")
	}
	if _, ok := l.get(5000, 0, 1, 2, 0); ok {
		t.Errorf("an entry outlived an invalidation of its stamp")
	}
}

// TestLocalEpoch: the long life holds only within the healthy epoch the
// entry was fetched in, and never past its cap; the short life always holds.
func TestLocalEpoch(t *testing.T) {
	sec := int64(time.Second)
	l := newLocal[int64, int](100, time.Second, 30*time.Second)
	l.put(1, 1, 0, 0, 0, 1, 0)      // fetched in healthy epoch 1
	l.put(2, 2, 0, 0, 0, 0, 0)      // fetched in unhealthy epoch 0
	l.put(3, 3, 0, 0, 0, 1, 10*sec) // capped by its Redis entry's expiry
	for _, c := range []struct {
		k   int64
		now int64
		ep  uint64
		ok  bool
	}{
		{1, sec / 2, 1, true},
		{1, 20 * sec, 1, true},          // long life, epoch unchanged
		{1, 20 * sec, 2, false},         // the epoch ended: back to the short life
		{1, sec / 2, 2, true},           // ... which still holds
		{1, 20 * sec, 3, false},         // a later healthy epoch does not revive it
		{1, 30 * sec, 1, false},         // past the long life
		{2, 20 * sec, 0, false},         // fetched while unhealthy: short life only
		{2, 20 * sec, 1, false},         // even once healthy
		{3, 9 * sec, 1, true},           // below the cap
		{3, 11 * sec, 1, false},         // past the cap
		{3, sec / 2, 2, true},           // short life regardless
		{1, 20 * sec, 1<<40 + 1, false}, // another healthy epoch, far on
	} {
		if _, ok := l.get(c.k, c.now, 0, 0, c.ep); ok != c.ok {
			t.Errorf("get(%d) at %v in epoch %d: found %v, want %v", c.k, time.Duration(c.now), c.ep, ok, c.ok)
		}
	}
}

// BenchmarkProductHit is the hot path: a detail served by the in-process tier.
func BenchmarkProductHit(b *testing.B) {
	be := storetest.SQLite(b)
	var rdb redis.UniversalClient
	prefix := "shanhai-bench:"
	if url := os.Getenv("SHANHAI_TEST_REDIS"); url != "" {
		rdb = testClient(b, url)
		prefix = testPrefix(b, rdb)
	}
	ctx := context.Background()
	sup := &model.Supplier{Name: "bench", RegionCode: "511113", Status: model.SupplierActive}
	if err := be.Store.CreateSupplier(ctx, sup); err != nil {
		b.Fatal(err)
	}
	p := &model.Product{SupplierID: sup.ID, Name: "bench", CategoryCode: "herbs", OriginCode: "511113", OnSale: true}
	if err := be.Store.CreateProduct(ctx, p, []model.SKU{{Spec: "1", Unit: "袋", PriceCents: 1}}); err != nil {
		b.Fatal(err)
	}
	c := newStore(b, be.Store, rdb, Options{Prefix: prefix})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Product(ctx, p.ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if h, m, _ := c.Stats(); b.N > 1 && h < m {
		b.Errorf("hits %d, misses %d", h, m)
	}
}

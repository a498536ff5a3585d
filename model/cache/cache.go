// Package cache is the Redis layer over the catalogue store: the same methods
// as the store, wrapping it, so business code never knows it is there.
//
// Product detail and list pages are read through three tiers:
//
//  1. an in-process map (local.go). An entry lives Options.LocalTTL (1 s)
//     from its fetch, or Options.LocalLongTTL (30 s, never past the Redis
//     entry it came from) while invalidations reach this process by pub/sub
//     (pubsub.go);
//  2. Redis: JSON values prefixed with their expiry, every key with a TTL
//     (30 s by default). A hit is one plain GET;
//  3. the inner store, i.e. the database, the source of truth. Concurrent
//     misses of one entry in one process share one fetch (singleflight).
//
// Every write goes to the inner store first and registers its invalidation
// with AfterCommit, so the cache is cleared only once the transaction commits
// (never on a rollback). The cache never stores anything inside a transaction:
// a read whose ctx holds one goes straight to the inner store.
//
// Invalidation, in this order, Redis before the local tier:
//   - the generation hash "<prefix>gen" (fields "l" for lists, "d" for
//     details) is read, and bumped (HINCRBY) when the write can change every
//     list page (on sale, price, certification, supplier status, new product)
//     or every detail (a new or edited pairing shows on every product of its
//     partner region). List keys carry "l", detail keys "d". Stock changes
//     touch only their product's detail: lists carry no stock;
//   - the product's detail key is deleted (DEL) under the "d" just read;
//   - the change and the new generations are PUBLISHed to the other replicas,
//     which apply them to their local tier on receipt;
//   - the local stamps of the entries concerned are bumped (local.go).
//
// The replica that made a write serves it at once. Another one serves it as
// soon as the message arrives; should it be lost (the subscription dropped or
// went silent, noticed within a second), its local entries fall back to the
// 1 s life. Each process also re-reads the generation lazily, at most once
// per Options.GenRefresh (1 s). Either way another replica serves a committed
// write within about a second.
//
// Races: a reader that fetched an old row before a commit and stores it after
// the delete. Locally the stamps defeat it, and a read that begins after an
// invalidation never joins a shared fetch that began before it. In Redis a
// miss (GET answers nil) takes a lease (a token in a sibling key of the same
// cluster slot) and the value is stored only while the lease is still there;
// the writer's DEL removes the lease with the value. A page or detail read
// before a bump is stored under the old generation, which nobody reads once
// they know the new one. What is left is bounded by the Redis TTL: a reader
// slower than the lease (5 s), and an invalidation that cannot reach Redis
// from this process while other processes still can (they serve the old value
// until it expires or this process replays its invalidations, and publishes
// them, once per back-off).
//
// Redis down: every call has a short deadline (Options.Timeout). After a
// failure the process skips Redis for Options.Backoff and answers from the
// local tier (entries back to the 1 s life) and the store; invalidations made
// meanwhile are remembered and replayed before Redis is used again, by the
// next read or by a goroutine that retries once per back-off until they are
// in. Redis errors never reach the caller; they are counted (Stats). A new
// Store starts in that state too, so it learns the generation before it reads
// any Redis key.
//
// Values returned are shared with the local tier and with other callers:
// callers must not mutate them (the catalogue service does not).
package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"shanhai/model"
)

// Inner is the store the cache wraps; model/store.Store satisfies it. The
// reads are those of the catalogue service's Store; the writes are the ones
// that change what the cached pages show.
type Inner interface {
	Regions(ctx context.Context) ([]model.Region, error)
	Region(ctx context.Context, code string) (*model.Region, error)
	Categories(ctx context.Context) ([]model.Category, error)
	Category(ctx context.Context, code string) (*model.Category, error)
	Pairings(ctx context.Context) ([]model.PairingView, error)
	Pairing(ctx context.Context, id int64) (*model.PairingView, error)
	Product(ctx context.Context, id int64) (*model.ProductDetail, error)
	Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error)

	SetSupplierStatus(ctx context.Context, id int64, status string) ([]int64, error)
	CreateProduct(ctx context.Context, p *model.Product, skus []model.SKU) error
	SetProductOnSale(ctx context.Context, id int64, onSale bool) error
	SetSKUPrice(ctx context.Context, skuID, priceCents int64) (int64, error)
	Certify(ctx context.Context, c *model.Certification) error
	RevokeCertification(ctx context.Context, productID int64) error
	CreatePairing(ctx context.Context, p *model.Pairing) error
	UpdatePairing(ctx context.Context, id int64, p model.PairingPatch) error
	UpdateProduct(ctx context.Context, id int64, p model.ProductPatch) error
	AddSKU(ctx context.Context, productID int64, k *model.SKU) error
	SetSKUTiers(ctx context.Context, skuID int64, tiers []model.Tier) (int64, error)
	SetPurchaseLimit(ctx context.Context, skuID, limit int64) (int64, error)

	// AfterCommit runs f once the transaction in ctx commits, or at once
	// when ctx holds none.
	AfterCommit(ctx context.Context, f func())
}

// Options tune the cache; zero values take the defaults.
type Options struct {
	Prefix       string        // of every Redis key; default "shanhai:"; braces are dropped (cluster hash tags)
	DetailTTL    time.Duration // Redis TTL of a product detail; default 30 s
	ListTTL      time.Duration // Redis TTL of a list page; default 30 s
	LocalTTL     time.Duration // life of an in-process entry; default 1 s, negative disables the tier
	LocalLongTTL time.Duration // its life while pub/sub invalidation is healthy (pubsub.go); default 30 s, never past its Redis entry's TTL
	LocalSize    int           // entries per in-process map (details, lists); default 10000
	Timeout      time.Duration // deadline of each Redis call; default 100 ms
	Backoff      time.Duration // Redis is skipped this long after a failure; default 1 s
	GenRefresh   time.Duration // how often the generation is re-read from Redis; default 1 s
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Prefix == "" {
		o.Prefix = "shanhai:"
	}
	o.Prefix = strings.NewReplacer("{", "", "}", "").Replace(o.Prefix)
	def(&o.DetailTTL, 30*time.Second)
	def(&o.ListTTL, 30*time.Second)
	def(&o.LocalTTL, time.Second)
	def(&o.LocalLongTTL, 30*time.Second)
	def(&o.Timeout, 100*time.Millisecond)
	def(&o.Backoff, time.Second)
	def(&o.GenRefresh, time.Second)
	if o.LocalSize <= 0 {
		o.LocalSize = 10000
	}
}

const (
	format      = "c3:" // part of every key and of the channel; change it when the cached types or messages change
	leaseSuffix = ":lease"
	leaseTTL    = 5 * time.Second
	genTTL      = 7 * 24 * time.Hour
	stripes     = 64      // local detail stamps, by product id
	maxPending  = 100_000 // product ids remembered while Redis is down; beyond, every detail is invalidated
	delBatch    = 500
)

// Store is the catalogue store with the cache in front of Product and
// Products. Every method it does not override passes through to Inner.
type Store struct {
	Inner
	rdb   redis.UniversalClient // nil: in-process tier only
	opt   Options
	pfx   string
	start time.Time // the local tier's clock is monotonic time since start
	id    string    // random per Store: the sender of its invalidation messages
	token string    // id + ":"; lease tokens are token + a counter
	seq   atomic.Uint64

	flight singleflight.Group // concurrent misses of one entry share one fetch

	details *local[int64, *model.ProductDetail]
	lists   *local[string, model.Page[model.ProductSummary]]

	// Local stamps (see local.go): bumped by invalidations.
	allVer  atomic.Uint64 // every detail
	prodVer [stripes]atomic.Uint64
	listVer atomic.Uint64

	// This process's view of the Redis generation hash.
	genMu     sync.Mutex
	genSeq    atomic.Uint64 // moves when a bump of ours lands, so an older refresh does not undo it
	listGen   atomic.Int64
	detailGen atomic.Int64
	genAt     atomic.Int64 // local clock of the last read of the hash
	genBusy   atomic.Bool

	// Redis health. mu orders "remember an invalidation while down" against
	// "replayed everything, Redis is up again".
	mu       sync.Mutex
	down     atomic.Bool
	retryAt  atomic.Int64
	probing  atomic.Bool
	pending  pendingSet
	watching bool // a watch goroutine runs

	// The invalidation subscription and the health epoch (pubsub.go).
	ps        *redis.PubSub
	quit      chan struct{} // closed by Close
	subDone   chan struct{} // closed when the subscriber has stopped
	closeOnce sync.Once
	healthMu  sync.Mutex
	subOK     bool          // subscribed, and heard from lately
	closed    bool          // Close was called
	epoch     atomic.Uint64 // odd while local entries may live LocalLongTTL

	hits, misses, errs atomic.Uint64
}

// New wraps inner. rdb may be nil (the in-process tier alone), though main
// uses the store directly when SHANHAI_REDIS is empty. With Redis, New starts
// the invalidation subscriber; Close stops it.
func New(inner Inner, rdb redis.UniversalClient, opts Options) *Store {
	opts.defaults()
	b := make([]byte, 8)
	rand.Read(b)
	id := hex.EncodeToString(b)
	s := &Store{
		Inner:   inner,
		rdb:     rdb,
		opt:     opts,
		pfx:     opts.Prefix + format,
		start:   time.Now(),
		id:      id,
		token:   id + ":",
		details: newLocal[int64, *model.ProductDetail](opts.LocalSize, opts.LocalTTL, opts.LocalLongTTL),
		lists:   newLocal[string, model.Page[model.ProductSummary]](opts.LocalSize, opts.LocalTTL, opts.LocalLongTTL),
		quit:    make(chan struct{}),
		subDone: make(chan struct{}),
	}
	s.down.Store(rdb != nil) // the first use probes Redis and learns the generation
	if rdb == nil {
		close(s.subDone)
		return s
	}
	s.ps = rdb.Subscribe(context.Background()) // connects on first use, in the subscriber
	go s.subscribe()
	return s
}

// Close stops the invalidation subscriber and waits for it; from then on
// local entries live LocalTTL. It does not close the Redis client, which is
// the caller's. Close may be called more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		if s.ps != nil {
			s.ps.Close()
		}
		<-s.subDone
		s.healthMu.Lock()
		s.closed = true
		s.updateHealthLocked()
		s.healthMu.Unlock()
	})
	return nil
}

// NewClient connects to SHANHAI_REDIS: redis://[user:pass@]host:port/db (or
// rediss://) for one server, or a comma-separated host:port list for a Redis
// Cluster. Timeouts are short and retries few: the cache falls back to the
// database rather than wait.
func NewClient(url string) (redis.UniversalClient, error) {
	url = strings.TrimSpace(url)
	if url == "" {
		return nil, errors.New("redis: empty address")
	}
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if strings.Contains(url, "://") {
		o, err := redis.ParseURL(url)
		if err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
		set(&o.DialTimeout, 200*time.Millisecond)
		set(&o.ReadTimeout, 200*time.Millisecond)
		set(&o.WriteTimeout, 200*time.Millisecond)
		set(&o.PoolTimeout, 200*time.Millisecond)
		o.ContextTimeoutEnabled = true
		if o.MaxRetries == 0 {
			o.MaxRetries = 1
		}
		if o.DialerRetries == 0 {
			o.DialerRetries = 1
		}
		return redis.NewClient(o), nil
	}
	var addrs []string
	for _, a := range strings.Split(url, ",") {
		a = strings.TrimSpace(a)
		if host, port, err := net.SplitHostPort(a); err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("redis: %q: want redis://host:port/db or host:port,host:port", a)
		}
		addrs = append(addrs, a)
	}
	return redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 addrs,
		DialTimeout:           200 * time.Millisecond,
		ReadTimeout:           200 * time.Millisecond,
		WriteTimeout:          200 * time.Millisecond,
		PoolTimeout:           200 * time.Millisecond,
		ContextTimeoutEnabled: true,
		MaxRetries:            1,
		DialerRetries:         1,
	}), nil
}

// Stats are the hits (in-process or Redis, or a caller served by another's
// shared fetch), misses (reads of the inner store) and Redis errors since
// start.
func (s *Store) Stats() (hits, misses, errors uint64) {
	return s.hits.Load(), s.misses.Load(), s.errs.Load()
}

// Ping checks Redis answers, for readiness.
func (s *Store) Ping(ctx context.Context) error {
	if s.rdb == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return s.rdb.Ping(ctx).Err()
}

// Product is one product's detail. The value is shared: do not mutate it.
func (s *Store) Product(ctx context.Context, id int64) (*model.ProductDetail, error) {
	if s.inTx(ctx) {
		return s.Inner.Product(ctx, id)
	}
	s.refreshGen(ctx)
	r := read{start: s.now(), s1: s.allVer.Load(), s2: s.prodVer[id&(stripes-1)].Load(), ep: s.epoch.Load()}
	if d, ok := s.details.get(id, r.start, r.s1, r.s2, r.ep); ok {
		s.hits.Add(1)
		return d, nil
	}
	v, err := s.shared(ctx, r.flightKey("d"+strconv.FormatInt(id, 10)), func(ctx context.Context) (any, error) {
		return s.fetchProduct(ctx, id, r)
	})
	if err != nil {
		return nil, err
	}
	return v.(*model.ProductDetail), nil
}

// fetchProduct reads a detail missing from the local tier: one GET when
// Redis has it; on a miss, the lease script, the store, and the value stored
// under the lease.
func (s *Store) fetchProduct(ctx context.Context, id int64, r read) (*model.ProductDetail, error) {
	useRedis := s.redisOK(ctx)
	var key, token string
	if useRedis {
		key = s.detailKey(id)
		raw, err := s.get(ctx, key)
		if errors.Is(err, redis.Nil) {
			token = s.newToken()
			rctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
			var v string
			v, err = detailGet.Run(rctx, s.rdb, []string{key, key + leaseSuffix}, token, leaseTTL.Milliseconds()).Text()
			cancel()
			raw = []byte(v)
		}
		switch {
		case err == nil: // a hit, or a value stored between the GET and the script
			d := new(model.ProductDetail)
			if body, upto, ok := s.unseal(raw); ok && json.Unmarshal(body, d) == nil {
				s.hits.Add(1)
				s.details.put(id, d, r.start, r.s1, r.s2, r.ep, upto)
				return d, nil
			}
			useRedis = false // undecodable: serve the store's answer; the TTL or a write replaces it
		case errors.Is(err, redis.Nil): // a miss; the lease is ours
		default:
			s.fail(ctx, err)
			useRedis = false
		}
	}
	s.misses.Add(1)
	d, err := s.Inner.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	upto := int64(0)
	if useRedis {
		if raw, err := seal(d, s.opt.DetailTTL); err == nil {
			rctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
			err = detailSet.Run(rctx, s.rdb, []string{key, key + leaseSuffix},
				token, raw, s.opt.DetailTTL.Milliseconds()).Err()
			cancel()
			if err != nil {
				s.fail(ctx, err)
			}
		}
		upto = r.start + int64(s.opt.DetailTTL)
	}
	s.details.put(id, d, r.start, r.s1, r.s2, r.ep, upto)
	return d, nil
}

// Products is one catalogue page. The page is shared: do not mutate it.
func (s *Store) Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error) {
	if s.inTx(ctx) {
		return s.Inner.Products(ctx, q)
	}
	s.refreshGen(ctx)
	r := read{start: s.now(), s1: s.listVer.Load(), ep: s.epoch.Load()}
	ck := canon(q)
	if p, ok := s.lists.get(ck, r.start, r.s1, 0, r.ep); ok {
		s.hits.Add(1)
		return p, nil
	}
	v, err := s.shared(ctx, r.flightKey("l"+ck), func(ctx context.Context) (any, error) {
		return s.fetchProducts(ctx, q, ck, r)
	})
	if err != nil {
		return model.Page[model.ProductSummary]{}, err
	}
	return v.(model.Page[model.ProductSummary]), nil
}

// fetchProducts reads a page missing from the local tier. Pages need no
// lease: a page read before a bump is stored under the old generation.
func (s *Store) fetchProducts(ctx context.Context, q model.ProductQuery, ck string, r read) (model.Page[model.ProductSummary], error) {
	useRedis := s.redisOK(ctx)
	var key string
	if useRedis {
		key = s.listKey(ck) // the generation is read only now, after any replay in redisOK
		raw, err := s.get(ctx, key)
		switch {
		case err == nil:
			var p model.Page[model.ProductSummary]
			if body, upto, ok := s.unseal(raw); ok && json.Unmarshal(body, &p) == nil {
				s.hits.Add(1)
				s.lists.put(ck, p, r.start, r.s1, 0, r.ep, upto)
				return p, nil
			}
		case errors.Is(err, redis.Nil):
		default:
			s.fail(ctx, err)
			useRedis = false
		}
	}
	s.misses.Add(1)
	p, err := s.Inner.Products(ctx, q)
	if err != nil {
		return p, err
	}
	upto := int64(0)
	if useRedis {
		if raw, err := seal(p, s.opt.ListTTL); err == nil {
			rctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
			err = s.rdb.Set(rctx, key, raw, s.opt.ListTTL).Err()
			cancel()
			if err != nil {
				s.fail(ctx, err)
			}
		}
		upto = r.start + int64(s.opt.ListTTL)
	}
	s.lists.put(ck, p, r.start, r.s1, 0, r.ep, upto)
	return p, nil
}

// read is what a read takes before it looks anywhere: its start on the
// local clock, the local stamps of the entry and the health epoch.
type read struct {
	start  int64
	s1, s2 uint64
	ep     uint64
}

// flightKey names a shared fetch. It holds the stamps, so a read that began
// after an invalidation never joins a fetch that began before it: that one
// may return the old value (and its put is void).
func (r read) flightKey(what string) string {
	return what + "|" + strconv.FormatUint(r.s1, 10) + "|" + strconv.FormatUint(r.s2, 10)
}

// shared runs fetch once for concurrent callers with the same key. The
// fetch runs on the first caller's context; a caller whose shared fetch
// failed only because that caller went away fetches on its own.
func (s *Store) shared(ctx context.Context, key string, fetch func(context.Context) (any, error)) (any, error) {
	led := false
	v, err, _ := s.flight.Do(key, func() (any, error) {
		led = true
		return fetch(ctx)
	})
	if led {
		return v, err
	}
	if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fetch(ctx)
	}
	if err == nil {
		s.hits.Add(1) // served without reading the store itself
	}
	return v, err
}

// get is one plain GET with the call's deadline.
func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	rctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	return s.rdb.Get(rctx, key).Bytes()
}

// seal encodes a value for Redis: its expiry (Unix milliseconds), a space,
// then the JSON. Whoever reads it back keeps it locally no longer than
// that, so no copy outlives the Redis TTL.
func seal(v any, ttl time.Duration) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+16)
	out = strconv.AppendInt(out, time.Now().Add(ttl).UnixMilli(), 10)
	out = append(out, ' ')
	return append(out, body...), nil
}

// unseal splits what seal made into the JSON and the expiry on the local
// clock.
func (s *Store) unseal(raw []byte) (body []byte, upto int64, ok bool) {
	i := bytes.IndexByte(raw, ' ')
	if i <= 0 || i > 20 {
		return nil, 0, false
	}
	exp, err := strconv.ParseInt(string(raw[:i]), 10, 64)
	if err != nil {
		return nil, 0, false
	}
	left := time.Duration(exp-time.Now().UnixMilli()) * time.Millisecond
	return raw[i+1:], s.now() + int64(left), true
}

// SetSupplierStatus changes a supplier's status; its products' details and
// every list follow.
func (s *Store) SetSupplierStatus(ctx context.Context, id int64, status string) ([]int64, error) {
	ids, err := s.Inner.SetSupplierStatus(ctx, id, status)
	s.after(ctx, change{ids: ids, lists: true})
	return ids, err
}

// CreateProduct inserts a product; lists may now show it.
func (s *Store) CreateProduct(ctx context.Context, p *model.Product, skus []model.SKU) error {
	err := s.Inner.CreateProduct(ctx, p, skus)
	if err == nil {
		s.after(ctx, change{ids: nonZero(p.ID), lists: true})
	}
	return err
}

// SetProductOnSale puts a product on sale or takes it off.
func (s *Store) SetProductOnSale(ctx context.Context, id int64, onSale bool) error {
	err := s.Inner.SetProductOnSale(ctx, id, onSale)
	s.after(ctx, change{ids: nonZero(id), lists: true})
	return err
}

// SetSKUPrice changes a SKU's price, and so the product's lowest price in lists.
func (s *Store) SetSKUPrice(ctx context.Context, skuID, priceCents int64) (int64, error) {
	pid, err := s.Inner.SetSKUPrice(ctx, skuID, priceCents)
	s.after(ctx, change{ids: nonZero(pid), lists: true})
	return pid, err
}

// Certify records a product's new certificate.
func (s *Store) Certify(ctx context.Context, c *model.Certification) error {
	err := s.Inner.Certify(ctx, c)
	s.after(ctx, change{ids: nonZero(c.ProductID), lists: true})
	return err
}

// RevokeCertification revokes a product's current certificate.
func (s *Store) RevokeCertification(ctx context.Context, productID int64) error {
	err := s.Inner.RevokeCertification(ctx, productID)
	s.after(ctx, change{ids: nonZero(productID), lists: true})
	return err
}

// CreatePairing inserts a pairing: the pairings shown on every product of its
// partner region change, and the pairing filter of lists.
func (s *Store) CreatePairing(ctx context.Context, p *model.Pairing) error {
	err := s.Inner.CreatePairing(ctx, p)
	if err == nil {
		s.after(ctx, change{lists: true, all: true})
	}
	return err
}

// UpdatePairing edits a pairing (its active flag): like a new one, it
// changes the pairings every product of its partner region shows.
func (s *Store) UpdatePairing(ctx context.Context, id int64, p model.PairingPatch) error {
	err := s.Inner.UpdatePairing(ctx, id, p)
	s.after(ctx, change{lists: true, all: true})
	return err
}

// UpdateProduct edits a product's columns (name, category, on sale, ...).
func (s *Store) UpdateProduct(ctx context.Context, id int64, p model.ProductPatch) error {
	err := s.Inner.UpdateProduct(ctx, id, p)
	s.after(ctx, change{ids: nonZero(id), lists: true})
	return err
}

// InvalidateProducts drops the cached details of products changed by a
// writer that does not go through this type (e.g. stock reserved by orders).
// Call it inside the transaction that made the change, or after it.
func (s *Store) InvalidateProducts(ctx context.Context, ids ...int64) {
	s.after(ctx, change{ids: ids})
}

// AddSKU adds a SKU to a product: its detail, and the lists (lowest price).
func (s *Store) AddSKU(ctx context.Context, productID int64, k *model.SKU) error {
	err := s.Inner.AddSKU(ctx, productID, k)
	s.after(ctx, change{ids: nonZero(productID), lists: true})
	return err
}

// SetSKUTiers replaces a SKU's tiers, shown in its product's detail.
func (s *Store) SetSKUTiers(ctx context.Context, skuID int64, tiers []model.Tier) (int64, error) {
	pid, err := s.Inner.SetSKUTiers(ctx, skuID, tiers)
	s.after(ctx, change{ids: nonZero(pid)})
	return pid, err
}

// SetPurchaseLimit sets a SKU's purchase limit, shown in its product's detail.
func (s *Store) SetPurchaseLimit(ctx context.Context, skuID, limit int64) (int64, error) {
	pid, err := s.Inner.SetPurchaseLimit(ctx, skuID, limit)
	s.after(ctx, change{ids: nonZero(pid)})
	return pid, err
}

// ImagesChanged drops a product's cached detail and every list page (a
// list shows each product's first image), after the transaction in ctx
// commits: product images are written by service/media, not through here.
func (s *Store) ImagesChanged(ctx context.Context, productID int64) {
	s.after(ctx, change{ids: nonZero(productID), lists: true})
}

// InvalidateCatalogue drops every cached detail and list page, for changes
// this type does not see (region or category names, a pairing's active flag).
func (s *Store) InvalidateCatalogue(ctx context.Context) {
	s.after(ctx, change{lists: true, all: true})
}

// change is what a write invalidates. Writes invalidate even when the inner
// store returned an error with a known id: a spare delete costs one miss,
// while a missed one would serve an old value for a TTL.
type change struct {
	ids   []int64 // product details
	lists bool    // every list page
	all   bool    // every product detail
}

func nonZero(id int64) []int64 {
	if id == 0 {
		return nil
	}
	return []int64{id}
}

// after invalidates c once the transaction in ctx commits, or at once.
func (s *Store) after(ctx context.Context, c change) {
	if len(c.ids) == 0 && !c.lists && !c.all {
		return
	}
	ctx = context.WithoutCancel(ctx) // a client that hung up must not cut an invalidation short
	s.Inner.AfterCommit(ctx, func() { s.invalidate(ctx, c) })
}

// invalidate clears Redis first (and publishes the change to the other
// replicas) and the local tier last: a reader in between misses locally and
// finds Redis already cleared, so it cannot copy the old value back into the
// local tier under the new stamp.
func (s *Store) invalidate(ctx context.Context, c change) {
	if s.rdb != nil {
		s.mu.Lock()
		down := s.down.Load()
		if down {
			s.pendLocked(c)
		}
		s.mu.Unlock()
		if !down {
			if err := s.clearRedis(ctx, c, false); err != nil {
				s.errs.Add(1)
				s.mu.Lock()
				s.pending.add(c)
				s.markDownLocked()
				s.mu.Unlock()
			}
		}
	}
	s.invalidateLocal(c)
}

// invalidateLocal bumps the stamps of the local entries c concerns.
func (s *Store) invalidateLocal(c change) {
	for _, id := range c.ids {
		s.prodVer[id&(stripes-1)].Add(1)
		s.details.remove(id)
	}
	if c.all {
		s.allVer.Add(1)
		s.details.clear()
	}
	if c.lists {
		s.listVer.Add(1)
	}
}

// inTx reports whether ctx holds a transaction: AfterCommit runs f at once
// only when it does not. Reads in a transaction bypass the cache, so it
// neither serves them another view than the transaction's nor stores what
// they see before it commits.
func (s *Store) inTx(ctx context.Context) bool {
	direct := false
	s.Inner.AfterCommit(ctx, func() { direct = true })
	return !direct
}

func (s *Store) now() int64 { return int64(time.Since(s.start)) }

func (s *Store) newToken() string {
	return s.token + strconv.FormatUint(s.seq.Add(1), 10)
}

// detailKey is wrapped in braces, a cluster hash tag, so the lease key beside
// it lands in the same slot and one script can use both.
func (s *Store) detailKey(id int64) string { return s.detailKeyAt(s.detailGen.Load(), id) }

func (s *Store) detailKeyAt(gen, id int64) string {
	return "{" + s.pfx + "p:" + strconv.FormatInt(gen, 10) + ":" + strconv.FormatInt(id, 10) + "}"
}

func (s *Store) listKey(canon string) string {
	sum := sha256.Sum256([]byte(canon))
	return s.pfx + "l:" + strconv.FormatInt(s.listGen.Load(), 10) + ":" + hex.EncodeToString(sum[:16])
}

func (s *Store) genKey() string { return s.pfx + "gen" }

// canon encodes every field of q unambiguously (strings are length-prefixed),
// Today included: the certified flag of a row depends on it.
func canon(q model.ProductQuery) string {
	var b strings.Builder
	str := func(v string) {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	str(q.Q)
	str(q.Category)
	str(q.Origin)
	str(q.Sort)
	str(q.Today)
	b.WriteString(strconv.FormatInt(q.PairingID, 10))
	switch {
	case q.Certified == nil:
		b.WriteString("|-|")
	case *q.Certified:
		b.WriteString("|t|")
	default:
		b.WriteString("|f|")
	}
	b.WriteString(strconv.Itoa(q.Page))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.PageSize))
	return b.String()
}

package order

// Why this in-process copy of a store read is not a model/cache decorator:
// it is not a cache the store could keep honest. Whether a copy may be used
// is ordering's own rule, decided per order: the copy is used only at the
// SKU version it was read at, the placing transaction's stock update
// (store.Reserve, "... AND version = ?") is what checks it, and a mismatch
// makes the order forget the copy and place again from a fresh read
// (placeAgain); a SKU found short is read afresh until it is not (refused).
// A decorator would need that feedback from the order's outcome, and would
// add a Redis round trip to the hot path to stay coherent across replicas,
// where the version check already does it for free.
//
// Staleness: a price, tier or product field a committed order uses is never
// stale, whatever the copy's age: every change made through shanhai moves
// the SKU's version, and the stock update then refuses the old copy. Stock
// is never taken from a copy. What a copy can hide is only an edit made by
// hand in the database that moves no version: for at most maxCopyAge (one
// minute) after the copy was read. Copies are bounded by maxSellables.

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"shanhai/model"
)

const (
	// maxSellables bounds the copies kept; past it they are all dropped.
	maxSellables = 200_000
	// maxCopyAge bounds how long a copy is used. Every change made through
	// shanhai moves the SKU's version and is caught by the next order; this
	// only bounds how long an edit made in the database by hand, which
	// moves no version, goes unseen.
	maxCopyAge = time.Minute
)

// sellables keeps, per SKU, what placing an order copies from the
// catalogue (price, tiers, product, supplier), so an order is priced
// without reading the database. A copy is used only at its version: the
// order's stock update holds only while the SKU's version is the one the
// copy was read at (store.Reserve), and when it has moved the order is
// placed again from a fresh read (placeAgain). Stock is never taken from a
// copy: the conditional update decides every sale. Only a copy of a SKU
// on sale is kept (a refusal is always made from a fresh read, and the stock
// update checks every copy used), and a SKU last found short of stock is
// read afresh for every order until it is not, so a sold-out item is
// refused early from a fresh read, never from an old one.
//
// Each replica keeps its own copies; the version in the database keeps
// them honest across replicas.
type sellables struct {
	mu sync.Mutex
	m  map[int64]*sellable
}

type sellable struct {
	k       model.Sellable // never changed once stored: readers share its tiers
	read    time.Time
	soldOut bool
}

// get returns the SKUs of ids that exist, copies where it has them (none
// when fresh), and which of them were read just now (whose stock is fresh).
func (c *sellables) get(ctx context.Context, st Store, ids []int64, fresh bool) (map[int64]*model.Sellable, map[int64]bool, error) {
	out := make(map[int64]*model.Sellable, len(ids))
	var missing []int64
	c.mu.Lock()
	for _, id := range ids {
		if e, ok := c.m[id]; ok && !e.soldOut && !fresh && time.Since(e.read) < maxCopyAge {
			k := e.k
			out[id] = &k
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil, nil
	}
	read, err := st.Sellables(ctx, missing)
	if err != nil {
		return nil, nil, err
	}
	now := make(map[int64]bool, len(read))
	for id, k := range read {
		out[id], now[id] = k, true
	}
	c.keep(read)
	return out, now, nil
}

// keep stores copies of SKUs just read.
func (c *sellables) keep(read map[int64]*model.Sellable) {
	at := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m)+len(read) > maxSellables {
		c.m = make(map[int64]*sellable, len(read))
	}
	for id, k := range read {
		if e, ok := c.m[id]; ok && e.k.Version > k.Version {
			continue // a newer copy came in meanwhile
		}
		if k.OnSale && k.SupplierStatus == model.SupplierActive {
			c.m[id] = &sellable{k: *k, read: at, soldOut: k.Available() <= 0}
		} else {
			delete(c.m, id) // refused now; read afresh next time
		}
	}
}

// warmRange is how many SKU ids WarmCatalogue reads at a time.
const warmRange = 2000

// WarmCatalogue reads the copies of the SKUs on sale, a range of ids at a
// time, up to half of maxSellables, so the first orders after a start do
// not each read their SKUs. Run it in the background: orders are right
// without it, only slower until their SKUs have been read once. It returns
// how many copies it read.
func (s *Service) WarmCatalogue(ctx context.Context) (int, error) {
	top, err := s.store.MaxSKUID(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for after := int64(0); after < top && n < maxSellables/2; after += warmRange {
		read, err := s.store.SellablesOnSale(ctx, after, after+warmRange)
		if err != nil {
			return n, err
		}
		s.sellables.keep(read)
		n += len(read)
	}
	return n, nil
}

// refused notes what a placement's error says of one SKU: short of stock
// (read it afresh until it is not), or changed (forget the copy).
func (c *sellables) refused(err error) {
	var me *model.Error
	if !errors.As(err, &me) || len(me.Fields) != 1 || me.Fields[0].Field != "sku_id" {
		return
	}
	id, perr := strconv.ParseInt(me.Fields[0].Message, 10, 64)
	if perr != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch me.Code {
	case "out_of_stock":
		if e, ok := c.m[id]; ok {
			e.soldOut = true
		}
	case "catalogue_changed":
		delete(c.m, id)
	}
}

// placeAttempts bounds how many times placeAgain runs a placement.
const placeAttempts = 3

// placeAgain runs a placement (fresh false: priced from the copies) again
// when a SKU it priced from a copy changed before its stock was reserved;
// the next run prices every line from a fresh read. The failed run rolled
// back whole, its idempotency key included. Only a SKU changing again and
// again while its order is placed reaches the client as a 409.
func placeAgain(run func(fresh bool) ([]byte, error)) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		r, err := run(attempt > 1)
		var me *model.Error
		if attempt == placeAttempts || !errors.As(err, &me) || me.Code != "catalogue_changed" {
			return r, err
		}
	}
}

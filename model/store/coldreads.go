package store

import (
	"context"
	"sync/atomic"
)

// The catalogue's public reads (Product, Products) outside a transaction are
// what a cache sends to the database when it misses. After a flush, or a
// write that moves every list's generation, every replica misses every key at
// once: singleflight (model/cache) makes that one read per key per replica,
// and this gate bounds how many such reads one store runs at once, so a
// stampede queues in the replica instead of taking every pooled connection
// (orders and writes keep theirs) and piling concurrent queries on MariaDB.
// Reads in a transaction never wait here: a writer holding row locks must
// not queue behind readers. A search reads every listed product (no index
// serves LIKE '%term%'), so searches also take a slot of their own, of which
// there are a quarter as many: they can never hold more than a quarter of the
// slots, and details and lists always find the rest.

// readGate bounds and measures the catalogue reads in flight.
type readGate struct {
	slots    chan struct{} // nil: unbounded
	searches chan struct{} // taken first by a search; nil: unbounded
	inflight atomic.Int64
	peak     atomic.Int64 // most in flight since the last CatalogReadPeak
}

// SetCatalogReadLimit bounds the catalogue reads (Product, Products outside
// a transaction) running at once on this store; n < 1 leaves them unbounded.
// Call it before the store serves requests.
func (s *Store) SetCatalogReadLimit(n int) {
	if n < 1 {
		s.gate.slots, s.gate.searches = nil, nil
		return
	}
	s.gate.slots = make(chan struct{}, n)
	s.gate.searches = make(chan struct{}, max(1, n/4))
}

// CatalogReadPeak is the most catalogue reads that ran at once (past the
// gate; those queued for a slot are not counted) since the previous call, or
// since the store opened; the next window starts from those running now.
func (s *Store) CatalogReadPeak() (running int64) {
	return s.gate.peak.Swap(s.gate.inflight.Load())
}

// CatalogReadsInFlight is the catalogue reads running now (past the gate).
func (s *Store) CatalogReadsInFlight() int64 { return s.gate.inflight.Load() }

// enterCatalogRead waits for a slot (unless ctx holds a transaction), a
// search for a search slot first, and returns the release.
func (s *Store) enterCatalogRead(ctx context.Context, search bool) (func(), error) {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return func() {}, nil
	}
	g := &s.gate
	slots, searches := g.slots, g.searches // released into the channels they were taken from
	if !search {
		searches = nil
	}
	if searches != nil {
		select {
		case searches <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if slots != nil {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			if searches != nil {
				<-searches
			}
			return nil, ctx.Err()
		}
	}
	n := g.inflight.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return func() {
		g.inflight.Add(-1)
		if slots != nil {
			<-slots
		}
		if searches != nil {
			<-searches
		}
	}, nil
}

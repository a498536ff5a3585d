package cache

import (
	"context"

	"shanhai/model"
)

// StockMover is the store's stock movement (reserve at placement, release
// at cancellation, ship at shipment, a supplier's adjustment).
type StockMover interface {
	Reserve(ctx context.Context, items []model.StockChange) error
	Release(ctx context.Context, items []model.StockChange) error
	Ship(ctx context.Context, items []model.StockChange) error
	AdjustStock(ctx context.Context, skuID, delta int64) (int64, error)
}

// Stock moves stock through the store, then drops the product pages whose
// availability changed, after the commit like every other write.
type Stock struct {
	inner StockMover
	cache *Store
}

// Stock wraps the store's stock movement with this cache's invalidation.
func (s *Store) Stock(inner StockMover) *Stock { return &Stock{inner: inner, cache: s} }

// Reserve implements service/stock's Mover.
func (k *Stock) Reserve(ctx context.Context, items []model.StockChange) error {
	return k.then(ctx, items, k.inner.Reserve(ctx, items))
}

// ReserveLocked implements service/stock's LockedMover where the store
// does (Reserve elsewhere).
func (k *Stock) ReserveLocked(ctx context.Context, items []model.StockChange) error {
	m, ok := k.inner.(interface {
		ReserveLocked(ctx context.Context, items []model.StockChange) error
	})
	if !ok {
		return k.Reserve(ctx, items)
	}
	return k.then(ctx, items, m.ReserveLocked(ctx, items))
}

// Release implements service/stock's Mover.
func (k *Stock) Release(ctx context.Context, items []model.StockChange) error {
	return k.then(ctx, items, k.inner.Release(ctx, items))
}

// Ship implements service/stock's Mover.
func (k *Stock) Ship(ctx context.Context, items []model.StockChange) error {
	return k.then(ctx, items, k.inner.Ship(ctx, items))
}

// AdjustStock implements service/stock's Mover: the product's detail shows
// the new stock, lists do not (lists show no stock).
func (k *Stock) AdjustStock(ctx context.Context, skuID, delta int64) (int64, error) {
	pid, err := k.inner.AdjustStock(ctx, skuID, delta)
	k.cache.after(ctx, change{ids: nonZero(pid)})
	return pid, err
}

func (k *Stock) then(ctx context.Context, items []model.StockChange, err error) error {
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(items))
	seen := map[int64]bool{}
	for _, it := range items {
		if !seen[it.ProductID] {
			seen[it.ProductID] = true
			ids = append(ids, it.ProductID)
		}
	}
	k.cache.InvalidateProducts(ctx, ids...)
	return nil
}

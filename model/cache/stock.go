package cache

import (
	"context"

	"shanhai/model"
)

// StockMover is the store's stock movement (reserve at placement, release
// at cancellation, ship at shipment).
type StockMover interface {
	Reserve(ctx context.Context, items []model.StockChange) error
	Release(ctx context.Context, items []model.StockChange) error
	Ship(ctx context.Context, items []model.StockChange) error
}

// Stock moves stock through the store, then drops the product pages whose
// availability changed, after the commit like every other write.
type Stock struct {
	inner StockMover
	cache *Store
}

// Stock wraps the store's stock movement with this cache's invalidation.
func (s *Store) Stock(inner StockMover) *Stock { return &Stock{inner: inner, cache: s} }

// Reserve implements the order service's Stock.
func (k *Stock) Reserve(ctx context.Context, items []model.StockChange) error {
	return k.then(ctx, items, k.inner.Reserve(ctx, items))
}

// Release implements the order service's Stock.
func (k *Stock) Release(ctx context.Context, items []model.StockChange) error {
	return k.then(ctx, items, k.inner.Release(ctx, items))
}

// Ship implements the order service's Stock.
func (k *Stock) Ship(ctx context.Context, items []model.StockChange) error {
	return k.then(ctx, items, k.inner.Ship(ctx, items))
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

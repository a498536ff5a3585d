// Package stock is the one owner of a SKU's on-hand and reserved units:
// placing an order reserves, a cancellation releases, a shipment ships, a
// supplier adjusts what is on hand (never below what is reserved), and no
// buyer holds more of one SKU in open orders than the cap allows. Every
// move is one conditional update in the store (model/store/stock.go), so no
// rule here costs an extra query on the order path.
package stock

import (
	"context"

	"shanhai/model"
)

// Mover moves units in the database; model/cache.Stock implements it over
// the store when Redis is configured, so product pages show the change.
type Mover interface {
	Reserve(ctx context.Context, items []model.StockChange) error
	Release(ctx context.Context, items []model.StockChange) error
	Ship(ctx context.Context, items []model.StockChange) error
	AdjustStock(ctx context.Context, skuID, delta int64) (int64, error)
}

// Holdings reads what a user holds in open orders (model/store).
type Holdings interface {
	HeldUnits(ctx context.Context, userID int64, skuIDs []int64) (map[int64]int64, error)
}

// Service moves stock by the rules.
type Service struct {
	moves  Mover
	held   Holdings
	skuCap int64 // units of one SKU one user may hold open; 0 = none
}

// New returns the stock service; skuCap is SHANHAI_SKU_CAP (0: no cap).
func New(moves Mover, held Holdings, skuCap int64) *Service {
	return &Service{moves: moves, held: held, skuCap: skuCap}
}

// CheckCap: with want added, no user holds more than the cap of one SKU in
// open orders (409 sku_cap naming the first SKU of want over it). Run it in
// the placing transaction: on MySQL it locks the user's row, so two orders
// of one user are checked one after the other. Without a cap it reads
// nothing.
func (s *Service) CheckCap(ctx context.Context, userID int64, want []model.StockChange) error {
	if s.skuCap <= 0 {
		return nil
	}
	ids := make([]int64, len(want))
	for i, w := range want {
		ids[i] = w.SKUID
	}
	held, err := s.held.HeldUnits(ctx, userID, ids)
	if err != nil {
		return err
	}
	for _, w := range want {
		if held[w.SKUID]+w.Quantity > s.skuCap {
			return model.Conflict("sku_cap", "sku %d: at most %d units in open orders per buyer (you hold %d)",
				w.SKUID, s.skuCap, held[w.SKUID])
		}
	}
	return nil
}

// Reserve takes the units out of available stock, all or none, each only at
// the SKU version it was priced at (409 out_of_stock or catalogue_changed
// naming the SKU).
func (s *Service) Reserve(ctx context.Context, items []model.StockChange) error {
	return s.moves.Reserve(ctx, items)
}

// Release gives reserved units back (cancel, reject, decline, timeout).
func (s *Service) Release(ctx context.Context, items []model.StockChange) error {
	return s.moves.Release(ctx, items)
}

// Ship takes shipped units out of both on hand and reserved.
func (s *Service) Ship(ctx context.Context, items []model.StockChange) error {
	return s.moves.Ship(ctx, items)
}

// Adjust adds delta (may be negative) to a SKU's on-hand units, a
// supplier's count; on hand never falls below what is reserved (409
// stock_below_reserved). It returns the SKU's product id.
func (s *Service) Adjust(ctx context.Context, skuID, delta int64) (productID int64, err error) {
	return s.moves.AdjustStock(ctx, skuID, delta)
}

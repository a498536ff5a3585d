// Package stock is the one owner of a SKU's on-hand and reserved units:
// placing an order reserves, a cancellation releases, a shipment ships, a
// supplier adjusts what is on hand (never below what is reserved), and no
// buyer holds more of one SKU in open orders than the cap allows. Every
// move is one conditional update in the store (model/store/stock.go), so no
// rule here costs an extra query on the order path.
package stock

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

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

// Holdings reads what a user holds in open orders, and keeps what each
// buyer holds of each SKU in open, unshipped orders (model/store).
type Holdings interface {
	HeldUnits(ctx context.Context, userID int64, skuIDs []int64) (map[int64]int64, error)
	AddHold(ctx context.Context, holder string, skuID, qty int64) (held, onHand int64, err error)
	SubHold(ctx context.Context, holder string, skuID, qty int64) error
}

// DefaultHoldShare is SHANHAI_HOLD_SHARE's default, in percent.
const DefaultHoldShare = 50

// Service moves stock by the rules.
type Service struct {
	moves     Mover
	held      Holdings
	skuCap    int64 // units of one SKU one user may hold open; 0 = none
	holdShare int64 // percent of a SKU's on-hand units one buyer may hold
}

// New returns the stock service; skuCap is SHANHAI_SKU_CAP (0: no cap).
// The hold share is DefaultHoldShare until SetHoldShare.
func New(moves Mover, held Holdings, skuCap int64) *Service {
	return &Service{moves: moves, held: held, skuCap: skuCap, holdShare: DefaultHoldShare}
}

// SetHoldShare sets SHANHAI_HOLD_SHARE: 1 to 100 percent (100: a buyer may
// hold everything on hand).
func (s *Service) SetHoldShare(percent int) { s.holdShare = int64(max(1, min(percent, 100))) }

// Holder names a buyer for the hold share: the org for an org order, the
// user for a consumer's.
func Holder(userID int64, orgID *int64) string {
	if orgID != nil {
		return "o" + strconv.FormatInt(*orgID, 10)
	}
	return "u" + strconv.FormatInt(userID, 10)
}

// HoldLimit is the most units of a SKU with onHand units one buyer may hold
// in open, unshipped orders: share percent of them rounded up, at least
// one unit (so the last unit, or a flash sale of one, still sells, and two
// buyers can take all of it).
func HoldLimit(onHand, share int64) int64 {
	return max(1, (onHand*share+99)/100)
}

// Hold books items as held by holder and refuses (409 hold_share, naming
// the SKU) what would take the buyer's open, unshipped orders past its
// share of the SKU's on-hand units. Run it after Reserve in the placing
// transaction (the SKU rows are locked by then; the holding rows make the
// buyer's placements queue, on any replica).
func (s *Service) Hold(ctx context.Context, holder string, items []model.StockChange) error {
	for _, it := range sorted(items) {
		held, onHand, err := s.held.AddHold(ctx, holder, it.SKUID, it.Quantity)
		if err != nil {
			return err
		}
		if limit := HoldLimit(onHand, s.holdShare); held > limit {
			return shareError(it.SKUID, limit, onHand, s.holdShare, held)
		}
	}
	return nil
}

// ManyHoldings books many holdings in one round trip (model/store).
type ManyHoldings interface {
	AddHolds(ctx context.Context, holds []model.Hold) ([]model.Hold, error)
}

// HoldAll is Hold for several buyers' placements at once (holds name the
// holder, SKU and units to add; one of them may repeat a holder and SKU):
// one statement books them all where the store can, and the first
// holding past its buyer's share refuses the whole (409 hold_share). Run it
// after Reserve in the placing transaction, as Hold.
func (s *Service) HoldAll(ctx context.Context, holds []model.Hold) error {
	many, ok := s.held.(ManyHoldings)
	if !ok {
		for _, h := range holds {
			if err := s.Hold(ctx, h.Holder, []model.StockChange{{SKUID: h.SKUID, Quantity: h.Units}}); err != nil {
				return err
			}
		}
		return nil
	}
	got, err := many.AddHolds(ctx, holds)
	if err != nil {
		return err
	}
	for _, h := range got {
		if limit := HoldLimit(h.OnHand, s.holdShare); h.Units > limit {
			return shareError(h.SKUID, limit, h.OnHand, s.holdShare, h.Units)
		}
	}
	return nil
}

func shareError(skuID, limit, onHand, share, held int64) error {
	return &model.Error{Kind: model.ErrConflict, Code: "hold_share",
		Message: fmt.Sprintf("sku %d: one buyer may hold at most %d of its %d units in open orders (%d%%); you would hold %d",
			skuID, limit, onHand, share, held)}
}

// Unhold gives holder's units back (the order was cancelled or shipped).
func (s *Service) Unhold(ctx context.Context, holder string, items []model.StockChange) error {
	for _, it := range sorted(items) {
		if err := s.held.SubHold(ctx, holder, it.SKUID, it.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// sorted orders items by SKU id, as every stock move takes rows.
func sorted(items []model.StockChange) []model.StockChange {
	out := slices.Clone(items)
	slices.SortFunc(out, func(a, b model.StockChange) int { return cmp.Compare(a.SKUID, b.SKUID) })
	return out
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

// Package stock is the one owner of a SKU's on-hand and reserved units:
// placing an order reserves, a cancellation releases, a shipment ships, a
// supplier adjusts what is on hand (never below what is reserved), and no
// buyer holds more of one SKU in open orders than the cap allows. Every
// move is one conditional update in the store (model/store/stock.go), and
// every holding (the buyer's for the hold share, and for an org's order the
// user's for the cap) one upsert read back in the same transaction, so each
// rule is decided by a row every placement writes, on one server or on
// several Galera nodes.
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

// Holdings keeps what each buyer (for the hold share, and a consumer's cap)
// and each org user (for the cap) holds of each SKU in open, unshipped
// orders (model/store).
type Holdings interface {
	AddHold(ctx context.Context, holder string, skuID, qty int64) (held, onHand int64, err error)
	SubHold(ctx context.Context, holder string, skuID, qty int64) error
	AddUserHold(ctx context.Context, userID, skuID, qty int64) (int64, error)
	SubUserHold(ctx context.Context, userID, skuID, qty int64) error
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

// Hold books items as held by holder (the buyer) and, for an org's order,
// by the placing user, and refuses what would take the user past the cap
// (409 sku_cap, naming the first SKU of items over it) or the buyer's open,
// unshipped orders past its share of the SKU's on-hand units (409
// hold_share, naming the SKU). A consumer is its own buyer, so its buyer
// row is also its cap's; an org buyer's own units are a row of their own.
// Run it after Reserve in the placing transaction: the SKU rows are locked
// by then, and the holding rows, which every placement writes, make a
// user's and a buyer's placements queue on one server and conflict at
// commit across Galera nodes (the transaction's retry checks again). The
// units are kept with or without a cap, so a cap set later counts every
// open order.
func (s *Service) Hold(ctx context.Context, userID int64, holder string, items []model.StockChange) error {
	consumer := holder == Holder(userID, nil)
	userHeld := make(map[int64]int64, len(items))
	if !consumer {
		for _, it := range sorted(items) {
			n, err := s.held.AddUserHold(ctx, userID, it.SKUID, it.Quantity)
			if err != nil {
				return err
			}
			userHeld[it.SKUID] = n
		}
	}
	type holding struct{ held, onHand int64 }
	buyer := make(map[int64]holding, len(items))
	for _, it := range sorted(items) {
		held, onHand, err := s.held.AddHold(ctx, holder, it.SKUID, it.Quantity)
		if err != nil {
			return err
		}
		buyer[it.SKUID] = holding{held, onHand}
		if consumer {
			userHeld[it.SKUID] = held
		}
	}
	for _, it := range items {
		if err := s.checkCap(it.SKUID, userHeld[it.SKUID], it.Quantity); err != nil {
			return err
		}
	}
	for _, it := range sorted(items) {
		h := buyer[it.SKUID]
		if limit := HoldLimit(h.onHand, s.holdShare); h.held > limit {
			return shareError(it.SKUID, limit, h.onHand, s.holdShare, h.held)
		}
	}
	return nil
}

// checkCap refuses a user who would hold held units of a SKU (added of
// them) past the cap.
func (s *Service) checkCap(skuID, held, added int64) error {
	if s.skuCap > 0 && held > s.skuCap {
		return model.Conflict("sku_cap", "sku %d: at most %d units in open orders per buyer (you hold %d)",
			skuID, s.skuCap, held-added)
	}
	return nil
}

// ManyHoldings books many holdings in one round trip (model/store):
// AddHolds answers each holding as it now stands, BookHolds answers none.
type ManyHoldings interface {
	AddHolds(ctx context.Context, holds []model.Hold) ([]model.Hold, error)
	BookHolds(ctx context.Context, holds []model.Hold) error
}

// HoldAll is Hold for several consumers' placements at once (holds name
// the holder, SKU and units to add; one of them may repeat a holder and
// SKU): one statement books them all where the store can, and the first
// holding past the cap (409 sku_cap) or its buyer's share (409 hold_share)
// refuses the whole. Only consumers' holdings: a consumer's buyer row is
// its cap's too. Run it after Reserve in the placing transaction, as Hold.
//
// locked are the holdings' SKU rows as the transaction locked them before
// reserving (store.LockStock; nil: not known). Every unit a buyer holds is
// a unit reserved in one of its open orders, so its holding of a SKU can be
// no more than the SKU's reserved units then plus what it adds now: when
// that is within the share of the SKU's units on hand and within the cap
// for every holding, none can be past them, and the holdings are booked
// without being read back.
func (s *Service) HoldAll(ctx context.Context, holds []model.Hold, locked map[int64]model.SKU) error {
	many, ok := s.held.(ManyHoldings)
	if !ok {
		for _, h := range holds {
			if err := s.Hold(ctx, h.UserID, h.Holder, []model.StockChange{{SKUID: h.SKUID, Quantity: h.Units}}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, h := range holds {
		if h.Holder != Holder(h.UserID, nil) {
			return fmt.Errorf("stock: HoldAll takes consumers' holdings, not %q", h.Holder)
		}
	}
	if s.withinLimits(holds, locked) {
		return many.BookHolds(ctx, holds)
	}
	got, err := many.AddHolds(ctx, holds)
	if err != nil {
		return err
	}
	for _, h := range got {
		if err := s.checkCap(h.SKUID, h.Units, 0); err != nil {
			return err
		}
		if limit := HoldLimit(h.OnHand, s.holdShare); h.Units > limit {
			return shareError(h.SKUID, limit, h.OnHand, s.holdShare, h.Units)
		}
	}
	return nil
}

// withinLimits: no holding of holds can be past the cap or its buyer's
// share, whatever its buyer held before, by the SKU rows locked (HoldAll).
func (s *Service) withinLimits(holds []model.Hold, locked map[int64]model.SKU) bool {
	type key struct {
		holder string
		sku    int64
	}
	added := make(map[key]int64, len(holds))
	for _, h := range holds {
		added[key{h.Holder, h.SKUID}] += h.Units
	}
	for k, units := range added {
		sku, ok := locked[k.sku]
		if !ok {
			return false
		}
		most := sku.Reserved + units // the most the holder can hold now
		if most > HoldLimit(sku.OnHand, s.holdShare) || (s.skuCap > 0 && most > s.skuCap) {
			return false
		}
	}
	return true
}

func shareError(skuID, limit, onHand, share, held int64) error {
	return &model.Error{Kind: model.ErrConflict, Code: "hold_share",
		Message: fmt.Sprintf("sku %d: one buyer may hold at most %d of its %d units in open orders (%d%%); you would hold %d",
			skuID, limit, onHand, share, held)}
}

// Unhold gives the buyer's units back, and an org buyer's own (the order
// was cancelled or shipped), in the order Hold took the rows.
func (s *Service) Unhold(ctx context.Context, userID int64, holder string, items []model.StockChange) error {
	if holder != Holder(userID, nil) {
		for _, it := range sorted(items) {
			if err := s.held.SubUserHold(ctx, userID, it.SKUID, it.Quantity); err != nil {
				return err
			}
		}
	}
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

// Reserve takes the units out of available stock, all or none, each only at
// the SKU version it was priced at (409 out_of_stock or catalogue_changed
// naming the SKU).
func (s *Service) Reserve(ctx context.Context, items []model.StockChange) error {
	return s.moves.Reserve(ctx, items)
}

// LockedMover reserves stock whose SKU rows the transaction has locked and
// judged already, in one statement (model/store; model/cache passes it on).
type LockedMover interface {
	ReserveLocked(ctx context.Context, items []model.StockChange) error
}

// ReserveLocked is Reserve of items (each SKU once) whose SKU rows the
// placing transaction locked and judged (a batch's, store.LockStock): one
// conditional update where the mover can, and any row that does not move
// fails the whole (the transaction rolls back).
func (s *Service) ReserveLocked(ctx context.Context, items []model.StockChange) error {
	if m, ok := s.moves.(LockedMover); ok {
		return m.ReserveLocked(ctx, items)
	}
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

package store

// Stock: a SKU's on-hand and reserved units, moved only by conditional
// updates here (service/stock is their one caller), and the units a user
// holds in open orders.

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	"gorm.io/gorm"

	"shanhai/model"
)

// sortChanges orders stock changes by SKU id, the one order every
// transaction takes SKU rows in, so two orders never deadlock each other.
func sortChanges(items []model.StockChange) []model.StockChange {
	out := append([]model.StockChange(nil), items...)
	sort.Slice(out, func(i, j int) bool { return out[i].SKUID < out[j].SKUID })
	return out
}

// Reserve takes each quantity out of available stock, in SKU-id order, with
// a conditional update that holds only at the SKU version the order was
// priced at: a SKU that cannot cover its quantity is a 409 out_of_stock
// naming it, one whose version moved a 409 catalogue_changed, and the
// transaction rolls back (the caller's, or Reserve's own without one: all
// the units or none).
//
// Several SKUs on MySQL take two statements whatever their number: one read
// locks the rows in id order and decides (the same answer, naming the same
// SKU, as one update per SKU would), one UPDATE … CASE moves them all.
func (s *Store) Reserve(ctx context.Context, items []model.StockChange) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if len(items) > 1 && s.dialect == MySQL {
			if sorted := sortChanges(items); distinctSKUs(sorted) {
				return s.reserveLocked(ctx, sorted)
			}
		}
		for _, it := range sortChanges(items) {
			res, err := s.rawExec(ctx, `UPDATE skus SET reserved = reserved + ? WHERE id = ? AND on_hand - reserved >= ? AND version = ?`,
				it.Quantity, it.SKUID, it.Quantity, it.Version)
			if err != nil {
				return mapErr(err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return mapErr(err)
			} else if n == 0 {
				return s.whyNotReserved(ctx, it)
			}
		}
		return nil
	})
}

// reserveLocked is Reserve of several SKUs (sorted, each once) on MySQL:
// the rows are locked and judged here, so that a short or changed SKU is
// named, then moved by ReserveLocked's one UPDATE.
func (s *Store) reserveLocked(ctx context.Context, items []model.StockChange) error {
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.SKUID
	}
	now, err := s.LockStock(ctx, ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		k, ok := now[it.SKUID]
		switch {
		case !ok:
			return model.NotFound("sku")
		case k.Version != it.Version:
			return model.CatalogueChanged(it.SKUID)
		case k.OnHand-k.Reserved < it.Quantity:
			return model.OutOfStock(it.SKUID)
		}
	}
	return s.ReserveLocked(ctx, items)
}

// distinctSKUs: sorted items name each SKU once.
func distinctSKUs(sorted []model.StockChange) bool {
	for i := 1; i < len(sorted); i++ {
		if sorted[i].SKUID == sorted[i-1].SKUID {
			return false
		}
	}
	return true
}

// whyNotReserved tells a SKU whose version moved from one short of stock.
// On MySQL the read locks the row: a plain read would see the transaction's
// snapshot, which may predate the change that moved the version.
func (s *Store) whyNotReserved(ctx context.Context, it model.StockChange) error {
	q := "SELECT version FROM skus WHERE id = ?"
	if s.dialect == MySQL { // SQLite transactions are one at a time: the snapshot is current
		q += " FOR UPDATE"
	}
	var version int64
	err := s.conn(ctx).Raw(q, it.SKUID).Row().Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return model.NotFound("sku")
	case err != nil:
		return mapErr(err)
	case version != it.Version:
		return model.CatalogueChanged(it.SKUID)
	}
	return model.OutOfStock(it.SKUID)
}

// Release gives reserved units back to available stock (cancel, reject,
// decline, timeout).
func (s *Store) Release(ctx context.Context, items []model.StockChange) error {
	for _, it := range sortChanges(items) {
		res := s.conn(ctx).Exec(`UPDATE skus SET reserved = reserved - ? WHERE id = ? AND reserved >= ?`,
			it.Quantity, it.SKUID, it.Quantity)
		if err := stockGuard(res, it.SKUID); err != nil {
			return err
		}
	}
	return nil
}

// Ship takes shipped units out of both on hand and reserved.
func (s *Store) Ship(ctx context.Context, items []model.StockChange) error {
	for _, it := range sortChanges(items) {
		res := s.conn(ctx).Exec(`UPDATE skus SET on_hand = on_hand - ?, reserved = reserved - ?
			WHERE id = ? AND reserved >= ? AND on_hand >= ?`, it.Quantity, it.Quantity, it.SKUID, it.Quantity, it.Quantity)
		if err := stockGuard(res, it.SKUID); err != nil {
			return err
		}
	}
	return nil
}

// stockGuard: a release or shipment that finds fewer units reserved than
// the order holds means the books are wrong; refuse rather than go negative.
func stockGuard(res *gorm.DB, skuID int64) error {
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return errors.New("stock invariant: sku " + itoa(skuID) + " holds fewer reserved units than its order")
	}
	return nil
}

// AdjustStock adds delta (may be negative) to a SKU's on-hand units. On hand
// never drops below what is reserved: that answers 409 stock_below_reserved.
// It returns the product id.
func (s *Store) AdjustStock(ctx context.Context, skuID, delta int64) (int64, error) {
	var productID int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Exec(`UPDATE skus SET on_hand = on_hand + ? WHERE id = ? AND on_hand + ? >= reserved`,
			delta, skuID, delta)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		k, err := s.SKU(ctx, skuID)
		if err != nil {
			return err
		}
		productID = k.ProductID
		if res.RowsAffected == 0 {
			return model.Conflict("stock_below_reserved",
				"sku %d: on hand %d %+d would fall below the %d units reserved", skuID, k.OnHand, delta, k.Reserved)
		}
		return nil
	})
	return productID, err
}

// AddUserHold adds qty to what a user holds of a SKU in open, unshipped
// orders (creating the row) and returns the new holding: the per-user cap's
// count. Every placement writes its user's rows, after the SKU rows (the
// order every transaction takes them in), so two placements of one user
// queue on the row on one server and conflict at commit on two Galera
// nodes; the holding is read in the transaction that wrote it, never from
// an older snapshot.
func (s *Store) AddUserHold(ctx context.Context, userID, skuID, qty int64) (int64, error) {
	q := `INSERT INTO user_holds (user_id, sku_id, units) VALUES (?, ?, ?)
		ON CONFLICT (user_id, sku_id) DO UPDATE SET units = units + excluded.units`
	read := `SELECT units FROM user_holds WHERE user_id = ? AND sku_id = ?`
	if s.dialect == MySQL {
		q = `INSERT INTO user_holds (user_id, sku_id, units) VALUES (?, ?, ?)
			ON DUPLICATE KEY UPDATE units = units + VALUES(units)`
		read += " FOR UPDATE" // the row is ours already: read its newest version
	}
	if err := s.conn(ctx).Exec(q, userID, skuID, qty).Error; err != nil {
		return 0, mapErr(err)
	}
	var held int64
	if err := s.conn(ctx).Raw(read, userID, skuID).Row().Scan(&held); err != nil {
		return 0, mapErr(err)
	}
	return held, nil
}

// SubUserHold takes qty off what a user holds of a SKU (an order cancelled
// or shipped); to zero, never below.
func (s *Store) SubUserHold(ctx context.Context, userID, skuID, qty int64) error {
	err := s.conn(ctx).Exec(`UPDATE user_holds SET units = CASE WHEN units > ? THEN units - ? ELSE 0 END
		WHERE user_id = ? AND sku_id = ?`, qty, qty, userID, skuID).Error
	return mapErr(err)
}

// AddHold adds qty to what holder holds of a SKU (creating the row) and
// returns the new holding and the SKU's units on hand. Run it after the
// SKU's reservation, in the same transaction: the SKU row is then already
// locked by it (rows are taken SKU first, holding second, everywhere), and
// the holding row makes two placements of one buyer queue.
func (s *Store) AddHold(ctx context.Context, holder string, skuID, qty int64) (held, onHand int64, err error) {
	q := `INSERT INTO buyer_holds (holder, sku_id, units) VALUES (?, ?, ?)
		ON CONFLICT (holder, sku_id) DO UPDATE SET units = units + excluded.units`
	read := `SELECT h.units, k.on_hand FROM buyer_holds h JOIN skus k ON k.id = h.sku_id WHERE h.holder = ? AND h.sku_id = ?`
	if s.dialect == MySQL {
		q = `INSERT INTO buyer_holds (holder, sku_id, units) VALUES (?, ?, ?)
			ON DUPLICATE KEY UPDATE units = units + VALUES(units)`
		read += " FOR UPDATE" // both rows are ours already: read their newest versions
	}
	if err := s.conn(ctx).Exec(q, holder, skuID, qty).Error; err != nil {
		return 0, 0, mapErr(err)
	}
	if err := s.conn(ctx).Raw(read, holder, skuID).Row().Scan(&held, &onHand); err != nil {
		return 0, 0, mapErr(err)
	}
	return held, onHand, nil
}

// SubHold takes qty off what holder holds of a SKU (an order cancelled or
// shipped); a holding from before holdings were kept may be short: it goes
// to zero, never below.
func (s *Store) SubHold(ctx context.Context, holder string, skuID, qty int64) error {
	err := s.conn(ctx).Exec(`UPDATE buyer_holds SET units = CASE WHEN units > ? THEN units - ? ELSE 0 END
		WHERE holder = ? AND sku_id = ?`, qty, qty, holder, skuID).Error
	return mapErr(err)
}

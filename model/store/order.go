package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"shanhai/model"
)

// Sellables loads SKUs with what ordering needs from their product and
// supplier, and their tiers, keyed by SKU id, in one query. Unknown ids are
// simply absent. Tiers are sorted here rather than by ORDER BY, which would
// cost the database a temporary table and a filesort on every order.
func (s *Store) Sellables(ctx context.Context, skuIDs []int64) (map[int64]*model.Sellable, error) {
	if len(skuIDs) == 0 {
		return map[int64]*model.Sellable{}, nil
	}
	args := make([]any, len(skuIDs))
	for i, id := range skuIDs {
		args[i] = id
	}
	return s.sellables(ctx, len(skuIDs), "k.id IN ("+placeholders(len(skuIDs))+")", args...)
}

// SellablesOnSale is Sellables for the SKUs on sale from active suppliers
// with ids in (after, upTo]: with MaxSKUID, a caller walks the whole
// catalogue range by range.
func (s *Store) SellablesOnSale(ctx context.Context, after, upTo int64) (map[int64]*model.Sellable, error) {
	return s.sellables(ctx, int(upTo-after), "k.id > ? AND k.id <= ? AND p.on_sale = ? AND s.status = ?",
		after, upTo, true, model.SupplierActive)
}

// MaxSKUID is the highest SKU id (0 without SKUs).
func (s *Store) MaxSKUID(ctx context.Context) (int64, error) {
	var top sql.NullInt64
	if err := s.conn(ctx).Raw("SELECT MAX(id) FROM skus").Row().Scan(&top); err != nil {
		return 0, mapErr(err)
	}
	return top.Int64, nil
}

func (s *Store) sellables(ctx context.Context, size int, where string, args ...any) (map[int64]*model.Sellable, error) {
	out := make(map[int64]*model.Sellable, size)
	rows, err := s.rawQuery(ctx, `SELECT k.id, k.product_id, k.spec, k.unit, k.price_cents, k.on_hand, k.reserved, k.version,
		p.name, p.supplier_id, p.on_sale, p.origin_code, p.category_code, p.perishable, s.status,
		t.min_qty, t.price_cents
		FROM skus k JOIN products p ON p.id = k.product_id JOIN suppliers s ON s.id = p.supplier_id
		LEFT JOIN sku_tiers t ON t.sku_id = k.id
		WHERE `+where, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r model.Sellable
		var tierMin, tierPrice sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ProductID, &r.Spec, &r.Unit, &r.PriceCents, &r.OnHand, &r.Reserved, &r.Version,
			&r.ProductName, &r.SupplierID, &r.OnSale, &r.OriginCode, &r.CategoryCode, &r.Perishable,
			&r.SupplierStatus, &tierMin, &tierPrice); err != nil {
			return nil, mapErr(err)
		}
		k := out[r.ID]
		if k == nil {
			k = &r
			out[r.ID] = k
		}
		if tierMin.Valid {
			k.Tiers = append(k.Tiers, model.Tier{SKUID: r.ID, MinQty: tierMin.Int64, PriceCents: tierPrice.Int64})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for _, k := range out {
		sort.Slice(k.Tiers, func(i, j int) bool { return k.Tiers[i].MinQty < k.Tiers[j].MinQty })
	}
	return out, nil
}

// placeholders is "?, ?, …", n of them.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

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
func (s *Store) Reserve(ctx context.Context, items []model.StockChange) error {
	return s.InTx(ctx, func(ctx context.Context) error {
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

// CreateOrder inserts an order and its lines (one multi-row INSERT), and
// sets their ids and the order's times. The statements go straight to
// database/sql: this is the hot path of placing orders (see rawExec).
func (s *Store) CreateOrder(ctx context.Context, o *model.Order) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if o.CreatedAt.IsZero() {
			o.CreatedAt = s.gdb.NowFunc()
		}
		if o.UpdatedAt.IsZero() {
			o.UpdatedAt = o.CreatedAt
		}
		res, err := s.rawExec(ctx, `INSERT INTO orders (checkout_id, user_id, org_id, supplier_id, channel,
			payment_terms, status, total_cents, received_cents, returned_cents, paid_cents, refunded_cents,
			delivery_date, address, phone, note, carrier, tracking_no, invoice_no, inspection_note, cancel_reason,
			deadline_at, created_at, updated_at, shipped_at, accepted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.CheckoutID, o.UserID, o.OrgID, o.SupplierID, o.Channel,
			o.PaymentTerms, o.Status, o.TotalCents, o.ReceivedCents, o.ReturnedCents, o.PaidCents, o.RefundedCents,
			o.DeliveryDate, o.Address, o.Phone, o.Note, o.Carrier, o.TrackingNo, o.InvoiceNo, o.InspectionNote, o.CancelReason,
			o.DeadlineAt, o.CreatedAt, o.UpdatedAt, o.ShippedAt, o.AcceptedAt)
		if err != nil {
			return mapErr(err)
		}
		if o.ID, err = res.LastInsertId(); err != nil {
			return mapErr(err)
		}
		if len(o.Lines) == 0 {
			return nil
		}
		const cols = 15
		var q strings.Builder
		q.WriteString(`INSERT INTO order_lines (order_id, sku_id, product_id, product_name, spec, unit, quantity,
			unit_price_cents, amount_cents, received_qty, returned_qty, origin_code, category_code, perishable,
			pairing_id) VALUES `)
		args := make([]any, 0, cols*len(o.Lines))
		for i := range o.Lines {
			l := &o.Lines[i]
			l.OrderID = o.ID
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + placeholders(cols) + ")")
			args = append(args, l.OrderID, l.SKUID, l.ProductID, l.ProductName, l.Spec, l.Unit, l.Quantity,
				l.UnitPriceCents, l.AmountCents, l.ReceivedQty, l.ReturnedQty, l.OriginCode, l.CategoryCode, l.Perishable,
				l.PairingID)
		}
		if res, err = s.rawExec(ctx, q.String(), args...); err != nil {
			return mapErr(err)
		}
		first, err := s.firstInsertID(res, len(o.Lines))
		if err != nil {
			return mapErr(err)
		}
		for i := range o.Lines {
			o.Lines[i].ID = first + int64(i)
		}
		return nil
	})
}

// Order is one order with its lines.
func (s *Store) Order(ctx context.Context, id int64) (*model.Order, error) {
	var o model.Order
	if err := s.conn(ctx).Where("id = ?", id).Take(&o).Error; err != nil {
		return nil, notFound(err, "order")
	}
	if err := s.conn(ctx).Where("order_id = ?", id).Order("id").Find(&o.Lines).Error; err != nil {
		return nil, mapErr(err)
	}
	return &o, nil
}

// Orders is one page of orders matching f, newest first, with their lines.
func (s *Store) Orders(ctx context.Context, f model.OrderFilter, page, size int) (model.Page[model.Order], error) {
	q := s.conn(ctx).Model(&model.Order{})
	if f.UserID != 0 {
		q = q.Where("user_id = ? AND org_id IS NULL", f.UserID)
	}
	if f.OrgID != 0 {
		q = q.Where("org_id = ?", f.OrgID)
	}
	if f.SupplierID != 0 {
		q = q.Where("supplier_id = ?", f.SupplierID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.From != nil {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	out, err := paginate[model.Order](q, "id DESC", page, size)
	if err != nil || len(out.Items) == 0 {
		return out, err
	}
	ids := make([]int64, len(out.Items))
	at := map[int64]int{}
	for i, o := range out.Items {
		ids[i], at[o.ID] = o.ID, i
	}
	var lines []model.OrderLine
	if err := s.conn(ctx).Where("order_id IN ?", ids).Order("id").Find(&lines).Error; err != nil {
		return out, mapErr(err)
	}
	for _, l := range lines {
		o := &out.Items[at[l.OrderID]]
		o.Lines = append(o.Lines, l)
	}
	return out, nil
}

// OrdersOfCheckout are the orders one checkout placed.
func (s *Store) OrdersOfCheckout(ctx context.Context, userID int64, checkoutID string) ([]model.Order, error) {
	var out []model.Order
	err := s.conn(ctx).Where("user_id = ? AND checkout_id = ?", userID, checkoutID).Order("id").Find(&out).Error
	return out, mapErr(err)
}

// MoveOrder is the compare-and-set of every order transition: it writes
// cols only if the order is still in one of from; otherwise 409
// invalid_transition, and the caller's transaction rolls back.
func (s *Store) MoveOrder(ctx context.Context, id int64, from []string, cols map[string]any) error {
	cols["updated_at"] = s.gdb.NowFunc()
	res := s.conn(ctx).Model(&model.Order{}).Where("id = ? AND status IN ?", id, from).Updates(cols)
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("invalid_transition", "order %d is no longer in a state that allows this", id)
	}
	return nil
}

// AddOrderMoney adds delta cents to one of the order's money counters.
func (s *Store) AddOrderMoney(ctx context.Context, id int64, column string, delta int64) error {
	switch column {
	case "paid_cents", "refunded_cents", "returned_cents", "received_cents":
	default:
		return errors.New("AddOrderMoney: not a money column: " + column)
	}
	res := s.conn(ctx).Model(&model.Order{}).Where("id = ?", id).
		UpdateColumn(column, gorm.Expr(column+" + ?", delta))
	return affected(res, "order")
}

// SetLineReceived records how many units of a line arrived.
func (s *Store) SetLineReceived(ctx context.Context, lineID, qty int64) error {
	res := s.conn(ctx).Model(&model.OrderLine{}).Where("id = ? AND quantity >= ?", lineID, qty).
		UpdateColumn("received_qty", qty)
	return affected(res, "order line")
}

// AddLineReturned adds approved returned units to a line, never past what
// was received (409 over_return).
func (s *Store) AddLineReturned(ctx context.Context, lineID, qty int64) error {
	res := s.conn(ctx).Model(&model.OrderLine{}).
		Where("id = ? AND received_qty IS NOT NULL AND returned_qty + ? <= received_qty", lineID, qty).
		UpdateColumn("returned_qty", gorm.Expr("returned_qty + ?", qty))
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("over_return", "line %d: more returned than received", lineID)
	}
	return nil
}

// AddOrderEvent appends to an order's history (straight to database/sql:
// every order placed writes one).
func (s *Store) AddOrderEvent(ctx context.Context, e *model.OrderEvent) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.gdb.NowFunc()
	}
	res, err := s.rawExec(ctx, `INSERT INTO order_events (order_id, actor_id, action, from_state, to_state, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.OrderID, e.ActorID, e.Action, e.FromState, e.ToState, e.Note, e.CreatedAt)
	if err != nil {
		return mapErr(err)
	}
	e.ID, err = res.LastInsertId()
	return mapErr(err)
}

// OrderEvents is an order's history, oldest first.
func (s *Store) OrderEvents(ctx context.Context, orderID int64) ([]model.OrderEvent, error) {
	var out []model.OrderEvent
	err := s.conn(ctx).Where("order_id = ?", orderID).Order("id").Find(&out).Error
	return out, mapErr(err)
}

// CreatePayment records a charge or a refund.
func (s *Store) CreatePayment(ctx context.Context, p *model.Payment) error {
	return mapErr(s.conn(ctx).Create(p).Error)
}

// Payment is one payment record.
func (s *Store) Payment(ctx context.Context, id int64) (*model.Payment, error) {
	var p model.Payment
	if err := s.conn(ctx).Where("id = ?", id).Take(&p).Error; err != nil {
		return nil, notFound(err, "payment")
	}
	return &p, nil
}

// Payments are an order's payment records, oldest first.
func (s *Store) Payments(ctx context.Context, orderID int64) ([]model.Payment, error) {
	var out []model.Payment
	err := s.conn(ctx).Where("order_id = ?", orderID).Order("id").Find(&out).Error
	return out, mapErr(err)
}

// SettlePayment moves a pending payment to succeeded or failed; false when
// it was no longer pending (a repeated callback).
func (s *Store) SettlePayment(ctx context.Context, id int64, status, ref string) (bool, error) {
	res := s.conn(ctx).Model(&model.Payment{}).Where("id = ? AND status = ?", id, model.PaymentPending).
		Updates(map[string]any{"status": status, "provider_ref": ref, "settled_at": s.gdb.NowFunc()})
	if res.Error != nil {
		return false, mapErr(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CreateReturn inserts a return request and its lines.
func (s *Store) CreateReturn(ctx context.Context, r *model.Return) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(r).Error; err != nil {
			return mapErr(err)
		}
		for i := range r.Lines {
			r.Lines[i].ReturnID = r.ID
		}
		return mapErr(s.conn(ctx).Create(&r.Lines).Error)
	})
}

// Return is one return request with its lines.
func (s *Store) Return(ctx context.Context, id int64) (*model.Return, error) {
	var r model.Return
	if err := s.conn(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "return")
	}
	if err := s.conn(ctx).Where("return_id = ?", id).Order("line_id").Find(&r.Lines).Error; err != nil {
		return nil, mapErr(err)
	}
	return &r, nil
}

// Returns are an order's return requests with their lines, oldest first.
func (s *Store) Returns(ctx context.Context, orderID int64) ([]model.Return, error) {
	var out []model.Return
	if err := s.conn(ctx).Where("order_id = ?", orderID).Order("id").Find(&out).Error; err != nil {
		return nil, mapErr(err)
	}
	for i := range out {
		if err := s.conn(ctx).Where("return_id = ?", out[i].ID).Order("line_id").Find(&out[i].Lines).Error; err != nil {
			return nil, mapErr(err)
		}
	}
	return out, nil
}

// MoveReturn is the compare-and-set of a return's decision.
func (s *Store) MoveReturn(ctx context.Context, id int64, cols map[string]any) error {
	res := s.conn(ctx).Model(&model.Return{}).Where("id = ? AND status = ?", id, model.ReturnRequested).Updates(cols)
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("invalid_transition", "return %d has already been decided", id)
	}
	return nil
}

// Cart is a user's cart, by SKU id.
func (s *Store) Cart(ctx context.Context, userID int64) ([]model.CartItem, error) {
	var out []model.CartItem
	err := s.conn(ctx).Where("user_id = ?", userID).Order("sku_id").Find(&out).Error
	return out, mapErr(err)
}

// ReplaceCart replaces a user's cart with items.
func (s *Store) ReplaceCart(ctx context.Context, userID int64, items []model.CartItem) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Where("user_id = ?", userID).Delete(&model.CartItem{}).Error; err != nil {
			return mapErr(err)
		}
		if len(items) == 0 {
			return nil
		}
		for i := range items {
			items[i].UserID = userID
		}
		return mapErr(s.conn(ctx).Create(&items).Error)
	})
}

// HeldUnits is, per SKU, how many units a user holds in open orders. It
// locks the user's row first, so two orders of one user are checked one
// after the other.
func (s *Store) HeldUnits(ctx context.Context, userID int64, skuIDs []int64) (map[int64]int64, error) {
	if s.dialect == MySQL { // SQLite transactions are already one at a time
		var id int64
		if err := s.conn(ctx).Raw("SELECT id FROM users WHERE id = ? FOR UPDATE", userID).Scan(&id).Error; err != nil {
			return nil, mapErr(err)
		}
	}
	var rows []struct {
		SKUID int64 `gorm:"column:sku_id"` // GORM would look for "sk_uid"
		Units int64 `gorm:"column:units"`
	}
	err := s.conn(ctx).Raw(`SELECT l.sku_id, SUM(l.quantity) AS units FROM order_lines l
		JOIN orders o ON o.id = l.order_id
		WHERE o.user_id = ? AND o.status IN ? AND l.sku_id IN ? GROUP BY l.sku_id`,
		userID, model.OpenStatuses, skuIDs).Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	out := map[int64]int64{}
	for _, r := range rows {
		out[r.SKUID] = r.Units
	}
	return out, nil
}

// DueOrders are ids of orders in status whose deadline has passed, oldest
// deadline first, at most limit.
func (s *Store) DueOrders(ctx context.Context, status string, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.Order{}).Where("status = ? AND deadline_at <= ?", status, now.UTC()).
		Order("deadline_at").Limit(limit).Pluck("id", &ids).Error
	return ids, mapErr(err)
}

// DueReturns are ids of requested returns past their auto-approval deadline.
func (s *Store) DueReturns(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.Return{}).Where("status = ? AND deadline_at <= ?", model.ReturnRequested, now.UTC()).
		Order("deadline_at").Limit(limit).Pluck("id", &ids).Error
	return ids, mapErr(err)
}

// ClaimKey inserts a running idempotency key, in the transaction in ctx: the
// first write of the key's request, so the row stays locked until that
// transaction ends. A concurrent insert of the same key waits on that lock
// (a record lock on the primary key, no gap lock) until the holder commits
// — the insert then fails as a duplicate — or rolls back, and the key is
// free. false: the key is already stored (read it with IdempotencyKey). A
// wait that reaches the lock-wait timeout is a 409 in progress, not retried.
func (s *Store) ClaimKey(ctx context.Context, k *model.IdempotencyKey) (bool, error) {
	k.Status, k.Result = model.IdemRunning, nil
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.gdb.NowFunc()
	}
	_, err := s.rawExec(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, scope, request_hash, status,
		body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.UserID, k.Key, k.Scope, k.RequestHash, k.Status, k.Result, k.CreatedAt)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return false, nil
	case lockWaitTimeout(err):
		return false, model.Conflict("idempotency_in_progress", "a request with this Idempotency-Key is still running")
	}
	return false, mapErr(err)
}

// IdempotencyKey is the stored key of a user's request.
func (s *Store) IdempotencyKey(ctx context.Context, userID int64, key string) (*model.IdempotencyKey, error) {
	var k model.IdempotencyKey
	if err := s.conn(ctx).Where("user_id = ? AND idem_key = ?", userID, key).Take(&k).Error; err != nil {
		return nil, notFound(err, "idempotency key")
	}
	return &k, nil
}

// RetakeKey takes over a key whose holder is gone (a running key older than
// it should be, or an expired one): compare-and-set on its creation time.
func (s *Store) RetakeKey(ctx context.Context, old *model.IdempotencyKey, hash string) (bool, error) {
	res := s.conn(ctx).Model(&model.IdempotencyKey{}).
		Where("user_id = ? AND idem_key = ? AND created_at = ?", old.UserID, old.Key, old.CreatedAt).
		Updates(map[string]any{"status": model.IdemRunning, "request_hash": hash,
			"body": nil, "created_at": s.gdb.NowFunc()})
	if res.Error != nil {
		return false, mapErr(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FinishKey stores the result of a key's operation, in the transaction in
// ctx. (The status_code column is no longer written: the result is opaque.)
func (s *Store) FinishKey(ctx context.Context, userID int64, key string, result []byte) error {
	res, err := s.rawExec(ctx, `UPDATE idempotency_keys SET status = ?, body = ?
		WHERE user_id = ? AND idem_key = ?`, model.IdemDone, result, userID, key)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return model.NotFound("idempotency key")
	}
	return nil
}

// PurgeKeys deletes keys created before t, at most limit; it returns how many.
func (s *Store) PurgeKeys(ctx context.Context, before time.Time, limit int) (int64, error) {
	var keys []model.IdempotencyKey
	if err := s.conn(ctx).Select("user_id, idem_key").Where("created_at < ?", before.UTC()).
		Limit(limit).Find(&keys).Error; err != nil {
		return 0, mapErr(err)
	}
	var n int64
	for _, k := range keys {
		res := s.conn(ctx).Where("user_id = ? AND idem_key = ? AND created_at < ?", k.UserID, k.Key, before.UTC()).
			Delete(&model.IdempotencyKey{})
		if res.Error != nil {
			return n, mapErr(res.Error)
		}
		n += res.RowsAffected
	}
	return n, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

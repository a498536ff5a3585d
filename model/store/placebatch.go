package store

// Group commit of order placements (service/order's batcher): the statements
// that write many orders' rows in one round trip each. Every one runs in
// the transaction in ctx.

import (
	"context"
	"errors"
	"sort"
	"strings"

	"shanhai/model"
)

// LockStock reads the stock of the SKUs ids (those that exist), locking
// their rows in id order on MySQL, the order every transaction takes SKU
// rows in: what it answers stays true until the transaction ends.
func (s *Store) LockStock(ctx context.Context, ids []int64) (map[int64]model.SKU, error) {
	ids = sortedIDs(ids)
	out := make(map[int64]model.SKU, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := "SELECT id, on_hand, reserved, version FROM skus WHERE id IN (" + placeholders(len(ids)) + ") ORDER BY id"
	if s.dialect == MySQL { // SQLite transactions are one at a time
		q += " FOR UPDATE"
	}
	rows, err := s.rawQuery(ctx, q, anys(ids)...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k model.SKU
		if err := rows.Scan(&k.ID, &k.OnHand, &k.Reserved, &k.Version); err != nil {
			return nil, mapErr(err)
		}
		out[k.ID] = k
	}
	return out, mapErr(rows.Err())
}

// ReserveLocked reserves items (each SKU once) whose rows the transaction
// in ctx has locked and judged already (LockStock), in one conditional
// UPDATE: each row moves only if it still holds the quantity at the version
// judged. A row that does not is an error and nothing is to be kept: the
// caller's transaction rolls back (a batch's placements then run alone).
func (s *Store) ReserveLocked(ctx context.Context, items []model.StockChange) error {
	if len(items) == 0 {
		return nil
	}
	items = sortChanges(items)
	var q strings.Builder
	args := make([]any, 0, 7*len(items))
	cases := func(value func(model.StockChange) int64) {
		q.WriteString("CASE id")
		for _, it := range items {
			q.WriteString(" WHEN ? THEN ?")
			args = append(args, it.SKUID, value(it))
		}
		q.WriteString(" END")
	}
	quantity := func(it model.StockChange) int64 { return it.Quantity }
	q.WriteString("UPDATE skus SET reserved = reserved + ")
	cases(quantity)
	q.WriteString(" WHERE id IN (" + placeholders(len(items)) + ")")
	for _, it := range items {
		args = append(args, it.SKUID)
	}
	q.WriteString(" AND on_hand - reserved >= ")
	cases(quantity)
	q.WriteString(" AND version = ")
	cases(func(it model.StockChange) int64 { return it.Version })
	res, err := s.rawExec(ctx, q.String(), args...)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n != int64(len(items)) {
		return errors.New("stock invariant: a reservation of locked SKU rows moved " + itoa(n) + " of " + itoa(int64(len(items))))
	}
	return nil
}

// CreateOrders inserts orders and their lines as CreateOrder does, with one
// INSERT for all the orders and one for all their lines where one
// statement's ids are consecutive (one order at a time elsewhere).
func (s *Store) CreateOrders(ctx context.Context, orders []*model.Order) error {
	if len(orders) == 1 || s.rowsPerInsert(ctx, len(orders)) == 1 {
		for _, o := range orders {
			if err := s.CreateOrder(ctx, o); err != nil {
				return err
			}
		}
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		now := s.gdb.NowFunc()
		var q strings.Builder
		q.WriteString(`INSERT INTO orders (checkout_id, user_id, org_id, supplier_id, supplier_name, org_name, channel,
			payment_terms, status, total_cents, received_cents, returned_cents, paid_cents, refunded_cents,
			delivery_date, address, phone, note, carrier, tracking_no, invoice_no, inspection_note, cancel_reason,
			deadline_at, created_at, updated_at, shipped_at, accepted_at, sales_point_id, approval_level,
			invoice_title, invoice_tax_id, invoice_address, invoice_phone, invoice_bank, invoice_account) VALUES `)
		args := make([]any, 0, 36*len(orders))
		lines := 0
		for i, o := range orders {
			if o.CreatedAt.IsZero() {
				o.CreatedAt = now
			}
			if o.UpdatedAt.IsZero() {
				o.UpdatedAt = o.CreatedAt
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + placeholders(36) + ")")
			args = append(args, o.CheckoutID, o.UserID, o.OrgID, o.SupplierID, o.SupplierName, o.OrgName, o.Channel,
				o.PaymentTerms, o.Status, o.TotalCents, o.ReceivedCents, o.ReturnedCents, o.PaidCents, o.RefundedCents,
				o.DeliveryDate, o.Address, o.Phone, o.Note, o.Carrier, o.TrackingNo, o.InvoiceNo, o.InspectionNote, o.CancelReason,
				o.DeadlineAt, o.CreatedAt, o.UpdatedAt, o.ShippedAt, o.AcceptedAt, o.SalesPointID, o.ApprovalLevel,
				o.InvoiceTitle, o.InvoiceTaxID, o.InvoiceAddress, o.InvoicePhone, o.InvoiceBank, o.InvoiceAccount)
			lines += len(o.Lines)
		}
		res, err := s.rawExec(ctx, q.String(), args...)
		if err != nil {
			return mapErr(err)
		}
		first, err := s.firstInsertID(res, len(orders))
		if err != nil {
			return mapErr(err)
		}
		if lines == 0 {
			for i, o := range orders {
				o.ID = first + int64(i)
			}
			return nil
		}
		q.Reset()
		q.WriteString(`INSERT INTO order_lines (order_id, sku_id, product_id, product_name, spec, unit, quantity,
			unit_price_cents, amount_cents, received_qty, returned_qty, origin_code, category_code, perishable,
			pairing_id) VALUES `)
		args = make([]any, 0, 15*lines)
		n := 0
		for i, o := range orders {
			o.ID = first + int64(i)
			for j := range o.Lines {
				l := &o.Lines[j]
				l.OrderID = o.ID
				if n > 0 {
					q.WriteString(", ")
				}
				n++
				q.WriteString("(" + placeholders(15) + ")")
				args = append(args, l.OrderID, l.SKUID, l.ProductID, l.ProductName, l.Spec, l.Unit, l.Quantity,
					l.UnitPriceCents, l.AmountCents, l.ReceivedQty, l.ReturnedQty, l.OriginCode, l.CategoryCode, l.Perishable,
					l.PairingID)
			}
		}
		if res, err = s.rawExec(ctx, q.String(), args...); err != nil {
			return mapErr(err)
		}
		if first, err = s.firstInsertID(res, lines); err != nil {
			return mapErr(err)
		}
		for _, o := range orders {
			for j := range o.Lines {
				o.Lines[j].ID = first
				first++
			}
		}
		return nil
	})
}

// AddOrderEvents adds history events, in one INSERT where one statement's
// ids are consecutive (one at a time elsewhere), and sets their ids.
func (s *Store) AddOrderEvents(ctx context.Context, events []*model.OrderEvent) error {
	if len(events) == 1 || s.rowsPerInsert(ctx, len(events)) == 1 {
		for _, e := range events {
			if err := s.AddOrderEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}
	now := s.gdb.NowFunc()
	var q strings.Builder
	q.WriteString(`INSERT INTO order_events (order_id, actor_id, action, from_state, to_state, note, created_at) VALUES `)
	args := make([]any, 0, 7*len(events))
	for i, e := range events {
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		args = append(args, e.OrderID, e.ActorID, e.Action, e.FromState, e.ToState, e.Note, e.CreatedAt)
	}
	res, err := s.rawExec(ctx, q.String(), args...)
	if err != nil {
		return mapErr(err)
	}
	first, err := s.firstInsertID(res, len(events))
	if err != nil {
		return mapErr(err)
	}
	for i, e := range events {
		e.ID = first + int64(i)
	}
	return nil
}

// AddHolds is AddHold for many holdings at once: one INSERT adds every
// holding's Units (a holder's units of one SKU summed), in SKU order, and
// one read answers each holding's new Units and its SKU's OnHand, in the
// order of holds (one answer per holder and SKU). Run it after the SKUs'
// reservations, in the same transaction, as AddHold.
func (s *Store) AddHolds(ctx context.Context, holds []model.Hold) ([]model.Hold, error) {
	keys, err := s.addHolds(ctx, holds)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	read := "SELECT h.holder, h.sku_id, h.units, k.on_hand FROM buyer_holds h JOIN skus k ON k.id = h.sku_id WHERE " +
		s.anyOf([]string{"h.holder", "h.sku_id"}, len(keys))
	readArgs := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		readArgs = append(readArgs, k.holder, k.sku)
	}
	if s.dialect == MySQL {
		read += " FOR UPDATE" // the rows are ours already: read their newest versions
	}
	rows, err := s.rawQuery(ctx, read, readArgs...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	got := make(map[holdKey]model.Hold, len(keys))
	for rows.Next() {
		var h model.Hold
		if err := rows.Scan(&h.Holder, &h.SKUID, &h.Units, &h.OnHand); err != nil {
			return nil, mapErr(err)
		}
		got[holdKey{h.Holder, h.SKUID}] = h
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	out := make([]model.Hold, 0, len(keys))
	for _, h := range holds {
		k := holdKey{h.Holder, h.SKUID}
		if g, ok := got[k]; ok {
			out = append(out, g)
			delete(got, k)
		}
	}
	return out, nil
}

// BookHolds is AddHolds without the read: the holdings added, none
// answered, one statement (for holdings the caller knows to be within every
// limit).
func (s *Store) BookHolds(ctx context.Context, holds []model.Hold) error {
	_, err := s.addHolds(ctx, holds)
	return err
}

type holdKey struct {
	holder string
	sku    int64
}

// addHolds adds holds' units in one INSERT and returns the holdings it
// wrote, each holder and SKU once, in SKU order.
func (s *Store) addHolds(ctx context.Context, holds []model.Hold) ([]holdKey, error) {
	sum := map[holdKey]int64{}
	var keys []holdKey
	for _, h := range holds {
		k := holdKey{h.Holder, h.SKUID}
		if _, ok := sum[k]; !ok {
			keys = append(keys, k)
		}
		sum[k] += h.Units
	}
	if len(keys) == 0 {
		return nil, nil
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].sku != keys[j].sku {
			return keys[i].sku < keys[j].sku
		}
		return keys[i].holder < keys[j].holder
	})
	var q strings.Builder
	q.WriteString("INSERT INTO buyer_holds (holder, sku_id, units) VALUES ")
	args := make([]any, 0, 3*len(keys))
	for i, k := range keys {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?)")
		args = append(args, k.holder, k.sku, sum[k])
	}
	if s.dialect == MySQL {
		q.WriteString(" ON DUPLICATE KEY UPDATE units = units + VALUES(units)")
	} else {
		q.WriteString(" ON CONFLICT (holder, sku_id) DO UPDATE SET units = units + excluded.units")
	}
	if _, err := s.rawExec(ctx, q.String(), args...); err != nil {
		return nil, mapErr(err)
	}
	return keys, nil
}

// StoreKeys inserts finished idempotency keys (status done, with their
// results) in one INSERT, in the transaction of the operations they
// finish. A key already stored fails it (duplicate): the transaction rolls
// back and each operation runs again on its own (service/idempotency.Do).
func (s *Store) StoreKeys(ctx context.Context, keys []model.IdempotencyKey) error {
	if len(keys) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO idempotency_keys (user_id, idem_key, scope, request_hash, status, body, created_at) VALUES `)
	args := make([]any, 0, 7*len(keys))
	now := s.gdb.NowFunc()
	for i, k := range keys {
		if k.CreatedAt.IsZero() {
			k.CreatedAt = now
		}
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		args = append(args, k.UserID, k.Key, k.Scope, k.RequestHash, k.Status, k.Result, k.CreatedAt)
	}
	_, err := s.rawExec(ctx, q.String(), args...)
	return mapErr(err)
}

// KeysStored reports, for each of keys (by user and key), whether it is
// stored, in any state, in one read.
func (s *Store) KeysStored(ctx context.Context, keys []model.IdempotencyKey) ([]bool, error) {
	out := make([]bool, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	type key struct {
		user int64
		key  string
	}
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k.UserID, k.Key)
	}
	rows, err := s.rawQuery(ctx, "SELECT user_id, idem_key FROM idempotency_keys WHERE "+s.anyOf([]string{"user_id", "idem_key"}, len(keys)), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	stored := map[key]bool{}
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.user, &k.key); err != nil {
			return nil, mapErr(err)
		}
		stored[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for i, k := range keys {
		out[i] = stored[key{k.UserID, k.Key}]
	}
	return out, nil
}

func sortedIDs(ids []int64) []int64 {
	out := append([]int64(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func anys(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

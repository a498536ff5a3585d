package store

// Orders: the order rows, their lines and their history.

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"shanhai/model"
)

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
		res, err := s.rawExec(ctx, `INSERT INTO orders (checkout_id, user_id, org_id, supplier_id, supplier_name, org_name, channel,
			payment_terms, status, total_cents, received_cents, returned_cents, paid_cents, refunded_cents,
			delivery_date, address, phone, note, carrier, tracking_no, invoice_no, inspection_note, cancel_reason,
			deadline_at, created_at, updated_at, shipped_at, accepted_at, sales_point_id, approval_level,
			invoice_title, invoice_tax_id, invoice_address, invoice_phone, invoice_bank, invoice_account)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.CheckoutID, o.UserID, o.OrgID, o.SupplierID, o.SupplierName, o.OrgName, o.Channel,
			o.PaymentTerms, o.Status, o.TotalCents, o.ReceivedCents, o.ReturnedCents, o.PaidCents, o.RefundedCents,
			o.DeliveryDate, o.Address, o.Phone, o.Note, o.Carrier, o.TrackingNo, o.InvoiceNo, o.InspectionNote, o.CancelReason,
			o.DeadlineAt, o.CreatedAt, o.UpdatedAt, o.ShippedAt, o.AcceptedAt, o.SalesPointID, o.ApprovalLevel,
			o.InvoiceTitle, o.InvoiceTaxID, o.InvoiceAddress, o.InvoicePhone, o.InvoiceBank, o.InvoiceAccount)
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
		// One INSERT for all lines, or one per line where one statement's
		// ids are not consecutive (Galera): the lines' ids are needed.
		per := s.rowsPerInsert(ctx, len(o.Lines))
		for from := 0; from < len(o.Lines); from += per {
			lines := o.Lines[from:min(from+per, len(o.Lines))]
			var q strings.Builder
			q.WriteString(`INSERT INTO order_lines (order_id, sku_id, product_id, product_name, spec, unit, quantity,
			unit_price_cents, amount_cents, received_qty, returned_qty, origin_code, category_code, perishable,
			pairing_id) VALUES `)
			args := make([]any, 0, cols*len(lines))
			for i := range lines {
				l := &lines[i]
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
			first, err := s.firstInsertID(res, len(lines))
			if err != nil {
				return mapErr(err)
			}
			for i := range lines {
				lines[i].ID = first + int64(i)
			}
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
// the patch only if the order is still in one of from; otherwise 409
// invalid_transition, and the caller's transaction rolls back.
func (s *Store) MoveOrder(ctx context.Context, id int64, from []string, p model.OrderPatch) error {
	cols := map[string]any{"status": p.Status, "updated_at": s.gdb.NowFunc()}
	if p.SetDeadline {
		cols["deadline_at"] = p.DeadlineAt
	}
	setIf(cols, "cancel_reason", p.CancelReason)
	setIf(cols, "carrier", p.Carrier)
	setIf(cols, "tracking_no", p.TrackingNo)
	setIf(cols, "invoice_no", p.InvoiceNo)
	setIf(cols, "shipped_at", p.ShippedAt)
	setIf(cols, "accepted_at", p.AcceptedAt)
	setIf(cols, "received_cents", p.ReceivedCents)
	setIf(cols, "inspection_note", p.InspectionNote)
	res := s.conn(ctx).Model(&model.Order{}).Where("id = ? AND status IN ?", id, from).Updates(cols)
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("invalid_transition", "order %d is no longer in a state that allows this", id)
	}
	return nil
}

// setIf writes column when v is set.
func setIf[T any](cols map[string]any, column string, v *T) {
	if v != nil {
		cols[column] = *v
	}
}

// AddOrderMoney adds the non-zero deltas of m to the order's money counters.
func (s *Store) AddOrderMoney(ctx context.Context, id int64, m model.OrderMoney) error {
	cols := map[string]any{}
	for _, c := range []struct {
		column string
		delta  int64
	}{{"paid_cents", m.PaidCents}, {"refunded_cents", m.RefundedCents}, {"returned_cents", m.ReturnedCents}} {
		if c.delta != 0 {
			cols[c.column] = gorm.Expr(c.column+" + ?", c.delta)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	res := s.conn(ctx).Model(&model.Order{}).Where("id = ?", id).UpdateColumns(cols)
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

// DueOrders are ids of orders in status whose deadline has passed, oldest
// deadline first, at most limit.
func (s *Store) DueOrders(ctx context.Context, status string, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.Order{}).Where("status = ? AND deadline_at <= ?", status, now.UTC()).
		Order("deadline_at").Limit(limit).Pluck("id", &ids).Error
	return ids, mapErr(err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

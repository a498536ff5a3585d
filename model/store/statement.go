package store

// Monthly statements (对账单): figures summed from orders, returns,
// payments and invoice allocations of one China month, frozen with the
// orders they cover; and an org's order lines for its purchase history.

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"shanhai/model"
)

type pairKey struct{ org, supplier int64 }

// StatementFigures computes the statements of [from, to) (a China month;
// firstDay and lastDay its dates) for orgID and/or supplierID (0: any),
// one per org and supplier with anything in the month, with their orders.
func (s *Store) StatementFigures(ctx context.Context, orgID, supplierID int64, from, to time.Time, firstDay, lastDay string) ([]model.Statement, error) {
	by := map[pairKey]*model.Statement{}
	var order []pairKey
	get := func(org, sup int64) *model.Statement {
		k := pairKey{org, sup}
		if st := by[k]; st != nil {
			return st
		}
		st := &model.Statement{OrgID: org, SupplierID: sup}
		by[k] = st
		order = append(order, k)
		return st
	}
	scope := func(alias string) (string, []any) {
		q, args := alias+".org_id IS NOT NULL", []any{}
		if orgID != 0 {
			q += " AND " + alias + ".org_id = ?"
			args = append(args, orgID)
		}
		if supplierID != 0 {
			q += " AND " + alias + ".supplier_id = ?"
			args = append(args, supplierID)
		}
		return q, args
	}
	from, to = from.UTC(), to.UTC()

	w, args := scope("o")
	var accepted []struct {
		ID            int64     `gorm:"column:id"`
		OrgID         int64     `gorm:"column:org_id"`
		SupplierID    int64     `gorm:"column:supplier_id"`
		AcceptedAt    time.Time `gorm:"column:accepted_at"`
		TotalCents    int64     `gorm:"column:total_cents"`
		ReceivedCents int64     `gorm:"column:received_cents"`
	}
	if err := s.conn(ctx).Raw(`SELECT o.id, o.org_id, o.supplier_id, o.accepted_at, o.total_cents, o.received_cents FROM orders o
		WHERE `+w+` AND o.accepted_at >= ? AND o.accepted_at < ? ORDER BY o.id`, append(args, from, to)...).Scan(&accepted).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, a := range accepted {
		st := get(a.OrgID, a.SupplierID)
		st.OrdersCount++
		st.ReceivedCents += a.ReceivedCents
		st.Orders = append(st.Orders, model.StatementOrder{OrderID: a.ID, AcceptedAt: a.AcceptedAt, TotalCents: a.TotalCents,
			ReceivedCents: a.ReceivedCents})
	}
	type sum struct {
		OrgID      int64  `gorm:"column:org_id"`
		SupplierID int64  `gorm:"column:supplier_id"`
		Kind       string `gorm:"column:kind"`
		Cents      int64  `gorm:"column:cents"`
	}
	var sums []sum
	if err := s.conn(ctx).Raw(`SELECT o.org_id, o.supplier_id, 'return' AS kind, SUM(r.amount_cents) AS cents FROM returns r
		JOIN orders o ON o.id = r.order_id WHERE `+w+` AND r.status = ? AND r.decided_at >= ? AND r.decided_at < ?
		GROUP BY o.org_id, o.supplier_id`, append(args, model.ReturnApproved, from, to)...).Scan(&sums).Error; err != nil {
		return nil, mapErr(err)
	}
	var pays []sum
	if err := s.conn(ctx).Raw(`SELECT o.org_id, o.supplier_id, p.kind, SUM(p.amount_cents) AS cents FROM payments p
		JOIN orders o ON o.id = p.order_id WHERE `+w+` AND p.status = ? AND p.settled_at >= ? AND p.settled_at < ?
		GROUP BY o.org_id, o.supplier_id, p.kind`, append(args, model.PaymentSucceeded, from, to)...).Scan(&pays).Error; err != nil {
		return nil, mapErr(err)
	}
	wi, iargs := scope("i")
	var invoiced []sum
	if err := s.conn(ctx).Raw(`SELECT i.org_id, i.supplier_id, 'invoice' AS kind, SUM(a.amount_cents) AS cents FROM invoice_allocations a
		JOIN mall_invoices i ON i.id = a.invoice_id WHERE `+wi+` AND i.issue_date >= ? AND i.issue_date <= ?
		GROUP BY i.org_id, i.supplier_id`, append(iargs, firstDay, lastDay)...).Scan(&invoiced).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, x := range append(append(sums, pays...), invoiced...) {
		st := get(x.OrgID, x.SupplierID)
		switch x.Kind {
		case "return":
			st.ReturnedCents += x.Cents
		case model.PaymentCharge:
			st.PaidCents += x.Cents
		case model.PaymentRefund:
			st.RefundedCents += x.Cents
		case "invoice":
			st.InvoicedCents += x.Cents
		}
	}
	out := make([]model.Statement, 0, len(order))
	for _, k := range order {
		st := by[k]
		st.DueCents = st.ReceivedCents - st.ReturnedCents - (st.PaidCents - st.RefundedCents)
		st.DifferenceCents = st.ReceivedCents - st.ReturnedCents - st.InvoicedCents
		out = append(out, *st)
	}
	return out, nil
}

// FreezeStatement stores a computed statement with its orders, unless one
// of the same org, supplier and month is stored already (the first wins,
// on any replica: the unique key decides).
func (s *Store) FreezeStatement(ctx context.Context, st *model.Statement) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		st.CreatedAt = s.gdb.NowFunc()
		st.OrgStatus, st.SupplierStatus = model.StatementOpen, model.StatementOpen
		res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Omit(clause.Associations).Create(st)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected == 0 || len(st.Orders) == 0 {
			return nil
		}
		for i := range st.Orders {
			st.Orders[i].StatementID = st.ID
		}
		return mapErr(s.conn(ctx).Create(&st.Orders).Error)
	})
}

// Statements are the stored statements of month for orgID and/or
// supplierID (0: any), with names and orders, by supplier then org.
func (s *Store) Statements(ctx context.Context, orgID, supplierID int64, month string) ([]model.Statement, error) {
	q := s.conn(ctx).Where("month = ?", month)
	if orgID != 0 {
		q = q.Where("org_id = ?", orgID)
	}
	if supplierID != 0 {
		q = q.Where("supplier_id = ?", supplierID)
	}
	var out []model.Statement
	if err := q.Order("supplier_id, org_id").Find(&out).Error; err != nil {
		return nil, mapErr(err)
	}
	return out, s.fillStatements(ctx, out)
}

// Statement is one stored statement.
func (s *Store) Statement(ctx context.Context, id int64) (*model.Statement, error) {
	var st model.Statement
	if err := s.conn(ctx).Where("id = ?", id).Take(&st).Error; err != nil {
		return nil, notFound(err, "statement")
	}
	out := []model.Statement{st}
	if err := s.fillStatements(ctx, out); err != nil {
		return nil, err
	}
	return &out[0], nil
}

func (s *Store) fillStatements(ctx context.Context, sts []model.Statement) error {
	if len(sts) == 0 {
		return nil
	}
	ids := make([]int64, len(sts))
	at := map[int64]int{}
	for i, st := range sts {
		ids[i], at[st.ID] = st.ID, i
	}
	var orders []model.StatementOrder
	if err := s.conn(ctx).Where("statement_id IN ?", ids).Order("statement_id, order_id").Find(&orders).Error; err != nil {
		return mapErr(err)
	}
	for _, o := range orders {
		st := &sts[at[o.StatementID]]
		st.Orders = append(st.Orders, o)
	}
	var names []struct {
		ID           int64  `gorm:"column:id"`
		SupplierName string `gorm:"column:supplier_name"`
		OrgName      string `gorm:"column:org_name"`
	}
	if err := s.conn(ctx).Raw(`SELECT t.id, s.name AS supplier_name, o.name AS org_name FROM statements t
		JOIN suppliers s ON s.id = t.supplier_id JOIN orgs o ON o.id = t.org_id WHERE t.id IN ?`, ids).Scan(&names).Error; err != nil {
		return mapErr(err)
	}
	for _, n := range names {
		st := &sts[at[n.ID]]
		st.SupplierName, st.OrgName = n.SupplierName, n.OrgName
	}
	return nil
}

// AnswerStatement records one side's confirmation or dispute; a side that
// has confirmed has answered for good (409 already_confirmed).
func (s *Store) AnswerStatement(ctx context.Context, id int64, a model.StatementAnswer) error {
	side := "org"
	if a.Side == "supplier" {
		side = "supplier"
	}
	res := s.conn(ctx).Model(&model.Statement{}).Where("id = ? AND "+side+"_status <> ?", id, model.StatementConfirmed).
		UpdateColumns(map[string]any{side + "_status": a.Status, side + "_note": a.Note, side + "_by": a.By, side + "_at": a.At.UTC()})
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("already_confirmed", "statement %d is already confirmed by this side", id)
	}
	return nil
}

// OrderLines are the lines of org's orders placed in [from, to), oldest
// first, at most limit, with what the credit ledger made of each.
func (s *Store) OrderLines(ctx context.Context, orgID int64, from, to time.Time, limit int) ([]model.OrderLineRow, error) {
	var out []model.OrderLineRow
	err := s.conn(ctx).Raw(`SELECT o.id AS order_id, o.status, o.created_at, o.accepted_at, o.supplier_name,
		l.product_name, l.spec, l.unit, l.quantity, l.unit_price_cents, l.amount_cents, l.received_qty, l.returned_qty, l.origin_code,
		COALESCE(c.credited, 0) AS credited_cents, COALESCE(c.not_credited, 0) AS not_credited_cents, c.pairing_id, COALESCE(c.reason, '') AS reason
		FROM orders o JOIN order_lines l ON l.order_id = o.id
		LEFT JOIN (SELECT line_id, SUM(CASE WHEN pairing_id IS NOT NULL THEN amount_cents ELSE 0 END) AS credited,
			SUM(CASE WHEN pairing_id IS NULL THEN amount_cents ELSE 0 END) AS not_credited,
			MAX(pairing_id) AS pairing_id, MAX(CASE WHEN pairing_id IS NULL THEN reason END) AS reason
			FROM credits WHERE source IN ? GROUP BY line_id) c ON c.line_id = l.id
		WHERE o.org_id = ? AND o.created_at >= ? AND o.created_at < ? ORDER BY o.id, l.id LIMIT ?`,
		[]string{model.SourceAcceptance, model.SourceReturn, model.SourceCorrection}, orgID, from.UTC(), to.UTC(), limit).Scan(&out).Error
	return out, mapErr(err)
}

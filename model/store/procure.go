package store

// Procurement: org invoice profiles, mall invoices with their allocations
// to orders, and (statement.go) monthly statements.

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"shanhai/model"
)

// InvoiceProfile is org's invoice profile; an org without one gets the
// title and tax id its admin record holds (nil when it has neither).
func (s *Store) InvoiceProfile(ctx context.Context, orgID int64) (*model.InvoiceProfile, error) {
	var p model.InvoiceProfile
	err := s.conn(ctx).Where("org_id = ?", orgID).Take(&p).Error
	if err == nil {
		return &p, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, mapErr(err)
	}
	o, err := s.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if o.InvoiceTitle == "" && o.TaxID == "" {
		return nil, nil
	}
	return &model.InvoiceProfile{OrgID: orgID, Title: o.InvoiceTitle, TaxID: o.TaxID}, nil
}

// PutInvoiceProfile writes org's invoice profile whole.
func (s *Store) PutInvoiceProfile(ctx context.Context, p *model.InvoiceProfile) error {
	p.UpdatedAt = s.gdb.NowFunc()
	err := s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "org_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"title", "tax_id", "address", "phone", "bank", "account", "updated_at"})}).
		Create(p).Error
	return mapErr(err)
}

// CreateMallInvoice inserts an invoice (not its allocations).
func (s *Store) CreateMallInvoice(ctx context.Context, inv *model.MallInvoice) error {
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = s.gdb.NowFunc()
	}
	return mapErr(s.conn(ctx).Omit(clause.Associations).Create(inv).Error)
}

// AddInvoiceRed books a red invoice of cents (< 0) against its original,
// never past the original's amount: 409 over_red otherwise.
func (s *Store) AddInvoiceRed(ctx context.Context, originalID, cents int64) error {
	res := s.conn(ctx).Model(&model.MallInvoice{}).
		Where("id = ? AND amount_cents > 0 AND amount_cents + red_cents + ? >= 0", originalID, cents).
		UpdateColumn("red_cents", gorm.Expr("red_cents + ?", cents))
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("over_red", "red invoices of invoice %d would exceed its amount", originalID)
	}
	return nil
}

// AllocateInvoice spreads cents of an invoice onto an order of org and
// supplier that is not cancelled, keeping the order's invoiced total
// between 0 and what the order is worth (received less returned once
// accepted, else its total). It reports whether the order took it.
func (s *Store) AllocateInvoice(ctx context.Context, a model.InvoiceAllocation, orgID, supplierID int64) (bool, error) {
	res := s.conn(ctx).Model(&model.Order{}).
		Where(`id = ? AND org_id = ? AND supplier_id = ? AND status <> ? AND invoiced_cents + ? >= 0 AND invoiced_cents + ? <=
			CASE WHEN status IN (?, ?) THEN received_cents - returned_cents ELSE total_cents END`,
			a.OrderID, orgID, supplierID, model.OrderCancelled, a.AmountCents, a.AmountCents, model.OrderAccepted, model.OrderSettled).
		UpdateColumn("invoiced_cents", gorm.Expr("invoiced_cents + ?", a.AmountCents))
	if res.Error != nil {
		return false, mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	return true, mapErr(s.conn(ctx).Create(&a).Error)
}

// SetInvoiceScan records an invoice's scan (a private blob).
func (s *Store) SetInvoiceScan(ctx context.Context, id int64, hash, contentType string) error {
	res := s.conn(ctx).Model(&model.MallInvoice{}).Where("id = ?", id).
		UpdateColumns(map[string]any{"scan_hash": hash, "scan_type": contentType})
	return affected(res, "invoice")
}

// MallInvoice is one invoice with its allocations and names.
func (s *Store) MallInvoice(ctx context.Context, id int64) (*model.MallInvoice, error) {
	var inv model.MallInvoice
	if err := s.conn(ctx).Where("id = ?", id).Take(&inv).Error; err != nil {
		return nil, notFound(err, "invoice")
	}
	out := []model.MallInvoice{inv}
	if err := s.fillInvoices(ctx, out); err != nil {
		return nil, err
	}
	return &out[0], nil
}

// MallInvoices is a page of invoices matching f, newest first.
func (s *Store) MallInvoices(ctx context.Context, f model.InvoiceFilter, page, size int) (model.Page[model.MallInvoice], error) {
	q := s.conn(ctx).Model(&model.MallInvoice{})
	if f.OrgID != 0 {
		q = q.Where("org_id = ?", f.OrgID)
	}
	if f.SupplierID != 0 {
		q = q.Where("supplier_id = ?", f.SupplierID)
	}
	if f.OrderID != 0 {
		q = q.Where("id IN (SELECT invoice_id FROM invoice_allocations WHERE order_id = ?)", f.OrderID)
	}
	out, err := paginate[model.MallInvoice](q, "id DESC", page, size)
	if err != nil {
		return out, err
	}
	return out, s.fillInvoices(ctx, out.Items)
}

// fillInvoices adds allocations and the supplier's and org's names.
func (s *Store) fillInvoices(ctx context.Context, invs []model.MallInvoice) error {
	if len(invs) == 0 {
		return nil
	}
	ids := make([]int64, len(invs))
	at := map[int64]int{}
	for i, inv := range invs {
		ids[i], at[inv.ID] = inv.ID, i
	}
	var allocs []model.InvoiceAllocation
	if err := s.conn(ctx).Where("invoice_id IN ?", ids).Order("invoice_id, order_id").Find(&allocs).Error; err != nil {
		return mapErr(err)
	}
	for _, a := range allocs {
		inv := &invs[at[a.InvoiceID]]
		inv.Allocations = append(inv.Allocations, a)
	}
	var names []struct {
		ID           int64  `gorm:"column:id"`
		SupplierName string `gorm:"column:supplier_name"`
		OrgName      string `gorm:"column:org_name"`
	}
	err := s.conn(ctx).Raw(`SELECT i.id, s.name AS supplier_name, o.name AS org_name FROM mall_invoices i
		JOIN suppliers s ON s.id = i.supplier_id JOIN orgs o ON o.id = i.org_id WHERE i.id IN ?`, ids).Scan(&names).Error
	if err != nil {
		return mapErr(err)
	}
	for _, n := range names {
		inv := &invs[at[n.ID]]
		inv.SupplierName, inv.OrgName = n.SupplierName, n.OrgName
	}
	return nil
}

// Package procure is what a canteen's purchasing office and its auditor
// need beyond placing orders: the org's invoice profile (copied onto each
// order), the invoices suppliers issue against mall orders and how they
// are spread over them, and (statement.go) the monthly statements both
// sides confirm.
package procure

import (
	"context"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/claim"
)

// Store is the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Org(ctx context.Context, id int64) (*model.Org, error)
	Order(ctx context.Context, id int64) (*model.Order, error)
	InvoiceProfile(ctx context.Context, orgID int64) (*model.InvoiceProfile, error)
	PutInvoiceProfile(ctx context.Context, p *model.InvoiceProfile) error
	CreateMallInvoice(ctx context.Context, inv *model.MallInvoice) error
	AddInvoiceRed(ctx context.Context, originalID, cents int64) error
	AllocateInvoice(ctx context.Context, a model.InvoiceAllocation, orgID, supplierID int64) (bool, error)
	SetInvoiceScan(ctx context.Context, id int64, hash, contentType string) error
	MallInvoice(ctx context.Context, id int64) (*model.MallInvoice, error)
	MallInvoices(ctx context.Context, f model.InvoiceFilter, page, size int) (model.Page[model.MallInvoice], error)
	PutBlob(ctx context.Context, b model.Blob) error
	Blob(ctx context.Context, class, hash string) (*model.Blob, error)
	claim.Store
	StatementStore
	audit.Store
}

// Service runs procurement.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns the procurement service.
func New(st Store) *Service { return &Service{store: st, now: time.Now} }

// SetClock replaces the clock (tests: which months have ended).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// orgSide: the org's buyers, approvers and org_admins.
func orgSide(actor *model.User, orgID int64) bool {
	return actor.OrgID != nil && *actor.OrgID == orgID && model.OrgRole(actor.Role)
}

func orgAdmin(actor *model.User, orgID int64) bool {
	return actor.OrgID != nil && *actor.OrgID == orgID && actor.Role == model.RoleOrgAdmin
}

func supplierOf(actor *model.User) (int64, bool) {
	if actor.Role == model.RoleSupplier && actor.SupplierID != nil {
		return *actor.SupplierID, true
	}
	return 0, false
}

// readOrg: the org exists and actor is on its side (or an admin); an org
// the caller may not see is 404.
func (s *Service) readOrg(ctx context.Context, actor *model.User, orgID int64) (*model.Org, error) {
	if actor.Role != model.RoleAdmin && !orgSide(actor, orgID) {
		return nil, model.NotFound("org")
	}
	return s.store.Org(ctx, orgID)
}

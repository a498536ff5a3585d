// Package org is the buying organizations: the orgs themselves (an admin's
// work), their employees (a consumer asks to be linked to an org, its
// org_admin confirms or refuses) and their annual reserved-share filings
// (filing.go). Every change is audited in its own transaction.
package org

import (
	"context"
	"errors"
	"regexp"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// Store is the database. User and UpdateUser may be the user cache over it
// (model/cache.Users), which drops a user after a committed change.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, a *model.Audit) error
	Region(ctx context.Context, code string) (*model.Region, error)
	Org(ctx context.Context, id int64) (*model.Org, error)
	Orgs(ctx context.Context, parentID int64, page, size int) (model.Page[model.Org], error)
	CreateOrg(ctx context.Context, o *model.Org) error
	UpdateOrg(ctx context.Context, id int64, p model.OrgPatch) error

	User(ctx context.Context, id int64) (*model.User, error)
	Users(ctx context.Context, f model.UserFilter, page, size int) (model.Page[model.User], error)
	UpdateUser(ctx context.Context, id int64, p model.UserPatch) error

	Filing(ctx context.Context, orgID int64, year int) (*model.Filing, error)
	CreateFiling(ctx context.Context, f *model.Filing) error
	UpdateFiling(ctx context.Context, id int64, from []string, p model.FilingPatch) error
	Filings(ctx context.Context, year int, parentID int64, page, size int) (model.Page[model.Filing], error)

	CreateSalesPoint(ctx context.Context, p *model.SalesPoint) error
	SalesPoints(ctx context.Context, orgID int64) ([]model.SalesPoint, error)

	Sectors(ctx context.Context) ([]model.SectorInfo, error)
	CreateSector(ctx context.Context, v *model.SectorInfo) error
	SalesPointTypes(ctx context.Context) ([]model.SalesPointTypeInfo, error)
	CreateSalesPointType(ctx context.Context, v *model.SalesPointTypeInfo) error
}

// Service is the orgs, their employees and their filings.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns the org service.
func New(st Store) *Service { return &Service{store: st, now: time.Now} }

// inTx runs fn in a transaction after checking the actor is an admin.
func (s *Service) inTx(ctx context.Context, actor *model.User, fn func(ctx context.Context) error) error {
	if err := check.Admin(actor); err != nil {
		return err
	}
	return s.store.InTx(ctx, fn)
}

var taxIDPattern = regexp.MustCompile(`^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$`)

// OrgInput is an org as an admin creates or replaces it.
type OrgInput struct {
	Name, Kind, RegionCode   string
	ParentID                 *int64
	PaymentTerms, CreditKind string
	ApprovalThresholdCents   int64
	InvoiceTitle, TaxID      string
	Sector                   string // "" for the kind's default (model.DefaultSector)
	// SecondApprovalThresholdCents: 0, or above ApprovalThresholdCents.
	SecondApprovalThresholdCents int64
}

var orgKinds = []string{model.OrgCanteen, model.OrgUnion, model.OrgGovernment, model.OrgEnterprise,
	model.OrgSupermarket, model.OrgWholesale, model.OrgCoop}

func (s *Service) checkOrg(ctx context.Context, in OrgInput, selfID int64) (*model.Org, error) {
	var f check.Fields
	o := &model.Org{
		Name: f.Text("name", in.Name, 128), Kind: in.Kind, RegionCode: in.RegionCode, ParentID: in.ParentID,
		PaymentTerms: in.PaymentTerms, CreditKind: in.CreditKind, ApprovalThresholdCents: in.ApprovalThresholdCents,
		InvoiceTitle: f.OptionalText("invoice_title", in.InvoiceTitle, 128), TaxID: in.TaxID, Sector: in.Sector,
		SecondApprovalThresholdCents: in.SecondApprovalThresholdCents,
	}
	if o.Sector == "" {
		o.Sector = model.DefaultSector(in.Kind)
	}
	if err := s.checkSector(ctx, &f, "sector", o.Sector); err != nil {
		return nil, err
	}
	f.OneOf("kind", in.Kind, orgKinds...)
	if _, err := check.Region(ctx, s.store, &f, "region_code", in.RegionCode, model.SideHelper); err != nil {
		return nil, err
	}
	if o.PaymentTerms == "" {
		o.PaymentTerms = model.TermsPrepay
	}
	f.OneOf("payment_terms", o.PaymentTerms, model.TermsPrepay, model.TermsAfterDelivery)
	if o.CreditKind == "" {
		o.CreditKind = model.DefaultCreditKind(in.Kind)
	}
	f.OneOf("credit_kind", o.CreditKind, model.CreditDirect, model.CreditAssisted)
	f.Range("approval_threshold_cents", o.ApprovalThresholdCents, 0, 1e13)
	if t := o.SecondApprovalThresholdCents; t != 0 && (o.ApprovalThresholdCents <= 0 || t <= o.ApprovalThresholdCents || t > 1e13) {
		f.Add("second_approval_threshold_cents", "must be 0 (none) or above approval_threshold_cents")
	}
	if o.TaxID != "" && !taxIDPattern.MatchString(o.TaxID) {
		f.Add("tax_id", "must be an 18-character unified social credit code")
	}
	if in.ParentID != nil {
		if err := s.checkParent(ctx, &f, *in.ParentID, selfID); err != nil {
			return nil, err
		}
	}
	return o, f.Err()
}

// checkParent: the parent exists and is not the org itself or below it.
func (s *Service) checkParent(ctx context.Context, f *check.Fields, parentID, selfID int64) error {
	for id, depth := parentID, 0; ; depth++ {
		if selfID != 0 && id == selfID {
			f.Add("parent_id", "would make the org supervise itself")
			return nil
		}
		o, err := s.store.Org(ctx, id)
		if errors.Is(err, model.ErrNotFound) {
			if id == parentID {
				f.Add("parent_id", "no such org")
			}
			return nil
		}
		if err != nil {
			return err
		}
		if o.ParentID == nil || depth > 32 {
			return nil
		}
		id = *o.ParentID
	}
}

// CreateOrg creates an organization (admins only).
func (s *Service) CreateOrg(ctx context.Context, actor *model.User, in OrgInput) (*model.Org, error) {
	var out *model.Org
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		o, err := s.checkOrg(ctx, in, 0)
		if err != nil {
			return err
		}
		if err := s.store.CreateOrg(ctx, o); err != nil {
			return check.Duplicate(err, "name")
		}
		out = o
		return audit.Record(ctx, s.store, actor, "org.create", "org", o.ID, nil, o, "")
	})
	return out, err
}

// UpdateOrg replaces an org's editable fields (admins only).
func (s *Service) UpdateOrg(ctx context.Context, actor *model.User, id int64, in OrgInput) (*model.Org, error) {
	var out *model.Org
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		before, err := s.store.Org(ctx, id)
		if err != nil {
			return err
		}
		o, err := s.checkOrg(ctx, in, id)
		if err != nil {
			return err
		}
		if err := s.store.UpdateOrg(ctx, id, model.OrgPatch{
			Name: &o.Name, Kind: &o.Kind, RegionCode: &o.RegionCode, ParentID: &o.ParentID,
			PaymentTerms: &o.PaymentTerms, CreditKind: &o.CreditKind,
			ApprovalThresholdCents: &o.ApprovalThresholdCents, InvoiceTitle: &o.InvoiceTitle, TaxID: &o.TaxID,
			Sector: &o.Sector, SecondApprovalThreshold: &o.SecondApprovalThresholdCents,
		}); err != nil {
			return check.Duplicate(err, "name")
		}
		if out, err = s.store.Org(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "org.update", "org", id, before, out, "")
	})
	return out, err
}

// Orgs lists organizations, optionally the children of parentID (admins
// only).
func (s *Service) Orgs(ctx context.Context, actor *model.User, parentID int64, page, size int) (model.Page[model.Org], error) {
	if err := check.Admin(actor); err != nil {
		return model.Page[model.Org]{}, err
	}
	return s.store.Orgs(ctx, parentID, page, size)
}

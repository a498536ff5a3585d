// Package admin is the platform admin's work: organizations, suppliers,
// pairings and their targets, regions, categories, product certification and
// the audit trail. Every change is audited in its own transaction.
package admin

import (
	"context"
	"errors"
	"regexp"
	"strconv"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// Store is the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, a *model.Audit) error
	Audits(ctx context.Context, f model.AuditFilter, page, size int) (model.Page[model.Audit], error)
	Region(ctx context.Context, code string) (*model.Region, error)
	Regions(ctx context.Context) ([]model.Region, error)
	Categories(ctx context.Context) ([]model.Category, error)
	CreateRegion(ctx context.Context, r *model.Region) error
	Category(ctx context.Context, code string) (*model.Category, error)
	CreateCategory(ctx context.Context, c *model.Category) error
	Org(ctx context.Context, id int64) (*model.Org, error)
	Orgs(ctx context.Context, parentID int64, page, size int) (model.Page[model.Org], error)
	CreateOrg(ctx context.Context, o *model.Org) error
	UpdateOrg(ctx context.Context, id int64, cols map[string]any) error
	Supplier(ctx context.Context, id int64) (*model.Supplier, error)
	Suppliers(ctx context.Context, page, size int) (model.Page[model.Supplier], error)
	CreateSupplier(ctx context.Context, s *model.Supplier) error
	Pairing(ctx context.Context, id int64) (*model.PairingView, error)
	Pairings(ctx context.Context) ([]model.PairingView, error)
	Target(ctx context.Context, pairingID int64, year int) (*model.Target, error)
	SetTarget(ctx context.Context, t model.Target) error
	Product(ctx context.Context, id int64) (*model.ProductDetail, error)
}

// Catalog is where writes that change what the catalogue shows go: the
// cache layer when there is one (it invalidates after commit), else the store.
type Catalog interface {
	SetSupplierStatus(ctx context.Context, id int64, status string) ([]int64, error)
	CreatePairing(ctx context.Context, p *model.Pairing) error
	UpdatePairing(ctx context.Context, id int64, cols map[string]any) error
	Certify(ctx context.Context, c *model.Certification) error
	RevokeCertification(ctx context.Context, productID int64) error
}

// Service is the admin's work.
type Service struct {
	store   Store
	catalog Catalog
}

// New returns the admin service.
func New(st Store, cat Catalog) *Service { return &Service{store: st, catalog: cat} }

func requireAdmin(actor *model.User) error {
	if actor == nil || actor.Role != model.RoleAdmin {
		return model.Forbidden("admins only")
	}
	return nil
}

// inTx runs fn in a transaction after checking the actor is an admin.
func (s *Service) inTx(ctx context.Context, actor *model.User, fn func(ctx context.Context) error) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.store.InTx(ctx, fn)
}

// region checks a region code exists and is on the wanted side ("" = any).
func (s *Service) region(ctx context.Context, f *check.Fields, field, code, side string) (*model.Region, error) {
	if code == "" {
		f.Add(field, "is required")
		return nil, nil
	}
	r, err := s.store.Region(ctx, code)
	if errors.Is(err, model.ErrNotFound) {
		f.Add(field, "no such region code")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if side != "" && r.Side != side {
		f.Add(field, "must be a "+side+"-side region")
	}
	return r, nil
}

var taxIDPattern = regexp.MustCompile(`^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$`)

// OrgInput is an org as an admin creates or replaces it.
type OrgInput struct {
	Name, Kind, RegionCode   string
	ParentID                 *int64
	PaymentTerms, CreditKind string
	ApprovalThresholdCents   int64
	InvoiceTitle, TaxID      string
}

var orgKinds = []string{model.OrgCanteen, model.OrgUnion, model.OrgGovernment, model.OrgEnterprise,
	model.OrgSupermarket, model.OrgWholesale, model.OrgCoop}

func (s *Service) checkOrg(ctx context.Context, in OrgInput, selfID int64) (*model.Org, error) {
	var f check.Fields
	o := &model.Org{
		Name: f.Text("name", in.Name, 128), Kind: in.Kind, RegionCode: in.RegionCode, ParentID: in.ParentID,
		PaymentTerms: in.PaymentTerms, CreditKind: in.CreditKind, ApprovalThresholdCents: in.ApprovalThresholdCents,
		InvoiceTitle: f.OptionalText("invoice_title", in.InvoiceTitle, 128), TaxID: in.TaxID,
	}
	f.OneOf("kind", in.Kind, orgKinds...)
	if _, err := s.region(ctx, &f, "region_code", in.RegionCode, model.SideHelper); err != nil {
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

// CreateOrg creates an organization.
func (s *Service) CreateOrg(ctx context.Context, actor *model.User, in OrgInput) (*model.Org, error) {
	var out *model.Org
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		o, err := s.checkOrg(ctx, in, 0)
		if err != nil {
			return err
		}
		if err := s.store.CreateOrg(ctx, o); err != nil {
			return duplicate(err, "name")
		}
		out = o
		return audit.Record(ctx, s.store, actor, "org.create", "org", o.ID, nil, o, "")
	})
	return out, err
}

// UpdateOrg replaces an org's editable fields.
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
		if err := s.store.UpdateOrg(ctx, id, map[string]any{
			"name": o.Name, "kind": o.Kind, "region_code": o.RegionCode, "parent_id": o.ParentID,
			"payment_terms": o.PaymentTerms, "credit_kind": o.CreditKind,
			"approval_threshold_cents": o.ApprovalThresholdCents, "invoice_title": o.InvoiceTitle, "tax_id": o.TaxID,
		}); err != nil {
			return duplicate(err, "name")
		}
		if out, err = s.store.Org(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "org.update", "org", id, before, out, "")
	})
	return out, err
}

// Orgs lists organizations, optionally the children of parentID.
func (s *Service) Orgs(ctx context.Context, actor *model.User, parentID int64, page, size int) (model.Page[model.Org], error) {
	if err := requireAdmin(actor); err != nil {
		return model.Page[model.Org]{}, err
	}
	return s.store.Orgs(ctx, parentID, page, size)
}

// CreateSupplier registers a supplier in a partner-side region; it starts active.
func (s *Service) CreateSupplier(ctx context.Context, actor *model.User, name, regionCode string) (*model.Supplier, error) {
	var out *model.Supplier
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		sup := &model.Supplier{Name: f.Text("name", name, 128), RegionCode: regionCode, Status: model.SupplierActive}
		r, err := s.region(ctx, &f, "region_code", regionCode, model.SidePartner)
		if err != nil {
			return err
		}
		if r != nil && r.Level != model.LevelCounty {
			f.Add("region_code", "must be a county: products take their origin from it")
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.store.CreateSupplier(ctx, sup); err != nil {
			return duplicate(err, "name")
		}
		out = sup
		return audit.Record(ctx, s.store, actor, "supplier.create", "supplier", sup.ID, nil, sup, "")
	})
	return out, err
}

// Suppliers lists suppliers.
func (s *Service) Suppliers(ctx context.Context, actor *model.User, page, size int) (model.Page[model.Supplier], error) {
	if err := requireAdmin(actor); err != nil {
		return model.Page[model.Supplier]{}, err
	}
	return s.store.Suppliers(ctx, page, size)
}

// SetSupplierStatus moves a supplier to pending, active or suspended; a
// suspended supplier's products leave the catalogue.
func (s *Service) SetSupplierStatus(ctx context.Context, actor *model.User, id int64, status string) (*model.Supplier, error) {
	var out *model.Supplier
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		f.OneOf("status", status, model.SupplierPending, model.SupplierActive, model.SupplierSuspended)
		if err := f.Err(); err != nil {
			return err
		}
		before, err := s.store.Supplier(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.catalog.SetSupplierStatus(ctx, id, status); err != nil {
			return err
		}
		if out, err = s.store.Supplier(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "supplier.update", "supplier", id, before, out, "")
	})
	return out, err
}

// PairingInput is a new pairing.
type PairingInput struct {
	Programme, Level, HelperCode, PartnerCode string
	SinceYear                                 int
}

// CreatePairing links a helper region to a partner region at the same level.
func (s *Service) CreatePairing(ctx context.Context, actor *model.User, in PairingInput) (*model.PairingView, error) {
	var out *model.PairingView
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		f.OneOf("programme", in.Programme, model.ProgrammeEastWest, model.ProgrammeMountainSea)
		f.OneOf("level", in.Level, model.LevelCity, model.LevelCounty)
		f.Year("since_year", in.SinceYear)
		helper, err := s.region(ctx, &f, "helper_code", in.HelperCode, model.SideHelper)
		if err != nil {
			return err
		}
		partner, err := s.region(ctx, &f, "partner_code", in.PartnerCode, model.SidePartner)
		if err != nil {
			return err
		}
		// compare levels only when the level itself is one: an unknown level
		// is one bad field, not three
		levelOK := in.Level == model.LevelCity || in.Level == model.LevelCounty
		if levelOK && helper != nil && helper.Level != in.Level {
			f.Add("helper_code", "must be a "+in.Level+"-level region")
		}
		if levelOK && partner != nil && partner.Level != in.Level {
			f.Add("partner_code", "must be a "+in.Level+"-level region")
		}
		if err := f.Err(); err != nil {
			return err
		}
		p := &model.Pairing{Programme: in.Programme, Level: in.Level, HelperCode: in.HelperCode,
			PartnerCode: in.PartnerCode, SinceYear: in.SinceYear, Active: true}
		if err := s.catalog.CreatePairing(ctx, p); err != nil {
			return duplicate(err, "partner_code")
		}
		if out, err = s.store.Pairing(ctx, p.ID); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "pairing.create", "pairing", p.ID, nil, p, "")
	})
	return out, err
}

// SetPairingActive switches a pairing on or off.
func (s *Service) SetPairingActive(ctx context.Context, actor *model.User, id int64, active bool) (*model.PairingView, error) {
	var out *model.PairingView
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		before, err := s.store.Pairing(ctx, id)
		if err != nil {
			return err
		}
		if err := s.catalog.UpdatePairing(ctx, id, map[string]any{"active": active}); err != nil {
			return err
		}
		if out, err = s.store.Pairing(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "pairing.update", "pairing", id, before.Pairing, out.Pairing, "")
	})
	return out, err
}

// Pairings lists every pairing.
func (s *Service) Pairings(ctx context.Context, actor *model.User) ([]model.PairingView, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.Pairings(ctx)
}

// SetTarget sets a pairing's annual target.
func (s *Service) SetTarget(ctx context.Context, actor *model.User, pairingID int64, year int, cents int64) (*model.Target, error) {
	t := &model.Target{PairingID: pairingID, Year: year, TargetCents: cents}
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		if _, err := s.store.Pairing(ctx, pairingID); err != nil {
			return err
		}
		var f check.Fields
		f.Year("year", year)
		f.Range("target_cents", cents, 0, 1e15)
		if err := f.Err(); err != nil {
			return err
		}
		before, err := s.store.Target(ctx, pairingID, year)
		if err != nil {
			return err
		}
		if err := s.store.SetTarget(ctx, *t); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "target.set", "target", targetID(pairingID, year), before, t, "")
	})
	return t, err
}

func targetID(pairingID int64, year int) string {
	return itoa(pairingID) + "/" + itoa(int64(year))
}

// CertInput is a certificate an admin records.
type CertInput struct {
	CertificateNo, Issuer, Batch, ValidFrom, ValidTo string
}

// Certify gives a product a new current certificate.
func (s *Service) Certify(ctx context.Context, actor *model.User, productID int64, in CertInput) (*model.Certification, error) {
	var out *model.Certification
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		d, err := s.store.Product(ctx, productID)
		if err != nil {
			return err
		}
		var f check.Fields
		c := &model.Certification{ProductID: productID,
			CertificateNo: f.Text("certificate_no", in.CertificateNo, 64), Issuer: f.Text("issuer", in.Issuer, 128),
			Batch: f.OptionalText("batch", in.Batch, 64), ValidFrom: in.ValidFrom, ValidTo: in.ValidTo}
		f.Date("valid_from", in.ValidFrom)
		f.Date("valid_to", in.ValidTo)
		if model.ValidDate(in.ValidFrom) && model.ValidDate(in.ValidTo) && in.ValidTo < in.ValidFrom {
			f.Add("valid_to", "must not be before valid_from")
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.catalog.Certify(ctx, c); err != nil {
			return err
		}
		out = c
		return audit.Record(ctx, s.store, actor, "certification.set", "product", productID, d.Certification, c, "")
	})
	return out, err
}

// RevokeCertification revokes a product's current certificate.
func (s *Service) RevokeCertification(ctx context.Context, actor *model.User, productID int64) error {
	return s.inTx(ctx, actor, func(ctx context.Context) error {
		d, err := s.store.Product(ctx, productID)
		if err != nil {
			return err
		}
		if err := s.catalog.RevokeCertification(ctx, productID); err != nil {
			return err
		}
		after := *d.Certification
		after.Status = model.CertRevoked
		return audit.Record(ctx, s.store, actor, "certification.revoke", "product", productID, d.Certification, after, "")
	})
}

var regionCode = regexp.MustCompile(`^\d{6}$`)

// CreateRegion adds a region under an existing parent one level up.
func (s *Service) CreateRegion(ctx context.Context, actor *model.User, r model.Region) (*model.Region, error) {
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		if !regionCode.MatchString(r.Code) {
			f.Add("code", "must be a six-digit GB/T 2260 code")
		}
		r.Name = f.Text("name", r.Name, 64)
		f.OneOf("level", r.Level, model.LevelProvince, model.LevelCity, model.LevelCounty)
		f.OneOf("side", r.Side, "", model.SideHelper, model.SidePartner)
		wantParent := map[string]string{model.LevelCity: model.LevelProvince, model.LevelCounty: model.LevelCity}[r.Level]
		levelOK := r.Level == model.LevelProvince || wantParent != ""
		switch {
		case !levelOK:
			// an unknown level says nothing about the parent
		case r.ParentCode == nil && wantParent != "":
			f.Add("parent_code", "is required for a "+r.Level)
		case r.ParentCode != nil && wantParent == "":
			f.Add("parent_code", "a province has no parent")
		case r.ParentCode != nil:
			p, err := s.region(ctx, &f, "parent_code", *r.ParentCode, "")
			if err != nil {
				return err
			}
			if p != nil && p.Level != wantParent {
				f.Add("parent_code", "must be a "+wantParent)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.store.CreateRegion(ctx, &r); err != nil {
			return duplicate(err, "code")
		}
		return audit.Record(ctx, s.store, actor, "region.create", "region", r.Code, nil, r, "")
	})
	return &r, err
}

var categoryCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// CreateCategory adds a product category.
func (s *Service) CreateCategory(ctx context.Context, actor *model.User, c model.Category) (*model.Category, error) {
	err := s.inTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		if !categoryCode.MatchString(c.Code) {
			f.Add("code", "must be 2-32 lower-case letters, digits or _")
		}
		c.Name = f.Text("name", c.Name, 64)
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.store.CreateCategory(ctx, &c); err != nil {
			return duplicate(err, "code")
		}
		return audit.Record(ctx, s.store, actor, "category.create", "category", c.Code, nil, c, "")
	})
	return &c, err
}

// Audits reads the audit trail, newest first.
func (s *Service) Audits(ctx context.Context, actor *model.User, f model.AuditFilter, page, size int) (model.Page[model.Audit], error) {
	if err := requireAdmin(actor); err != nil {
		return model.Page[model.Audit]{}, err
	}
	return s.store.Audits(ctx, f, page, size)
}

// duplicate turns a uniqueness conflict into a 422 on the field that clashed.
func duplicate(err error, field string) error {
	if errors.Is(err, model.ErrConflict) {
		return model.Invalid(model.FieldError{Field: field, Message: "already exists"})
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Regions lists every region (admin view of the reference data).
func (s *Service) Regions(ctx context.Context, actor *model.User) ([]model.Region, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.Regions(ctx)
}

// Categories lists every category (admin view of the reference data).
func (s *Service) Categories(ctx context.Context, actor *model.User) ([]model.Category, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.Categories(ctx)
}

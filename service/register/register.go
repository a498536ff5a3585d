// Package register is the certified-product register (认定目录): the
// certificates of the partner counties' products, whether or not a product
// is sold in the mall. An entry's number is unique per issuer; its producer
// is named by the unified social credit code (checked against its GB 32100
// check character) or, for a smallholder without one, flagged unregistered.
// Admins add and edit entries; so do partner-side officers, for producers in
// their scope. A mall product's certification is its linked entry: the
// catalogue's certification routes create or update the entry and link it
// (Link), and revoking a product's certification revokes its entry
// (RevokeProduct). Every change is audited.
package register

import (
	"context"
	"errors"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// Store is the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, a *model.Audit) error
	Region(ctx context.Context, code string) (*model.Region, error)
	Regions(ctx context.Context) ([]model.Region, error)
	Category(ctx context.Context, code string) (*model.Category, error)
	CreateRegisterEntry(ctx context.Context, e *model.RegisterEntry) error
	SaveRegisterEntry(ctx context.Context, e *model.RegisterEntry) error
	RegisterEntry(ctx context.Context, id int64) (*model.RegisterEntry, error)
	RegisterEntryByNumber(ctx context.Context, issuer, number string) (*model.RegisterEntry, error)
	RegisterEntries(ctx context.Context, f model.RegisterFilter, page, size int) (model.Page[model.RegisterEntry], error)
	LinkProductEntry(ctx context.Context, productID, entryID int64) error
	ProductEntryID(ctx context.Context, productID int64) (int64, error)
	ProductsOfEntry(ctx context.Context, entryID int64) ([]int64, error)
	RevokeCertification(ctx context.Context, productID int64) error
}

// Service is the register.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns the register.
func New(st Store) *Service { return &Service{store: st, now: time.Now} }

// Input is an entry as written; on update, nil fields stay as they are.
type Input struct {
	CertificateNo, Issuer, ProductName, Spec, Category *string
	ProducerName, CreditCode, RegionCode, Batch        *string
	ValidFrom, ValidTo                                 *string
	Status, RevokedOn, RevokeReason                    *string
}

func val(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// apply checks in onto e (every field on create, the given ones on update).
func (s *Service) apply(ctx context.Context, e *model.RegisterEntry, in Input, create bool) error {
	var f check.Fields
	set := func(p *string, field string, max int, dst *string, optional bool) {
		if p == nil && !create {
			return
		}
		if optional {
			*dst = f.OptionalText(field, val(p), max)
		} else {
			*dst = f.Text(field, val(p), max)
		}
	}
	set(in.CertificateNo, "certificate_no", 64, &e.CertificateNo, false)
	set(in.Issuer, "issuer", 128, &e.Issuer, false)
	set(in.ProductName, "product_name", 128, &e.ProductName, false)
	set(in.Spec, "spec", 64, &e.Spec, true)
	set(in.ProducerName, "producer_name", 128, &e.ProducerName, false)
	set(in.Batch, "batch", 64, &e.Batch, true)
	if in.CreditCode != nil || create {
		e.CreditCode = f.CreditCode("credit_code", val(in.CreditCode), false)
	}
	e.Unregistered = e.CreditCode == ""
	if in.Category != nil || create {
		e.CategoryCode = val(in.Category)
		if _, err := s.store.Category(ctx, e.CategoryCode); errors.Is(err, model.ErrNotFound) {
			f.Add("category", "no such category")
		} else if err != nil {
			return err
		}
	}
	if in.RegionCode != nil || create {
		e.RegionCode = val(in.RegionCode)
		if _, err := check.Region(ctx, s.store, &f, "region_code", e.RegionCode, model.SidePartner); err != nil {
			return err
		}
	}
	if in.ValidFrom != nil || create {
		e.ValidFrom = val(in.ValidFrom)
		f.Date("valid_from", e.ValidFrom)
	}
	if in.ValidTo != nil || create {
		e.ValidTo = val(in.ValidTo)
		f.Date("valid_to", e.ValidTo)
	}
	if model.ValidDate(e.ValidFrom) && model.ValidDate(e.ValidTo) && e.ValidTo < e.ValidFrom {
		f.Add("valid_to", "must not be before valid_from")
	}
	if create && e.Status == "" {
		e.Status = model.CertValid
	}
	if in.Status != nil {
		f.OneOf("status", *in.Status, model.CertValid, model.CertRevoked)
		switch {
		case *in.Status == model.CertRevoked && e.Status != model.CertRevoked:
			e.Status = model.CertRevoked
			e.RevokedOn = model.DateOf(s.now())
			if in.RevokedOn != nil {
				e.RevokedOn = *in.RevokedOn
				f.Date("revoked_on", e.RevokedOn)
			}
			e.RevokeReason = f.Text("revoke_reason", val(in.RevokeReason), 300)
		case *in.Status == model.CertValid && e.Status == model.CertRevoked:
			e.Status, e.RevokedOn, e.RevokeReason = model.CertValid, "", ""
		}
	}
	return f.Err()
}

// mayEdit: an admin, or a partner-side officer whose scope holds region.
func (s *Service) mayEdit(ctx context.Context, actor *model.User, region string) error {
	if actor.Role == model.RoleAdmin {
		return nil
	}
	if actor.Role != model.RoleOfficer || actor.RegionCode == nil {
		return model.Forbidden("admins and partner-side officers only")
	}
	own, err := s.store.Region(ctx, *actor.RegionCode)
	if err != nil {
		return err
	}
	if own.Side != model.SidePartner {
		return model.Forbidden("admins and partner-side officers only")
	}
	regions, err := s.store.Regions(ctx)
	if err != nil {
		return err
	}
	if region != "" && !model.NewRegionTree(regions).Contains(own.Code, region) {
		return model.Forbidden("the producer's county is outside your scope")
	}
	return nil
}

// Create adds an entry. The same issuer and number again is a 422 on
// certificate_no.
func (s *Service) Create(ctx context.Context, actor *model.User, in Input) (*model.RegisterEntry, error) {
	if err := s.mayEdit(ctx, actor, ""); err != nil {
		return nil, err
	}
	e := &model.RegisterEntry{}
	if err := s.apply(ctx, e, in, true); err != nil {
		return nil, err
	}
	if err := s.mayEdit(ctx, actor, e.RegionCode); err != nil {
		return nil, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateRegisterEntry(ctx, e); err != nil {
			return check.Duplicate(err, "certificate_no")
		}
		return audit.Record(ctx, s.store, actor, "register.create", "register_entry", e.ID, nil, e, "")
	})
	return e, err
}

// Update edits an entry (a revocation is status "revoked" with a reason).
// Revoking an entry revokes the certification of every mall product linked
// to it.
func (s *Service) Update(ctx context.Context, actor *model.User, id int64, in Input) (*model.RegisterEntry, error) {
	old, err := s.store.RegisterEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayEdit(ctx, actor, old.RegionCode); err != nil {
		return nil, err
	}
	e := *old
	if err := s.apply(ctx, &e, in, false); err != nil {
		return nil, err
	}
	if err := s.mayEdit(ctx, actor, e.RegionCode); err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveRegisterEntry(ctx, &e); err != nil {
			return check.Duplicate(err, "certificate_no")
		}
		if old.Status != model.CertRevoked && e.Status == model.CertRevoked {
			if _, err := s.revokeProducts(ctx, e.ID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, s.store, actor, "register.update", "register_entry", e.ID, old, e, e.RevokeReason)
	})
	return &e, err
}

// Get is one entry (anyone signed in).
func (s *Service) Get(ctx context.Context, id int64) (*model.RegisterEntry, error) {
	return s.store.RegisterEntry(ctx, id)
}

// List pages the register (anyone signed in).
func (s *Service) List(ctx context.Context, f model.RegisterFilter, page, size int) (model.Page[model.RegisterEntry], error) {
	return s.store.RegisterEntries(ctx, f, page, size)
}

// Link makes a mall product's certification its register entry: the entry
// of the certificate's issuer and number is created (the producer is the
// product's supplier) or updated to the certificate's batch and validity,
// and the product links to it. Call it in the certification's transaction.
func (s *Service) Link(ctx context.Context, d *model.ProductDetail, c *model.Certification) (*model.RegisterEntry, error) {
	e, err := s.store.RegisterEntryByNumber(ctx, c.Issuer, c.CertificateNo)
	switch {
	case errors.Is(err, model.ErrNotFound):
		sid := d.Supplier.ID
		e = &model.RegisterEntry{CertificateNo: c.CertificateNo, Issuer: c.Issuer, ProductName: d.Name,
			CategoryCode: d.CategoryCode, ProducerName: d.Supplier.Name, Unregistered: true,
			RegionCode: d.Supplier.RegionCode, SupplierID: &sid, Batch: c.Batch, ValidFrom: c.ValidFrom,
			ValidTo: c.ValidTo, Status: model.CertValid}
		if err := s.store.CreateRegisterEntry(ctx, e); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		e.Batch, e.ValidFrom, e.ValidTo, e.Status, e.RevokedOn, e.RevokeReason = c.Batch, c.ValidFrom, c.ValidTo, model.CertValid, "", ""
		if err := s.store.SaveRegisterEntry(ctx, e); err != nil {
			return nil, err
		}
	}
	return e, s.store.LinkProductEntry(ctx, d.ID, e.ID)
}

// RevokeProduct revokes the entry a product links to and answers which
// products it affects (their certifications are revoked with it). A
// product without a linked entry affects itself only.
func (s *Service) RevokeProduct(ctx context.Context, productID int64, reason string) (int64, []int64, error) {
	id, err := s.store.ProductEntryID(ctx, productID)
	if err != nil || id == 0 {
		return 0, []int64{productID}, err
	}
	e, err := s.store.RegisterEntry(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	if e.Status != model.CertRevoked {
		e.Status, e.RevokedOn, e.RevokeReason = model.CertRevoked, model.DateOf(s.now()), reason
		if err := s.store.SaveRegisterEntry(ctx, e); err != nil {
			return 0, nil, err
		}
	}
	ids, err := s.revokeProducts(ctx, id, productID)
	return id, ids, err
}

// revokeProducts revokes the current certification of every product linked
// to entry id (except those in skip, whose caller revokes them) and returns
// every linked product.
func (s *Service) revokeProducts(ctx context.Context, id int64, skip ...int64) ([]int64, error) {
	ids, err := s.store.ProductsOfEntry(ctx, id)
	if err != nil {
		return nil, err
	}
next:
	for _, pid := range ids {
		for _, k := range skip {
			if k == pid {
				continue next
			}
		}
		if err := s.store.RevokeCertification(ctx, pid); err != nil && !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
	}
	return ids, nil
}

package catalog

// What an admin keeps in the catalogue: suppliers, categories and product
// certification. Every change is audited in its own transaction.

import (
	"context"
	"regexp"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// adminTx runs fn in a transaction after checking the actor is an admin.
func (s *Service) adminTx(ctx context.Context, actor *model.User, fn func(ctx context.Context) error) error {
	if err := check.Admin(actor); err != nil {
		return err
	}
	return s.store.InTx(ctx, fn)
}

// CreateSupplier registers a supplier in a partner-side region; it starts
// active (admins only).
func (s *Service) CreateSupplier(ctx context.Context, actor *model.User, name, regionCode, creditCode string) (*model.Supplier, error) {
	var out *model.Supplier
	err := s.adminTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		sup := &model.Supplier{Name: f.Text("name", name, 128), RegionCode: regionCode, Status: model.SupplierActive,
			CreditCode: f.CreditCode("credit_code", creditCode, false)}
		r, err := check.Region(ctx, s.store, &f, "region_code", regionCode, model.SidePartner)
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
			return check.Duplicate(err, "name")
		}
		out = sup
		return audit.Record(ctx, s.store, actor, "supplier.create", "supplier", sup.ID, nil, sup, "")
	})
	return out, err
}

// Suppliers lists suppliers.
func (s *Service) Suppliers(ctx context.Context, actor *model.User, page, size int) (model.Page[model.Supplier], error) {
	if err := check.Admin(actor); err != nil {
		return model.Page[model.Supplier]{}, err
	}
	return s.store.Suppliers(ctx, page, size)
}

// SetSupplierStatus moves a supplier to pending, active or suspended; a
// suspended supplier's products leave the catalogue.
func (s *Service) SetSupplierStatus(ctx context.Context, actor *model.User, id int64, status string) (*model.Supplier, error) {
	return s.UpdateSupplier(ctx, actor, id, SupplierPatch{Status: &status})
}

// SupplierPatch is an admin's edit of a supplier; nil fields stay.
type SupplierPatch struct {
	Status     *string
	CreditCode *string // checked with GB 32100; empty clears it
}

// UpdateSupplier changes a supplier's status and credit code, audited.
func (s *Service) UpdateSupplier(ctx context.Context, actor *model.User, id int64, p SupplierPatch) (*model.Supplier, error) {
	var out *model.Supplier
	err := s.adminTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		if p.Status != nil {
			f.OneOf("status", *p.Status, model.SupplierPending, model.SupplierActive, model.SupplierSuspended)
		}
		code := ""
		if p.CreditCode != nil {
			code = f.CreditCode("credit_code", *p.CreditCode, false)
		}
		if p.Status == nil && p.CreditCode == nil {
			f.Add("status", "give status or credit_code")
		}
		if err := f.Err(); err != nil {
			return err
		}
		before, err := s.store.Supplier(ctx, id)
		if err != nil {
			return err
		}
		if p.Status != nil {
			if _, err := s.writes.SetSupplierStatus(ctx, id, *p.Status); err != nil {
				return err
			}
		}
		if p.CreditCode != nil {
			if err := s.store.SetSupplierCreditCode(ctx, id, code); err != nil {
				return err
			}
		}
		if out, err = s.store.Supplier(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "supplier.update", "supplier", id, before, out, "")
	})
	return out, err
}

// CertInput is a certificate an admin records.
type CertInput struct {
	CertificateNo, Issuer, Batch, ValidFrom, ValidTo string
}

// Certify gives a product a new current certificate.
func (s *Service) Certify(ctx context.Context, actor *model.User, productID int64, in CertInput) (*model.Certification, error) {
	var out *model.Certification
	err := s.adminTx(ctx, actor, func(ctx context.Context) error {
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
		if err := s.writes.Certify(ctx, c); err != nil {
			return err
		}
		if s.reg != nil {
			if _, err := s.reg.Link(ctx, d, c); err != nil {
				return err
			}
		}
		out = c
		return audit.Record(ctx, s.store, actor, "certification.set", "product", productID, d.Certification, c, "")
	})
	return out, err
}

// revokedAudit is a revoked certification as the audit keeps it: with the
// register entry revoked beside it and the products that lost theirs.
type revokedAudit struct {
	model.Certification
	RegisterEntryID int64   `json:"register_entry_id"`
	Products        []int64 `json:"products"`
}

// Revoked says what revoking a product's certification affected: its
// register entry (0 without one) and every product linked to that entry.
type Revoked struct {
	EntryID  int64
	Products []int64
}

// RevokeCertification revokes a product's current certificate and, with the
// register, its linked entry and so the certification of every product
// linked to it.
func (s *Service) RevokeCertification(ctx context.Context, actor *model.User, productID int64) (*Revoked, error) {
	out := &Revoked{Products: []int64{productID}}
	err := s.adminTx(ctx, actor, func(ctx context.Context) error {
		d, err := s.store.Product(ctx, productID)
		if err != nil {
			return err
		}
		if err := s.writes.RevokeCertification(ctx, productID); err != nil {
			return err
		}
		if s.reg != nil {
			if out.EntryID, out.Products, err = s.reg.RevokeProduct(ctx, productID, "certification revoked"); err != nil {
				return err
			}
		}
		after := *d.Certification
		after.Status = model.CertRevoked
		return audit.Record(ctx, s.store, actor, "certification.revoke", "product", productID, d.Certification,
			revokedAudit{Certification: after, RegisterEntryID: out.EntryID, Products: out.Products}, "")
	})
	return out, err
}

var categoryCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// CreateCategory adds a product category.
func (s *Service) CreateCategory(ctx context.Context, actor *model.User, c model.Category) (*model.Category, error) {
	err := s.adminTx(ctx, actor, func(ctx context.Context) error {
		var f check.Fields
		if !categoryCode.MatchString(c.Code) {
			f.Add("code", "must be 2-32 lower-case letters, digits or _")
		}
		c.Name = f.Text("name", c.Name, 64)
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.store.CreateCategory(ctx, &c); err != nil {
			return check.Duplicate(err, "code")
		}
		return audit.Record(ctx, s.store, actor, "category.create", "category", c.Code, nil, c, "")
	})
	return &c, err
}

// AdminCategories lists every category (admin view of the reference data).
func (s *Service) AdminCategories(ctx context.Context, actor *model.User) ([]model.Category, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	return s.store.Categories(ctx)
}

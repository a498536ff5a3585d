package store

// The certified-product register (认定目录).

import (
	"context"
	"strings"

	"shanhai/model"
)

// CreateRegisterEntry inserts an entry; the same issuer and number again is
// a 409 duplicate.
func (s *Store) CreateRegisterEntry(ctx context.Context, e *model.RegisterEntry) error {
	now := s.gdb.NowFunc()
	e.CreatedAt, e.UpdatedAt = now, now
	return mapErr(s.conn(ctx).Create(e).Error)
}

// SaveRegisterEntry rewrites an entry's fields.
func (s *Store) SaveRegisterEntry(ctx context.Context, e *model.RegisterEntry) error {
	e.UpdatedAt = s.gdb.NowFunc()
	res := s.conn(ctx).Model(&model.RegisterEntry{}).Where("id = ?", e.ID).Updates(map[string]any{
		"certificate_no": e.CertificateNo, "issuer": e.Issuer, "product_name": e.ProductName, "spec": e.Spec,
		"category_code": e.CategoryCode, "producer_name": e.ProducerName, "credit_code": e.CreditCode,
		"unregistered": e.Unregistered, "region_code": e.RegionCode, "supplier_id": e.SupplierID, "batch": e.Batch,
		"valid_from": e.ValidFrom, "valid_to": e.ValidTo, "status": e.Status, "revoked_on": e.RevokedOn,
		"revoke_reason": e.RevokeReason, "updated_at": e.UpdatedAt,
	})
	return affected(res, "register entry")
}

// RegisterEntry is one entry by id.
func (s *Store) RegisterEntry(ctx context.Context, id int64) (*model.RegisterEntry, error) {
	var e model.RegisterEntry
	if err := s.conn(ctx).Where("id = ?", id).Take(&e).Error; err != nil {
		return nil, notFound(err, "register entry")
	}
	return &e, nil
}

// RegisterEntryByNumber is the entry of an issuer's certificate number.
func (s *Store) RegisterEntryByNumber(ctx context.Context, issuer, number string) (*model.RegisterEntry, error) {
	var e model.RegisterEntry
	if err := s.conn(ctx).Where("issuer = ? AND certificate_no = ?", issuer, number).Take(&e).Error; err != nil {
		return nil, notFound(err, "register entry")
	}
	return &e, nil
}

// RegisterEntriesByNumber are the entries of a certificate number, any issuer.
func (s *Store) RegisterEntriesByNumber(ctx context.Context, numbers []string) ([]model.RegisterEntry, error) {
	out := []model.RegisterEntry{}
	if len(numbers) == 0 {
		return out, nil
	}
	return out, mapErr(s.conn(ctx).Where("certificate_no IN ?", numbers).Order("id").Find(&out).Error)
}

// RegisterEntries lists the register, by id.
func (s *Store) RegisterEntries(ctx context.Context, f model.RegisterFilter, page, size int) (model.Page[model.RegisterEntry], error) {
	q := s.conn(ctx).Model(&model.RegisterEntry{})
	if f.CertificateNo != "" {
		q = q.Where("certificate_no = ?", f.CertificateNo)
	}
	if f.Issuer != "" {
		q = q.Where("issuer = ?", f.Issuer)
	}
	if f.Region != "" {
		q = q.Where("region_code = ?", f.Region)
	}
	if f.Q != "" {
		like := "%" + strings.NewReplacer("%", `\%`, "_", `\_`).Replace(f.Q) + "%"
		q = q.Where("product_name LIKE ? OR producer_name LIKE ?", like, like)
	}
	return paginate[model.RegisterEntry](q, "id", page, size)
}

// LinkProductEntry links a mall product to its register entry.
func (s *Store) LinkProductEntry(ctx context.Context, productID, entryID int64) error {
	res := s.conn(ctx).Table("products").Where("id = ?", productID).Update("register_entry_id", entryID)
	return affected(res, "product")
}

// ProductEntryID is the register entry a product links to (0: none).
func (s *Store) ProductEntryID(ctx context.Context, productID int64) (int64, error) {
	var p model.Product
	if err := s.conn(ctx).Select("id", "register_entry_id").Where("id = ?", productID).Take(&p).Error; err != nil {
		return 0, notFound(err, "product")
	}
	if p.RegisterEntryID == nil {
		return 0, nil
	}
	return *p.RegisterEntryID, nil
}

// ProductsOfEntry are the ids of the products linked to an entry.
func (s *Store) ProductsOfEntry(ctx context.Context, entryID int64) ([]int64, error) {
	out := []int64{}
	return out, mapErr(s.conn(ctx).Table("products").Where("register_entry_id = ?", entryID).Order("id").Pluck("id", &out).Error)
}

// RegisterCertifications makes every product's current certificate a
// register entry and links the product, as the register's migration did for
// the certifications before it: for data loaded by writing certifications
// directly (the demo). It does nothing when the register has entries.
func (s *Store) RegisterCertifications(ctx context.Context) error {
	var n int64
	if err := s.conn(ctx).Model(&model.RegisterEntry{}).Count(&n).Error; err != nil || n > 0 {
		return mapErr(err)
	}
	migs, err := Migrations(s.dialect)
	if err != nil {
		return err
	}
	for _, m := range migs {
		if m.Version != 28 {
			continue
		}
		i := strings.Index(m.SQL, "INSERT INTO register_entries")
		for _, stmt := range splitSQL(m.SQL[i:]) {
			if err := s.conn(ctx).Exec(stmt).Error; err != nil {
				return mapErr(err)
			}
		}
	}
	return nil
}

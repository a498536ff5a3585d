package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"shanhai/model"
)

// Regions lists every region, by code.
func (s *Store) Regions(ctx context.Context) ([]model.Region, error) {
	var out []model.Region
	err := s.conn(ctx).Order("code").Find(&out).Error
	return out, mapErr(err)
}

// RegionCount is how many regions there are.
func (s *Store) RegionCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&model.Region{}).Count(&n).Error
	return n, mapErr(err)
}

// Region is one region by code.
func (s *Store) Region(ctx context.Context, code string) (*model.Region, error) {
	var r model.Region
	if err := s.conn(ctx).Where("code = ?", code).Take(&r).Error; err != nil {
		return nil, notFound(err, "region")
	}
	return &r, nil
}

// Categories lists the product categories, by code.
func (s *Store) Categories(ctx context.Context) ([]model.Category, error) {
	var out []model.Category
	err := s.conn(ctx).Order("code").Find(&out).Error
	return out, mapErr(err)
}

// Category is one category by code.
func (s *Store) Category(ctx context.Context, code string) (*model.Category, error) {
	var c model.Category
	if err := s.conn(ctx).Where("code = ?", code).Take(&c).Error; err != nil {
		return nil, notFound(err, "category")
	}
	return &c, nil
}

const pairingViewSQL = `SELECT p.*, h.name AS helper_name, pr.name AS partner_name
FROM pairings p JOIN regions h ON h.code = p.helper_code JOIN regions pr ON pr.code = p.partner_code`

// Pairings lists every pairing with its regions' names, by id.
func (s *Store) Pairings(ctx context.Context) ([]model.PairingView, error) {
	var out []model.PairingView
	err := s.conn(ctx).Raw(pairingViewSQL + " ORDER BY p.id").Scan(&out).Error
	return out, mapErr(err)
}

// Geography is the regions and pairings, indexed (uncached: model/cache
// keeps it for a second).
func (s *Store) Geography(ctx context.Context) (*model.Geography, error) {
	regions, err := s.Regions(ctx)
	if err != nil {
		return nil, err
	}
	pairings, err := s.Pairings(ctx)
	if err != nil {
		return nil, err
	}
	return model.NewGeography(regions, pairings), nil
}

// Pairing is one pairing by id.
func (s *Store) Pairing(ctx context.Context, id int64) (*model.PairingView, error) {
	var out []model.PairingView
	if err := s.conn(ctx).Raw(pairingViewSQL+" WHERE p.id = ?", id).Scan(&out).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(out) == 0 {
		return nil, model.NotFound("pairing")
	}
	return &out[0], nil
}

// CreatePairing inserts a pairing.
func (s *Store) CreatePairing(ctx context.Context, p *model.Pairing) error {
	return mapErr(s.conn(ctx).Create(p).Error)
}

// Supplier is one supplier by id.
func (s *Store) Supplier(ctx context.Context, id int64) (*model.Supplier, error) {
	var out model.Supplier
	if err := s.conn(ctx).Where("id = ?", id).Take(&out).Error; err != nil {
		return nil, notFound(err, "supplier")
	}
	return &out, nil
}

// CreateSupplier inserts a supplier.
func (s *Store) CreateSupplier(ctx context.Context, sup *model.Supplier) error {
	return mapErr(s.conn(ctx).Create(sup).Error)
}

// SetSupplierCreditCode records a supplier's unified social credit code.
func (s *Store) SetSupplierCreditCode(ctx context.Context, id int64, code string) error {
	res := s.conn(ctx).Model(&model.Supplier{}).Where("id = ?", id).Update("credit_code", code)
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		_, err := s.Supplier(ctx, id)
		return err
	}
	return nil
}

// SetSupplierStatus changes a supplier's status and returns the ids of its
// products, whose visibility follows it.
func (s *Store) SetSupplierStatus(ctx context.Context, id int64, status string) ([]int64, error) {
	var ids []int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Model(&model.Supplier{}).Where("id = ?", id).Update("status", status)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected == 0 {
			if _, err := s.Supplier(ctx, id); err != nil {
				return err
			}
		}
		if err := s.conn(ctx).Model(&model.Product{}).Where("supplier_id = ?", id).Pluck("id", &ids).Error; err != nil {
			return mapErr(err)
		}
		if len(ids) == 0 {
			return nil
		}
		return s.bumpSKUs(ctx, "product_id IN ?", ids)
	})
	return ids, err
}

// bumpSKUs moves the version of the SKUs where matches (a condition on
// skus), in the caller's transaction: see model.SKU.Version.
func (s *Store) bumpSKUs(ctx context.Context, where string, args ...any) error {
	return mapErr(s.conn(ctx).Exec("UPDATE skus SET version = version + 1 WHERE "+where, args...).Error)
}

// CreateProduct inserts a product with its SKUs and their tiers, in one transaction.
func (s *Store) CreateProduct(ctx context.Context, p *model.Product, skus []model.SKU) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		p.PriceMinCents = 0
		for i, k := range skus {
			if i == 0 || k.PriceCents < p.PriceMinCents {
				p.PriceMinCents = k.PriceCents
			}
		}
		db := s.conn(ctx)
		if err := db.Create(p).Error; err != nil {
			return mapErr(err)
		}
		for i := range skus {
			skus[i].ProductID = p.ID
			if err := db.Create(&skus[i]).Error; err != nil {
				return mapErr(err)
			}
			for j := range skus[i].Tiers {
				skus[i].Tiers[j].SKUID = skus[i].ID
			}
			if len(skus[i].Tiers) > 0 {
				if err := db.CreateInBatches(&skus[i].Tiers, s.rowsPerInsert(ctx, len(skus[i].Tiers))).Error; err != nil {
					return mapErr(err)
				}
			}
		}
		return s.indexSearch(ctx, p.ID, true)
	})
}

// SetProductOnSale puts a product on sale or takes it off.
func (s *Store) SetProductOnSale(ctx context.Context, id int64, onSale bool) error {
	return s.UpdateProduct(ctx, id, model.ProductPatch{OnSale: &onSale})
}

// SKU is one SKU by id, with its tiers.
func (s *Store) SKU(ctx context.Context, id int64) (*model.SKU, error) {
	var k model.SKU
	if err := s.conn(ctx).Where("id = ?", id).Take(&k).Error; err != nil {
		return nil, notFound(err, "sku")
	}
	if err := s.conn(ctx).Where("sku_id = ?", id).Order("min_qty").Find(&k.Tiers).Error; err != nil {
		return nil, mapErr(err)
	}
	return &k, nil
}

// SetSKUPrice changes a SKU's list price and keeps the product's lowest
// price in step; it returns the product id.
func (s *Store) SetSKUPrice(ctx context.Context, skuID, priceCents int64) (int64, error) {
	var productID int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		k, err := s.SKU(ctx, skuID)
		if err != nil {
			return err
		}
		productID = k.ProductID
		db := s.conn(ctx)
		// The product's lowest price below reads every SKU of the product
		// under a shared lock; take them all first, in id order, as
		// UpdateProduct does, so a price change and a product edit never hold
		// one SKU each while waiting for the other's (a deadlock on MariaDB).
		var ids []int64
		if err := db.Model(&model.SKU{}).Clauses(forUpdate).Where("product_id = ?", productID).Order("id").Pluck("id", &ids).Error; err != nil {
			return mapErr(err)
		}
		if err := db.Exec("UPDATE skus SET price_cents = ?, version = version + 1 WHERE id = ?", priceCents, skuID).Error; err != nil {
			return mapErr(err)
		}
		return mapErr(db.Exec(`UPDATE products SET updated_at = ?,
			price_min_cents = (SELECT MIN(price_cents) FROM skus WHERE product_id = ?) WHERE id = ?`,
			s.gdb.NowFunc(), productID, productID).Error)
	})
	return productID, err
}

// Certify records a new current certificate for a product.
func (s *Store) Certify(ctx context.Context, c *model.Certification) error {
	c.Status = model.CertValid
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(c).Error; err != nil {
			return mapErr(err)
		}
		return s.setProductCert(ctx, c.ProductID, productCert{status: c.Status, validFrom: &c.ValidFrom, validTo: &c.ValidTo})
	})
}

// RevokeCertification revokes a product's current certificate.
func (s *Store) RevokeCertification(ctx context.Context, productID int64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.currentCertification(ctx, productID)
		if err != nil {
			return err
		}
		if cur == nil || cur.Status == model.CertRevoked {
			return model.NotFound("certification")
		}
		now := s.gdb.NowFunc()
		res := s.conn(ctx).Model(&model.Certification{}).Where("id = ? AND status = ?", cur.ID, model.CertValid).
			Updates(map[string]any{"status": model.CertRevoked, "revoked_at": now})
		if err := affected(res, "certification"); err != nil {
			return err
		}
		return s.setProductCert(ctx, productID, productCert{status: model.CertRevoked})
	})
}

// productCert is the current certificate's state as its product carries it;
// nil validity dates stay as they are (a revocation keeps them).
type productCert struct {
	status             string
	validFrom, validTo *string
}

// setProductCert copies the current certificate's state onto its product.
func (s *Store) setProductCert(ctx context.Context, productID int64, c productCert) error {
	cols := map[string]any{"cert_status": c.status}
	set(cols, "cert_valid_from", c.validFrom)
	set(cols, "cert_valid_to", c.validTo)
	// UpdateColumns: a certificate is not an edit of the product, so its
	// updated_at stays.
	return affected(s.conn(ctx).Model(&model.Product{}).Where("id = ?", productID).UpdateColumns(cols), "product")
}

func (s *Store) currentCertification(ctx context.Context, productID int64) (*model.Certification, error) {
	var out []model.Certification
	if err := s.conn(ctx).Where("product_id = ?", productID).Order("id DESC").Limit(1).Find(&out).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// productColumns are the products table's columns, in the order
// scanProduct reads them (TestProductColumns: every column of model.Product).
const productColumns = `p.id, p.supplier_id, p.name, p.category_code, p.brand, p.description, p.origin_code,
	p.on_sale, p.perishable, p.shelf_life_days, p.price_min_cents, p.image_count, p.cert_status, p.cert_valid_from,
	p.cert_valid_to, p.register_entry_id, p.created_at, p.updated_at`

// productDest are the scan destinations of productColumns in p.
func productDest(p *model.Product, dest []any) []any {
	return append(dest, &p.ID, &p.SupplierID, &p.Name, &p.CategoryCode, &p.Brand, &p.Description, &p.OriginCode,
		&p.OnSale, &p.Perishable, &p.ShelfLifeDays, &p.PriceMinCents, &p.ImageCount, &p.CertStatus, &p.CertValidFrom,
		&p.CertValidTo, &p.RegisterEntryID, &p.CreatedAt, &p.UpdatedAt)
}

// detailSQL is a product's page but its SKUs, in one round trip: the product
// with its supplier, origin and category, its current certificate, and one
// row per (active pairing of its origin region) × (image) — both lists are
// short, and either side may be absent (LEFT JOINs). Product reads it and
// its SKUs with their tiers: two queries whatever the product holds.
// Arguments: true (an active pairing), the product id.
const detailSQL = `SELECT ` + productColumns + `, s.name, s.region_code, s.status, s.created_at,
	r.name, r.level, r.parent_code, r.side, c.name,
	ce.id, ce.certificate_no, ce.issuer, ce.batch, ce.valid_from, ce.valid_to, ce.status, ce.created_at, ce.revoked_at,
	pa.id, pa.programme, pa.level, pa.helper_code, pa.partner_code, pa.since_year, pa.active, ph.name, pp.name,
	im.id, im.position, im.hash, im.thumb_hash, im.width, im.height, im.created_at
	FROM products p JOIN suppliers s ON s.id = p.supplier_id
	JOIN regions r ON r.code = p.origin_code JOIN categories c ON c.code = p.category_code
	LEFT JOIN certifications ce ON ce.id = (SELECT MAX(c2.id) FROM certifications c2 WHERE c2.product_id = p.id)
	LEFT JOIN pairings pa ON pa.active = ? AND (pa.partner_code = p.origin_code OR pa.partner_code = r.parent_code)
	LEFT JOIN regions ph ON ph.code = pa.helper_code LEFT JOIN regions pp ON pp.code = pa.partner_code
	LEFT JOIN product_images im ON im.product_id = p.id
	WHERE p.id = ?`

// skusSQL is a product's SKUs with their tiers, one row per tier (or per SKU
// without tiers).
const skusSQL = `SELECT k.id, k.product_id, k.spec, k.unit, k.price_cents, k.on_hand, k.reserved, k.version,
	k.purchase_limit, t.min_qty, t.price_cents
	FROM skus k LEFT JOIN sku_tiers t ON t.sku_id = k.id WHERE k.product_id = ? ORDER BY k.id, t.min_qty`

// detailRow is one row of detailSQL past the product's columns: what the
// LEFT JOINs may leave NULL is read as such.
type detailRow struct {
	ce struct {
		id                                  sql.NullInt64
		no, issuer, batch, from, to, status sql.NullString
		createdAt, revokedAt                sql.NullTime
	}
	pa struct {
		id                                sql.NullInt64
		programme, level, helper, partner sql.NullString
		since                             sql.NullInt64
		active                            sql.NullBool
		helperName, partnerName           sql.NullString
	}
	im struct {
		id, position  sql.NullInt64
		hash, thumb   sql.NullString
		width, height sql.NullInt64
		createdAt     sql.NullTime
	}
}

// Product is one product with everything its page shows, whatever its
// visibility: the service decides who may see it. Two queries: detailSQL,
// then the SKUs with their tiers, each scanned straight from database/sql
// (a cold detail's CPU went mostly to GORM's statement building and
// reflection).
func (s *Store) Product(ctx context.Context, id int64) (*model.ProductDetail, error) {
	release, err := s.enterCatalogRead(ctx, false)
	if err != nil {
		return nil, err
	}
	defer release()
	d := &model.ProductDetail{SKUs: []model.SKU{}, Pairings: []model.PairingView{}}
	found, err := s.scanDetail(ctx, id, d)
	if err != nil {
		return nil, mapErr(err)
	}
	if !found {
		return nil, model.NotFound("product")
	}
	if err := s.scanSKUs(ctx, id, d); err != nil {
		return nil, mapErr(err)
	}
	return d, nil
}

// scanDetail reads detailSQL into d; false when the product does not exist.
func (s *Store) scanDetail(ctx context.Context, id int64, d *model.ProductDetail) (bool, error) {
	rows, err := s.rawQuery(ctx, detailSQL, true, id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var r detailRow
	sup, origin := &d.Supplier, &d.Origin
	dest := productDest(&d.Product, make([]any, 0, 55))
	dest = append(dest, &sup.Name, &sup.RegionCode, &sup.Status, &sup.CreatedAt,
		&origin.Name, &origin.Level, &origin.ParentCode, &origin.Side, &d.Category.Name,
		&r.ce.id, &r.ce.no, &r.ce.issuer, &r.ce.batch, &r.ce.from, &r.ce.to, &r.ce.status, &r.ce.createdAt, &r.ce.revokedAt,
		&r.pa.id, &r.pa.programme, &r.pa.level, &r.pa.helper, &r.pa.partner, &r.pa.since, &r.pa.active,
		&r.pa.helperName, &r.pa.partnerName,
		&r.im.id, &r.im.position, &r.im.hash, &r.im.thumb, &r.im.width, &r.im.height, &r.im.createdAt)
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return false, err
		}
		n++
		if pa := &r.pa; pa.id.Valid && !slices.ContainsFunc(d.Pairings, func(p model.PairingView) bool { return p.ID == pa.id.Int64 }) {
			d.Pairings = append(d.Pairings, model.PairingView{Pairing: model.Pairing{ID: pa.id.Int64,
				Programme: pa.programme.String, Level: pa.level.String, HelperCode: pa.helper.String,
				PartnerCode: pa.partner.String, SinceYear: int(pa.since.Int64), Active: pa.active.Bool},
				HelperName: pa.helperName.String, PartnerName: pa.partnerName.String})
		}
		if im := &r.im; im.id.Valid && !slices.ContainsFunc(d.Images, func(i model.ProductImage) bool { return i.ID == im.id.Int64 }) {
			d.Images = append(d.Images, model.ProductImage{ID: im.id.Int64, ProductID: id, Position: int(im.position.Int64),
				Hash: im.hash.String, ThumbHash: im.thumb.String, Width: int(im.width.Int64), Height: int(im.height.Int64),
				CreatedAt: im.createdAt.Time})
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if n == 0 {
		return false, nil
	}
	// The product's columns and the first row's joins are the same on every row.
	sup.ID, origin.Code, d.Category.Code = d.SupplierID, d.OriginCode, d.CategoryCode
	if ce := &r.ce; ce.id.Valid {
		d.Certification = &model.Certification{ID: ce.id.Int64, ProductID: id, CertificateNo: ce.no.String,
			Issuer: ce.issuer.String, Batch: ce.batch.String, ValidFrom: ce.from.String, ValidTo: ce.to.String,
			Status: ce.status.String, CreatedAt: ce.createdAt.Time}
		if ce.revokedAt.Valid {
			t := ce.revokedAt.Time
			d.Certification.RevokedAt = &t
		}
	}
	slices.SortFunc(d.Pairings, func(a, b model.PairingView) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Images, func(a, b model.ProductImage) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	})
	return true, nil
}

// scanSKUs reads the product's SKUs with their tiers (skusSQL) into d.SKUs.
func (s *Store) scanSKUs(ctx context.Context, id int64, d *model.ProductDetail) error {
	rows, err := s.rawQuery(ctx, skusSQL, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	var k model.SKU
	var tierMin, tierPrice sql.NullInt64
	dest := []any{&k.ID, &k.ProductID, &k.Spec, &k.Unit, &k.PriceCents, &k.OnHand, &k.Reserved, &k.Version,
		&k.PurchaseLimit, &tierMin, &tierPrice}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if n := len(d.SKUs); n == 0 || d.SKUs[n-1].ID != k.ID {
			d.SKUs = append(d.SKUs, k)
		}
		if tierMin.Valid {
			last := &d.SKUs[len(d.SKUs)-1]
			last.Tiers = append(last.Tiers, model.Tier{SKUID: k.ID, MinQty: tierMin.Int64, PriceCents: tierPrice.Int64})
		}
	}
	return rows.Err()
}

// Products is one page of on-sale products of active suppliers matching q,
// in two queries: the exact count, then the page. Both start from products
// and join their supplier (and origin, category) by primary key; the origin and
// pairing filters are conditions on the joined origin and its parent (the
// region itself, its children, its grandchildren), so no list of counties
// is read first. Without a search, the page is read in its sort's order from
// one of the list indexes (migration 0044) and stops after its rows.
func (s *Store) Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error) {
	page := model.Page[model.ProductSummary]{Page: q.Page, PageSize: q.PageSize, Items: []model.ProductSummary{}}
	terms := model.SearchTerms(q.Q)
	if q.Q != "" && len(terms) == 0 {
		return page, nil // only punctuation: no product has those words
	}
	release, err := s.enterCatalogRead(ctx, len(terms) > 0)
	if err != nil {
		return page, err
	}
	defer release()
	from, countFrom, args, score := productsFrom(q, terms)
	if page.Total, err = s.countProducts(ctx, s.statement(s.productsCountSQL(countFrom), args)); err != nil {
		return page, mapErr(err)
	}
	if page.Total == 0 || int64((q.Page-1)*q.PageSize) >= page.Total {
		return page, nil
	}
	args["limit"] = q.PageSize
	args["offset"] = (q.Page - 1) * q.PageSize
	page.Items, err = s.scanSummaries(ctx, s.statement(s.productsPageSQL(q, from, score), args), page.Items)
	return page, mapErr(err)
}

// countProducts runs a list's count. The list's statements are built by
// GORM (named arguments), then run and scanned straight on database/sql:
// GORM's reflection over a page of rows cost more CPU than the statements.
func (s *Store) countProducts(ctx context.Context, st Statement) (int64, error) {
	rows, err := s.rawQuery(ctx, st.SQL, st.Args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// scanSummaries appends the rows of a list's page (productsPageSQL) to out.
func (s *Store) scanSummaries(ctx context.Context, st Statement, out []model.ProductSummary) ([]model.ProductSummary, error) {
	rows, err := s.rawQuery(ctx, st.SQL, st.Args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var p model.ProductSummary
	var category, origin, image, thumb sql.NullString
	var score sql.RawBytes
	dest := append(productDest(&p.Product, make([]any, 0, 25)), &category, &origin, &p.SupplierName, &p.Certified, &score, &image, &thumb)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return out, err
		}
		p.CategoryName, p.OriginName, p.ImageHash, p.ThumbHash = category.String, origin.String, image.String, thumb.String
		out = append(out, p)
	}
	return out, rows.Err()
}

// straightJoin keeps MariaDB's join order as written, products first: it
// would otherwise start from the few suppliers (or categories) and then sort
// every matching product in a temporary table, where products first reads
// the page in order from a list index and stops after its rows. SQLite keeps
// products first on its own.
func (s *Store) straightJoin() string {
	if s.dialect == MySQL {
		return "STRAIGHT_JOIN "
	}
	return ""
}

func (s *Store) productsCountSQL(from string) string {
	return "SELECT " + s.straightJoin() + "COUNT(*)" + from
}

// certifiedSQL is "the product's current certificate is valid on @today".
const certifiedSQL = `(p.cert_status = 'valid' AND p.cert_valid_from <= @today AND p.cert_valid_to >= @today)`

// productsFrom is the FROM and WHERE of a catalogue list's page, the same
// for its count (which joins only what its filters read: a LEFT JOIN on a
// primary key neither adds nor drops a row, so the count is the page's rows
// exactly), their named arguments, and the relevance score ("" without
// search terms).
func productsFrom(q model.ProductQuery, terms []string) (page, count string, args map[string]any, score string) {
	where := []string{"p.on_sale = @yes", "s.status = 'active'"}
	args = map[string]any{"yes": true, "today": q.Today}
	score = searchWhere(terms, &where, args)
	if q.Category != "" {
		where = append(where, "p.category_code = @category")
		args["category"] = q.Category
	}
	pairing := ""
	under := func(code string) string {
		return "(r.code = " + code + " OR r.parent_code = " + code + " OR rp.parent_code = " + code + ")"
	}
	if q.Origin != "" {
		where = append(where, under("@origin"))
		args["origin"] = q.Origin
	}
	if q.PairingID != 0 {
		// One row by primary key: read first, as a constant.
		pairing = " JOIN pairings pa ON pa.id = @pairing"
		where = append(where, under("pa.partner_code"))
		args["pairing"] = q.PairingID
	}
	if q.Certified != nil {
		if *q.Certified {
			where = append(where, certifiedSQL)
		} else {
			where = append(where, "NOT "+certifiedSQL)
		}
	}
	const (
		products = " FROM products p JOIN suppliers s ON s.id = p.supplier_id"
		origin   = " LEFT JOIN regions r ON r.code = p.origin_code LEFT JOIN regions rp ON rp.code = r.parent_code"
		category = " LEFT JOIN categories c ON c.code = p.category_code"
	)
	cond := " WHERE " + strings.Join(where, " AND ")
	page = products + origin + category + pairing + cond
	count = products + pairing + cond
	if len(terms) > 0 || q.Origin != "" || q.PairingID != 0 {
		count = products + origin + pairing + cond
	}
	return page, count, args, score
}

// productsPageSQL is the page query of a list whose FROM and WHERE are from.
func (s *Store) productsPageSQL(q model.ProductQuery, from, score string) string {
	order := map[string]string{
		model.SortRelevance: "search_score DESC, p.id DESC",
		model.SortNewest:    "p.id DESC",
		model.SortPriceAsc:  "p.price_min_cents ASC, p.id ASC",
		model.SortPriceDesc: "p.price_min_cents DESC, p.id ASC",
		model.SortName:      "p.name ASC, p.id ASC",
	}[q.Sort]
	if order == "" || (q.Sort == model.SortRelevance && score == "") {
		order = "p.id DESC"
	}
	if score == "" {
		score = "0"
	}
	return `SELECT ` + s.straightJoin() + productColumns + `, c.name AS category_name, r.name AS origin_name, s.name AS supplier_name, ` +
		certifiedSQL + ` AS certified, ` + score + ` AS search_score, ` + firstImage + from +
		" ORDER BY " + order + " LIMIT @limit OFFSET @offset"
}

// Statement is one SQL statement as the store sends it to the database, with
// its positional arguments.
type Statement struct {
	SQL  string
	Args []any
}

// ListStatements are the statements Products runs for q (the count, then the
// page; none for a search of punctuation alone), and DetailStatements those
// Product runs for a product: for benchmarks that run the same SQL without
// the server, and for plan checks (EXPLAIN).
func (s *Store) ListStatements(q model.ProductQuery) []Statement {
	terms := model.SearchTerms(q.Q)
	if q.Q != "" && len(terms) == 0 {
		return nil
	}
	from, countFrom, args, score := productsFrom(q, terms)
	args["limit"] = q.PageSize
	args["offset"] = (q.Page - 1) * q.PageSize
	return []Statement{s.statement(s.productsCountSQL(countFrom), args), s.statement(s.productsPageSQL(q, from, score), args)}
}

// DetailStatements: see ListStatements.
func (s *Store) DetailStatements(id int64) []Statement {
	return []Statement{s.statement(detailSQL, true, id), s.statement(skusSQL, id)}
}

// statement expands sql and its arguments as GORM would send them.
func (s *Store) statement(sql string, args ...any) Statement {
	st := s.gdb.Session(&gorm.Session{DryRun: true}).Raw(sql, args...).Statement
	return Statement{SQL: st.SQL.String(), Args: st.Vars}
}

// searchFields are where a search term is looked for, from the strongest
// match to the weakest: the name, the brand, the origin county or city, the
// description.
var searchFields = [...]struct {
	cols  []string
	score int
}{
	{[]string{"p.name"}, 8},
	{[]string{"p.brand"}, 4},
	{[]string{"r.name", "rp.name"}, 2},
	{[]string{"p.description"}, 1},
}

// searchWhere adds to where one condition per term — every term must be
// found, in any field, in any order; a Han term of four or more characters
// is also found as two words (马边绿茶: 马边 and 绿茶) — and returns the score
// expression a relevance sort orders by: per term, the strongest field it is
// found in. Terms travel as bound parameters, LIKE metacharacters escaped.
// Each term of two or more characters first narrows the products to those
// holding all its grams in the search index (search_grams, migration 0045:
// a product's grams cover every text these LIKEs read, so no match is
// lost), so the LIKEs judge those candidates only, not every listed
// product; a one-character term is judged by its LIKEs alone.
func searchWhere(terms []string, where *[]string, args map[string]any) string {
	if len(terms) == 0 {
		return ""
	}
	n := 0
	param := func(t string) string {
		name := fmt.Sprintf("t%d", n)
		n++
		args[name] = "%" + likeEscaper.Replace(t) + "%"
		return "@" + name
	}
	found := func(p string) string {
		var ors []string
		for _, f := range searchFields {
			for _, c := range f.cols {
				ors = append(ors, c+" LIKE "+p+" ESCAPE '!'")
			}
		}
		return "(" + strings.Join(ors, " OR ") + ")"
	}
	var scores []string
	for i, t := range terms {
		if grams := model.SearchTermGrams(t); len(grams) > 0 {
			names := make([]string, len(grams))
			for j, g := range grams {
				names[j] = fmt.Sprintf("g%d_%d", i, j)
				args[names[j]] = g
			}
			*where = append(*where, fmt.Sprintf("p.id IN (SELECT product_id FROM search_grams WHERE gram IN (@%s) GROUP BY product_id HAVING COUNT(*) = %d)",
				strings.Join(names, ", @"), len(grams)))
		}
		p := param(t)
		cond := found(p)
		for _, split := range model.SearchSplits(t) {
			cond += " OR (" + found(param(split[0])) + " AND " + found(param(split[1])) + ")"
		}
		*where = append(*where, "("+cond+")")
		var cases []string
		for _, f := range searchFields {
			var ors []string
			for _, c := range f.cols {
				ors = append(ors, c+" LIKE "+p+" ESCAPE '!'")
			}
			cases = append(cases, fmt.Sprintf("WHEN %s THEN %d", strings.Join(ors, " OR "), f.score))
		}
		scores = append(scores, "(CASE "+strings.Join(cases, " ")+" ELSE 0 END)")
	}
	return "(" + strings.Join(scores, " + ") + ")"
}

// SupplierProducts is one page of a supplier's products, on sale or not,
// newest first; onSale filters when not nil. today judges certification.
func (s *Store) SupplierProducts(ctx context.Context, supplierID int64, onSale *bool, today string, pageNo, size int) (model.Page[model.ProductSummary], error) {
	page := model.Page[model.ProductSummary]{Page: pageNo, PageSize: size, Items: []model.ProductSummary{}}
	where := "p.supplier_id = @supplier"
	args := map[string]any{"supplier": supplierID, "today": today}
	if onSale != nil {
		where += " AND p.on_sale = @on_sale"
		args["on_sale"] = *onSale
	}
	db := s.conn(ctx)
	if err := db.Raw("SELECT COUNT(*) FROM products p WHERE "+where, args).Scan(&page.Total).Error; err != nil {
		return page, mapErr(err)
	}
	if page.Total == 0 || int64((pageNo-1)*size) >= page.Total {
		return page, nil
	}
	args["limit"], args["offset"] = size, (pageNo-1)*size
	err := db.Raw(`SELECT p.*, c.name AS category_name, r.name AS origin_name, s.name AS supplier_name,
		`+certifiedSQL+` AS certified, `+firstImage+`
		FROM products p JOIN suppliers s ON s.id = p.supplier_id JOIN regions r ON r.code = p.origin_code
		JOIN categories c ON c.code = p.category_code
		WHERE `+where+" ORDER BY p.id DESC LIMIT @limit OFFSET @offset", args).Scan(&page.Items).Error
	return page, mapErr(err)
}

// firstImage is the hashes of a product's first image, for list thumbnails.
const firstImage = `(SELECT pi.hash FROM product_images pi WHERE pi.product_id = p.id
		ORDER BY pi.position, pi.id LIMIT 1) AS image_hash,
	(SELECT pi.thumb_hash FROM product_images pi WHERE pi.product_id = p.id
		ORDER BY pi.position, pi.id LIMIT 1) AS thumb_hash`

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// CreateOrg inserts an organization.
// An org always has a sector: its kind's default when none is given.
func (s *Store) CreateOrg(ctx context.Context, o *model.Org) error {
	if o.Sector == "" {
		o.Sector = model.DefaultSector(o.Kind)
	}
	return mapErr(s.conn(ctx).Create(o).Error)
}

// notFound maps a missing row to a 404 naming what is missing.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return model.NotFound(what)
	}
	return mapErr(err)
}

// affected checks an update hit its row: none means the object is absent.
func affected(res *gorm.DB, what string) error {
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.NotFound(what)
	}
	return nil
}

// UpdateProduct applies p to a product (name, brand, description, category,
// perishable, shelf life, on sale).
func (s *Store) UpdateProduct(ctx context.Context, id int64, p model.ProductPatch) error {
	cols := map[string]any{}
	set(cols, "name", p.Name)
	set(cols, "category_code", p.CategoryCode)
	set(cols, "brand", p.Brand)
	set(cols, "description", p.Description)
	set(cols, "perishable", p.Perishable)
	set(cols, "on_sale", p.OnSale)
	set(cols, "shelf_life_days", p.ShelfLifeDays)
	cols["updated_at"] = s.gdb.NowFunc()
	return s.InTx(ctx, func(ctx context.Context) error {
		// SKU rows before the product's, as SetSKUPrice takes them
		if err := s.bumpSKUs(ctx, "product_id = ?", id); err != nil {
			return err
		}
		if err := affected(s.conn(ctx).Model(&model.Product{}).Where("id = ?", id).Updates(cols), "product"); err != nil {
			return err
		}
		if p.Name == nil && p.Brand == nil && p.Description == nil {
			return nil // the searched text is as it was
		}
		return s.indexSearch(ctx, id, false)
	})
}

// ProgrammeRules lists every programme rule, oldest first.
func (s *Store) ProgrammeRules(ctx context.Context) ([]model.ProgrammeRule, error) {
	var out []model.ProgrammeRule
	err := s.conn(ctx).Order("programme, effective_from").Find(&out).Error
	return out, mapErr(err)
}

// AddProgrammeRule inserts a rule; a second rule of a programme from the
// same date is a conflict.
func (s *Store) AddProgrammeRule(ctx context.Context, r *model.ProgrammeRule) error {
	return mapErr(s.conn(ctx).Create(r).Error)
}

// ListShape is one standard catalogue list: a documented sort with a
// documented filter, no search. Its plan reads one index range in the page's
// order: no filesort, no temporary table (plans_test.go checks on MariaDB;
// scripts/catalogbench prints the plans).
type ListShape struct {
	Name  string
	Query model.ProductQuery
}

// ListShapes are the standard lists for the given filter values (a category,
// a city and a county of origin, a pairing), on the China date today: every
// sort, alone and with each filter, first pages of 20, and the third page of
// the certified category list by price.
func ListShapes(category, city, county string, pairing int64, today string) []ListShape {
	yes, no := true, false
	filters := []struct {
		name string
		q    model.ProductQuery
	}{
		{"all", model.ProductQuery{}},
		{"category", model.ProductQuery{Category: category}},
		{"origin city", model.ProductQuery{Origin: city}},
		{"origin county", model.ProductQuery{Origin: county}},
		{"pairing", model.ProductQuery{PairingID: pairing}},
		{"certified", model.ProductQuery{Certified: &yes}},
		{"not certified", model.ProductQuery{Certified: &no}},
		{"category, certified", model.ProductQuery{Category: category, Certified: &yes}},
		{"origin city, certified", model.ProductQuery{Origin: city, Certified: &yes}},
	}
	var out []ListShape
	for _, sort := range []string{model.SortNewest, model.SortPriceAsc, model.SortPriceDesc, model.SortName} {
		for _, f := range filters {
			q := f.q
			q.Sort, q.Today, q.Page, q.PageSize = sort, today, 1, 20
			out = append(out, ListShape{Name: f.name + ", " + sort, Query: q})
		}
	}
	q := model.ProductQuery{Category: category, Certified: &yes, Sort: model.SortPriceAsc, Today: today, Page: 3, PageSize: 20}
	return append(out, ListShape{Name: "category, certified, price_asc, page 3", Query: q})
}

// PlanRow is one row of MariaDB's EXPLAIN.
type PlanRow struct {
	ID           *int64
	SelectType   string
	Table        *string
	Type         *string
	PossibleKeys *string
	Key          *string
	KeyLen       *string
	Ref          *string
	Rows         *string
	Extra        *string
}

// Explain is MariaDB's plan of st (MySQL dialect only).
func (s *Store) Explain(ctx context.Context, st Statement) ([]PlanRow, error) {
	rows, err := s.sqlDB.QueryContext(ctx, "EXPLAIN "+st.SQL, st.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PlanRow
	for rows.Next() {
		var r PlanRow
		if err := rows.Scan(&r.ID, &r.SelectType, &r.Table, &r.Type, &r.PossibleKeys, &r.Key, &r.KeyLen, &r.Ref, &r.Rows, &r.Extra); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Sorts reports whether a plan sorts or builds a temporary table.
func (r PlanRow) Sorts() bool {
	return r.Extra != nil && (strings.Contains(*r.Extra, "Using filesort") || strings.Contains(*r.Extra, "Using temporary"))
}

// String is the row as one line: table, access type, key, rows, extra.
func (r PlanRow) String() string {
	v := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	return fmt.Sprintf("%s %s %s key=%s rows=%s %s", r.SelectType, v(r.Table), v(r.Type), v(r.Key), v(r.Rows), v(r.Extra))
}

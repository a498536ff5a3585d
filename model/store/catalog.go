package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"shanhai/model"
)

// Regions lists every region, by code.
func (s *Store) Regions(ctx context.Context) ([]model.Region, error) {
	var out []model.Region
	err := s.conn(ctx).Order("code").Find(&out).Error
	return out, mapErr(err)
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
		return nil
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

// Product is one product with everything its page shows, whatever its
// visibility: the service decides who may see it.
func (s *Store) Product(ctx context.Context, id int64) (*model.ProductDetail, error) {
	var d model.ProductDetail
	db := s.conn(ctx)
	// The product with its supplier, origin and category in one round trip.
	var row struct {
		model.Product
		SupplierName      string
		SupplierRegion    string
		SupplierStatus    string
		SupplierCreatedAt time.Time
		OriginName        string
		OriginLevel       string
		OriginParent      *string
		OriginSide        string
		CategoryName      string
	}
	err := db.Raw(`SELECT p.*, s.name AS supplier_name, s.region_code AS supplier_region,
		s.status AS supplier_status, s.created_at AS supplier_created_at,
		r.name AS origin_name, r.level AS origin_level, r.parent_code AS origin_parent, r.side AS origin_side,
		c.name AS category_name
		FROM products p JOIN suppliers s ON s.id = p.supplier_id
		JOIN regions r ON r.code = p.origin_code JOIN categories c ON c.code = p.category_code
		WHERE p.id = ?`, id).Scan(&row).Error
	if err != nil {
		return nil, mapErr(err)
	}
	if row.ID == 0 {
		return nil, model.NotFound("product")
	}
	d.Product = row.Product
	d.Supplier = model.Supplier{ID: row.SupplierID, Name: row.SupplierName, RegionCode: row.SupplierRegion,
		Status: row.SupplierStatus, CreatedAt: row.SupplierCreatedAt}
	d.Origin = model.Region{Code: row.OriginCode, Name: row.OriginName, Level: row.OriginLevel,
		ParentCode: row.OriginParent, Side: row.OriginSide}
	d.Category = model.Category{Code: row.CategoryCode, Name: row.CategoryName}
	cert, err := s.currentCertification(ctx, id)
	if err != nil {
		return nil, err
	}
	d.Certification = cert
	if err := db.Where("product_id = ?", id).Order("id").Find(&d.SKUs).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(d.SKUs) > 0 {
		ids := make([]int64, len(d.SKUs))
		byID := map[int64]int{}
		for i, k := range d.SKUs {
			ids[i] = k.ID
			byID[k.ID] = i
		}
		var tiers []model.Tier
		if err := db.Where("sku_id IN ?", ids).Order("sku_id, min_qty").Find(&tiers).Error; err != nil {
			return nil, mapErr(err)
		}
		for _, t := range tiers {
			i := byID[t.SKUID]
			d.SKUs[i].Tiers = append(d.SKUs[i].Tiers, t)
		}
	}
	if d.Images, err = s.productImages(db, id); err != nil {
		return nil, err
	}
	parent := ""
	if d.Origin.ParentCode != nil {
		parent = *d.Origin.ParentCode
	}
	if err := db.Raw(pairingViewSQL+" WHERE p.active = ? AND p.partner_code IN (?, ?) ORDER BY p.id",
		true, d.OriginCode, parent).Scan(&d.Pairings).Error; err != nil {
		return nil, mapErr(err)
	}
	return &d, nil
}

// Products is one page of on-sale products of active suppliers matching q.
func (s *Store) Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error) {
	page := model.Page[model.ProductSummary]{Page: q.Page, PageSize: q.PageSize, Items: []model.ProductSummary{}}
	certified := `(p.cert_status = 'valid' AND p.cert_valid_from <= @today AND p.cert_valid_to >= @today)`
	where := []string{"p.on_sale = @yes", "s.status = 'active'"}
	args := map[string]any{"yes": true, "today": q.Today}
	terms := model.SearchTerms(q.Q)
	if q.Q != "" && len(terms) == 0 {
		return page, nil // only punctuation: no product has those words
	}
	score := searchWhere(terms, &where, args)
	if q.Category != "" {
		where = append(where, "p.category_code = @category")
		args["category"] = q.Category
	}
	// Origin and pairing filters become a list of county codes first, so the
	// product query can use the origin index.
	var counties []string
	if q.Origin != "" {
		c, err := s.countiesUnder(ctx, q.Origin)
		if err != nil {
			return page, err
		}
		counties = c
	}
	if q.PairingID != 0 {
		var partner []string
		if err := s.conn(ctx).Model(&model.Pairing{}).Where("id = ?", q.PairingID).Pluck("partner_code", &partner).Error; err != nil {
			return page, mapErr(err)
		}
		c := []string{}
		if len(partner) == 1 {
			var err error
			if c, err = s.countiesUnder(ctx, partner[0]); err != nil {
				return page, err
			}
		}
		if q.Origin != "" {
			c = intersect(counties, c)
		}
		counties = c
	}
	if q.Origin != "" || q.PairingID != 0 {
		if len(counties) == 0 {
			return page, nil
		}
		where = append(where, "p.origin_code IN @counties")
		args["counties"] = counties
	}
	if q.Certified != nil {
		if *q.Certified {
			where = append(where, certified)
		} else {
			where = append(where, "NOT "+certified)
		}
	}
	from := ` FROM products p
		JOIN suppliers s ON s.id = p.supplier_id
		JOIN regions r ON r.code = p.origin_code
		LEFT JOIN regions rp ON rp.code = r.parent_code
		JOIN categories c ON c.code = p.category_code
		WHERE ` + strings.Join(where, " AND ")
	db := s.conn(ctx)
	if err := db.Raw("SELECT COUNT(*)"+from, args).Scan(&page.Total).Error; err != nil {
		return page, mapErr(err)
	}
	if page.Total == 0 || int64((q.Page-1)*q.PageSize) >= page.Total {
		return page, nil
	}
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
	args["limit"] = q.PageSize
	args["offset"] = (q.Page - 1) * q.PageSize
	sel := `SELECT p.*, c.name AS category_name, r.name AS origin_name, s.name AS supplier_name, ` +
		certified + ` AS certified, ` + score + ` AS search_score, ` + firstImage + from + " ORDER BY " + order + " LIMIT @limit OFFSET @offset"
	err := db.Raw(sel, args).Scan(&page.Items).Error
	return page, mapErr(err)
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
	for _, t := range terms {
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
		(p.cert_status = 'valid' AND p.cert_valid_from <= @today AND p.cert_valid_to >= @today) AS certified, `+firstImage+`
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

// countiesUnder is code itself and every region below it (a city's
// counties; a province's cities and their counties).
func (s *Store) countiesUnder(ctx context.Context, code string) ([]string, error) {
	var out []string
	err := s.conn(ctx).Raw(`SELECT code FROM regions WHERE code = @c OR parent_code = @c
		OR parent_code IN (SELECT code FROM regions WHERE parent_code = @c)`, map[string]any{"c": code}).
		Scan(&out).Error
	return out, mapErr(err)
}

func intersect(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range a {
		in[x] = true
	}
	out := []string{}
	for _, x := range b {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

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
		return affected(s.conn(ctx).Model(&model.Product{}).Where("id = ?", id).Updates(cols), "product")
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

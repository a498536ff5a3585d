// Package catalog is the catalogue: what the public reads (reference data,
// and the on-sale products of active suppliers, with search, filters,
// sorting and pagination), what a supplier edits (its products, SKUs, prices
// and stock: products.go) and what an admin keeps (suppliers, categories and
// product certification: suppliers.go). Who may act is checked in each
// method; admin changes are audited in their own transaction.
package catalog

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shanhai/model"
)

// Reads are the catalogue reads. model/store implements them, and
// model/cache wraps them with the same methods.
type Reads interface {
	Regions(ctx context.Context) ([]model.Region, error)
	Region(ctx context.Context, code string) (*model.Region, error)
	Categories(ctx context.Context) ([]model.Category, error)
	Category(ctx context.Context, code string) (*model.Category, error)
	Pairings(ctx context.Context) ([]model.PairingView, error)
	Pairing(ctx context.Context, id int64) (*model.PairingView, error)
	Product(ctx context.Context, id int64) (*model.ProductDetail, error)
	Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error)
}

// Store is the database itself, for the writes' transactions and the reads
// that must see them (never a cache).
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, a *model.Audit) error
	Region(ctx context.Context, code string) (*model.Region, error)
	Categories(ctx context.Context) ([]model.Category, error)
	Category(ctx context.Context, code string) (*model.Category, error)
	CreateCategory(ctx context.Context, c *model.Category) error
	Supplier(ctx context.Context, id int64) (*model.Supplier, error)
	Suppliers(ctx context.Context, page, size int) (model.Page[model.Supplier], error)
	CreateSupplier(ctx context.Context, s *model.Supplier) error
	SetSupplierCreditCode(ctx context.Context, id int64, code string) error
	Product(ctx context.Context, id int64) (*model.ProductDetail, error)
	SKU(ctx context.Context, id int64) (*model.SKU, error)
	SupplierProducts(ctx context.Context, supplierID int64, onSale *bool, today string, page, size int) (model.Page[model.ProductSummary], error)
}

// Writes are the changes to what the catalogue shows: the cache layer when
// there is one (it invalidates after commit), else the store.
type Writes interface {
	SetSupplierStatus(ctx context.Context, id int64, status string) ([]int64, error)
	CreateProduct(ctx context.Context, p *model.Product, skus []model.SKU) error
	UpdateProduct(ctx context.Context, id int64, p model.ProductPatch) error
	SetSKUPrice(ctx context.Context, skuID, priceCents int64) (int64, error)
	AddSKU(ctx context.Context, productID int64, k *model.SKU) error
	SetSKUTiers(ctx context.Context, skuID int64, tiers []model.Tier) (int64, error)
	SetPurchaseLimit(ctx context.Context, skuID, limit int64) (int64, error)
	Certify(ctx context.Context, c *model.Certification) error
	RevokeCertification(ctx context.Context, productID int64) error
}

// Stock adjusts a SKU's on-hand units by delta (a supplier's stock count),
// returning the product id; on hand never drops below what is reserved
// (409 stock_below_reserved). The store (or its cache layer) satisfies it.
type Stock interface {
	Adjust(ctx context.Context, skuID, delta int64) (productID int64, err error)
}

// Service answers catalogue questions and makes catalogue changes.
type Service struct {
	reads  Reads
	store  Store
	writes Writes
	stock  Stock
	now    func() time.Time
	reg    Register // may be nil: certifications without the register
}

// Register is the certified-product register a product's certification
// lives in (service/register): certifying creates or updates the entry and
// links it; revoking revokes the linked entry.
type Register interface {
	Link(ctx context.Context, d *model.ProductDetail, c *model.Certification) (*model.RegisterEntry, error)
	RevokeProduct(ctx context.Context, productID int64, reason string) (int64, []int64, error)
}

// SetRegister makes certifications register entries.
func (s *Service) SetRegister(r Register) { s.reg = r }

// New returns the catalogue service: public reads from reads, everything
// else from st, changes through writes and stock.
func New(reads Reads, st Store, writes Writes, stock Stock) *Service {
	return &Service{reads: reads, store: st, writes: writes, stock: stock, now: time.Now}
}

// Regions lists the regions.
func (s *Service) Regions(ctx context.Context) ([]model.Region, error) { return s.reads.Regions(ctx) }

// Categories lists the categories.
func (s *Service) Categories(ctx context.Context) ([]model.Category, error) {
	return s.reads.Categories(ctx)
}

// Pairings lists the pairings.
func (s *Service) Pairings(ctx context.Context) ([]model.PairingView, error) {
	return s.reads.Pairings(ctx)
}

// Product is a visible product: on sale, from an active supplier. Anything
// else is 404, exactly like an id that never existed.
func (s *Service) Product(ctx context.Context, id int64) (*model.ProductDetail, error) {
	d, err := s.reads.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	if !d.OnSale || d.Supplier.Status != model.SupplierActive {
		return nil, model.NotFound("product")
	}
	return d, nil
}

// Today is the China date now; certificates are judged on it.
func (s *Service) Today() string { return model.DateOf(s.now()) }

// ListParams are the raw query parameters of a catalogue list.
type ListParams struct {
	Q, Category, Origin, Pairing, Certified, Sort, Page, PageSize string
}

// MaxPageSize bounds every list.
const MaxPageSize = 100

// Products validates params and lists one page of the catalogue.
func (s *Service) Products(ctx context.Context, p ListParams) (model.Page[model.ProductSummary], error) {
	q, err := s.parse(ctx, p)
	if err != nil {
		return model.Page[model.ProductSummary]{}, err
	}
	page, err := s.reads.Products(ctx, q)
	if err != nil || page.Total > 0 {
		return page, err
	}
	// Nothing matched: tell an unknown code apart from an empty result. Doing
	// it only here keeps the lookups off the hot path.
	return page, s.checkRefs(ctx, q)
}

// checkRefs is a 422 naming each filter that refers to nothing.
func (s *Service) checkRefs(ctx context.Context, q model.ProductQuery) error {
	var fields []model.FieldError
	check := func(field string, err error) error {
		if errors.Is(err, model.ErrNotFound) {
			fields = append(fields, model.FieldError{Field: field, Message: "no such " + field})
			return nil
		}
		return err
	}
	if q.PairingID != 0 {
		if _, err := s.reads.Pairing(ctx, q.PairingID); check("pairing", err) != nil {
			return err
		}
	}
	if q.Category != "" {
		if _, err := s.reads.Category(ctx, q.Category); check("category", err) != nil {
			return err
		}
	}
	if q.Origin != "" {
		if _, err := s.reads.Region(ctx, q.Origin); check("origin", err) != nil {
			return err
		}
	}
	if len(fields) > 0 {
		return model.Invalid(fields...)
	}
	return nil
}

func (s *Service) parse(ctx context.Context, p ListParams) (model.ProductQuery, error) {
	var fields []model.FieldError
	bad := func(field, msg string) { fields = append(fields, model.FieldError{Field: field, Message: msg}) }
	page, size, pageErrs := Paging(p.Page, p.PageSize)
	fields = append(fields, pageErrs...)
	q := model.ProductQuery{Q: strings.TrimSpace(p.Q), Page: page, PageSize: size, Today: s.Today(), Sort: p.Sort}
	if !utf8.ValidString(q.Q) || utf8.RuneCountInString(q.Q) > 64 {
		bad("q", "must be valid UTF-8 of at most 64 characters")
	}
	switch q.Sort {
	case "":
		q.Sort = model.SortNewest
		if len(model.SearchTerms(q.Q)) > 0 {
			q.Sort = model.SortRelevance
		}
	case model.SortRelevance:
		if len(model.SearchTerms(q.Q)) == 0 {
			q.Sort = model.SortNewest // nothing to rank by
		}
	case model.SortNewest, model.SortPriceAsc, model.SortPriceDesc, model.SortName:
	default:
		bad("sort", "must be one of relevance, newest, price_asc, price_desc, name")
	}
	if p.Certified != "" {
		b, err := strconv.ParseBool(p.Certified)
		if err != nil {
			bad("certified", "must be true or false")
		} else {
			q.Certified = &b
		}
	}
	if p.Pairing != "" {
		id, err := strconv.ParseInt(p.Pairing, 10, 64)
		if err != nil || id < 1 {
			bad("pairing", "must be a pairing id")
		}
		q.PairingID = id
	}
	q.Category, q.Origin = p.Category, p.Origin
	if len(fields) > 0 {
		return q, model.Invalid(fields...)
	}
	return q, nil
}

// Paging reads ?page and ?page_size: page defaults to 1, page_size to 20 and
// is clamped to MaxPageSize; anything not a positive integer is a field error.
func Paging(pageRaw, sizeRaw string) (page, size int, fields []model.FieldError) {
	page, size = 1, 20
	if pageRaw != "" {
		n, err := strconv.Atoi(pageRaw)
		if err != nil || n < 1 || n > 1_000_000 {
			fields = append(fields, model.FieldError{Field: "page", Message: "must be a positive integer"})
		} else {
			page = n
		}
	}
	if sizeRaw != "" {
		n, err := strconv.Atoi(sizeRaw)
		if err != nil || n < 1 {
			fields = append(fields, model.FieldError{Field: "page_size", Message: "must be a positive integer"})
		} else {
			size = min(n, MaxPageSize)
		}
	}
	return page, size, fields
}

package catalog

// A supplier's own catalogue: its products, their SKUs, prices and stock. A
// supplier user sees and edits only its own supplier's products; anything
// else answers 404.
//
// A suspended supplier may only stop selling: take products off sale and
// lower stock. Creating products, changing prices, putting products on sale,
// adding stock or editing product details answer 403 supplier_suspended, so
// nothing it changed while suspended goes on sale when it is reinstated. Its
// users still read their own catalogue and orders.

import (
	"context"
	"errors"
	"strconv"

	"shanhai/model"
	"shanhai/service/check"
)

const (
	maxPrice   = 100_000_000 // ¥1,000,000 a unit
	maxStock   = 100_000_000
	maxLineQty = 100_000 // the most units of one order line (service/order)
	maxSKUs    = 20
)

// TierInput is a volume price.
type TierInput struct {
	MinQty, PriceCents int64
}

// SKUInput is one SKU of a new product, or a new SKU of a product.
type SKUInput struct {
	Spec, Unit        string
	PriceCents, Stock int64
	Tiers             []TierInput
	PurchaseLimit     int64 // units per order; 0 = no limit
}

// ProductInput is a new product.
type ProductInput struct {
	Name, Category, Brand, Description string
	Perishable                         bool
	ShelfLifeDays                      int
	SKUs                               []SKUInput
}

// supplierOf is the caller's supplier; only supplier users have one.
func (s *Service) supplierOf(ctx context.Context, actor *model.User) (*model.Supplier, error) {
	if actor.Role != model.RoleSupplier || actor.SupplierID == nil {
		return nil, model.Forbidden("supplier accounts only")
	}
	return s.store.Supplier(ctx, *actor.SupplierID)
}

// suspended is the answer to a suspended supplier's attempt to sell more.
func suspended(what string) error {
	return &model.Error{Kind: model.ErrForbidden, Code: "supplier_suspended",
		Message: "your supplier is suspended: you may take products off sale and lower stock, but not " + what}
}

// CreateProduct adds a product to the caller's supplier, on sale, with its
// origin taken from the supplier's region.
func (s *Service) CreateProduct(ctx context.Context, actor *model.User, in ProductInput) (*model.ProductDetail, error) {
	sup, err := s.supplierOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if sup.Status == model.SupplierSuspended {
		return nil, suspended("create products")
	}
	var f check.Fields
	p := &model.Product{SupplierID: sup.ID, OriginCode: sup.RegionCode, OnSale: true,
		Name: f.Text("name", in.Name, 128), Brand: f.OptionalText("brand", in.Brand, 64),
		Description: f.OptionalText("description", in.Description, 2000), CategoryCode: in.Category,
		Perishable: in.Perishable, ShelfLifeDays: in.ShelfLifeDays}
	if err := s.checkCategory(ctx, &f, in.Category); err != nil {
		return nil, err
	}
	checkShelfLife(&f, in.Perishable, int64(in.ShelfLifeDays))
	if len(in.SKUs) == 0 || len(in.SKUs) > maxSKUs {
		f.Add("skus", "must hold 1 to 20 SKUs")
	}
	skus := make([]model.SKU, len(in.SKUs))
	for i, k := range in.SKUs {
		at := "skus[" + itoa(i) + "]."
		skus[i] = model.SKU{Spec: f.Text(at+"spec", k.Spec, 64), Unit: f.Text(at+"unit", k.Unit, 16),
			PriceCents: k.PriceCents, OnHand: k.Stock}
		f.Range(at+"price_cents", k.PriceCents, 1, maxPrice)
		f.Range(at+"stock", k.Stock, 0, maxStock)
		f.Range(at+"purchase_limit", k.PurchaseLimit, 0, maxLineQty)
		skus[i].PurchaseLimit = k.PurchaseLimit
		skus[i].Tiers = checkTiers(&f, at+"tiers", k.PriceCents, k.Tiers)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := s.writes.CreateProduct(ctx, p, skus); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil, model.Invalid(model.FieldError{Field: "name", Message: "you already have a product of this name"})
		}
		return nil, err
	}
	return s.store.Product(ctx, p.ID)
}

// checkTiers: each tier from 2 units up, strictly increasing quantities,
// each price positive and below the list price (a volume discount).
func checkTiers(f *check.Fields, at string, list int64, in []TierInput) []model.Tier {
	if len(in) > 10 {
		f.Add(at, "at most 10 tiers")
		return nil
	}
	out := make([]model.Tier, len(in))
	var prevQty int64
	for j, t := range in {
		field := at + "[" + itoa(j) + "]"
		f.Range(field+".min_qty", t.MinQty, 2, maxStock)
		f.Range(field+".price_cents", t.PriceCents, 1, maxPrice)
		if t.MinQty <= prevQty {
			f.Add(field+".min_qty", "must be larger than the previous tier's")
		}
		if t.PriceCents >= list {
			f.Add(field+".price_cents", "must be below the list price")
		}
		prevQty = t.MinQty
		out[j] = model.Tier{MinQty: t.MinQty, PriceCents: t.PriceCents}
	}
	return out
}

func checkShelfLife(f *check.Fields, perishable bool, days int64) {
	f.Range("shelf_life_days", days, 0, 3650)
	if perishable && days == 0 {
		f.Add("shelf_life_days", "is required for a perishable product")
	}
}

func (s *Service) checkCategory(ctx context.Context, f *check.Fields, code string) error {
	if code == "" {
		f.Add("category", "is required")
		return nil
	}
	if _, err := s.store.Category(ctx, code); errors.Is(err, model.ErrNotFound) {
		f.Add("category", "no such category")
	} else if err != nil {
		return err
	}
	return nil
}

// ProductEdit is a supplier's edit of a product; nil fields stay.
type ProductEdit struct {
	Name, Category, Brand, Description *string
	Perishable, OnSale                 *bool
	ShelfLifeDays                      *int
}

// UpdateProduct edits one of the caller's products.
func (s *Service) UpdateProduct(ctx context.Context, actor *model.User, id int64, in ProductEdit) (*model.ProductDetail, error) {
	sup, err := s.supplierOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *model.ProductDetail
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.own(ctx, sup, id)
		if err != nil {
			return err
		}
		offSaleOnly := in == (ProductEdit{OnSale: in.OnSale}) && (in.OnSale == nil || !*in.OnSale)
		if susp, err := s.isSuspended(ctx, sup.ID); err != nil {
			return err
		} else if susp && !offSaleOnly {
			return suspended("put products on sale or edit them")
		}
		var f check.Fields
		p := model.ProductPatch{CategoryCode: in.Category, Perishable: in.Perishable,
			ShelfLifeDays: in.ShelfLifeDays, OnSale: in.OnSale}
		if in.Name != nil {
			p.Name = ptr(f.Text("name", *in.Name, 128))
		}
		if in.Brand != nil {
			p.Brand = ptr(f.OptionalText("brand", *in.Brand, 64))
		}
		if in.Description != nil {
			p.Description = ptr(f.OptionalText("description", *in.Description, 2000))
		}
		if in.Category != nil {
			if err := s.checkCategory(ctx, &f, *in.Category); err != nil {
				return err
			}
		}
		perishable, days := cur.Perishable, int64(cur.ShelfLifeDays)
		if in.Perishable != nil {
			perishable = *in.Perishable
		}
		if in.ShelfLifeDays != nil {
			days = int64(*in.ShelfLifeDays)
		}
		checkShelfLife(&f, perishable, days)
		if err := f.Err(); err != nil {
			return err
		}
		if p == (model.ProductPatch{}) {
			return model.Invalid(model.FieldError{Field: "body", Message: "nothing to change"})
		}
		if err := s.writes.UpdateProduct(ctx, id, p); err != nil {
			if errors.Is(err, model.ErrConflict) {
				return model.Invalid(model.FieldError{Field: "name", Message: "you already have a product of this name"})
			}
			return err
		}
		out, err = s.store.Product(ctx, id)
		return err
	})
	return out, err
}

// isSuspended reads the supplier's status in the transaction in ctx (never
// from a cache), so a suspension that committed is seen at once.
func (s *Service) isSuspended(ctx context.Context, id int64) (bool, error) {
	sup, err := s.store.Supplier(ctx, id)
	if err != nil {
		return false, err
	}
	return sup.Status == model.SupplierSuspended, nil
}

// own is the product if it belongs to sup; otherwise 404.
func (s *Service) own(ctx context.Context, sup *model.Supplier, id int64) (*model.ProductDetail, error) {
	d, err := s.store.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.SupplierID != sup.ID {
		return nil, model.NotFound("product")
	}
	return d, nil
}

// SKUPatch changes a SKU's price, adds to its on-hand stock, replaces its
// tiers (an empty list removes them) and sets its purchase limit (0 = none).
type SKUPatch struct {
	PriceCents    *int64
	StockDelta    *int64
	Tiers         *[]TierInput
	PurchaseLimit *int64
}

// UpdateSKU edits one of the caller's SKUs. A stock adjustment changes on
// hand and can never take it below what is reserved (409 stock_below_reserved).
func (s *Service) UpdateSKU(ctx context.Context, actor *model.User, skuID int64, in SKUPatch) (*model.ProductDetail, error) {
	sup, err := s.supplierOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *model.ProductDetail
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		k, err := s.store.SKU(ctx, skuID)
		if err != nil {
			return err
		}
		d, err := s.own(ctx, sup, k.ProductID)
		if err != nil {
			return model.NotFound("sku")
		}
		if susp, err := s.isSuspended(ctx, sup.ID); err != nil {
			return err
		} else if susp && (in.PriceCents != nil || in.StockDelta != nil && *in.StockDelta > 0 ||
			in.Tiers != nil || in.PurchaseLimit != nil) {
			return suspended("change prices, tiers or limits, or add stock")
		}
		var f check.Fields
		if in == (SKUPatch{}) {
			f.Add("body", "nothing to change: give price_cents, stock_delta, tiers or purchase_limit")
		}
		list := k.PriceCents
		if in.PriceCents != nil {
			list = *in.PriceCents
			f.Range("price_cents", *in.PriceCents, 1, maxPrice)
			if in.Tiers == nil {
				for _, t := range k.Tiers {
					if t.PriceCents >= *in.PriceCents {
						f.Add("price_cents", "must stay above every tier price")
						break
					}
				}
			}
		}
		var tiers []model.Tier
		if in.Tiers != nil {
			tiers = checkTiers(&f, "tiers", list, *in.Tiers)
		}
		if in.PurchaseLimit != nil {
			f.Range("purchase_limit", *in.PurchaseLimit, 0, maxLineQty)
		}
		if in.StockDelta != nil {
			f.Range("stock_delta", *in.StockDelta, -maxStock, maxStock)
		}
		if err := f.Err(); err != nil {
			return err
		}
		if in.PriceCents != nil {
			if _, err := s.writes.SetSKUPrice(ctx, skuID, *in.PriceCents); err != nil {
				return err
			}
		}
		if in.Tiers != nil {
			if _, err := s.writes.SetSKUTiers(ctx, skuID, tiers); err != nil {
				return err
			}
		}
		if in.PurchaseLimit != nil {
			if _, err := s.writes.SetPurchaseLimit(ctx, skuID, *in.PurchaseLimit); err != nil {
				return err
			}
		}
		if in.StockDelta != nil {
			if _, err := s.stock.Adjust(ctx, skuID, *in.StockDelta); err != nil {
				return err
			}
		}
		out, err = s.store.Product(ctx, d.ID)
		return err
	})
	return out, err
}

// AddSKU adds a SKU to one of the caller's products (at most 20 a product).
func (s *Service) AddSKU(ctx context.Context, actor *model.User, productID int64, in SKUInput) (*model.ProductDetail, error) {
	sup, err := s.supplierOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *model.ProductDetail
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		d, err := s.own(ctx, sup, productID)
		if err != nil {
			return err
		}
		if susp, err := s.isSuspended(ctx, sup.ID); err != nil {
			return err
		} else if susp {
			return suspended("add SKUs")
		}
		var f check.Fields
		k := &model.SKU{Spec: f.Text("spec", in.Spec, 64), Unit: f.Text("unit", in.Unit, 16),
			PriceCents: in.PriceCents, OnHand: in.Stock, PurchaseLimit: in.PurchaseLimit}
		f.Range("price_cents", in.PriceCents, 1, maxPrice)
		f.Range("stock", in.Stock, 0, maxStock)
		f.Range("purchase_limit", in.PurchaseLimit, 0, maxLineQty)
		k.Tiers = checkTiers(&f, "tiers", in.PriceCents, in.Tiers)
		if len(d.SKUs) >= maxSKUs {
			f.Add("body", "a product has at most 20 SKUs")
		}
		for _, o := range d.SKUs {
			if o.Spec == k.Spec {
				f.Add("spec", "the product already has a SKU of this spec")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.writes.AddSKU(ctx, productID, k); err != nil {
			return err
		}
		out, err = s.store.Product(ctx, productID)
		return err
	})
	return out, err
}

// SupplierProducts lists the caller's own products, on sale or not
// (onSale "true"/"false" filters), newest first. A suspended supplier still
// reads them.
func (s *Service) SupplierProducts(ctx context.Context, actor *model.User, onSale, pageRaw, sizeRaw string) (model.Page[model.ProductSummary], error) {
	sup, err := s.supplierOf(ctx, actor)
	if err != nil {
		return model.Page[model.ProductSummary]{}, err
	}
	page, size, fields := Paging(pageRaw, sizeRaw)
	var filter *bool
	if onSale != "" {
		b, err := strconv.ParseBool(onSale)
		if err != nil {
			fields = append(fields, model.FieldError{Field: "on_sale", Message: "must be true or false"})
		}
		filter = &b
	}
	if len(fields) > 0 {
		return model.Page[model.ProductSummary]{}, model.Invalid(fields...)
	}
	return s.store.SupplierProducts(ctx, sup.ID, filter, s.Today(), page, size)
}

func itoa(n int) string { return strconv.Itoa(n) }

func ptr[T any](v T) *T { return &v }

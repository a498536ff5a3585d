package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/catalog"
)

type tierReq struct {
	MinQty     int64 `json:"min_qty"`
	PriceCents int64 `json:"price_cents"`
}

type skuReq struct {
	Spec          string    `json:"spec"`
	Unit          string    `json:"unit"`
	PriceCents    int64     `json:"price_cents"`
	Stock         int64     `json:"stock"`
	Tiers         []tierReq `json:"tiers"`
	PurchaseLimit int64     `json:"purchase_limit"`
}

func (k skuReq) input() catalog.SKUInput {
	return catalog.SKUInput{Spec: k.Spec, Unit: k.Unit, PriceCents: k.PriceCents, Stock: k.Stock,
		Tiers: tierInputs(k.Tiers), PurchaseLimit: k.PurchaseLimit}
}

func tierInputs(in []tierReq) []catalog.TierInput {
	out := make([]catalog.TierInput, len(in))
	for j, t := range in {
		out[j] = catalog.TierInput{MinQty: t.MinQty, PriceCents: t.PriceCents}
	}
	return out
}

type productReq struct {
	Name          string   `json:"name"`
	Category      string   `json:"category"`
	Brand         string   `json:"brand"`
	Description   string   `json:"description"`
	Perishable    bool     `json:"perishable"`
	ShelfLifeDays int      `json:"shelf_life_days"`
	SKUs          []skuReq `json:"skus"`
}

// supplierProductResp is the product as its supplier sees it: the public
// detail plus what the public does not see (on sale, on hand, reserved).
type supplierProductResp struct {
	productResp
	OnSale bool               `json:"on_sale"`
	Stock  []supplierSKUStock `json:"stock"`
}

type supplierSKUStock struct {
	SKUID    int64 `json:"sku_id"`
	OnHand   int64 `json:"on_hand"`
	Reserved int64 `json:"reserved"`
}

func (r *router) toSupplierProduct(d *model.ProductDetail) supplierProductResp {
	out := supplierProductResp{productResp: toProduct(d, r.Catalog.Today()), OnSale: d.OnSale,
		Stock: make([]supplierSKUStock, len(d.SKUs))}
	for i, k := range d.SKUs {
		out.Stock[i] = supplierSKUStock{SKUID: k.ID, OnHand: k.OnHand, Reserved: k.Reserved}
	}
	return out
}

func (r *router) createSupplierProduct(c *gin.Context) {
	var req productReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	in := catalog.ProductInput{Name: req.Name, Category: req.Category, Brand: req.Brand, Description: req.Description,
		Perishable: req.Perishable, ShelfLifeDays: req.ShelfLifeDays, SKUs: make([]catalog.SKUInput, len(req.SKUs))}
	for i, k := range req.SKUs {
		in.SKUs[i] = k.input()
	}
	d, err := r.Catalog.CreateProduct(c.Request.Context(), caller(c), in)
	respond(c, http.StatusCreated, d, err, r.toSupplierProduct)
}

type productPatchReq struct {
	Name          *string `json:"name"`
	Category      *string `json:"category"`
	Brand         *string `json:"brand"`
	Description   *string `json:"description"`
	Perishable    *bool   `json:"perishable"`
	ShelfLifeDays *int    `json:"shelf_life_days"`
	OnSale        *bool   `json:"on_sale"`
}

func (r *router) updateSupplierProduct(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req productPatchReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	d, err := r.Catalog.UpdateProduct(c.Request.Context(), caller(c), id, catalog.ProductEdit{
		Name: req.Name, Category: req.Category, Brand: req.Brand, Description: req.Description,
		Perishable: req.Perishable, ShelfLifeDays: req.ShelfLifeDays, OnSale: req.OnSale})
	respond(c, http.StatusOK, d, err, r.toSupplierProduct)
}

type skuPatchReq struct {
	PriceCents    *int64     `json:"price_cents"`
	StockDelta    *int64     `json:"stock_delta"`
	Tiers         *[]tierReq `json:"tiers"`
	PurchaseLimit *int64     `json:"purchase_limit"`
}

func (r *router) updateSupplierSKU(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req skuPatchReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	patch := catalog.SKUPatch{PriceCents: req.PriceCents, StockDelta: req.StockDelta, PurchaseLimit: req.PurchaseLimit}
	if req.Tiers != nil {
		tiers := tierInputs(*req.Tiers)
		patch.Tiers = &tiers
	}
	d, err := r.Catalog.UpdateSKU(c.Request.Context(), caller(c), id, patch)
	respond(c, http.StatusOK, d, err, r.toSupplierProduct)
}

// addSupplierSKU is POST /supplier/products/{id}/skus: a new SKU of an own
// product; the answer is the product as its supplier sees it.
func (r *router) addSupplierSKU(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req skuReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	d, err := r.Catalog.AddSKU(c.Request.Context(), caller(c), id, req.input())
	respond(c, http.StatusCreated, d, err, r.toSupplierProduct)
}

// supplierSummaryResp is one row of a supplier's own list: the public
// summary plus whether it is on sale and how many images it has.
type supplierSummaryResp struct {
	productSummaryResp
	OnSale     bool `json:"on_sale"`
	ImageCount int  `json:"image_count"`
}

// listSupplierProducts is GET /supplier/products?on_sale=&page=&page_size=.
func (r *router) listSupplierProducts(c *gin.Context) {
	page, err := r.Catalog.SupplierProducts(c.Request.Context(), caller(c), c.Query("on_sale"), c.Query("page"), c.Query("page_size"))
	if err != nil {
		writeError(c, err)
		return
	}
	out := listPage[supplierSummaryResp]{Items: make([]supplierSummaryResp, len(page.Items)),
		Total: page.Total, Page: page.Page, PageSize: page.PageSize}
	for i, p := range page.Items {
		out.Items[i] = supplierSummaryResp{productSummaryResp: toSummary(p), OnSale: p.OnSale, ImageCount: p.ImageCount}
	}
	c.JSON(http.StatusOK, out)
}

package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/catalog"
)

// listPage is the envelope of every list.
type listPage[T any] struct {
	Items    []T   `json:"items"`
	Total    int64 `json:"total"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
}

// pageOf paginates a small reference list held in memory.
func pageOf[T any](c *gin.Context, all []T) (listPage[T], error) {
	page, size, fields := catalog.Paging(c.Query("page"), c.Query("page_size"))
	if len(fields) > 0 {
		return listPage[T]{}, model.Invalid(fields...)
	}
	out := listPage[T]{Items: []T{}, Total: int64(len(all)), Page: page, PageSize: size}
	if from := (page - 1) * size; from < len(all) {
		out.Items = all[from:min(from+size, len(all))]
	}
	return out, nil
}

type regionRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type regionResp struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Level      string  `json:"level"`
	ParentCode *string `json:"parent_code"`
	Side       string  `json:"side"`
}

// listRegions lists regions, optionally those under ?parent= or of ?level=.
func (r *router) listRegions(c *gin.Context) {
	regions, err := r.Catalog.Regions(c.Request.Context())
	respondRegions(c, regions, err)
}

func (r *router) adminRegions(c *gin.Context) {
	regions, err := r.Geo.Regions(c.Request.Context(), caller(c))
	respondRegions(c, regions, err)
}

func respondRegions(c *gin.Context, regions []model.Region, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	parent, level := c.Query("parent"), c.Query("level")
	out := make([]regionResp, 0, len(regions))
	for _, g := range regions {
		if (parent != "" && (g.ParentCode == nil || *g.ParentCode != parent)) || (level != "" && g.Level != level) {
			continue
		}
		out = append(out, regionResp{Code: g.Code, Name: g.Name, Level: g.Level, ParentCode: g.ParentCode, Side: g.Side})
	}
	respondPage(c, out)
}

type pairingResp struct {
	ID        int64     `json:"id"`
	Programme string    `json:"programme"`
	Level     string    `json:"level"`
	Helper    regionRef `json:"helper"`
	Partner   regionRef `json:"partner"`
	SinceYear int       `json:"since_year"`
	Active    bool      `json:"active"`
}

func toPairing(p model.PairingView) pairingResp {
	return pairingResp{
		ID: p.ID, Programme: p.Programme, Level: p.Level, SinceYear: p.SinceYear, Active: p.Active,
		Helper:  regionRef{Code: p.HelperCode, Name: p.HelperName},
		Partner: regionRef{Code: p.PartnerCode, Name: p.PartnerName},
	}
}

// listPairings lists pairings, optionally of one ?programme=.
func (r *router) listPairings(c *gin.Context) {
	pairings, err := r.Catalog.Pairings(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	programme := c.Query("programme")
	out := make([]pairingResp, 0, len(pairings))
	for _, p := range pairings {
		if programme == "" || p.Programme == programme {
			out = append(out, toPairing(p))
		}
	}
	respondPage(c, out)
}

type categoryResp struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (r *router) listCategories(c *gin.Context) {
	cats, err := r.Catalog.Categories(c.Request.Context())
	respondCategories(c, cats, err)
}

func (r *router) adminCategories(c *gin.Context) {
	cats, err := r.Catalog.AdminCategories(c.Request.Context(), caller(c))
	respondCategories(c, cats, err)
}

func respondCategories(c *gin.Context, cats []model.Category, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]categoryResp, len(cats))
	for i, k := range cats {
		out[i] = categoryResp{Code: k.Code, Name: k.Name}
	}
	respondPage(c, out)
}

func respondPage[T any](c *gin.Context, all []T) {
	page, err := pageOf(c, all)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

type supplierRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type productSummaryResp struct {
	ID             int64       `json:"id"`
	Name           string      `json:"name"`
	Category       string      `json:"category"`
	CategoryName   string      `json:"category_name"`
	Brand          string      `json:"brand"`
	Origin         regionRef   `json:"origin"`
	Supplier       supplierRef `json:"supplier"`
	PriceFromCents int64       `json:"price_from_cents"`
	Perishable     bool        `json:"perishable"`
	ShelfLifeDays  int         `json:"shelf_life_days"`
	Certified      bool        `json:"certified"`
	// Images holds the first image only (the list thumbnail); the detail
	// carries them all.
	Images       []imageResp `json:"images"`
	ThumbnailURL string      `json:"thumbnail_url"`
}

// listProducts is the public catalogue.
func (r *router) listProducts(c *gin.Context) {
	page, err := r.Catalog.Products(c.Request.Context(), catalog.ListParams{
		Q: c.Query("q"), Category: c.Query("category"), Origin: c.Query("origin"), Pairing: c.Query("pairing"),
		Certified: c.Query("certified"), Sort: c.Query("sort"), Page: c.Query("page"), PageSize: c.Query("page_size"),
	})
	if err != nil {
		writeError(c, err)
		return
	}
	out := listPage[productSummaryResp]{Items: make([]productSummaryResp, len(page.Items)),
		Total: page.Total, Page: page.Page, PageSize: page.PageSize}
	for i, p := range page.Items {
		out.Items[i] = toSummary(p)
	}
	c.JSON(http.StatusOK, out)
}

func toSummary(p model.ProductSummary) productSummaryResp {
	out := productSummaryResp{
		ID: p.ID, Name: p.Name, Category: p.CategoryCode, CategoryName: p.CategoryName, Brand: p.Brand,
		Origin:         regionRef{Code: p.OriginCode, Name: p.OriginName},
		Supplier:       supplierRef{ID: p.SupplierID, Name: p.SupplierName},
		PriceFromCents: p.PriceMinCents, Perishable: p.Perishable, ShelfLifeDays: p.ShelfLifeDays,
		Certified: p.Certified, Images: []imageResp{}, ThumbnailURL: mediaURL(p.ThumbHash),
	}
	if p.ImageHash != "" {
		out.Images = append(out.Images, imageResp{URL: mediaURL(p.ImageHash), ThumbnailURL: mediaURL(p.ThumbHash)})
	}
	return out
}

type tierResp struct {
	MinQty     int64 `json:"min_qty"`
	PriceCents int64 `json:"price_cents"`
}

type skuResp struct {
	ID         int64      `json:"id"`
	Spec       string     `json:"spec"`
	Unit       string     `json:"unit"`
	PriceCents int64      `json:"price_cents"`
	Available  int64      `json:"available"`
	Tiers      []tierResp `json:"tiers"`
	// PurchaseLimit is the most units one order may hold; 0 = no limit.
	PurchaseLimit int64 `json:"purchase_limit"`
}

type certificationResp struct {
	CertificateNo string `json:"certificate_no"`
	Issuer        string `json:"issuer"`
	Batch         string `json:"batch"`
	ValidFrom     string `json:"valid_from"`
	ValidTo       string `json:"valid_to"`
	Status        string `json:"status"`
	ValidToday    bool   `json:"valid_today"`
}

type productResp struct {
	ID            int64              `json:"id"`
	Name          string             `json:"name"`
	Category      string             `json:"category"`
	CategoryName  string             `json:"category_name"`
	Brand         string             `json:"brand"`
	Description   string             `json:"description"`
	Origin        regionRef          `json:"origin"`
	Supplier      supplierRef        `json:"supplier"`
	Perishable    bool               `json:"perishable"`
	ShelfLifeDays int                `json:"shelf_life_days"`
	Certified     bool               `json:"certified"`
	Certification *certificationResp `json:"certification"`
	SKUs          []skuResp          `json:"skus"`
	Pairings      []pairingResp      `json:"pairings"`
	Images        []imageResp        `json:"images"`
}

// toProduct converts a detail; today decides whether the certificate counts.
func toProduct(d *model.ProductDetail, today string) productResp {
	out := productResp{
		ID: d.ID, Name: d.Name, Category: d.CategoryCode, CategoryName: d.Category.Name, Brand: d.Brand,
		Description: d.Description, Origin: regionRef{Code: d.Origin.Code, Name: d.Origin.Name},
		Supplier:   supplierRef{ID: d.Supplier.ID, Name: d.Supplier.Name},
		Perishable: d.Perishable, ShelfLifeDays: d.ShelfLifeDays,
		SKUs: make([]skuResp, len(d.SKUs)), Pairings: make([]pairingResp, len(d.Pairings)),
		Images: convertAll(d.Images, toImage),
	}
	if cert := d.Certification; cert != nil {
		out.Certified = cert.ValidOn(today)
		out.Certification = &certificationResp{
			CertificateNo: cert.CertificateNo, Issuer: cert.Issuer, Batch: cert.Batch,
			ValidFrom: cert.ValidFrom, ValidTo: cert.ValidTo, Status: cert.Status, ValidToday: out.Certified,
		}
	}
	for i, k := range d.SKUs {
		s := skuResp{ID: k.ID, Spec: k.Spec, Unit: k.Unit, PriceCents: k.PriceCents,
			Available: k.Available(), Tiers: make([]tierResp, len(k.Tiers)), PurchaseLimit: k.PurchaseLimit}
		for j, t := range k.Tiers {
			s.Tiers[j] = tierResp{MinQty: t.MinQty, PriceCents: t.PriceCents}
		}
		out.SKUs[i] = s
	}
	for i, p := range d.Pairings {
		out.Pairings[i] = toPairing(p)
	}
	return out
}

func (r *router) getProduct(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	d, err := r.Catalog.Product(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toProduct(d, r.Catalog.Today()))
}

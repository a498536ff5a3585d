package model

import "time"

// Region levels and sides.
const (
	LevelProvince = "province"
	LevelCity     = "city"
	LevelCounty   = "county"

	SideHelper  = "helper"  // Shaoxing and its districts: the buying side
	SidePartner = "partner" // the paired mountain and western counties: the selling side
)

// Region is an administrative division with its GB/T 2260 six-digit code.
// Side is empty for a province that holds both sides (Zhejiang).
type Region struct {
	Code       string  `gorm:"column:code;primaryKey" json:"code"`
	Name       string  `gorm:"column:name" json:"name"`
	Level      string  `gorm:"column:level" json:"level"`
	ParentCode *string `gorm:"column:parent_code" json:"parent_code"`
	Side       string  `gorm:"column:side" json:"side"`
}

func (Region) TableName() string { return "regions" }

// Programmes and levels of a pairing.
const (
	ProgrammeEastWest    = "east_west"
	ProgrammeMountainSea = "mountain_sea"
)

// Pairing (结对) links a helper region to a partner region.
type Pairing struct {
	ID          int64  `gorm:"column:id;primaryKey" json:"id"`
	Programme   string `gorm:"column:programme" json:"programme"`
	Level       string `gorm:"column:level" json:"level"`
	HelperCode  string `gorm:"column:helper_code" json:"helper_code"`
	PartnerCode string `gorm:"column:partner_code" json:"partner_code"`
	SinceYear   int    `gorm:"column:since_year" json:"since_year"`
	Active      bool   `gorm:"column:active" json:"active"`
}

func (Pairing) TableName() string { return "pairings" }

// PairingView is a pairing with its regions' names, as lists show it.
type PairingView struct {
	Pairing
	HelperName  string
	PartnerName string
}

// Category of products, keyed by a short code ("tea", "herbs").
type Category struct {
	Code string `gorm:"column:code;primaryKey" json:"code"`
	Name string `gorm:"column:name" json:"name"`
}

func (Category) TableName() string { return "categories" }

// Supplier statuses.
const (
	SupplierPending   = "pending"
	SupplierActive    = "active"
	SupplierSuspended = "suspended"
)

// Supplier is a company registered in a partner county; its products take their origin from it.
type Supplier struct {
	ID         int64     `gorm:"column:id;primaryKey" json:"id"`
	Name       string    `gorm:"column:name" json:"name"`
	RegionCode string    `gorm:"column:region_code" json:"region_code"`
	Status     string    `gorm:"column:status" json:"status"`
	CreditCode string    `gorm:"column:credit_code" json:"credit_code"` // 统一社会信用代码; empty: not recorded
	CreatedAt  time.Time `gorm:"column:created_at" json:"created_at"`
}

func (Supplier) TableName() string { return "suppliers" }

// Product is what the catalogue lists. PriceMinCents is the lowest SKU list price,
// kept by the store whenever a SKU price changes, so lists can sort by price.
type Product struct {
	ID            int64  `gorm:"column:id;primaryKey" json:"id"`
	SupplierID    int64  `gorm:"column:supplier_id" json:"supplier_id"`
	Name          string `gorm:"column:name" json:"name"`
	CategoryCode  string `gorm:"column:category_code" json:"category_code"`
	Brand         string `gorm:"column:brand" json:"brand"`
	Description   string `gorm:"column:description" json:"description"`
	OriginCode    string `gorm:"column:origin_code" json:"origin_code"`
	OnSale        bool   `gorm:"column:on_sale" json:"on_sale"`
	Perishable    bool   `gorm:"column:perishable" json:"perishable"`
	ShelfLifeDays int    `gorm:"column:shelf_life_days" json:"shelf_life_days"`
	PriceMinCents int64  `gorm:"column:price_min_cents" json:"price_min_cents"`
	// ImageCount is the number of its images, kept by the store (at most
	// MaxProductImages).
	ImageCount int `gorm:"column:image_count" json:"image_count"`
	// The current certificate's status and validity ("" when never
	// certified), kept in step by the store so lists filter without a join.
	CertStatus    string `gorm:"column:cert_status" json:"cert_status"`
	CertValidFrom string `gorm:"column:cert_valid_from" json:"cert_valid_from"`
	CertValidTo   string `gorm:"column:cert_valid_to" json:"cert_valid_to"`
	// RegisterEntryID is the register entry its certification is (nil: none).
	RegisterEntryID *int64    `gorm:"column:register_entry_id" json:"register_entry_id"`
	CreatedAt       time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt       time.Time `gorm:"column:updated_at" json:"updated_at"`
}

func (Product) TableName() string { return "products" }

// SKU is one spec of a product with its own price and stock.
// Available = OnHand - Reserved; neither ever goes below zero.
type SKU struct {
	ID         int64  `gorm:"column:id;primaryKey" json:"id"`
	ProductID  int64  `gorm:"column:product_id" json:"product_id"`
	Spec       string `gorm:"column:spec" json:"spec"`
	Unit       string `gorm:"column:unit" json:"unit"`
	PriceCents int64  `gorm:"column:price_cents" json:"price_cents"`
	OnHand     int64  `gorm:"column:on_hand" json:"on_hand"`
	Reserved   int64  `gorm:"column:reserved" json:"reserved"`
	// Version moves with every change to what an order copies from the
	// catalogue for this SKU (migration 0008); stock moves do not move it.
	Version int64 `gorm:"column:version" json:"-"`
	// PurchaseLimit is the most units of it one order may hold; 0 = no limit.
	PurchaseLimit int64  `gorm:"column:purchase_limit" json:"purchase_limit"`
	Tiers         []Tier `gorm:"-"`
}

func (SKU) TableName() string { return "skus" }

// Available is what can still be ordered.
func (s SKU) Available() int64 { return s.OnHand - s.Reserved }

// UnitPrice is the price per unit for an order of qty: the tier with the
// highest MinQty not above qty, else the list price.
func (s SKU) UnitPrice(qty int64) int64 {
	price, best := s.PriceCents, int64(0)
	for _, t := range s.Tiers {
		if t.MinQty <= qty && t.MinQty > best {
			price, best = t.PriceCents, t.MinQty
		}
	}
	return price
}

// Tier is a volume price: from MinQty units up, each unit costs PriceCents.
type Tier struct {
	SKUID      int64 `gorm:"column:sku_id;primaryKey" json:"sku_id"`
	MinQty     int64 `gorm:"column:min_qty;primaryKey" json:"min_qty"`
	PriceCents int64 `gorm:"column:price_cents" json:"price_cents"`
}

func (Tier) TableName() string { return "sku_tiers" }

// Certification statuses.
const (
	CertValid   = "valid"
	CertRevoked = "revoked"
)

// Certification (帮扶产品认定) of a product. A product's current certificate is its
// newest row; older rows stay as history. ValidFrom and ValidTo are inclusive
// China dates, YYYY-MM-DD.
type Certification struct {
	ID            int64      `gorm:"column:id;primaryKey" json:"id"`
	ProductID     int64      `gorm:"column:product_id" json:"product_id"`
	CertificateNo string     `gorm:"column:certificate_no" json:"certificate_no"`
	Issuer        string     `gorm:"column:issuer" json:"issuer"`
	Batch         string     `gorm:"column:batch" json:"batch"`
	ValidFrom     string     `gorm:"column:valid_from" json:"valid_from"`
	ValidTo       string     `gorm:"column:valid_to" json:"valid_to"`
	Status        string     `gorm:"column:status" json:"status"`
	CreatedAt     time.Time  `gorm:"column:created_at" json:"created_at"`
	RevokedAt     *time.Time `gorm:"column:revoked_at" json:"revoked_at"`
}

func (Certification) TableName() string { return "certifications" }

// ValidOn reports whether the certificate counts on the China date d (YYYY-MM-DD).
func (c *Certification) ValidOn(d string) bool {
	return c != nil && c.Status == CertValid && c.ValidFrom <= d && d <= c.ValidTo
}

// ProductDetail is one product with everything its page shows.
type ProductDetail struct {
	Product
	Category      Category
	Origin        Region
	Supplier      Supplier
	Certification *Certification // current certificate, nil when never certified
	SKUs          []SKU
	Pairings      []PairingView  // active pairings whose partner region holds the origin
	Images        []ProductImage // in display order
}

// ProductSummary is one row of a catalogue list.
type ProductSummary struct {
	Product
	CategoryName string
	OriginName   string
	SupplierName string
	Certified    bool // certificate valid today (China time)
	// The first image's 800 px and 240 px hashes; empty when it has none.
	ImageHash string `gorm:"column:image_hash"`
	ThumbHash string `gorm:"column:thumb_hash"`
}

// Catalogue sort orders.
const (
	SortNewest    = "newest"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortName      = "name"
	// SortRelevance ranks a search: terms found in the name first, then in
	// the brand, then in the origin or description; newest among equals.
	// It is the default when the query has terms.
	SortRelevance = "relevance"
)

// ProductQuery filters a catalogue list. Zero values mean "no filter".
// The service validates it; the store trusts it.
type ProductQuery struct {
	Q         string
	Category  string
	Origin    string // county code, or a city code meaning its counties
	PairingID int64
	Certified *bool
	Sort      string
	Today     string // China date the certified filter is judged on
	Page      int
	PageSize  int
}

// Page is one page of a list.
type Page[T any] struct {
	Items    []T
	Total    int64
	Page     int
	PageSize int
}

// ProductPatch is a supplier's edit of a product; nil fields stay.
type ProductPatch struct {
	Name, CategoryCode, Brand, Description *string
	Perishable, OnSale                     *bool
	ShelfLifeDays                          *int
}

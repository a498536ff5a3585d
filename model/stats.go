package model

// AreaFilter narrows rollup sums to an officer's scope, read from
// rollup_areas: only entries whose buyer region is one of BuyerRegions
// (when not nil) and whose origin is one of Origins (when not nil). A nil
// *AreaFilter reads the unsplit rollup_pairings. A non-nil but empty list
// matches nothing.
type AreaFilter struct {
	BuyerRegions []string
	Origins      []string
}

// PairingSum is a rollup total of one period for one pairing (0: not
// credited), reason ("" when credited) and kind.
type PairingSum struct {
	Period    int    `gorm:"column:period"`
	PairingID int64  `gorm:"column:pairing_id"`
	Reason    string `gorm:"column:reason"`
	Kind      string `gorm:"column:kind"`
	Cents     int64  `gorm:"column:cents"`
	Orders    int64  `gorm:"column:orders"`
}

// AreaSum is the credited total (pairing_id > 0) of one period by buyer
// region and kind.
type AreaSum struct {
	BuyerRegion string `gorm:"column:buyer_region"`
	Kind        string `gorm:"column:kind"`
	Cents       int64  `gorm:"column:cents"`
	Orders      int64  `gorm:"column:orders"`
}

// OrgFigures is what the org ranking reads of one org: the org, its
// rollup_orgs row of a period (zeros when it bought nothing) and its filing
// of the year (FilingStatus "" when it has none).
type OrgFigures struct {
	Org             Org
	RegionName      string
	Rollup          RollupOrg
	FilingStatus    string
	FoodBudgetCents int64
	ReservedRatioBP int64
}

// Filing is the figures' filing, for its reserved amount.
func (f *OrgFigures) Filing() Filing {
	return Filing{OrgID: f.Org.ID, Status: f.FilingStatus, FoodBudgetCents: f.FoodBudgetCents, ReservedRatioBP: f.ReservedRatioBP}
}

// OrgRankKey is what ranking an org by reserved-share progress reads: its
// place (parent, 0 for none; region), its subtree's certified purchases and
// its filing (FilingStatus "" for none).
type OrgRankKey struct {
	ID, ParentID          int64
	RegionCode            string
	SubtreeCertifiedCents int64
	FilingStatus          string
	FoodBudgetCents       int64
	ReservedRatioBP       int64
}

// Facets of rollup_sales the statistics break figures down by.
const (
	FacetOrigin    = "origin"     // origin county code
	FacetCategory  = "category"   // category code
	FacetSupplier  = "supplier"   // supplier id
	FacetChannel   = "channel"    // the buyer's channel
	FacetPlatform  = "platform"   // mall, 832, zcy, offline, other
	FacetPointType = "point_type" // the sales point's type (五专); "" for none
	FacetSector    = "sector"     // the buyer org's sector (五进); "" without an org
)

// SaleSum is a rollup_sales total of one facet value, credited to a
// pairing or not.
type SaleSum struct {
	Key      string `gorm:"column:k"`
	Credited bool   `gorm:"column:credited"`
	Cents    int64  `gorm:"column:cents"`
	Orders   int64  `gorm:"column:orders"`
}

// SaleFacetSum is a rollup_sales total of one combination of several
// facets' values (Keys, in the order asked), credited to a pairing or not.
type SaleFacetSum struct {
	Keys     []string
	Credited bool
	Cents    int64
	Orders   int64
}

// PlatformSum is a rollup_sales total of one pairing (0: not credited), in
// the mall or off it. Orders counts mall orders, or off-platform records.
type PlatformSum struct {
	PairingID int64 `gorm:"column:pairing_id"`
	Mall      bool  `gorm:"column:mall"`
	Cents     int64 `gorm:"column:cents"`
	Orders    int64 `gorm:"column:orders"`
}

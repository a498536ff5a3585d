package model

import (
	"strconv"
	"strings"
	"time"
)

// RegionTree answers "does region a contain region b" over the region table.
type RegionTree map[string]string // code → parent code ("" for a province)

// NewRegionTree indexes regions by code.
func NewRegionTree(regions []Region) RegionTree {
	t := make(RegionTree, len(regions))
	for _, r := range regions {
		parent := ""
		if r.ParentCode != nil {
			parent = *r.ParentCode
		}
		t[r.Code] = parent
	}
	return t
}

// Contains reports whether outer is inner or one of its ancestors.
func (t RegionTree) Contains(outer, inner string) bool {
	for code, depth := inner, 0; code != "" && depth < 8; code, depth = t[code], depth+1 {
		if code == outer {
			return true
		}
	}
	return false
}

// CreditPairing is the pairing a sale from origin to a buyer in buyerRegion
// helps: the most specific active pairing whose helper region contains the
// buyer's region and whose partner region contains the origin — a county
// pairing beats a city pairing; among equals the oldest id wins. Nil when
// none matches or the buyer has no region.
func CreditPairing(pairings []PairingView, tree RegionTree, buyerRegion, origin string) *PairingView {
	if buyerRegion == "" {
		return nil
	}
	var best *PairingView
	for i := range pairings {
		p := &pairings[i]
		if !p.Active || !tree.Contains(p.HelperCode, buyerRegion) || !tree.Contains(p.PartnerCode, origin) {
			continue
		}
		if best == nil || specificity(p, tree) > specificity(best, tree) ||
			(specificity(p, tree) == specificity(best, tree) && p.ID < best.ID) {
			best = p
		}
	}
	return best
}

// specificity: deeper regions on both sides are more specific.
func specificity(p *PairingView, tree RegionTree) int {
	return depth(tree, p.HelperCode) + depth(tree, p.PartnerCode)
}

func depth(tree RegionTree, code string) int {
	d := 0
	for c := tree[code]; c != "" && d < 8; c = tree[c] {
		d++
	}
	return d
}

// MaskPhone keeps the first three and last four digits: 138****5678.
func MaskPhone(p string) string {
	if len(p) <= 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// Credit entry sources.
const (
	SourceAcceptance = "acceptance"
	SourceReturn     = "return"
	SourceCorrection = "correction"
)

// Reasons an entry is not credited to a pairing.
const (
	ReasonNoPairing        = "no_pairing"
	ReasonUncertified      = "uncertified"
	ReasonCertExpired      = "certificate_expired"
	ReasonCertRevoked      = "certificate_revoked"
	ReasonNoBuyerRegion    = "no_buyer_region"
	CorrectionMoveOrder    = "move_order"
	CorrectionReverseEntry = "reverse_entry"
)

// NotCreditedReasons in the order statistics list them.
var NotCreditedReasons = []string{ReasonNoPairing, ReasonUncertified, ReasonCertExpired, ReasonCertRevoked, ReasonNoBuyerRegion}

// Credit (认定) is one append-only ledger entry: a received order line
// (positive), an approved return (negative) or a correction's adjustment.
// PairingID is nil when the sale helps no pairing, with Reason saying why.
// Period is the China month YYYYMM the entry counts in. Orders is +1 on the
// entry that counts its order in its attribution, −1 on the correction that
// takes that count back, else 0.
type Credit struct {
	ID           int64  `gorm:"column:id;primaryKey" json:"id"`
	Source       string `gorm:"column:source" json:"source"`
	OrderID      int64  `gorm:"column:order_id" json:"order_id"`
	LineID       int64  `gorm:"column:line_id" json:"line_id"`
	ReturnID     *int64 `gorm:"column:return_id" json:"return_id"`
	CorrectionID *int64 `gorm:"column:correction_id" json:"correction_id"`
	ReversesID   *int64 `gorm:"column:reverses_id" json:"reverses_id"` // the entry this one cancels
	Quantity     int64  `gorm:"column:quantity" json:"quantity"`
	AmountCents  int64  `gorm:"column:amount_cents" json:"amount_cents"`
	PairingID    *int64 `gorm:"column:pairing_id" json:"pairing_id"`
	Reason       string `gorm:"column:reason" json:"reason"`
	Certified    bool   `gorm:"column:certified" json:"certified"` // certificate valid on the credit date
	BuyerOrgID   *int64 `gorm:"column:buyer_org_id" json:"buyer_org_id"`
	OrgChain     string `gorm:"column:org_chain" json:"org_chain"` // "/top/…/org/": the org and its supervisors
	BuyerRegion  string `gorm:"column:buyer_region" json:"buyer_region"`
	Kind         string `gorm:"column:kind" json:"kind"`
	Channel      string `gorm:"column:channel" json:"channel"`
	CategoryCode string `gorm:"column:category_code" json:"category_code"`
	OriginCode   string `gorm:"column:origin_code" json:"origin_code"`
	Period       int    `gorm:"column:period" json:"period"`
	CreditDate   string `gorm:"column:credit_date" json:"credit_date"`
	Orders       int    `gorm:"column:orders" json:"orders"`
	SupplierID   int64  `gorm:"column:supplier_id" json:"supplier_id"` // the producer
	Sector       string `gorm:"column:sector" json:"sector"`           // the buyer org's (五进); "" without an org
	Platform     string `gorm:"column:platform" json:"platform"`       // PlatformMall for orders
	PointType    string `gorm:"column:point_type" json:"point_type"`   // the sales point's type (五专); "" for none
	// CertificateRequired: the programme of the pairing found required a
	// certificate on the credit date (the rule the entry was credited under).
	CertificateRequired bool `gorm:"column:certificate_required" json:"certificate_required"`
	// RecordID is the off-platform record an entry credits (OrderID 0,
	// LineID the record's item); nil for the mall's entries.
	RecordID *int64 `gorm:"column:record_id" json:"record_id"`
	// AdjustsYear is the closed review year this entry corrects, dated in a
	// later month because that year's figures were final (0: none).
	AdjustsYear int       `gorm:"column:adjusts_year" json:"adjusts_year"`
	CreatedAt   time.Time `gorm:"column:created_at" json:"created_at"`
}

func (Credit) TableName() string { return "credits" }

// PlatformMall is the platform of every sale made through shanhai.
const PlatformMall = "mall"

// Credited reports whether the entry counts for a pairing.
func (c *Credit) Credited() bool { return c.PairingID != nil }

// Correction is an admin's fix of the ledger, carried out by adjustment
// entries that point back at it.
type Correction struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	Action    string    `gorm:"column:action" json:"action"` // move_order or reverse_entry
	OrderID   int64     `gorm:"column:order_id" json:"order_id"`
	CreditID  *int64    `gorm:"column:credit_id" json:"credit_id"` // the entry reversed
	FromOrgID *int64    `gorm:"column:from_org_id" json:"from_org_id"`
	ToOrgID   *int64    `gorm:"column:to_org_id" json:"to_org_id"`
	Reason    string    `gorm:"column:reason" json:"reason"`
	ActorID   *int64    `gorm:"column:actor_id" json:"actor_id"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
}

func (Correction) TableName() string { return "corrections" }

// Period is the China month of t as YYYYMM.
func Period(t time.Time) int {
	c := t.In(China)
	return c.Year()*100 + int(c.Month())
}

// YearPeriod is the rollup period holding a whole year: YYYY00.
func YearPeriod(year int) int { return year * 100 }

// OrgChain is the chain written on an entry: "/top/…/org/".
func OrgChain(ids []int64) string {
	var b strings.Builder
	b.WriteString("/")
	for _, id := range ids {
		b.WriteString(strconv.FormatInt(id, 10))
		b.WriteString("/")
	}
	return b.String()
}

// ChainIDs parses an OrgChain back into ids, top first.
func ChainIDs(chain string) []int64 {
	var out []int64
	for _, f := range strings.Split(strings.Trim(chain, "/"), "/") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// RollupPairing is one row of rollup_pairings.
type RollupPairing struct {
	Period    int    `gorm:"column:period;primaryKey"`
	PairingID int64  `gorm:"column:pairing_id;primaryKey"` // 0: not credited
	Reason    string `gorm:"column:reason;primaryKey"`
	Kind      string `gorm:"column:kind;primaryKey"`
	Channel   string `gorm:"column:channel;primaryKey"`
	Cents     int64  `gorm:"column:cents"`
	Orders    int64  `gorm:"column:orders"`
}

func (RollupPairing) TableName() string { return "rollup_pairings" }

// RollupArea is one row of rollup_areas: the pairing figures by buyer
// district and origin county.
type RollupArea struct {
	Period      int    `gorm:"column:period;primaryKey"`
	PairingID   int64  `gorm:"column:pairing_id;primaryKey"`
	Reason      string `gorm:"column:reason;primaryKey"`
	Kind        string `gorm:"column:kind;primaryKey"`
	BuyerRegion string `gorm:"column:buyer_region;primaryKey"`
	OriginCode  string `gorm:"column:origin_code;primaryKey"`
	Cents       int64  `gorm:"column:cents"`
	Orders      int64  `gorm:"column:orders"`
}

func (RollupArea) TableName() string { return "rollup_areas" }

// RollupOrg is one row of rollup_orgs: an org's own purchases and its
// subtree's, all, certified, and credited to a pairing.
type RollupOrg struct {
	Period                int   `gorm:"column:period;primaryKey"`
	OrgID                 int64 `gorm:"column:org_id;primaryKey"`
	Cents                 int64 `gorm:"column:cents"`
	CertifiedCents        int64 `gorm:"column:certified_cents"`
	CreditedCents         int64 `gorm:"column:credited_cents"`
	SubtreeCents          int64 `gorm:"column:subtree_cents"`
	SubtreeCertifiedCents int64 `gorm:"column:subtree_certified_cents"`
	SubtreeCreditedCents  int64 `gorm:"column:subtree_credited_cents"`
}

func (RollupOrg) TableName() string { return "rollup_orgs" }

// RollupSale is one row of rollup_sales: the figures by everything the
// partner side and the channel breakdowns ask about.
type RollupSale struct {
	Period       int    `gorm:"column:period;primaryKey"`
	PairingID    int64  `gorm:"column:pairing_id;primaryKey"`
	Reason       string `gorm:"column:reason;primaryKey"`
	Kind         string `gorm:"column:kind;primaryKey"`
	Channel      string `gorm:"column:channel;primaryKey"`
	Platform     string `gorm:"column:platform;primaryKey"`
	Sector       string `gorm:"column:sector;primaryKey"`
	PointType    string `gorm:"column:point_type;primaryKey"`
	BuyerRegion  string `gorm:"column:buyer_region;primaryKey"`
	OriginCode   string `gorm:"column:origin_code;primaryKey"`
	CategoryCode string `gorm:"column:category_code;primaryKey"`
	SupplierID   int64  `gorm:"column:supplier_id;primaryKey"`
	Cents        int64  `gorm:"column:cents"`
	Orders       int64  `gorm:"column:orders"`
}

func (RollupSale) TableName() string { return "rollup_sales" }

// RollupPlatform is one row of rollup_platforms: the pairing figures split
// into what was sold in the mall and off it, by buyer district and origin
// county — the per-pairing table's online/offline split, read from a table
// far narrower than rollup_sales.
type RollupPlatform struct {
	Period      int    `gorm:"column:period;primaryKey"`
	PairingID   int64  `gorm:"column:pairing_id;primaryKey"`
	Mall        bool   `gorm:"column:mall;primaryKey"`
	BuyerRegion string `gorm:"column:buyer_region;primaryKey"`
	OriginCode  string `gorm:"column:origin_code;primaryKey"`
	Cents       int64  `gorm:"column:cents"`
	Orders      int64  `gorm:"column:orders"`
}

func (RollupPlatform) TableName() string { return "rollup_platforms" }

// RollupFacet is one row of rollup_facets: the sales by one value of one
// breakdown (Facet: FacetOrigin … FacetSector; Code: the value as the
// breakdown lists it, a supplier by its id in decimal) and pairing (0: not
// credited) — the unscoped breakdowns, read from a few rows per value rather
// than from the wide rollup_sales.
type RollupFacet struct {
	Period    int    `gorm:"column:period;primaryKey"`
	Facet     string `gorm:"column:facet;primaryKey"`
	Code      string `gorm:"column:code;primaryKey"`
	PairingID int64  `gorm:"column:pairing_id;primaryKey"`
	Cents     int64  `gorm:"column:cents"`
	Orders    int64  `gorm:"column:orders"`
}

func (RollupFacet) TableName() string { return "rollup_facets" }

// Facets are the rollup_facets rows a rollup_sales row counts in: one per
// breakdown, with its period, pairing, cents and orders.
func (r RollupSale) Facets() [7]RollupFacet {
	var out [7]RollupFacet
	for i, fc := range [7][2]string{{FacetOrigin, r.OriginCode}, {FacetCategory, r.CategoryCode},
		{FacetSupplier, strconv.FormatInt(r.SupplierID, 10)}, {FacetChannel, r.Channel}, {FacetPlatform, r.Platform},
		{FacetPointType, r.PointType}, {FacetSector, r.Sector}} {
		out[i] = RollupFacet{Period: r.Period, Facet: fc[0], Code: fc[1], PairingID: r.PairingID, Cents: r.Cents, Orders: r.Orders}
	}
	return out
}

// RollupOrgPairing is one row of rollup_org_pairings: an org's own
// purchases and its subtree's, per pairing (0: not credited).
type RollupOrgPairing struct {
	Period       int   `gorm:"column:period;primaryKey"`
	OrgID        int64 `gorm:"column:org_id;primaryKey"`
	PairingID    int64 `gorm:"column:pairing_id;primaryKey"`
	Cents        int64 `gorm:"column:cents"`
	SubtreeCents int64 `gorm:"column:subtree_cents"`
}

func (RollupOrgPairing) TableName() string { return "rollup_org_pairings" }

// Rollups are the rollup rows an entry, or a batch of entries, adds: each
// entry counts in its month and in its year (period YYYY00), in the
// pairing table, the area table, the sales table, the platform and facet
// tables, and for its org and every org above it.
type Rollups struct {
	Pairings    map[RollupPairing]RollupPairing // key has the values zeroed
	Areas       map[RollupArea]RollupArea
	Sales       map[RollupSale]RollupSale
	Orgs        map[RollupOrg]RollupOrg
	OrgPairings map[RollupOrgPairing]RollupOrgPairing
	Platforms   map[RollupPlatform]RollupPlatform
	Facets      map[RollupFacet]RollupFacet
}

// NewRollups is an empty set.
func NewRollups() *Rollups {
	return &Rollups{Pairings: map[RollupPairing]RollupPairing{}, Areas: map[RollupArea]RollupArea{},
		Sales: map[RollupSale]RollupSale{}, Orgs: map[RollupOrg]RollupOrg{}, OrgPairings: map[RollupOrgPairing]RollupOrgPairing{},
		Platforms: map[RollupPlatform]RollupPlatform{}, Facets: map[RollupFacet]RollupFacet{}}
}

// Add counts one entry. This is the one definition of what the rollups
// hold: the feed and the rebuild both use it.
func (r *Rollups) Add(e *Credit) {
	var pid int64
	if e.PairingID != nil {
		pid = *e.PairingID
	}
	amt, orders := e.AmountCents, int64(e.Orders)
	var certified, credited int64
	if e.Certified {
		certified = amt
	}
	if e.PairingID != nil {
		credited = amt
	}
	chain := ChainIDs(e.OrgChain)
	if e.BuyerOrgID != nil && len(chain) == 0 {
		chain = []int64{*e.BuyerOrgID}
	}
	for _, period := range []int{e.Period, e.Period / 100 * 100} {
		pk := RollupPairing{Period: period, PairingID: pid, Reason: e.Reason, Kind: e.Kind, Channel: e.Channel}
		p := r.Pairings[pk]
		p.Cents += amt
		p.Orders += orders
		r.Pairings[pk] = p
		ak := RollupArea{Period: period, PairingID: pid, Reason: e.Reason, Kind: e.Kind, BuyerRegion: e.BuyerRegion, OriginCode: e.OriginCode}
		a := r.Areas[ak]
		a.Cents += amt
		a.Orders += orders
		r.Areas[ak] = a
		sk := RollupSale{Period: period, PairingID: pid, Reason: e.Reason, Kind: e.Kind, Channel: e.Channel,
			Platform: e.Platform, Sector: e.Sector, PointType: e.PointType, BuyerRegion: e.BuyerRegion,
			OriginCode: e.OriginCode, CategoryCode: e.CategoryCode, SupplierID: e.SupplierID}
		if r.Sales != nil { // nil: not kept (the rebuild groups the sales rows in SQL)
			sv := r.Sales[sk]
			sv.Cents += amt
			sv.Orders += orders
			r.Sales[sk] = sv
		}
		fk := RollupPlatform{Period: period, PairingID: pid, Mall: e.Platform == PlatformMall, BuyerRegion: e.BuyerRegion,
			OriginCode: e.OriginCode}
		fv := r.Platforms[fk]
		fv.Cents += amt
		fv.Orders += orders
		r.Platforms[fk] = fv
		for _, k := range sk.Facets() {
			v := r.Facets[k]
			v.Cents += amt
			v.Orders += orders
			r.Facets[k] = v
		}
		for _, id := range chain {
			own := e.BuyerOrgID != nil && id == *e.BuyerOrgID // the buyer itself, not a supervisor
			ok := RollupOrg{Period: period, OrgID: id}
			o := r.Orgs[ok]
			if own {
				o.Cents += amt
				o.CertifiedCents += certified
				o.CreditedCents += credited
			}
			o.SubtreeCents += amt
			o.SubtreeCertifiedCents += certified
			o.SubtreeCreditedCents += credited
			r.Orgs[ok] = o
			pk := RollupOrgPairing{Period: period, OrgID: id, PairingID: pid}
			op := r.OrgPairings[pk]
			if own {
				op.Cents += amt
			}
			op.SubtreeCents += amt
			r.OrgPairings[pk] = op
		}
	}
}

// RebuildReport says what a rebuild found.
type RebuildReport struct {
	Entries   int64    // ledger entries counted
	Pending   int64    // entries still waiting for a worker (left to it)
	Rows      int      // rollup rows compared
	Corrected int      // rollup rows that differed and were put right
	Diffs     []string // the first differences, for the operator
}

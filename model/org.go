package model

import "time"

// Org kinds.
const (
	OrgCanteen     = "canteen"
	OrgUnion       = "union"
	OrgGovernment  = "government"
	OrgEnterprise  = "enterprise"
	OrgSupermarket = "supermarket"
	OrgWholesale   = "wholesale"
	OrgCoop        = "coop"
)

// Payment terms and credit kinds.
const (
	TermsPrepay        = "prepay"
	TermsAfterDelivery = "after_delivery"

	CreditDirect   = "direct_purchase"
	CreditAssisted = "assisted_sale"
)

// DefaultCreditKind: supermarkets, wholesale markets and co-ops help sell
// (assisted_sale); every other kind buys directly.
func DefaultCreditKind(kind string) string {
	switch kind {
	case OrgSupermarket, OrgWholesale, OrgCoop:
		return CreditAssisted
	}
	return CreditDirect
}

// Org (单位) is a buying organization in a helper-side region.
type Org struct {
	ID                     int64  `gorm:"column:id;primaryKey" json:"id"`
	Name                   string `gorm:"column:name" json:"name"`
	Kind                   string `gorm:"column:kind" json:"kind"`
	RegionCode             string `gorm:"column:region_code" json:"region_code"`
	ParentID               *int64 `gorm:"column:parent_id" json:"parent_id"`
	PaymentTerms           string `gorm:"column:payment_terms" json:"payment_terms"`
	ApprovalThresholdCents int64  `gorm:"column:approval_threshold_cents" json:"approval_threshold_cents"`
	// SecondApprovalThresholdCents (0 = none): a day total reaching it needs
	// a second approval, by an org_admin.
	SecondApprovalThresholdCents int64     `gorm:"column:second_approval_threshold_cents" json:"second_approval_threshold_cents"`
	CreditKind                   string    `gorm:"column:credit_kind" json:"credit_kind"`
	InvoiceTitle                 string    `gorm:"column:invoice_title" json:"invoice_title"`
	TaxID                        string    `gorm:"column:tax_id" json:"tax_id"`
	Sector                       string    `gorm:"column:sector" json:"sector"` // where its purchases go (五进): one of Sectors
	CreatedAt                    time.Time `gorm:"column:created_at" json:"created_at"`
}

// Sectors are where an org's purchases go (五进): 机关, 学校, 医院, 企业, 社区, other.
var Sectors = []string{"government", "school", "hospital", "enterprise", "community", "other"}

// DefaultSector is an org's sector when its creator names none.
func DefaultSector(kind string) string {
	switch kind {
	case OrgGovernment:
		return "government"
	case OrgEnterprise:
		return "enterprise"
	}
	return "other"
}

func (Org) TableName() string { return "orgs" }

// OrgPatch is a change to an org; nil fields stay. ParentID points at the
// new parent, itself nil for none.
type OrgPatch struct {
	Name, Kind, RegionCode   *string
	ParentID                 **int64
	PaymentTerms, CreditKind *string
	ApprovalThresholdCents   *int64
	InvoiceTitle, TaxID      *string
	SecondApprovalThreshold  *int64 // cents
	Sector                   *string
}

// Sales-point types (五专): 专柜, 专区, 专馆, 专店, 飞柜.
var SalesPointTypes = []string{"counter", "zone", "hall", "store", "remote_counter"}

// SalesPoint is an org's sales point: orders may name one, and the credit
// entries of their sales carry its type.
type SalesPoint struct {
	ID         int64     `gorm:"column:id;primaryKey" json:"id"`
	OrgID      int64     `gorm:"column:org_id" json:"org_id"`
	Type       string    `gorm:"column:type" json:"type"`
	Name       string    `gorm:"column:name" json:"name"`
	RegionCode string    `gorm:"column:region_code" json:"region_code"`
	CreatedAt  time.Time `gorm:"column:created_at" json:"created_at"`
}

func (SalesPoint) TableName() string { return "sales_points" }

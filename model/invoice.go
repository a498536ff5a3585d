package model

import "time"

// What holds an invoice's claim.
const (
	ClaimRecord      = "record"       // an off-platform sales record
	ClaimMallInvoice = "mall_invoice" // an invoice a supplier recorded against mall orders
)

// InvoiceClaim is the one claim an invoice may have: an invoice is
// identified by its issuer's credit code, its code (empty for 数电 invoices)
// and its number, and is counted toward the figures once. The unique key on
// the identity, not a read before the write, is what lets exactly one of two
// racing claims win on every replica. A claim outlives a revoked holder.
type InvoiceClaim struct {
	ID          int64     `gorm:"primaryKey"`
	IssuerCode  string    `gorm:"column:issuer_code"`  // 统一社会信用代码 of the issuer, 18 characters
	InvoiceCode string    `gorm:"column:invoice_code"` // 10 or 12 digits; empty for a 20-digit 数电 number
	Number      string    `gorm:"column:number"`
	OrgID       int64     `gorm:"column:org_id"` // the buying org that claimed it
	HolderKind  string    `gorm:"column:holder_kind"`
	HolderID    int64     `gorm:"column:holder_id"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

func (InvoiceClaim) TableName() string { return "invoice_claims" }

// InvoiceProfile is what an org's invoices are made out to (开票信息); its
// org_admin keeps it, and each order copies it when placed so the supplier
// invoices what the buyer asked for then.
type InvoiceProfile struct {
	OrgID     int64     `gorm:"column:org_id;primaryKey"`
	Title     string    `gorm:"column:title"`  // 抬头
	TaxID     string    `gorm:"column:tax_id"` // 税号, an 18-character credit code
	Address   string    `gorm:"column:address"`
	Phone     string    `gorm:"column:phone"`
	Bank      string    `gorm:"column:bank"`
	Account   string    `gorm:"column:account"`
	UpdatedAt time.Time `gorm:"column:updated_at"`
}

func (InvoiceProfile) TableName() string { return "invoice_profiles" }

// Mall invoice types (专票, 普票) and media (paper, electronic, 数电).
const (
	InvoiceSpecial  = "special"  // 增值税专用发票
	InvoiceOrdinary = "ordinary" // 普通发票

	MediumPaper      = "paper"
	MediumElectronic = "electronic"
	MediumDigital    = "digital" // 数电: a 20-digit number, no code
)

// MallInvoice is an invoice a supplier issued to an org for mall orders,
// allocated across them. A red invoice (红字) has a negative amount and
// names the one it corrects; RedCents sums the reds of a blue invoice (≤ 0,
// never past its amount).
type MallInvoice struct {
	ID             int64               `gorm:"column:id;primaryKey"`
	SupplierID     int64               `gorm:"column:supplier_id"`
	OrgID          int64               `gorm:"column:org_id"`
	Type           string              `gorm:"column:type"`
	Medium         string              `gorm:"column:medium"`
	IssuerCode     string              `gorm:"column:issuer_code"`
	InvoiceCode    string              `gorm:"column:invoice_code"`
	Number         string              `gorm:"column:number"`
	IssueDate      string              `gorm:"column:issue_date"`   // China date
	AmountCents    int64               `gorm:"column:amount_cents"` // tax included; negative for a red invoice
	AllocatedCents int64               `gorm:"column:allocated_cents"`
	RedCents       int64               `gorm:"column:red_cents"`
	OriginalID     *int64              `gorm:"column:original_id"`
	ScanHash       *string             `gorm:"column:scan_hash"` // a private blob
	ScanType       string              `gorm:"column:scan_type"`
	Note           string              `gorm:"column:note"`
	CreatedBy      int64               `gorm:"column:created_by"`
	CreatedAt      time.Time           `gorm:"column:created_at"`
	SupplierName   string              `gorm:"-"`
	OrgName        string              `gorm:"-"`
	Allocations    []InvoiceAllocation `gorm:"-"`
}

func (MallInvoice) TableName() string { return "mall_invoices" }

// InvoiceAllocation is the part of an invoice that covers one order.
type InvoiceAllocation struct {
	InvoiceID   int64 `gorm:"column:invoice_id;primaryKey"`
	OrderID     int64 `gorm:"column:order_id;primaryKey"`
	AmountCents int64 `gorm:"column:amount_cents"`
}

func (InvoiceAllocation) TableName() string { return "invoice_allocations" }

// InvoiceFilter narrows an invoice list: one org's, one supplier's, or
// those allocated to one order.
type InvoiceFilter struct {
	OrgID, SupplierID, OrderID int64
}

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

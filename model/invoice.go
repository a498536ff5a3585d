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

// Statement sides' answers.
const (
	StatementOpen      = "open"
	StatementConfirmed = "confirmed"
	StatementDisputed  = "disputed"
)

// Statement (对账单) is what an org and a supplier settle for one China
// month: the orders accepted in it and what they received, returns approved
// in it, payments and refunds settled in it, what that leaves due, what the
// supplier's invoices dated in it allocated (tax included), and the
// difference received − returned − invoiced. Frozen when first computed
// after the month ended; each side then confirms or disputes it.
type Statement struct {
	ID              int64            `gorm:"column:id;primaryKey"`
	OrgID           int64            `gorm:"column:org_id"`
	SupplierID      int64            `gorm:"column:supplier_id"`
	Month           string           `gorm:"column:month"` // YYYY-MM
	OrdersCount     int              `gorm:"column:orders_count"`
	ReceivedCents   int64            `gorm:"column:received_cents"`
	ReturnedCents   int64            `gorm:"column:returned_cents"`
	PaidCents       int64            `gorm:"column:paid_cents"`
	RefundedCents   int64            `gorm:"column:refunded_cents"`
	DueCents        int64            `gorm:"column:due_cents"`
	InvoicedCents   int64            `gorm:"column:invoiced_cents"`
	DifferenceCents int64            `gorm:"column:difference_cents"`
	OrgStatus       string           `gorm:"column:org_status"`
	OrgNote         string           `gorm:"column:org_note"`
	OrgBy           *int64           `gorm:"column:org_by"`
	OrgAt           *time.Time       `gorm:"column:org_at"`
	SupplierStatus  string           `gorm:"column:supplier_status"`
	SupplierNote    string           `gorm:"column:supplier_note"`
	SupplierBy      *int64           `gorm:"column:supplier_by"`
	SupplierAt      *time.Time       `gorm:"column:supplier_at"`
	CreatedAt       time.Time        `gorm:"column:created_at"`
	OrgName         string           `gorm:"-"`
	SupplierName    string           `gorm:"-"`
	Orders          []StatementOrder `gorm:"-"`
}

func (Statement) TableName() string { return "statements" }

// Status is the statement's state for both sides: disputed if either
// disputes, confirmed once both confirm, else open.
func (s *Statement) Status() string {
	switch {
	case s.OrgStatus == StatementDisputed || s.SupplierStatus == StatementDisputed:
		return StatementDisputed
	case s.OrgStatus == StatementConfirmed && s.SupplierStatus == StatementConfirmed:
		return StatementConfirmed
	}
	return StatementOpen
}

// StatementOrder is an order a statement covers, as it stood when frozen.
type StatementOrder struct {
	StatementID   int64     `gorm:"column:statement_id;primaryKey"`
	OrderID       int64     `gorm:"column:order_id;primaryKey"`
	AcceptedAt    time.Time `gorm:"column:accepted_at"`
	TotalCents    int64     `gorm:"column:total_cents"`
	ReceivedCents int64     `gorm:"column:received_cents"`
}

func (StatementOrder) TableName() string { return "statement_orders" }

// StatementAnswer is one side confirming or disputing a statement.
type StatementAnswer struct {
	Side   string // "org" or "supplier"
	Status string // StatementConfirmed or StatementDisputed
	Note   string
	By     int64
	At     time.Time
}

// OrderLineRow is one line of an org's purchase history (no consumer's
// personal data): the order, its supplier, dates, amounts and what the
// credit ledger made of it.
type OrderLineRow struct {
	OrderID          int64      `gorm:"column:order_id"`
	Status           string     `gorm:"column:status"`
	CreatedAt        time.Time  `gorm:"column:created_at"`
	AcceptedAt       *time.Time `gorm:"column:accepted_at"`
	SupplierName     string     `gorm:"column:supplier_name"`
	ProductName      string     `gorm:"column:product_name"`
	Spec             string     `gorm:"column:spec"`
	Unit             string     `gorm:"column:unit"`
	Quantity         int64      `gorm:"column:quantity"`
	UnitPriceCents   int64      `gorm:"column:unit_price_cents"`
	AmountCents      int64      `gorm:"column:amount_cents"`
	ReceivedQty      *int64     `gorm:"column:received_qty"`
	ReturnedQty      int64      `gorm:"column:returned_qty"`
	OriginCode       string     `gorm:"column:origin_code"`
	CreditedCents    int64      `gorm:"column:credited_cents"`
	NotCreditedCents int64      `gorm:"column:not_credited_cents"`
	PairingID        *int64     `gorm:"column:pairing_id"`
	Reason           string     `gorm:"column:reason"`
}

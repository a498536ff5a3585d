package model

import "time"

// Order statuses.
const (
	OrderPendingApproval  = "pending_approval"
	OrderPendingPayment   = "pending_payment"
	OrderAwaitingShipment = "awaiting_shipment"
	OrderShipped          = "shipped"
	OrderAccepted         = "accepted"
	OrderSettled          = "settled"
	OrderCancelled        = "cancelled"
)

// OpenStatuses hold reserved stock.
var OpenStatuses = []string{OrderPendingApproval, OrderPendingPayment, OrderAwaitingShipment}

// ChannelApp is the channel of consumer orders; org orders take the org's kind.
const ChannelApp = "app"

// Order is one buyer's order from one supplier. Money is in cents:
// TotalCents is what was ordered; after acceptance, ReceivedCents is what
// was received; ReturnedCents what approved returns took back; PaidCents and
// RefundedCents follow the payment records.
type Order struct {
	ID             int64      `gorm:"column:id;primaryKey"`
	CheckoutID     string     `gorm:"column:checkout_id"`
	UserID         int64      `gorm:"column:user_id"`
	OrgID          *int64     `gorm:"column:org_id"`
	SupplierID     int64      `gorm:"column:supplier_id"`
	SupplierName   string     `gorm:"column:supplier_name"`  // as when placed
	OrgName        string     `gorm:"column:org_name"`       // the buyer org's, as when placed; "" for a consumer
	SalesPointID   *int64     `gorm:"column:sales_point_id"` // the buyer org's sales point (五专) the goods are for, if any
	Channel        string     `gorm:"column:channel"`
	PaymentTerms   string     `gorm:"column:payment_terms"`
	Status         string     `gorm:"column:status"`
	TotalCents     int64      `gorm:"column:total_cents"`
	ReceivedCents  int64      `gorm:"column:received_cents"`
	ReturnedCents  int64      `gorm:"column:returned_cents"`
	PaidCents      int64      `gorm:"column:paid_cents"`
	RefundedCents  int64      `gorm:"column:refunded_cents"`
	DeliveryDate   string     `gorm:"column:delivery_date"`
	Address        string     `gorm:"column:address"`
	Phone          string     `gorm:"column:phone"`
	Note           string     `gorm:"column:note"`
	Carrier        string     `gorm:"column:carrier"`
	TrackingNo     string     `gorm:"column:tracking_no"`
	InvoiceNo      string     `gorm:"column:invoice_no"`
	InspectionNote string     `gorm:"column:inspection_note"`
	CancelReason   string     `gorm:"column:cancel_reason"`
	DeadlineAt     *time.Time `gorm:"column:deadline_at"` // when the current state times out, if it does
	CreatedAt      time.Time  `gorm:"column:created_at"`
	UpdatedAt      time.Time  `gorm:"column:updated_at"`
	ShippedAt      *time.Time `gorm:"column:shipped_at"`
	AcceptedAt     *time.Time `gorm:"column:accepted_at"`
	// ApprovalLevel is how many approvals the order needed when placed: 0,
	// 1 (the org's day total reached its threshold) or 2 (its second one).
	ApprovalLevel   int    `gorm:"column:approval_level"`
	FirstApproverID *int64 `gorm:"column:first_approver_id"` // who gave the first of two approvals
	// The buyer org's invoice profile as when placed, for the supplier.
	InvoiceTitle   string      `gorm:"column:invoice_title"`
	InvoiceTaxID   string      `gorm:"column:invoice_tax_id"`
	InvoiceAddress string      `gorm:"column:invoice_address"`
	InvoicePhone   string      `gorm:"column:invoice_phone"`
	InvoiceBank    string      `gorm:"column:invoice_bank"`
	InvoiceAccount string      `gorm:"column:invoice_account"`
	InvoicedCents  int64       `gorm:"column:invoiced_cents"` // allocated invoices, tax included
	Lines          []OrderLine `gorm:"-"`
}

func (Order) TableName() string { return "orders" }

// AmountDueCents is what an after-delivery buyer still owes: what it
// received, less approved returns, less what it paid.
func (o *Order) AmountDueCents() int64 {
	due := o.ReceivedCents - o.ReturnedCents - (o.PaidCents - o.RefundedCents)
	if due < 0 {
		return 0
	}
	return due
}

// DueCents is what the buyer owes on the order now, as shown with it: a
// pending-payment order its total less what it paid net of refunds, an
// accepted one AmountDueCents; any other nothing.
func (o *Order) DueCents() int64 {
	switch o.Status {
	case OrderPendingPayment:
		return o.TotalCents - (o.PaidCents - o.RefundedCents)
	case OrderAccepted:
		return o.AmountDueCents()
	}
	return 0
}

// OrderPatch is what one order transition writes: always the new Status,
// and each other field only when set (a nil pointer leaves the column as it
// is). The store turns it into columns.
type OrderPatch struct {
	Status string
	// SetDeadline writes DeadlineAt, the new state's deadline (nil: none).
	SetDeadline    bool
	DeadlineAt     *time.Time
	CancelReason   *string
	Carrier        *string
	TrackingNo     *string
	InvoiceNo      *string
	ShippedAt      *time.Time
	AcceptedAt     *time.Time
	ReceivedCents  *int64
	InspectionNote *string
}

// OrderMoney are changes of an order's money counters, in cents: the store
// adds each non-zero one in SQL, never writing back a sum made in Go.
type OrderMoney struct {
	PaidCents, RefundedCents, ReturnedCents int64
}

// OrderLine is one SKU of an order with its price snapshot and what the
// credit needs later (origin county, category) and a preview of the pairing.
type OrderLine struct {
	ID             int64  `gorm:"column:id;primaryKey"`
	OrderID        int64  `gorm:"column:order_id"`
	SKUID          int64  `gorm:"column:sku_id"`
	ProductID      int64  `gorm:"column:product_id"`
	ProductName    string `gorm:"column:product_name"`
	Spec           string `gorm:"column:spec"`
	Unit           string `gorm:"column:unit"`
	Quantity       int64  `gorm:"column:quantity"`
	UnitPriceCents int64  `gorm:"column:unit_price_cents"`
	AmountCents    int64  `gorm:"column:amount_cents"`
	ReceivedQty    *int64 `gorm:"column:received_qty"` // set at acceptance
	ReturnedQty    int64  `gorm:"column:returned_qty"` // approved returns
	HeldQty        int64  `gorm:"column:held_qty"`     // units of requested and approved returns
	OriginCode     string `gorm:"column:origin_code"`
	CategoryCode   string `gorm:"column:category_code"`
	Perishable     bool   `gorm:"column:perishable"`
	PairingID      *int64 `gorm:"column:pairing_id"` // preview at placement; the ledger decides
}

func (OrderLine) TableName() string { return "order_lines" }

// OrderEvent is one step of an order's history.
type OrderEvent struct {
	ID        int64     `gorm:"column:id;primaryKey"`
	OrderID   int64     `gorm:"column:order_id"`
	ActorID   *int64    `gorm:"column:actor_id"` // nil: the system (timeouts, callbacks)
	Action    string    `gorm:"column:action"`
	FromState string    `gorm:"column:from_state"`
	ToState   string    `gorm:"column:to_state"`
	Note      string    `gorm:"column:note"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (OrderEvent) TableName() string { return "order_events" }

// Payment kinds and statuses.
const (
	PaymentCharge = "charge"
	PaymentRefund = "refund"

	PaymentPending   = "pending"
	PaymentSucceeded = "succeeded"
	PaymentFailed    = "failed"
)

// Payment is a charge or a refund of an order through a provider.
type Payment struct {
	ID          int64      `gorm:"column:id;primaryKey"`
	OrderID     int64      `gorm:"column:order_id"`
	Kind        string     `gorm:"column:kind"`
	AmountCents int64      `gorm:"column:amount_cents"`
	Status      string     `gorm:"column:status"`
	Provider    string     `gorm:"column:provider"`
	ProviderRef string     `gorm:"column:provider_ref"`
	CreatedAt   time.Time  `gorm:"column:created_at"`
	SettledAt   *time.Time `gorm:"column:settled_at"`
}

func (Payment) TableName() string { return "payments" }

// Return request statuses and reasons.
const (
	ReturnRequested = "requested"
	ReturnApproved  = "approved"
	ReturnRejected  = "rejected"

	ReasonNoReason = "no_reason" // 七天无理由: refused for perishable goods
)

// ReturnReasons are the reasons a buyer may give.
var ReturnReasons = []string{"quality", "damaged", "wrong_item", "short_shipment", "expired", ReasonNoReason}

// Return is a buyer's request to return goods of an accepted order.
type Return struct {
	ID           int64        `gorm:"column:id;primaryKey"`
	OrderID      int64        `gorm:"column:order_id"`
	Status       string       `gorm:"column:status"`
	Reason       string       `gorm:"column:reason"`
	Note         string       `gorm:"column:note"`
	AmountCents  int64        `gorm:"column:amount_cents"`
	RequestedBy  int64        `gorm:"column:requested_by"`
	DecidedBy    *int64       `gorm:"column:decided_by"` // nil when auto-approved
	DecisionNote string       `gorm:"column:decision_note"`
	DeadlineAt   time.Time    `gorm:"column:deadline_at"` // auto-approval
	CreatedAt    time.Time    `gorm:"column:created_at"`
	DecidedAt    *time.Time   `gorm:"column:decided_at"`
	Lines        []ReturnLine `gorm:"-"`
}

func (Return) TableName() string { return "returns" }

// ReturnDecision is what deciding a return writes. DecidedBy is nil when
// the return was approved automatically.
type ReturnDecision struct {
	Status       string // approved or rejected
	DecisionNote string
	DecidedAt    time.Time
	DecidedBy    *int64
}

// ReturnLine is a quantity of one order line to return.
type ReturnLine struct {
	ReturnID    int64 `gorm:"column:return_id;primaryKey"`
	LineID      int64 `gorm:"column:line_id;primaryKey"`
	Quantity    int64 `gorm:"column:quantity"`
	AmountCents int64 `gorm:"column:amount_cents"`
}

func (ReturnLine) TableName() string { return "return_lines" }

// CartItem is one SKU in a user's cart.
type CartItem struct {
	UserID   int64 `gorm:"column:user_id;primaryKey"`
	SKUID    int64 `gorm:"column:sku_id;primaryKey"`
	Quantity int64 `gorm:"column:quantity"`
}

func (CartItem) TableName() string { return "cart_items" }

// Idempotency key states.
const (
	IdemRunning = "running"
	IdemDone    = "done"
)

// IdempotencyKey remembers an operation and its result for 24 hours, per
// user. The result is opaque: whoever ran the operation encoded it (a
// response body for the API), and a retry gets it back byte for byte.
type IdempotencyKey struct {
	UserID      int64  `gorm:"column:user_id;primaryKey"`
	Key         string `gorm:"column:idem_key;primaryKey"` // compared byte for byte
	Scope       string `gorm:"column:scope"`               // the operation, e.g. "order.place"
	RequestHash string `gorm:"column:request_hash"`
	Status      string `gorm:"column:status"`
	Result      []byte `gorm:"column:body"`
	// Unused: an HTTP status was stored here before results became opaque
	// (the API picks the status per route). Kept, zero, so the column maps.
	LegacyStatusCode int       `gorm:"column:status_code"`
	CreatedAt        time.Time `gorm:"column:created_at"`
}

func (IdempotencyKey) TableName() string { return "idempotency_keys" }

// OrderFilter narrows an order list. The service fills the visibility part.
type OrderFilter struct {
	UserID     int64 // the caller's own orders (consumers)
	OrgID      int64 // an org's orders (its buyer side)
	SupplierID int64 // a supplier's orders
	Status     string
	From, To   *time.Time // created_at window, [From, To)
}

// StockChange is a quantity of one SKU (of one product, so caches can drop
// the product's page).
type StockChange struct {
	SKUID     int64
	ProductID int64
	Quantity  int64
	Version   int64 // Reserve: the SKU version the order was priced at
}

// Sellable is a SKU as ordering sees it: price, tiers, stock, and what the
// line snapshots from its product and supplier.
type Sellable struct {
	SKU
	ProductName    string
	SupplierID     int64
	SupplierName   string
	OnSale         bool
	OriginCode     string
	CategoryCode   string
	Perishable     bool
	SupplierStatus string
}

// Hold is what one buyer (stock.Holder) holds of a SKU in open, unshipped
// orders: AddHolds takes Units to add and answers the new Units and the
// SKU's OnHand.
type Hold struct {
	UserID        int64 // the placing user (a consumer: its own buyer)
	Holder        string
	SKUID         int64
	Units, OnHand int64
}

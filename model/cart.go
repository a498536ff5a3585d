package model

// CartLine is one cart item with what a client draws for it: its SKU,
// product, supplier and first image as they are now. Found is false when
// the SKU no longer exists.
type CartLine struct {
	CartItem
	Found          bool
	ProductID      int64
	ProductName    string
	Spec, Unit     string
	PriceCents     int64
	OnHand         int64
	Reserved       int64
	PurchaseLimit  int64
	OnSale         bool
	SupplierID     int64
	SupplierName   string
	SupplierStatus string
	ThumbHash      string
	Tiers          []Tier
}

// Available is what can still be ordered of the line's SKU.
func (l CartLine) Available() int64 { return max(0, l.OnHand-l.Reserved) }

// UnitPrice is the price per unit for the line's quantity, tiers applied.
func (l CartLine) UnitPrice() int64 {
	return SKU{PriceCents: l.PriceCents, Tiers: l.Tiers}.UnitPrice(l.Quantity)
}

// ReturnView is a return as after-sales lists show it: with its order's
// supplier and buyer org names, and each line's product name and spec.
type ReturnView struct {
	Return
	SupplierID   int64
	SupplierName string
	OrgID        *int64
	OrgName      string
	LineViews    []ReturnLineView
}

// ReturnLineView is a returned line with what its order line sold.
type ReturnLineView struct {
	ReturnLine
	ProductName, Spec, Unit string
}

// ReturnFilter selects returns by their order's buyer or supplier (zero
// values: no filter) and by status.
type ReturnFilter struct {
	UserID     int64 // a consumer's own (orders without an org)
	OrgID      int64
	SupplierID int64
	Status     string
}

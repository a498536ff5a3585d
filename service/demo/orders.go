package demo

import (
	"context"
	"fmt"
	"time"

	"shanhai/model"
	"shanhai/service/order"
)

// Mall is the order service; *order.Service satisfies it. The demo's
// orders go through it, so stock, payments, history and the credit ledger
// are exactly what a buyer clicking through the API would produce.
type Mall interface {
	Place(ctx context.Context, actor *model.User, key string, in order.PlaceInput, render order.Render) ([]byte, error)
	Approve(ctx context.Context, actor *model.User, id int64, note string) (*model.Order, error)
	Pay(ctx context.Context, actor *model.User, id int64, key string, in order.PayInput, render order.RenderPaid) ([]byte, error)
	Ship(ctx context.Context, actor *model.User, id int64, in order.ShipInput) (*model.Order, error)
	Accept(ctx context.Context, actor *model.User, id int64, received []order.Received, note string) (*model.Order, error)
	RequestReturn(ctx context.Context, actor *model.User, id int64, in order.ReturnInput) (*model.Return, error)
	ApproveReturn(ctx context.Context, actor *model.User, returnID int64, note string) (*model.Return, error)
}

// Rollups feeds the statistics from the credit ledger; *credit.Ledger
// satisfies it.
type Rollups interface {
	Drain(ctx context.Context) (int, error)
}

// TradeStore is what the demo's trade reads and writes; *store.Store
// satisfies it.
type TradeStore interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	UserByUsername(ctx context.Context, username string) (*model.User, error)
	Orgs(ctx context.Context, parentID int64, page, size int) (model.Page[model.Org], error)
	Pairings(ctx context.Context) ([]model.PairingView, error)
	Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error)
	Product(ctx context.Context, id int64) (*model.ProductDetail, error)
	Order(ctx context.Context, id int64) (*model.Order, error)
	SetTarget(ctx context.Context, t model.Target) error
	CreateFiling(ctx context.Context, f *model.Filing) error
}

// Orders gives freshly loaded demo data its first day of trade, so the
// statistics show figures: this year's pairing targets, the buyers'
// reserved-share filings, and the orders of orderdata.go placed, paid,
// shipped, accepted (some short) and returned through the order service,
// each left in the state its row says. It reports how many orders it placed.
//
// Call it once, right after a Load that reported true: it is not idempotent
// (Load is, and only one replica's Load reports true). Everything runs in one
// transaction, so a failure leaves no half-finished trade behind. The orders
// are dated by the order service's clock; now gives the year of the targets
// and filings. The rollups are fed before it returns, so the statistics are
// ready at once.
func Orders(ctx context.Context, st TradeStore, mall Mall, rollups Rollups, now time.Time) (int, error) {
	err := st.InTx(ctx, func(ctx context.Context) error {
		t, err := newTrader(ctx, st, mall, now)
		if err != nil {
			return err
		}
		if err := t.setTargets(ctx); err != nil {
			return err
		}
		if err := t.file(ctx); err != nil {
			return err
		}
		for i, r := range orders {
			if err := t.run(ctx, i+1, r); err != nil {
				return fmt.Errorf("order %d of %s: %w", i+1, r.buyer, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("demo orders: %w", err)
	}
	if _, err := rollups.Drain(ctx); err != nil {
		return len(orders), fmt.Errorf("demo orders: statistics rollups: %w", err)
	}
	return len(orders), nil
}

// trader runs the tables of orderdata.go against the loaded demo data.
type trader struct {
	st   TradeStore
	mall Mall
	now  time.Time

	users     map[string]*model.User // every demo account, by username
	orgs      map[string]*model.Org  // by name
	approvers map[int64]*model.User  // org id → its demo approver
	admins    map[int64]*model.User  // org id → its demo org_admin
	suppliers map[int64]*model.User  // supplier id → its demo account
	products  map[string]int64       // on-sale product name → id
	skus      map[string]int64       // product name + "|" + spec → SKU id; name + "|" → the first SKU
}

func newTrader(ctx context.Context, st TradeStore, mall Mall, now time.Time) (*trader, error) {
	t := &trader{st: st, mall: mall, now: now, users: map[string]*model.User{}, orgs: map[string]*model.Org{},
		approvers: map[int64]*model.User{}, admins: map[int64]*model.User{}, suppliers: map[int64]*model.User{},
		products: map[string]int64{}, skus: map[string]int64{}}
	for _, r := range users {
		u, err := st.UserByUsername(ctx, r.username)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", r.username, err)
		}
		t.users[r.username] = u
		switch {
		case u.Role == model.RoleApprover && u.OrgID != nil:
			t.approvers[*u.OrgID] = u
		case u.Role == model.RoleOrgAdmin && u.OrgID != nil:
			t.admins[*u.OrgID] = u
		case u.Role == model.RoleSupplier && u.SupplierID != nil:
			t.suppliers[*u.SupplierID] = u
		}
	}
	page, err := st.Orgs(ctx, 0, 1, 100)
	if err != nil {
		return nil, err
	}
	for i := range page.Items {
		t.orgs[page.Items[i].Name] = &page.Items[i]
	}
	// The demo has fewer products than a page holds.
	list, err := st.Products(ctx, model.ProductQuery{Page: 1, PageSize: 200, Today: model.DateOf(now)})
	if err != nil {
		return nil, err
	}
	if int64(len(list.Items)) != list.Total {
		return nil, fmt.Errorf("the catalogue lists %d of %d products", len(list.Items), list.Total)
	}
	for _, p := range list.Items {
		t.products[p.Name] = p.ID
	}
	return t, nil
}

// setTargets sets this year's target of every pairing in the table.
func (t *trader) setTargets(ctx context.Context) error {
	pairings, err := t.st.Pairings(ctx)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, p := range pairings {
		ids[p.HelperCode+">"+p.PartnerCode] = p.ID
	}
	year := t.now.In(model.China).Year()
	for _, r := range targets {
		id, ok := ids[r.helper+">"+r.partner]
		if !ok {
			return fmt.Errorf("target: no pairing %s→%s", r.helper, r.partner)
		}
		if err := t.st.SetTarget(ctx, model.Target{PairingID: id, Year: year, TargetCents: r.yuan * 100}); err != nil {
			return fmt.Errorf("target %s→%s: %w", r.helper, r.partner, err)
		}
	}
	return nil
}

// file writes this year's filings; a reviewed one names the supervising
// org's org_admin as its reviewer.
func (t *trader) file(ctx context.Context) error {
	at := t.now.UTC()
	for _, r := range filings {
		o, ok := t.orgs[r.org]
		if !ok {
			return fmt.Errorf("filing: unknown org %q", r.org)
		}
		f := &model.Filing{OrgID: o.ID, Year: t.now.In(model.China).Year(), CanteenStatus: r.canteenStatus,
			FoodBudgetCents: r.budgetYuan * 100, ReservedRatioBP: r.ratioBP, Status: r.status}
		if r.status != model.FilingDraft {
			f.SubmittedAt = &at
		}
		if r.status == model.FilingApproved {
			var reviewer *model.User
			if o.ParentID != nil {
				reviewer = t.admins[*o.ParentID]
			}
			if reviewer == nil {
				return fmt.Errorf("filing of %s: approved, but its supervising org has no demo org_admin", r.org)
			}
			f.ReviewedBy, f.ReviewedAt, f.ReviewComment = &reviewer.ID, &at, "同意备案"
		}
		if err := t.st.CreateFiling(ctx, f); err != nil {
			return fmt.Errorf("filing of %s: %w", r.org, err)
		}
	}
	return nil
}

// sku is the SKU of product with spec ("" for the product's first).
func (t *trader) sku(ctx context.Context, product, spec string) (int64, error) {
	if id, ok := t.skus[product+"|"+spec]; ok {
		return id, nil
	}
	pid, ok := t.products[product]
	if !ok {
		return 0, fmt.Errorf("no product %q on sale", product)
	}
	d, err := t.st.Product(ctx, pid)
	if err != nil {
		return 0, err
	}
	if len(d.SKUs) == 0 {
		return 0, fmt.Errorf("product %q has no SKU", product)
	}
	t.skus[product+"|"] = d.SKUs[0].ID
	for _, k := range d.SKUs {
		t.skus[product+"|"+k.Spec] = k.ID
	}
	id, ok := t.skus[product+"|"+spec]
	if !ok {
		return 0, fmt.Errorf("product %q has no SKU %q", product, spec)
	}
	return id, nil
}

// lineOf is the first line of o for product with spec ("" for any spec).
func lineOf(o *model.Order, product, spec string) (*model.OrderLine, error) {
	for i, l := range o.Lines {
		if l.ProductName == product && (spec == "" || l.Spec == spec) {
			return &o.Lines[i], nil
		}
	}
	return nil, fmt.Errorf("order %d has no line of %s %s", o.ID, product, spec)
}

func empty(*order.Placed) ([]byte, error) { return []byte("{}"), nil }

// run places order n of the table and takes it, one transition at a time,
// to the status the row asks for.
func (t *trader) run(ctx context.Context, n int, r orderRow) error {
	buyer, ok := t.users[r.buyer]
	if !ok {
		return fmt.Errorf("unknown buyer %q", r.buyer)
	}
	in := order.PlaceInput{Delivery: order.Delivery{Address: buyers[r.buyer].address, Phone: buyers[r.buyer].phone}}
	for _, it := range r.items {
		id, err := t.sku(ctx, it.product, it.spec)
		if err != nil {
			return err
		}
		in.Lines = append(in.Lines, order.LineInput{SKUID: id, Quantity: it.qty})
	}
	key := fmt.Sprintf("demo-order-%d", n)
	var o *model.Order
	if _, err := t.mall.Place(ctx, buyer, key, in, func(p *order.Placed) ([]byte, error) {
		o = p.Orders[0] // one supplier per row: one order
		return empty(p)
	}); err != nil {
		return err
	}
	for step := 0; o.Status != r.to; step++ {
		if step == 6 {
			return fmt.Errorf("order %d is %s, want %s", o.ID, o.Status, r.to)
		}
		var err error
		switch o.Status {
		case model.OrderPendingApproval:
			approver := t.approvers[*o.OrgID]
			if approver == nil { // the day's total reached the threshold: its org_admin approves
				approver = t.admins[*o.OrgID]
			}
			if approver == nil {
				return fmt.Errorf("order %d needs approval, and its org has no demo approver", o.ID)
			}
			o, err = t.mall.Approve(ctx, approver, o.ID, "")
		case model.OrderPendingPayment, model.OrderAccepted: // prepay, or the amount due after delivery
			o, err = t.pay(ctx, buyer, o, key+"-pay-"+o.Status)
		case model.OrderAwaitingShipment:
			// Suppliers without a demo account ship through the system:
			// the history shows no actor for them.
			o, err = t.mall.Ship(ctx, t.suppliers[o.SupplierID], o.ID, shipment(n, o))
		case model.OrderShipped:
			o, err = t.accept(ctx, buyer, o, r)
		default:
			return fmt.Errorf("order %d is %s, want %s", o.ID, o.Status, r.to)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *trader) pay(ctx context.Context, buyer *model.User, o *model.Order, key string) (*model.Order, error) {
	var out *model.Order
	_, err := t.mall.Pay(ctx, buyer, o.ID, key, order.PayInput{}, func(p *order.Paid) ([]byte, error) {
		out = p.Order
		return []byte("{}"), nil
	})
	return out, err
}

// shipment is how order n travels: cold chain for perishables, an invoice
// for org orders.
func shipment(n int, o *model.Order) order.ShipInput {
	in := order.ShipInput{Carrier: "中通快递", TrackingNo: fmt.Sprintf("ZT7%011d", 31_000_000+n*7919)}
	for _, l := range o.Lines {
		if l.Perishable {
			in.Carrier, in.TrackingNo = "顺丰冷运", fmt.Sprintf("SF1%011d", 52_000_000+n*7919)
			break
		}
	}
	if o.OrgID != nil {
		in.InvoiceNo = fmt.Sprintf("2433%04d%012d", o.SupplierID, n) // 20 digits, like a 数电票 number
	}
	return in
}

// accept records what arrived, then asks for the row's return, which the
// supplier approves.
func (t *trader) accept(ctx context.Context, buyer *model.User, o *model.Order, r orderRow) (*model.Order, error) {
	var received []order.Received
	for _, s := range r.short {
		l, err := lineOf(o, s.product, s.spec)
		if err != nil {
			return nil, err
		}
		received = append(received, order.Received{LineID: l.ID, Quantity: s.received})
	}
	o, err := t.mall.Accept(ctx, buyer, o.ID, received, r.note)
	if err != nil || r.ret == nil {
		return o, err
	}
	l, err := lineOf(o, r.ret.product, "")
	if err != nil {
		return nil, err
	}
	ret, err := t.mall.RequestReturn(ctx, buyer, o.ID, order.ReturnInput{Reason: r.ret.reason, Note: r.ret.note,
		Lines: []order.Received{{LineID: l.ID, Quantity: r.ret.qty}}})
	if err != nil {
		return nil, err
	}
	supplier := t.suppliers[o.SupplierID]
	if supplier == nil {
		return nil, fmt.Errorf("order %d: a return needs a supplier with a demo account", o.ID)
	}
	if _, err := t.mall.ApproveReturn(ctx, supplier, ret.ID, "同意退货，退款原路返回"); err != nil {
		return nil, err
	}
	return t.st.Order(ctx, o.ID)
}

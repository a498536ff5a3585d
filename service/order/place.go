package order

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"shanhai/model"
	"shanhai/service/check"
	"shanhai/service/idempotency"
)

const (
	maxLines   = 50
	maxLineQty = 100_000
)

// LineInput is one line a buyer asks for. Prices never come from the client.
type LineInput struct {
	SKUID    int64
	Quantity int64
}

// Delivery is where and when the goods go.
type Delivery struct {
	DeliveryDate, Address, Phone, Note string
	// AddressID names one of the buyer's saved addresses: the order keeps a
	// copy of it in Address and Phone (later edits do not change the order).
	AddressID int64 `json:",omitempty"`
	// SalesPointID names one of the buyer org's sales points (五专) the
	// goods are for; the credit entries of the sale carry its type.
	SalesPointID int64 `json:",omitempty"`
}

// PlaceInput is a new order.
type PlaceInput struct {
	Lines []LineInput
	Delivery
}

// Placed is what placing produced: the orders of one checkout.
type Placed struct {
	CheckoutID string
	Orders     []*model.Order
}

// Render encodes what was placed (the caller's result, e.g. a response
// body), inside the transaction, so the result stored with the idempotency
// key is exactly what the first caller got. It never runs for a replay, but
// may run for an attempt that then does not commit (a batch that failed
// runs its placements again alone): the body Place returns is the committed
// one.
type Render func(*Placed) ([]byte, error)

// Place places one order with one supplier, at most once per key, and
// returns what render made of it (a retry gets the same bytes).
func (s *Service) Place(ctx context.Context, actor *model.User, key string, in PlaceInput, render Render) ([]byte, error) {
	if err := idempotency.Check(key); err != nil {
		return nil, err
	}
	b, err := s.placingBuyer(ctx, actor)
	if err != nil {
		return nil, err
	}
	if in.Delivery, err = checkDelivery(in.Delivery, s.now()); err != nil {
		return nil, err
	}
	counted := false // the rate limit counts a placement once, however it is run
	return placeAgain(func(fresh bool) ([]byte, error) {
		// a placement inside a caller's transaction joins it, never a batch
		if s.batch != nil && b.org == nil && !fresh && !s.store.InTransaction(ctx) {
			body, err := s.placeBatched(ctx, b, key, in, render)
			if !errors.Is(err, errAlone) {
				return body, err
			}
			counted = true // errAlone: placeBatched counted it
		}
		return s.keys.Do(ctx, actor.ID, key, opPlace, in, func(ctx context.Context) ([]byte, error) {
			d, err := s.savedAddress(ctx, b, in.Delivery)
			if err != nil {
				return nil, err
			}
			p, err := s.place(ctx, b, in.Lines, d, true, fresh, !counted)
			if err != nil {
				return nil, err
			}
			counted = true
			return render(p)
		})
	})
}

// opPlace is the idempotency scope of POST /orders.
const opPlace = "order.place"

// Checkout places the caller's cart: one order per supplier under one
// checkout id, all or nothing, and empties the cart in the same transaction.
func (s *Service) Checkout(ctx context.Context, actor *model.User, key string, d Delivery, render Render) ([]byte, error) {
	if err := idempotency.Check(key); err != nil {
		return nil, err
	}
	b, err := s.placingBuyer(ctx, actor)
	if err != nil {
		return nil, err
	}
	if d, err = checkDelivery(d, s.now()); err != nil {
		return nil, err
	}
	return placeAgain(func(fresh bool) ([]byte, error) {
		return s.keys.Do(ctx, actor.ID, key, "order.checkout", d, func(ctx context.Context) ([]byte, error) {
			d, err := s.savedAddress(ctx, b, d)
			if err != nil {
				return nil, err
			}
			cart, err := s.store.Cart(ctx, actor.ID)
			if err != nil {
				return nil, err
			}
			if len(cart) == 0 {
				return nil, model.Conflict("empty_cart", "the cart is empty")
			}
			lines := make([]LineInput, len(cart))
			for i, c := range cart {
				lines[i] = LineInput{SKUID: c.SKUID, Quantity: c.Quantity}
			}
			p, err := s.place(ctx, b, lines, d, false, fresh, true)
			if err != nil {
				return nil, err
			}
			if err := s.store.ReplaceCart(ctx, actor.ID, nil); err != nil {
				return nil, err
			}
			return render(p)
		})
	})
}

// placingBuyer is buyerOf with the regions and pairings, read before any
// transaction: the geography cache may read the database under its lock,
// which a transaction holding a connection must never wait for.
func (s *Service) placingBuyer(ctx context.Context, actor *model.User) (*buyer, error) {
	b, err := s.buyerOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if b.geo, err = s.geo.Geography(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// checkDelivery validates d and returns it with the address and note
// trimmed, as they are validated (and as their columns can hold them). A
// delivery date is a China date from today to a year ahead.
func checkDelivery(d Delivery, now time.Time) (Delivery, error) {
	var f check.Fields
	if d.DeliveryDate != "" && !model.ValidDate(d.DeliveryDate) {
		f.Add("delivery_date", "must be a date YYYY-MM-DD")
	} else if d.DeliveryDate != "" {
		today := model.DateOf(now)
		last := model.DateOf(now.In(model.China).AddDate(1, 0, 0))
		if d.DeliveryDate < today || d.DeliveryDate > last {
			f.Add("delivery_date", "must be from today ("+today+") to a year ahead ("+last+")")
		}
	}
	d.Address = f.OptionalText("address", d.Address, 300)
	d.Note = f.OptionalText("note", d.Note, 500)
	if d.AddressID < 0 {
		f.Add("address_id", "must be a positive id")
	} else if d.AddressID > 0 && d.Address != "" {
		f.Add("address_id", "give address or address_id, not both")
	}
	if d.SalesPointID < 0 {
		f.Add("sales_point_id", "must be a positive id")
	}
	if d.Phone != "" && !phoneOK(d.Phone) {
		f.Add("phone", "must be 5 to 20 digits, optionally with + and -")
	}
	return d, f.Err()
}

// savedAddress copies the buyer's saved address d.AddressID into the
// delivery: receiver, region names and detail in Address, its phone in
// Phone unless the buyer gave one. Another user's address is no address.
func (s *Service) savedAddress(ctx context.Context, b *buyer, d Delivery) (Delivery, error) {
	if d.AddressID == 0 {
		return d, nil
	}
	a, err := s.store.Address(ctx, b.user.ID, d.AddressID)
	if errors.Is(err, model.ErrNotFound) {
		return d, model.Invalid(model.FieldError{Field: "address_id", Message: "no such address"})
	}
	if err != nil {
		return d, err
	}
	g := b.geo
	var names []string
	for c := a.RegionCode; c != "" && len(names) < 4; c = g.Tree[c] {
		if r, ok := g.Regions[c]; ok {
			names = append([]string{r.Name}, names...)
		}
	}
	copied := []rune(a.ReceiverName + " " + strings.Join(names, "") + a.Detail)
	d.Address = string(copied[:min(len(copied), 300)])
	if d.Phone == "" {
		d.Phone = a.Phone
	}
	return d, nil
}

func phoneOK(p string) bool {
	if len(p) < 5 || len(p) > 20 {
		return false
	}
	for i, c := range p {
		if !(c >= '0' && c <= '9') && c != '-' && !(c == '+' && i == 0) {
			return false
		}
	}
	return true
}

// checkLines validates the shape of the lines (not yet what they refer to).
func checkLines(field string, lines []LineInput) error {
	var f check.Fields
	if len(lines) == 0 || len(lines) > maxLines {
		f.Add(field, "must hold 1 to "+strconv.Itoa(maxLines)+" lines")
	}
	seen := map[int64]bool{}
	for i, l := range lines {
		at := field + "[" + strconv.Itoa(i) + "]."
		if l.SKUID < 1 {
			f.Add(at+"sku_id", "must be a SKU id")
		} else if seen[l.SKUID] {
			f.Add(at+"sku_id", "appears twice; put the whole quantity on one line")
		}
		seen[l.SKUID] = true
		f.Range(at+"quantity", l.Quantity, 1, maxLineQty)
	}
	return f.Err()
}

// place validates the lines against the catalogue, prices them, reserves
// the stock and writes one order per supplier. oneSupplier refuses lines
// from several suppliers (POST /orders); checkout splits them instead.
// fresh prices from the database, not from the copies (sellables.go); rate
// counts the placement against the buyer's orders a minute.
func (s *Service) place(ctx context.Context, b *buyer, lines []LineInput, d Delivery, oneSupplier, fresh, rate bool) (*Placed, error) {
	p, err := s.prepare(ctx, b, lines, d, oneSupplier, fresh, rate)
	if err != nil {
		return nil, err
	}
	if err := s.store.InTx(ctx, func(ctx context.Context) error { return s.write(ctx, p) }); err != nil {
		s.sellables.refused(err)
		return nil, err
	}
	return &Placed{CheckoutID: p.checkoutID, Orders: p.orders}, nil
}

// rateLimit counts a placement against the buyer's orders a minute.
func (s *Service) rateLimit(ctx context.Context, b *buyer) error {
	if s.limits.RateOrders > 0 && s.counter != nil {
		n, ttl, err := s.counter.Incr(ctx, "orders:user:"+strconv.FormatInt(b.user.ID, 10), time.Minute)
		if err == nil && n > int64(s.limits.RateOrders) {
			return model.RateLimited(ttl, "at most %d orders a minute", s.limits.RateOrders)
		}
	}
	return nil
}

// prepared is a placement checked and priced, its orders built, ready to
// be written.
type prepared struct {
	b          *buyer
	orders     []*model.Order
	all        []model.StockChange // every line, at the SKU version priced
	sorted     []model.StockChange // all in SKU id order
	total      int64
	checkoutID string
}

// prepare is place up to its transaction: the checks, the prices and the
// orders.
func (s *Service) prepare(ctx context.Context, b *buyer, lines []LineInput, d Delivery, oneSupplier, fresh, rate bool) (*prepared, error) {
	if err := checkLines("lines", lines); err != nil {
		return nil, err
	}
	if rate {
		if err := s.rateLimit(ctx, b); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.SKUID
	}
	skus, readNow, err := s.sellables.get(ctx, s.store, ids, fresh)
	if err != nil {
		return nil, err
	}
	var f check.Fields
	for i, l := range lines {
		at := "lines[" + strconv.Itoa(i) + "].sku_id"
		k := skus[l.SKUID]
		switch {
		case k == nil:
			f.Add(at, "no such SKU")
		case !k.OnSale || k.SupplierStatus != model.SupplierActive:
			f.Add(at, "is not on sale")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := checkPurchaseLimits(lines, skus, readNow); err != nil {
		return nil, err
	}
	// Reject early what the stock just read cannot cover, without queueing
	// on the SKU row behind every other buyer of a sold-out item (a SKU last
	// found short is always read afresh). Only the conditional update below
	// decides a sale.
	for _, l := range lines {
		if k := skus[l.SKUID]; readNow[k.ID] && k.Available() < l.Quantity {
			return nil, model.OutOfStock(k.ID)
		}
	}
	geo := b.geo
	var salesPoint *int64
	if d.SalesPointID > 0 {
		sp, err := s.store.SalesPoint(ctx, d.SalesPointID)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
		if sp == nil || b.org == nil || sp.OrgID != b.org.ID {
			return nil, model.Invalid(model.FieldError{Field: "sales_point_id", Message: "not a sales point of the buying org"})
		}
		salesPoint = &sp.ID
	}
	// an org's orders copy its invoice profile, for the supplier
	var profile *model.InvoiceProfile
	if b.org != nil {
		if profile, err = s.store.InvoiceProfile(ctx, b.org.ID); err != nil {
			return nil, err
		}
	}
	// group by supplier, in order of first appearance
	bySupplier := map[int64]*model.Order{}
	var orders []*model.Order
	var total int64
	checkoutID := newCheckoutID()
	for _, l := range lines {
		k := skus[l.SKUID]
		o := bySupplier[k.SupplierID]
		if o == nil {
			o = &model.Order{CheckoutID: checkoutID, UserID: b.user.ID, SupplierID: k.SupplierID, SupplierName: k.SupplierName,
				Channel: b.channel, PaymentTerms: b.terms, DeliveryDate: d.DeliveryDate,
				Address: d.Address, Phone: d.Phone, Note: d.Note, SalesPointID: salesPoint}
			if b.org != nil {
				o.OrgID, o.OrgName = &b.org.ID, b.org.Name
			}
			if profile != nil {
				o.InvoiceTitle, o.InvoiceTaxID, o.InvoiceAddress = profile.Title, profile.TaxID, profile.Address
				o.InvoicePhone, o.InvoiceBank, o.InvoiceAccount = profile.Phone, profile.Bank, profile.Account
			}
			bySupplier[k.SupplierID] = o
			orders = append(orders, o)
		}
		unit := k.UnitPrice(l.Quantity)
		line := model.OrderLine{SKUID: k.ID, ProductID: k.ProductID, ProductName: k.ProductName, Spec: k.Spec,
			Unit: k.Unit, Quantity: l.Quantity, UnitPriceCents: unit, AmountCents: unit * l.Quantity,
			OriginCode: k.OriginCode, CategoryCode: k.CategoryCode, Perishable: k.Perishable}
		if p := model.CreditPairing(geo.Pairings, geo.Tree, b.region, k.OriginCode); p != nil {
			line.PairingID = &p.ID
		}
		o.Lines = append(o.Lines, line)
		o.TotalCents += line.AmountCents
		total += line.AmountCents
	}
	if oneSupplier && len(orders) > 1 {
		return nil, &model.Error{Kind: model.ErrInvalid, Code: "mixed_suppliers",
			Message: "an order holds one supplier's goods; use the cart to buy from several",
			Fields:  []model.FieldError{{Field: "lines", Message: "come from more than one supplier"}}}
	}
	var all []model.StockChange
	for _, o := range orders {
		for _, c := range changes(o) {
			c.Version = skus[c.SKUID].Version // the stock moves only at the version priced
			all = append(all, c)
		}
	}
	sorted := slices.Clone(all)
	slices.SortFunc(sorted, func(a, b model.StockChange) int { return cmp.Compare(a.SKUID, b.SKUID) })
	return &prepared{b: b, orders: orders, all: all, sorted: sorted, total: total, checkoutID: checkoutID}, nil
}

// write writes a prepared placement in the transaction in ctx.
func (s *Service) write(ctx context.Context, p *prepared) error {
	b := p.b
	// The approval thresholds apply to what the org placed today, this
	// checkout included: neither splitting nor clicking twice dodges them.
	status, deadline, level, err := s.initialState(ctx, b, p.total)
	if err != nil {
		return err
	}
	for _, o := range p.orders {
		o.Status, o.DeadlineAt, o.ApprovalLevel = status, deadline, level
	}
	for _, o := range p.orders {
		if err := s.store.CreateOrder(ctx, o); err != nil {
			return err
		}
		if err := s.store.AddOrderEvent(ctx, &model.OrderEvent{OrderID: o.ID, ActorID: &b.user.ID,
			Action: "place", ToState: o.Status}); err != nil {
			return err
		}
	}
	// Stock last: the SKU rows stay locked only until the commit, so
	// buyers of a hot item wait as little as possible on each other.
	if err := s.stock.Reserve(ctx, p.all); err != nil {
		return err
	}
	// then the user's cap and the buyer's share of each SKU (their rows
	// after the SKU rows)
	return s.stock.Hold(ctx, b.user.ID, holder(p.orders[0]), p.all)
}

// initialState adds an org checkout's total to the org's China-day total
// (in the placing transaction: the row it updates makes placements of one
// org queue) and decides: a day total reaching the org's threshold waits
// for approval (level 1), reaching its second threshold for two (level 2);
// otherwise prepay buyers pay and after-delivery buyers wait for the goods.
func (s *Service) initialState(ctx context.Context, b *buyer, total int64) (string, *time.Time, int, error) {
	if b.org == nil {
		st, dl := s.afterApproval(false, b.terms)
		return st, dl, 0, nil
	}
	day, err := s.store.AddOrgDayTotal(ctx, b.org.ID, model.DateOf(s.now()), total)
	if err != nil {
		return "", nil, 0, err
	}
	level := 0
	if t := b.org.ApprovalThresholdCents; t > 0 && day >= t {
		level = 1
	}
	if t := b.org.SecondApprovalThresholdCents; t > 0 && day >= t {
		level = 2
	}
	if level > 0 {
		return model.OrderPendingApproval, s.deadline(s.limits.ApprovalTTL), level, nil
	}
	st, dl := s.afterApproval(true, b.terms)
	return st, dl, 0, nil
}

// afterApproval is the state an approved (or approval-free) order enters.
func (s *Service) afterApproval(orgOrder bool, terms string) (string, *time.Time) {
	if terms == model.TermsPrepay {
		if orgOrder {
			return model.OrderPendingPayment, s.deadline(s.limits.OrgUnpaidTTL)
		}
		return model.OrderPendingPayment, s.deadline(s.limits.UnpaidTTL)
	}
	return model.OrderAwaitingShipment, nil
}

func newCheckoutID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Cart is the caller's cart.
func (s *Service) Cart(ctx context.Context, actor *model.User) ([]model.CartItem, error) {
	if _, err := s.buyerOf(ctx, actor); err != nil {
		return nil, err
	}
	return s.store.Cart(ctx, actor.ID)
}

// Cart line warnings: why a line cannot be bought as it stands.
const (
	WarnGone          = "unavailable"        // the SKU no longer exists
	WarnOffSale       = "off_sale"           // its product is off sale
	WarnSuspended     = "supplier_suspended" // its supplier is suspended
	WarnStock         = "insufficient_stock" // fewer units available than the line asks
	WarnPurchaseLimit = "purchase_limit"     // more units than one order may hold
)

// CartLineView is a cart line with the warning a client shows ("" when
// the line can be bought as it stands).
type CartLineView struct {
	model.CartLine
	Warning string
}

// CartView is the caller's cart as a client draws it: each line's product,
// spec, unit price now (tiers applied), available units, supplier and
// thumbnail, and a warning for lines that can no longer be had.
func (s *Service) CartView(ctx context.Context, actor *model.User) ([]CartLineView, error) {
	if _, err := s.buyerOf(ctx, actor); err != nil {
		return nil, err
	}
	lines, err := s.store.CartLines(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	out := make([]CartLineView, len(lines))
	for i, l := range lines {
		out[i] = CartLineView{CartLine: l}
		switch {
		case !l.Found:
			out[i].Warning = WarnGone
		case l.SupplierStatus != model.SupplierActive:
			out[i].Warning = WarnSuspended
		case !l.OnSale:
			out[i].Warning = WarnOffSale
		case l.Available() < l.Quantity:
			out[i].Warning = WarnStock
		case l.PurchaseLimit > 0 && l.Quantity > l.PurchaseLimit:
			out[i].Warning = WarnPurchaseLimit
		}
	}
	return out, nil
}

// SetCart replaces the caller's cart. SKUs must exist and be on sale;
// stock is only reserved at checkout.
func (s *Service) SetCart(ctx context.Context, actor *model.User, items []LineInput) ([]model.CartItem, error) {
	if _, err := s.buyerOf(ctx, actor); err != nil {
		return nil, err
	}
	if len(items) > 0 {
		if err := checkLines("items", items); err != nil {
			return nil, err
		}
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.SKUID
		}
		skus, err := s.store.Sellables(ctx, ids)
		if err != nil {
			return nil, err
		}
		var f check.Fields
		for i, it := range items {
			if k := skus[it.SKUID]; k == nil || !k.OnSale || k.SupplierStatus != model.SupplierActive {
				f.Add("items["+strconv.Itoa(i)+"].sku_id", "no such SKU on sale")
			}
		}
		if err := f.Err(); err != nil {
			return nil, err
		}
	}
	cart := make([]model.CartItem, len(items))
	for i, it := range items {
		cart[i] = model.CartItem{UserID: actor.ID, SKUID: it.SKUID, Quantity: it.Quantity}
	}
	sort.Slice(cart, func(i, j int) bool { return cart[i].SKUID < cart[j].SKUID })
	if err := s.store.ReplaceCart(ctx, actor.ID, cart); err != nil {
		return nil, err
	}
	return cart, nil
}

// jsonStrict decodes one JSON object, refusing unknown fields.
func jsonStrict(body []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return model.BadRequest("malformed_json", "the body is not the expected JSON object")
	}
	return nil
}

// checkPurchaseLimits: no line holds more units of a SKU than its
// supplier's purchase limit (a SKU appears on one line only): 422
// purchase_limit naming each such line. A limit judged from a copy of the
// SKU (not read now) may have been raised since: that placement is run
// again from a fresh read (a 409 catalogue_changed, which placeAgain takes).
func checkPurchaseLimits(lines []LineInput, skus map[int64]*model.Sellable, readNow map[int64]bool) error {
	var fields []model.FieldError
	for i, l := range lines {
		k := skus[l.SKUID]
		if k.PurchaseLimit == 0 || l.Quantity <= k.PurchaseLimit {
			continue
		}
		if !readNow[k.ID] {
			return model.CatalogueChanged(k.ID)
		}
		fields = append(fields, model.FieldError{Field: "lines[" + strconv.Itoa(i) + "].quantity",
			Message: "at most " + strconv.FormatInt(k.PurchaseLimit, 10) + " of this SKU per order"})
	}
	if len(fields) == 0 {
		return nil
	}
	return &model.Error{Kind: model.ErrInvalid, Code: "purchase_limit",
		Message: "an order holds more of a SKU than its supplier allows", Fields: fields}
}

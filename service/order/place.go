package order

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"sync"
	"time"

	"shanhai/model"
	"shanhai/service/check"
)

const (
	maxLines   = 50
	maxLineQty = 100_000
	// a running idempotency key older than this lost its request (a crashed
	// replica): a retry may take it over.
	staleRunning = 2 * time.Minute
	keyTTL       = 24 * time.Hour
)

// LineInput is one line a buyer asks for. Prices never come from the client.
type LineInput struct {
	SKUID    int64
	Quantity int64
}

// Delivery is where and when the goods go.
type Delivery struct {
	DeliveryDate, Address, Phone, Note string
}

// PlaceInput is a new order.
type PlaceInput struct {
	Lines []LineInput
	Delivery
}

// Rendered is a response as first sent, replayed byte for byte on a retry
// with the same Idempotency-Key.
type Rendered struct {
	Status int
	Body   []byte
}

// Placed is what placing produced: the orders of one checkout.
type Placed struct {
	CheckoutID string
	Orders     []*model.Order
}

// Render turns what was placed into the response body, inside the
// transaction, so the stored response is exactly what the client got.
type Render func(*Placed) ([]byte, error)

// Place places one order with one supplier (POST /orders).
func (s *Service) Place(ctx context.Context, actor *model.User, key string, in PlaceInput, render Render) (*Rendered, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, err := s.buyerOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if in.Delivery, err = checkDelivery(in.Delivery); err != nil {
		return nil, err
	}
	return placeAgain(func(fresh bool) (*Rendered, error) {
		return s.once(ctx, actor, key, "POST /orders", in, 201, func(ctx context.Context) ([]byte, error) {
			p, err := s.place(ctx, b, in.Lines, in.Delivery, true, fresh)
			if err != nil {
				return nil, err
			}
			return render(p)
		})
	})
}

// Checkout places the caller's cart: one order per supplier under one
// checkout id, all or nothing, and empties the cart in the same transaction.
func (s *Service) Checkout(ctx context.Context, actor *model.User, key string, d Delivery, render Render) (*Rendered, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, err := s.buyerOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	if d, err = checkDelivery(d); err != nil {
		return nil, err
	}
	return placeAgain(func(fresh bool) (*Rendered, error) {
		return s.once(ctx, actor, key, "POST /cart/checkout", d, 201, func(ctx context.Context) ([]byte, error) {
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
			p, err := s.place(ctx, b, lines, d, false, fresh)
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

// checkDelivery validates d and returns it with the address and note
// trimmed, as they are validated (and as their columns can hold them).
func checkDelivery(d Delivery) (Delivery, error) {
	var f check.Fields
	if d.DeliveryDate != "" {
		f.Date("delivery_date", d.DeliveryDate)
	}
	d.Address = f.OptionalText("address", d.Address, 300)
	d.Note = f.OptionalText("note", d.Note, 500)
	if d.Phone != "" && !phoneOK(d.Phone) {
		f.Add("phone", "must be 5 to 20 digits, optionally with + and -")
	}
	return d, f.Err()
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
// fresh prices from the database, not from the copies (sellables.go).
func (s *Service) place(ctx context.Context, b *buyer, lines []LineInput, d Delivery, oneSupplier, fresh bool) (*Placed, error) {
	if err := checkLines("lines", lines); err != nil {
		return nil, err
	}
	if s.limits.RateOrders > 0 && s.counter != nil {
		n, ttl, err := s.counter.Incr(ctx, "orders:user:"+strconv.FormatInt(b.user.ID, 10), time.Minute)
		if err == nil && n > int64(s.limits.RateOrders) {
			return nil, model.RateLimited(ttl, "at most %d orders a minute", s.limits.RateOrders)
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
	// Reject early what the stock just read cannot cover, without queueing
	// on the SKU row behind every other buyer of a sold-out item (a SKU last
	// found short is always read afresh). Only the conditional update below
	// decides a sale.
	for _, l := range lines {
		if k := skus[l.SKUID]; readNow[k.ID] && k.Available() < l.Quantity {
			return nil, model.OutOfStock(k.ID)
		}
	}
	geo, err := s.geo.Get(ctx, s.store)
	if err != nil {
		return nil, err
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
			o = &model.Order{CheckoutID: checkoutID, UserID: b.user.ID, SupplierID: k.SupplierID,
				Channel: b.channel, PaymentTerms: b.terms, DeliveryDate: d.DeliveryDate,
				Address: d.Address, Phone: d.Phone, Note: d.Note}
			if b.org != nil {
				o.OrgID = &b.org.ID
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
	// The approval threshold applies to the whole checkout, so splitting it
	// by supplier never dodges approval.
	status, deadline := s.initialState(b, total)
	var all []model.StockChange
	for _, o := range orders {
		o.Status, o.DeadlineAt = status, deadline
		for _, c := range changes(o) {
			c.Version = skus[c.SKUID].Version // the stock moves only at the version priced
			all = append(all, c)
		}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if s.limits.SKUCap > 0 {
			if err := s.checkCap(ctx, b.user.ID, lines); err != nil {
				return err
			}
		}
		for _, o := range orders {
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
		return s.stock.Reserve(ctx, all)
	})
	if err != nil {
		s.sellables.refused(err)
		return nil, err
	}
	return &Placed{CheckoutID: checkoutID, Orders: orders}, nil
}

// initialState: org orders whose checkout total reaches the threshold wait
// for approval; prepay buyers then pay; after-delivery buyers wait for the
// goods.
func (s *Service) initialState(b *buyer, total int64) (string, *time.Time) {
	if b.org != nil && b.org.ApprovalThresholdCents > 0 && total >= b.org.ApprovalThresholdCents {
		return model.OrderPendingApproval, s.deadline(s.limits.ApprovalTTL)
	}
	return s.afterApproval(b.org != nil, b.terms)
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

// checkCap: no user holds more than SKUCap units of one SKU in open orders.
func (s *Service) checkCap(ctx context.Context, userID int64, lines []LineInput) error {
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.SKUID
	}
	held, err := s.store.HeldUnits(ctx, userID, ids)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if held[l.SKUID]+l.Quantity > s.limits.SKUCap {
			return model.Conflict("sku_cap", "sku %d: at most %d units in open orders per buyer (you hold %d)",
				l.SKUID, s.limits.SKUCap, held[l.SKUID])
		}
	}
	return nil
}

func newCheckoutID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// once runs a request at most once per user and Idempotency-Key. The key
// is claimed by the first write of the request's transaction, and its
// response stored by the last, so the key commits with the request's writes
// or not at all: a request that fails stores nothing and its retry runs
// again. A retry with the same body gets the stored bytes; a different body
// gets 422.
//
// A retry while the first request still runs gets 409 when both reach the
// same process. On different replicas the retry's claim waits on the key's
// row lock until the first transaction ends (a record lock on the primary
// key, held for that transaction only, no gap lock) and then replays its
// response, or runs if it rolled back; a wait past the database's lock-wait
// timeout is a 409.
func (s *Service) once(ctx context.Context, actor *model.User, key, scope string, req any, status int,
	run func(ctx context.Context) ([]byte, error)) (*Rendered, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte(scope+"\n"), raw...))
	hash := hex.EncodeToString(sum[:])
	if err := s.running.enter(actor.ID, key, hash); err != nil {
		return nil, err
	}
	defer s.running.leave(actor.ID, key)

	var retake *model.IdempotencyKey // a stored key that is free again
	for attempt := 0; attempt < 3; attempt++ {
		var body []byte
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			var claimed bool
			var err error
			if retake != nil {
				claimed, err = s.store.RetakeKey(ctx, retake, hash)
			} else {
				claimed, err = s.store.ClaimKey(ctx, &model.IdempotencyKey{UserID: actor.ID, Key: key,
					Scope: scope, RequestHash: hash})
			}
			if err != nil {
				return err
			}
			if !claimed {
				return errKeyTaken
			}
			if body, err = run(ctx); err != nil {
				return err
			}
			return s.store.FinishKey(ctx, actor.ID, key, status, body)
		})
		if !errors.Is(err, errKeyTaken) {
			if err != nil {
				return nil, err
			}
			return &Rendered{Status: status, Body: body}, nil
		}
		// The key is stored: answer from it, or take it over if it is free.
		cur, err := s.store.IdempotencyKey(ctx, actor.ID, key)
		if errors.Is(err, model.ErrNotFound) {
			retake = nil // purged meanwhile: claim it afresh
			continue
		}
		if err != nil {
			return nil, err
		}
		age := s.now().Sub(cur.CreatedAt)
		switch {
		case age > keyTTL:
			// expired: the key is free again
		case cur.RequestHash != hash:
			return nil, keyReused()
		case cur.Status == model.IdemDone:
			return &Rendered{Status: cur.StatusCode, Body: cur.Body}, nil
		case age < staleRunning:
			// claimed in a transaction of its own (an earlier version of this
			// code, during a rolling deploy), and its request still running
			return nil, inProgress()
		}
		retake = cur
	}
	return nil, inProgress()
}

// errKeyTaken: the Idempotency-Key is already stored; the transaction that
// found it rolls back and once answers from the stored key.
var errKeyTaken = errors.New("idempotency key already stored")

func inProgress() error {
	return model.Conflict("idempotency_in_progress", "a request with this Idempotency-Key is still running")
}

func keyReused() error {
	return &model.Error{Kind: model.ErrInvalid, Code: "idempotency_key_reused",
		Message: "this Idempotency-Key was used with a different request"}
}

// running are the Idempotency-Keys whose request runs in this process, with
// their request hash: a concurrent retry arriving here is answered at once
// (409, or 422 for another body) instead of waiting on the key's row lock
// with a database connection.
type running struct {
	mu   sync.Mutex
	keys map[runningKey]string
}

type runningKey struct {
	userID int64
	key    string
}

func (r *running) enter(userID int64, key, hash string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := runningKey{userID, key}
	if h, ok := r.keys[k]; ok {
		if h != hash {
			return keyReused()
		}
		return inProgress()
	}
	if r.keys == nil {
		r.keys = map[runningKey]string{}
	}
	r.keys[k] = hash
	return nil
}

func (r *running) leave(userID int64, key string) {
	r.mu.Lock()
	delete(r.keys, runningKey{userID, key})
	r.mu.Unlock()
}

// checkKey: the Idempotency-Key header is required, and at most 128 characters.
func checkKey(key string) error {
	if key == "" {
		return model.BadRequest("idempotency_key_required", "the Idempotency-Key header is required")
	}
	if len(key) > 128 {
		return model.BadRequest("invalid_idempotency_key", "the Idempotency-Key must be at most 128 characters")
	}
	return nil
}

// Cart is the caller's cart.
func (s *Service) Cart(ctx context.Context, actor *model.User) ([]model.CartItem, error) {
	if _, err := s.buyerOf(ctx, actor); err != nil {
		return nil, err
	}
	return s.store.Cart(ctx, actor.ID)
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

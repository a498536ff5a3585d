package api_test

// Orders through the HTTP API, on every backend: cart and checkout, payment
// and its signed callback, shipping, acceptance, returns, approval,
// deadlines, idempotency, tier prices, bad input, personal data, illegal
// transitions and the per-user limits. The tests keep their own record of
// what they were told and check what was written by reading the database
// directly, never only through the API under test.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/account"
	"shanhai/service/order"
	"shanhai/service/payment"
)

// ordClock is the order service's clock: the real time plus an offset the
// test moves forward to pass deadlines.
type ordClock struct{ offset atomic.Int64 }

func (c *ordClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *ordClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// ordWorld is seedWorld plus what the order tests need: an after-delivery
// canteen with an approval threshold, a prepay supermarket, their users,
// and SKUs with known prices and stock.
type ordWorld struct {
	*world
	svc     *order.Service
	sandbox *payment.Sandbox
	clock   *ordClock

	canteen, market *model.Org
	tea             int64 // supA: 1000 cents, tiers 10 → 900 and 50 → 800, 100 on hand
	fruit           int64 // supB: perishable, 2000 cents, 100 on hand
	scarce          int64 // supA: 1500 cents, 2 on hand
	offSale         int64 // supA: a product taken off sale
	suspended       int64 // spare: a suspended supplier's SKU

	keys int // fresh Idempotency-Keys
}

const (
	ordThreshold = 30_000 // the canteen's approval threshold, cents
	ordPhone     = "13812341234"
	ordMasked    = "138****1234"
	ordAddress   = "浙江省绍兴市上虞区百官街道市民大道 1 号"
)

// ordNewWorld builds a harness whose order service has limits and counter,
// a clock the test moves, and the world the order tests act in.
func ordNewWorld(t *testing.T, b storetest.Backend, limits testLimits, counter order.Counter) *ordWorld {
	t.Helper()
	w := &ordWorld{clock: &ordClock{}}
	h := newHarness(t, b, withOrders(counter, limits))
	w.svc, w.sandbox = h.orders, h.payments
	w.svc.SetClock(w.clock.now)
	w.world = seedWorld(t, h)
	w.seed(t)
	return w
}

func (w *ordWorld) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	st := w.h.store
	org := func(name, kind, terms string, threshold int64) *model.Org {
		o := &model.Org{Name: name, Kind: kind, RegionCode: "330604", PaymentTerms: terms,
			ApprovalThresholdCents: threshold, CreditKind: model.DefaultCreditKind(kind)}
		if err := st.CreateOrg(ctx, o); err != nil {
			t.Fatalf("create org %s: %v", name, err)
		}
		return o
	}
	w.canteen = org("上虞区人民医院食堂", model.OrgCanteen, model.TermsAfterDelivery, ordThreshold)
	w.market = org("上虞区百官超市", model.OrgSupermarket, model.TermsPrepay, 0)
	for _, u := range []struct {
		name, role string
		org        *model.Org
	}{
		{"canteen_buyer", model.RoleBuyer, w.canteen},
		{"canteen_approver", model.RoleApprover, w.canteen},
		{"market_buyer", model.RoleBuyer, w.market},
		{"shopper", model.RoleConsumer, nil},
	} {
		m := &model.User{Username: u.name, Role: u.role}
		if u.org != nil {
			m.OrgID = &u.org.ID
		}
		w.addUser(t, m)
	}
	product := func(s *model.Supplier, name string, perishable, onSale bool, k model.SKU) int64 {
		p := &model.Product{SupplierID: s.ID, Name: name, CategoryCode: "tea", OriginCode: s.RegionCode,
			OnSale: onSale, Perishable: perishable}
		if perishable {
			p.ShelfLifeDays = 30
		}
		skus := []model.SKU{k}
		if err := st.CreateProduct(ctx, p, skus); err != nil {
			t.Fatalf("create product %s: %v", name, err)
		}
		return skus[0].ID
	}
	w.tea = product(w.supA, "金口河富硒茶", false, true, model.SKU{Spec: "100g", Unit: "袋", PriceCents: 1000, OnHand: 100,
		Tiers: []model.Tier{{MinQty: 10, PriceCents: 900}, {MinQty: 50, PriceCents: 800}}})
	w.fruit = product(w.supB, "江山猕猴桃", true, true, model.SKU{Spec: "5kg", Unit: "箱", PriceCents: 2000, OnHand: 100})
	w.scarce = product(w.supA, "金口河野生菌", false, true, model.SKU{Spec: "200g", Unit: "盒", PriceCents: 1500, OnHand: 2})
	w.offSale = product(w.supA, "金口河腊肉", false, false, model.SKU{Spec: "1kg", Unit: "块", PriceCents: 5000, OnHand: 10})
	w.suspended = product(w.spare, "峨边竹笋", false, true, model.SKU{Spec: "500g", Unit: "袋", PriceCents: 1200, OnHand: 10})
	if _, err := st.SetSupplierStatus(ctx, w.spare.ID, model.SupplierSuspended); err != nil {
		t.Fatalf("suspend supplier: %v", err)
	}
}

// The client's view of the order bodies, from the design.

type ordLine struct {
	ID               int64  `json:"id"`
	SKUID            int64  `json:"sku_id"`
	ProductID        int64  `json:"product_id"`
	ProductName      string `json:"product_name"`
	Spec             string `json:"spec"`
	Unit             string `json:"unit"`
	Quantity         int64  `json:"quantity"`
	UnitPriceCents   int64  `json:"unit_price_cents"`
	AmountCents      int64  `json:"amount_cents"`
	ReceivedQuantity *int64 `json:"received_quantity"`
	ReturnedQuantity int64  `json:"returned_quantity"`
	OriginCode       string `json:"origin_code"`
	Category         string `json:"category"`
	PairingID        *int64 `json:"pairing_id"`
}

type ordOrder struct {
	ID             int64   `json:"id"`
	CheckoutID     string  `json:"checkout_id"`
	Status         string  `json:"status"`
	Channel        string  `json:"channel"`
	PaymentTerms   string  `json:"payment_terms"`
	UserID         int64   `json:"user_id"`
	OrgID          *int64  `json:"org_id"`
	SupplierID     int64   `json:"supplier_id"`
	SupplierName   string  `json:"supplier_name"`
	OrgName        string  `json:"org_name"`
	SalesPointID   *int64  `json:"sales_point_id"`
	TotalCents     int64   `json:"total_cents"`
	ReceivedCents  int64   `json:"received_cents"`
	ReturnedCents  int64   `json:"returned_cents"`
	PaidCents      int64   `json:"paid_cents"`
	RefundedCents  int64   `json:"refunded_cents"`
	AmountDueCents int64   `json:"amount_due_cents"`
	DeliveryDate   string  `json:"delivery_date"`
	Address        *string `json:"address"`
	Phone          *string `json:"phone"`
	Note           string  `json:"note"`
	Carrier        string  `json:"carrier"`
	TrackingNo     string  `json:"tracking_no"`
	InvoiceNo      string  `json:"invoice_no"`
	InspectionNote string  `json:"inspection_note"`
	CancelReason   string  `json:"cancel_reason"`
	DeadlineAt     *string `json:"deadline_at"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	ShippedAt      *string `json:"shipped_at"`
	AcceptedAt     *string `json:"accepted_at"`
	ApprovalLevel  int     `json:"approval_level"`
	FirstApprover  *int64  `json:"first_approver_id"`
	InvoiceProfile *struct {
		Title   string `json:"title"`
		TaxID   string `json:"tax_id"`
		Address string `json:"address"`
		Phone   string `json:"phone"`
		Bank    string `json:"bank"`
		Account string `json:"account"`
	} `json:"invoice_profile"`
	InvoicedCents int64     `json:"invoiced_cents"`
	Lines         []ordLine `json:"lines"`
}

type ordEvent struct {
	Action  string `json:"action"`
	From    string `json:"from"`
	To      string `json:"to"`
	ActorID *int64 `json:"actor_id"`
	Note    string `json:"note"`
	At      string `json:"at"`
}

type ordPayment struct {
	ID          int64   `json:"id"`
	OrderID     int64   `json:"order_id"`
	Kind        string  `json:"kind"`
	AmountCents int64   `json:"amount_cents"`
	Status      string  `json:"status"`
	Provider    string  `json:"provider"`
	ProviderRef string  `json:"provider_ref"`
	CreatedAt   string  `json:"created_at"`
	SettledAt   *string `json:"settled_at"`
}

type ordReturnLine struct {
	LineID      int64 `json:"line_id"`
	Quantity    int64 `json:"quantity"`
	AmountCents int64 `json:"amount_cents"`
}

type ordReturn struct {
	ID           int64           `json:"id"`
	OrderID      int64           `json:"order_id"`
	Status       string          `json:"status"`
	Reason       string          `json:"reason"`
	Note         string          `json:"note"`
	AmountCents  int64           `json:"amount_cents"`
	RequestedBy  int64           `json:"requested_by"`
	DecidedBy    *int64          `json:"decided_by"`
	DecisionNote string          `json:"decision_note"`
	DeadlineAt   string          `json:"deadline_at"`
	CreatedAt    string          `json:"created_at"`
	DecidedAt    *string         `json:"decided_at"`
	Lines        []ordReturnLine `json:"lines"`
}

type ordDetail struct {
	ordOrder
	History  []ordEvent   `json:"history"`
	Payments []ordPayment `json:"payments"`
	Returns  []ordReturn  `json:"returns"`
}

type ordCheckout struct {
	CheckoutID string     `json:"checkout_id"`
	Orders     []ordOrder `json:"orders"`
}

type ordPaid struct {
	Order   ordOrder   `json:"order"`
	Payment ordPayment `json:"payment"`
}

type ordCartItem struct {
	SKUID    int64 `json:"sku_id"`
	Quantity int64 `json:"quantity"`
}

type ordCart struct {
	Items []ordCartItem `json:"items"`
	// Lines: what GET /cart draws for each item (media_cart_test.go).
	Lines []cartLine `json:"lines"`
}

type ordCallbackResp struct {
	PaymentID int64  `json:"payment_id"`
	Status    string `json:"status"`
}

// Requests.

// ordKey is the Idempotency-Key header, none when key is "".
func ordKey(key string) map[string]string {
	if key == "" {
		return nil
	}
	return map[string]string{"Idempotency-Key": key}
}

// key is a fresh Idempotency-Key.
func (w *ordWorld) key() string {
	w.keys++
	return "ord-key-" + strconv.Itoa(w.keys)
}

// post sends a documented POST as who with an Idempotency-Key ("" for none).
func (w *ordWorld) post(t *testing.T, target, who, key, body string) response {
	t.Helper()
	return w.h.callWith(t, http.MethodPost, target, w.token(t, who), body, ordKey(key))
}

// postBad sends a POST the test knows to be outside the document.
func (w *ordWorld) postBad(t *testing.T, target, who, key, body string) response {
	t.Helper()
	return w.h.callBadWith(t, http.MethodPost, target, w.token(t, who), body, ordKey(key))
}

// ordManyLines are n lines of distinct SKU ids, one unit each.
func ordManyLines(n int) []int64 {
	var pairs []int64
	for i := range n {
		pairs = append(pairs, int64(i+1), 1)
	}
	return pairs
}

// ordLines is an order body's lines: sku id, quantity pairs.
func ordLines(pairs ...int64) string {
	var lines []map[string]int64
	for i := 0; i+1 < len(pairs); i += 2 {
		lines = append(lines, map[string]int64{"sku_id": pairs[i], "quantity": pairs[i+1]})
	}
	return jsonBody(map[string]any{"lines": lines, "address": ordAddress, "phone": ordPhone})
}

// place places an order as who and returns it.
func (w *ordWorld) place(t *testing.T, who string, pairs ...int64) ordOrder {
	t.Helper()
	res := w.post(t, v1+"/orders", who, w.key(), ordLines(pairs...))
	wantStatus(t, res, http.StatusCreated)
	return decode[ordOrder](t, res)
}

// pay pays an order as who, "instant" or "deferred".
func (w *ordWorld) pay(t *testing.T, who string, id int64, mode string) ordPaid {
	t.Helper()
	res := w.post(t, path(v1+"/orders", id, "pay"), who, w.key(), `{"mode": "`+mode+`"}`)
	wantStatus(t, res, http.StatusOK)
	return decode[ordPaid](t, res)
}

// act is a transition with a JSON body ("" for none) that must answer 200.
func (w *ordWorld) act(t *testing.T, who string, id int64, action, body string) ordOrder {
	t.Helper()
	res := w.post(t, path(v1+"/orders", id, action), who, "", body)
	wantStatus(t, res, http.StatusOK)
	return decode[ordOrder](t, res)
}

func (w *ordWorld) ship(t *testing.T, who string, id int64) ordOrder {
	t.Helper()
	return w.act(t, who, id, "ship", `{"carrier": "顺丰速运", "tracking_no": "SF100200300", "invoice_no": "INV-2026-0001"}`)
}

func (w *ordWorld) detail(t *testing.T, who string, id int64) ordDetail {
	t.Helper()
	res := w.h.call(t, http.MethodGet, path(v1+"/orders", id), w.token(t, who), "")
	wantStatus(t, res, http.StatusOK)
	return decode[ordDetail](t, res)
}

// callbackBody is what the provider reports about a payment.
func ordCallbackBody(paymentID int64, status string) string {
	return fmt.Sprintf(`{"payment_id": %d, "status": %q, "provider_ref": "sbx-%d"}`, paymentID, status, paymentID)
}

// callback posts a provider report with the given signature ("" for none).
func (w *ordWorld) callback(t *testing.T, body, signature string) response {
	t.Helper()
	if signature == "" { // outside the document, which requires the header
		return w.h.callBad(t, http.MethodPost, v1+"/payments/callback", "", body)
	}
	return w.h.callWith(t, http.MethodPost, v1+"/payments/callback", "", body, map[string]string{"X-Signature": signature})
}

// signedCallback posts a report signed with the sandbox secret; it must
// answer 200.
func (w *ordWorld) signedCallback(t *testing.T, paymentID int64, status string) ordCallbackResp {
	t.Helper()
	body := ordCallbackBody(paymentID, status)
	res := w.callback(t, body, w.sandbox.Sign([]byte(body)))
	wantStatus(t, res, http.StatusOK)
	return decode[ordCallbackResp](t, res)
}

func (w *ordWorld) sweep(t *testing.T) int {
	t.Helper()
	n, err := w.svc.Sweep(context.Background())
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	return n
}

// The database, read directly.

// ordCounts are the rows an order request may write.
type ordCounts struct {
	Orders, Lines, Events, Payments, Returns, Keys, Cart int64
	Reserved, OnHand                                     int64
}

func ordCount(t *testing.T, h *harness) ordCounts {
	t.Helper()
	return ordCounts{
		Orders:   queryOne[int64](t, h, "SELECT COUNT(*) FROM orders"),
		Lines:    queryOne[int64](t, h, "SELECT COUNT(*) FROM order_lines"),
		Events:   queryOne[int64](t, h, "SELECT COUNT(*) FROM order_events"),
		Payments: queryOne[int64](t, h, "SELECT COUNT(*) FROM payments"),
		Returns:  queryOne[int64](t, h, "SELECT COUNT(*) FROM returns"),
		Keys:     queryOne[int64](t, h, "SELECT COUNT(*) FROM idempotency_keys"),
		Cart:     queryOne[int64](t, h, "SELECT COUNT(*) FROM cart_items"),
		Reserved: queryOne[int64](t, h, "SELECT COALESCE(SUM(reserved), 0) FROM skus"),
		OnHand:   queryOne[int64](t, h, "SELECT COALESCE(SUM(on_hand), 0) FROM skus"),
	}
}

// ordUnchanged fails unless nothing an order request writes has changed.
func ordUnchanged(t *testing.T, h *harness, before ordCounts) {
	t.Helper()
	if got := ordCount(t, h); got != before {
		t.Errorf("rows after = %+v, want unchanged %+v", got, before)
	}
}

// ordStock is a SKU's on hand and reserved units.
func ordStock(t *testing.T, h *harness, skuID int64) (onHand, reserved int64) {
	t.Helper()
	return queryOne[int64](t, h, "SELECT on_hand FROM skus WHERE id = ?", skuID),
		queryOne[int64](t, h, "SELECT reserved FROM skus WHERE id = ?", skuID)
}

func ordWantStock(t *testing.T, h *harness, skuID, onHand, reserved int64) {
	t.Helper()
	gotOnHand, gotReserved := ordStock(t, h, skuID)
	if gotOnHand != onHand || gotReserved != reserved {
		t.Errorf("sku %d: on hand %d reserved %d, want %d and %d", skuID, gotOnHand, gotReserved, onHand, reserved)
	}
}

// ordRow is an order's stored status and money.
type ordRow struct {
	Status                                  string
	Total, Received, Returned, Paid, Refund int64
}

func ordStored(t *testing.T, h *harness, id int64) ordRow {
	t.Helper()
	var r ordRow
	err := h.store.DB().QueryRowContext(context.Background(), `SELECT status, total_cents, received_cents,
		returned_cents, paid_cents, refunded_cents FROM orders WHERE id = ?`, id).
		Scan(&r.Status, &r.Total, &r.Received, &r.Returned, &r.Paid, &r.Refund)
	if err != nil {
		t.Fatalf("order %d: %v", id, err)
	}
	return r
}

func ordWantStatus(t *testing.T, h *harness, id int64, want string) {
	t.Helper()
	if got := ordStored(t, h, id).Status; got != want {
		t.Errorf("order %d stored status = %s, want %s", id, got, want)
	}
}

// ordPayments sums an order's payment records of a kind and status.
func ordPayments(t *testing.T, h *harness, orderID int64, kind, status string) (n, cents int64) {
	t.Helper()
	return queryOne[int64](t, h, "SELECT COUNT(*) FROM payments WHERE order_id = ? AND kind = ? AND status = ?", orderID, kind, status),
		queryOne[int64](t, h, "SELECT COALESCE(SUM(amount_cents), 0) FROM payments WHERE order_id = ? AND kind = ? AND status = ?",
			orderID, kind, status)
}

// TestOrderConsumerLifecycle: a consumer's cart split across two suppliers,
// a deferred payment confirmed by a signed callback, shipping, a partial
// acceptance refunding the shortfall, a return, and the return rules.
func TestOrderConsumerLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		tok := w.token(t, model.RoleConsumer)
		consumer := w.users[model.RoleConsumer]

		// the cart: replaced as a whole, read back in SKU order
		res := h.call(t, http.MethodPut, v1+"/cart", tok, jsonBody(map[string]any{"items": []ordCartItem{
			{SKUID: w.fruit, Quantity: 2}, {SKUID: w.tea, Quantity: 3}}}))
		wantStatus(t, res, http.StatusOK)
		want := []ordCartItem{{SKUID: w.tea, Quantity: 3}, {SKUID: w.fruit, Quantity: 2}}
		slices.SortFunc(want, func(a, b ordCartItem) int { return int(a.SKUID - b.SKUID) })
		if got := decode[ordCart](t, res).Items; !slices.Equal(got, want) {
			t.Errorf("put cart = %v, want %v", got, want)
		}
		if got := decode[ordCart](t, h.call(t, http.MethodGet, v1+"/cart", tok, "")).Items; !slices.Equal(got, want) {
			t.Errorf("get cart = %v, want %v", got, want)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM cart_items WHERE user_id = ?", consumer.ID); n != 2 {
			t.Errorf("stored cart items = %d, want 2", n)
		}

		// checkout: one order per supplier under one checkout id
		key := w.key()
		body := jsonBody(map[string]string{"address": ordAddress, "phone": ordPhone, "note": "工作日送货"})
		res = w.post(t, v1+"/cart/checkout", model.RoleConsumer, key, body)
		wantStatus(t, res, http.StatusCreated)
		first := res.Body
		co := decode[ordCheckout](t, res)
		if len(co.Orders) != 2 || co.CheckoutID == "" {
			t.Fatalf("checkout = %+v, want two orders under one checkout id", co)
		}
		var a, fb ordOrder // supA's tea and supB's fruit
		for _, o := range co.Orders {
			if o.CheckoutID != co.CheckoutID || o.Status != model.OrderPendingPayment || o.Channel != model.ChannelApp ||
				o.OrgID != nil || o.UserID != consumer.ID || o.PaymentTerms != model.TermsPrepay || len(o.Lines) != 1 {
				t.Errorf("checkout order = %+v", o)
			}
			switch o.SupplierID {
			case w.supA.ID:
				a = o
			case w.supB.ID:
				fb = o
			}
		}
		if a.ID == 0 || fb.ID == 0 {
			t.Fatalf("checkout suppliers: %+v", co.Orders)
		}
		if l := a.Lines[0]; l.SKUID != w.tea || l.Quantity != 3 || l.UnitPriceCents != 1000 || a.TotalCents != 3000 {
			t.Errorf("supA order = %+v", a)
		}
		if l := fb.Lines[0]; l.SKUID != w.fruit || l.Quantity != 2 || l.UnitPriceCents != 2000 || fb.TotalCents != 4000 {
			t.Errorf("supB order = %+v", fb)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE checkout_id = ? AND user_id = ? AND status = ?",
			co.CheckoutID, consumer.ID, model.OrderPendingPayment); n != 2 {
			t.Errorf("stored orders of the checkout = %d, want 2", n)
		}
		ordWantStock(t, h, w.tea, 100, 3)
		ordWantStock(t, h, w.fruit, 100, 2)
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM cart_items WHERE user_id = ?", consumer.ID); n != 0 {
			t.Errorf("cart after checkout holds %d items, want 0", n)
		}
		// a retry gets the same answer and places nothing
		before := ordCount(t, h)
		res = w.post(t, v1+"/cart/checkout", model.RoleConsumer, key, body)
		wantStatus(t, res, http.StatusCreated)
		if !bytes.Equal(res.Body, first) {
			t.Errorf("checkout replay differs:\n%s\n%s", res.Body, first)
		}
		ordUnchanged(t, h, before)

		// a deferred payment stays pending until the provider calls back
		paid := w.pay(t, model.RoleConsumer, a.ID, "deferred")
		if paid.Payment.Status != model.PaymentPending || paid.Payment.AmountCents != 3000 ||
			paid.Payment.Kind != model.PaymentCharge || paid.Order.Status != model.OrderPendingPayment {
			t.Errorf("deferred pay = %+v", paid)
		}
		pid := paid.Payment.ID
		if got := queryOne[string](t, h, "SELECT status FROM payments WHERE id = ? AND order_id = ?", pid, a.ID); got != model.PaymentPending {
			t.Errorf("stored payment status = %s, want pending", got)
		}
		ordWantStatus(t, h, a.ID, model.OrderPendingPayment)

		// forged callbacks are refused and write nothing
		good := ordCallbackBody(pid, model.PaymentSucceeded)
		before = ordCount(t, h)
		for _, c := range []struct{ name, body, sig string }{
			{"other secret", good, payment.NewSandbox("not-the-secret").Sign([]byte(good))},
			{"no signature", good, ""},
			{"not hex", good, "zz-not-hex"},
			{"body changed after signing", ordCallbackBody(pid+1, model.PaymentSucceeded), w.sandbox.Sign([]byte(good))},
			{"signature of another body", good, w.sandbox.Sign([]byte(good + " "))},
		} {
			t.Run("forged/"+c.name, func(t *testing.T) {
				wantError(t, w.callback(t, c.body, c.sig), http.StatusUnauthorized, "unauthorized")
			})
		}
		ordUnchanged(t, h, before)
		if got := queryOne[string](t, h, "SELECT status FROM payments WHERE id = ?", pid); got != model.PaymentPending {
			t.Errorf("payment after forged callbacks = %s, want pending", got)
		}
		ordWantStatus(t, h, a.ID, model.OrderPendingPayment)

		// the signed callback books it; a replay changes nothing
		if got := w.signedCallback(t, pid, model.PaymentSucceeded); got.PaymentID != pid || got.Status != model.PaymentSucceeded {
			t.Errorf("callback = %+v", got)
		}
		if got := ordStored(t, h, a.ID); got.Status != model.OrderAwaitingShipment || got.Paid != 3000 || got.Refund != 0 {
			t.Errorf("after callback: %+v, want awaiting_shipment paid 3000", got)
		}
		before = ordCount(t, h)
		if got := w.signedCallback(t, pid, model.PaymentSucceeded); got.Status != model.PaymentSucceeded {
			t.Errorf("replayed callback = %+v", got)
		}
		// a replay claiming failure cannot undo it either
		if got := w.signedCallback(t, pid, model.PaymentFailed); got.Status != model.PaymentSucceeded {
			t.Errorf("late failure callback = %+v, want the payment still succeeded", got)
		}
		ordUnchanged(t, h, before)
		if got := ordStored(t, h, a.ID); got.Status != model.OrderAwaitingShipment || got.Paid != 3000 {
			t.Errorf("after replays: %+v, want awaiting_shipment paid 3000", got)
		}
		// a callback about an unknown payment
		body404 := ordCallbackBody(pid+1000, model.PaymentSucceeded)
		wantError(t, w.callback(t, body404, w.sandbox.Sign([]byte(body404))), http.StatusNotFound, "not_found")

		// shipping takes the units out of on hand and reserved
		if o := w.ship(t, model.RoleSupplier, a.ID); o.Status != model.OrderShipped || o.Carrier != "顺丰速运" ||
			o.TrackingNo != "SF100200300" || o.InvoiceNo != "INV-2026-0001" || o.ShippedAt == nil {
			t.Errorf("shipped = %+v", o)
		}
		ordWantStock(t, h, w.tea, 97, 0)
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE id = ? AND carrier = ? AND tracking_no = ? AND invoice_no = ?",
			a.ID, "顺丰速运", "SF100200300", "INV-2026-0001"); n != 1 {
			t.Error("the shipment details were not stored")
		}

		// two of three arrived: settled, the third refunded
		o := w.act(t, model.RoleConsumer, a.ID, "accept", jsonBody(map[string]any{
			"lines":           []map[string]int64{{"line_id": a.Lines[0].ID, "received_quantity": 2}},
			"inspection_note": "一袋破损"}))
		if o.Status != model.OrderSettled || o.ReceivedCents != 2000 || o.RefundedCents != 1000 || o.InspectionNote != "一袋破损" ||
			o.AcceptedAt == nil || *o.Lines[0].ReceivedQuantity != 2 {
			t.Errorf("accepted = %+v", o)
		}
		if got := ordStored(t, h, a.ID); got != (ordRow{Status: model.OrderSettled, Total: 3000, Received: 2000, Paid: 3000, Refund: 1000}) {
			t.Errorf("stored after acceptance = %+v", got)
		}
		if n, cents := ordPayments(t, h, a.ID, model.PaymentRefund, model.PaymentSucceeded); n != 1 || cents != 1000 {
			t.Errorf("refunds = %d for %d cents, want 1 for 1000", n, cents)
		}
		if got := queryOne[int64](t, h, "SELECT received_qty FROM order_lines WHERE id = ?", a.Lines[0].ID); got != 2 {
			t.Errorf("stored received quantity = %d, want 2", got)
		}

		// a return of one bag for quality, approved by the supplier
		res = w.post(t, path(v1+"/orders", a.ID, "returns"), model.RoleConsumer, "", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": a.Lines[0].ID, "quantity": 1}}, "reason": "quality", "note": "受潮"}))
		wantStatus(t, res, http.StatusCreated)
		rt := decode[ordReturn](t, res)
		if rt.Status != model.ReturnRequested || rt.AmountCents != 1000 || rt.Reason != "quality" || rt.RequestedBy != consumer.ID ||
			len(rt.Lines) != 1 || rt.Lines[0].Quantity != 1 {
			t.Errorf("return = %+v", rt)
		}
		// more than is left to return (two received, one asked for)
		wantError(t, w.post(t, path(v1+"/orders", a.ID, "returns"), model.RoleConsumer, "", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": a.Lines[0].ID, "quantity": 2}}, "reason": "quality"})),
			http.StatusUnprocessableEntity, "invalid", "lines[0].quantity")
		// only its supplier decides: the other supplier does not see it, the buyer may not
		wantError(t, w.post(t, path(v1+"/returns", rt.ID, "approve"), "supplier_b", "", ""), http.StatusNotFound, "not_found")
		wantError(t, w.post(t, path(v1+"/returns", rt.ID, "approve"), model.RoleConsumer, "", ""), http.StatusForbidden, "forbidden")
		res = w.post(t, path(v1+"/returns", rt.ID, "approve"), model.RoleSupplier, "", `{"note": "同意退货"}`)
		wantStatus(t, res, http.StatusOK)
		if got := decode[ordReturn](t, res); got.Status != model.ReturnApproved || got.DecidedBy == nil ||
			*got.DecidedBy != w.users[model.RoleSupplier].ID || got.DecidedAt == nil {
			t.Errorf("approved return = %+v", got)
		}
		if got := queryOne[int64](t, h, "SELECT returned_qty FROM order_lines WHERE id = ?", a.Lines[0].ID); got != 1 {
			t.Errorf("stored returned quantity = %d, want 1", got)
		}
		if got := ordStored(t, h, a.ID); got != (ordRow{Status: model.OrderSettled, Total: 3000, Received: 2000, Returned: 1000,
			Paid: 3000, Refund: 2000}) {
			t.Errorf("stored after the return = %+v", got)
		}
		if n, cents := ordPayments(t, h, a.ID, model.PaymentRefund, model.PaymentSucceeded); n != 2 || cents != 2000 {
			t.Errorf("refunds = %d for %d cents, want 2 for 2000", n, cents)
		}
		ordWantStock(t, h, w.tea, 97, 0) // returned goods are not restocked
		// deciding twice is a conflict
		wantError(t, w.post(t, path(v1+"/returns", rt.ID, "reject"), model.RoleSupplier, "", `{"note": "再想想"}`),
			http.StatusConflict, "invalid_transition")
		d := w.detail(t, model.RoleConsumer, a.ID)
		if d.Lines[0].ReturnedQuantity != 1 || d.RefundedCents != 2000 || len(d.Returns) != 1 || len(d.Payments) != 3 ||
			d.Returns[0].Status != model.ReturnApproved {
			t.Errorf("detail after the return = %+v", d)
		}
		var actions []string
		for _, e := range d.History {
			actions = append(actions, e.Action)
		}
		if want := []string{"place", "pay", "ship", "accept", "settle", "return_request", "return_approved"}; !slices.Equal(actions, want) {
			t.Errorf("history = %v, want %v", actions, want)
		}

		// the perishable fruit: paid at once, shipped, accepted whole
		if p := w.pay(t, model.RoleConsumer, fb.ID, "instant"); p.Payment.Status != model.PaymentSucceeded ||
			p.Order.Status != model.OrderAwaitingShipment {
			t.Errorf("instant pay = %+v", p)
		}
		w.ship(t, "supplier_b", fb.ID)
		ordWantStock(t, h, w.fruit, 98, 0)
		if o := w.act(t, model.RoleConsumer, fb.ID, "accept", ""); o.Status != model.OrderSettled || o.ReceivedCents != 4000 ||
			o.RefundedCents != 0 || *o.Lines[0].ReceivedQuantity != 2 {
			t.Errorf("accepted whole = %+v", o)
		}
		// no_reason is refused for perishable goods
		before = ordCount(t, h)
		returnBody := func(reason string) string {
			return jsonBody(map[string]any{"lines": []map[string]int64{{"line_id": fb.Lines[0].ID, "quantity": 1}}, "reason": reason})
		}
		wantError(t, w.post(t, path(v1+"/orders", fb.ID, "returns"), model.RoleConsumer, "", returnBody("no_reason")),
			http.StatusUnprocessableEntity, "invalid", "reason")
		ordUnchanged(t, h, before)
		// after the window, no return at all
		w.clock.advance(testOrderLimits().ReturnWindow + time.Minute)
		wantError(t, w.post(t, path(v1+"/orders", fb.ID, "returns"), model.RoleConsumer, "", returnBody("damaged")),
			http.StatusConflict, "return_window_closed")
		ordUnchanged(t, h, before)
	})
}

// TestOrderCanteen: an after-delivery canteen over its approval threshold
// waits for its approver, needs no payment before delivery, accepts part
// of the goods and pays what arrived.
func TestOrderCanteen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h

		// 40 × 900 (tier price) = 36000 ≥ the 30000 threshold
		o := w.place(t, "canteen_buyer", w.tea, 40)
		if o.Status != model.OrderPendingApproval || o.Channel != model.OrgCanteen || o.OrgID == nil || *o.OrgID != w.canteen.ID ||
			o.PaymentTerms != model.TermsAfterDelivery || o.TotalCents != 36000 || o.DeadlineAt == nil {
			t.Errorf("placed = %+v", o)
		}
		ordWantStock(t, h, w.tea, 100, 40)
		// a Shangyu canteen buying from Jinkouhe: the preview is 上虞–金口河
		if p := o.Lines[0].PairingID; p == nil || *p != w.pairing {
			t.Errorf("pairing preview = %v, want %d", p, w.pairing)
		}

		// the buyer may not approve; another org's approver does not see it
		wantError(t, w.post(t, path(v1+"/orders", o.ID, "approve"), "canteen_buyer", "", ""), http.StatusForbidden, "forbidden")
		wantError(t, w.post(t, path(v1+"/orders", o.ID, "approve"), model.RoleApprover, "", ""), http.StatusNotFound, "not_found")
		ordWantStatus(t, h, o.ID, model.OrderPendingApproval)

		// the canteen's approver approves: straight to shipment, no payment
		if got := w.act(t, "canteen_approver", o.ID, "approve", ""); got.Status != model.OrderAwaitingShipment || got.DeadlineAt != nil {
			t.Errorf("approved = %+v", got)
		}
		ordWantStatus(t, h, o.ID, model.OrderAwaitingShipment)
		wantError(t, w.post(t, path(v1+"/orders", o.ID, "pay"), "canteen_buyer", w.key(), `{"mode": "instant"}`),
			http.StatusConflict, "invalid_transition")
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM payments WHERE order_id = ?", o.ID); n != 0 {
			t.Errorf("payments before delivery = %d, want 0", n)
		}

		w.ship(t, model.RoleSupplier, o.ID)
		ordWantStock(t, h, w.tea, 60, 0)
		// an org order does not accept itself
		if d := w.detail(t, "canteen_buyer", o.ID); d.DeadlineAt != nil {
			t.Errorf("shipped org order has a deadline %s", *d.DeadlineAt)
		}

		// 35 of 40 arrived: 35 × 900 due
		got := w.act(t, "canteen_buyer", o.ID, "accept", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": o.Lines[0].ID, "received_quantity": 35}}, "inspection_note": "少 5 袋"}))
		if got.Status != model.OrderAccepted || got.ReceivedCents != 31500 || got.AmountDueCents != 31500 {
			t.Errorf("accepted = %+v, want accepted with 31500 due", got)
		}
		if r := ordStored(t, h, o.ID); r != (ordRow{Status: model.OrderAccepted, Total: 36000, Received: 31500}) {
			t.Errorf("stored after acceptance = %+v", r)
		}

		// paying the amount due settles it
		paid := w.pay(t, "canteen_buyer", o.ID, "instant")
		if paid.Payment.AmountCents != 31500 || paid.Payment.Status != model.PaymentSucceeded || paid.Order.Status != model.OrderSettled ||
			paid.Order.AmountDueCents != 0 {
			t.Errorf("paid = %+v", paid)
		}
		if r := ordStored(t, h, o.ID); r != (ordRow{Status: model.OrderSettled, Total: 36000, Received: 31500, Paid: 31500}) {
			t.Errorf("stored after payment = %+v", r)
		}
		if n, cents := ordPayments(t, h, o.ID, model.PaymentCharge, model.PaymentSucceeded); n != 1 || cents != 31500 {
			t.Errorf("charges = %d for %d cents, want 1 for 31500", n, cents)
		}
		wantError(t, w.post(t, path(v1+"/orders", o.ID, "pay"), "canteen_buyer", w.key(), ""), http.StatusConflict, "invalid_transition")

		// rejected: cancelled and the stock released
		r := w.place(t, "canteen_buyer", w.fruit, 20) // 40000
		if r.Status != model.OrderPendingApproval {
			t.Fatalf("placed = %+v", r)
		}
		ordWantStock(t, h, w.fruit, 100, 20)
		if got := w.act(t, "canteen_approver", r.ID, "reject", `{"reason": "预算不足"}`); got.Status != model.OrderCancelled ||
			got.CancelReason != "预算不足" {
			t.Errorf("rejected = %+v", got)
		}
		ordWantStatus(t, h, r.ID, model.OrderCancelled)
		ordWantStock(t, h, w.fruit, 100, 0)
		wantError(t, w.post(t, path(v1+"/orders", r.ID, "approve"), "canteen_approver", "", ""), http.StatusConflict, "invalid_transition")

		// the threshold applies to the whole checkout: 20 × 900 + 7 × 2000 = 32000
		wantStatus(t, h.call(t, http.MethodPut, v1+"/cart", w.token(t, "canteen_buyer"), jsonBody(map[string]any{"items": []ordCartItem{
			{SKUID: w.tea, Quantity: 20}, {SKUID: w.fruit, Quantity: 7}}})), http.StatusOK)
		res := w.post(t, v1+"/cart/checkout", "canteen_buyer", w.key(), "")
		wantStatus(t, res, http.StatusCreated)
		co := decode[ordCheckout](t, res)
		var total int64
		for _, o := range co.Orders {
			total += o.TotalCents
			if o.Status != model.OrderPendingApproval || o.TotalCents >= ordThreshold {
				t.Errorf("split order = %+v, want pending_approval below the threshold alone", o)
			}
		}
		if len(co.Orders) != 2 || total != 32000 {
			t.Errorf("checkout = %d orders for %d cents, want 2 for 32000", len(co.Orders), total)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE checkout_id = ? AND status = ?", co.CheckoutID,
			model.OrderPendingApproval); n != 2 {
			t.Errorf("stored pending orders of the checkout = %d, want 2", n)
		}
		// under the threshold alone, but the canteen's orders of today
		// (36000 + 32000, the rejected one not counted) are over it: the
		// day total decides, so a small order still waits for approval
		small := w.place(t, "canteen_buyer", w.tea, 5)
		if small.Status != model.OrderPendingApproval || small.ApprovalLevel != 1 {
			t.Errorf("small order = %+v, want pending_approval by the day total", small)
		}
		small = w.act(t, "canteen_approver", small.ID, "approve", `{"note": "同意"}`)
		if small.Status != model.OrderAwaitingShipment || small.DeadlineAt != nil {
			t.Errorf("small order = %+v, want awaiting_shipment once approved", small)
		}
		// an approved return before payment lowers the amount due:
		// 4 received, 1 returned → 3 × 1000 due
		w.ship(t, model.RoleSupplier, small.ID)
		w.act(t, "canteen_buyer", small.ID, "accept", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": small.Lines[0].ID, "received_quantity": 4}}}))
		res = w.post(t, path(v1+"/orders", small.ID, "returns"), "canteen_approver", "", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": small.Lines[0].ID, "quantity": 1}}, "reason": "wrong_item"}))
		wantStatus(t, res, http.StatusCreated)
		wantStatus(t, w.post(t, path(v1+"/returns", decode[ordReturn](t, res).ID, "approve"), model.RoleSupplier, "", ""), http.StatusOK)
		if d := w.detail(t, "canteen_buyer", small.ID); d.Status != model.OrderAccepted || d.AmountDueCents != 3000 || d.RefundedCents != 0 {
			t.Errorf("after the return: %s, %d due, %d refunded; want accepted, 3000 due, nothing refunded",
				d.Status, d.AmountDueCents, d.RefundedCents)
		}
		if p := w.pay(t, "canteen_buyer", small.ID, "deferred"); p.Payment.AmountCents != 3000 || p.Order.Status != model.OrderAccepted {
			t.Errorf("deferred payment of the amount due = %+v", p)
		} else {
			w.signedCallback(t, p.Payment.ID, model.PaymentSucceeded)
		}
		if r := ordStored(t, h, small.ID); r != (ordRow{Status: model.OrderSettled, Total: 5000, Received: 4000, Returned: 1000, Paid: 3000}) {
			t.Errorf("stored after paying = %+v", r)
		}
		// the rest returned after payment comes back as money
		res = w.post(t, path(v1+"/orders", small.ID, "returns"), "canteen_buyer", "", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": small.Lines[0].ID, "quantity": 3}}, "reason": "expired"}))
		wantStatus(t, res, http.StatusCreated)
		wantStatus(t, w.post(t, path(v1+"/returns", decode[ordReturn](t, res).ID, "approve"), model.RoleSupplier, "", ""), http.StatusOK)
		if r := ordStored(t, h, small.ID); r != (ordRow{Status: model.OrderSettled, Total: 5000, Received: 4000, Returned: 4000,
			Paid: 3000, Refund: 3000}) {
			t.Errorf("stored after returning everything = %+v", r)
		}
		// nothing is left to return
		wantError(t, w.post(t, path(v1+"/orders", small.ID, "returns"), "canteen_buyer", "", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": small.Lines[0].ID, "quantity": 1}}, "reason": "quality"})),
			http.StatusUnprocessableEntity, "invalid", "lines[0].quantity")
	})
}

// TestOrderSupermarket: a prepay org pays first; its supplier declines one
// order (refunded, stock released) and ships another.
func TestOrderSupermarket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h

		o := w.place(t, "market_buyer", w.tea, 5)
		if o.Status != model.OrderPendingPayment || o.Channel != model.OrgSupermarket || o.TotalCents != 5000 || o.DeadlineAt == nil {
			t.Errorf("placed = %+v", o)
		}
		// a prepay org has 30 days to pay, not a consumer's 30 minutes
		w.clock.advance(time.Hour)
		w.sweep(t)
		ordWantStatus(t, h, o.ID, model.OrderPendingPayment)

		if p := w.pay(t, "market_buyer", o.ID, "instant"); p.Order.Status != model.OrderAwaitingShipment || p.Order.PaidCents != 5000 {
			t.Errorf("paid = %+v", p)
		}
		ordWantStock(t, h, w.tea, 100, 5)
		// a reason is required; another supplier does not see the order
		wantError(t, w.post(t, path(v1+"/orders", o.ID, "decline"), model.RoleSupplier, "", ""),
			http.StatusUnprocessableEntity, "invalid", "reason")
		wantError(t, w.post(t, path(v1+"/orders", o.ID, "decline"), "supplier_b", "", `{"reason": "缺货"}`),
			http.StatusNotFound, "not_found")
		wantError(t, w.post(t, path(v1+"/orders", o.ID, "decline"), "market_buyer", "", `{"reason": "缺货"}`),
			http.StatusForbidden, "forbidden")
		ordWantStatus(t, h, o.ID, model.OrderAwaitingShipment)

		got := w.act(t, model.RoleSupplier, o.ID, "decline", `{"reason": "本周缺货"}`)
		if got.Status != model.OrderCancelled || got.CancelReason != "本周缺货" || got.RefundedCents != 5000 {
			t.Errorf("declined = %+v", got)
		}
		if r := ordStored(t, h, o.ID); r != (ordRow{Status: model.OrderCancelled, Total: 5000, Paid: 5000, Refund: 5000}) {
			t.Errorf("stored after decline = %+v", r)
		}
		if n, cents := ordPayments(t, h, o.ID, model.PaymentRefund, model.PaymentSucceeded); n != 1 || cents != 5000 {
			t.Errorf("refunds = %d for %d cents, want 1 for 5000", n, cents)
		}
		ordWantStock(t, h, w.tea, 100, 0)

		// the second order goes the whole way
		s := w.place(t, "market_buyer", w.fruit, 3)
		w.pay(t, "market_buyer", s.ID, "instant")
		// supA cannot ship supB's order
		wantError(t, w.post(t, path(v1+"/orders", s.ID, "ship"), model.RoleSupplier, "",
			`{"carrier": "中通", "tracking_no": "ZT1"}`), http.StatusNotFound, "not_found")
		// carrier and tracking number are required
		wantError(t, w.postBad(t, path(v1+"/orders", s.ID, "ship"), "supplier_b", "", `{"carrier": "", "tracking_no": ""}`),
			http.StatusUnprocessableEntity, "invalid", "carrier", "tracking_no")
		w.ship(t, "supplier_b", s.ID)
		ordWantStock(t, h, w.fruit, 97, 0)
		if got := w.act(t, "market_buyer", s.ID, "accept", `{"inspection_note": "验收合格"}`); got.Status != model.OrderSettled ||
			got.ReceivedCents != 6000 || got.RefundedCents != 0 {
			t.Errorf("accepted = %+v", got)
		}
		if r := ordStored(t, h, s.ID); r != (ordRow{Status: model.OrderSettled, Total: 6000, Received: 6000, Paid: 6000}) {
			t.Errorf("stored after acceptance = %+v", r)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM payments WHERE order_id = ? AND kind = ?", s.ID, model.PaymentRefund); n != 0 {
			t.Errorf("refunds of a whole delivery = %d, want 0", n)
		}
	})
}

// TestOrderDeadlines moves the service's clock and sweeps: nothing happens
// before a deadline, and each one fires after it.
func TestOrderDeadlines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h

		unpaid := w.place(t, model.RoleConsumer, w.tea, 2)
		orgUnpaid := w.place(t, "market_buyer", w.fruit, 1)
		unapproved := w.place(t, "canteen_buyer", w.fruit, 20) // 40000 ≥ threshold
		late := w.place(t, "shopper", w.tea, 1)
		latePay := w.pay(t, "shopper", late.ID, "deferred")
		shipped := w.place(t, "victim", w.fruit, 1)
		w.pay(t, "victim", shipped.ID, "instant")
		w.ship(t, "supplier_b", shipped.ID)
		returned := w.place(t, "victim", w.tea, 3)
		w.pay(t, "victim", returned.ID, "instant")
		w.ship(t, model.RoleSupplier, returned.ID)
		w.act(t, "victim", returned.ID, "accept", "")
		res := w.post(t, path(v1+"/orders", returned.ID, "returns"), "victim", "", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": returned.Lines[0].ID, "quantity": 2}}, "reason": "damaged"}))
		wantStatus(t, res, http.StatusCreated)
		rt := decode[ordReturn](t, res)
		ordWantStock(t, h, w.tea, 97, 3)    // unpaid 2 + late 1 reserved; returned's 3 shipped
		ordWantStock(t, h, w.fruit, 99, 21) // unapproved 20 and orgUnpaid 1 reserved; shipped's 1 gone

		// nothing is due yet
		w.clock.advance(29 * time.Minute)
		if n := w.sweep(t); n != 0 {
			t.Errorf("sweep before any deadline took %d steps", n)
		}
		for _, c := range []struct {
			id   int64
			want string
		}{{unpaid.ID, model.OrderPendingPayment}, {unapproved.ID, model.OrderPendingApproval}, {late.ID, model.OrderPendingPayment},
			{shipped.ID, model.OrderShipped}, {returned.ID, model.OrderSettled}} {
			ordWantStatus(t, h, c.id, c.want)
		}

		// 31 minutes: the unpaid consumer orders are cancelled, stock released
		w.clock.advance(2 * time.Minute)
		w.sweep(t)
		ordWantStatus(t, h, unpaid.ID, model.OrderCancelled)
		ordWantStatus(t, h, late.ID, model.OrderCancelled)
		ordWantStatus(t, h, unapproved.ID, model.OrderPendingApproval)
		ordWantStatus(t, h, shipped.ID, model.OrderShipped)
		ordWantStock(t, h, w.tea, 97, 0)
		if got := queryOne[string](t, h, "SELECT to_state FROM order_events WHERE order_id = ? AND action = 'timeout'", unpaid.ID); got != model.OrderCancelled {
			t.Errorf("timeout event to %s", got)
		}
		// the payment of the late order arrives now: the money goes back
		w.signedCallback(t, latePay.Payment.ID, model.PaymentSucceeded)
		if r := ordStored(t, h, late.ID); r != (ordRow{Status: model.OrderCancelled, Total: 1000, Paid: 1000, Refund: 1000}) {
			t.Errorf("late-paid order = %+v, want cancelled and refunded", r)
		}
		if n, cents := ordPayments(t, h, late.ID, model.PaymentRefund, model.PaymentSucceeded); n != 1 || cents != 1000 {
			t.Errorf("refunds of the late payment = %d for %d cents, want 1 for 1000", n, cents)
		}
		ordWantStock(t, h, w.tea, 97, 0)
		// a second sweep finds nothing more to do at this time
		if n := w.sweep(t); n != 0 {
			t.Errorf("second sweep took %d steps", n)
		}

		// 73 hours: the unapproved order is cancelled, the return approved
		w.clock.advance(72 * time.Hour)
		w.sweep(t)
		ordWantStatus(t, h, unapproved.ID, model.OrderCancelled)
		ordWantStock(t, h, w.fruit, 99, 1)
		if got := queryOne[string](t, h, "SELECT status FROM returns WHERE id = ?", rt.ID); got != model.ReturnApproved {
			t.Errorf("return after its deadline = %s, want approved", got)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM returns WHERE id = ? AND decided_by IS NULL", rt.ID); n != 1 {
			t.Error("an automatic approval names a decider")
		}
		if r := ordStored(t, h, returned.ID); r != (ordRow{Status: model.OrderSettled, Total: 3000, Received: 3000, Returned: 2000,
			Paid: 3000, Refund: 2000}) {
			t.Errorf("returned order = %+v", r)
		}
		if got := queryOne[int64](t, h, "SELECT returned_qty FROM order_lines WHERE id = ?", returned.Lines[0].ID); got != 2 {
			t.Errorf("returned quantity = %d, want 2", got)
		}
		ordWantStatus(t, h, shipped.ID, model.OrderShipped)

		// seven days after shipping: accepted in full, settled
		w.clock.advance(96 * time.Hour)
		w.sweep(t)
		if r := ordStored(t, h, shipped.ID); r != (ordRow{Status: model.OrderSettled, Total: 2000, Received: 2000, Paid: 2000}) {
			t.Errorf("auto-accepted order = %+v", r)
		}
		if got := queryOne[int64](t, h, "SELECT received_qty FROM order_lines WHERE id = ?", shipped.Lines[0].ID); got != 1 {
			t.Errorf("auto-accepted quantity = %d, want 1", got)
		}

		// a prepay org has 30 days to pay
		ordWantStatus(t, h, orgUnpaid.ID, model.OrderPendingPayment)
		w.clock.advance(720*time.Hour - 168*time.Hour)
		w.sweep(t)
		ordWantStatus(t, h, orgUnpaid.ID, model.OrderCancelled)
		ordWantStock(t, h, w.fruit, 99, 0)
	})
}

// TestOrderPayments: a failed charge leaves the order waiting for another;
// money that arrives twice goes back once the order is paid.
func TestOrderPayments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		o := w.place(t, model.RoleConsumer, w.tea, 2)

		failed := w.pay(t, model.RoleConsumer, o.ID, "deferred")
		if got := w.signedCallback(t, failed.Payment.ID, model.PaymentFailed); got.Status != model.PaymentFailed {
			t.Errorf("failed callback = %+v", got)
		}
		// a success reported after the failure changes nothing
		w.signedCallback(t, failed.Payment.ID, model.PaymentSucceeded)
		if r := ordStored(t, h, o.ID); r != (ordRow{Status: model.OrderPendingPayment, Total: 2000}) {
			t.Errorf("after a failed charge = %+v", r)
		}

		// two charges in flight; the second to arrive is refunded
		slow := w.pay(t, model.RoleConsumer, o.ID, "deferred")
		fast := w.pay(t, model.RoleConsumer, o.ID, "instant")
		if fast.Order.Status != model.OrderAwaitingShipment {
			t.Errorf("instant pay = %+v", fast)
		}
		w.signedCallback(t, slow.Payment.ID, model.PaymentSucceeded)
		if r := ordStored(t, h, o.ID); r != (ordRow{Status: model.OrderAwaitingShipment, Total: 2000, Paid: 4000, Refund: 2000}) {
			t.Errorf("after a double payment = %+v", r)
		}
		if n, cents := ordPayments(t, h, o.ID, model.PaymentRefund, model.PaymentSucceeded); n != 1 || cents != 2000 {
			t.Errorf("refunds = %d for %d cents, want 1 for 2000", n, cents)
		}
		// a refund is not something a provider reports on
		refund := queryOne[int64](t, h, "SELECT id FROM payments WHERE order_id = ? AND kind = ?", o.ID, model.PaymentRefund)
		body := ordCallbackBody(refund, model.PaymentSucceeded)
		wantError(t, w.callback(t, body, w.sandbox.Sign([]byte(body))), http.StatusNotFound, "not_found")

		// the buyer cancels the paid order: all of it comes back
		if got := w.act(t, model.RoleConsumer, o.ID, "cancel", `{"reason": "不需要了"}`); got.Status != model.OrderCancelled ||
			got.RefundedCents != 4000 {
			t.Errorf("cancelled = %+v", got)
		}
		ordWantStock(t, h, w.tea, 100, 0)

		// a charge that arrives after the goods were accounted for is
		// kept only as far as it is owed
		late := w.place(t, model.RoleConsumer, w.tea, 2)
		lateCharge := w.pay(t, model.RoleConsumer, late.ID, "deferred")
		w.pay(t, model.RoleConsumer, late.ID, "instant")
		w.ship(t, model.RoleSupplier, late.ID)
		w.act(t, model.RoleConsumer, late.ID, "accept", "")
		w.signedCallback(t, lateCharge.Payment.ID, model.PaymentSucceeded)
		if r := ordStored(t, h, late.ID); r != (ordRow{Status: model.OrderSettled, Total: 2000, Received: 2000, Paid: 4000, Refund: 2000}) {
			t.Errorf("settled order paid twice = %+v, want the second charge refunded", r)
		}
		due := w.place(t, "canteen_buyer", w.tea, 3)
		w.ship(t, model.RoleSupplier, due.ID)
		w.act(t, "canteen_buyer", due.ID, "accept", "")
		one := w.pay(t, "canteen_buyer", due.ID, "deferred")
		two := w.pay(t, "canteen_approver", due.ID, "deferred")
		if one.Payment.AmountCents != 3000 || two.Payment.AmountCents != 3000 {
			t.Errorf("charges of the amount due = %d and %d, want 3000 each", one.Payment.AmountCents, two.Payment.AmountCents)
		}
		w.signedCallback(t, one.Payment.ID, model.PaymentSucceeded)
		ordWantStatus(t, h, due.ID, model.OrderSettled)
		w.signedCallback(t, two.Payment.ID, model.PaymentSucceeded)
		if r := ordStored(t, h, due.ID); r != (ordRow{Status: model.OrderSettled, Total: 3000, Received: 3000, Paid: 6000, Refund: 3000}) {
			t.Errorf("after-delivery order paid twice = %+v, want the second charge refunded", r)
		}

		// a signed callback that is not a report writes nothing
		before := ordCount(t, h)
		for _, c := range []struct {
			name, body string
			status     int
			code       string
			fields     []string
		}{
			{"unknown status", fmt.Sprintf(`{"payment_id": %d, "status": "refunded"}`, slow.Payment.ID), 422, "invalid", []string{"status"}},
			{"no payment", `{"status": "succeeded"}`, 422, "invalid", []string{"payment_id"}},
			{"unknown field", fmt.Sprintf(`{"payment_id": %d, "status": "succeeded", "amount_cents": 1}`, slow.Payment.ID),
				400, "malformed_json", nil},
			{"not json", `payment_id=1`, 400, "malformed_json", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := w.h.callBadWith(t, http.MethodPost, v1+"/payments/callback", "", c.body,
					map[string]string{"X-Signature": w.sandbox.Sign([]byte(c.body))})
				wantError(t, res, c.status, c.code, c.fields...)
			})
		}
		ordUnchanged(t, h, before)
	})
}

// TestOrderIdempotency: a retry gets the first answer byte for byte; a key
// is the user's own.
func TestOrderIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		consumer, victim := w.users[model.RoleConsumer], w.users["victim"]
		body := ordLines(w.tea, 2)

		res := w.post(t, v1+"/orders", model.RoleConsumer, "same-key", body)
		wantStatus(t, res, http.StatusCreated)
		first := decode[ordOrder](t, res)
		again := w.post(t, v1+"/orders", model.RoleConsumer, "same-key", body)
		wantStatus(t, again, http.StatusCreated)
		if !bytes.Equal(again.Body, res.Body) {
			t.Errorf("replay differs:\n%s\n%s", again.Body, res.Body)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE user_id = ?", consumer.ID); n != 1 {
			t.Errorf("orders after a replay = %d, want 1", n)
		}
		ordWantStock(t, h, w.tea, 100, 2)

		before := ordCount(t, h)
		wantError(t, w.post(t, v1+"/orders", model.RoleConsumer, "same-key", ordLines(w.tea, 3)),
			http.StatusUnprocessableEntity, "idempotency_key_reused")
		wantError(t, w.postBad(t, v1+"/orders", model.RoleConsumer, "", body), http.StatusBadRequest, "idempotency_key_required")
		wantError(t, w.postBad(t, v1+"/orders", model.RoleConsumer, strings.Repeat("k", 129), body),
			http.StatusBadRequest, "invalid_idempotency_key")
		ordUnchanged(t, h, before)

		// another user's same key is their own
		res = w.post(t, v1+"/orders", "victim", "same-key", body)
		wantStatus(t, res, http.StatusCreated)
		theirs := decode[ordOrder](t, res)
		if theirs.ID == first.ID || theirs.UserID != victim.ID {
			t.Errorf("victim's order = %+v, want a new order of theirs", theirs)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE user_id = ?", victim.ID); n != 1 {
			t.Errorf("victim's orders = %d, want 1", n)
		}

		// a request that failed stored nothing: the key runs again
		wantError(t, w.post(t, v1+"/orders", "shopper", "retry-key", ordLines(w.scarce, 3)), http.StatusConflict, "out_of_stock", "sku_id")
		res = w.post(t, v1+"/orders", "shopper", "retry-key", ordLines(w.scarce, 2))
		wantStatus(t, res, http.StatusCreated)
		ordWantStock(t, h, w.scarce, 2, 2)

		// payments too: one charge however often the client retries
		pay := path(v1+"/orders", first.ID, "pay")
		res = w.post(t, pay, model.RoleConsumer, "pay-key", `{"mode": "instant"}`)
		wantStatus(t, res, http.StatusOK)
		again = w.post(t, pay, model.RoleConsumer, "pay-key", `{"mode": "instant"}`)
		wantStatus(t, again, http.StatusOK)
		if !bytes.Equal(again.Body, res.Body) {
			t.Errorf("pay replay differs:\n%s\n%s", again.Body, res.Body)
		}
		if n, cents := ordPayments(t, h, first.ID, model.PaymentCharge, model.PaymentSucceeded); n != 1 || cents != 2000 {
			t.Errorf("charges = %d for %d cents, want 1 for 2000", n, cents)
		}
		wantError(t, w.post(t, pay, model.RoleConsumer, "pay-key", `{"mode": "deferred"}`),
			http.StatusUnprocessableEntity, "idempotency_key_reused")
		wantError(t, w.postBad(t, pay, model.RoleConsumer, "", `{"mode": "instant"}`), http.StatusBadRequest, "idempotency_key_required")
		// a key belongs to one kind of request
		wantError(t, w.post(t, v1+"/cart/checkout", model.RoleConsumer, "same-key", ""),
			http.StatusUnprocessableEntity, "idempotency_key_reused")

		// keys are kept 24 hours; after that the key is free again
		w.clock.advance(25 * time.Hour)
		res = w.post(t, v1+"/orders", model.RoleConsumer, "same-key", ordLines(w.tea, 3))
		wantStatus(t, res, http.StatusCreated)
		if o := decode[ordOrder](t, res); o.ID == first.ID || o.TotalCents != 3000 {
			t.Errorf("order with an expired key = %+v, want a new order of 3 units", o)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE user_id = ?", consumer.ID); n != 2 {
			t.Errorf("consumer's orders = %d, want 2", n)
		}
	})
}

// TestOrderIdempotencyKeyBytes: Idempotency-Keys that differ only in case
// are three keys, on every backend (a case-insensitive collation once made
// them one on MariaDB): three orders, and each key replays its own.
func TestOrderIdempotencyKeyBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		consumer := w.users[model.RoleConsumer]
		body := ordLines(w.tea, 1)
		first := map[string]response{}
		ids := map[int64]bool{}
		for _, key := range []string{"Kx7-case", "kx7-case", "KX7-CASE"} {
			res := w.post(t, v1+"/orders", model.RoleConsumer, key, body)
			wantStatus(t, res, http.StatusCreated)
			first[key] = res
			ids[decode[ordOrder](t, res).ID] = true
		}
		if len(ids) != 3 {
			t.Errorf("three keys placed %d distinct orders, want 3", len(ids))
		}
		for key, res := range first {
			again := w.post(t, v1+"/orders", model.RoleConsumer, key, body)
			wantStatus(t, again, http.StatusCreated)
			if !bytes.Equal(again.Body, res.Body) {
				t.Errorf("replay of %q differs:\n%s\n%s", key, again.Body, res.Body)
			}
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE user_id = ?", consumer.ID); n != 3 {
			t.Errorf("orders = %d, want 3", n)
		}
		ordWantStock(t, h, w.tea, 100, 3)
	})
}

// TestOrderPrices: the tier for the quantity sets the unit price, and a
// client can set no price, status or org.
func TestOrderPrices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		for _, c := range []struct {
			qty, unit int64
		}{{9, 1000}, {10, 900}, {49, 900}, {50, 800}} {
			t.Run(fmt.Sprint(c.qty), func(t *testing.T) {
				o := w.place(t, "market_buyer", w.tea, c.qty)
				if l := o.Lines[0]; l.UnitPriceCents != c.unit || l.AmountCents != c.qty*c.unit || o.TotalCents != c.qty*c.unit {
					t.Errorf("line = %+v total %d, want %d × %d", l, o.TotalCents, c.qty, c.unit)
				}
				if got := queryOne[int64](t, h, "SELECT unit_price_cents FROM order_lines WHERE order_id = ?", o.ID); got != c.unit {
					t.Errorf("stored unit price = %d, want %d", got, c.unit)
				}
				if got := queryOne[int64](t, h, "SELECT total_cents FROM orders WHERE id = ?", o.ID); got != c.qty*c.unit {
					t.Errorf("stored total = %d, want %d", got, c.qty*c.unit)
				}
				w.act(t, "market_buyer", o.ID, "cancel", "") // give the stock back for the next case
			})
		}

		line := fmt.Sprintf(`{"sku_id": %d, "quantity": 1}`, w.tea)
		for _, c := range []struct{ name, body, field string }{
			{"line price", fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 1, "price_cents": 1}]}`, w.tea), "price_cents"},
			{"line unit price", fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 1, "unit_price_cents": 1}]}`, w.tea), "unit_price_cents"},
			{"status", `{"lines": [` + line + `], "status": "settled"}`, "status"},
			{"org", fmt.Sprintf(`{"lines": [%s], "org_id": %d}`, line, w.canteen.ID), "org_id"},
			{"user", fmt.Sprintf(`{"lines": [%s], "user_id": %d}`, line, w.users["victim"].ID), "user_id"},
			{"total", `{"lines": [` + line + `], "total_cents": 1}`, "total_cents"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := ordCount(t, h)
				wantError(t, w.postBad(t, v1+"/orders", model.RoleConsumer, w.key(), c.body), http.StatusBadRequest, "unknown_field", c.field)
				ordUnchanged(t, h, before)
			})
		}
	})
}

// TestOrderBadInput: every refusal writes nothing.
func TestOrderBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		big := `{"lines": [{"sku_id": 1, "quantity": 1}], "note": "` + strings.Repeat("x", api.MaxBody) + `"}`
		for _, c := range []struct {
			name, who, target, body string
			documented              bool // the request itself matches the document
			chunked                 bool // sent without a Content-Length
			status                  int
			code                    string
			fields                  []string
		}{
			{name: "zero quantity", body: ordLines(w.tea, 0), status: 422, code: "invalid", fields: []string{"lines[0].quantity"}},
			{name: "negative quantity", body: ordLines(w.tea, -1), status: 422, code: "invalid", fields: []string{"lines[0].quantity"}},
			{name: "huge quantity", body: ordLines(w.tea, 1_000_000_000), status: 422, code: "invalid", fields: []string{"lines[0].quantity"}},
			{name: "beyond int64", body: fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 99999999999999999999}]}`, w.tea),
				status: 400, code: "malformed_json", fields: []string{"lines.quantity"}},
			{name: "fractional quantity", body: fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 1.5}]}`, w.tea),
				status: 400, code: "malformed_json", fields: []string{"lines.quantity"}},
			{name: "quantity as text", body: fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": "2"}]}`, w.tea),
				status: 400, code: "malformed_json", fields: []string{"lines.quantity"}},
			{name: "unknown sku", body: ordLines(999_999, 1), status: 422, code: "invalid", fields: []string{"lines[0].sku_id"}},
			{name: "sku zero", body: ordLines(0, 1), status: 422, code: "invalid", fields: []string{"lines[0].sku_id"}},
			{name: "off sale", body: ordLines(w.offSale, 1), status: 422, code: "invalid", fields: []string{"lines[0].sku_id"}},
			{name: "suspended supplier", body: ordLines(w.suspended, 1), status: 422, code: "invalid", fields: []string{"lines[0].sku_id"}},
			{name: "mixed suppliers", body: ordLines(w.tea, 1, w.fruit, 1), documented: true, status: 422, code: "mixed_suppliers",
				fields: []string{"lines"}},
			{name: "duplicate sku", body: ordLines(w.tea, 1, w.tea, 2), status: 422, code: "invalid", fields: []string{"lines[1].sku_id"}},
			{name: "no lines", body: `{"lines": []}`, status: 422, code: "invalid", fields: []string{"lines"}},
			{name: "lines missing", body: `{}`, status: 422, code: "invalid", fields: []string{"lines"}},
			{name: "too many lines", body: ordLines(ordManyLines(51)...), status: 422, code: "invalid", fields: []string{"lines"}},
			{name: "bad phone", body: fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 1}], "phone": "call me"}`, w.tea),
				status: 422, code: "invalid", fields: []string{"phone"}},
			{name: "bad delivery date", body: fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 1}], "delivery_date": "2026-02-30"}`, w.tea),
				status: 422, code: "invalid", fields: []string{"delivery_date"}},
			{name: "malformed json", body: `{"lines": [`, status: 400, code: "malformed_json"},
			{name: "two objects", body: ordLines(w.tea, 1) + ordLines(w.tea, 1), status: 400, code: "malformed_json"},
			{name: "array", body: `[]`, status: 400, code: "malformed_json"},
			{name: "string", body: `"lines"`, status: 400, code: "malformed_json"},
			{name: "null lines entry", body: `{"lines": [null]}`, status: 422, code: "invalid", fields: []string{"lines[0].sku_id", "lines[0].quantity"}},
			{name: "empty body", body: "", status: 400, code: "malformed_json"},
			{name: "over 1 MiB", body: big, status: 413, code: "body_too_large"},
			{name: "over 1 MiB chunked", body: big, chunked: true, status: 413, code: "body_too_large"},
			{name: "out of stock", body: ordLines(w.scarce, 3), documented: true, status: 409, code: "out_of_stock", fields: []string{"sku_id"}},
			{name: "supplier", who: model.RoleSupplier, body: ordLines(w.tea, 1), documented: true, status: 403, code: "forbidden"},
			{name: "admin", who: model.RoleAdmin, body: ordLines(w.tea, 1), documented: true, status: 403, code: "forbidden"},
			{name: "approver", who: model.RoleApprover, body: ordLines(w.tea, 1), documented: true, status: 403, code: "forbidden"},
			{name: "anonymous", who: "anonymous", body: ordLines(w.tea, 1), documented: true, status: 401, code: "unauthorized"},
			{name: "empty cart", target: v1 + "/cart/checkout", body: `{}`, documented: true, status: 409, code: "empty_cart"},
			{name: "empty cart no body", target: v1 + "/cart/checkout", documented: true, status: 409, code: "empty_cart"},
			{name: "cart zero quantity", target: v1 + "/cart", body: jsonBody(map[string]any{"items": []ordCartItem{{SKUID: w.tea}}}),
				status: 422, code: "invalid", fields: []string{"items[0].quantity"}},
			{name: "cart unknown sku", target: v1 + "/cart", body: jsonBody(map[string]any{"items": []ordCartItem{{SKUID: 999_999, Quantity: 1}}}),
				documented: true, status: 422, code: "invalid", fields: []string{"items[0].sku_id"}},
			{name: "cart off sale", target: v1 + "/cart", body: jsonBody(map[string]any{"items": []ordCartItem{{SKUID: w.offSale, Quantity: 1}}}),
				documented: true, status: 422, code: "invalid", fields: []string{"items[0].sku_id"}},
			{name: "cart price", target: v1 + "/cart", body: fmt.Sprintf(`{"items": [{"sku_id": %d, "quantity": 1, "price_cents": 1}]}`, w.tea),
				status: 400, code: "unknown_field", fields: []string{"price_cents"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				who := c.who
				if who == "" {
					who = model.RoleConsumer
				}
				target := c.target
				if target == "" {
					target = v1 + "/orders"
				}
				method := http.MethodPost
				if target == v1+"/cart" {
					method = http.MethodPut
				}
				before := ordCount(t, h)
				req := withHeaders(newRequest(method, target, w.token(t, who), c.body), ordKey(w.key()))
				if c.chunked {
					req.Body = io.NopCloser(strings.NewReader(c.body))
					req.ContentLength = -1
				}
				res := h.do(t, req, c.documented)
				wantError(t, res, c.status, c.code, c.fields...)
				ordUnchanged(t, h, before)
			})
		}

		// checkout is all or nothing: one line out of stock places nothing
		// and keeps the cart
		tok := w.token(t, model.RoleConsumer)
		wantStatus(t, h.call(t, http.MethodPut, v1+"/cart", tok, jsonBody(map[string]any{"items": []ordCartItem{
			{SKUID: w.tea, Quantity: 1}, {SKUID: w.fruit, Quantity: 1}, {SKUID: w.scarce, Quantity: 3}}})), http.StatusOK)
		before := ordCount(t, h)
		wantError(t, w.post(t, v1+"/cart/checkout", model.RoleConsumer, w.key(), ""), http.StatusConflict, "out_of_stock", "sku_id")
		ordUnchanged(t, h, before)
		if got := decode[ordCart](t, h.call(t, http.MethodGet, v1+"/cart", tok, "")); len(got.Items) != 3 {
			t.Errorf("cart after a failed checkout = %v, want the three items kept", got.Items)
		}
		// a cart holding a SKU taken off sale since
		fruitProduct := queryOne[int64](t, h, "SELECT product_id FROM skus WHERE id = ?", w.fruit)
		if err := h.store.SetProductOnSale(context.Background(), fruitProduct, false); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, h.call(t, http.MethodPut, v1+"/cart", tok, jsonBody(map[string]any{"items": []ordCartItem{
			{SKUID: w.tea, Quantity: 1}}})), http.StatusOK)
		execSQL(t, h, "INSERT INTO cart_items (user_id, sku_id, quantity) VALUES (?, ?, 1)", w.users[model.RoleConsumer].ID, w.fruit)
		before = ordCount(t, h)
		wantError(t, w.post(t, v1+"/cart/checkout", model.RoleConsumer, w.key(), ""), http.StatusUnprocessableEntity, "invalid",
			"lines[1].sku_id")
		ordUnchanged(t, h, before)
	})
}

// TestOrderPersonalData: address and phone go to the buyer side and the
// order's supplier only; lists mask the phone.
func TestOrderPersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		o := w.place(t, model.RoleConsumer, w.tea, 1)
		org := w.place(t, "canteen_buyer", w.fruit, 1)

		for _, c := range []struct {
			who   string
			id    int64
			phone string // "" = address and phone null
		}{
			{model.RoleConsumer, o.ID, ordPhone},
			{model.RoleSupplier, o.ID, ordPhone},
			{model.RoleAdmin, o.ID, ""},
			{"canteen_buyer", org.ID, ordPhone},
			{"canteen_approver", org.ID, ordPhone},
			{"supplier_b", org.ID, ordPhone},
			{model.RoleAdmin, org.ID, ""},
		} {
			t.Run("detail/"+c.who, func(t *testing.T) {
				d := w.detail(t, c.who, c.id)
				if c.phone == "" {
					if d.Address != nil || d.Phone != nil {
						t.Errorf("%s sees address %v phone %v, want null", c.who, d.Address, d.Phone)
					}
					return
				}
				if d.Address == nil || *d.Address != ordAddress || d.Phone == nil || *d.Phone != c.phone {
					t.Errorf("%s sees address %v phone %v, want %s and %s", c.who, d.Address, d.Phone, ordAddress, c.phone)
				}
			})
		}
		for _, c := range []struct {
			who string
			id  int64
		}{
			{"victim", o.ID}, {"supplier_b", o.ID}, {model.RoleBuyer, o.ID}, {"canteen_buyer", o.ID},
			{model.RoleConsumer, org.ID}, {model.RoleSupplier, org.ID}, {model.RoleApprover, org.ID}, {model.RoleOfficer, org.ID},
		} {
			t.Run("hidden/"+c.who, func(t *testing.T) {
				wantError(t, h.call(t, http.MethodGet, path(v1+"/orders", c.id), w.token(t, c.who), ""), http.StatusNotFound, "not_found")
			})
		}

		// lists: the caller's orders, phones masked
		for _, c := range []struct {
			who, target string
			want        []int64
			phone       string // "" = null
		}{
			{model.RoleConsumer, v1 + "/orders", []int64{o.ID}, ordMasked},
			{model.RoleSupplier, v1 + "/orders", []int64{o.ID}, ordMasked},
			{model.RoleSupplier, v1 + "/supplier/orders", []int64{o.ID}, ordMasked},
			{"supplier_b", v1 + "/supplier/orders", []int64{org.ID}, ordMasked},
			{"canteen_approver", v1 + "/orders", []int64{org.ID}, ordMasked},
			{model.RoleAdmin, v1 + "/orders", []int64{org.ID, o.ID}, ""},
			{"victim", v1 + "/orders", nil, ""},
			{model.RoleBuyer, v1 + "/orders", nil, ""},
		} {
			t.Run("list/"+c.who+c.target, func(t *testing.T) {
				res := h.call(t, http.MethodGet, c.target, w.token(t, c.who), "")
				wantStatus(t, res, http.StatusOK)
				p := decode[page[ordOrder]](t, res)
				var ids []int64
				for _, it := range p.Items {
					ids = append(ids, it.ID)
					switch {
					case c.phone == "" && (it.Phone != nil || it.Address != nil):
						t.Errorf("%s's list shows order %d's address %v phone %v", c.who, it.ID, it.Address, it.Phone)
					case c.phone != "" && (it.Phone == nil || *it.Phone != c.phone || it.Address == nil):
						t.Errorf("%s's list shows order %d's phone as %v, want %s", c.who, it.ID, it.Phone, c.phone)
					}
				}
				if !slices.Equal(ids, c.want) || p.Total != int64(len(c.want)) {
					t.Errorf("%s lists %v (total %d), want %v", c.who, ids, p.Total, c.want)
				}
			})
		}
		// list filters
		for _, c := range []struct {
			query string
			want  int64
		}{
			{"?status=pending_payment", 1}, {"?status=shipped", 0}, {"?from=2000-01-01&to=2000-01-31", 0},
			{"?from=" + time.Now().In(model.China).Format(model.DateLayout), 1},
		} {
			res := h.call(t, http.MethodGet, v1+"/orders"+c.query, w.token(t, model.RoleConsumer), "")
			wantStatus(t, res, http.StatusOK)
			if got := decode[page[ordOrder]](t, res).Total; got != c.want {
				t.Errorf("orders%s = %d, want %d", c.query, got, c.want)
			}
		}
		wantError(t, h.callBad(t, http.MethodGet, v1+"/orders?status=lost", w.token(t, model.RoleConsumer), ""), http.StatusUnprocessableEntity, "invalid", "status")

		// what is stored is the whole number
		if got := queryOne[string](t, h, "SELECT phone FROM orders WHERE id = ?", o.ID); got != ordPhone {
			t.Errorf("stored phone = %q", got)
		}
	})
}

// TestOrderTransitions: a transition the order's state does not allow is a
// 409 invalid_transition and changes nothing.
func TestOrderTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		shipped := w.place(t, model.RoleConsumer, w.tea, 1)
		cancelled := w.place(t, model.RoleConsumer, w.tea, 1)
		pending := w.place(t, model.RoleConsumer, w.tea, 1)

		// accept before shipping
		before := ordCount(t, h)
		wantError(t, w.post(t, path(v1+"/orders", pending.ID, "accept"), model.RoleConsumer, "", ""), http.StatusConflict, "invalid_transition")
		wantError(t, w.post(t, path(v1+"/orders", pending.ID, "ship"), model.RoleSupplier, "", `{"carrier": "顺丰", "tracking_no": "SF1"}`),
			http.StatusConflict, "invalid_transition")
		ordUnchanged(t, h, before)

		w.pay(t, model.RoleConsumer, shipped.ID, "instant")
		w.ship(t, model.RoleSupplier, shipped.ID)
		w.act(t, model.RoleConsumer, cancelled.ID, "cancel", `{"reason": "买错了"}`)
		ordWantStock(t, h, w.tea, 99, 1) // pending holds one

		before = ordCount(t, h)
		for _, c := range []struct {
			name, who string
			id        int64
			action    string
			key       bool
			body      string
		}{
			{"ship twice", model.RoleSupplier, shipped.ID, "ship", false, `{"carrier": "顺丰", "tracking_no": "SF2"}`},
			{"cancel after ship", model.RoleConsumer, shipped.ID, "cancel", false, ""},
			{"decline after ship", model.RoleSupplier, shipped.ID, "decline", false, `{"reason": "缺货"}`},
			{"pay after ship", model.RoleConsumer, shipped.ID, "pay", true, ""},
			{"pay a cancelled order", model.RoleConsumer, cancelled.ID, "pay", true, `{"mode": "instant"}`},
			{"cancel twice", model.RoleConsumer, cancelled.ID, "cancel", false, ""},
			{"ship a cancelled order", model.RoleSupplier, cancelled.ID, "ship", false, `{"carrier": "顺丰", "tracking_no": "SF3"}`},
			{"accept a cancelled order", model.RoleConsumer, cancelled.ID, "accept", false, ""},
			{"decline unpaid", model.RoleSupplier, pending.ID, "decline", false, `{"reason": "缺货"}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				key := ""
				if c.key {
					key = w.key()
				}
				wantError(t, w.post(t, path(v1+"/orders", c.id, c.action), c.who, key, c.body), http.StatusConflict, "invalid_transition")
			})
		}
		ordUnchanged(t, h, before)
		ordWantStatus(t, h, shipped.ID, model.OrderShipped)
		ordWantStatus(t, h, cancelled.ID, model.OrderCancelled)
		ordWantStatus(t, h, pending.ID, model.OrderPendingPayment)
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM payments WHERE order_id = ?", cancelled.ID); n != 0 {
			t.Errorf("payments of the cancelled order = %d, want 0", n)
		}
		// orders that do not exist
		for _, action := range []string{"pay", "cancel", "ship", "accept", "approve"} {
			key := ""
			if action == "pay" {
				key = w.key()
			}
			who := model.RoleConsumer
			if action == "ship" {
				who = model.RoleSupplier
			}
			body := ""
			if action == "ship" {
				body = `{"carrier": "顺丰", "tracking_no": "SF4"}`
			}
			wantError(t, w.post(t, path(v1+"/orders", 999_999, action), who, key, body), http.StatusNotFound, "not_found")
		}
		wantError(t, w.post(t, path(v1+"/returns", 999_999, "approve"), model.RoleSupplier, "", ""), http.StatusNotFound, "not_found")
		// a consumer order needs no approval, and a consumer approves nothing
		wantError(t, w.post(t, path(v1+"/orders", pending.ID, "approve"), model.RoleConsumer, "", ""), http.StatusForbidden, "forbidden")
		// a return before acceptance
		wantError(t, w.post(t, path(v1+"/orders", shipped.ID, "returns"), model.RoleConsumer, "", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": shipped.Lines[0].ID, "quantity": 1}}, "reason": "quality"})),
			http.StatusConflict, "invalid_transition")
		ordUnchanged(t, h, before)
	})
}

// TestOrderLimits: the per-SKU cap on units held in open orders, and the
// per-user order rate.
func TestOrderLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		limits := testOrderLimits()
		limits.SKUCap, limits.RateOrders = 3, 2
		w := ordNewWorld(t, b, limits, account.NewMemory())
		h := w.h

		// the cap counts units across open orders; cancelled ones free them
		w.place(t, model.RoleConsumer, w.tea, 3)
		before := ordCount(t, h)
		wantError(t, w.post(t, v1+"/orders", model.RoleConsumer, w.key(), ordLines(w.tea, 1)), http.StatusConflict, "sku_cap")
		ordUnchanged(t, h, before)
		ordWantStock(t, h, w.tea, 100, 3)
		w.act(t, "shopper", w.place(t, "shopper", w.tea, 3).ID, "cancel", "")
		w.place(t, "shopper", w.tea, 3)
		// checkout too, and one order of more than the cap
		wantStatus(t, h.call(t, http.MethodPut, v1+"/cart", w.token(t, "market_buyer"), jsonBody(map[string]any{"items": []ordCartItem{
			{SKUID: w.tea, Quantity: 4}}})), http.StatusOK)
		before = ordCount(t, h)
		wantError(t, w.post(t, v1+"/cart/checkout", "market_buyer", w.key(), ""), http.StatusConflict, "sku_cap")
		ordUnchanged(t, h, before)

		// two orders a minute; the third is refused with Retry-After
		w.place(t, "victim", w.fruit, 1)
		w.place(t, "victim", w.fruit, 1)
		before = ordCount(t, h)
		res := w.post(t, v1+"/orders", "victim", w.key(), ordLines(w.fruit, 1))
		wantError(t, res, http.StatusTooManyRequests, "rate_limited")
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
			t.Errorf("Retry-After = %q, want 1 to 60 seconds", res.Header.Get("Retry-After"))
		}
		ordUnchanged(t, h, before)
		// others are not slowed down
		w.place(t, "canteen_buyer", w.fruit, 1)
	})
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// world is what the load needs to know about the demo data: tokens, the
// supplier whose goods it buys (so that supplier can ship them), those goods.
type world struct {
	tokens     map[string]string // username → token
	supplierID int64
	skus       []sku   // SKUs the load buys
	probe      sku     // an SKU of the same supplier the load never buys: the stock probe
	products   []int64 // every product the load reads
	year       int
}

type sku struct {
	id, product int64
}

var demoUsers = []string{"admin", "officer.shaoxing", "consumer", "canteen.buyer", "market.buyer", "supplier.jinkouhe"}

// setup logs in every demo user and finds supplier.jinkouhe's goods.
func setup(ctx context.Context, c *client) (*world, error) {
	w := &world{tokens: map[string]string{}, year: time.Now().In(chinaZone()).Year()}
	for _, u := range demoUsers {
		var out struct {
			Token string `json:"token"`
			User  struct {
				SupplierID *int64 `json:"supplier_id"`
			} `json:"user"`
		}
		status, body, err := c.call(ctx, "", http.MethodPost, "/api/v1/auth/login",
			map[string]string{"username": u, "password": "shanhai-demo"}, "", &out)
		if err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("login %s: %d %v %.300s", u, status, err, body)
		}
		w.tokens[u] = out.Token
		if out.User.SupplierID != nil {
			w.supplierID = *out.User.SupplierID
		}
	}
	var page struct {
		Items []struct {
			ID       int64 `json:"id"`
			Supplier struct {
				ID int64 `json:"id"`
			} `json:"supplier"`
		} `json:"items"`
	}
	status, body, err := c.call(ctx, "", http.MethodGet, "/api/v1/products?origin=511113&page_size=100", nil, "", &page)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("list products: %d %v %.300s", status, err, body)
	}
	for _, p := range page.Items {
		w.products = append(w.products, p.ID)
		if p.Supplier.ID != w.supplierID {
			continue
		}
		var d struct {
			SKUs []struct {
				ID int64 `json:"id"`
			} `json:"skus"`
		}
		if status, body, err := c.call(ctx, "", http.MethodGet, "/api/v1/products/"+strconv.FormatInt(p.ID, 10), nil, "", &d); err != nil || status != http.StatusOK {
			return nil, fmt.Errorf("product %d: %d %v %.300s", p.ID, status, err, body)
		}
		for _, s := range d.SKUs {
			w.skus = append(w.skus, sku{s.ID, p.ID})
		}
	}
	if len(w.skus) < 3 {
		return nil, fmt.Errorf("supplier %d (supplier.jinkouhe) has %d SKUs on sale in 511113; want at least 3", w.supplierID, len(w.skus))
	}
	// The probe: preferably the only SKU of its product, so the product's
	// detail changes only when the probe changes it.
	count := map[int64]int{}
	for _, s := range w.skus {
		count[s.product]++
	}
	pick := len(w.skus) - 1
	for i, s := range w.skus {
		if count[s.product] == 1 {
			pick = i
		}
	}
	w.probe = w.skus[pick]
	w.skus = append(w.skus[:pick:pick], w.skus[pick+1:]...)
	return w, nil
}

// record is the load's own account of what the API acknowledged.
type record struct {
	mu        sync.Mutex
	acked     map[int64]string // order id → the Idempotency-Key that placed it
	accepted  map[int64]int64  // order id → Σ received × unit price in the acceptance response
	returns   map[int64]int64  // approved return id → its amount
	abandoned int              // placements given up on (network or 503 until the retry limit)
	lostRace  int              // payments that lost to the unpaid timeout (409)
	redone    int              // retried transitions that found their first attempt (answered 503 or lost) had committed
	placed    int
}

func newRecord() *record {
	return &record{acked: map[int64]string{}, accepted: map[int64]int64{}, returns: map[int64]int64{}}
}

type orderResp struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	PaymentTerms  string `json:"payment_terms"`
	ReceivedCents int64  `json:"received_cents"`
	AmountDue     int64  `json:"amount_due_cents"`
	Lines         []struct {
		ID        int64  `json:"id"`
		SKUID     int64  `json:"sku_id"`
		Quantity  int64  `json:"quantity"`
		UnitPrice int64  `json:"unit_price_cents"`
		Received  *int64 `json:"received_quantity"`
	} `json:"lines"`
}

// loader drives the mixed load: catalogue reads, statistics, and order
// lifecycles (place, pay, ship, accept, pay after delivery, return, approve).
type loader struct {
	c        *client
	w        *world
	rec      *record
	stop     *atomic.Bool
	delayPay bool // sometimes pay just around the unpaid deadline
	restock  sync.Map
}

func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (l *loader) run(ctx context.Context) {
	for !l.stop.Load() && ctx.Err() == nil {
		switch r := mrand.Float64(); {
		case r < 0.30:
			l.read(ctx)
		case r < 0.38:
			l.stats(ctx)
		default:
			l.lifecycle(ctx)
		}
	}
}

func (l *loader) read(ctx context.Context) {
	if mrand.IntN(2) == 0 {
		q := []string{"?page=1&page_size=20", "?origin=511113", "?origin=511100&sort=price_asc", "?category=herbs&page=2&page_size=10"}[mrand.IntN(4)]
		l.c.call(ctx, "", http.MethodGet, "/api/v1/products"+q, nil, "", nil)
		return
	}
	id := l.w.products[mrand.IntN(len(l.w.products))]
	l.c.call(ctx, "", http.MethodGet, "/api/v1/products/"+strconv.FormatInt(id, 10), nil, "", nil)
}

func (l *loader) stats(ctx context.Context) {
	who := []string{"admin", "officer.shaoxing"}[mrand.IntN(2)]
	q := "?year=" + strconv.Itoa(l.w.year)
	if mrand.IntN(3) == 0 {
		q += "&month=" + strconv.Itoa(int(time.Now().In(chinaZone()).Month()))
	}
	l.c.call(ctx, l.w.tokens[who], http.MethodGet, "/api/v1/stats/pairings"+q, nil, "", nil)
}

func path(format string, id int64) string { return fmt.Sprintf(format, id) }

// lifecycle takes one order as far as the dice say.
func (l *loader) lifecycle(ctx context.Context) {
	buyer := []string{"consumer", "consumer", "market.buyer", "canteen.buyer"}[mrand.IntN(4)]
	tok, sup := l.w.tokens[buyer], l.w.tokens["supplier.jinkouhe"]
	type line struct {
		SKUID    int64 `json:"sku_id"`
		Quantity int64 `json:"quantity"`
	}
	var lines []line
	for _, i := range mrand.Perm(len(l.w.skus))[:1+mrand.IntN(2)] {
		lines = append(lines, line{l.w.skus[i].id, 1 + mrand.Int64N(3)})
	}
	key := newKey()
	var o orderResp
	status, body, err := l.c.call(ctx, tok, http.MethodPost, "/api/v1/orders",
		map[string]any{"lines": lines, "address": "绍兴市柯桥区", "phone": "0575-12345678"}, key, &o)
	if err != nil {
		l.rec.mu.Lock()
		l.rec.abandoned++
		l.rec.mu.Unlock()
		return
	}
	if status == http.StatusConflict && errCode(body) == "out_of_stock" {
		for _, ln := range lines {
			l.refill(ctx, ln.SKUID)
		}
		return
	}
	if status != http.StatusCreated {
		return
	}
	l.rec.mu.Lock()
	l.rec.acked[o.ID] = key
	l.rec.placed++
	l.rec.mu.Unlock()

	if o.Status == "pending_payment" {
		if l.delayPay && mrand.IntN(3) == 0 {
			sleep(ctx, 2600*time.Millisecond+time.Duration(mrand.IntN(800))*time.Millisecond)
		}
		var pr struct {
			Order orderResp `json:"order"`
		}
		status, _, err := l.c.call(ctx, tok, http.MethodPost, path("/api/v1/orders/%d/pay", o.ID), map[string]string{"mode": "instant"}, newKey(), &pr)
		if err != nil {
			return
		}
		if status == http.StatusConflict {
			l.rec.mu.Lock()
			l.rec.lostRace++
			l.rec.mu.Unlock()
			return
		}
		if status != http.StatusOK {
			return
		}
		o = pr.Order
	}
	if o.Status != "awaiting_shipment" || l.stop.Load() {
		return
	}
	if mrand.IntN(14) == 0 {
		l.c.call(ctx, tok, http.MethodPost, path("/api/v1/orders/%d/cancel", o.ID), map[string]string{"reason": "changed my mind"}, "", nil)
		return
	}
	if !l.step(ctx, sup, path("/api/v1/orders/%d/ship", o.ID), map[string]string{"carrier": "EMS", "tracking_no": "T" + strconv.FormatInt(o.ID, 10), "invoice_no": "INV" + strconv.FormatInt(o.ID, 10)}, o.ID, "shipped", nil) {
		return
	}
	if l.stop.Load() {
		return
	}
	accept := map[string]any{"inspection_note": "ok"}
	if ln := o.Lines[0]; ln.Quantity > 1 && mrand.IntN(4) == 0 {
		accept["lines"] = []map[string]int64{{"line_id": ln.ID, "received_quantity": ln.Quantity - 1}}
	}
	var acc orderResp
	if !l.step(ctx, tok, path("/api/v1/orders/%d/accept", o.ID), accept, o.ID, "accepted settled", &acc) {
		return
	}
	if acc.ID != 0 {
		var sum int64
		for _, ln := range acc.Lines {
			if ln.Received != nil {
				sum += *ln.Received * ln.UnitPrice
			}
		}
		l.rec.mu.Lock()
		l.rec.accepted[o.ID] = sum
		l.rec.mu.Unlock()
		o = acc
	}
	if o.PaymentTerms == "after_delivery" && mrand.IntN(2) == 0 && acc.ID != 0 {
		l.c.call(ctx, tok, http.MethodPost, path("/api/v1/orders/%d/pay", o.ID), map[string]string{"mode": "instant"}, newKey(), nil)
	}
	if mrand.IntN(10) >= 3 || acc.ID == 0 || l.stop.Load() {
		return
	}
	for _, ln := range acc.Lines {
		if ln.Received == nil || *ln.Received < 1 {
			continue
		}
		var ret struct {
			ID          int64  `json:"id"`
			Status      string `json:"status"`
			AmountCents int64  `json:"amount_cents"`
		}
		status, _, err := l.c.call(ctx, tok, http.MethodPost, path("/api/v1/orders/%d/returns", o.ID),
			map[string]any{"lines": []map[string]int64{{"line_id": ln.ID, "quantity": 1}}, "reason": "quality"}, "", &ret)
		if err != nil || status != http.StatusCreated {
			return
		}
		status, _, err = l.c.call(ctx, sup, http.MethodPost, path("/api/v1/returns/%d/approve", ret.ID), map[string]string{"note": "ok"}, "", &ret)
		if status == http.StatusConflict {
			logf("  POST /api/v1/returns/%d/approve: 409 on a retry (order %d)", ret.ID, o.ID)
		}
		if err == nil && status == http.StatusOK && ret.Status == "approved" {
			l.rec.mu.Lock()
			l.rec.returns[ret.ID] = ret.AmountCents
			l.rec.mu.Unlock()
		}
		return
	}
}

// step posts a transition without an idempotency key. A 409 after retries
// may be our own earlier attempt that committed although its answer was a
// 503 or never came: then the order is in one of the want states and the
// chain goes on, but nothing is recorded (out stays empty).
func (l *loader) step(ctx context.Context, tok, p string, body any, id int64, want string, out any) bool {
	status, _, err := l.c.call(ctx, tok, http.MethodPost, p, body, "", out)
	if err != nil {
		return false
	}
	if status == http.StatusOK {
		return true
	}
	if status != http.StatusConflict || want == "" {
		return false
	}
	var cur orderResp
	if s, _, err := l.c.call(ctx, tok, http.MethodGet, path("/api/v1/orders/%d", id), nil, "", &cur); err != nil || s != http.StatusOK {
		return false
	}
	if !slices.Contains(strings.Fields(want), cur.Status) {
		return false
	}
	l.rec.mu.Lock()
	l.rec.redone++
	l.rec.mu.Unlock()
	logf("  POST %s: 409 on a retry, the order is already %s: an earlier attempt committed", p, cur.Status)
	return true
}

// refill puts 300 units back on hand when an SKU sold out, one refill at a
// time per SKU.
func (l *loader) refill(ctx context.Context, id int64) {
	if _, busy := l.restock.LoadOrStore(id, true); busy {
		return
	}
	defer l.restock.Delete(id)
	l.c.call(ctx, l.w.tokens["supplier.jinkouhe"], http.MethodPatch, path("/api/v1/supplier/skus/%d", id), map[string]int64{"stock_delta": 300}, "", nil)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

var zone = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
})

func chinaZone() *time.Location { return zone() }

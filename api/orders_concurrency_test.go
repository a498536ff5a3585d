package api_test

// Ordering under concurrency, through the real router: many buyers racing
// for the last units of a SKU, orders taking two SKUs in opposite orders,
// one Idempotency-Key sent many times at once, and payments racing the
// unpaid-order timeout swept by several replicas at once.
//
// The real run is against MariaDB/MySQL (SHANHAI_TEST_MYSQL): row locks,
// deadlocks and REPEATABLE READ snapshots only happen there. SQLite (one
// connection, one writer) runs the same tests scaled down, so the rules are
// checked even without a server.
//
// Each test keeps its own record of every response it received and checks
// the database by SQL afterwards; it never asks the API what happened.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/golang-jwt/jwt/v5"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/order"
	"shanhai/service/payment"
	"shanhai/service/stock"
)

// concScale is how hard one backend is pushed.
type concScale struct {
	buyers, stock, rounds int // last units: buyers race for stock units, rounds times
	crossed               int // crossed SKUs: orders in each direction
	sameKey               int // one key: identical requests at once
	orders, pays          int // pay vs timeout: unpaid orders, payments among them
	payUsers, sweepers    int
	paySpread             time.Duration // payments start over this long
	workers               int           // parallel requests while setting up
}

var concScales = map[string]concScale{
	"mysql":  {buyers: 500, stock: 100, rounds: 8, crossed: 200, sameKey: 50, orders: 1000, pays: 500, payUsers: 50, sweepers: 3, paySpread: 3 * time.Second, workers: 16},
	"sqlite": {buyers: 40, stock: 8, rounds: 2, crossed: 20, sameKey: 10, orders: 100, pays: 50, payUsers: 10, sweepers: 3, paySpread: 300 * time.Millisecond, workers: 4},
}

// concUnpaidTTL is SHANHAI_UNPAID_TTL for these tests.
const concUnpaidTTL = 30 * time.Minute

func TestConcurrentOrders(t *testing.T) {
	// Thousands of requests: log only what goes wrong (5xx, panics).
	prev := slog.Default()
	slog.SetDefault(slog.New(api.LogHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	t.Cleanup(func() { slog.SetDefault(prev) })
	for _, name := range []string{"mysql", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			var b storetest.Backend
			if name == "mysql" {
				var ok bool
				if b, ok = storetest.MySQL(t); !ok {
					t.Skip("SKIPPED: needs SHANHAI_TEST_MYSQL (a MariaDB/MySQL DSN where tests may create databases); " +
						"the concurrency tests only ran on SQLite")
				}
			} else {
				b = storetest.SQLite(t)
			}
			c := newConcWorld(t, b, concScales[name])
			// First: its sweepers, with the clock moved past every deadline,
			// would otherwise also cancel the other tests' unpaid orders.
			t.Run("pay_vs_timeout", c.testPayVsTimeout)
			t.Run("last_units", c.testLastUnits)
			t.Run("crossed_skus", c.testCrossedSKUs)
			t.Run("one_key", c.testOneKey)
		})
	}
}

// concWorld is one database with the router over it, the order service the
// router uses (to sweep timeouts with a moved clock) and many consumers.
type concWorld struct {
	h       *harness
	orders  *order.Service
	backend string
	scale   concScale

	buyers   []concUser // the last-units and crossed-SKU buyers
	one, two concUser   // the one-key test's users
	payers   []concUser // the pay-vs-timeout buyers

	nextName atomic.Int64
}

// concUser is a consumer and a valid token for them.
type concUser struct {
	user  *model.User
	token string
}

func newConcWorld(t *testing.T, b storetest.Backend, scale concScale) *concWorld {
	t.Helper()
	c := &concWorld{backend: b.Name, scale: scale}
	limits := testOrderLimits()
	limits.UnpaidTTL, limits.RateOrders, limits.SKUCap = concUnpaidTTL, 0, 0 // rate limit and SKU cap off
	limits.HoldShare = stock.DefaultHoldShare
	// wired as main.go wires it (group commit, the geography cache), but for
	// the provider
	c.h = newHarness(t, b, func(d *api.Deps, st *store.Store) {
		provider := concSlowProvider{Sandbox: payment.NewSandbox(testPaymentSecret), delay: 20 * time.Millisecond}
		d.Orders = newOrdersPaying(st, nil, limits, provider)
	})
	c.orders = c.h.orders
	start := time.Now()
	users := c.addConsumers(t, "buyer", scale.buyers+2+scale.payUsers)
	c.buyers = users[:scale.buyers]
	c.one, c.two = users[scale.buyers], users[scale.buyers+1]
	c.payers = users[scale.buyers+2:]
	t.Logf("%s: %d consumers with tokens in %v", b.Name, len(users), time.Since(start).Round(time.Millisecond))
	return c
}

// concSlowProvider is the sandbox taking a provider's time to charge. That
// time is the window in which a timeout can cancel an order whose payment
// is under way, so the race the pay-vs-timeout test is about really happens.
type concSlowProvider struct {
	*payment.Sandbox
	delay time.Duration
}

func (p concSlowProvider) Charge(ctx context.Context, id, amount int64, deferred bool) (payment.Result, error) {
	time.Sleep(p.delay)
	return p.Sandbox.Charge(ctx, id, amount, deferred)
}

// addConsumers inserts n consumers in one transaction (the password is never
// used) and signs each a token the account service accepts: HS256 with the
// harness's secret, its issuer, audience and the user's token version.
func (c *concWorld) addConsumers(t *testing.T, prefix string, n int) []concUser {
	t.Helper()
	ctx := context.Background()
	out := make([]concUser, n)
	err := c.h.store.InTx(ctx, func(ctx context.Context) error {
		for i := range out {
			u := &model.User{Username: fmt.Sprintf("conc-%s-%04d", prefix, i), Role: model.RoleConsumer,
				PasswordHash: "$2a$04$concurrencytestsnevaloginXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}
			if err := c.h.store.CreateUser(ctx, u); err != nil {
				return err
			}
			out[i].user = u
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create consumers: %v", err)
	}
	now := time.Now()
	for i := range out {
		u := out[i].user
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"sub": strconv.FormatInt(u.ID, 10), "iss": "shanhai", "aud": []string{"shanhai-api"},
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(2 * time.Hour).Unix(), "ver": u.TokenVersion,
		}).SignedString([]byte(testSecret))
		if err != nil {
			t.Fatal(err)
		}
		out[i].token = tok
	}
	// The forgery is right: the account service takes it.
	res := concDo(c.h, http.MethodGet, "/api/v1/me", out[0].token, "", "")
	if res.status != http.StatusOK {
		t.Fatalf("GET /me with a forged token: %d %s (the test's token is wrong)", res.status, truncate(res.body))
	}
	return out
}

// sku inserts an active supplier with one product of one SKU per onHand
// value, and returns the supplier and the SKU ids.
func (c *concWorld) sku(t *testing.T, onHand ...int64) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	n := c.nextName.Add(1)
	sup := &model.Supplier{Name: fmt.Sprintf("并发测试供应商 %d", n), RegionCode: "511113", Status: model.SupplierActive}
	if err := c.h.store.CreateSupplier(ctx, sup); err != nil {
		t.Fatalf("create supplier: %v", err)
	}
	skus := make([]model.SKU, len(onHand))
	for i, q := range onHand {
		skus[i] = model.SKU{Spec: fmt.Sprintf("%d号", i+1), Unit: "袋", PriceCents: 1250, OnHand: q}
	}
	p := &model.Product{SupplierID: sup.ID, Name: fmt.Sprintf("高山土豆 %d", n), CategoryCode: "vegetables",
		OriginCode: sup.RegionCode, OnSale: true}
	if err := c.h.store.CreateProduct(ctx, p, skus); err != nil {
		t.Fatalf("create product: %v", err)
	}
	ids := make([]int64, len(skus))
	for i := range skus {
		ids[i] = skus[i].ID
	}
	return sup.ID, ids
}

// concRes is one response as the test received it.
type concRes struct {
	status int
	header http.Header
	body   []byte
	code   string // the error code of an error answer
}

// label is the status with the error code, e.g. "409 out_of_stock".
func (r concRes) label() string {
	if r.code != "" {
		return strconv.Itoa(r.status) + " " + r.code
	}
	return strconv.Itoa(r.status)
}

// concDo serves one request in-process. It is safe in any goroutine: it
// never touches t, and returns what it got.
func concDo(h *harness, method, target, token, key, body string) concRes {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	h.engine.ServeHTTP(rec, req)
	r := concRes{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if r.status >= 400 {
		var e errorBody
		if json.Unmarshal(r.body, &e) == nil {
			r.code = e.Error.Code
		}
		if r.code == "" {
			r.code = "?"
		}
	}
	return r
}

// acrossReplicas runs rush on every backend, with a second store of the
// same database on MariaDB (two replicas of one server), and, with
// SHANHAI_TEST_GALERA, as subtest "galera" on the cluster's first node with
// one replica on each other node (where a row lock holds on its node only).
func acrossReplicas(t *testing.T, rush func(t *testing.T, b storetest.Backend, others []storetest.Backend)) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		var others []storetest.Backend
		if b.Name == "mysql" {
			st2, err := store.Open(b.DSN, 4)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st2.Close() })
			others = append(others, storetest.Backend{Name: b.Name, DSN: b.DSN, Store: st2})
		}
		rush(t, b, others)
	})
	if nodes, ok := storetest.Galera(t); ok {
		t.Run("galera", func(t *testing.T) { rush(t, nodes[0], nodes[1:]) })
	}
}

// replicaEngines are h's engine and one more replica on each of others,
// with the order limits given: a rush spread over replicas (over Galera
// nodes when others are the cluster's other nodes).
func replicaEngines(t *testing.T, h *harness, others []storetest.Backend, limits testLimits) []http.Handler {
	engines := []http.Handler{h.engine}
	for _, o := range others {
		engines = append(engines, newHarness(t, o, withOrders(nil, limits)).engine)
	}
	return engines
}

// placeAtOnce: buyer i posts the order body(i) with its bearer tokens[i] and
// the key "<key>-i" to engines[i mod len], every buyer released at once;
// the answers by buyer.
func placeAtOnce(engines []http.Handler, tokens []string, key string, body func(i int) string) []response {
	return concRun(len(tokens), 0, func(i int) response {
		req := newRequest(http.MethodPost, v1+"/orders", tokens[i], body(i))
		req.Header.Set("Idempotency-Key", fmt.Sprintf("%s-%d", key, i))
		rec := httptest.NewRecorder()
		engines[i%len(engines)].ServeHTTP(rec, req)
		return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	})
}

// concRun runs f(0) … f(n-1) at once, at most workers at a time (0: all),
// released together, and returns their results by index.
func concRun[T any](n, workers int, f func(i int) T) []T {
	out := make([]T, n)
	if workers <= 0 || workers > n {
		workers = n
	}
	start := make(chan struct{})
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			<-start
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				out[i] = f(i)
			}
		})
	}
	close(start)
	wg.Wait()
	return out
}

// concTally counts responses by label.
func concTally(rs []concRes) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		m[r.label()]++
	}
	return m
}

// concShow prints a tally, e.g. "201×100, 409 out_of_stock×400".
func concShow(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// concFirstOf returns one body per label, to show what went wrong.
func concFirstOf(rs []concRes, skip ...string) string {
	seen := map[string]bool{}
	var b strings.Builder
	for _, r := range rs {
		l := r.label()
		if seen[l] || slices.Contains(skip, l) {
			continue
		}
		seen[l] = true
		fmt.Fprintf(&b, "\n  %s: %s", l, truncate(r.body))
	}
	return b.String()
}

// concCheckDoc validates one response of each label against api/openapi.json
// (the concurrent requests bypass the harness's per-request validation).
func concCheckDoc(t *testing.T, h *harness, method, target string, rs []concRes) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.label()] {
			continue
		}
		seen[r.label()] = true
		req := httptest.NewRequest(method, target, nil)
		in := h.requestInput(t, req)
		if in == nil {
			t.Fatalf("%s %s: not in api/openapi.json", method, target)
		}
		if err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: r.status, Header: r.header,
			Body:    io.NopCloser(bytes.NewReader(r.body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}); err != nil {
			t.Errorf("%s %s → %d: response does not match api/openapi.json: %v\nbody: %s",
				method, target, r.status, err, truncate(r.body))
		}
	}
}

// The client's view of an order and of a payment answer: only what these
// tests check, decoded leniently (orders_test checks the full shape).
type concOrder struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	UserID        int64  `json:"user_id"`
	SupplierID    int64  `json:"supplier_id"`
	TotalCents    int64  `json:"total_cents"`
	PaidCents     int64  `json:"paid_cents"`
	RefundedCents int64  `json:"refunded_cents"`
	Lines         []struct {
		SKUID    int64 `json:"sku_id"`
		Quantity int64 `json:"quantity"`
	} `json:"lines"`
}

type concPaid struct {
	Order   concOrder `json:"order"`
	Payment struct {
		ID          int64  `json:"id"`
		OrderID     int64  `json:"order_id"`
		Kind        string `json:"kind"`
		Status      string `json:"status"`
		AmountCents int64  `json:"amount_cents"`
	} `json:"payment"`
}

func concDecode[T any](r concRes) (T, error) {
	var v T
	err := json.Unmarshal(r.body, &v)
	return v, err
}

// concRows runs a query and hands each row to scan.
func concRows(t *testing.T, h *harness, scan func(*sql.Rows) error, query string, args ...any) {
	t.Helper()
	rows, err := h.store.DB().QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			t.Fatalf("%s: scan: %v", query, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// concStock is a SKU's on hand and reserved, by SQL.
func concStock(t *testing.T, h *harness, skuID int64) (onHand, reserved int64) {
	t.Helper()
	err := h.store.DB().QueryRowContext(context.Background(),
		"SELECT on_hand, reserved FROM skus WHERE id = ?", skuID).Scan(&onHand, &reserved)
	if err != nil {
		t.Fatalf("stock of sku %d: %v", skuID, err)
	}
	return onHand, reserved
}

// concWatchStock samples every SKU by SQL until stop is called (or the
// test ends), and returns the rows it ever saw with on hand or reserved
// below zero, or more reserved than on hand.
func concWatchStock(t *testing.T, h *harness) (stop func() []string) {
	done := make(chan struct{})
	var once sync.Once
	var bad []string
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			rows, err := h.store.DB().QueryContext(context.Background(),
				"SELECT id, on_hand, reserved FROM skus WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand")
			if err == nil {
				for rows.Next() {
					var id, onHand, reserved int64
					if rows.Scan(&id, &onHand, &reserved) == nil {
						bad = append(bad, fmt.Sprintf("sku %d: on_hand %d reserved %d", id, onHand, reserved))
					}
				}
				rows.Close()
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	stop = func() []string {
		once.Do(func() { close(done); wg.Wait() })
		return bad
	}
	t.Cleanup(func() { stop() })
	return stop
}

// testLastUnits: buyers distinct consumers each order 1 unit of a SKU
// with stock units, all at once, with distinct Idempotency-Keys; exactly
// stock of them get it. Repeated rounds times, a fresh SKU each round.
func (c *concWorld) testLastUnits(t *testing.T) {
	h, sc := c.h, c.scale
	start := time.Now()
	stop := concWatchStock(t, h)
	for round := range sc.rounds {
		supplier, skus := c.sku(t, int64(sc.stock))
		sku := skus[0]
		body := jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": sku, "quantity": 1}}})
		key := func(i int) string { return fmt.Sprintf("conc-last-%d-%d", round, i) }
		rs := concRun(sc.buyers, 0, func(i int) concRes {
			return concDo(h, http.MethodPost, "/api/v1/orders", c.buyers[i].token, key(i), body)
		})
		if round == 0 {
			concCheckDoc(t, h, http.MethodPost, "/api/v1/orders", rs)
		}
		tally := concTally(rs)
		want := map[string]int{"201": sc.stock, "409 out_of_stock": sc.buyers - sc.stock}
		if !maps.Equal(tally, want) {
			t.Fatalf("round %d: %d buyers for %d units got %s, want %s%s", round, sc.buyers, sc.stock,
				concShow(tally), concShow(want), concFirstOf(rs, "201", "409 out_of_stock"))
		}

		// What the test was told: the winners and their orders.
		told := map[int64]int64{} // order id → user id
		for i, r := range rs {
			if r.status != http.StatusCreated {
				continue
			}
			o, err := concDecode[concOrder](r)
			if err != nil {
				t.Fatalf("round %d: 201 body: %v: %s", round, err, truncate(r.body))
			}
			if o.Status != model.OrderPendingPayment || o.UserID != c.buyers[i].user.ID || o.SupplierID != supplier ||
				len(o.Lines) != 1 || o.Lines[0].SKUID != sku || o.Lines[0].Quantity != 1 {
				t.Errorf("round %d, buyer %d: 201 body %s, want their pending_payment order of 1 × sku %d",
					round, i, truncate(r.body), sku)
			}
			if _, dup := told[o.ID]; dup {
				t.Errorf("round %d: order %d was given to two buyers", round, o.ID)
			}
			told[o.ID] = c.buyers[i].user.ID
		}

		// What the database says.
		onHand, reserved := concStock(t, h, sku)
		if onHand != int64(sc.stock) || reserved != int64(sc.stock) {
			t.Errorf("round %d: sku %d on_hand %d reserved %d (available %d), want %d, %d (available 0)",
				round, sku, onHand, reserved, onHand-reserved, sc.stock, sc.stock)
		}
		inDB := map[int64]int64{}
		concRows(t, h, func(r *sql.Rows) error {
			var id, user int64
			err := r.Scan(&id, &user)
			inDB[id] = user
			return err
		}, "SELECT id, user_id FROM orders WHERE supplier_id = ?", supplier)
		if !maps.Equal(inDB, told) {
			t.Errorf("round %d: the database holds %d orders of supplier %d, the buyers were told of %d (or other ones)",
				round, len(inDB), supplier, len(told))
		}
		lines := 0
		concRows(t, h, func(r *sql.Rows) error {
			var orderID, n, qty, skuMin, skuMax int64
			if err := r.Scan(&orderID, &n, &qty, &skuMin, &skuMax); err != nil {
				return err
			}
			lines++
			if n != 1 || qty != 1 || skuMin != sku || skuMax != sku {
				t.Errorf("round %d: order %d has %d lines, %d units, skus %d..%d; want one line of 1 × sku %d",
					round, orderID, n, qty, skuMin, skuMax, sku)
			}
			return nil
		}, `SELECT l.order_id, COUNT(*), SUM(l.quantity), MIN(l.sku_id), MAX(l.sku_id) FROM order_lines l
			JOIN orders o ON o.id = l.order_id WHERE o.supplier_id = ? GROUP BY l.order_id`, supplier)
		if lines != len(inDB) {
			t.Errorf("round %d: %d of %d orders have lines", round, lines, len(inDB))
		}
		// A request that failed stores nothing: only the winners' keys remain.
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key LIKE ?",
			fmt.Sprintf("conc-last-%d-%%", round)); n != int64(sc.stock) {
			t.Errorf("round %d: %d idempotency keys kept, want the %d of the orders placed", round, n, sc.stock)
		}
		if t.Failed() {
			break
		}
	}
	if bad := stop(); len(bad) > 0 {
		t.Errorf("stock went out of bounds while buyers raced (%d samples), e.g. %v", len(bad), bad[:min(5, len(bad))])
	}
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM skus WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand"); n != 0 {
		t.Errorf("%d SKUs end with on hand or reserved below zero or more reserved than on hand", n)
	}
	t.Logf("%d rounds of %d buyers for %d units in %v", sc.rounds, sc.buyers, sc.stock, time.Since(start).Round(time.Millisecond))
}

// testCrossedSKUs: orders for {A, B} and for {B, A} at once, from one
// supplier with stock for all. Taking rows in SKU-id order means they never
// deadlock; if the database ever picked a deadlock victim anyway, the retry
// must hide it: every order is placed.
func (c *concWorld) testCrossedSKUs(t *testing.T) {
	h, sc := c.h, c.scale
	start := time.Now()
	deadlocks := c.deadlocks(t)
	supplier, skus := c.sku(t, 100_000, 100_000)
	a, b := skus[0], skus[1]
	bodies := [2]string{
		jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": a, "quantity": 1}, {"sku_id": b, "quantity": 1}}}),
		jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": b, "quantity": 1}, {"sku_id": a, "quantity": 1}}}),
	}
	n := 2 * sc.crossed
	rs := concRun(n, 0, func(i int) concRes {
		u := c.buyers[i%len(c.buyers)]
		return concDo(h, http.MethodPost, "/api/v1/orders", u.token, fmt.Sprintf("conc-crossed-%d", i), bodies[i%2])
	})
	concCheckDoc(t, h, http.MethodPost, "/api/v1/orders", rs)
	if tally := concTally(rs); tally["201"] != n {
		t.Fatalf("%d crossed orders got %s, want all 201%s", n, concShow(tally), concFirstOf(rs, "201"))
	}
	ids := map[int64]bool{}
	for _, r := range rs {
		o, err := concDecode[concOrder](r)
		if err != nil || len(o.Lines) != 2 {
			t.Fatalf("201 body: %v: %s", err, truncate(r.body))
		}
		ids[o.ID] = true
	}
	for _, k := range skus {
		if onHand, reserved := concStock(t, h, k); onHand != 100_000 || reserved != int64(n) {
			t.Errorf("sku %d: on_hand %d reserved %d, want 100000 and %d", k, onHand, reserved, n)
		}
	}
	var orders, lines, withBoth int64
	concRows(t, h, func(r *sql.Rows) error {
		var id, nl, na, nb int64
		if err := r.Scan(&id, &nl, &na, &nb); err != nil {
			return err
		}
		orders++
		lines += nl
		if nl == 2 && na == 1 && nb == 1 && ids[id] {
			withBoth++
		}
		return nil
	}, `SELECT o.id, COUNT(l.id), SUM(CASE WHEN l.sku_id = ? THEN 1 ELSE 0 END), SUM(CASE WHEN l.sku_id = ? THEN 1 ELSE 0 END)
		FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.supplier_id = ? GROUP BY o.id`, a, b, supplier)
	if orders != int64(n) || withBoth != int64(n) {
		t.Errorf("the database holds %d orders (%d lines) of supplier %d, %d of them ones we were given with one unit of A and one of B; want %d",
			orders, lines, supplier, withBoth, n)
	}
	t.Logf("%d crossed orders in %v; %s", n, time.Since(start).Round(time.Millisecond), deadlocks())
}

// deadlocks reports how many deadlocks the server detected meanwhile (the
// counter is server-wide, so other test packages may add to it).
func (c *concWorld) deadlocks(t *testing.T) func() string {
	if c.backend != "mysql" {
		return func() string { return "no deadlock counter on " + c.backend }
	}
	read := func() (int64, bool) {
		var name string
		var n int64
		err := c.h.store.DB().QueryRowContext(context.Background(), "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'").Scan(&name, &n)
		return n, err == nil
	}
	before, ok := read()
	return func() string {
		after, ok2 := read()
		if !ok || !ok2 {
			return "the server has no Innodb_deadlocks counter"
		}
		return fmt.Sprintf("server-wide InnoDB deadlocks meanwhile: %d (retried, none reached a client)", after-before)
	}
}

// testOneKey: one consumer sends the same order sameKey times at once with
// one Idempotency-Key. One order is placed and one reservation made; every
// answer is that order's 201, byte for byte, or 409 idempotency_in_progress.
func (c *concWorld) testOneKey(t *testing.T) {
	h, sc := c.h, c.scale
	_, skus := c.sku(t, 1000)
	sku := skus[0]
	const qty, key = 3, "conc-one-key"
	body := jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": sku, "quantity": qty}}, "note": "同一个键"})
	rs := concRun(sc.sameKey, 0, func(int) concRes {
		return concDo(h, http.MethodPost, "/api/v1/orders", c.one.token, key, body)
	})
	concCheckDoc(t, h, http.MethodPost, "/api/v1/orders", rs)
	tally := concTally(rs)
	var first []byte
	for _, r := range rs {
		switch {
		case r.status == http.StatusCreated && first == nil:
			first = r.body
		case r.status == http.StatusCreated && !bytes.Equal(r.body, first):
			t.Errorf("two different 201 bodies for one key:\n%s\n%s", first, r.body)
		}
	}
	if first == nil || tally["201"]+tally["409 idempotency_in_progress"] != sc.sameKey {
		t.Fatalf("%d identical requests with one key got %s, want 201s (one order) and 409 idempotency_in_progress%s",
			sc.sameKey, concShow(tally), concFirstOf(rs, "201", "409 idempotency_in_progress"))
	}
	t.Logf("%d identical requests: %s", sc.sameKey, concShow(tally))
	placed, err := concDecode[concOrder](concRes{body: first})
	if err != nil {
		t.Fatal(err)
	}

	// By SQL: one order, one line, one reservation.
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE user_id = ?", c.one.user.ID); n != 1 {
		t.Errorf("user %d has %d orders, want 1", c.one.user.ID, n)
	}
	if id := queryOne[int64](t, h, "SELECT id FROM orders WHERE user_id = ?", c.one.user.ID); id != placed.ID {
		t.Errorf("the user's order is %d, the 201 said %d", id, placed.ID)
	}
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM order_lines WHERE order_id = ?", placed.ID); n != 1 {
		t.Errorf("order %d has %d lines, want 1", placed.ID, n)
	}
	if _, reserved := concStock(t, h, sku); reserved != qty {
		t.Errorf("sku %d: reserved %d, want %d (one reservation)", sku, reserved, qty)
	}

	// After completion a retry is the stored answer, byte for byte.
	replay := c.post(t, "/api/v1/orders", c.one.token, key, body)
	wantStatus(t, replay, http.StatusCreated)
	if !bytes.Equal(replay.Body, first) {
		t.Errorf("replay differs from the first 201:\n got %s\nwant %s", replay.Body, first)
	}
	// The same key with another body is refused.
	other := jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": sku, "quantity": qty + 1}}})
	wantError(t, c.post(t, "/api/v1/orders", c.one.token, key, other), http.StatusUnprocessableEntity, "idempotency_key_reused")

	// Another user's same key is their own order.
	res := c.post(t, "/api/v1/orders", c.two.token, key, body)
	wantStatus(t, res, http.StatusCreated)
	theirs, err := concDecode[concOrder](concRes{body: res.Body})
	if err != nil {
		t.Fatal(err)
	}
	if theirs.ID == placed.ID || theirs.UserID != c.two.user.ID {
		t.Errorf("the second user's order is %d of user %d, want a new order of user %d", theirs.ID, theirs.UserID, c.two.user.ID)
	}
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE user_id = ?", c.two.user.ID); n != 1 {
		t.Errorf("user %d has %d orders, want 1", c.two.user.ID, n)
	}
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.sku_id = ?", sku); n != 2 {
		t.Errorf("sku %d is in %d orders, want 2", sku, n)
	}
	if _, reserved := concStock(t, h, sku); reserved != 2*qty {
		t.Errorf("sku %d: reserved %d, want %d", sku, reserved, 2*qty)
	}

	// The same race when the request fails (no stock): a failed request
	// stores nothing and drops its key, so the others either find it running
	// or run (and fail) themselves; none may see anything else.
	_, empty := c.sku(t, 0)
	const failKey = "conc-one-key-fails"
	body = jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": empty[0], "quantity": 1}}})
	for round := range 5 {
		rs = concRun(sc.sameKey, 0, func(int) concRes {
			return concDo(h, http.MethodPost, "/api/v1/orders", c.one.token, failKey, body)
		})
		tally = concTally(rs)
		if tally["409 out_of_stock"] < 1 || tally["409 out_of_stock"]+tally["409 idempotency_in_progress"] != sc.sameKey {
			t.Fatalf("round %d: %d identical requests with one key for a SKU out of stock got %s, "+
				"want 409 out_of_stock and 409 idempotency_in_progress only%s", round, sc.sameKey, concShow(tally),
				concFirstOf(rs, "409 out_of_stock", "409 idempotency_in_progress"))
		}
	}
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM idempotency_keys WHERE user_id = ? AND idem_key = ?",
		c.one.user.ID, failKey); n != 0 {
		t.Errorf("a key whose requests all failed is still stored (%d rows)", n)
	}
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM order_lines WHERE sku_id = ?", empty[0]); n != 0 {
		t.Errorf("%d orders of a SKU with no stock", n)
	}
}

// post sends a documented POST with an Idempotency-Key through the
// harness, which validates request and response against the document.
func (c *concWorld) post(t *testing.T, target, token, key, body string) response {
	t.Helper()
	return c.h.callWith(t, http.MethodPost, target, token, body, map[string]string{"Idempotency-Key": key})
}

// testPayVsTimeout: orders unpaid orders whose deadline has passed are
// swept by sweepers replicas at once while their buyers pay pays of them.
//
// The invariant, per order, checked by SQL against what the test was told:
//   - it ends awaiting_shipment or cancelled, having left pending_payment
//     exactly once;
//   - awaiting_shipment: exactly one succeeded charge, of its total;
//     paid_cents = total_cents; nothing refunded; its units still reserved;
//     and its buyer got a 200 from /pay (nobody else pays);
//   - cancelled: its units released, and no money kept: paid − refunded = 0,
//     with paid = Σ succeeded charges and refunded = Σ succeeded refunds;
//   - a 200 from /pay means the charge succeeded: the order it names is
//     awaiting_shipment, or (the timeout won between the payment's read and
//     its booking) cancelled with the whole charge refunded — the body says
//     which, and the database agrees;
//   - a 409 from /pay (invalid_transition: the timeout won first) means no
//     money moved: the order is cancelled with no payment record at all;
//   - nothing is left pending, and reserved(sku) = Σ quantities of the
//     awaiting_shipment orders.
func (c *concWorld) testPayVsTimeout(t *testing.T) {
	h, sc := c.h, c.scale
	const onHand = 1_000_000
	_, skus := c.sku(t, onHand)
	sku := skus[0]
	start := time.Now()

	// The unpaid orders, placed through the API, a few at a time.
	type placed struct {
		id, qty, total int64
		buyer          concUser
	}
	orders := make([]placed, sc.orders)
	created := concRun(sc.orders, sc.workers, func(i int) concRes {
		u := c.payers[i%len(c.payers)]
		body := jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": sku, "quantity": 1 + i%3}}})
		return concDo(h, http.MethodPost, "/api/v1/orders", u.token, fmt.Sprintf("conc-unpaid-%d", i), body)
	})
	if tally := concTally(created); tally["201"] != sc.orders {
		t.Fatalf("placing %d orders: %s%s", sc.orders, concShow(tally), concFirstOf(created, "201"))
	}
	var wantReserved int64
	for i, r := range created {
		o, err := concDecode[concOrder](r)
		if err != nil || o.Status != model.OrderPendingPayment {
			t.Fatalf("order %d: %v: %s", i, err, truncate(r.body))
		}
		orders[i] = placed{id: o.ID, qty: int64(1 + i%3), total: o.TotalCents, buyer: c.payers[i%len(c.payers)]}
		wantReserved += orders[i].qty
	}
	if _, reserved := concStock(t, h, sku); reserved != wantReserved {
		t.Fatalf("after placing: reserved %d, want %d", reserved, wantReserved)
	}
	t.Logf("%d unpaid orders placed in %v", sc.orders, time.Since(start).Round(time.Millisecond))

	// Every order's deadline has passed for the sweepers.
	c.orders.SetClock(func() time.Time { return time.Now().Add(concUnpaidTTL + time.Minute) })
	t.Cleanup(func() { c.orders.SetClock(time.Now) })
	due := func() int64 {
		return queryOne[int64](t, h, "SELECT COUNT(*) FROM orders WHERE status = ? AND deadline_at <= ?",
			model.OrderPendingPayment, time.Now().Add(concUnpaidTTL+time.Minute).UTC())
	}

	// Pay every other order, newest first, while the sweepers go oldest
	// first: early payments win, late ones find their order cancelled, and
	// where the two fronts cross a sweeper cancels orders whose payment is
	// under way.
	payIdx := make([]int, 0, sc.pays)
	for i := sc.orders - 1; len(payIdx) < sc.pays && i >= 0; i -= 2 {
		payIdx = append(payIdx, i)
	}
	race := time.Now()
	var sweepErrs []error
	var sweepMu sync.Mutex
	var sweeps, swept atomic.Int64
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for range sc.sweepers {
		wg.Go(func() {
			<-gate
			for attempt := 0; attempt < 200; attempt++ {
				n, err := c.orders.Sweep(context.Background())
				sweeps.Add(1)
				swept.Add(int64(n))
				if err != nil {
					sweepMu.Lock()
					sweepErrs = append(sweepErrs, err)
					sweepMu.Unlock()
					return
				}
				if n == 0 {
					var left int64
					if err := h.store.DB().QueryRowContext(context.Background(),
						"SELECT COUNT(*) FROM orders WHERE status = ? AND deadline_at <= ?", model.OrderPendingPayment,
						time.Now().Add(concUnpaidTTL+time.Minute).UTC()).Scan(&left); err == nil && left == 0 {
						return
					}
					time.Sleep(5 * time.Millisecond) // the others hold this batch
				}
			}
		})
	}
	var pays []concRes
	wg.Go(func() {
		<-gate
		pays = concRun(len(payIdx), 0, func(k int) concRes {
			// All at once, 500 requests would queue for the 16 connections
			// and starve the sweepers until every payment is through: no
			// race. Spread over about the sweep's time, they meet the
			// sweepers on the same orders.
			time.Sleep(time.Duration(k) * sc.paySpread / time.Duration(len(payIdx)))
			o := orders[payIdx[k]]
			return concDo(h, http.MethodPost, "/api/v1/orders/"+itoa(o.id)+"/pay", o.buyer.token,
				"conc-pay-"+itoa(o.id), `{"mode": "instant"}`)
		})
	})
	close(gate)
	wg.Wait()
	tally := concTally(pays)
	t.Logf("%d payments raced %d sweepers over %d expired orders in %v: %s; %d sweeps, %d cancellations",
		len(pays), sc.sweepers, sc.orders, time.Since(race).Round(time.Millisecond), concShow(tally),
		sweeps.Load(), swept.Load())
	for _, err := range sweepErrs {
		t.Errorf("a sweeper failed: %v", err)
	}
	concCheckDoc(t, h, http.MethodPost, "/api/v1/orders/"+itoa(orders[0].id)+"/pay", pays)
	if tally["200"]+tally["409 invalid_transition"] != len(pays) {
		t.Errorf("payments got %s, want only 200 and 409 invalid_transition%s", concShow(tally),
			concFirstOf(pays, "200", "409 invalid_transition"))
	}
	if n := due(); n != 0 {
		t.Errorf("%d orders are still pending_payment past their deadline after the sweepers stopped", n)
	}

	// The database, per order.
	type row struct {
		status                           string
		total, paid, refunded            int64
		charges, chargedCents            int64 // succeeded charges
		refunds, refundedCents, pendings int64
		payments, leftPending            int64
	}
	db := map[int64]*row{}
	concRows(t, h, func(r *sql.Rows) error {
		var id int64
		x := &row{}
		if err := r.Scan(&id, &x.status, &x.total, &x.paid, &x.refunded); err != nil {
			return err
		}
		db[id] = x
		return nil
	}, `SELECT o.id, o.status, o.total_cents, o.paid_cents, o.refunded_cents FROM orders o
		JOIN order_lines l ON l.order_id = o.id WHERE l.sku_id = ?`, sku)
	concRows(t, h, func(r *sql.Rows) error {
		var id int64
		var kind, status string
		var n, cents int64
		if err := r.Scan(&id, &kind, &status, &n, &cents); err != nil {
			return err
		}
		x := db[id]
		if x == nil {
			return fmt.Errorf("payment of order %d, not one of this test's", id)
		}
		x.payments += n
		switch {
		case status == model.PaymentPending:
			x.pendings += n
		case kind == model.PaymentCharge && status == model.PaymentSucceeded:
			x.charges, x.chargedCents = n, cents
		case kind == model.PaymentRefund && status == model.PaymentSucceeded:
			x.refunds, x.refundedCents = n, cents
		}
		return nil
	}, `SELECT p.order_id, p.kind, p.status, COUNT(*), SUM(p.amount_cents) FROM payments p
		JOIN order_lines l ON l.order_id = p.order_id WHERE l.sku_id = ? GROUP BY p.order_id, p.kind, p.status`, sku)
	concRows(t, h, func(r *sql.Rows) error {
		var id, n int64
		if err := r.Scan(&id, &n); err != nil {
			return err
		}
		if x := db[id]; x != nil {
			x.leftPending = n
		}
		return nil
	}, `SELECT e.order_id, COUNT(*) FROM order_events e JOIN order_lines l ON l.order_id = e.order_id
		WHERE l.sku_id = ? AND e.from_state = ? GROUP BY e.order_id`, sku, model.OrderPendingPayment)
	if len(db) != sc.orders {
		t.Fatalf("the database holds %d orders of sku %d, want %d", len(db), sku, sc.orders)
	}

	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	got200 := map[int64]concPaid{}
	got409 := map[int64]bool{}
	for k, r := range pays {
		o := orders[payIdx[k]]
		switch r.status {
		case http.StatusOK:
			p, err := concDecode[concPaid](r)
			if err != nil {
				bad("order %d: 200 body: %v", o.id, err)
				continue
			}
			got200[o.id] = p
		case http.StatusConflict:
			got409[o.id] = true
		}
	}
	var wonPay, wonTimeout, refundedAfterPay int64
	var reservedWant int64
	for _, o := range orders {
		x := db[o.id]
		if x.leftPending != 1 {
			bad("order %d left pending_payment %d times, want once", o.id, x.leftPending)
		}
		if x.pendings != 0 {
			bad("order %d has %d pending payments", o.id, x.pendings)
		}
		p, ok200 := got200[o.id]
		switch x.status {
		case model.OrderAwaitingShipment:
			wonPay++
			reservedWant += o.qty
			if x.paid != x.total || x.refunded != 0 || x.charges != 1 || x.chargedCents != x.total || x.refunds != 0 {
				bad("order %d awaiting_shipment: paid %d of %d, refunded %d, %d succeeded charges (%d cents), %d refunds",
					o.id, x.paid, x.total, x.refunded, x.charges, x.chargedCents, x.refunds)
			}
			if !ok200 || p.Order.Status != model.OrderAwaitingShipment {
				bad("order %d is awaiting_shipment but its buyer was told %v %q", o.id, ok200, p.Order.Status)
			}
		case model.OrderCancelled:
			wonTimeout++
			if x.paid-x.refunded != 0 || x.paid != x.chargedCents || x.refunded != x.refundedCents {
				bad("order %d cancelled keeps money: paid %d (charges %d), refunded %d (refunds %d)",
					o.id, x.paid, x.chargedCents, x.refunded, x.refundedCents)
			}
			switch {
			case ok200:
				refundedAfterPay++
				if p.Order.Status != model.OrderCancelled || x.paid != x.total || x.charges != 1 || x.refunds != 1 {
					bad("order %d cancelled, but /pay answered 200 with order %q; paid %d of %d, %d charges, %d refunds",
						o.id, p.Order.Status, x.paid, x.total, x.charges, x.refunds)
				}
			case x.payments != 0 || x.paid != 0:
				bad("order %d cancelled, its buyer was told 200=%v 409=%v, yet it has %d payment records and paid %d",
					o.id, ok200, got409[o.id], x.payments, x.paid)
			}
		default:
			bad("order %d ends %s, want awaiting_shipment or cancelled", o.id, x.status)
		}
		if ok200 {
			if p.Payment.OrderID != o.id || p.Payment.Kind != model.PaymentCharge ||
				p.Payment.Status != model.PaymentSucceeded || p.Payment.AmountCents != o.total {
				bad("order %d: /pay 200 names payment %+v, want a succeeded charge of %d", o.id, p.Payment, o.total)
			}
		}
	}
	if len(problems) > 0 {
		t.Errorf("%d problems (pays: %s), e.g.:\n  %s", len(problems), concShow(tally),
			strings.Join(problems[:min(15, len(problems))], "\n  "))
	}
	if onHandNow, reserved := concStock(t, h, sku); onHandNow != onHand || reserved != reservedWant {
		t.Errorf("sku %d: on_hand %d reserved %d, want %d and %d (the units of the %d awaiting_shipment orders)",
			sku, onHandNow, reserved, onHand, reservedWant, wonPay)
	}
	t.Logf("payment won %d, timeout won %d (%d of them after the charge, refunded); %d payments answered 409",
		wonPay, wonTimeout, refundedAfterPay, len(got409))
}

package api_test

// The harness every api test goes through: the real router over a fresh,
// migrated database that the test seeds, requests through httptest, and every
// response checked against api/openapi.json. A response the document does not
// describe (status, headers or body) fails the test, so the document and the
// code cannot drift apart unnoticed.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"shanhai/api"
	"shanhai/model/cache"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/account"
	"shanhai/service/audit"
	"shanhai/service/catalog"
	"shanhai/service/credit"
	"shanhai/service/geo"
	"shanhai/service/imports"
	"shanhai/service/media"
	"shanhai/service/order"
	"shanhai/service/org"
	"shanhai/service/payment"
	"shanhai/service/procure"
	"shanhai/service/record"
	"shanhai/service/register"
	"shanhai/service/stats"
	"shanhai/service/stock"
)

// spec is the parsed, validated OpenAPI document and a router over it.
type spec struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	specOnce sync.Once
	specVal  *spec
	specErr  error
)

// loadSpec parses api.OpenAPI once per test binary.
func loadSpec(t testing.TB) *spec {
	t.Helper()
	specOnce.Do(func() {
		// The plain-text, HTML and script bodies (/metrics, /docs) are strings; kin-openapi
		// has no decoder for them by default.
		text := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(body)
			return string(b), err
		}
		openapi3filter.RegisterBodyDecoder("text/plain", text)
		openapi3filter.RegisterBodyDecoder("text/html", text)
		openapi3filter.RegisterBodyDecoder("text/javascript", text)

		doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = err
			return
		}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			specErr = err
			return
		}
		specVal = &spec{doc: doc, router: r}
	})
	if specErr != nil {
		t.Fatalf("api/openapi.json: %v", specErr)
	}
	return specVal
}

// harness is the real router over one test database.
type harness struct {
	engine *gin.Engine
	store  *store.Store
	spec   *spec
	// orders is the order service behind the router: tests place orders
	// through it to seed, move its clock and run its deadline sweep.
	orders *order.Service
	// payments signs callbacks as the sandbox provider does.
	payments *payment.Sandbox
	// ledger is the credit ledger behind the router: tests drain its
	// rollup feed before reading statistics.
	ledger *credit.Ledger
	// imports is the import service: tests work its jobs in place of the
	// background worker.
	imports *imports.Service
}

// testSecret signs the harness's tokens; tests forge tokens with it (and
// with other keys) to see what the server accepts.
const testSecret = "shanhai-test-secret-0123456789abcdef"

type harnessOpt func(d *api.Deps, st *store.Store)

// testPaymentSecret keys the sandbox payment provider's callback signatures.
const testPaymentSecret = "shanhai-test-payment-secret"

// testOrderLimits are the order deadlines of the configuration's defaults, with no
// order rate limit and no SKU cap; tests change what they need and pass it
// to withOrders.
func testOrderLimits() testLimits {
	return testLimits{Limits: order.Limits{
		UnpaidTTL: 30 * time.Minute, OrgUnpaidTTL: 720 * time.Hour, ApprovalTTL: 72 * time.Hour,
		AutoAccept: 168 * time.Hour, ReturnWindow: 168 * time.Hour, ReturnAutoApprove: 72 * time.Hour,
	}}
}

// testLimits are the order service's limits and the stock service's
// per-buyer SKU cap (0: none) and hold share (0: 100%, no share rule: the
// tests written before the rule buy whole stocks; hold_test.go sets it).
type testLimits struct {
	order.Limits
	SKUCap    int64
	HoldShare int
}

// newOrders wires the order service as main.go does: its pairing previews
// read the regions and pairings through the in-process geography cache
// (the national region table is thousands of rows; no replica reads it for
// every order). It keeps them 50 ms, so a pairing a test adds shows in the
// previews of orders placed 50 ms later; crediting never reads it.
//
// Group commit is on as main.go sets it unless SHANHAI_ORDER_BATCH is
// given: on SQLite and one MariaDB server, off on a Galera node.
func newOrders(st *store.Store, counter order.Counter, limits testLimits) *order.Service {
	return newOrdersPaying(st, counter, limits, payment.NewSandbox(testPaymentSecret))
}

// newOrdersPaying is newOrders charging through provider.
func newOrdersPaying(st *store.Store, counter order.Counter, limits testLimits, provider payment.Provider) *order.Service {
	stk := stock.New(st, st, limits.SKUCap)
	stk.SetHoldShare(cmp.Or(limits.HoldShare, 100))
	s := order.New(st, cache.NewGeography(st, 50*time.Millisecond), stk, credit.New(st, nil),
		provider, counter, limits.Limits)
	if galera, err := st.Galera(context.Background()); err == nil && !galera {
		s.SetBatch(order.DefaultBatch)
	}
	return s
}

// withOrders runs the order service with limits, counting orders per user
// with counter (nil: no counting, so RateOrders has no effect).
func withOrders(counter order.Counter, limits testLimits) harnessOpt {
	return func(d *api.Deps, st *store.Store) { d.Orders = newOrders(st, counter, limits) }
}

// withCheck adds (or replaces) a readiness check.
func withCheck(name string, check func(context.Context) error) harnessOpt {
	return func(d *api.Deps, _ *store.Store) { d.Checks[name] = check }
}

// withStore serves the catalogue from st instead of the backend's store.
func withStore(cs catalog.Reads) harnessOpt {
	return func(d *api.Deps, st *store.Store) { d.Catalog = catalog.New(cs, st, st, stock.New(st, st, 0)) }
}

// withLoginLimit limits failed logins to limit per username (10× per client
// address), counted by counter.
func withLoginLimit(counter account.Counter, limit int) harnessOpt {
	return func(d *api.Deps, st *store.Store) { d.Accounts = newAccounts(st, counter, limit) }
}

func newAccounts(st *store.Store, counter account.Counter, limit int) *account.Service {
	a := account.New(st, testSecret, counter, limit)
	a.SetHashCost(bcrypt.MinCost)
	a.SetSMS(sentCodes) // sign-up codes are read back by the tests (sms_test.go)
	return a
}

// newHarness builds the router with every service over b's store, with the
// database as its readiness check and no login limit.
func newHarness(t *testing.T, b storetest.Backend, opts ...harnessOpt) *harness {
	t.Helper()
	st := b.Store
	d := api.Deps{
		Catalog:  catalog.New(st, st, st, stock.New(st, st, 0)),
		Accounts: newAccounts(st, nil, 0),
		Orgs:     org.New(st),
		Geo:      geo.New(st, st),
		Audit:    audit.New(st),
		Stats:    stats.New(st, nil, st),
		Orders:   newOrders(st, nil, testOrderLimits()),
		Ledger:   credit.New(st, nil),
		Procure:  procure.New(st),
		Media:    media.New(st, st, nil, media.CacheBytes),
		Checks:   map[string]func(context.Context) error{"database": st.DB().PingContext},
		DB:       st.DB(),
	}
	d.Register = register.New(st)
	d.Catalog.SetRegister(d.Register)
	d.Records = record.New(st, st, d.Ledger)
	d.Imports = imports.New(st, d.Records, d.Register, testImportLimits, "test")
	d.Years = credit.NewYears(st)
	for _, o := range opts {
		o(&d, st)
	}
	return &harness{engine: api.New(d), store: st, spec: loadSpec(t), orders: d.Orders, imports: d.Imports,
		payments: payment.NewSandbox(testPaymentSecret), ledger: d.Ledger}
}

// response is what the harness received.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// get sends a well-formed GET: the request is validated against the document
// as well as the response.
func (h *harness) get(t *testing.T, target string) response {
	t.Helper()
	return h.do(t, httptest.NewRequest(http.MethodGet, target, nil), true)
}

// getBad sends a GET the test knows to be outside the document (bad
// parameters): only the response is validated.
func (h *harness) getBad(t *testing.T, target string) response {
	t.Helper()
	return h.do(t, httptest.NewRequest(http.MethodGet, target, nil), false)
}

// call sends a documented request: token is the bearer token ("" for none),
// body the JSON body ("" for none). The request is validated against the
// document as well as the response.
func (h *harness) call(t *testing.T, method, target, token, body string) response {
	t.Helper()
	return h.do(t, newRequest(method, target, token, body), true)
}

// callBad sends a request the test knows to be outside the document
// (unknown fields, wrong types, bad values): only the response is validated.
func (h *harness) callBad(t *testing.T, method, target, token, body string) response {
	t.Helper()
	return h.do(t, newRequest(method, target, token, body), false)
}

// callWith is call with extra request headers (Idempotency-Key,
// X-Signature, ...).
func (h *harness) callWith(t *testing.T, method, target, token, body string, header map[string]string) response {
	t.Helper()
	return h.do(t, withHeaders(newRequest(method, target, token, body), header), true)
}

// callBadWith is callBad with extra request headers: for requests outside
// the document, such as one without its Idempotency-Key.
func (h *harness) callBadWith(t *testing.T, method, target, token, body string, header map[string]string) response {
	t.Helper()
	return h.do(t, withHeaders(newRequest(method, target, token, body), header), false)
}

func withHeaders(req *http.Request, header map[string]string) *http.Request {
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req
}

func newRequest(method, target, token, body string) *http.Request {
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
	return req
}

// do serves req and validates the response against the document, and the
// request too when checkRequest is set.
func (h *harness) do(t *testing.T, req *http.Request, checkRequest bool) response {
	t.Helper()
	ctx := context.Background()
	in := h.requestInput(t, req)
	if checkRequest {
		if in == nil {
			t.Fatalf("%s %s: not in api/openapi.json", req.Method, req.URL)
		}
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Fatalf("%s %s: request does not match api/openapi.json: %v", req.Method, req.URL, err)
		}
	}
	rec := httptest.NewRecorder()
	h.engine.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}

	if in == nil {
		// No documented operation: the answer must be one of the generic
		// errors every path can give, as components/responses describes it.
		in = h.genericInput(t, req, res.Status)
	}
	if err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 res.Status,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(res.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}); err != nil {
		t.Fatalf("%s %s → %d: response does not match api/openapi.json: %v\nbody: %s",
			req.Method, req.URL, res.Status, err, truncate(res.Body))
	}
	return res
}

// requestInput finds req's documented operation, or nil when there is none.
func (h *harness) requestInput(t *testing.T, req *http.Request) *openapi3filter.RequestValidationInput {
	t.Helper()
	route, params, err := h.spec.router.FindRoute(req)
	if err != nil {
		var re *routers.RouteError
		if !errors.As(err, &re) {
			t.Fatalf("%s %s: find route: %v", req.Method, req.URL, err)
		}
		return nil
	}
	return &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		// The server decides who may call; the document only has to declare
		// the bearer scheme, which the request validator does not check.
		Options: &openapi3filter.Options{SkipSettingDefaults: true, MultiError: true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
}

// genericResponses are the answers any path may give, documented or not.
var genericResponses = map[int]string{
	http.StatusNotFound:              "NotFound",
	http.StatusMethodNotAllowed:      "MethodNotAllowed",
	http.StatusRequestEntityTooLarge: "PayloadTooLarge",
	http.StatusInternalServerError:   "InternalError",
}

// genericInput is a stand-in operation answering status with its
// components/responses entry.
func (h *harness) genericInput(t *testing.T, req *http.Request, status int) *openapi3filter.RequestValidationInput {
	t.Helper()
	name, ok := genericResponses[status]
	if !ok {
		t.Fatalf("%s %s → %d: an undocumented route may only answer 404, 405, 413 or 500", req.Method, req.URL, status)
	}
	ref := h.spec.doc.Components.Responses[name]
	if ref == nil {
		t.Fatalf("api/openapi.json: components/responses/%s is missing", name)
	}
	op := openapi3.NewOperation()
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(status, ref))
	return &openapi3filter.RequestValidationInput{
		Request: req,
		Route:   &routers.Route{Spec: h.spec.doc, Path: req.URL.Path, Method: req.Method, Operation: op},
	}
}

// decode unmarshals a response body, refusing fields the test type lacks.
func decode[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T: %v\nbody: %s", v, err, truncate(res.Body))
	}
	return v
}

// wantStatus fails unless res has the status.
func wantStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("status = %d, want %d; body: %s", res.Status, want, truncate(res.Body))
	}
}

func truncate(b []byte) string {
	s := string(b)
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return strings.TrimSpace(s)
}

// The client's view of the bodies, written from the design, not copied from
// the api package.

type errorBody struct {
	Error struct {
		Code    string       `json:"code"`
		Message string       `json:"message"`
		Fields  []fieldError `json:"fields"`
	} `json:"error"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

type page[T any] struct {
	Items    []T   `json:"items"`
	Total    int64 `json:"total"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
}

type regionRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type region struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Level      string  `json:"level"`
	ParentCode *string `json:"parent_code"`
	Side       string  `json:"side"`
}

type pairing struct {
	ID        int64     `json:"id"`
	Programme string    `json:"programme"`
	Level     string    `json:"level"`
	Helper    regionRef `json:"helper"`
	Partner   regionRef `json:"partner"`
	SinceYear int       `json:"since_year"`
	Active    bool      `json:"active"`
}

type category struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type supplierRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type productSummary struct {
	ID             int64       `json:"id"`
	Name           string      `json:"name"`
	Category       string      `json:"category"`
	CategoryName   string      `json:"category_name"`
	Brand          string      `json:"brand"`
	Origin         regionRef   `json:"origin"`
	Supplier       supplierRef `json:"supplier"`
	PriceFromCents int64       `json:"price_from_cents"`
	Perishable     bool        `json:"perishable"`
	ShelfLifeDays  int         `json:"shelf_life_days"`
	Certified      bool        `json:"certified"`
	Images         []imageBody `json:"images"`
	ThumbnailURL   string      `json:"thumbnail_url"`
}

type tier struct {
	MinQty     int64 `json:"min_qty"`
	PriceCents int64 `json:"price_cents"`
}

type sku struct {
	ID         int64  `json:"id"`
	Spec       string `json:"spec"`
	Unit       string `json:"unit"`
	PriceCents int64  `json:"price_cents"`
	Available  int64  `json:"available"`
	Tiers      []tier `json:"tiers"`
	// PurchaseLimit: 0 = none.
	PurchaseLimit int64 `json:"purchase_limit"`
}

type certification struct {
	CertificateNo string `json:"certificate_no"`
	Issuer        string `json:"issuer"`
	Batch         string `json:"batch"`
	ValidFrom     string `json:"valid_from"`
	ValidTo       string `json:"valid_to"`
	Status        string `json:"status"`
	ValidToday    bool   `json:"valid_today"`
}

type product struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	Category      string         `json:"category"`
	CategoryName  string         `json:"category_name"`
	Brand         string         `json:"brand"`
	Description   string         `json:"description"`
	Origin        regionRef      `json:"origin"`
	Supplier      supplierRef    `json:"supplier"`
	Perishable    bool           `json:"perishable"`
	ShelfLifeDays int            `json:"shelf_life_days"`
	Certified     bool           `json:"certified"`
	Certification *certification `json:"certification"`
	SKUs          []sku          `json:"skus"`
	Images        []imageBody    `json:"images"`
	Pairings      []pairing      `json:"pairings"`
}

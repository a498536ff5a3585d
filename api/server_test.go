package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store/storetest"
)

// TestServer covers what every route shares: errors for unknown routes,
// methods, big bodies and panics; request ids; health, readiness, metrics and
// the API description.
func TestServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		t.Run("errors", func(t *testing.T) { testRouteErrors(t, h) })
		t.Run("request id", func(t *testing.T) { testRequestID(t, h) })
		t.Run("health", func(t *testing.T) { testHealth(t, h, b) })
		t.Run("metrics", func(t *testing.T) { testMetrics(t, h) })
		t.Run("description", func(t *testing.T) { testDescription(t, h) })
		t.Run("store failures", func(t *testing.T) { testStoreFailures(t, b) })
	})
}

func testRouteErrors(t *testing.T, h *harness) {
	h.engine.GET("/test/panic", func(*gin.Context) { panic("boom") })

	big := func(method, target string) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(`{"x":1}`))
		r.ContentLength = api.MaxBody + 1 // the server must refuse on the header alone
		return r
	}
	for _, tc := range []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantCode   string
		wantAllow  string
	}{
		{"unknown route", httptest.NewRequest(http.MethodGet, "/nowhere", nil), 404, "not_found", ""},
		{"unknown api route", httptest.NewRequest(http.MethodDelete, "/api/v2/products", nil), 404, "not_found", ""},
		{"wrong method", httptest.NewRequest(http.MethodPost, "/api/v1/products", strings.NewReader(`{}`)), 405, "method_not_allowed", "GET"},
		{"wrong method on detail", httptest.NewRequest(http.MethodDelete, "/api/v1/products/1", nil), 405, "method_not_allowed", "GET"},
		{"wrong method on healthz", httptest.NewRequest(http.MethodPut, "/healthz", nil), 405, "method_not_allowed", "GET"},
		{"body over 1 MiB on a list", big(http.MethodGet, "/api/v1/products"), 413, "body_too_large", ""},
		{"body over 1 MiB on a detail", big(http.MethodGet, "/api/v1/products/1"), 413, "body_too_large", ""},
		{"body over 1 MiB on healthz", big(http.MethodGet, "/healthz"), 413, "body_too_large", ""},
		{"body over 1 MiB on a wrong method", big(http.MethodPost, "/api/v1/products"), 413, "body_too_large", "GET"},
		{"body over 1 MiB on an unknown route", big(http.MethodPost, "/nowhere"), 413, "body_too_large", ""},
		{"panic", httptest.NewRequest(http.MethodGet, "/test/panic", nil), 500, "internal", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.do(t, tc.req, false)
			wantStatus(t, res, tc.wantStatus)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			body := decode[errorBody](t, res)
			if body.Error.Code != tc.wantCode || body.Error.Message == "" || body.Error.Fields != nil {
				t.Errorf("error = %+v, want code %q, a message and no fields", body.Error, tc.wantCode)
			}
			if got := res.Header.Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tc.wantAllow)
			}
			if res.Header.Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID")
			}
		})
	}
	// a panic leaves the server serving
	wantStatus(t, h.get(t, "/healthz"), http.StatusOK)
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{16}$`)

func testRequestID(t *testing.T, h *harness) {
	for _, tc := range []struct {
		name     string
		incoming string
		wantEcho bool
	}{
		{"none", "", false},
		{"echoed", "req-2024-abc.123", true},
		{"64 characters echoed", strings.Repeat("a", 64), true},
		{"too long replaced", strings.Repeat("a", 65), false},
		{"space replaced", "two words", false},
		{"non-ASCII replaced", "请求一", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, target := range []string{"/api/v1/categories", "/healthz"} {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				if tc.incoming != "" {
					req.Header.Set("X-Request-ID", tc.incoming)
				}
				got := h.do(t, req, true).Header.Get("X-Request-ID")
				if tc.wantEcho && got != tc.incoming {
					t.Errorf("%s: X-Request-ID = %q, want %q echoed", target, got, tc.incoming)
				}
				if !tc.wantEcho && !generatedID.MatchString(got) {
					t.Errorf("%s: X-Request-ID = %q, want a generated id", target, got)
				}
			}
		})
	}
	// generated ids differ
	a := h.get(t, "/healthz").Header.Get("X-Request-ID")
	b := h.get(t, "/healthz").Header.Get("X-Request-ID")
	if a == b {
		t.Errorf("two requests got the same id %q", a)
	}
	// error answers carry it too
	req := httptest.NewRequest(http.MethodGet, "/nowhere", nil)
	req.Header.Set("X-Request-ID", "lost-1")
	if got := h.do(t, req, false).Header.Get("X-Request-ID"); got != "lost-1" {
		t.Errorf("404: X-Request-ID = %q, want lost-1", got)
	}
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
	Error  *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func testHealth(t *testing.T, h *harness, b storetest.Backend) {
	res := h.get(t, "/healthz")
	wantStatus(t, res, http.StatusOK)
	if got := decode[map[string]string](t, res); got["status"] != "ok" {
		t.Errorf("healthz = %v", got)
	}

	res = h.get(t, "/readyz")
	wantStatus(t, res, http.StatusOK)
	ready := decode[readiness](t, res)
	if ready.Status != "ok" || ready.Checks["database"] != "ok" || ready.Error != nil {
		t.Errorf("readyz = %+v, want ok with database ok", ready)
	}

	down := newHarness(t, b, withCheck("redis", func(context.Context) error { return errors.New("connection refused") }))
	res = down.get(t, "/readyz")
	wantStatus(t, res, http.StatusServiceUnavailable)
	ready = decode[readiness](t, res)
	if ready.Status != "unavailable" || ready.Checks["database"] != "ok" || ready.Checks["redis"] != "unavailable" ||
		ready.Error == nil || ready.Error.Code != "not_ready" {
		t.Errorf("readyz = %+v, want unavailable naming redis", ready)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	// liveness does not depend on the dependencies
	wantStatus(t, down.get(t, "/healthz"), http.StatusOK)
}

func testMetrics(t *testing.T, h *harness) {
	h.get(t, "/api/v1/categories")
	h.getBad(t, "/api/v1/products/999999")
	h.getBad(t, "/no/such/route")
	res := h.get(t, "/metrics")
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{
		`shanhai_http_requests_total{method="GET",route="/api/v1/categories",status="200"}`,
		// the route template, never the raw path: ids must not explode the label set
		`shanhai_http_requests_total{method="GET",route="/api/v1/products/:id",status="404"}`,
		`shanhai_http_requests_total{method="GET",route="unmatched",status="404"}`,
		`shanhai_http_request_duration_seconds_bucket{method="GET",route="/api/v1/categories",status="200"`,
		`go_goroutines`,
		`go_sql_open_connections{db_name="shanhai"}`, // the pool's stats
	} {
		if !bytes.Contains(res.Body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if bytes.Contains(res.Body, []byte("/api/v1/products/999999")) {
		t.Error("/metrics has a raw path as a label")
	}

	// Invented method tokens (XAbc /x HTTP/1.1) share one label value: a
	// flood of them must not grow /metrics.
	flood := func(n int) {
		for i := range n {
			for _, target := range []string{"/x", "/api/v1/categories"} {
				req := httptest.NewRequest(fmt.Sprintf("X%dq", i), target, nil)
				h.engine.ServeHTTP(httptest.NewRecorder(), req)
			}
		}
	}
	flood(50)
	before := len(h.get(t, "/metrics").Body)
	flood(500)
	after := h.get(t, "/metrics").Body
	if bytes.Contains(after, []byte(`method="X1q"`)) {
		t.Error("/metrics has an invented method as a label value")
	}
	if !bytes.Contains(after, []byte(`method="other"`)) {
		t.Error(`/metrics lacks method="other" for invented methods`)
	}
	// the counters' digits may grow; the label set may not
	if grown := len(after) - before; grown > 2048 {
		t.Errorf("/metrics grew by %d bytes over 1000 requests with invented methods", grown)
	}
}

func testDescription(t *testing.T, h *harness) {
	res := h.get(t, "/openapi.json")
	wantStatus(t, res, http.StatusOK)
	if !bytes.Equal(res.Body, api.OpenAPI) {
		t.Error("/openapi.json is not the embedded document")
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("/openapi.json Content-Type = %q", ct)
	}

	res = h.get(t, "/docs")
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("/docs Content-Type = %q", ct)
	}
	if !bytes.Contains(res.Body, []byte("/openapi.json")) || !bytes.Contains(res.Body, []byte("<script")) {
		t.Errorf("/docs does not render /openapi.json: %s", truncate(res.Body))
	}
}

// brokenStore answers every read with err, as a database that is down does.
type brokenStore struct{ err error }

func (s brokenStore) Regions(context.Context) ([]model.Region, error)       { return nil, s.err }
func (s brokenStore) Region(context.Context, string) (*model.Region, error) { return nil, s.err }
func (s brokenStore) Categories(context.Context) ([]model.Category, error)  { return nil, s.err }
func (s brokenStore) Category(context.Context, string) (*model.Category, error) {
	return nil, s.err
}
func (s brokenStore) Pairings(context.Context) ([]model.PairingView, error) { return nil, s.err }
func (s brokenStore) Pairing(context.Context, int64) (*model.PairingView, error) {
	return nil, s.err
}
func (s brokenStore) Product(context.Context, int64) (*model.ProductDetail, error) {
	return nil, s.err
}
func (s brokenStore) Products(context.Context, model.ProductQuery) (model.Page[model.ProductSummary], error) {
	return model.Page[model.ProductSummary]{}, s.err
}

// testStoreFailures: a database that is down is a 503 with Retry-After; an
// unknown failure is a 500 that tells nothing of its cause.
func testStoreFailures(t *testing.T, b storetest.Backend) {
	for _, tc := range []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"unavailable", fmt.Errorf("%w: dial tcp 10.0.0.9:3306: connection refused", model.ErrUnavailable), 503, "unavailable"},
		{"unknown", errors.New("Error 1064: syntax error near 'secret'"), 500, "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, b, withStore(brokenStore{tc.err}))
			for _, target := range []string{"/api/v1/regions", "/api/v1/pairings", "/api/v1/categories",
				"/api/v1/products", "/api/v1/products?category=tea", "/api/v1/products/1"} {
				res := h.get(t, target)
				wantStatus(t, res, tc.wantStatus)
				body := decode[errorBody](t, res)
				if body.Error.Code != tc.wantCode || body.Error.Message == "" {
					t.Errorf("%s: error = %+v, want code %s", target, body.Error, tc.wantCode)
				}
				if strings.Contains(body.Error.Message, "10.0.0.9") || strings.Contains(body.Error.Message, "secret") {
					t.Errorf("%s: message leaks the cause: %q", target, body.Error.Message)
				}
				if tc.wantStatus == 503 && res.Header.Get("Retry-After") == "" {
					t.Errorf("%s: 503 without Retry-After", target)
				}
			}
			// the process itself is fine
			wantStatus(t, h.get(t, "/healthz"), http.StatusOK)
		})
	}
}

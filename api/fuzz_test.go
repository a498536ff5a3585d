package api_test

// Fuzzing through the real router, on an embedded SQLite database, so it
// needs no servers: fuzzed JSON bodies to every route that takes one, and
// fuzzed query strings (and path parameters) to every GET route. Whatever
// comes in, the answer is a 2xx, or a 4xx with the error body
// {"error": {"code", "message"}}: never a 500, never a panic.
//
//	go test ./api/ -run '^$' -fuzz '^FuzzQuery$' -fuzztime 10s
//
// The targets are listed by `go test ./api/ -list 'Fuzz.*'`; CI runs each
// briefly. Without -fuzz they run their seeds as ordinary tests. The routes
// and their seeds are in fuzz_routes_test.go; TestFuzzCoversRoutes fails
// when the router has a route they do not cover.
//
// A fuzz target runs many inputs against one world (seedWorld plus the
// objects each route needs), built once per process. Objects an input moves
// on (an order it ships, a filing it approves) are replaced by fresh ones
// before the next input, and what admin and supplier inputs may break for the
// other routes (a disabled caller, a suspended supplier, a sold-out SKU) is
// put back, so that later inputs still reach the code behind the checks.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store/storetest"
)

// fuzzRoute is how one route is fuzzed.
type fuzzRoute struct {
	// callers send it; the input picks one.
	callers []string
	// args gives the path parameters in order; it may seed (or replace) the
	// objects they name and set placeholders of the body (fw.vars).
	args func(t *testing.T, fw *fuzzWorld, caller string) []string
	// header gives extra request headers for the final body.
	header func(fw *fuzzWorld, body []byte) map[string]string
	// seeds are bodies (body routes) or query strings (GET routes).
	// Placeholders such as {{sku}} are replaced with ids of the world.
	seeds []string
	// paramSeeds are bodies sent with another last path parameter than the
	// route's own object (the key, placeholders allowed).
	paramSeeds map[string]string
}

// noArgs is args for a route without path parameters.
func noArgs(*testing.T, *fuzzWorld, string) []string { return nil }

// routeKey is "METHOD /path" as the router registers it.
func routeKey(r gin.RouteInfo) string { return r.Method + " " + r.Path }

// statsPrefix: the statistics routes are fuzzed by query without an entry of
// their own (statsQueryRoute), so new ones are covered the day they land.
const statsPrefix = "/api/v1/stats/"

// queryRouteFor is the query fuzzing of a GET route, or false.
func queryRouteFor(key string) (fuzzRoute, bool) {
	if r, ok := queryRoutes()[key]; ok {
		return r, true
	}
	if strings.HasPrefix(key, "GET "+statsPrefix) {
		return statsQueryRoute, true
	}
	return fuzzRoute{}, false
}

// fuzzGaps lists what the fuzz tables miss of the router's routes, and
// entries for routes the router does not have.
func fuzzGaps(info gin.RoutesInfo) []string {
	var gaps []string
	routes := map[string]bool{}
	bodies, queries := bodyRoutes(), queryRoutes()
	for _, r := range info {
		key := routeKey(r)
		routes[key] = true
		_, body := bodies[key]
		_, query := queryRouteFor(key)
		none := slices.Contains(noBodyRoutes, key)
		switch r.Method {
		case http.MethodGet:
			if !query {
				gaps = append(gaps, key+": a GET route without a query-fuzz entry (queryRoutes)")
			}
		default:
			if !body && !none {
				gaps = append(gaps, key+": no body-fuzz entry (bodyRoutes), nor listed as taking no body (noBodyRoutes)")
			}
			if body && none {
				gaps = append(gaps, key+": both in bodyRoutes and in noBodyRoutes")
			}
		}
	}
	for key := range bodies {
		if !routes[key] {
			gaps = append(gaps, key+": in bodyRoutes, but the router has no such route")
		}
		if !slices.Contains(bodyGroups, bodyGroup(key)) {
			gaps = append(gaps, key+": its group "+bodyGroup(key)+" has no fuzz target")
		}
	}
	for key := range queries {
		if !routes[key] {
			gaps = append(gaps, key+": in queryRoutes, but the router has no such route")
		}
	}
	for _, key := range noBodyRoutes {
		if !routes[key] {
			gaps = append(gaps, key+": in noBodyRoutes, but the router has no such route")
		}
	}
	slices.Sort(gaps)
	return gaps
}

// TestFuzzCoversRoutes: every route of the router is fuzzed, by body or by
// query, or is listed as taking no body.
func TestFuzzCoversRoutes(t *testing.T) {
	for _, gap := range fuzzGaps(api.New(api.Deps{}).Routes()) {
		t.Error(gap)
	}

	// The check itself: new routes without entries are named, statistics
	// routes are covered by the generic entry.
	e := api.New(api.Deps{})
	nop := func(*gin.Context) {}
	e.POST("/api/v1/brand-new", nop)
	e.PATCH("/api/v1/brand-new/:id", nop)
	e.DELETE("/api/v1/brand-new/:id", nop)
	e.GET("/api/v1/brand-new", nop)
	e.GET(statsPrefix+"brand-new", nop)
	got := fuzzGaps(e.Routes())
	want := []string{
		"DELETE /api/v1/brand-new/:id: no body-fuzz entry (bodyRoutes), nor listed as taking no body (noBodyRoutes)",
		"GET /api/v1/brand-new: a GET route without a query-fuzz entry (queryRoutes)",
		"PATCH /api/v1/brand-new/:id: no body-fuzz entry (bodyRoutes), nor listed as taking no body (noBodyRoutes)",
		"POST /api/v1/brand-new: no body-fuzz entry (bodyRoutes), nor listed as taking no body (noBodyRoutes)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("gaps with new routes:\n got %q\nwant %q", got, want)
	}
}

// checkAnswer fails unless rec is a 2xx, or a 4xx with the JSON error body.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if p := answerProblem(rec); p != "" {
		t.Fatalf("%s → %s; body: %s", what, p, truncate(rec.Body.Bytes()))
	}
}

// answerProblem says what is wrong with an answer to any input, or "".
func answerProblem(rec *httptest.ResponseRecorder) string {
	status := rec.Code
	if status >= 200 && status < 300 {
		return ""
	}
	if status < 400 || status >= 500 {
		return fmt.Sprintf("%d, want a 2xx or a 4xx", status)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Sprintf("%d with Content-Type %q, want the JSON error body", status, ct)
	}
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == nil ||
		body.Error.Code == "" || body.Error.Message == "" {
		return fmt.Sprintf("%d without {\"error\": {\"code\", \"message\"}} (%v)", status, err)
	}
	return ""
}

// TestAnswerProblem: the fuzz check refuses what it should.
func TestAnswerProblem(t *testing.T) {
	const errJSON = `{"error": {"code": "invalid", "message": "bad"}}`
	for _, tc := range []struct {
		status int
		ct     string
		body   string
		ok     bool
	}{
		{200, "application/json", `{}`, true},
		{201, "application/json", `{"id": 1}`, true},
		{204, "", "", true},
		{200, "text/csv", "a,b", true},
		{400, "application/json; charset=utf-8", errJSON, true},
		{422, "application/json", `{"error": {"code": "invalid", "message": "bad", "fields": []}}`, true},
		{500, "application/json", `{"error": {"code": "internal", "message": "internal error"}}`, false},
		{503, "application/json", errJSON, false},
		{302, "text/html", "", false},
		{404, "text/plain", "404 page not found", false},
		{400, "application/json", `{"message": "bad"}`, false},
		{400, "application/json", `{"error": {"code": "", "message": "bad"}}`, false},
		{400, "application/json", `{"error": {"code": "x"}}`, false},
		{400, "application/json", `{"error": "bad"}`, false},
		{400, "application/json", `not json`, false},
	} {
		rec := httptest.NewRecorder()
		if tc.ct != "" {
			rec.Header().Set("Content-Type", tc.ct)
		}
		rec.WriteHeader(tc.status)
		rec.WriteString(tc.body)
		if got := answerProblem(rec); (got == "") != tc.ok {
			t.Errorf("%d %s %s: problem %q, want ok=%v", tc.status, tc.ct, tc.body, got, tc.ok)
		}
	}
}

// pick finds the route the input names; a name that is not a route (the
// fuzzer mutates it too) still picks one, by its hash.
func pick(keys []string, name string) string {
	if slices.Contains(keys, name) {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return keys[int(h.Sum32()%uint32(len(keys)))]
}

// buildPath fills the route's pattern with args; a non-empty param replaces
// the last one (the fuzzer's path parameter).
func buildPath(pattern string, args []string, param string) string {
	parts := strings.Split(pattern, "/")
	var at []int
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			at = append(at, i)
		}
	}
	for i, j := range at {
		v := "1"
		if i < len(args) {
			v = args[i]
		}
		parts[j] = v
	}
	if param != "" && len(at) > 0 {
		parts[at[len(at)-1]] = param
	}
	return strings.Join(parts, "/")
}

// quietLogs keeps the router's request lines out of the fuzz output; errors
// (an internal error is logged with its cause) still show.
func quietLogs(f *testing.F) {
	prev := slog.Default()
	slog.SetDefault(slog.New(api.LogHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))))
	f.Cleanup(func() { slog.SetDefault(prev) })
}

// fuzzSetup opens the target's database and returns the world, built on the
// first input: the harness and the world helpers take a *testing.T, and a
// fuzz target has none before its first input. Nothing they build registers
// a cleanup on that input's t (the database, which outlives it, belongs to
// f); a harness option that did would end with the first input.
func fuzzSetup(f *testing.F) func(t *testing.T) *fuzzWorld {
	b := storetest.SQLite(f)
	quietLogs(f)
	var once sync.Once
	var fw *fuzzWorld
	return func(t *testing.T) *fuzzWorld {
		t.Helper()
		once.Do(func() { fw = newFuzzWorld(t, b) })
		if fw == nil {
			t.Fatal("the fuzz world could not be built (see the first input's failure)")
		}
		fw.beginInput()
		return fw
	}
}

// bodyGroup is the fuzz target of a body route.
func bodyGroup(key string) string {
	_, p, _ := strings.Cut(key, " ")
	switch {
	case strings.HasPrefix(p, "/api/v1/auth/"), strings.HasPrefix(p, "/api/v1/me/"):
		return "Accounts"
	case strings.HasPrefix(p, "/api/v1/admin/"):
		return "Admin"
	case strings.HasPrefix(p, "/api/v1/supplier/"):
		return "Supplier"
	case strings.HasPrefix(p, "/api/v1/orgs/"):
		return "Orgs"
	case strings.HasPrefix(p, "/api/v1/payments/"):
		return "Payments"
	}
	return "Orders" // cart, orders, returns, and whatever comes next
}

// bodyGroups are the groups that have a FuzzBody<Group> target below.
var bodyGroups = []string{"Accounts", "Admin", "Supplier", "Orgs", "Payments", "Orders"}

func FuzzBodyAccounts(f *testing.F) { fuzzBodies(f, "Accounts") }
func FuzzBodyAdmin(f *testing.F)    { fuzzBodies(f, "Admin") }
func FuzzBodySupplier(f *testing.F) { fuzzBodies(f, "Supplier") }
func FuzzBodyOrgs(f *testing.F)     { fuzzBodies(f, "Orgs") }
func FuzzBodyPayments(f *testing.F) { fuzzBodies(f, "Payments") }
func FuzzBodyOrders(f *testing.F)   { fuzzBodies(f, "Orders") }

// genericBodies are sent to every body route besides its own seeds (few:
// every seed costs each fuzz run time before the fuzzing starts).
var genericBodies = []string{"", `{"unknown": 1} []`}

// fuzzBodies fuzzes the JSON bodies of the body routes of group. An input is
// the route's name, who sends it, a path parameter (empty: the route's own
// object) and the body.
func fuzzBodies(f *testing.F, group string) {
	routes := bodyRoutes()
	var keys []string
	for key := range routes {
		if bodyGroup(key) == group {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		f.Skip("no body routes in group " + group)
	}
	slices.Sort(keys)
	for _, key := range keys {
		for i, s := range routes[key].seeds {
			f.Add(key, uint8(i), "", []byte(s))
		}
		for _, s := range genericBodies {
			f.Add(key, uint8(0), "", []byte(s))
		}
		f.Add(key, uint8(0), "0", []byte(routes[key].seeds[0]))
		for param, body := range routes[key].paramSeeds {
			f.Add(key, uint8(0), param, []byte(body))
		}
	}
	// once per target: a body over the 1 MiB limit, and one nested too deep
	f.Add(keys[0], uint8(0), "", append(append([]byte(`{"name": "`), bytes.Repeat([]byte("山"), api.MaxBody/3+1)...), `"}`...))
	f.Add(keys[len(keys)-1], uint8(0), "", bytes.Repeat([]byte("["), 20000))
	world := fuzzSetup(f)
	f.Fuzz(func(t *testing.T, name string, who uint8, param string, body []byte) {
		fw := world(t)
		key := pick(keys, name)
		r := routes[key]
		caller := r.callers[int(who)%len(r.callers)]
		method, pattern, _ := strings.Cut(key, " ")
		target := buildPath(pattern, r.args(t, fw, caller), string(fw.fill([]byte(param))))
		body = fw.fill(body)
		req := httptest.NewRequest(method, "/", bytes.NewReader(body))
		req.URL.Path = target
		req.Header.Set("Content-Type", "application/json")
		if r.header != nil {
			for k, v := range r.header(fw, body) {
				req.Header.Set(k, v)
			}
		}
		rec := fw.serve(t, caller, req)
		checkAnswer(t, fmt.Sprintf("%s %q as %s with body %q", method, target, caller, truncate(body)), rec)
		fw.after(key, rec.Code)
	})
}

// genericQueries are sent to every GET route besides its own seeds.
var genericQueries = []string{"page=-1&page_size=1000000000000000000000&%zz=%&&=&a;b"}

// FuzzQuery fuzzes the query strings (and the last path parameter) of every
// GET route. An input is the route's name, who sends it, a path parameter
// (empty: the route's own object) and the raw query string.
func FuzzQuery(f *testing.F) {
	var keys []string
	for _, r := range api.New(api.Deps{}).Routes() {
		if _, ok := queryRouteFor(routeKey(r)); ok && r.Method == http.MethodGet {
			keys = append(keys, routeKey(r))
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		r, _ := queryRouteFor(key)
		for i, s := range r.seeds {
			f.Add(key, uint8(i), "", s)
		}
		for _, s := range genericQueries {
			f.Add(key, uint8(0), "", s)
		}
		if strings.Contains(key, "/:") {
			f.Add(key, uint8(0), "9223372036854775808", "")
			f.Add(key, uint8(1), "-1", "")
		}
	}
	world := fuzzSetup(f)
	f.Fuzz(func(t *testing.T, name string, who uint8, param string, query string) {
		fw := world(t)
		key := pick(keys, name)
		r, _ := queryRouteFor(key)
		caller := r.callers[int(who)%len(r.callers)]
		_, pattern, _ := strings.Cut(key, " ")
		target := buildPath(pattern, r.args(t, fw, caller), string(fw.fill([]byte(param))))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path, req.URL.RawQuery = target, string(fw.fill([]byte(query)))
		rec := fw.serve(t, caller, req)
		checkAnswer(t, fmt.Sprintf("GET %q?%q as %s", target, query, caller), rec)
	})
}

// fuzzWorld is the world the fuzz inputs act in.
type fuzzWorld struct {
	*world
	// vars are the placeholders of this input's body: {{name}} → value.
	vars map[string]string
	// scratch objects that inputs may change at will
	scratchOrg, scratchUser int64
	// objects in a given state, by "route caller": replaced once moved on
	orders  map[string]*model.Order
	returns map[string]int64
	payment int64
	keys    int
	// dirty: an input changed what other routes rely on; put it back
	dirty bool
	saved []savedRow
}

func newFuzzWorld(t *testing.T, b storetest.Backend) *fuzzWorld {
	h := newHarness(t, b)
	fw := &fuzzWorld{world: seedWorld(t, h), orders: map[string]*model.Order{}, returns: map[string]int64{}}
	fw.orderGoods(t) // fw.goods
	ctx := context.Background()
	o := &model.Org{Name: "模糊测试单位", Kind: model.OrgCanteen, RegionCode: "330602", PaymentTerms: model.TermsPrepay,
		CreditKind: model.DefaultCreditKind(model.OrgCanteen)}
	if err := h.store.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	fw.scratchOrg = o.ID
	fw.scratchUser = fw.addUser(t, &model.User{Username: "fuzz_scratch", Role: model.RoleConsumer}).ID
	fw.addFiling(t, fw.child, 2026, 3000, model.FilingSubmitted)
	fw.save(t)
	return fw
}

// savedRow is a row as the world was built, put back after inputs that may
// have changed it.
type savedRow struct {
	table string
	id    int64
	cols  []string
	vals  []any
}

// save records the rows other routes rely on.
func (fw *fuzzWorld) save(t *testing.T) {
	rows := func(table string, cols []string, ids ...int64) {
		for _, id := range ids {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			q := "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " WHERE id = ?"
			if err := fw.h.store.DB().QueryRow(q, id).Scan(ptrs...); err != nil {
				t.Fatalf("%s %d: %v", q, id, err)
			}
			fw.saved = append(fw.saved, savedRow{table, id, cols, vals})
		}
	}
	var users []int64
	for _, u := range fw.users {
		users = append(users, u.ID)
	}
	slices.Sort(users)
	rows("users", []string{"username", "username_key", "role", "disabled", "password_hash", "org_id", "supplier_id", "region_code"}, users...)
	rows("orgs", []string{"name", "kind", "region_code", "parent_id", "payment_terms", "approval_threshold_cents", "credit_kind"},
		fw.parent.ID, fw.child.ID, fw.other.ID)
	rows("suppliers", []string{"name", "region_code", "status"}, fw.supA.ID, fw.supB.ID, fw.spare.ID)
	rows("pairings", []string{"active"}, fw.pairing)
	rows("skus", []string{"price_cents"}, fw.goods.skuA, fw.goods.skuB)
	var products []int64
	for _, sku := range []int64{fw.goods.skuA, fw.goods.skuB} {
		products = append(products, queryOne[int64](t, fw.h, "SELECT product_id FROM skus WHERE id = ?", sku))
	}
	rows("products", []string{"on_sale", "supplier_id"}, products...)
}

// restore puts the saved rows back, refills the goods' stock, and forgets
// the tokens (a changed role or password voids them). It does its best: a
// row it cannot put back (an input took its unique name meanwhile) is left
// as it is, which later inputs answer like any other state.
func (fw *fuzzWorld) restore() {
	db := fw.h.store.DB()
	for _, r := range fw.saved {
		set := make([]string, len(r.cols))
		for i, c := range r.cols {
			set[i] = c + " = ?"
		}
		db.Exec("UPDATE "+r.table+" SET "+strings.Join(set, ", ")+" WHERE id = ?", append(slices.Clone(r.vals), r.id)...)
	}
	for _, sku := range []int64{fw.goods.skuA, fw.goods.skuB} {
		db.Exec("UPDATE skus SET on_hand = reserved + 1000000 WHERE id = ?", sku)
	}
	fw.tokens = map[string]string{}
}

// beginInput readies the world for the next input.
func (fw *fuzzWorld) beginInput() {
	if fw.dirty {
		fw.restore()
		fw.dirty = false
	}
	fw.vars = map[string]string{
		"sku": itoa(fw.goods.skuA), "sku_b": itoa(fw.goods.skuB), "org": itoa(fw.parent.ID),
		"child_org": itoa(fw.child.ID), "other_org": itoa(fw.other.ID), "scratch_org": itoa(fw.scratchOrg),
		"supplier": itoa(fw.supA.ID), "pairing": itoa(fw.pairing), "product": itoa(fw.prodA),
		"user": itoa(fw.scratchUser), "admin": itoa(fw.users[model.RoleAdmin].ID), "product_b": itoa(fw.prodB),
		"sku_other": itoa(fw.skuB),
	}
}

// after notes what an answered input may have changed for the others.
func (fw *fuzzWorld) after(key string, status int) {
	if status >= 200 && status < 300 && (strings.Contains(key, " /api/v1/admin/") || strings.Contains(key, " /api/v1/supplier/")) {
		fw.dirty = true
	}
}

// fill replaces the placeholders of body.
func (fw *fuzzWorld) fill(body []byte) []byte {
	if !bytes.Contains(body, []byte("{{")) {
		return body
	}
	for k, v := range fw.vars {
		body = bytes.ReplaceAll(body, []byte("{{"+k+"}}"), []byte(v))
	}
	return body
}

// serve sends req as caller through the router.
func (fw *fuzzWorld) serve(t *testing.T, caller string, req *http.Request) *httptest.ResponseRecorder {
	if tok := fw.token(t, caller); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	fw.h.engine.ServeHTTP(rec, req)
	return rec
}

// key is a fresh idempotency key.
func (fw *fuzzWorld) key() string {
	fw.keys++
	return "fuzz-" + strconv.Itoa(fw.keys)
}

// orderIn is an order of who for the goods of supA in status, the same one
// until an input moves it on. Its first line is {{line}}, its id {{order}}.
func (fw *fuzzWorld) orderIn(t *testing.T, slot, who, status string) *model.Order {
	o := fw.orders[slot]
	if o != nil {
		if s, ok := queryMaybe[string](t, fw.h, "SELECT status FROM orders WHERE id = ?", o.ID); !ok || s != status {
			o = nil
		}
	}
	if o == nil {
		o = fw.seedOrderIn(t, who, fw.goods.skuA, status)
		fw.orders[slot] = o
	}
	fw.vars["order"] = itoa(o.ID)
	fw.vars["line"] = itoa(o.Lines[0].ID)
	return o
}

// requestedReturn is a return awaiting supA's decision, the same one until
// an input decides it.
func (fw *fuzzWorld) requestedReturn(t *testing.T, slot string) int64 {
	id := fw.returns[slot]
	if id != 0 {
		if s, ok := queryMaybe[string](t, fw.h, "SELECT status FROM returns WHERE id = ?", id); !ok || s != model.ReturnRequested {
			id = 0
		}
	}
	if id == 0 {
		o := fw.seedOrderIn(t, model.RoleBuyer, fw.goods.skuA, model.OrderSettled)
		id = fw.seedReturn(t, model.RoleBuyer, o).ID
		fw.returns[slot] = id
	}
	return id
}

// pendingPayment is a deferred charge waiting for the provider's callback:
// {{payment}}.
func (fw *fuzzWorld) pendingPayment(t *testing.T) {
	if fw.payment != 0 {
		if s, ok := queryMaybe[string](t, fw.h, "SELECT status FROM payments WHERE id = ?", fw.payment); !ok || s != model.PaymentPending {
			fw.payment = 0
		}
	}
	if fw.payment == 0 {
		o := fw.seedOrderIn(t, model.RoleBuyer, fw.goods.skuA, model.OrderPendingPayment)
		fw.payment = fw.seedPayment(t, model.RoleBuyer, o.ID, true).ID
	}
	fw.vars["payment"] = itoa(fw.payment)
}

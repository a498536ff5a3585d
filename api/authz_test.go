package api_test

// Who may call what: every route of the router, called by anonymous and by a
// user of every role, each with a benign request against seeded objects. The
// table is checked against the router's own route list, so a new route
// without an entry fails here by name.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store/storetest"
)

// statuses are the expected answers, one per caller, in the order of callers:
// anonymous, consumer, buyer, approver, org_admin, supplier, officer, admin.
type statuses [8]int

// routeCase is one route of the table: the request each caller sends, and
// what each must get.
type routeCase struct {
	// target gives the caller's path (with query) and JSON body ("" for none);
	// it may seed objects of the caller's own, so callers never trip over
	// each other's writes.
	target func(t *testing.T, w *world, caller string) (string, string)
	want   statuses
}

// fixed is a target that is the same for every caller.
func fixed(target, body string) func(*testing.T, *world, string) (string, string) {
	return func(*testing.T, *world, string) (string, string) { return target, body }
}

// callerYear gives each caller a year of its own for filing writes.
func callerYear(base int, caller string) int { return base + slices.Index(callers, caller) }

const v1 = "/api/v1"

// routeTable is keyed by "METHOD path" as the router registers it.
func routeTable() map[string]routeCase {
	const (
		ok, created, noContent = http.StatusOK, http.StatusCreated, http.StatusNoContent
		unauth, forbid, absent = http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound
	)
	public := statuses{ok, ok, ok, ok, ok, ok, ok, ok}
	signedIn := statuses{unauth, ok, ok, ok, ok, ok, ok, ok}
	admins := func(s int) statuses { return statuses{unauth, forbid, forbid, forbid, forbid, forbid, forbid, s} }
	suppliers := func(s int) statuses { return statuses{unauth, forbid, forbid, forbid, forbid, s, forbid, forbid} }
	// the org's own org_admin and admins; anyone else does not see the org
	orgAdmins := statuses{unauth, absent, absent, absent, ok, absent, absent, ok}

	return map[string]routeCase{
		"GET /healthz":      {fixed("/healthz", ""), public},
		"GET /readyz":       {fixed("/readyz", ""), public},
		"GET /metrics":      {fixed("/metrics", ""), public},
		"GET /openapi.json": {fixed("/openapi.json", ""), public},
		"GET /docs":         {fixed("/docs", ""), public},

		"GET /api/v1/regions":    {fixed(v1+"/regions", ""), public},
		"GET /api/v1/pairings":   {fixed(v1+"/pairings", ""), public},
		"GET /api/v1/categories": {fixed(v1+"/categories", ""), public},
		"GET /api/v1/products":   {fixed(v1+"/products", ""), public},
		"GET /api/v1/products/:id": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/products", w.prodA), ""
		}, public},
		"POST /api/v1/auth/login": {fixed(v1+"/auth/login",
			jsonBody(map[string]string{"username": "login", "password": password("login")})), public},

		"GET /api/v1/me": {fixed(v1+"/me", ""), signedIn},
		"PUT /api/v1/me/employer": {func(_ *testing.T, w *world, _ string) (string, string) {
			return v1 + "/me/employer", jsonBody(map[string]int64{"org_id": w.other.ID})
		}, statuses{unauth, ok, forbid, forbid, forbid, forbid, forbid, forbid}},

		"POST /api/v1/admin/orgs": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/admin/orgs", jsonBody(map[string]string{
				"name": "表格单位-" + caller, "kind": model.OrgCanteen, "region_code": "330602"})
		}, admins(created)},
		"GET /api/v1/admin/orgs": {fixed(v1+"/admin/orgs", ""), admins(ok)},
		"PATCH /api/v1/admin/orgs/:id": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/admin/orgs", w.other.ID), jsonBody(map[string]any{
				"name": w.other.Name, "kind": w.other.Kind, "region_code": w.other.RegionCode,
				"invoice_title": "柯桥区总工会"})
		}, admins(ok)},
		"POST /api/v1/admin/users": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/admin/users", jsonBody(map[string]string{
				"username": "table-" + caller, "password": "long-enough-1", "role": model.RoleConsumer})
		}, admins(created)},
		"GET /api/v1/admin/users": {fixed(v1+"/admin/users", ""), admins(ok)},
		"PATCH /api/v1/admin/users/:id": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/admin/users", w.users["victim"].ID), `{"disabled": false}`
		}, admins(ok)},
		"POST /api/v1/admin/suppliers": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/admin/suppliers", jsonBody(map[string]string{
				"name": "表格供应商-" + caller, "region_code": "511133"})
		}, admins(created)},
		"GET /api/v1/admin/suppliers": {fixed(v1+"/admin/suppliers", ""), admins(ok)},
		"PATCH /api/v1/admin/suppliers/:id": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/admin/suppliers", w.spare.ID), `{"status": "active"}`
		}, admins(ok)},
		"POST /api/v1/admin/pairings": {fixed(v1+"/admin/pairings", jsonBody(map[string]any{
			"programme": model.ProgrammeEastWest, "level": model.LevelCounty,
			"helper_code": "330602", "partner_code": "511133", "since_year": 2021})), admins(created)},
		"GET /api/v1/admin/pairings": {fixed(v1+"/admin/pairings", ""), admins(ok)},
		"PATCH /api/v1/admin/pairings/:id": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/admin/pairings", w.pairing), `{"active": true}`
		}, admins(ok)},
		"PUT /api/v1/admin/pairings/:id/targets/:year": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/admin/pairings", w.pairing, "targets", 2026), `{"target_cents": 500000000}`
		}, admins(ok)},
		"POST /api/v1/admin/regions": {fixed(v1+"/admin/regions", jsonBody(map[string]string{
			"code": "330699", "name": "测试新区", "level": model.LevelCounty, "parent_code": "330600",
			"side": model.SideHelper})), admins(created)},
		"GET /api/v1/admin/regions": {fixed(v1+"/admin/regions", ""), admins(ok)},
		"POST /api/v1/admin/categories": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/admin/categories", jsonBody(map[string]string{"code": "table_" + caller, "name": "表格"})
		}, admins(created)},
		"GET /api/v1/admin/categories": {fixed(v1+"/admin/categories", ""), admins(ok)},
		"PUT /api/v1/admin/products/:id/certification": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/admin/products", w.prodA, "certification"), jsonBody(map[string]string{
				"certificate_no": "LS-2026-001", "issuer": "乐山市农业农村局",
				"valid_from": "2026-01-01", "valid_to": "2026-12-31"})
		}, admins(ok)},
		"DELETE /api/v1/admin/products/:id/certification": {func(t *testing.T, w *world, _ string) (string, string) {
			// a current certificate to revoke, whoever calls
			if err := w.h.store.Certify(context.Background(), &model.Certification{ProductID: w.prodB,
				CertificateNo: "QZ-2026-009", Issuer: "衢州市农业农村局", ValidFrom: "2026-01-01", ValidTo: "2026-12-31"}); err != nil {
				t.Fatal(err)
			}
			return path(v1+"/admin/products", w.prodB, "certification"), ""
		}, admins(noContent)},
		"GET /api/v1/admin/audit": {fixed(v1+"/admin/audit", ""), admins(ok)},

		"POST /api/v1/supplier/products": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/supplier/products", jsonBody(map[string]any{
				"name": "表格产品-" + caller, "category": "tea",
				"skus": []map[string]any{{"spec": "500g", "unit": "袋", "price_cents": 1000, "stock": 5}}})
		}, suppliers(created)},
		"PATCH /api/v1/supplier/products/:id": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/supplier/products", w.prodA), `{"brand": "金河"}`
		}, suppliers(ok)},
		"PATCH /api/v1/supplier/skus/:id": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/supplier/skus", w.skuA), `{"stock_delta": 1}`
		}, suppliers(ok)},

		"GET /api/v1/orgs/:id/filings": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "filings?year=2026"), ""
		}, orgAdmins},
		"GET /api/v1/orgs/:id/filings/:year": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "filings", 2026), ""
		}, orgAdmins},
		"PUT /api/v1/orgs/:id/filings/:year": {func(_ *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "filings", callerYear(2030, caller)), jsonBody(map[string]any{
				"canteen_status": model.CanteenHas, "food_budget_cents": 50_000_00, "reserved_ratio_bp": 3000})
		}, orgAdmins},
		"POST /api/v1/orgs/:id/filings/:year/submit": {func(t *testing.T, w *world, caller string) (string, string) {
			y := callerYear(2040, caller)
			w.addFiling(t, w.parent, y, 3000, model.FilingDraft)
			return path(v1+"/orgs", w.parent.ID, "filings", y, "submit"), ""
		}, orgAdmins},
		// review is the supervising org's: the table's org_admin supervises child
		"POST /api/v1/orgs/:id/filings/:year/approve": {func(t *testing.T, w *world, caller string) (string, string) {
			y := callerYear(2050, caller)
			w.addFiling(t, w.child, y, 3000, model.FilingSubmitted)
			return path(v1+"/orgs", w.child.ID, "filings", y, "approve"), `{"comment": "同意"}`
		}, orgAdmins},
		"POST /api/v1/orgs/:id/filings/:year/return": {func(t *testing.T, w *world, caller string) (string, string) {
			y := callerYear(2060, caller)
			w.addFiling(t, w.child, y, 3000, model.FilingSubmitted)
			return path(v1+"/orgs", w.child.ID, "filings", y, "return"), `{"comment": "请补充食材预算明细"}`
		}, orgAdmins},
		"GET /api/v1/orgs/:id/employees": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "employees?status=pending"), ""
		}, orgAdmins},
		"POST /api/v1/orgs/:id/employees/:user_id/confirm": {func(t *testing.T, w *world, caller string) (string, string) {
			u := w.pendingEmployee(t, "confirm-"+caller, w.parent)
			return path(v1+"/orgs", w.parent.ID, "employees", u.ID, "confirm"), ""
		}, orgAdmins},
		"POST /api/v1/orgs/:id/employees/:user_id/refuse": {func(t *testing.T, w *world, caller string) (string, string) {
			u := w.pendingEmployee(t, "refuse-"+caller, w.parent)
			return path(v1+"/orgs", w.parent.ID, "employees", u.ID, "refuse"), ""
		}, orgAdmins},
	}
}

// errorCodes is the code each refusal must carry.
var errorCodes = map[int]string{
	http.StatusUnauthorized: "unauthorized",
	http.StatusForbidden:    "forbidden",
	http.StatusNotFound:     "not_found",
}

// TestRouteRoles calls every route of the router as every caller.
func TestRouteRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		table := routeTable()

		missing, extra, routes := tableGaps(h.engine.Routes(), table)
		for _, route := range missing {
			t.Errorf("route %s has no entry in the authorization table", route)
		}
		for _, route := range extra {
			t.Errorf("the authorization table has %s, which the router does not register", route)
		}

		for _, route := range routes {
			rc, ok := table[route]
			if !ok {
				continue
			}
			method, _, _ := strings.Cut(route, " ")
			t.Run(route, func(t *testing.T) {
				for i, caller := range callers {
					t.Run(caller, func(t *testing.T) {
						target, body := rc.target(t, w, caller)
						res := h.call(t, method, target, w.token(t, caller), body)
						if got, want := res.Status, rc.want[i]; got != want {
							t.Fatalf("%s %s as %s: status = %d, want %d; body: %s",
								method, target, caller, got, want, truncate(res.Body))
						}
						if code, ok := errorCodes[res.Status]; ok {
							if got := decode[errorBody](t, res).Error.Code; got != code {
								t.Errorf("code = %q, want %q", got, code)
							}
						}
						if res.Status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
							t.Error("401 without WWW-Authenticate")
						}
					})
				}
			})
		}
	})
}

// tableGaps compares the router's routes with the table: routes without an
// entry, entries without a route, and every route, sorted.
func tableGaps(info gin.RoutesInfo, table map[string]routeCase) (missing, extra, routes []string) {
	for _, r := range info {
		routes = append(routes, r.Method+" "+r.Path)
	}
	slices.Sort(routes)
	for _, route := range routes {
		if _, ok := table[route]; !ok {
			missing = append(missing, route)
		}
	}
	for route := range table {
		if !slices.Contains(routes, route) {
			extra = append(extra, route)
		}
	}
	slices.Sort(extra)
	return missing, extra, routes
}

// TestRouteTableCoversNewRoutes: a route added to the router without an entry
// in the table is reported by name.
func TestRouteTableCoversNewRoutes(t *testing.T) {
	e := api.New(api.Deps{})
	e.GET("/api/v1/brand-new", func(*gin.Context) {})
	missing, extra, _ := tableGaps(e.Routes(), routeTable())
	if got, want := fmt.Sprint(missing, extra), "[GET /api/v1/brand-new] []"; got != want {
		t.Errorf("gaps = %s, want %s", got, want)
	}
}

// TestObjectAccess: an object of another org or another supplier answers 404,
// exactly as one that does not exist, and is left unchanged.
func TestObjectAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		w.addFiling(t, w.other, 2026, 2000, model.FilingSubmitted)
		w.addFiling(t, w.child, 2026, 2000, model.FilingSubmitted)
		otherEmployee := w.pendingEmployee(t, "other-employee", w.other)
		parentEmployee := w.pendingEmployee(t, "parent-employee", w.parent)
		state := func(query string, args ...any) func() string {
			return func() string {
				var parts []string
				rows, err := h.store.DB().Query(query, args...)
				if err != nil {
					t.Fatalf("%s: %v", query, err)
				}
				defer rows.Close()
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					for _, v := range vals {
						if b, ok := v.([]byte); ok {
							v = string(b)
						}
						parts = append(parts, fmt.Sprint(v))
					}
				}
				return strings.Join(parts, ";")
			}
		}
		product := func(id int64) func() string {
			return state("SELECT name, brand, on_sale, supplier_id FROM products WHERE id = ?", id)
		}
		sku := func(id int64) func() string {
			return state("SELECT price_cents, on_hand, reserved FROM skus WHERE id = ?", id)
		}
		filing := func(org *model.Org) func() string {
			return state("SELECT status, reserved_ratio_bp, review_comment FROM filings WHERE org_id = ? ORDER BY year", org.ID)
		}
		employee := func(u *model.User) func() string {
			return state("SELECT employer_id, employer_status FROM users WHERE id = ?", u.ID)
		}
		filingBody := `{"canteen_status": "none", "food_budget_cents": 1, "reserved_ratio_bp": 1}`

		for _, tc := range []struct {
			name, caller, method, target, body string
			state                              func() string
		}{
			{"supplier edits another's product", model.RoleSupplier, "PATCH", path(v1+"/supplier/products", w.prodB), `{"name": "抢来的"}`, product(w.prodB)},
			{"supplier takes another's product off sale", model.RoleSupplier, "PATCH", path(v1+"/supplier/products", w.prodB), `{"on_sale": false}`, product(w.prodB)},
			{"supplier restocks another's SKU", model.RoleSupplier, "PATCH", path(v1+"/supplier/skus", w.skuB), `{"stock_delta": 5}`, sku(w.skuB)},
			{"supplier empties another's SKU", model.RoleSupplier, "PATCH", path(v1+"/supplier/skus", w.skuB), `{"stock_delta": -10}`, sku(w.skuB)},
			{"supplier reprices another's SKU", model.RoleSupplier, "PATCH", path(v1+"/supplier/skus", w.skuB), `{"price_cents": 1}`, sku(w.skuB)},
			{"the other supplier edits A's product", "supplier_b", "PATCH", path(v1+"/supplier/products", w.prodA), `{"brand": "B"}`, product(w.prodA)},
			{"the other supplier reprices A's SKU", "supplier_b", "PATCH", path(v1+"/supplier/skus", w.skuA), `{"price_cents": 1}`, sku(w.skuA)},
			{"supplier edits a missing product", model.RoleSupplier, "PATCH", path(v1+"/supplier/products", 999999), `{"brand": "x"}`, nil},
			{"supplier edits a missing SKU", model.RoleSupplier, "PATCH", path(v1+"/supplier/skus", 999999), `{"stock_delta": 1}`, nil},

			{"org_admin reads another org's filing", model.RoleOrgAdmin, "GET", filingURL(w.other, 2026), "", nil},
			{"org_admin files for another org", model.RoleOrgAdmin, "PUT", filingURL(w.other, 2027), filingBody, filing(w.other)},
			{"org_admin submits another org's filing", model.RoleOrgAdmin, "POST", filingURL(w.other, 2026, "submit"), "", filing(w.other)},
			{"org_admin approves an unrelated org's filing", model.RoleOrgAdmin, "POST", filingURL(w.other, 2026, "approve"), "", filing(w.other)},
			{"org_admin returns an unrelated org's filing", model.RoleOrgAdmin, "POST", filingURL(w.other, 2026, "return"), `{"comment": "退"}`, filing(w.other)},
			{"org_admin lists another org's children", model.RoleOrgAdmin, "GET", path(v1+"/orgs", w.other.ID, "filings?year=2026"), "", nil},
			{"org_admin lists another org's employees", model.RoleOrgAdmin, "GET", path(v1+"/orgs", w.other.ID, "employees"), "", nil},
			{"org_admin confirms another org's employee", model.RoleOrgAdmin, "POST", path(v1+"/orgs", w.other.ID, "employees", otherEmployee.ID, "confirm"), "", employee(otherEmployee)},
			{"org_admin confirms another org's employee as their own", model.RoleOrgAdmin, "POST", path(v1+"/orgs", w.parent.ID, "employees", otherEmployee.ID, "confirm"), "", employee(otherEmployee)},
			{"org_admin refuses another org's employee as their own", model.RoleOrgAdmin, "POST", path(v1+"/orgs", w.parent.ID, "employees", otherEmployee.ID, "refuse"), "", employee(otherEmployee)},
			{"org_admin reads a missing org's filing", model.RoleOrgAdmin, "GET", path(v1+"/orgs", 999999, "filings", 2026), "", nil},
			{"org_admin confirms a missing user", model.RoleOrgAdmin, "POST", path(v1+"/orgs", w.parent.ID, "employees", 999999, "confirm"), "", nil},

			{"child reads its supervisor's filing", "child_admin", "GET", filingURL(w.parent, 2026), "", nil},
			{"child edits its supervisor's filing", "child_admin", "PUT", filingURL(w.parent, 2026), filingBody, filing(w.parent)},
			{"child submits its supervisor's filing", "child_admin", "POST", filingURL(w.parent, 2026, "submit"), "", filing(w.parent)},
			{"child lists its supervisor's children", "child_admin", "GET", path(v1+"/orgs", w.parent.ID, "filings?year=2026"), "", nil},
			{"child lists its supervisor's employees", "child_admin", "GET", path(v1+"/orgs", w.parent.ID, "employees"), "", nil},
			{"child confirms its supervisor's employee", "child_admin", "POST", path(v1+"/orgs", w.parent.ID, "employees", parentEmployee.ID, "confirm"), "", employee(parentEmployee)},
			{"unrelated org_admin approves the child's filing", "other_admin", "POST", filingURL(w.child, 2026, "approve"), "", filing(w.child)},
			{"unrelated org_admin reads the child's filing", "other_admin", "GET", filingURL(w.child, 2026), "", nil},
			{"buyer of the supervisor approves the child's filing", model.RoleBuyer, "POST", filingURL(w.child, 2026, "approve"), "", filing(w.child)},
			{"approver of the supervisor approves the child's filing", model.RoleApprover, "POST", filingURL(w.child, 2026, "approve"), "", filing(w.child)},
			{"officer reads a filing", model.RoleOfficer, "GET", filingURL(w.child, 2026), "", nil},
			{"supplier reads a filing", model.RoleSupplier, "GET", filingURL(w.child, 2026), "", nil},
			{"the employee confirms themself", "parent-employee", "POST", path(v1+"/orgs", w.parent.ID, "employees", parentEmployee.ID, "confirm"), "", employee(parentEmployee)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var before string
				if tc.state != nil {
					before = tc.state()
				}
				res := h.call(t, tc.method, tc.target, w.token(t, tc.caller), tc.body)
				wantError(t, res, http.StatusNotFound, "not_found")
				if tc.state != nil {
					if after := tc.state(); after != before {
						t.Errorf("state changed from %s to %s", before, after)
					}
				}
			})
		}

		// the same callers reach their own objects (the 404s are not blanket)
		for _, tc := range []struct{ name, caller, method, target, body string }{
			{"supplier edits its own product", model.RoleSupplier, "PATCH", path(v1+"/supplier/products", w.prodA), `{"brand": "A"}`},
			{"the other supplier edits its own SKU", "supplier_b", "PATCH", path(v1+"/supplier/skus", w.skuB), `{"stock_delta": 1}`},
			{"supervisor reads the child's filing", model.RoleOrgAdmin, "GET", filingURL(w.child, 2026), ""},
			{"child reads its own filing", "child_admin", "GET", filingURL(w.child, 2026), ""},
			{"org_admin lists own employees", model.RoleOrgAdmin, "GET", path(v1+"/orgs", w.parent.ID, "employees"), ""},
			{"other org_admin confirms own employee", "other_admin", "POST", path(v1+"/orgs", w.other.ID, "employees", otherEmployee.ID, "confirm"), ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantStatus(t, h.call(t, tc.method, tc.target, w.token(t, tc.caller), tc.body), http.StatusOK)
			})
		}
	})
}

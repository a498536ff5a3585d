package api_test

// Who may call what: every route of the router, called by anonymous and by a
// user of every role, each with a benign request against seeded objects. The
// table is checked against the router's own route list, so a new route
// without an entry fails here by name.

import (
	"context"
	"encoding/json"
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

// routeExtra is what a few routes of the table send or answer beyond the
// rest, keyed like the table.
type routeExtra struct {
	// header gives extra request headers for the caller's body
	// (Idempotency-Key, X-Signature).
	header func(w *world, caller, body string) map[string]string
	// signed: the route authenticates its caller by a body signature, not a
	// bearer token, so its 401 carries no WWW-Authenticate.
	signed bool
}

var routeExtras = map[string]routeExtra{
	"POST /api/v1/cart/checkout":                {header: idempotencyKey("authz-checkout")},
	"POST /api/v1/orders":                       {header: idempotencyKey("authz-orders")},
	"POST /api/v1/orders/:id/pay":               {header: idempotencyKey("authz-pay")},
	"POST /api/v1/payments/callback":            {header: signCallback, signed: true},
	"POST /api/v1/supplier/products/:id/images": {header: multipartHeader},
	"POST /api/v1/sales-records/:id/files":      {header: multipartHeader},
	"PUT /api/v1/supplier/invoices/:id/scan":    {header: multipartHeader},
	"POST /api/v1/imports":                      {header: multipartHeader},
}

// signCallback signs the body as the payment provider does; anonymous here
// is a forger without the key.
func signCallback(w *world, caller, body string) map[string]string {
	if caller == "anonymous" {
		return map[string]string{"X-Signature": strings.Repeat("0", 64)}
	}
	return map[string]string{"X-Signature": w.h.payments.Sign([]byte(body))}
}

// idempotencyKey sends the same key for every caller: keys are per user.
func idempotencyKey(key string) func(*world, string, string) map[string]string {
	return func(*world, string, string) map[string]string { return map[string]string{"Idempotency-Key": key} }
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
		accepted, invalid      = http.StatusAccepted, http.StatusUnprocessableEntity
		unauth, forbid, absent = http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound
	)
	public := statuses{ok, ok, ok, ok, ok, ok, ok, ok}
	signedIn := statuses{unauth, ok, ok, ok, ok, ok, ok, ok}
	admins := func(s int) statuses { return statuses{unauth, forbid, forbid, forbid, forbid, forbid, forbid, s} }
	suppliers := func(s int) statuses { return statuses{unauth, forbid, forbid, forbid, forbid, s, forbid, forbid} }
	// the org's own org_admin and admins; anyone else does not see the org
	orgAdmins := statuses{unauth, absent, absent, absent, ok, absent, absent, ok}
	// who places orders: consumers and org buyers
	buying := func(s int) statuses { return statuses{unauth, s, s, forbid, forbid, forbid, forbid, forbid} }
	// On an order of parent's buyer from supA (fresh for each caller): the
	// consumer and the officer do not see it; the supplier and admins see
	// it but are not on its buyer side.
	buyerSide := func(s int) statuses { return statuses{unauth, absent, s, s, s, forbid, absent, forbid} }
	approvers := statuses{unauth, absent, forbid, ok, ok, forbid, absent, forbid}
	// statistics: officers (in their scope) and admins
	statsReaders := statuses{unauth, forbid, forbid, forbid, forbid, forbid, ok, ok}
	itsSupplier := func(s int) statuses { return statuses{unauth, absent, forbid, forbid, forbid, s, absent, forbid} }
	orgOrder := func(status, action, body string) func(*testing.T, *world, string) (string, string) {
		return func(t *testing.T, w *world, _ string) (string, string) {
			o := w.seedOrderIn(t, model.RoleBuyer, w.orderGoods(t).skuA, status)
			if action == "" {
				return path(v1+"/orders", o.ID), body
			}
			return path(v1+"/orders", o.ID, action), body
		}
	}
	returnOf := func(action, body string) func(*testing.T, *world, string) (string, string) {
		return func(t *testing.T, w *world, _ string) (string, string) {
			o := w.seedOrderIn(t, model.RoleBuyer, w.orderGoods(t).skuA, model.OrderSettled)
			return path(v1+"/returns", w.seedReturn(t, model.RoleBuyer, o).ID, action), body
		}
	}

	return map[string]routeCase{
		"GET /healthz":                  {fixed("/healthz", ""), public},
		"GET /readyz":                   {fixed("/readyz", ""), public},
		"GET /metrics":                  {fixed("/metrics", ""), public},
		"GET /openapi.json":             {fixed("/openapi.json", ""), public},
		"GET /docs":                     {fixed("/docs", ""), public},
		"GET /docs/redoc.standalone.js": {fixed("/docs/redoc.standalone.js", ""), public},
		"GET /dashboard":                {fixed("/dashboard", ""), public},
		"GET /dashboard/":               {fixed("/dashboard/", ""), public},
		"GET /dashboard/:file":          {fixed("/dashboard/app.js", ""), public},
		"GET /dashboard/vendor/:file":   {fixed("/dashboard/vendor/echarts.common.min.js", ""), public},

		"GET /api/v1/regions":    {fixed(v1+"/regions", ""), public},
		"GET /api/v1/pairings":   {fixed(v1+"/pairings", ""), public},
		"GET /api/v1/categories": {fixed(v1+"/categories", ""), public},
		"GET /api/v1/products":   {fixed(v1+"/products", ""), public},

		// the reference lists of orgs and sales points
		"GET /api/v1/sectors":           {fixed(v1+"/sectors", ""), public},
		"GET /api/v1/sales-point-types": {fixed(v1+"/sales-point-types", ""), public},

		"GET /api/v1/products/:id": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/products", w.prodA), ""
		}, public},
		"POST /api/v1/auth/login": {fixed(v1+"/auth/login",
			jsonBody(map[string]string{"username": "login", "password": password("login")})), public},

		"POST /api/v1/auth/sms-codes": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/auth/sms-codes", jsonBody(map[string]string{"phone": callerPhone(1, caller), "purpose": "register"})
		}, statuses{accepted, accepted, accepted, accepted, accepted, accepted, accepted, accepted}},
		"POST /api/v1/auth/register": {func(t *testing.T, w *world, caller string) (string, string) {
			phone := callerPhone(2, caller)
			return v1 + "/auth/register", jsonBody(map[string]string{"phone": phone,
				"code": sendCode(t, w.h, phone, "register"), "region_code": "330604"})
		}, statuses{created, created, created, created, created, created, created, created}},
		"POST /api/v1/auth/reset": {func(t *testing.T, w *world, caller string) (string, string) {
			phone := callerPhone(3, caller)
			w.phoneUser(t, "reset-"+caller, phone)
			return v1 + "/auth/reset", jsonBody(map[string]string{"phone": phone,
				"code": sendCode(t, w.h, phone, "reset"), "password": "new-password-1"})
		}, statuses{noContent, noContent, noContent, noContent, noContent, noContent, noContent, noContent}},
		"POST /api/v1/auth/refresh": {func(t *testing.T, w *world, _ string) (string, string) {
			return v1 + "/auth/refresh", jsonBody(map[string]string{"refresh_token": loginAs(t, w.h, "login").RefreshToken})
		}, public},
		"POST /api/v1/auth/logout": {func(t *testing.T, w *world, _ string) (string, string) {
			return v1 + "/auth/logout", jsonBody(map[string]string{"refresh_token": loginAs(t, w.h, "login").RefreshToken})
		}, statuses{noContent, noContent, noContent, noContent, noContent, noContent, noContent, noContent}},
		// a wrong old password: every signed-in caller reaches the check,
		// and nobody's password changes under the other tests
		"PUT /api/v1/me/password": {fixed(v1+"/me/password", `{"old_password": "not-it-at-all", "password": "new-password-1"}`),
			statuses{unauth, invalid, invalid, invalid, invalid, invalid, invalid, invalid}},
		"GET /api/v1/me/addresses": {fixed(v1+"/me/addresses", ""), buying(ok)},
		"POST /api/v1/me/addresses": {fixed(v1+"/me/addresses", jsonBody(map[string]string{"receiver_name": "王小明",
			"phone": "13800001111", "region_code": "330604", "detail": "百官街道人民西路1号"})), buying(created)},
		"GET /api/v1/me/addresses/:id": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/me/addresses", w.addressOf(t, caller)), ""
		}, buying(ok)},
		"PATCH /api/v1/me/addresses/:id": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/me/addresses", w.addressOf(t, caller)), `{"detail": "百官街道市民大道2号"}`
		}, buying(ok)},
		"DELETE /api/v1/me/addresses/:id": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/me/addresses", w.addressOf(t, caller)), ""
		}, buying(noContent)},
		"GET /api/v1/orgs/directory": {fixed(v1+"/orgs/directory?q=上虞", ""), signedIn},
		"POST /api/v1/orgs/:id/users": {func(_ *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "users"), jsonBody(map[string]string{
				"username": "staff-" + caller, "password": "long-enough-1", "role": model.RoleBuyer})
		}, statuses{unauth, absent, absent, absent, created, absent, absent, created}},
		"PATCH /api/v1/orgs/:id/users/:uid": {func(t *testing.T, w *world, caller string) (string, string) {
			u := w.addUser(t, &model.User{Username: "staff-patch-" + caller, Role: model.RoleBuyer, OrgID: &w.parent.ID})
			return path(v1+"/orgs", w.parent.ID, "users", u.ID), `{"disabled": true}`
		}, orgAdmins},

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
		"GET /api/v1/admin/programmes": {fixed(v1+"/admin/programmes", ""), admins(ok)},
		"POST /api/v1/admin/programmes/:programme/rules": {fixed(v1+"/admin/programmes/mountain_sea/rules",
			`{"requires_certificate": true, "effective_from": "2099-01-01"}`), admins(created)},
		"POST /api/v1/admin/regions": {fixed(v1+"/admin/regions", jsonBody(map[string]string{
			"code": "330699", "name": "测试新区", "level": model.LevelCounty, "parent_code": "330600",
			"side": model.SideHelper})), admins(created)},
		"GET /api/v1/admin/regions": {fixed(v1+"/admin/regions", ""), admins(ok)},
		"POST /api/v1/admin/sectors": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/admin/sectors", jsonBody(map[string]string{"code": "s_" + caller, "name": "表格领域"})
		}, admins(created)},
		"POST /api/v1/admin/sales-point-types": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/admin/sales-point-types", jsonBody(map[string]string{"code": "t_" + caller, "name": "表格类型"})
		}, admins(created)},
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
		}, admins(ok)},
		"POST /api/v1/admin/years/:year/close": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return path(v1+"/admin/years", callerYear(2001, caller), "close"), ""
		}, admins(ok)},
		"DELETE /api/v1/admin/years/:year/close": {func(t *testing.T, w *world, caller string) (string, string) {
			y := callerYear(2011, caller)
			if _, err := w.h.store.CloseYear(context.Background(), y, nil); err != nil {
				t.Fatal(err)
			}
			return path(v1+"/admin/years", y, "close"), ""
		}, admins(noContent)},
		"GET /api/v1/admin/years":             {fixed(v1+"/admin/years", ""), admins(ok)},
		"GET /api/v1/admin/reserve-platforms": {fixed(v1+"/admin/reserve-platforms", ""), admins(ok)},
		"PUT /api/v1/admin/reserve-platforms": {fixed(v1+"/admin/reserve-platforms", `{"platforms": ["832", "zcy"]}`), admins(ok)},
		"GET /api/v1/admin/audit":             {fixed(v1+"/admin/audit", ""), admins(ok)},
		"POST /api/v1/admin/corrections": {func(t *testing.T, w *world, _ string) (string, string) {
			o := w.seedOrderIn(t, model.RoleBuyer, w.orderGoods(t).skuA, model.OrderSettled)
			return v1 + "/admin/corrections", jsonBody(map[string]any{
				"action": "move_order", "order_id": o.ID, "org_id": w.other.ID, "reason": "录入单位有误"})
		}, admins(created)},
		// each caller a month of its own (ended long ago): only the admin issues
		"POST /api/v1/admin/bulletins/:year/:month": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return path(v1+"/admin/bulletins", callerYear(2010, caller), 3), ""
		}, admins(created)},
		"GET /api/v1/admin/orders/:id/credits": {func(t *testing.T, w *world, _ string) (string, string) {
			o := w.seedOrderIn(t, model.RoleBuyer, w.orderGoods(t).skuA, model.OrderSettled)
			return path(v1+"/admin/orders", o.ID, "credits"), ""
		}, admins(ok)},

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

		"GET /api/v1/supplier/orders":   {fixed(v1+"/supplier/orders", ""), suppliers(ok)},
		"GET /api/v1/supplier/products": {fixed(v1+"/supplier/products", ""), suppliers(ok)},
		"POST /api/v1/supplier/products/:id/skus": {func(_ *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/supplier/products", w.prodA, "skus"), jsonBody(map[string]any{
				"spec": "表格规格-" + caller, "unit": "袋", "price_cents": 1200, "stock": 3, "purchase_limit": 5})
		}, suppliers(created)},
		"POST /api/v1/supplier/products/:id/images": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/supplier/products", w.prodA, "images"), multipartBody(t, "file", testPNG(t, 16, 16, true))
		}, suppliers(created)},
		"PUT /api/v1/supplier/products/:id/images/order": {func(t *testing.T, w *world, caller string) (string, string) {
			ids := productImageIDs(t, w, caller)
			return path(v1+"/supplier/products", w.prodA, "images/order"), jsonBody(map[string]any{"ids": ids})
		}, suppliers(ok)},
		"DELETE /api/v1/supplier/products/:id/images/:image": {func(t *testing.T, w *world, caller string) (string, string) {
			ids := productImageIDs(t, w, caller)
			return path(v1+"/supplier/products", w.prodA, "images", ids[len(ids)-1]), ""
		}, suppliers(noContent)},
		"GET /media/:hash": {func(t *testing.T, w *world, _ string) (string, string) {
			return "/media/" + seedPublicBlob(t, w), ""
		}, public},

		"GET /api/v1/cart": {fixed(v1+"/cart", ""), buying(ok)},
		"PUT /api/v1/cart": {func(t *testing.T, w *world, _ string) (string, string) {
			return v1 + "/cart", jsonBody(map[string]any{"items": []map[string]int64{{"sku_id": w.orderGoods(t).skuA, "quantity": 2}}})
		}, buying(ok)},
		"POST /api/v1/cart/checkout": {func(t *testing.T, w *world, caller string) (string, string) {
			// a cart of two suppliers' goods: two orders
			if u := w.users[caller]; u != nil {
				g := w.orderGoods(t)
				if err := w.h.store.ReplaceCart(context.Background(), u.ID, []model.CartItem{
					{SKUID: g.skuA, Quantity: 1}, {SKUID: g.skuB, Quantity: 1}}); err != nil {
					t.Fatal(err)
				}
			}
			return v1 + "/cart/checkout", `{"address": "绍兴市上虞区人民西路1号", "phone": "13800001111"}`
		}, buying(created)},
		"POST /api/v1/orders": {func(t *testing.T, w *world, _ string) (string, string) {
			return v1 + "/orders", jsonBody(map[string]any{
				"lines": []map[string]int64{{"sku_id": w.orderGoods(t).skuA, "quantity": 1}}, "note": "放门卫"})
		}, buying(created)},
		// officers have no orders; everyone else sees their own (maybe none)
		"GET /api/v1/orders":  {fixed(v1+"/orders", ""), statuses{unauth, ok, ok, ok, ok, ok, forbid, ok}},
		"GET /api/v1/returns": {fixed(v1+"/returns", ""), statuses{unauth, ok, ok, ok, ok, ok, forbid, ok}},
		"GET /api/v1/orders/:id": {orgOrder(model.OrderPendingPayment, "", ""),
			statuses{unauth, absent, ok, ok, ok, ok, absent, ok}},
		"POST /api/v1/orders/:id/approve": {orgOrder(model.OrderPendingApproval, "approve", ""), approvers},
		"POST /api/v1/orders/:id/reject":  {orgOrder(model.OrderPendingApproval, "reject", `{"reason": "超出预算"}`), approvers},
		"POST /api/v1/orders/:id/cancel":  {orgOrder(model.OrderPendingPayment, "cancel", ""), buyerSide(ok)},
		"POST /api/v1/orders/:id/decline": {orgOrder(model.OrderAwaitingShipment, "decline", `{"reason": "缺货"}`),
			itsSupplier(ok)},
		"POST /api/v1/orders/:id/pay": {orgOrder(model.OrderPendingPayment, "pay", `{"mode": "instant"}`), buyerSide(ok)},
		"POST /api/v1/orders/:id/ship": {orgOrder(model.OrderAwaitingShipment, "ship",
			`{"carrier": "顺丰", "tracking_no": "SF1234567890", "invoice_no": "FP-001"}`), itsSupplier(ok)},
		"POST /api/v1/orders/:id/accept": {orgOrder(model.OrderShipped, "accept", `{"inspection_note": "完好"}`),
			buyerSide(ok)},
		"POST /api/v1/orders/:id/returns": {func(t *testing.T, w *world, _ string) (string, string) {
			o := w.seedOrderIn(t, model.RoleBuyer, w.orderGoods(t).skuA, model.OrderSettled)
			return path(v1+"/orders", o.ID, "returns"), jsonBody(map[string]any{
				"lines": []map[string]int64{{"line_id": o.Lines[0].ID, "quantity": 1}}, "reason": "damaged"})
		}, buyerSide(created)},
		"POST /api/v1/returns/:id/approve": {returnOf("approve", ""), itsSupplier(ok)},
		"POST /api/v1/returns/:id/reject":  {returnOf("reject", `{"note": "包装完好，不予退货"}`), itsSupplier(ok)},
		// no bearer token: the provider signs the body (routeExtras); anonymous
		// here is a forger without the key, everyone else signs with it
		"POST /api/v1/payments/callback": {func(t *testing.T, w *world, _ string) (string, string) {
			o := w.seedOrderIn(t, model.RoleBuyer, w.orderGoods(t).skuA, model.OrderPendingPayment)
			p := w.seedPayment(t, model.RoleBuyer, o.ID, true)
			return v1 + "/payments/callback", jsonBody(map[string]any{
				"payment_id": p.ID, "status": model.PaymentSucceeded, "provider_ref": "sbx-" + itoa(p.ID)})
		}, statuses{unauth, ok, ok, ok, ok, ok, ok, ok}},

		"GET /api/v1/stats/pairings": {fixed(v1+"/stats/pairings?year=2026", ""), statsReaders},
		"GET /api/v1/stats/pairings/:id/monthly": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/stats/pairings", w.pairing, "monthly?year=2026"), ""
		}, statsReaders},
		// org_admins see their own org's subtree (by default their own org)
		"GET /api/v1/stats/orgs":    {fixed(v1+"/stats/orgs?year=2026", ""), statuses{unauth, forbid, forbid, forbid, ok, forbid, ok, ok}},
		"GET /api/v1/stats/regions": {fixed(v1+"/stats/regions?year=2026", ""), statsReaders},
		"GET /api/v1/stats/orgs/:id/pairings": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/stats/orgs", w.parent.ID, "pairings?year=2026"), ""
		}, statuses{unauth, forbid, forbid, forbid, ok, forbid, ok, ok}},
		"GET /api/v1/stats/units":     {fixed(v1+"/stats/units?year=2026", ""), statuses{unauth, forbid, forbid, forbid, ok, forbid, ok, ok}},
		"GET /api/v1/stats/origins":   {fixed(v1+"/stats/origins?year=2026", ""), statsReaders},
		"GET /api/v1/stats/suppliers": {fixed(v1+"/stats/suppliers?year=2026", ""), statsReaders},
		"GET /api/v1/stats/channels":  {fixed(v1+"/stats/channels?year=2026", ""), statsReaders},
		"GET /api/v1/stats/export":    {fixed(v1+"/stats/export?year=2026&format=xlsx", ""), statsReaders},
		// the bulletin ranks the helper side: the table's officer is 上虞's
		"GET /api/v1/stats/bulletin": {fixed(v1+"/stats/bulletin?year=2026&month=4", ""), statuses{unauth, forbid, forbid, forbid, forbid, forbid, ok, ok}},

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
		"POST /api/v1/orgs/:id/sales-points": {func(_ *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "sales-points"), jsonBody(map[string]string{
				"type": "counter", "name": "专柜-" + caller, "region_code": "330604"})
		}, statuses{unauth, absent, absent, absent, created, absent, absent, created}},
		"POST /api/v1/orgs/:id/sales-records": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "sales-records"), jsonBody(recordBody("2026-03-01", 100))
		}, statuses{unauth, absent, absent, absent, created, absent, absent, forbid}},
		"GET /api/v1/sales-records": {fixed(v1+"/sales-records", ""), statuses{unauth, forbid, forbid, forbid, ok, forbid, ok, ok}},
		"GET /api/v1/sales-records/:id": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/sales-records", w.seedRecord(t, model.RecordDraft)), ""
		}, statuses{unauth, absent, absent, absent, ok, absent, ok, ok}},
		"PATCH /api/v1/sales-records/:id": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/sales-records", w.seedRecord(t, model.RecordDraft)), jsonBody(recordBody("2026-03-02", 200))
		}, statuses{unauth, absent, absent, absent, ok, absent, forbid, forbid}},
		"POST /api/v1/sales-records/:id/submit": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/sales-records", w.seedRecord(t, model.RecordDraft), "submit"), ""
		}, statuses{unauth, absent, absent, absent, ok, absent, forbid, forbid}},
		"POST /api/v1/sales-records/:id/verify": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/sales-records", w.seedRecord(t, model.RecordSubmitted), "verify"), "{}"
		}, statuses{unauth, absent, absent, absent, forbid, absent, forbid, ok}},
		"POST /api/v1/sales-records/:id/return": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/sales-records", w.seedRecord(t, model.RecordSubmitted), "return"), `{"reason": "缺发票扫描件"}`
		}, statuses{unauth, absent, absent, absent, forbid, absent, forbid, ok}},
		"POST /api/v1/sales-records/:id/revoke": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/sales-records", w.seedRecord(t, model.RecordVerified), "revoke"), `{"reason": "发票作废"}`
		}, statuses{unauth, absent, absent, absent, forbid, absent, forbid, ok}},
		"POST /api/v1/sales-records/:id/files": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/sales-records", w.seedRecord(t, model.RecordDraft), "files"), multipartBody(t, "file", []byte("%PDF-1.7\n"))
		}, statuses{unauth, absent, absent, absent, created, absent, forbid, forbid}},
		"GET /api/v1/sales-records/:id/files/:file": {func(t *testing.T, w *world, _ string) (string, string) {
			id := w.seedRecord(t, model.RecordDraft)
			return path(v1+"/sales-records", id, "files", w.seedRecordFile(t, id)), ""
		}, statuses{unauth, absent, absent, absent, ok, absent, ok, ok}},
		"POST /api/v1/register/entries": {func(_ *testing.T, _ *world, caller string) (string, string) {
			return v1 + "/register/entries", jsonBody(map[string]any{"certificate_no": "AUTHZ-" + caller, "product_name": "惠明茶",
				"category": "tea", "producer_name": "景宁合作社", "region_code": "331127", "issuer": "丽水市农业农村局",
				"valid_from": "2026-01-01", "valid_to": "2026-12-31"})
		}, admins(created)},
		"GET /api/v1/register/entries": {fixed(v1+"/register/entries?q=茶", ""), signedIn},
		"GET /api/v1/register/entries/:id": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/register/entries", w.seedEntry(t, "GET-"+caller)), ""
		}, signedIn},
		"PATCH /api/v1/register/entries/:id": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/register/entries", w.seedEntry(t, "PATCH-"+caller)), `{"batch": "第二批"}`
		}, admins(ok)},
		// An upload without its kind is a 422 for whoever may upload.
		"POST /api/v1/imports": {func(t *testing.T, _ *world, _ string) (string, string) {
			return v1 + "/imports", multipartBody(t, "file", []byte("not a workbook"))
		}, statuses{unauth, invalid, invalid, invalid, invalid, invalid, invalid, invalid}},
		"GET /api/v1/imports":                {fixed(v1+"/imports", ""), signedIn},
		"GET /api/v1/import-templates/:kind": {fixed(v1+"/import-templates/records", ""), signedIn},
		"GET /api/v1/imports/:id": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/imports", w.seedImport(t)), ""
		}, statuses{unauth, absent, absent, absent, ok, absent, absent, ok}},
		"GET /api/v1/imports/:id/result": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/imports", w.seedImport(t), "result"), ""
		}, statuses{unauth, absent, absent, absent, ok, absent, absent, ok}},
		"POST /api/v1/imports/:id/commit": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/imports", w.seedImport(t), "commit"), "{}"
		}, statuses{unauth, absent, absent, absent, accepted, absent, absent, forbid}},
		"POST /api/v1/imports/:id/verify": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/imports", w.seedImport(t), "verify"), "{}"
		}, statuses{unauth, absent, absent, absent, http.StatusConflict, absent, absent, http.StatusConflict}},
		"GET /api/v1/orgs/:id/sales-points": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "sales-points"), ""
		}, statuses{unauth, absent, ok, ok, ok, absent, absent, ok}},
		"GET /api/v1/orgs/:id/invoice-profile": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "invoice-profile"), ""
		}, statuses{unauth, absent, ok, ok, ok, absent, absent, ok}},
		"PUT /api/v1/orgs/:id/invoice-profile": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "invoice-profile"), jsonBody(map[string]string{
				"title": "上虞区机关事务管理局", "tax_id": invIssuer, "address": "上虞区市民大道1号", "phone": "0575-82123456"})
		}, statuses{unauth, absent, forbid, forbid, ok, absent, absent, forbid}},
		"GET /api/v1/orgs/:id/invoices": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "invoices"), ""
		}, statuses{unauth, absent, ok, ok, ok, absent, absent, ok}},
		"POST /api/v1/supplier/invoices": {func(_ *testing.T, w *world, caller string) (string, string) {
			return v1 + "/supplier/invoices", jsonBody(map[string]any{"org_id": w.parent.ID, "type": "ordinary", "medium": "digital",
				"issuer_credit_code": invIssuer, "number": invNumber(callerYear(0, caller)), "date": "2026-03-01", "amount_cents": 1000})
		}, suppliers(created)},
		"GET /api/v1/supplier/invoices": {fixed(v1+"/supplier/invoices", ""), suppliers(ok)},
		"PUT /api/v1/supplier/invoices/:id/scan": {func(t *testing.T, w *world, _ string) (string, string) {
			inv := seedInvoice(t, w, w.other.ID, false)
			return path(v1+"/supplier/invoices", inv, "scan"), multipartBody(t, "file", testPNG(t, 8, 8, true))
		}, statuses{unauth, absent, absent, absent, absent, ok, absent, forbid}},
		"GET /api/v1/invoices/:id/scan": {func(t *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/invoices", seedInvoice(t, w, w.parent.ID, true), "scan"), ""
		}, statuses{unauth, absent, ok, ok, ok, ok, absent, ok}},
		"GET /api/v1/orders/:id/invoices": {func(t *testing.T, w *world, _ string) (string, string) {
			o := w.seedOrderIn(t, model.RoleBuyer, w.orderGoods(t).skuA, model.OrderPendingPayment)
			return path(v1+"/orders", o.ID, "invoices"), ""
		}, statuses{unauth, absent, ok, ok, ok, ok, absent, ok}},
		"GET /api/v1/orgs/:id/statements": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "statements?month=2025-10"), ""
		}, statuses{unauth, absent, ok, ok, ok, absent, absent, ok}},
		"POST /api/v1/orgs/:id/statements/:sid/confirm": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "statements", seedStatement(t, w, callerYear(2001, caller)), "confirm"), ""
		}, statuses{unauth, absent, forbid, forbid, ok, absent, absent, forbid}},
		"POST /api/v1/orgs/:id/statements/:sid/dispute": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "statements", seedStatement(t, w, callerYear(2011, caller)), "dispute"), `{"note": "金额不符"}`
		}, statuses{unauth, absent, forbid, forbid, ok, absent, absent, forbid}},
		"GET /api/v1/orgs/:id/order-lines": {func(_ *testing.T, w *world, _ string) (string, string) {
			return path(v1+"/orgs", w.parent.ID, "order-lines?from=2026-01-01&to=2026-12-31"), ""
		}, statuses{unauth, absent, forbid, forbid, ok, absent, absent, ok}},
		"GET /api/v1/supplier/statements": {fixed(v1+"/supplier/statements?month=2025-10", ""), suppliers(ok)},
		"POST /api/v1/supplier/statements/:sid/confirm": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/supplier/statements", seedStatement(t, w, callerYear(2021, caller)), "confirm"), ""
		}, suppliers(ok)},
		"POST /api/v1/supplier/statements/:sid/dispute": {func(t *testing.T, w *world, caller string) (string, string) {
			return path(v1+"/supplier/statements", seedStatement(t, w, callerYear(2031, caller)), "dispute"), `{"note": "少算一单"}`
		}, suppliers(ok)},
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
		for route := range routeExtras {
			if _, ok := table[route]; !ok {
				t.Errorf("routeExtras has %s, which the table does not", route)
			}
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
						extra := routeExtras[route]
						var header map[string]string
						if extra.header != nil {
							header = extra.header(w, caller, body)
						}
						res := h.callWith(t, method, target, w.token(t, caller), body, header)
						if got, want := res.Status, rc.want[i]; got != want {
							t.Fatalf("%s %s as %s: status = %d, want %d; body: %s",
								method, target, caller, got, want, truncate(res.Body))
						}
						if code, ok := errorCodes[res.Status]; ok {
							if got := decode[errorBody](t, res).Error.Code; got != code {
								t.Errorf("code = %q, want %q", got, code)
							}
						}
						if res.Status == http.StatusUnauthorized && !extra.signed && res.Header.Get("WWW-Authenticate") == "" {
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

		// Orders and returns: another org's, another supplier's, another
		// consumer's, and missing ones.
		g := w.orderGoods(t)
		otherOrg := w.seedOrderIn(t, "other_buyer", g.skuA, model.OrderPendingPayment)
		otherShipped := w.seedOrderIn(t, "other_buyer", g.skuA, model.OrderShipped)
		otherSettled := w.seedOrderIn(t, "other_buyer", g.skuA, model.OrderSettled)
		ownOrg := w.seedOrderIn(t, model.RoleBuyer, g.skuA, model.OrderAwaitingShipment)
		bOrder := w.seedOrderIn(t, model.RoleBuyer, g.skuB, model.OrderAwaitingShipment)
		bReturn := w.seedReturn(t, model.RoleBuyer, w.seedOrderIn(t, model.RoleBuyer, g.skuB, model.OrderSettled))
		victims := w.seedOrderIn(t, "victim", g.skuA, model.OrderPendingPayment)
		orderState := func(id int64) func() string {
			return state(`SELECT o.status, o.paid_cents, o.refunded_cents, o.carrier,
				(SELECT COUNT(*) FROM payments p WHERE p.order_id = o.id), (SELECT COUNT(*) FROM returns r WHERE r.order_id = o.id)
				FROM orders o WHERE o.id = ?`, id)
		}
		returnState := func(id int64) func() string {
			return state("SELECT status, decision_note FROM returns WHERE id = ?", id)
		}
		key := map[string]string{"Idempotency-Key": "object-access"}
		ship := `{"carrier": "顺丰", "tracking_no": "SF1"}`
		for _, tc := range []struct {
			name, caller, method, target, body string
			header                             map[string]string
			state                              func() string
		}{
			{"buyer reads another org's order", model.RoleBuyer, "GET", path(v1+"/orders", otherOrg.ID), "", nil, nil},
			{"approver approves another org's order", model.RoleApprover, "POST", path(v1+"/orders", otherOrg.ID, "approve"), "", nil, orderState(otherOrg.ID)},
			{"org_admin cancels another org's order", model.RoleOrgAdmin, "POST", path(v1+"/orders", otherOrg.ID, "cancel"), "", nil, orderState(otherOrg.ID)},
			{"buyer pays another org's order", model.RoleBuyer, "POST", path(v1+"/orders", otherOrg.ID, "pay"), "", key, orderState(otherOrg.ID)},
			{"buyer accepts another org's order", model.RoleBuyer, "POST", path(v1+"/orders", otherShipped.ID, "accept"), "", nil, orderState(otherShipped.ID)},
			{"buyer returns goods of another org's order", model.RoleBuyer, "POST", path(v1+"/orders", otherSettled.ID, "returns"),
				jsonBody(map[string]any{"lines": []map[string]int64{{"line_id": otherSettled.Lines[0].ID, "quantity": 1}}, "reason": "quality"}),
				nil, orderState(otherSettled.ID)},
			{"other org's buyer reads this org's order", "other_buyer", "GET", path(v1+"/orders", ownOrg.ID), "", nil, nil},
			{"other org's buyer cancels this org's order", "other_buyer", "POST", path(v1+"/orders", ownOrg.ID, "cancel"), "", nil, orderState(ownOrg.ID)},

			{"supplier reads another supplier's order", model.RoleSupplier, "GET", path(v1+"/orders", bOrder.ID), "", nil, nil},
			{"supplier ships another supplier's order", model.RoleSupplier, "POST", path(v1+"/orders", bOrder.ID, "ship"), ship, nil, orderState(bOrder.ID)},
			{"supplier declines another supplier's order", model.RoleSupplier, "POST", path(v1+"/orders", bOrder.ID, "decline"), `{"reason": "抢单"}`, nil, orderState(bOrder.ID)},
			{"supplier approves another supplier's return", model.RoleSupplier, "POST", path(v1+"/returns", bReturn.ID, "approve"), "", nil, returnState(bReturn.ID)},
			{"supplier rejects another supplier's return", model.RoleSupplier, "POST", path(v1+"/returns", bReturn.ID, "reject"), `{"note": "不退"}`, nil, returnState(bReturn.ID)},
			{"the other supplier reads A's order", "supplier_b", "GET", path(v1+"/orders", ownOrg.ID), "", nil, nil},
			{"the other supplier ships A's order", "supplier_b", "POST", path(v1+"/orders", ownOrg.ID, "ship"), ship, nil, orderState(ownOrg.ID)},

			{"consumer reads another consumer's order", model.RoleConsumer, "GET", path(v1+"/orders", victims.ID), "", nil, nil},
			{"consumer cancels another consumer's order", model.RoleConsumer, "POST", path(v1+"/orders", victims.ID, "cancel"), "", nil, orderState(victims.ID)},
			{"consumer pays another consumer's order", model.RoleConsumer, "POST", path(v1+"/orders", victims.ID, "pay"), "", key, orderState(victims.ID)},
			{"buyer reads a consumer's order", model.RoleBuyer, "GET", path(v1+"/orders", victims.ID), "", nil, nil},
			{"org_admin cancels a consumer's order", model.RoleOrgAdmin, "POST", path(v1+"/orders", victims.ID, "cancel"), "", nil, orderState(victims.ID)},

			{"buyer reads a missing order", model.RoleBuyer, "GET", path(v1+"/orders", 999999), "", nil, nil},
			{"admin reads a missing order", model.RoleAdmin, "GET", path(v1+"/orders", 999999), "", nil, nil},
			{"buyer pays a missing order", model.RoleBuyer, "POST", path(v1+"/orders", 999999, "pay"), "", key, nil},
			{"supplier approves a missing return", model.RoleSupplier, "POST", path(v1+"/returns", 999999, "approve"), "", nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var before string
				if tc.state != nil {
					before = tc.state()
				}
				res := h.callWith(t, tc.method, tc.target, w.token(t, tc.caller), tc.body, tc.header)
				wantError(t, res, http.StatusNotFound, "not_found")
				if tc.state != nil {
					if after := tc.state(); after != before {
						t.Errorf("state changed from %s to %s", before, after)
					}
				}
			})
		}

		// ... and reach their own (the 404s are not blanket)
		for _, tc := range []struct {
			name, caller string
			id           int64
		}{
			{"the other org's buyer reads its order", "other_buyer", otherOrg.ID},
			{"approver reads an order of its org", model.RoleApprover, ownOrg.ID},
			{"the other supplier reads its order", "supplier_b", bOrder.ID},
			{"the consumer reads its own order", "victim", victims.ID},
			{"admin reads a consumer's order", model.RoleAdmin, victims.ID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantStatus(t, h.call(t, "GET", path(v1+"/orders", tc.id), w.token(t, tc.caller), ""), http.StatusOK)
			})
		}

		// lists hold only what the caller may see
		for _, tc := range []struct {
			name, caller, target string
			want, hidden         []int64
		}{
			{"consumer", model.RoleConsumer, v1 + "/orders", nil, []int64{victims.ID, otherOrg.ID, ownOrg.ID}},
			{"victim", "victim", v1 + "/orders", []int64{victims.ID}, []int64{otherOrg.ID, ownOrg.ID}},
			{"buyer", model.RoleBuyer, v1 + "/orders", []int64{ownOrg.ID, bOrder.ID}, []int64{otherOrg.ID, victims.ID}},
			{"other org's buyer", "other_buyer", v1 + "/orders", []int64{otherOrg.ID, otherShipped.ID}, []int64{ownOrg.ID, victims.ID}},
			{"supplier", model.RoleSupplier, v1 + "/supplier/orders", []int64{ownOrg.ID, victims.ID, otherOrg.ID}, []int64{bOrder.ID}},
			{"supplier_b", "supplier_b", v1 + "/orders", []int64{bOrder.ID}, []int64{ownOrg.ID, victims.ID}},
		} {
			t.Run("list of "+tc.name, func(t *testing.T) {
				res := h.call(t, "GET", tc.target+"?page_size=100", w.token(t, tc.caller), "")
				wantStatus(t, res, http.StatusOK)
				var list struct {
					Items []struct {
						ID int64 `json:"id"`
					} `json:"items"`
				}
				if err := json.Unmarshal(res.Body, &list); err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, o := range list.Items {
					ids = append(ids, o.ID)
				}
				for _, id := range tc.want {
					if !slices.Contains(ids, id) {
						t.Errorf("order %d missing from %v", id, ids)
					}
				}
				for _, id := range tc.hidden {
					if slices.Contains(ids, id) {
						t.Errorf("order %d shown in %v", id, ids)
					}
				}
			})
		}
	})
}

// TestRouteStateConflicts: the right caller on an order (or return) in a
// state that does not allow the step gets 409 invalid_transition, and
// nothing changes.
func TestRouteStateConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		g := w.orderGoods(t)
		in := func(status string) *model.Order { return w.seedOrderIn(t, model.RoleBuyer, g.skuA, status) }
		decided := func(approve bool) int64 {
			r := w.seedReturn(t, model.RoleBuyer, in(model.OrderSettled))
			decide := h.orders.RejectReturn
			if approve {
				decide = h.orders.ApproveReturn
			}
			if _, err := decide(context.Background(), w.users[model.RoleSupplier], r.ID, "已处理"); err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		key := map[string]string{"Idempotency-Key": "state-conflict"}
		for _, tc := range []struct {
			name, caller, target, body string
			header                     map[string]string
		}{
			{"approver approves an order that needs no approval", model.RoleApprover, path(v1+"/orders", in(model.OrderPendingPayment).ID, "approve"), "", nil},
			{"org_admin rejects a paid order", model.RoleOrgAdmin, path(v1+"/orders", in(model.OrderAwaitingShipment).ID, "reject"), "", nil},
			{"buyer cancels a shipped order", model.RoleBuyer, path(v1+"/orders", in(model.OrderShipped).ID, "cancel"), "", nil},
			{"supplier declines an unpaid order", model.RoleSupplier, path(v1+"/orders", in(model.OrderPendingPayment).ID, "decline"), `{"reason": "缺货"}`, nil},
			{"buyer pays a paid order", model.RoleBuyer, path(v1+"/orders", in(model.OrderAwaitingShipment).ID, "pay"), "", key},
			{"approver pays an order awaiting approval", model.RoleApprover, path(v1+"/orders", in(model.OrderPendingApproval).ID, "pay"), "", key},
			{"supplier ships a shipped order", model.RoleSupplier, path(v1+"/orders", in(model.OrderShipped).ID, "ship"), `{"carrier": "顺丰", "tracking_no": "SF2"}`, nil},
			{"supplier ships an order awaiting approval", model.RoleSupplier, path(v1+"/orders", in(model.OrderPendingApproval).ID, "ship"), `{"carrier": "顺丰", "tracking_no": "SF3"}`, nil},
			{"buyer accepts an order not shipped", model.RoleBuyer, path(v1+"/orders", in(model.OrderAwaitingShipment).ID, "accept"), "", nil},
			{"org_admin accepts a settled order", model.RoleOrgAdmin, path(v1+"/orders", in(model.OrderSettled).ID, "accept"), "", nil},
			{"supplier approves an approved return", model.RoleSupplier, path(v1+"/returns", decided(true), "approve"), "", nil},
			{"supplier rejects an approved return", model.RoleSupplier, path(v1+"/returns", decided(true), "reject"), `{"note": "不退"}`, nil},
			{"supplier approves a rejected return", model.RoleSupplier, path(v1+"/returns", decided(false), "approve"), "", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				table := "orders"
				if strings.Contains(tc.target, "/returns/") {
					table = "returns"
				}
				id := tc.target[:strings.LastIndex(tc.target, "/")]
				id = id[strings.LastIndex(id, "/")+1:]
				before := queryOne[string](t, h, "SELECT status FROM "+table+" WHERE id = ?", id)
				res := h.callWith(t, http.MethodPost, tc.target, w.token(t, tc.caller), tc.body, tc.header)
				wantError(t, res, http.StatusConflict, "invalid_transition")
				if after := queryOne[string](t, h, "SELECT status FROM "+table+" WHERE id = ?", id); after != before {
					t.Errorf("status changed from %s to %s", before, after)
				}
			})
		}

		// returns need accepted goods
		shipped := in(model.OrderShipped)
		res := h.call(t, http.MethodPost, path(v1+"/orders", shipped.ID, "returns"), w.token(t, model.RoleBuyer),
			jsonBody(map[string]any{"lines": []map[string]int64{{"line_id": shipped.Lines[0].ID, "quantity": 1}}, "reason": "quality"}))
		wantError(t, res, http.StatusConflict, "invalid_transition")

		// checking out an empty cart places nothing
		res = h.callWith(t, http.MethodPost, v1+"/cart/checkout", w.token(t, model.RoleConsumer), "", key)
		wantError(t, res, http.StatusConflict, "empty_cart")
	})
}

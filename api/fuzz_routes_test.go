package api_test

// What fuzz_test.go sends to each route: who calls it, the objects its path
// names, and seed bodies or queries. Keyed by "METHOD path" as the router
// registers it; TestFuzzCoversRoutes checks the keys against the router.

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"shanhai/model"
)

// noBodyRoutes take no body (and are not GETs): nothing to fuzz but their
// path, which the GET routes' fuzzing covers for the same parsers.
var noBodyRoutes = []string{
	"DELETE /api/v1/admin/products/:id/certification",
	"POST /api/v1/orgs/:id/filings/:year/submit",
	"POST /api/v1/orgs/:id/employees/:user_id/confirm",
	"POST /api/v1/orgs/:id/employees/:user_id/refuse",
	"DELETE /api/v1/supplier/products/:id/images/:image",
	"DELETE /api/v1/me/addresses/:id",
	"DELETE /api/v1/admin/years/:year/close",
	"POST /api/v1/admin/bulletins/:year/:month",
}

// staffSeq names the org users the fuzzer's inputs disable or re-role.
var staffSeq atomic.Int64

// orgStaff is w.parent and a fresh buyer of it, for an org_admin's changes.
func orgStaff(t *testing.T, fw *fuzzWorld, _ string) []string {
	u := fw.addUser(t, &model.User{Username: "fuzz-staff-" + itoa(staffSeq.Add(1)), Role: model.RoleBuyer, OrgID: &fw.parent.ID})
	return []string{itoa(fw.parent.ID), itoa(u.ID)}
}

// ownAddress is a saved address of the caller.
func ownAddress(t *testing.T, fw *fuzzWorld, caller string) []string {
	return []string{itoa(fw.addressOf(t, caller))}
}

// ids gives fixed path parameters.
func ids(f func(fw *fuzzWorld) []int64) func(*testing.T, *fuzzWorld, string) []string {
	return func(_ *testing.T, fw *fuzzWorld, _ string) []string {
		var out []string
		for _, id := range f(fw) {
			out = append(out, itoa(id))
		}
		return out
	}
}

// orderOf is the path of an order of the caller's side in status, replaced
// once an input moves it on; by is who placed it ("" = the caller).
func orderOf(slot, by, status string) func(*testing.T, *fuzzWorld, string) []string {
	return func(t *testing.T, fw *fuzzWorld, caller string) []string {
		who := by
		if who == "" {
			who = caller
		}
		return []string{itoa(fw.orderIn(t, slot+" "+caller, who, status).ID)}
	}
}

// withKey sends a fresh Idempotency-Key.
func withKey(fw *fuzzWorld, _ []byte) map[string]string {
	return map[string]string{"Idempotency-Key": fw.key()}
}

// buyers place orders: a consumer and an org's buyer.
var buyers = []string{model.RoleConsumer, model.RoleBuyer}

func bodyRoutes() map[string]fuzzRoute {
	admin := []string{model.RoleAdmin}
	supplier := []string{model.RoleSupplier}
	orgAdmin := []string{model.RoleOrgAdmin}
	return map[string]fuzzRoute{
		"POST /api/v1/auth/login": {callers: []string{"anonymous"}, args: noArgs, seeds: []string{
			`{"username": "buyer", "password": "pass-buyer-0k"}`,
			`{"username": "BUYER", "password": "wrong"}`,
			`{"username": "", "password": ""}`,
			`{"username": "nobody", "password": "x", "extra": true}`,
		}},
		"POST /api/v1/auth/sms-codes": {callers: []string{"anonymous"}, args: noArgs, seeds: []string{
			`{"phone": "13800138000", "purpose": "register"}`, `{"phone": "13912345678", "purpose": "reset"}`,
			`{"phone": "1380013800", "purpose": "x"}`, `{"phone": 13800138000, "purpose": "login"}`,
		}},
		"POST /api/v1/auth/register": {callers: []string{"anonymous"}, args: noArgs, seeds: []string{
			`{"phone": "13800138000", "code": "123456", "region_code": "330604"}`,
			`{"phone": "13800138000", "code": "123456", "password": "long-enough-1", "username": "fuzzy", "region_code": "330604"}`,
			`{"phone": "", "code": "12a456", "region_code": "999999", "username": "13800138000"}`,
		}},
		"POST /api/v1/auth/reset": {callers: []string{"anonymous"}, args: noArgs, seeds: []string{
			`{"phone": "13800138000", "code": "123456", "password": "long-enough-1"}`, `{"phone": "1", "code": "", "password": ""}`,
		}},
		"POST /api/v1/auth/refresh": {callers: []string{"anonymous"}, args: noArgs, seeds: []string{
			`{"refresh_token": "x"}`, `{"refresh_token": ""}`, `{"refresh_token": null}`,
		}},
		"POST /api/v1/auth/logout": {callers: []string{"anonymous"}, args: noArgs, seeds: []string{
			`{"refresh_token": "x"}`, `{"refresh_token": ""}`,
		}},
		"PUT /api/v1/me/password": {callers: []string{model.RoleConsumer, model.RoleOfficer}, args: noArgs, seeds: []string{
			`{"old_password": "not-the-password", "password": "new-password-1"}`, `{"old_password": "", "password": "x"}`,
		}},
		"POST /api/v1/me/addresses": {callers: []string{model.RoleConsumer, model.RoleBuyer, model.RoleOfficer}, args: noArgs, seeds: []string{
			`{"receiver_name": "王小明", "phone": "13800001111", "region_code": "330604", "detail": "百官街道1号", "default": true}`,
			`{"receiver_name": "", "phone": "1", "region_code": "330600", "detail": ""}`,
		}},
		"PATCH /api/v1/me/addresses/:id": {callers: []string{model.RoleConsumer, model.RoleBuyer}, args: ownAddress, seeds: []string{
			`{"default": true}`, `{"region_code": "441900", "detail": "东城街道"}`, `{"default": false, "region_code": "330000"}`, `{}`,
		}},
		"POST /api/v1/orgs/:id/sales-points": {callers: orgAdmin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }), seeds: []string{
			`{"type": "counter", "name": "模糊专柜", "region_code": "330604"}`,
			`{"type": "kiosk", "name": "", "region_code": "999999"}`,
		}},
		"PUT /api/v1/orgs/:id/invoice-profile": {callers: orgAdmin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }), seeds: []string{
			`{"title": "模糊单位", "tax_id": "91330100716105852F", "address": "上虞", "phone": "0575-1", "bank": "农行", "account": "6228 0000"}`,
			`{"title": "", "tax_id": "x", "account": "abc"}`,
		}},
		"POST /api/v1/supplier/invoices": {callers: supplier, args: noArgs, seeds: []string{
			`{"org_id": {{child_org}}, "type": "special", "medium": "paper", "issuer_credit_code": "91330100716105852F", "code": "3300221130", "number": "01234567", "date": "2026-03-01", "amount_cents": 100}`,
			`{"org_id": 0, "type": "x", "medium": "digital", "issuer_credit_code": "x", "number": "123456789012345678901", "date": "2099-01-01", "amount_cents": -5, "allocations": [{"order_id": 1, "amount_cents": 99999}]}`,
		}},
		// The scan upload takes multipart, not JSON: a fuzzed JSON body is a 400.
		"PUT /api/v1/supplier/invoices/:id/scan": {callers: supplier, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(seedInvoice(t, fw.world, fw.parent.ID, false))}
		}, seeds: []string{`{"file": "x"}`, `{}`, `--x--`}},
		"POST /api/v1/orgs/:id/statements/:sid/confirm": {callers: orgAdmin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.parent.ID), itoa(seedStatement(t, fw.world, 2000+int(staffSeq.Add(1))%99))}
		}, seeds: []string{`{"note": "核对无误"}`, `{}`, `{"note": 5}`}},
		"POST /api/v1/orgs/:id/statements/:sid/dispute": {callers: orgAdmin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.parent.ID), itoa(seedStatement(t, fw.world, 2000+int(staffSeq.Add(1))%99))}
		}, seeds: []string{`{"note": "金额不符"}`, `{"note": ""}`, `{}`}},
		"POST /api/v1/supplier/statements/:sid/confirm": {callers: supplier, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(seedStatement(t, fw.world, 2000+int(staffSeq.Add(1))%99))}
		}, seeds: []string{`{"note": "核对无误"}`, `{}`}},
		"POST /api/v1/supplier/statements/:sid/dispute": {callers: supplier, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(seedStatement(t, fw.world, 2000+int(staffSeq.Add(1))%99))}
		}, seeds: []string{`{"note": "少算一单"}`, `{}`}},
		"POST /api/v1/orgs/:id/users": {callers: orgAdmin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }), seeds: []string{
			`{"username": "fuzz-buyer", "password": "long-enough-1", "role": "buyer"}`,
			`{"username": "fuzz-boss", "password": "long-enough-1", "role": "org_admin"}`,
		}},
		"PATCH /api/v1/orgs/:id/users/:uid": {callers: orgAdmin, args: orgStaff, seeds: []string{
			`{"disabled": true}`, `{"role": "approver"}`, `{"role": "admin"}`, `{}`,
		}},
		"PUT /api/v1/me/employer": {callers: []string{model.RoleConsumer, model.RoleBuyer}, args: noArgs, seeds: []string{
			`{"org_id": {{org}}}`, `{"org_id": 0}`, `{"org_id": -1}`, `{"org_id": "1"}`, `{"org_id": 1e3}`,
		}},

		"POST /api/v1/admin/orgs": {callers: admin, args: noArgs, seeds: []string{
			`{"name": "模糊单位", "kind": "canteen", "region_code": "330602"}`,
			`{"name": "模糊超市", "kind": "supermarket", "region_code": "330604", "parent_id": {{org}}, "payment_terms": "after_delivery",
			  "approval_threshold_cents": 100000, "credit_kind": "assisted_sale", "invoice_title": "模糊超市", "tax_id": "91330604MA2D000000"}`,
			`{"name": "x", "kind": "nope", "region_code": "999999", "parent_id": 0, "approval_threshold_cents": -1}`,
		}},
		"PATCH /api/v1/admin/orgs/:id": {callers: admin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.scratchOrg} }), seeds: []string{
			`{"name": "模糊测试单位", "kind": "canteen", "region_code": "330602"}`,
			`{"name": "模糊测试单位", "kind": "union", "region_code": "330603", "parent_id": {{scratch_org}}}`,
			`{"name": "模糊测试单位", "kind": "canteen", "region_code": "330602", "parent_id": {{child_org}}, "payment_terms": "prepay", "approval_threshold_cents": 9223372036854775807}`,
		}, paramSeeds: map[string]string{
			// a supervising loop, and another org's name
			"{{org}}":       `{"name": "上虞区机关事务管理局", "kind": "government", "region_code": "330604", "parent_id": {{child_org}}}`,
			"{{child_org}}": `{"name": "上虞区机关事务管理局", "kind": "canteen", "region_code": "330604", "parent_id": {{org}}}`,
		}},
		"POST /api/v1/admin/users": {callers: admin, args: noArgs, seeds: []string{
			`{"username": "fuzz-user", "password": "long-enough-1", "role": "buyer", "org_id": {{org}}}`,
			`{"username": "fuzz-supplier", "password": "long-enough-1", "role": "supplier", "supplier_id": {{supplier}}}`,
			`{"username": "fuzz-officer", "password": "long-enough-1", "role": "officer", "region_code": "330600"}`,
			`{"username": "", "password": "", "role": "root"}`,
		}},
		"PATCH /api/v1/admin/users/:id": {callers: admin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.scratchUser} }), seeds: []string{
			`{"role": "buyer"}`, `{"disabled": true}`, `{"disabled": false}`, `{"password": "another-password-1"}`, `{"role": null}`,
		}, paramSeeds: map[string]string{"{{admin}}": `{"role": "consumer", "disabled": true}`}},
		"POST /api/v1/admin/suppliers": {callers: admin, args: noArgs, seeds: []string{
			`{"name": "模糊供应商", "region_code": "511113"}`, `{"name": "", "region_code": "330602"}`,
		}},
		"PATCH /api/v1/admin/suppliers/:id": {callers: admin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.spare.ID} }), seeds: []string{
			`{"status": "suspended"}`, `{"status": "active"}`, `{"status": "pending"}`, `{"status": "gone"}`,
		}},
		"POST /api/v1/admin/pairings": {callers: admin, args: noArgs, seeds: []string{
			`{"programme": "east_west", "level": "county", "helper_code": "330602", "partner_code": "511133", "since_year": 2021}`,
			`{"programme": "mountain_sea", "level": "city", "helper_code": "330600", "partner_code": "331100", "since_year": 0}`,
		}},
		"PATCH /api/v1/admin/pairings/:id": {callers: admin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.pairing} }), seeds: []string{
			`{"active": false}`, `{"active": true}`, `{"active": "yes"}`,
		}},
		"PUT /api/v1/admin/pairings/:id/targets/:year": {callers: admin,
			args: func(_ *testing.T, fw *fuzzWorld, _ string) []string { return []string{itoa(fw.pairing), "2026"} }, seeds: []string{
				`{"target_cents": 500000000}`, `{"target_cents": -1}`, `{"target_cents": 9223372036854775807}`, `{"target_cents": 1.5}`,
			}},
		"POST /api/v1/admin/programmes/:programme/rules": {callers: admin,
			args: func(*testing.T, *fuzzWorld, string) []string { return []string{"mountain_sea"} }, seeds: []string{
				`{"requires_certificate": true, "effective_from": "2099-01-01", "note": "模糊"}`,
				`{"requires_certificate": "yes", "effective_from": "1999-12-31"}`, `{"effective_from": null}`,
			}},
		"POST /api/v1/admin/regions": {callers: admin, args: noArgs, seeds: []string{
			`{"code": "330699", "name": "模糊新区", "level": "county", "parent_code": "330600", "side": "helper"}`,
			`{"code": "1", "name": "", "level": "planet", "parent_code": "330699", "side": "x"}`,
		}},
		"POST /api/v1/admin/sectors": {callers: admin, args: noArgs, seeds: []string{
			`{"code": "fuzz_sector", "name": "模糊领域"}`, `{"code": "", "name": ""}`, `{"code": "A B", "name": "x"}`,
		}},
		"POST /api/v1/admin/sales-point-types": {callers: admin, args: noArgs, seeds: []string{
			`{"code": "fuzz_type", "name": "模糊类型"}`, `{"code": "toolong_code_over_16", "name": "x"}`,
		}},
		"POST /api/v1/admin/categories": {callers: admin, args: noArgs, seeds: []string{
			`{"code": "fuzz_cat", "name": "模糊"}`, `{"code": "", "name": ""}`, `{"code": "A B", "name": "x"}`,
		}},
		"POST /api/v1/admin/years/:year/close": {callers: admin, args: func(*testing.T, *fuzzWorld, string) []string { return []string{"2003"} },
			seeds: []string{``, `{}`}},
		"PUT /api/v1/admin/reserve-platforms": {callers: admin, args: noArgs, seeds: []string{
			`{"platforms": ["832"]}`, `{"platforms": ["832", "zcy", "832"]}`, `{"platforms": ["mall"]}`, `{"platforms": null}`,
		}},
		"POST /api/v1/orgs/:id/sales-records": {callers: orgAdmin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }), seeds: []string{
			`{"kind": "direct_purchase", "platform": "832", "date": "2026-03-01", "invoice": {"number": "26332000000000000001", "date": "2026-03-01", "issuer_credit_code": "91511113MA00000014"}, "producer": {"name": "金口河茶厂", "region_code": "511113"}, "items": [{"product_name": "茶", "category": "tea", "quantity": "1.5", "unit": "千克", "amount_cents": 100}]}`,
			`{"kind": "x", "platform": "", "date": "2026-02-30", "invoice": {"number": "1234567890123456789"}, "producer": {"supplier_id": -1}, "items": [{"quantity": "1e3", "amount_cents": -1}]}`,
			`{"items": [{"quantity": 12.5}]}`,
		}},
		"PATCH /api/v1/sales-records/:id": {callers: orgAdmin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedRecord(t, model.RecordDraft))}
		}, seeds: []string{`{"kind": "assisted_sale", "platform": "zcy", "date": "2026-03-02", "producer": {"supplier_id": 1}, "items": []}`, `{}`}},
		"POST /api/v1/sales-records/:id/submit": {callers: orgAdmin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedRecord(t, model.RecordDraft))}
		}, seeds: []string{`{}`, `{"x": 1}`}},
		"POST /api/v1/sales-records/:id/verify": {callers: admin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedRecord(t, model.RecordSubmitted))}
		}, seeds: []string{`{}`, `[]`}},
		"POST /api/v1/sales-records/:id/return": {callers: admin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedRecord(t, model.RecordSubmitted))}
		}, seeds: []string{`{"reason": "缺合同"}`, `{"reason": ""}`, `{"reason": 1}`}},
		"POST /api/v1/sales-records/:id/revoke": {callers: admin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedRecord(t, model.RecordVerified))}
		}, seeds: []string{`{"reason": "发票作废"}`, `{"reason": ""}`}},
		// The scan upload takes multipart, not JSON: a fuzzed JSON body is a 400.
		"POST /api/v1/sales-records/:id/files": {callers: orgAdmin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedRecord(t, model.RecordDraft))}
		}, seeds: []string{`{"file": "x"}`, `--x--`}},
		// The import upload takes multipart, not JSON: a fuzzed JSON body is a 400.
		"POST /api/v1/imports": {callers: orgAdmin, args: noArgs, seeds: []string{`{"kind": "records", "file": "x"}`, `--x--`}},
		"POST /api/v1/imports/:id/commit": {callers: orgAdmin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedImport(t))}
		}, seeds: []string{`{}`, `{"x": 1}`, `[]`}},
		"POST /api/v1/imports/:id/verify": {callers: admin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedImport(t))}
		}, seeds: []string{`{}`, `[]`}},
		"POST /api/v1/register/entries": {callers: admin, args: noArgs, seeds: []string{
			`{"certificate_no": "FZ-1", "product_name": "茶", "category": "tea", "producer_name": "景宁合作社", "region_code": "331127", "issuer": "丽水", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}`,
			`{"certificate_no": "", "credit_code": "91331127MA00000000", "region_code": "330603", "valid_from": "2026-12-31", "valid_to": "2026-01-01"}`,
		}},
		"PATCH /api/v1/register/entries/:id": {callers: admin, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedEntry(t, "FZ-"+itoa(recordSeq.Add(1))))}
		}, seeds: []string{`{"status": "revoked", "revoke_reason": "抽检不合格"}`, `{"status": "x", "valid_to": "2026-13-01"}`, `{}`}},
		"PUT /api/v1/admin/products/:id/certification": {callers: admin, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.prodA} }), seeds: []string{
			`{"certificate_no": "LS-2026-001", "issuer": "乐山市农业农村局", "batch": "2026-1", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}`,
			`{"certificate_no": "X", "issuer": "Y", "valid_from": "2026-02-30", "valid_to": "2025-01-01"}`,
		}},
		"POST /api/v1/admin/corrections": {callers: admin,
			args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
				o := fw.orderIn(t, "correction", model.RoleBuyer, model.OrderSettled)
				fw.vars["credit"] = fw.creditOf(o.ID)
				return nil
			}, seeds: []string{
				`{"action": "move_order", "order_id": {{order}}, "org_id": {{other_org}}, "reason": "录入单位有误"}`,
				`{"action": "reverse_entry", "credit_id": {{credit}}, "reason": "重复认定"}`,
				`{"action": "move_order", "order_id": {{order}}, "org_id": {{org}}, "reason": ""}`,
				`{"action": "nope", "order_id": -1, "credit_id": 0}`,
			}},

		"POST /api/v1/supplier/products/:id/skus": {callers: supplier, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.prodA} }), seeds: []string{
			`{"spec": "模糊规格", "unit": "袋", "price_cents": 1000, "stock": 5, "purchase_limit": 3, "tiers": [{"min_qty": 2, "price_cents": 900}]}`,
			`{"spec": "", "unit": "", "price_cents": 0, "stock": -1, "purchase_limit": -1}`,
		}},
		// The upload takes multipart, not JSON: a fuzzed JSON body is a 400.
		"POST /api/v1/supplier/products/:id/images": {callers: supplier, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.prodA} }), seeds: []string{
			`{"file": "x"}`, `{}`, `--x--`,
		}},
		"PUT /api/v1/supplier/products/:id/images/order": {callers: supplier, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.prodA} }), seeds: []string{
			`{"ids": []}`, `{"ids": [1, 2, 2]}`, `{"ids": "x"}`, `{"ids": [-1, 9223372036854775807]}`,
		}},
		"POST /api/v1/supplier/products": {callers: supplier, args: noArgs, seeds: []string{
			`{"name": "模糊产品", "category": "tea", "skus": [{"spec": "500g", "unit": "袋", "price_cents": 1000, "stock": 5}]}`,
			`{"name": "模糊腊肉", "category": "tea", "brand": "金河", "description": "高山", "perishable": true, "shelf_life_days": 30,
			  "skus": [{"spec": "1kg", "unit": "块", "price_cents": 8800, "stock": 0, "tiers": [{"min_qty": 10, "price_cents": 8000}, {"min_qty": 100, "price_cents": 7000}]}]}`,
			`{"name": "x", "category": "none", "skus": []}`,
			`{"name": "x", "category": "tea", "skus": [{"spec": "", "unit": "", "price_cents": -1, "stock": -1, "tiers": [{"min_qty": 0, "price_cents": 0}]}]}`,
		}},
		"PATCH /api/v1/supplier/products/:id": {callers: supplier, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.prodA} }), seeds: []string{
			`{"brand": "金河"}`, `{"on_sale": false}`, `{"on_sale": true}`, `{"name": "", "category": "none", "shelf_life_days": -1}`,
			`{"perishable": true, "shelf_life_days": 7, "description": "高山绿茶"}`,
		}, paramSeeds: map[string]string{"{{product_b}}": `{"on_sale": false}`}},
		"PATCH /api/v1/supplier/skus/:id": {callers: supplier, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.skuA} }), seeds: []string{
			`{"stock_delta": 1}`, `{"stock_delta": -1000}`, `{"price_cents": 9900}`, `{"price_cents": 0, "stock_delta": 0}`,
			`{"stock_delta": 9223372036854775807}`, `{"purchase_limit": 10}`, `{"purchase_limit": 0, "tiers": []}`,
			`{"tiers": [{"min_qty": 5, "price_cents": 1}], "price_cents": 2}`, `{"tiers": null, "purchase_limit": -5}`,
		}, paramSeeds: map[string]string{"{{sku_other}}": `{"stock_delta": -1}`, "{{sku}}": `{"stock_delta": -999999999}`}},

		"PUT /api/v1/cart": {callers: buyers, args: noArgs, seeds: []string{
			`{"items": [{"sku_id": {{sku}}, "quantity": 2}, {"sku_id": {{sku_b}}, "quantity": 1}]}`,
			`{"items": []}`, `{"items": [{"sku_id": {{sku}}, "quantity": 0}]}`, `{"items": [{"sku_id": -1, "quantity": 9223372036854775807}]}`,
			`{"items": [{"sku_id": {{sku}}, "quantity": 1}, {"sku_id": {{sku}}, "quantity": 1}]}`,
		}},
		"POST /api/v1/cart/checkout": {callers: buyers, header: withKey,
			args: func(t *testing.T, fw *fuzzWorld, caller string) []string {
				if err := fw.h.store.ReplaceCart(context.Background(), fw.users[caller].ID, []model.CartItem{
					{SKUID: fw.goods.skuA, Quantity: 1}, {SKUID: fw.goods.skuB, Quantity: 1}}); err != nil {
					t.Fatal(err)
				}
				return nil
			}, seeds: []string{
				`{"address": "绍兴市上虞区人民西路1号", "phone": "13800001111", "delivery_date": "2026-06-01", "note": "放门卫"}`,
				`{"delivery_date": "2026-13-45"}`, `{"phone": "12"}`,
			}},
		"POST /api/v1/orders": {callers: buyers, args: noArgs, header: withKey, seeds: []string{
			`{"lines": [{"sku_id": {{sku}}, "quantity": 1}], "address": "绍兴市上虞区人民西路1号", "phone": "13800001111", "note": "放门卫"}`,
			`{"lines": [{"sku_id": {{sku}}, "quantity": 1}, {"sku_id": {{sku_b}}, "quantity": 1}]}`,
			`{"lines": [{"sku_id": {{sku}}, "quantity": 10}], "delivery_date": "2026-06-01"}`,
			`{"lines": []}`, `{"lines": [{"sku_id": {{sku}}, "quantity": -1}]}`,
			`{"lines": [{"sku_id": {{sku}}, "quantity": 9223372036854775807}]}`,
		}},
		"POST /api/v1/orders/:id/approve": {callers: []string{model.RoleApprover, model.RoleOrgAdmin},
			args: orderOf("approve", model.RoleBuyer, model.OrderPendingApproval), seeds: []string{"", `{"reason": "同意"}`}},
		"POST /api/v1/orders/:id/reject": {callers: []string{model.RoleApprover},
			args: orderOf("reject", model.RoleBuyer, model.OrderPendingApproval), seeds: []string{`{"reason": "超出预算"}`, ""}},
		"POST /api/v1/orders/:id/cancel": {callers: buyers,
			args: orderOf("cancel", "", model.OrderPendingPayment), seeds: []string{"", `{"reason": "不要了"}`}},
		"POST /api/v1/orders/:id/decline": {callers: supplier,
			args: orderOf("decline", model.RoleBuyer, model.OrderAwaitingShipment), seeds: []string{`{"reason": "缺货"}`}},
		"POST /api/v1/orders/:id/pay": {callers: buyers, header: withKey,
			args: orderOf("pay", "", model.OrderPendingPayment), seeds: []string{`{"mode": "instant"}`, `{"mode": "deferred"}`, `{"mode": "cash"}`, ""}},
		"POST /api/v1/orders/:id/ship": {callers: supplier,
			args: orderOf("ship", model.RoleBuyer, model.OrderAwaitingShipment), seeds: []string{
				`{"carrier": "顺丰", "tracking_no": "SF1234567890", "invoice_no": "FP-001"}`, `{"carrier": "", "tracking_no": ""}`,
			}},
		"POST /api/v1/orders/:id/accept": {callers: buyers,
			args: orderOf("accept", "", model.OrderShipped), seeds: []string{
				"", `{"inspection_note": "完好"}`,
				`{"lines": [{"line_id": {{line}}, "received_quantity": 1}], "inspection_note": "完好"}`,
				`{"lines": [{"line_id": {{line}}, "received_quantity": 0}]}`,
				`{"lines": [{"line_id": {{line}}, "received_quantity": 2}, {"line_id": {{line}}, "received_quantity": 1}]}`,
				`{"lines": [{"line_id": -1, "received_quantity": -1}]}`,
			}},
		"POST /api/v1/orders/:id/returns": {callers: buyers,
			args: orderOf("returns", "", model.OrderSettled), seeds: []string{
				`{"lines": [{"line_id": {{line}}, "quantity": 1}], "reason": "damaged", "note": "破损"}`,
				`{"lines": [{"line_id": {{line}}, "quantity": 1}], "reason": "no_reason"}`,
				`{"lines": [{"line_id": {{line}}, "quantity": 2}], "reason": "quality"}`,
				`{"lines": [], "reason": ""}`,
			}},
		"POST /api/v1/returns/:id/approve": {callers: supplier,
			args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
				return []string{itoa(fw.requestedReturn(t, "approve"))}
			},
			seeds: []string{"", `{"note": "同意退货"}`}},
		"POST /api/v1/returns/:id/reject": {callers: supplier,
			args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
				return []string{itoa(fw.requestedReturn(t, "reject"))}
			},
			seeds: []string{`{"note": "包装完好，不予退货"}`, ""}},

		// signed as the provider signs, so the body gets past the signature
		"POST /api/v1/payments/callback": {callers: []string{"anonymous"},
			args: func(t *testing.T, fw *fuzzWorld, _ string) []string { fw.pendingPayment(t); return nil },
			header: func(fw *fuzzWorld, body []byte) map[string]string {
				return map[string]string{"X-Signature": fw.h.payments.Sign(body)}
			}, seeds: []string{
				`{"payment_id": {{payment}}, "status": "succeeded", "provider_ref": "sbx-{{payment}}"}`,
				`{"payment_id": {{payment}}, "status": "failed", "provider_ref": "sbx-{{payment}}"}`,
				`{"payment_id": {{payment}}, "status": "pending"}`,
				`{"payment_id": 0, "status": "succeeded"}`,
			}},

		"PUT /api/v1/orgs/:id/filings/:year": {callers: orgAdmin,
			args: func(_ *testing.T, fw *fuzzWorld, _ string) []string { return []string{itoa(fw.parent.ID), "2026"} }, seeds: []string{
				`{"canteen_status": "has", "food_budget_cents": 5000000, "reserved_ratio_bp": 3000}`,
				`{"canteen_status": "none", "food_budget_cents": 0, "reserved_ratio_bp": 0}`,
				`{"canteen_status": "shared", "food_budget_cents": 9223372036854775807, "reserved_ratio_bp": 10000}`,
				`{"canteen_status": "x", "food_budget_cents": -1, "reserved_ratio_bp": 10001}`,
			}},
		"POST /api/v1/orgs/:id/filings/:year/approve": {callers: orgAdmin, args: submittedFiling,
			seeds: []string{"", `{"comment": "同意"}`}},
		"POST /api/v1/orgs/:id/filings/:year/return": {callers: orgAdmin, args: submittedFiling,
			seeds: []string{`{"comment": "请补充食材预算明细"}`, ""}},
	}
}

// submittedFiling is the child's 2026 filing, put back to submitted for
// each input, under review by parent's org_admin.
func submittedFiling(t *testing.T, fw *fuzzWorld, _ string) []string {
	execSQL(t, fw.h, "UPDATE filings SET status = ? WHERE org_id = ? AND year = 2026 AND status <> ?",
		model.FilingSubmitted, fw.child.ID, model.FilingSubmitted)
	return []string{itoa(fw.child.ID), "2026"}
}

// creditOf is a ledger entry of the order ("0" when there is none).
func (fw *fuzzWorld) creditOf(order int64) string {
	var id int64
	if err := fw.h.store.DB().QueryRow("SELECT id FROM credits WHERE order_id = ? ORDER BY id LIMIT 1", order).Scan(&id); err != nil {
		return "0"
	}
	return strconv.FormatInt(id, 10)
}

// statsQueryRoute fuzzes every statistics route: officers, admins and
// org_admins, with the parameters the statistics take.
var statsQueryRoute = fuzzRoute{
	callers: []string{model.RoleOfficer, model.RoleAdmin, model.RoleOrgAdmin},
	args:    ids(func(fw *fuzzWorld) []int64 { return []int64{fw.pairing} }),
	seeds: []string{
		"year=2026", "year=2026&month=5&parent_id={{org}}", "year=2026&format=csv", "year=2026&format=xlsx&table=orgs",
		"year=2026&month=13&parent_id=-1&format=pdf&table=x", "year=99999999999999999999&year=2025&month=",
		"from=2021-01&to=2026-12&programme=east_west", "from=2026-13&to=2026-1&programme=&x=1",
	},
}

func queryRoutes() map[string]fuzzRoute {
	anyone := []string{"anonymous", model.RoleConsumer, model.RoleAdmin}
	signedIn := []string{model.RoleConsumer, model.RoleBuyer, model.RoleSupplier, model.RoleOfficer, model.RoleAdmin}
	admin := []string{model.RoleAdmin}
	orgAdmins := []string{model.RoleOrgAdmin, model.RoleAdmin}
	paging := []string{"page=2&page_size=1", "page=0&page_size=1.5"}
	withPaging := func(seeds ...string) []string { return append(seeds, paging...) }
	plain := []string{""}
	orgYear := func(_ *testing.T, fw *fuzzWorld, _ string) []string { return []string{itoa(fw.parent.ID), "2026"} }
	return map[string]fuzzRoute{
		"GET /healthz":                  {callers: anyone, args: noArgs, seeds: plain},
		"GET /readyz":                   {callers: anyone, args: noArgs, seeds: plain},
		"GET /metrics":                  {callers: anyone, args: noArgs, seeds: plain},
		"GET /openapi.json":             {callers: anyone, args: noArgs, seeds: plain},
		"GET /docs":                     {callers: anyone, args: noArgs, seeds: plain},
		"GET /docs/redoc.standalone.js": {callers: anyone, args: noArgs, seeds: plain},
		"GET /dashboard":                {callers: anyone, args: noArgs, seeds: plain},
		"GET /dashboard/":               {callers: anyone, args: noArgs, seeds: plain},
		"GET /dashboard/:file":          {callers: anyone, args: func(*testing.T, *fuzzWorld, string) []string { return []string{"app.css"} }, seeds: plain},
		"GET /dashboard/vendor/:file":   {callers: anyone, args: func(*testing.T, *fuzzWorld, string) []string { return []string{"echarts.LICENSE.txt"} }, seeds: plain},

		"GET /api/v1/regions": {callers: anyone, args: noArgs, seeds: withPaging(
			"parent=330600", "level=county", "parent=330600&level=county&page=2&page_size=3", "parent=&level=planet")},
		"GET /api/v1/pairings":   {callers: anyone, args: noArgs, seeds: withPaging("programme=east_west", "programme=mountain_sea", "programme=x")},
		"GET /api/v1/categories": {callers: anyone, args: noArgs, seeds: withPaging()},
		"GET /api/v1/products": {callers: anyone, args: noArgs, seeds: withPaging(
			"q=茶&category=tea&origin=511100&pairing={{pairing}}&certified=true&sort=price_asc",
			"origin=511113&sort=price_desc", "sort=name&certified=false", "sort=newest&pairing=0", "q=%25_%5C&origin=5111",
			"certified=maybe&sort=random&pairing=x&origin=x",
		)},

		// the reference lists of orgs and sales points
		"GET /api/v1/sectors":           {callers: anyone, args: noArgs, seeds: withPaging()},
		"GET /api/v1/sales-point-types": {callers: anyone, args: noArgs, seeds: withPaging()},

		"GET /api/v1/products/:id":     {callers: anyone, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.prodA} }), seeds: plain},
		"GET /api/v1/me":               {callers: signedIn, args: noArgs, seeds: plain},
		"GET /api/v1/me/addresses":     {callers: signedIn, args: noArgs, seeds: plain},
		"GET /api/v1/me/addresses/:id": {callers: []string{model.RoleConsumer, model.RoleBuyer}, args: ownAddress, seeds: plain},
		"GET /api/v1/orgs/directory":   {callers: signedIn, args: noArgs, seeds: withPaging("q=上虞&region=330600", "region=33", "q=%25_", "region=330603")},

		"GET /api/v1/admin/orgs":       {callers: admin, args: noArgs, seeds: withPaging("parent_id={{org}}", "parent_id=0", "parent_id=x")},
		"GET /api/v1/admin/users":      {callers: admin, args: noArgs, seeds: withPaging("role=buyer&org_id={{org}}", "supplier_id={{supplier}}", "role=x&org_id=-1")},
		"GET /api/v1/admin/suppliers":  {callers: admin, args: noArgs, seeds: withPaging()},
		"GET /api/v1/admin/pairings":   {callers: admin, args: noArgs, seeds: withPaging()},
		"GET /api/v1/admin/regions":    {callers: admin, args: noArgs, seeds: withPaging("parent=330600&level=county")},
		"GET /api/v1/admin/categories": {callers: admin, args: noArgs, seeds: withPaging()},
		"GET /api/v1/admin/programmes": {callers: admin, args: noArgs, seeds: plain},
		"GET /api/v1/admin/audit": {callers: admin, args: noArgs, seeds: withPaging(
			"entity=user&entity_id={{user}}&actor_id=1", "entity=&actor_id=0", "actor_id=x",
			"from=2026-01-01&to=2030-12-31&format=csv", "from=2026-01-01&format=xlsx", "from=2026-02-30&to=x&format=pdf")},
		"GET /api/v1/admin/orders/:id/credits": {callers: admin, args: orderOf("credits", model.RoleBuyer, model.OrderSettled), seeds: plain},

		"GET /api/v1/supplier/orders": {callers: []string{model.RoleSupplier}, args: noArgs, seeds: withPaging(
			"status=awaiting_shipment", "from=2026-01-01&to=2026-12-31", "from=2026-02-30&to=x&status=x")},
		"GET /api/v1/supplier/products": {callers: []string{model.RoleSupplier}, args: noArgs, seeds: withPaging(
			"on_sale=true", "on_sale=false", "on_sale=x")},
		"GET /media/:hash": {callers: anyone, args: func(*testing.T, *fuzzWorld, string) []string {
			return []string{strings.Repeat("ab", 32)}
		}, seeds: plain},
		"GET /api/v1/cart": {callers: buyers, args: noArgs, seeds: plain},
		"GET /api/v1/returns": {callers: []string{model.RoleConsumer, model.RoleBuyer, model.RoleSupplier, model.RoleAdmin},
			args: noArgs, seeds: withPaging("status=requested", "status=approved", "status=x")},
		"GET /api/v1/orders": {callers: []string{model.RoleConsumer, model.RoleBuyer, model.RoleApprover, model.RoleSupplier, model.RoleAdmin},
			args: noArgs, seeds: withPaging("status=pending_payment", "status=settled&from=2026-01-01&to=2030-12-31", "from=2026-13-01", "to=yesterday&status=any")},
		"GET /api/v1/orders/:id": {callers: []string{model.RoleBuyer, model.RoleApprover, model.RoleSupplier, model.RoleAdmin},
			args: orderOf("read", model.RoleBuyer, model.OrderPendingPayment), seeds: plain},

		"GET /api/v1/orgs/:id/filings": {callers: orgAdmins, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }),
			seeds: withPaging("year=2026", "year=", "year=99999999999999999999", "year=2026.5")},
		"GET /api/v1/orgs/:id/filings/:year": {callers: orgAdmins, args: orgYear, seeds: plain},
		"GET /api/v1/sales-records": {callers: []string{model.RoleOrgAdmin, model.RoleOfficer, model.RoleAdmin}, args: noArgs,
			seeds: withPaging("status=verified", "status=x", "org_id=1", "org_id=-1")},
		"GET /api/v1/sales-records/:id": {callers: orgAdmins, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedRecord(t, model.RecordDraft))}
		}, seeds: plain},
		"GET /api/v1/sales-records/:id/files/:file": {callers: orgAdmins, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			id := fw.seedRecord(t, model.RecordDraft)
			return []string{itoa(id), itoa(fw.seedRecordFile(t, id))}
		}, seeds: plain},
		"GET /api/v1/imports": {callers: signedIn, args: noArgs, seeds: withPaging("x=1")},
		"GET /api/v1/import-templates/:kind": {callers: signedIn, args: func(*testing.T, *fuzzWorld, string) []string {
			return []string{"records"}
		}, seeds: []string{"", "kind=register"}},
		"GET /api/v1/imports/:id": {callers: orgAdmins, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedImport(t))}
		}, seeds: plain},
		"GET /api/v1/imports/:id/result": {callers: orgAdmins, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedImport(t))}
		}, seeds: plain},
		"GET /api/v1/register/entries": {callers: signedIn, args: noArgs, seeds: withPaging("q=茶", "certificate_no=x&issuer=y", "region=331127", "q=%25_")},
		"GET /api/v1/register/entries/:id": {callers: signedIn, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(fw.seedEntry(t, "FZG-"+itoa(recordSeq.Add(1))))}
		}, seeds: plain},
		"GET /api/v1/admin/years":             {callers: admin, args: noArgs, seeds: plain},
		"GET /api/v1/admin/reserve-platforms": {callers: admin, args: noArgs, seeds: plain},
		"GET /api/v1/orgs/:id/statements": {callers: orgAdmins, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }),
			seeds: []string{"month=2025-10", "month=2025-10&format=xlsx", "month=2099-01", "month=x", "month=2025-10&format=pdf", ""}},
		"GET /api/v1/supplier/statements": {callers: []string{model.RoleSupplier}, args: noArgs,
			seeds: []string{"month=2025-10", "month=2025-10&format=xlsx", "month=1999-12", "month="}},
		"GET /api/v1/orgs/:id/order-lines": {callers: orgAdmins, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }),
			seeds: []string{"from=2026-01-01&to=2026-12-31", "from=2026-01-01&to=2026-12-31&format=csv", "from=2026-01-01&to=2026-12-31&format=xlsx",
				"from=x&to=y", "from=2026-12-31&to=2026-01-01", "format=pdf"}},
		"GET /api/v1/orgs/:id/invoice-profile": {callers: orgAdmins, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }), seeds: plain},
		"GET /api/v1/orgs/:id/invoices": {callers: orgAdmins, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }),
			seeds: withPaging("x=1")},
		"GET /api/v1/supplier/invoices": {callers: []string{model.RoleSupplier}, args: noArgs, seeds: withPaging("org_id=1", "org_id=x", "org_id=-1")},
		"GET /api/v1/orders/:id/invoices": {callers: []string{model.RoleBuyer, model.RoleSupplier, model.RoleAdmin},
			args: orderOf("read", model.RoleBuyer, model.OrderPendingPayment), seeds: plain},
		"GET /api/v1/invoices/:id/scan": {callers: []string{model.RoleBuyer, model.RoleSupplier, model.RoleAdmin}, args: func(t *testing.T, fw *fuzzWorld, _ string) []string {
			return []string{itoa(seedInvoice(t, fw.world, fw.parent.ID, true))}
		}, seeds: plain},
		"GET /api/v1/orgs/:id/sales-points": {callers: orgAdmins, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }), seeds: plain},
		"GET /api/v1/orgs/:id/employees": {callers: orgAdmins, args: ids(func(fw *fuzzWorld) []int64 { return []int64{fw.parent.ID} }),
			seeds: withPaging("status=pending", "status=confirmed", "status=x")},
	}
}

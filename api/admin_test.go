package api_test

// The admin API: orgs, users, suppliers, pairings and targets, regions,
// categories, certification; bad input of every kind; and the audit trail of
// every change. What the API answers is checked against what the database
// holds, read by SQL.

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

func TestAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		t.Run("orgs", func(t *testing.T) { testAdminOrgs(t, w) })
		t.Run("users", func(t *testing.T) { testAdminUsers(t, w) })
		t.Run("suppliers", func(t *testing.T) { testAdminSuppliers(t, w) })
		t.Run("pairings and targets", func(t *testing.T) { testAdminPairings(t, w) })
		t.Run("reference data", func(t *testing.T) { testAdminReference(t, w) })
		t.Run("certification", func(t *testing.T) { testAdminCertification(t, w) })
		t.Run("bad input", func(t *testing.T) { testAdminBadInput(t, w) })
	})
}

// TestLastAdmin: the one active admin cannot demote themself (the probe got
// a 200 and left no admin); once a second admin exists, one of them may go.
func TestLastAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		admin := w.token(t, model.RoleAdmin)
		id := w.users[model.RoleAdmin].ID
		wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/admin/users", id), admin, `{"role": "consumer"}`),
			http.StatusConflict, "last_admin")
		if got := queryOne[string](t, h, "SELECT role FROM users WHERE id = ?", id); got != model.RoleAdmin {
			t.Fatalf("role = %q, want admin", got)
		}
		second := w.addUser(t, &model.User{Username: "second.admin", Role: model.RoleAdmin})
		wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/admin/users", id), admin, `{"role": "consumer"}`), http.StatusOK)
		tok := w.token(t, second.Username)
		wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/admin/users", second.ID), tok, `{"role": "consumer"}`),
			http.StatusConflict, "last_admin")
		if got := queryOne[int64](t, h, "SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0", model.RoleAdmin); got != 1 {
			t.Errorf("%d active admins, want 1", got)
		}
	})
}

func testAdminOrgs(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	res := h.call(t, http.MethodPost, v1+"/admin/orgs", admin, jsonBody(map[string]any{
		"name": "嵊州市人民医院食堂", "kind": model.OrgCanteen, "region_code": "330683", "parent_id": w.parent.ID,
		"payment_terms": model.TermsAfterDelivery, "approval_threshold_cents": 500000,
		"invoice_title": "嵊州市人民医院", "tax_id": "12330683MB1234567X", "sector": "hospital"}))
	wantStatus(t, res, http.StatusCreated)
	got := decode[orgBody](t, res)
	want := orgBody{ID: got.ID, Name: "嵊州市人民医院食堂", Kind: model.OrgCanteen, RegionCode: "330683",
		PaymentTerms: model.TermsAfterDelivery, ApprovalThresholdCents: 500000, CreditKind: model.CreditDirect,
		InvoiceTitle: "嵊州市人民医院", TaxID: "12330683MB1234567X", Sector: "hospital", CreatedAt: got.CreatedAt}
	if got.ParentID == nil || *got.ParentID != w.parent.ID {
		t.Errorf("parent_id = %v, want %d", got.ParentID, w.parent.ID)
	}
	noParent := got
	noParent.ParentID = nil
	if noParent != want {
		t.Errorf("created org = %+v, want %+v", noParent, want)
	}
	if !strings.HasSuffix(got.CreatedAt, "+08:00") {
		t.Errorf("created_at = %q, want +08:00", got.CreatedAt)
	}
	if n := queryOne[int64](t, h, `SELECT COUNT(*) FROM orgs WHERE id = ? AND name = ? AND kind = ? AND region_code = ?
		AND parent_id = ? AND payment_terms = ? AND approval_threshold_cents = ? AND credit_kind = ? AND tax_id = ?`,
		got.ID, want.Name, want.Kind, want.RegionCode, w.parent.ID, want.PaymentTerms, want.ApprovalThresholdCents,
		want.CreditKind, want.TaxID); n != 1 {
		t.Errorf("the stored org does not match the answer")
	}

	// defaults: prepay, and the credit kind follows the kind
	for _, tc := range []struct{ kind, wantCredit string }{
		{model.OrgSupermarket, model.CreditAssisted},
		{model.OrgWholesale, model.CreditAssisted},
		{model.OrgCoop, model.CreditAssisted},
		{model.OrgUnion, model.CreditDirect},
		{model.OrgGovernment, model.CreditDirect},
		{model.OrgEnterprise, model.CreditDirect},
	} {
		res := h.call(t, http.MethodPost, v1+"/admin/orgs", admin, jsonBody(map[string]any{
			"name": "默认-" + tc.kind, "kind": tc.kind, "region_code": "330602"}))
		wantStatus(t, res, http.StatusCreated)
		o := decode[orgBody](t, res)
		if o.CreditKind != tc.wantCredit || o.PaymentTerms != model.TermsPrepay || o.ParentID != nil {
			t.Errorf("%s: credit_kind %q, payment_terms %q, parent %v; want %q, prepay, none",
				tc.kind, o.CreditKind, o.PaymentTerms, o.ParentID, tc.wantCredit)
		}
	}
	// an override of the default is kept
	res = h.call(t, http.MethodPost, v1+"/admin/orgs", admin, jsonBody(map[string]any{
		"name": "越城区联华超市", "kind": model.OrgSupermarket, "region_code": "330602", "credit_kind": model.CreditDirect}))
	wantStatus(t, res, http.StatusCreated)
	if o := decode[orgBody](t, res); o.CreditKind != model.CreditDirect {
		t.Errorf("override: credit_kind = %q, want direct_purchase", o.CreditKind)
	}

	// list: children of parent
	list := decode[page[orgBody]](t, h.call(t, http.MethodGet,
		v1+"/admin/orgs?parent_id="+itoa(w.parent.ID), admin, ""))
	var ids []int64
	for _, o := range list.Items {
		ids = append(ids, o.ID)
	}
	if fmt.Sprint(ids) != fmt.Sprint([]int64{w.child.ID, got.ID}) || list.Total != 2 {
		t.Errorf("children of parent = %v (total %d), want [%d %d]", ids, list.Total, w.child.ID, got.ID)
	}
	all := decode[page[orgBody]](t, h.call(t, http.MethodGet, v1+"/admin/orgs?page_size=100", admin, ""))
	if want := queryOne[int64](t, h, "SELECT COUNT(*) FROM orgs"); all.Total != want || int64(len(all.Items)) != want {
		t.Errorf("all orgs: total %d, %d items; want %d", all.Total, len(all.Items), want)
	}

	// edit: a new parent, other terms
	res = h.call(t, http.MethodPatch, path(v1+"/admin/orgs", got.ID), admin, jsonBody(map[string]any{
		"name": "嵊州市人民医院职工食堂", "kind": model.OrgCanteen, "region_code": "330683", "parent_id": w.other.ID,
		"payment_terms": model.TermsPrepay}))
	wantStatus(t, res, http.StatusOK)
	if o := decode[orgBody](t, res); o.Name != "嵊州市人民医院职工食堂" || o.ParentID == nil || *o.ParentID != w.other.ID ||
		o.PaymentTerms != model.TermsPrepay || o.TaxID != "" {
		t.Errorf("edited org = %+v", o)
	}
	if p := queryOne[int64](t, h, "SELECT parent_id FROM orgs WHERE id = ?", got.ID); p != w.other.ID {
		t.Errorf("stored parent_id = %d, want %d", p, w.other.ID)
	}
	// the tree never loops: parent cannot move under its own child
	res = h.callBad(t, http.MethodPatch, path(v1+"/admin/orgs", w.parent.ID), admin, jsonBody(map[string]any{
		"name": w.parent.Name, "kind": w.parent.Kind, "region_code": w.parent.RegionCode, "parent_id": w.child.ID}))
	wantError(t, res, http.StatusUnprocessableEntity, "invalid", "parent_id")
	res = h.callBad(t, http.MethodPatch, path(v1+"/admin/orgs", w.parent.ID), admin, jsonBody(map[string]any{
		"name": w.parent.Name, "kind": w.parent.Kind, "region_code": w.parent.RegionCode, "parent_id": w.parent.ID}))
	wantError(t, res, http.StatusUnprocessableEntity, "invalid", "parent_id")
	if _, ok := queryMaybe[int64](t, h, "SELECT parent_id FROM orgs WHERE id = ? AND parent_id IS NOT NULL", w.parent.ID); ok {
		t.Error("the parent org got a parent")
	}
	// names are unique
	res = h.callBad(t, http.MethodPost, v1+"/admin/orgs", admin, jsonBody(map[string]any{
		"name": w.child.Name, "kind": model.OrgCanteen, "region_code": "330604"}))
	wantError(t, res, http.StatusUnprocessableEntity, "invalid", "name")
	wantError(t, h.call(t, http.MethodPatch, path(v1+"/admin/orgs", 999999), admin, jsonBody(map[string]any{
		"name": "无此单位", "kind": model.OrgCanteen, "region_code": "330604"})), http.StatusNotFound, "not_found")
}

func testAdminUsers(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"buyer", map[string]any{"role": model.RoleBuyer, "org_id": w.child.ID}},
		{"approver", map[string]any{"role": model.RoleApprover, "org_id": w.child.ID}},
		{"org_admin", map[string]any{"role": model.RoleOrgAdmin, "org_id": w.child.ID}},
		{"supplier", map[string]any{"role": model.RoleSupplier, "supplier_id": w.supB.ID}},
		{"officer", map[string]any{"role": model.RoleOfficer, "region_code": "330600"}},
		{"consumer with region", map[string]any{"role": model.RoleConsumer, "region_code": "330602"}},
		{"admin", map[string]any{"role": model.RoleAdmin}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			username := "new-" + strings.ReplaceAll(tc.name, " ", "-")
			tc.body["username"], tc.body["password"] = username, "new-user-password"
			res := h.call(t, http.MethodPost, v1+"/admin/users", admin, jsonBody(tc.body))
			wantStatus(t, res, http.StatusCreated)
			got := decode[userBody](t, res)
			if got.Username != username || got.Role != tc.body["role"] || got.Disabled || got.EmployerStatus != "" {
				t.Errorf("created = %+v", got)
			}
			var role string
			var org, sup sql.NullInt64
			var region sql.NullString
			if err := h.store.DB().QueryRow("SELECT role, org_id, supplier_id, region_code FROM users WHERE id = ?", got.ID).
				Scan(&role, &org, &sup, &region); err != nil {
				t.Fatal(err)
			}
			stored := fmt.Sprintf("%s/%d/%d/%s", role, org.Int64, sup.Int64, region.String)
			want := fmt.Sprintf("%s/%d/%d/%s", tc.body["role"], orZero(tc.body["org_id"]), orZero(tc.body["supplier_id"]),
				orEmpty(tc.body["region_code"]))
			if stored != want {
				t.Errorf("stored role/org/supplier/region = %s, want %s", stored, want)
			}
			login(t, h, username, "new-user-password")
		})
	}

	list := decode[page[userBody]](t, h.call(t, http.MethodGet, v1+"/admin/users?role=buyer&org_id="+itoa(w.child.ID), admin, ""))
	if len(list.Items) != 1 || list.Items[0].Username != "new-buyer" || list.Total != 1 {
		t.Errorf("buyers of child = %+v, want new-buyer only", list.Items)
	}
	list = decode[page[userBody]](t, h.call(t, http.MethodGet, v1+"/admin/users?supplier_id="+itoa(w.supA.ID), admin, ""))
	if len(list.Items) != 1 || list.Items[0].Username != model.RoleSupplier {
		t.Errorf("users of supplier A = %+v, want supplier only", list.Items)
	}

	// role change keeps the ties it needs
	u := w.addUser(t, &model.User{Username: "promote-me", Role: model.RoleConsumer})
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/admin/users", u.ID), admin, `{"role": "buyer"}`),
		http.StatusUnprocessableEntity, "invalid", "org_id")
	res := h.call(t, http.MethodPatch, path(v1+"/admin/users", u.ID), admin, `{"role": "admin"}`)
	wantStatus(t, res, http.StatusOK)
	if got := queryOne[string](t, h, "SELECT role FROM users WHERE id = ?", u.ID); got != model.RoleAdmin {
		t.Errorf("stored role = %q, want admin", got)
	}
	wantError(t, h.call(t, http.MethodPatch, path(v1+"/admin/users", 999999), admin, `{"disabled": true}`),
		http.StatusNotFound, "not_found")
}

func orZero(v any) int64 {
	if v == nil {
		return 0
	}
	return v.(int64)
}

func orEmpty(v any) string {
	if v == nil {
		return ""
	}
	return v.(string)
}

func testAdminSuppliers(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	res := h.call(t, http.MethodPost, v1+"/admin/suppliers", admin, `{"name": "马边高山茶业有限公司", "region_code": "511133"}`)
	wantStatus(t, res, http.StatusCreated)
	got := decode[supplierBody](t, res)
	if got.Name != "马边高山茶业有限公司" || got.RegionCode != "511133" || got.Status != model.SupplierActive {
		t.Errorf("created = %+v, want active in 511133", got)
	}
	if s := queryOne[string](t, h, "SELECT status FROM suppliers WHERE id = ?", got.ID); s != model.SupplierActive {
		t.Errorf("stored status = %q", s)
	}
	list := decode[page[supplierBody]](t, h.call(t, http.MethodGet, v1+"/admin/suppliers?page_size=100", admin, ""))
	if want := queryOne[int64](t, h, "SELECT COUNT(*) FROM suppliers"); list.Total != want || int64(len(list.Items)) != want {
		t.Errorf("suppliers: total %d, %d items, want %d", list.Total, len(list.Items), want)
	}

	// suspended: B's product leaves the catalogue; active again: it is back
	visible := func() (bool, bool) {
		t.Helper()
		detail := h.getBad(t, path(v1+"/products", w.prodB)).Status == http.StatusOK
		listed := false
		for _, p := range decode[page[productSummary]](t, h.get(t, v1+"/products?page_size=100")).Items {
			listed = listed || p.ID == w.prodB
		}
		return detail, listed
	}
	for _, tc := range []struct {
		status            string
		wantDetail, wantL bool
	}{
		{model.SupplierSuspended, false, false},
		{model.SupplierPending, false, false},
		{model.SupplierActive, true, true},
	} {
		res := h.call(t, http.MethodPatch, path(v1+"/admin/suppliers", w.supB.ID), admin, jsonBody(map[string]string{"status": tc.status}))
		wantStatus(t, res, http.StatusOK)
		if got := decode[supplierBody](t, res); got.Status != tc.status {
			t.Errorf("status = %q, want %q", got.Status, tc.status)
		}
		if s := queryOne[string](t, h, "SELECT status FROM suppliers WHERE id = ?", w.supB.ID); s != tc.status {
			t.Errorf("stored status = %q, want %q", s, tc.status)
		}
		if d, l := visible(); d != tc.wantDetail || l != tc.wantL {
			t.Errorf("%s: product detail shown %v, listed %v; want %v, %v", tc.status, d, l, tc.wantDetail, tc.wantL)
		}
	}
	res = h.call(t, http.MethodPatch, path(v1+"/admin/suppliers", w.supB.ID), admin, `{"status": "suspended"}`)
	wantStatus(t, res, http.StatusOK)
	wantError(t, h.getBad(t, path(v1+"/products", w.prodB)), http.StatusNotFound, "not_found")
	wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/admin/suppliers", w.supB.ID), admin, `{"status": "active"}`), http.StatusOK)
	wantError(t, h.call(t, http.MethodPatch, path(v1+"/admin/suppliers", 999999), admin, `{"status": "active"}`),
		http.StatusNotFound, "not_found")

	// The credit code: checked with GB 32100, upper-cased, audited with the rest.
	res = h.call(t, http.MethodPost, v1+"/admin/suppliers", admin,
		`{"name": "马边彝族自治县青梅专业合作社二社", "region_code": "511133", "credit_code": "91330100716105852f"}`)
	wantStatus(t, res, http.StatusCreated)
	if got := decode[supplierBody](t, res); got.CreditCode != "91330100716105852F" {
		t.Errorf("credit code %q, want it upper-cased", got.CreditCode)
	}
	wantError(t, h.callBad(t, http.MethodPost, v1+"/admin/suppliers", admin,
		`{"name": "错码供应商", "region_code": "511133", "credit_code": "91330100716105852E"}`), http.StatusUnprocessableEntity, "invalid", "credit_code")
	res = h.call(t, http.MethodPatch, path(v1+"/admin/suppliers", w.supB.ID), admin, `{"credit_code": "9144030071526726XG"}`)
	wantStatus(t, res, http.StatusOK)
	if got := decode[supplierBody](t, res); got.CreditCode != "9144030071526726XG" || got.Status != model.SupplierActive {
		t.Errorf("after setting the code: %+v", got)
	}
	if c := queryOne[string](t, h, "SELECT credit_code FROM suppliers WHERE id = ?", w.supB.ID); c != "9144030071526726XG" {
		t.Errorf("stored credit code %q", c)
	}
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/admin/suppliers", w.supB.ID), admin, `{"credit_code": "12345"}`), http.StatusUnprocessableEntity, "invalid", "credit_code")
	wantError(t, h.callBad(t, http.MethodPatch, path(v1+"/admin/suppliers", w.supB.ID), admin, `{}`), http.StatusUnprocessableEntity, "invalid", "status")
}

func testAdminPairings(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	res := h.call(t, http.MethodPost, v1+"/admin/pairings", admin, jsonBody(map[string]any{
		"programme": model.ProgrammeMountainSea, "level": model.LevelCounty, "helper_code": "330683",
		"partner_code": "331121", "since_year": 2018}))
	wantStatus(t, res, http.StatusCreated)
	p := decode[pairing](t, res)
	if p.Programme != model.ProgrammeMountainSea || p.Helper.Code != "330683" || p.Partner.Code != "331121" ||
		p.SinceYear != 2018 || !p.Active || p.Helper.Name != "嵊州市" {
		t.Errorf("created pairing = %+v", p)
	}
	// the same pairing twice
	wantError(t, h.callBad(t, http.MethodPost, v1+"/admin/pairings", admin, jsonBody(map[string]any{
		"programme": model.ProgrammeMountainSea, "level": model.LevelCounty, "helper_code": "330683",
		"partner_code": "331121", "since_year": 2019})), http.StatusUnprocessableEntity, "invalid", "partner_code")

	for _, active := range []bool{false, true, false} {
		res := h.call(t, http.MethodPatch, path(v1+"/admin/pairings", p.ID), admin, jsonBody(map[string]bool{"active": active}))
		wantStatus(t, res, http.StatusOK)
		if got := decode[pairing](t, res); got.Active != active {
			t.Errorf("active = %v, want %v", got.Active, active)
		}
		if got := queryOne[bool](t, h, "SELECT active FROM pairings WHERE id = ?", p.ID); got != active {
			t.Errorf("stored active = %v, want %v", got, active)
		}
	}
	// an inactive pairing is listed for admins, not publicly
	found := func(items []pairing) bool {
		for _, x := range items {
			if x.ID == p.ID {
				return true
			}
		}
		return false
	}
	if !found(decode[page[pairing]](t, h.call(t, http.MethodGet, v1+"/admin/pairings", admin, "")).Items) {
		t.Error("admin list lacks the inactive pairing")
	}

	for _, cents := range []int64{300_000_000, 0, 450_000_000} {
		res := h.call(t, http.MethodPut, path(v1+"/admin/pairings", p.ID, "targets", 2026), admin,
			jsonBody(map[string]int64{"target_cents": cents}))
		wantStatus(t, res, http.StatusOK)
		if got := decode[targetBody](t, res); got != (targetBody{PairingID: p.ID, Year: 2026, TargetCents: cents}) {
			t.Errorf("target = %+v, want %d", got, cents)
		}
		if got := queryOne[int64](t, h, "SELECT target_cents FROM targets WHERE pairing_id = ? AND year = 2026", p.ID); got != cents {
			t.Errorf("stored target = %d, want %d", got, cents)
		}
	}
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM targets WHERE pairing_id = ?", p.ID); n != 1 {
		t.Errorf("%d target rows, want 1 per pairing and year", n)
	}
	wantError(t, h.call(t, http.MethodPut, path(v1+"/admin/pairings", 999999, "targets", 2026), admin, `{"target_cents": 1}`),
		http.StatusNotFound, "not_found")
	wantError(t, h.call(t, http.MethodPatch, path(v1+"/admin/pairings", 999999), admin, `{"active": true}`),
		http.StatusNotFound, "not_found")
}

func testAdminReference(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	res := h.call(t, http.MethodPost, v1+"/admin/regions", admin, jsonBody(map[string]string{
		"code": "330698", "name": "滨海示范区", "level": model.LevelCounty, "parent_code": "330600", "side": model.SideHelper}))
	wantStatus(t, res, http.StatusCreated)
	if got := decode[region](t, res); got.Code != "330698" || got.ParentCode == nil || *got.ParentCode != "330600" {
		t.Errorf("created region = %+v", got)
	}
	if got := queryOne[string](t, h, "SELECT name FROM regions WHERE code = '330698'"); got != "滨海示范区" {
		t.Errorf("stored name = %q", got)
	}
	// the new region is usable at once
	wantStatus(t, h.call(t, http.MethodPost, v1+"/admin/orgs", admin, jsonBody(map[string]string{
		"name": "示范区食堂", "kind": model.OrgCanteen, "region_code": "330698"})), http.StatusCreated)
	wantError(t, h.callBad(t, http.MethodPost, v1+"/admin/regions", admin, jsonBody(map[string]string{
		"code": "330698", "name": "重复", "level": model.LevelCounty, "parent_code": "330600", "side": model.SideHelper})),
		http.StatusUnprocessableEntity, "invalid", "code")
	all := decode[page[region]](t, h.call(t, http.MethodGet, v1+"/admin/regions", admin, ""))
	if want := queryOne[int64](t, h, "SELECT COUNT(*) FROM regions"); all.Total != want {
		t.Errorf("admin regions total %d, want %d", all.Total, want)
	}

	res = h.call(t, http.MethodPost, v1+"/admin/categories", admin, `{"code": "bamboo_shoots", "name": "笋干"}`)
	wantStatus(t, res, http.StatusCreated)
	if got := decode[category](t, res); got != (category{Code: "bamboo_shoots", Name: "笋干"}) {
		t.Errorf("created category = %+v", got)
	}
	wantError(t, h.callBad(t, http.MethodPost, v1+"/admin/categories", admin, `{"code": "grain_oil", "name": "又一个粮油"}`),
		http.StatusUnprocessableEntity, "invalid", "code")
	cats := decode[page[category]](t, h.call(t, http.MethodGet, v1+"/admin/categories", admin, ""))
	if want := queryOne[int64](t, h, "SELECT COUNT(*) FROM categories"); cats.Total != want {
		t.Errorf("admin categories total %d, want %d", cats.Total, want)
	}
}

func testAdminCertification(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	res := h.call(t, http.MethodPut, path(v1+"/admin/products", w.prodA, "certification"), admin, jsonBody(map[string]string{
		"certificate_no": "LS-JKH-2026-015", "issuer": "乐山市农业农村局", "batch": "2026-1",
		"valid_from": "2020-01-01", "valid_to": "2099-12-31"}))
	wantStatus(t, res, http.StatusOK)
	got := decode[certification](t, res)
	want := certification{CertificateNo: "LS-JKH-2026-015", Issuer: "乐山市农业农村局", Batch: "2026-1",
		ValidFrom: "2020-01-01", ValidTo: "2099-12-31", Status: model.CertValid, ValidToday: true}
	if got != want {
		t.Errorf("certification = %+v, want %+v", got, want)
	}
	if d := decode[product](t, h.get(t, path(v1+"/products", w.prodA))); !d.Certified || d.Certification == nil ||
		d.Certification.CertificateNo != want.CertificateNo {
		t.Errorf("product after certification: certified %v, %+v", d.Certified, d.Certification)
	}

	res = h.call(t, http.MethodDelete, path(v1+"/admin/products", w.prodA, "certification"), admin, "")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(string(res.Body), `"products":[`+itoa(w.prodA)+`]`) {
		t.Errorf("revocation names the products it affects: %s", res.Body)
	}
	if s := queryOne[string](t, h, "SELECT status FROM certifications WHERE product_id = ? ORDER BY id DESC LIMIT 1", w.prodA); s != model.CertRevoked {
		t.Errorf("stored status = %q, want revoked", s)
	}
	if d := decode[product](t, h.get(t, path(v1+"/products", w.prodA))); d.Certified || d.Certification == nil ||
		d.Certification.Status != model.CertRevoked {
		t.Errorf("product after revocation: certified %v, %+v", d.Certified, d.Certification)
	}
	// nothing left to revoke
	wantError(t, h.call(t, http.MethodDelete, path(v1+"/admin/products", w.prodA, "certification"), admin, ""),
		http.StatusNotFound, "not_found")
	wantError(t, h.call(t, http.MethodDelete, path(v1+"/admin/products", 999999, "certification"), admin, ""),
		http.StatusNotFound, "not_found")
	wantError(t, h.call(t, http.MethodPut, path(v1+"/admin/products", 999999, "certification"), admin, jsonBody(map[string]string{
		"certificate_no": "X-1", "issuer": "某局", "valid_from": "2026-01-01", "valid_to": "2026-12-31"})),
		http.StatusNotFound, "not_found")
}

// badCase is one request that must be refused with 422 naming fields.
type badCase struct {
	name, method, target, token, body string
	wantFields                        []string
}

func runBadCases(t *testing.T, h *harness, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := h.callBad(t, tc.method, tc.target, tc.token, tc.body)
			wantError(t, res, http.StatusUnprocessableEntity, "invalid", tc.wantFields...)
		})
	}
}

// tables whose row counts bad input must leave alone.
var writtenTables = []string{"orgs", "users", "suppliers", "pairings", "targets", "regions", "categories",
	"products", "skus", "certifications", "filings", "audits"}

func rowCounts(t *testing.T, h *harness) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range writtenTables {
		out[table] = queryOne[int64](t, h, "SELECT COUNT(*) FROM "+table)
	}
	return out
}

func testAdminBadInput(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	long := func(n int) string { return strings.Repeat("山", n) }
	org := func(mod map[string]any) string {
		body := map[string]any{"name": "某单位", "kind": model.OrgCanteen, "region_code": "330604"}
		for k, v := range mod {
			body[k] = v
		}
		return jsonBody(body)
	}
	user := func(mod map[string]any) string {
		body := map[string]any{"username": "someone", "password": "someone-password", "role": model.RoleConsumer}
		for k, v := range mod {
			body[k] = v
		}
		return jsonBody(body)
	}
	pairingBody := func(mod map[string]any) string {
		body := map[string]any{"programme": model.ProgrammeEastWest, "level": model.LevelCounty,
			"helper_code": "330624", "partner_code": "511132", "since_year": 2021}
		for k, v := range mod {
			body[k] = v
		}
		return jsonBody(body)
	}
	cert := func(mod map[string]any) string {
		body := map[string]any{"certificate_no": "C-1", "issuer": "某局", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
		for k, v := range mod {
			body[k] = v
		}
		return jsonBody(body)
	}
	// invalid bytes, which encoding/json turns into U+FFFD
	const badUTF8 = "\"\xff\xfe名\""
	orgs, users, suppliers := v1+"/admin/orgs", v1+"/admin/users", v1+"/admin/suppliers"
	before := rowCounts(t, h)

	runBadCases(t, h, []badCase{
		{"org: empty name", "POST", orgs, admin, org(map[string]any{"name": ""}), []string{"name"}},
		{"org: blank name", "POST", orgs, admin, org(map[string]any{"name": "  \t "}), []string{"name"}},
		{"org: overlong name", "POST", orgs, admin, org(map[string]any{"name": long(129)}), []string{"name"}},
		{"org: non-UTF-8 name", "POST", orgs, admin,
			`{"name": ` + badUTF8 + `, "kind": "canteen", "region_code": "330604"}`, []string{"name"}},
		{"org: replacement character", "POST", orgs, admin, org(map[string]any{"name": "食堂\ufffd"}), []string{"name"}},
		{"org: control character", "POST", orgs, admin, org(map[string]any{"name": "食\x00堂"}), []string{"name"}},
		{"org: unknown kind", "POST", orgs, admin, org(map[string]any{"kind": "bakery"}), []string{"kind"}},
		{"org: unknown region", "POST", orgs, admin, org(map[string]any{"region_code": "999999"}), []string{"region_code"}},
		{"org: partner region", "POST", orgs, admin, org(map[string]any{"region_code": "511113"}), []string{"region_code"}},
		{"org: no region", "POST", orgs, admin, org(map[string]any{"region_code": ""}), []string{"region_code"}},
		{"org: unknown parent", "POST", orgs, admin, org(map[string]any{"parent_id": 999999}), []string{"parent_id"}},
		{"org: unknown terms", "POST", orgs, admin, org(map[string]any{"payment_terms": "credit"}), []string{"payment_terms"}},
		{"org: unknown credit kind", "POST", orgs, admin, org(map[string]any{"credit_kind": "gift"}), []string{"credit_kind"}},
		{"org: unknown sector", "POST", orgs, admin, org(map[string]any{"sector": "army"}), []string{"sector"}},
		{"org: negative threshold", "POST", orgs, admin, org(map[string]any{"approval_threshold_cents": -1}), []string{"approval_threshold_cents"}},
		{"org: bad tax id", "POST", orgs, admin, org(map[string]any{"tax_id": "123"}), []string{"tax_id"}},
		{"org: overlong invoice title", "POST", orgs, admin, org(map[string]any{"invoice_title": long(129)}), []string{"invoice_title"}},
		{"org: everything wrong", "POST", orgs, admin, org(map[string]any{"name": "", "kind": "x", "region_code": "1",
			"parent_id": 999999, "payment_terms": "x", "credit_kind": "x", "approval_threshold_cents": -5, "tax_id": "x"}),
			[]string{"name", "kind", "region_code", "parent_id", "payment_terms", "credit_kind", "approval_threshold_cents", "tax_id"}},
		{"org edit: unknown kind", "PATCH", path(orgs, w.other.ID), admin,
			org(map[string]any{"name": w.other.Name, "kind": "bakery", "region_code": "330603"}), []string{"kind"}},

		{"user: unknown role", "POST", users, admin, user(map[string]any{"role": "superuser"}), []string{"role"}},
		{"user: empty role", "POST", users, admin, user(map[string]any{"role": ""}), []string{"role"}},
		{"user: empty username", "POST", users, admin, user(map[string]any{"username": ""}), []string{"username"}},
		{"user: overlong username", "POST", users, admin, user(map[string]any{"username": strings.Repeat("a", 65)}), []string{"username"}},
		{"user: non-UTF-8 username", "POST", users, admin,
			`{"username": ` + badUTF8 + `, "password": "someone-password", "role": "consumer"}`, []string{"username"}},
		{"user: username with a space", "POST", users, admin, user(map[string]any{"username": "zhang wei"}), []string{"username"}},
		{"user: short password", "POST", users, admin, user(map[string]any{"password": "short"}), []string{"password"}},
		{"user: overlong password", "POST", users, admin, user(map[string]any{"password": strings.Repeat("p", 73)}), []string{"password"}},
		{"user: buyer without org", "POST", users, admin, user(map[string]any{"role": model.RoleBuyer}), []string{"org_id"}},
		{"user: buyer of an unknown org", "POST", users, admin, user(map[string]any{"role": model.RoleBuyer, "org_id": 999999}), []string{"org_id"}},
		{"user: consumer with org", "POST", users, admin, user(map[string]any{"org_id": w.parent.ID}), []string{"org_id"}},
		{"user: supplier without supplier", "POST", users, admin, user(map[string]any{"role": model.RoleSupplier}), []string{"supplier_id"}},
		{"user: unknown supplier", "POST", users, admin, user(map[string]any{"role": model.RoleSupplier, "supplier_id": 999999}), []string{"supplier_id"}},
		{"user: admin with supplier", "POST", users, admin, user(map[string]any{"role": model.RoleAdmin, "supplier_id": w.supA.ID}), []string{"supplier_id"}},
		{"user: officer without scope", "POST", users, admin, user(map[string]any{"role": model.RoleOfficer}), []string{"region_code"}},
		{"user: officer of an unknown region", "POST", users, admin,
			user(map[string]any{"role": model.RoleOfficer, "region_code": "999999"}), []string{"region_code"}},
		{"user: everything wrong", "POST", users, admin, `{"username": "", "password": "", "role": "king"}`,
			[]string{"username", "password", "role"}},
		{"user edit: unknown role", "PATCH", path(users, w.users["victim"].ID), admin, `{"role": "king"}`, []string{"role"}},
		{"user edit: short password", "PATCH", path(users, w.users["victim"].ID), admin, `{"password": "short"}`, []string{"password"}},
		{"user edit: nothing", "PATCH", path(users, w.users["victim"].ID), admin, `{}`, []string{"body"}},

		{"supplier: helper region", "POST", suppliers, admin, `{"name": "上虞某公司", "region_code": "330604"}`, []string{"region_code"}},
		{"supplier: helper city", "POST", suppliers, admin, `{"name": "绍兴某公司", "region_code": "330600"}`, []string{"region_code"}},
		{"supplier: partner city", "POST", suppliers, admin, `{"name": "乐山某公司", "region_code": "511100"}`, []string{"region_code"}},
		{"supplier: unknown region", "POST", suppliers, admin, `{"name": "某公司", "region_code": "999999"}`, []string{"region_code"}},
		{"supplier: not a code", "POST", suppliers, admin, `{"name": "某公司", "region_code": "峨边"}`, []string{"region_code"}},
		{"supplier: empty name", "POST", suppliers, admin, `{"name": "", "region_code": "511113"}`, []string{"name"}},
		{"supplier: overlong name", "POST", suppliers, admin, jsonBody(map[string]string{"name": long(129), "region_code": "511113"}), []string{"name"}},
		{"supplier: non-UTF-8 name", "POST", suppliers, admin, `{"name": ` + badUTF8 + `, "region_code": "511113"}`, []string{"name"}},
		{"supplier: both", "POST", suppliers, admin, `{"name": "", "region_code": "330604"}`, []string{"name", "region_code"}},
		{"supplier: duplicate name", "POST", suppliers, admin, jsonBody(map[string]string{"name": w.supA.Name, "region_code": "511113"}), []string{"name"}},
		{"supplier status: unknown", "PATCH", path(suppliers, w.spare.ID), admin, `{"status": "closed"}`, []string{"status"}},
		{"supplier status: empty", "PATCH", path(suppliers, w.spare.ID), admin, `{}`, []string{"status"}},

		{"pairing: unknown programme", "POST", v1 + "/admin/pairings", admin, pairingBody(map[string]any{"programme": "north_south"}), []string{"programme"}},
		{"pairing: unknown level", "POST", v1 + "/admin/pairings", admin, pairingBody(map[string]any{"level": "town"}), []string{"level"}},
		{"pairing: unknown helper", "POST", v1 + "/admin/pairings", admin, pairingBody(map[string]any{"helper_code": "999999"}), []string{"helper_code"}},
		{"pairing: partner as helper", "POST", v1 + "/admin/pairings", admin, pairingBody(map[string]any{"helper_code": "511113"}), []string{"helper_code"}},
		{"pairing: helper as partner", "POST", v1 + "/admin/pairings", admin, pairingBody(map[string]any{"partner_code": "330603"}), []string{"partner_code"}},
		{"pairing: levels differ", "POST", v1 + "/admin/pairings", admin, pairingBody(map[string]any{"helper_code": "330600"}), []string{"helper_code"}},
		{"pairing: year", "POST", v1 + "/admin/pairings", admin, pairingBody(map[string]any{"since_year": 1900}), []string{"since_year"}},
		{"pairing edit: no active", "PATCH", path(v1+"/admin/pairings", w.pairing), admin, `{}`, []string{"active"}},
		{"target: negative", "PUT", path(v1+"/admin/pairings", w.pairing, "targets", 2026), admin, `{"target_cents": -1}`, []string{"target_cents"}},
		{"target: missing", "PUT", path(v1+"/admin/pairings", w.pairing, "targets", 2026), admin, `{}`, []string{"target_cents"}},
		{"target: year", "PUT", path(v1+"/admin/pairings", w.pairing, "targets", 1999), admin, `{"target_cents": 1}`, []string{"year"}},

		{"region: code", "POST", v1 + "/admin/regions", admin,
			`{"code": "33069", "name": "某区", "level": "county", "parent_code": "330600", "side": "helper"}`, []string{"code"}},
		{"region: level", "POST", v1 + "/admin/regions", admin,
			`{"code": "330697", "name": "某区", "level": "village", "parent_code": "330600", "side": "helper"}`, []string{"level"}},
		{"region: side", "POST", v1 + "/admin/regions", admin,
			`{"code": "330697", "name": "某区", "level": "county", "parent_code": "330600", "side": "middle"}`, []string{"side"}},
		{"region: county without parent", "POST", v1 + "/admin/regions", admin,
			`{"code": "330697", "name": "某区", "level": "county", "side": "helper"}`, []string{"parent_code"}},
		{"region: unknown parent", "POST", v1 + "/admin/regions", admin,
			`{"code": "330697", "name": "某区", "level": "county", "parent_code": "999900", "side": "helper"}`, []string{"parent_code"}},
		{"region: parent a level off", "POST", v1 + "/admin/regions", admin,
			`{"code": "330697", "name": "某区", "level": "county", "parent_code": "330000", "side": "helper"}`, []string{"parent_code"}},
		{"region: non-UTF-8 name", "POST", v1 + "/admin/regions", admin,
			`{"code": "330697", "name": ` + badUTF8 + `, "level": "county", "parent_code": "330600", "side": "helper"}`, []string{"name"}},
		{"category: code", "POST", v1 + "/admin/categories", admin, `{"code": "Tea!", "name": "茶"}`, []string{"code"}},
		{"category: empty name", "POST", v1 + "/admin/categories", admin, `{"code": "dried", "name": ""}`, []string{"name"}},
		{"category: overlong name", "POST", v1 + "/admin/categories", admin, jsonBody(map[string]string{"code": "dried", "name": long(65)}), []string{"name"}},
		{"category: non-UTF-8 name", "POST", v1 + "/admin/categories", admin, `{"code": "dried", "name": ` + badUTF8 + `}`, []string{"name"}},

		{"certification: bad date", "PUT", path(v1+"/admin/products", w.prodA, "certification"), admin,
			cert(map[string]any{"valid_from": "2026-13-01"}), []string{"valid_from"}},
		{"certification: not a date", "PUT", path(v1+"/admin/products", w.prodA, "certification"), admin,
			cert(map[string]any{"valid_to": "next year"}), []string{"valid_to"}},
		{"certification: ends before it starts", "PUT", path(v1+"/admin/products", w.prodA, "certification"), admin,
			cert(map[string]any{"valid_from": "2026-06-01", "valid_to": "2026-05-31"}), []string{"valid_to"}},
		{"certification: no number or issuer", "PUT", path(v1+"/admin/products", w.prodA, "certification"), admin,
			cert(map[string]any{"certificate_no": "", "issuer": ""}), []string{"certificate_no", "issuer"}},
		{"certification: non-UTF-8 issuer", "PUT", path(v1+"/admin/products", w.prodA, "certification"), admin,
			`{"certificate_no": "C-1", "issuer": ` + badUTF8 + `, "valid_from": "2026-01-01", "valid_to": "2026-12-31"}`, []string{"issuer"}},
	})

	// Wrong JSON types are a 400 naming the field, never a 500.
	for _, tc := range []struct{ name, method, target, body, field string }{
		{"org kind as number", "POST", orgs, `{"name": "x", "kind": 5, "region_code": "330604"}`, "kind"},
		{"threshold as string", "POST", orgs, `{"name": "x", "kind": "canteen", "region_code": "330604", "approval_threshold_cents": "100"}`, "approval_threshold_cents"},
		{"threshold as fraction", "POST", orgs, `{"name": "x", "kind": "canteen", "region_code": "330604", "approval_threshold_cents": 1.5}`, "approval_threshold_cents"},
		{"active as string", "PATCH", path(v1+"/admin/pairings", w.pairing), `{"active": "yes"}`, "active"},
		{"target beyond int64", "PUT", path(v1+"/admin/pairings", w.pairing, "targets", 2026), `{"target_cents": 99999999999999999999}`, "target_cents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, h.callBad(t, tc.method, tc.target, admin, tc.body), http.StatusBadRequest, "malformed_json", tc.field)
		})
	}

	if after := rowCounts(t, h); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("bad input wrote rows: before %v, after %v", before, after)
	}
}

// TestAudit: every audited change is in the trail with who, when, before and
// after, written with the change; refused changes leave no record.
func TestAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		admin := w.token(t, model.RoleAdmin)
		adminID := w.users[model.RoleAdmin].ID
		orgAdmin, orgAdminID := w.token(t, model.RoleOrgAdmin), w.users[model.RoleOrgAdmin].ID
		childAdmin, childAdminID := w.token(t, "child_admin"), w.users["child_admin"].ID
		start := time.Now().Add(-time.Minute)

		// ids of objects the steps create, filled in as they run
		var newPairing, newSupplier, newUser, childFiling int64
		id := func(p *int64) func() string { return func() string { return itoa(*p) } }
		constID := func(s string) func() string { return func() string { return s } }

		for _, step := range []struct {
			name                  string
			method, token, body   string
			target                func() string
			created               *int64 // set from the answer's "id"
			action, entity        string
			entityID              func() string
			actor                 int64
			wantBefore, wantAfter map[string]any // nil: JSON null; fields compared by name, any case
			wantReason            string
			fromAll               []string // text that must appear nowhere in before/after
		}{
			{name: "pairing create", method: "POST", token: admin, target: constID(v1 + "/admin/pairings"),
				body: jsonBody(map[string]any{"programme": model.ProgrammeMountainSea, "level": model.LevelCounty,
					"helper_code": "330604", "partner_code": "331127", "since_year": 2015}),
				created: &newPairing, action: "pairing.create", entity: "pairing", entityID: id(&newPairing), actor: adminID,
				wantAfter: map[string]any{"helper_code": "330604", "partner_code": "331127", "active": true, "since_year": 2015}},
			{name: "pairing off", method: "PATCH", token: admin, target: func() string { return path(v1+"/admin/pairings", newPairing) },
				body: `{"active": false}`, action: "pairing.update", entity: "pairing", entityID: id(&newPairing), actor: adminID,
				wantBefore: map[string]any{"active": true}, wantAfter: map[string]any{"active": false}},
			{name: "target set", method: "PUT", token: admin, target: func() string { return path(v1+"/admin/pairings", w.pairing, "targets", 2026) },
				body: `{"target_cents": 800000000}`, action: "target.set", entity: "target",
				entityID: constID(itoa(w.pairing) + "/2026"), actor: adminID,
				wantAfter: map[string]any{"target_cents": 800000000, "year": 2026, "pairing_id": w.pairing}},
			{name: "target changed", method: "PUT", token: admin, target: func() string { return path(v1+"/admin/pairings", w.pairing, "targets", 2026) },
				body: `{"target_cents": 900000000}`, action: "target.set", entity: "target",
				entityID: constID(itoa(w.pairing) + "/2026"), actor: adminID,
				wantBefore: map[string]any{"target_cents": 800000000}, wantAfter: map[string]any{"target_cents": 900000000}},
			{name: "certify", method: "PUT", token: admin, target: func() string { return path(v1+"/admin/products", w.prodA, "certification") },
				body: jsonBody(map[string]string{"certificate_no": "LS-2026-077", "issuer": "乐山市农业农村局",
					"valid_from": "2026-01-01", "valid_to": "2026-12-31"}),
				action: "certification.set", entity: "product", entityID: constID(itoa(w.prodA)), actor: adminID,
				wantAfter: map[string]any{"certificate_no": "LS-2026-077", "status": model.CertValid, "valid_to": "2026-12-31"}},
			{name: "revoke", method: "DELETE", token: admin, target: func() string { return path(v1+"/admin/products", w.prodA, "certification") },
				action: "certification.revoke", entity: "product", entityID: constID(itoa(w.prodA)), actor: adminID,
				wantBefore: map[string]any{"certificate_no": "LS-2026-077", "status": model.CertValid},
				wantAfter:  map[string]any{"certificate_no": "LS-2026-077", "status": model.CertRevoked}},
			{name: "supplier create", method: "POST", token: admin, target: constID(v1 + "/admin/suppliers"),
				body: `{"name": "景宁畲乡茶业有限公司", "region_code": "331127"}`, created: &newSupplier,
				action: "supplier.create", entity: "supplier", entityID: id(&newSupplier), actor: adminID,
				wantAfter: map[string]any{"name": "景宁畲乡茶业有限公司", "status": model.SupplierActive, "region_code": "331127"}},
			{name: "supplier suspended", method: "PATCH", token: admin, target: func() string { return path(v1+"/admin/suppliers", newSupplier) },
				body: `{"status": "suspended"}`, action: "supplier.update", entity: "supplier", entityID: id(&newSupplier), actor: adminID,
				wantBefore: map[string]any{"status": model.SupplierActive}, wantAfter: map[string]any{"status": model.SupplierSuspended}},
			{name: "user create", method: "POST", token: admin, target: constID(v1 + "/admin/users"),
				body:    `{"username": "audited", "password": "audited-secret-pw", "role": "buyer", "org_id": ` + itoa(w.child.ID) + `}`,
				created: &newUser, action: "user.create", entity: "user", entityID: id(&newUser), actor: adminID,
				wantAfter: map[string]any{"username": "audited", "role": model.RoleBuyer, "org_id": w.child.ID},
				fromAll:   []string{"audited-secret-pw", "$2a$", "password_hash", "PasswordHash"}},
			{name: "user update", method: "PATCH", token: admin, target: func() string { return path(v1+"/admin/users", newUser) },
				body: `{"role": "approver", "password": "another-secret-pw"}`, action: "user.update", entity: "user",
				entityID: id(&newUser), actor: adminID,
				wantBefore: map[string]any{"role": model.RoleBuyer, "disabled": false},
				wantAfter:  map[string]any{"role": model.RoleApprover, "disabled": false},
				fromAll:    []string{"another-secret-pw", "audited-secret-pw", "$2a$", "password_hash", "PasswordHash"}},
			{name: "filing put", method: "PUT", token: childAdmin, target: func() string { return path(v1+"/orgs", w.child.ID, "filings", 2027) },
				body:    `{"canteen_status": "has", "food_budget_cents": 20000000, "reserved_ratio_bp": 3000}`,
				created: &childFiling, action: "filing.put", entity: "filing", entityID: id(&childFiling), actor: childAdminID,
				wantAfter: map[string]any{"status": model.FilingDraft, "reserved_ratio_bp": 3000, "food_budget_cents": 20000000}},
			{name: "filing submit", method: "POST", token: childAdmin, target: func() string { return path(v1+"/orgs", w.child.ID, "filings", 2027, "submit") },
				action: "filing.submit", entity: "filing", entityID: id(&childFiling), actor: childAdminID,
				wantBefore: map[string]any{"status": model.FilingDraft}, wantAfter: map[string]any{"status": model.FilingSubmitted}},
			{name: "filing return", method: "POST", token: orgAdmin, target: func() string { return path(v1+"/orgs", w.child.ID, "filings", 2027, "return") },
				body: `{"comment": "比例偏低，请说明"}`, action: "filing.return", entity: "filing", entityID: id(&childFiling), actor: orgAdminID,
				wantBefore: map[string]any{"status": model.FilingSubmitted},
				wantAfter:  map[string]any{"status": model.FilingReturned, "review_comment": "比例偏低，请说明"},
				wantReason: "比例偏低，请说明"},
			{name: "filing edited", method: "PUT", token: childAdmin, target: func() string { return path(v1+"/orgs", w.child.ID, "filings", 2027) },
				body:   `{"canteen_status": "has", "food_budget_cents": 20000000, "reserved_ratio_bp": 3500}`,
				action: "filing.put", entity: "filing", entityID: id(&childFiling), actor: childAdminID,
				wantBefore: map[string]any{"status": model.FilingReturned, "reserved_ratio_bp": 3000},
				wantAfter:  map[string]any{"status": model.FilingDraft, "reserved_ratio_bp": 3500}},
			{name: "filing resubmit", method: "POST", token: childAdmin, target: func() string { return path(v1+"/orgs", w.child.ID, "filings", 2027, "submit") },
				action: "filing.submit", entity: "filing", entityID: id(&childFiling), actor: childAdminID,
				wantBefore: map[string]any{"status": model.FilingDraft}, wantAfter: map[string]any{"status": model.FilingSubmitted}},
			{name: "filing approve", method: "POST", token: orgAdmin, target: func() string { return path(v1+"/orgs", w.child.ID, "filings", 2027, "approve") },
				body: `{"comment": "同意"}`, action: "filing.approve", entity: "filing", entityID: id(&childFiling), actor: orgAdminID,
				wantBefore: map[string]any{"status": model.FilingSubmitted},
				wantAfter:  map[string]any{"status": model.FilingApproved, "reviewed_by": orgAdminID},
				wantReason: "同意"},
		} {
			t.Run(step.name, func(t *testing.T) {
				auditsBefore := queryOne[int64](t, h, "SELECT COUNT(*) FROM audits")
				res := h.call(t, step.method, step.target(), step.token, step.body)
				if res.Status >= 300 {
					t.Fatalf("%s %s → %d: %s", step.method, step.target(), res.Status, truncate(res.Body))
				}
				if step.created != nil && *step.created == 0 {
					var v struct {
						ID int64 `json:"id"`
					}
					if err := json.Unmarshal(res.Body, &v); err != nil || v.ID == 0 {
						t.Fatalf("no id in %s", truncate(res.Body))
					}
					*step.created = v.ID
				}
				// exactly one record per change, in the database
				if got := queryOne[int64](t, h, "SELECT COUNT(*) FROM audits"); got != auditsBefore+1 {
					t.Errorf("%d audit rows written, want 1", got-auditsBefore)
				}

				reqID := res.Header.Get("X-Request-ID")
				list := decode[page[auditBody]](t, h.call(t, http.MethodGet,
					v1+"/admin/audit?page_size=100&entity="+step.entity+"&entity_id="+step.entityID(), admin, ""))
				var got *auditBody
				for i, a := range list.Items {
					if a.RequestID == reqID {
						got = &list.Items[i]
					}
				}
				if got == nil {
					t.Fatalf("no audit record of request %s among %d for %s %s", reqID, len(list.Items), step.entity, step.entityID())
				}
				if got.Action != step.action || got.Entity != step.entity || got.EntityID != step.entityID() ||
					got.ActorID == nil || *got.ActorID != step.actor || got.Reason != step.wantReason {
					t.Errorf("record = action %q entity %s/%s actor %v reason %q; want %q %s/%s %d %q", got.Action, got.Entity,
						got.EntityID, got.ActorID, got.Reason, step.action, step.entity, step.entityID(), step.actor, step.wantReason)
				}
				when, err := time.Parse(time.RFC3339, got.CreatedAt)
				if err != nil || when.Before(start.Truncate(time.Second)) || when.After(time.Now().Add(time.Minute)) ||
					!strings.HasSuffix(got.CreatedAt, "+08:00") {
					t.Errorf("created_at = %q, want now in +08:00", got.CreatedAt)
				}
				checkSnapshot(t, "before", got.Before, step.wantBefore)
				checkSnapshot(t, "after", got.After, step.wantAfter)
				for _, s := range step.fromAll {
					if bytes.Contains(got.Before, []byte(s)) || bytes.Contains(got.After, []byte(s)) {
						t.Errorf("the record holds %q: before %s after %s", s, got.Before, got.After)
					}
				}
			})
		}

		t.Run("filters", func(t *testing.T) {
			byActor := decode[page[auditBody]](t, h.call(t, http.MethodGet, v1+"/admin/audit?page_size=100&actor_id="+itoa(childAdminID), admin, ""))
			if byActor.Total != 4 {
				t.Errorf("records by the child's admin = %d, want 4 (put, submit, put, submit)", byActor.Total)
			}
			for _, a := range byActor.Items {
				if a.ActorID == nil || *a.ActorID != childAdminID {
					t.Errorf("actor filter returned %+v", a)
				}
			}
			all := decode[page[auditBody]](t, h.call(t, http.MethodGet, v1+"/admin/audit?page_size=100", admin, ""))
			if want := queryOne[int64](t, h, "SELECT COUNT(*) FROM audits"); all.Total != want {
				t.Errorf("total = %d, want %d", all.Total, want)
			}
			for i := 1; i < len(all.Items); i++ {
				if all.Items[i].ID > all.Items[i-1].ID {
					t.Errorf("not newest first: %d after %d", all.Items[i].ID, all.Items[i-1].ID)
					break
				}
			}
		})

		t.Run("refused changes leave no record", func(t *testing.T) {
			n := queryOne[int64](t, h, "SELECT COUNT(*) FROM audits")
			h.callBad(t, "PUT", path(v1+"/admin/pairings", w.pairing, "targets", 2026), admin, `{"target_cents": -1}`)
			h.callBad(t, "PATCH", path(v1+"/admin/suppliers", newSupplier), admin, `{"status": "gone"}`)
			h.call(t, "POST", path(v1+"/orgs", w.child.ID, "filings", 2027, "approve"), orgAdmin, `{"comment": "再次同意"}`)
			h.call(t, "PATCH", path(v1+"/admin/users", newUser), w.token(t, model.RoleOrgAdmin), `{"disabled": true}`)
			if got := queryOne[int64](t, h, "SELECT COUNT(*) FROM audits"); got != n {
				t.Errorf("%d records written by refused changes", got-n)
			}
		})
	})
}

// checkSnapshot compares the fields of a recorded state with want, matching
// names without regard to case or underscores (ReservedRatioBP, reserved_ratio_bp).
func checkSnapshot(t *testing.T, which string, raw json.RawMessage, want map[string]any) {
	t.Helper()
	if want == nil {
		if string(raw) != "null" {
			t.Errorf("%s = %s, want null", which, raw)
		}
		return
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var got map[string]any
	if err := dec.Decode(&got); err != nil || got == nil {
		t.Errorf("%s = %s, want an object", which, raw)
		return
	}
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	for k, v := range want {
		found := false
		for gk, gv := range got {
			if norm(gk) == norm(k) {
				found = true
				if fmt.Sprint(gv) != fmt.Sprint(v) {
					t.Errorf("%s.%s = %v, want %v", which, k, gv, v)
				}
			}
		}
		if !found {
			t.Errorf("%s has no %s: %s", which, k, raw)
		}
	}
}

// TestProgrammeRules: an admin changes whether a programme needs certified
// products from a date on — never before today (the ledger is not
// rewritten), once per date — audited; the list shows today's rule.
func TestProgrammeRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		admin := w.token(t, model.RoleAdmin)
		today := model.DateOf(time.Now())
		yesterday := model.DateOf(time.Now().AddDate(0, 0, -1))
		rules := v1 + "/admin/programmes/mountain_sea/rules"
		for _, tc := range []struct {
			name, target, body string
			status             int
			code               string
			fields             []string
		}{
			{"yesterday", rules, `{"requires_certificate": true, "effective_from": "` + yesterday + `"}`, 422, "invalid", []string{"effective_from"}},
			{"not a date", rules, `{"requires_certificate": true, "effective_from": "2027-02-30"}`, 422, "invalid", []string{"effective_from"}},
			{"no rule", rules, `{"effective_from": "` + today + `"}`, 422, "invalid", []string{"requires_certificate"}},
			{"unknown programme", v1 + "/admin/programmes/west_east/rules", `{"requires_certificate": true, "effective_from": "` + today + `"}`,
				422, "invalid", []string{"programme"}},
		} {
			wantError(t, h.callBad(t, http.MethodPost, tc.target, admin, tc.body), tc.status, tc.code, tc.fields...)
		}
		wantError(t, h.call(t, http.MethodPost, rules, w.token(t, model.RoleOfficer), `{"requires_certificate": true, "effective_from": "`+today+`"}`),
			http.StatusForbidden, "forbidden")

		res := h.call(t, http.MethodPost, rules, admin, `{"requires_certificate": true, "effective_from": "`+today+`", "note": "省里要求认定"}`)
		wantStatus(t, res, http.StatusCreated)
		wantError(t, h.call(t, http.MethodPost, rules, admin, `{"requires_certificate": false, "effective_from": "`+today+`"}`),
			http.StatusConflict, "rule_exists")
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM audits WHERE action = 'programme.rule'"); n != 1 {
			t.Errorf("%d audit records, want 1", n)
		}
		res = h.call(t, http.MethodGet, v1+"/admin/programmes", admin, "")
		wantStatus(t, res, http.StatusOK)
		var list struct {
			Items []struct {
				Programme           string `json:"programme"`
				RequiresCertificate bool   `json:"requires_certificate"`
				Rules               []struct {
					EffectiveFrom string `json:"effective_from"`
				} `json:"rules"`
			} `json:"items"`
		}
		if err := json.Unmarshal(res.Body, &list); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range list.Items {
			got[p.Programme] = fmt.Sprintf("%v %d", p.RequiresCertificate, len(p.Rules))
		}
		// east_west: the default; mountain_sea: its default and today's change
		if got[model.ProgrammeEastWest] != "true 1" || got[model.ProgrammeMountainSea] != "true 2" {
			t.Errorf("programmes: %v", got)
		}
	})
}

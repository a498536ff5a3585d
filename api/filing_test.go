package api_test

// Annual reserved-share filings (预留份额): the org's org_admin drafts and
// submits; the supervising org's org_admin approves or returns with a
// comment; low ratios are flagged; one filing per org and year.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

func TestFilings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		t.Run("approve", func(t *testing.T) { testFilingApprove(t, w) })
		t.Run("return and resubmit", func(t *testing.T) { testFilingReturn(t, w) })
		t.Run("transitions", func(t *testing.T) { testFilingTransitions(t, w) })
		t.Run("one per org and year", func(t *testing.T) { testFilingUnique(t, w) })
		t.Run("reserved amount", func(t *testing.T) { testFilingReserved(t, w) })
		t.Run("children list", func(t *testing.T) { testFilingChildren(t, w) })
		t.Run("bad input", func(t *testing.T) { testFilingBadInput(t, w) })
	})
}

func filingURL(org *model.Org, year int, action ...string) string {
	parts := []any{v1 + "/orgs", org.ID, "filings", year}
	for _, a := range action {
		parts = append(parts, a)
	}
	return path(parts...)
}

// storedStatus reads a filing's status from the database.
func storedStatus(t *testing.T, h *harness, org *model.Org, year int) string {
	t.Helper()
	s, _ := queryMaybe[string](t, h, "SELECT status FROM filings WHERE org_id = ? AND year = ?", org.ID, year)
	return s
}

func testFilingApprove(t *testing.T, w *world) {
	h := w.h
	child, super := w.token(t, "child_admin"), w.token(t, model.RoleOrgAdmin)
	res := h.call(t, http.MethodPut, filingURL(w.child, 2026), child,
		`{"canteen_status": "has", "food_budget_cents": 120000000, "reserved_ratio_bp": 3000}`)
	wantStatus(t, res, http.StatusOK)
	f := decode[filingBody](t, res)
	if f.OrgID != w.child.ID || f.Year != 2026 || f.Status != model.FilingDraft || f.ReservedCents != 36000000 ||
		f.LowRatio || f.SubmittedAt != nil || f.ReviewedAt != nil || f.ReviewedBy != nil {
		t.Errorf("draft = %+v", f)
	}

	// the org's own org_admin cannot approve it, not even once submitted
	wantError(t, h.call(t, http.MethodPost, filingURL(w.child, 2026, "approve"), child, ""), http.StatusForbidden, "forbidden")
	// a draft cannot be approved
	wantError(t, h.call(t, http.MethodPost, filingURL(w.child, 2026, "approve"), super, ""), http.StatusConflict, "invalid_transition")

	before := time.Now().Add(-time.Second)
	res = h.call(t, http.MethodPost, filingURL(w.child, 2026, "submit"), child, "")
	wantStatus(t, res, http.StatusOK)
	f = decode[filingBody](t, res)
	if f.Status != model.FilingSubmitted || f.SubmittedAt == nil {
		t.Fatalf("submitted = %+v", f)
	}
	if at, err := time.Parse(time.RFC3339, *f.SubmittedAt); err != nil || at.Before(before.Truncate(time.Second)) ||
		!strings.HasSuffix(*f.SubmittedAt, "+08:00") {
		t.Errorf("submitted_at = %q, want now in +08:00", *f.SubmittedAt)
	}
	wantError(t, h.call(t, http.MethodPost, filingURL(w.child, 2026, "approve"), child, `{"comment": "自批"}`),
		http.StatusForbidden, "forbidden")
	if got := storedStatus(t, h, w.child, 2026); got != model.FilingSubmitted {
		t.Errorf("stored status = %q after the org approved its own, want submitted", got)
	}

	res = h.call(t, http.MethodPost, filingURL(w.child, 2026, "approve"), super, `{"comment": "同意"}`)
	wantStatus(t, res, http.StatusOK)
	f = decode[filingBody](t, res)
	if f.Status != model.FilingApproved || f.ReviewComment != "同意" || f.ReviewedBy == nil ||
		*f.ReviewedBy != w.users[model.RoleOrgAdmin].ID || f.ReviewedAt == nil {
		t.Errorf("approved = %+v", f)
	}
	if got := storedStatus(t, h, w.child, 2026); got != model.FilingApproved {
		t.Errorf("stored status = %q, want approved", got)
	}
	if by := queryOne[int64](t, h, "SELECT reviewed_by FROM filings WHERE org_id = ? AND year = 2026", w.child.ID); by != w.users[model.RoleOrgAdmin].ID {
		t.Errorf("stored reviewed_by = %d", by)
	}

	// approving twice, returning, submitting or editing an approved filing: 409
	for _, tc := range []struct{ name, method, target, token, body string }{
		{"approve again", http.MethodPost, filingURL(w.child, 2026, "approve"), super, ""},
		{"return", http.MethodPost, filingURL(w.child, 2026, "return"), super, `{"comment": "改"}`},
		{"submit", http.MethodPost, filingURL(w.child, 2026, "submit"), child, ""},
		{"edit", http.MethodPut, filingURL(w.child, 2026), child,
			`{"canteen_status": "none", "food_budget_cents": 0, "reserved_ratio_bp": 0}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, h.call(t, tc.method, tc.target, tc.token, tc.body), http.StatusConflict, "invalid_transition")
			if got := storedStatus(t, h, w.child, 2026); got != model.FilingApproved {
				t.Errorf("stored status = %q, want approved", got)
			}
		})
	}
	if r := queryOne[int64](t, h, "SELECT reserved_ratio_bp FROM filings WHERE org_id = ? AND year = 2026", w.child.ID); r != 3000 {
		t.Errorf("stored ratio = %d after a refused edit, want 3000", r)
	}

	// the supervisor and the org both read it; an admin too
	for _, caller := range []string{"child_admin", model.RoleOrgAdmin, model.RoleAdmin} {
		res := h.call(t, http.MethodGet, filingURL(w.child, 2026), w.token(t, caller), "")
		wantStatus(t, res, http.StatusOK)
		if got := decode[filingBody](t, res); got.Status != model.FilingApproved || got.ID != f.ID {
			t.Errorf("%s reads %+v", caller, got)
		}
	}
}

func testFilingReturn(t *testing.T, w *world) {
	h := w.h
	child, super := w.token(t, "child_admin"), w.token(t, model.RoleOrgAdmin)
	wantStatus(t, h.call(t, http.MethodPut, filingURL(w.child, 2027), child,
		`{"canteen_status": "outsourced", "food_budget_cents": 50000000, "reserved_ratio_bp": 800}`), http.StatusOK)
	wantStatus(t, h.call(t, http.MethodPost, filingURL(w.child, 2027, "submit"), child, ""), http.StatusOK)

	// a return needs a comment saying why
	wantError(t, h.callBad(t, http.MethodPost, filingURL(w.child, 2027, "return"), super, `{"comment": "  "}`),
		http.StatusUnprocessableEntity, "invalid", "comment")
	wantError(t, h.callBad(t, http.MethodPost, filingURL(w.child, 2027, "return"), super, ""),
		http.StatusUnprocessableEntity, "invalid", "comment")
	wantError(t, h.call(t, http.MethodPost, filingURL(w.child, 2027, "return"), child, `{"comment": "自退"}`),
		http.StatusForbidden, "forbidden")

	res := h.call(t, http.MethodPost, filingURL(w.child, 2027, "return"), super, `{"comment": "比例低于10%，请说明原因"}`)
	wantStatus(t, res, http.StatusOK)
	f := decode[filingBody](t, res)
	if f.Status != model.FilingReturned || f.ReviewComment != "比例低于10%，请说明原因" {
		t.Errorf("returned = %+v", f)
	}
	got := decode[filingBody](t, h.call(t, http.MethodGet, filingURL(w.child, 2027), child, ""))
	if got.Status != model.FilingReturned || got.ReviewComment != f.ReviewComment {
		t.Errorf("the org reads %+v, want the return and its comment", got)
	}

	// the org edits the returned filing (back to draft) and submits again
	res = h.call(t, http.MethodPut, filingURL(w.child, 2027), child,
		`{"canteen_status": "outsourced", "food_budget_cents": 50000000, "reserved_ratio_bp": 1200}`)
	wantStatus(t, res, http.StatusOK)
	if f := decode[filingBody](t, res); f.Status != model.FilingDraft || f.ReservedRatioBP != 1200 {
		t.Errorf("edited = %+v, want a draft at 1200", f)
	}
	wantStatus(t, h.call(t, http.MethodPost, filingURL(w.child, 2027, "submit"), child, ""), http.StatusOK)
	wantStatus(t, h.call(t, http.MethodPost, filingURL(w.child, 2027, "approve"), super, ""), http.StatusOK)
	if got := storedStatus(t, h, w.child, 2027); got != model.FilingApproved {
		t.Errorf("stored status = %q, want approved", got)
	}

	// a returned filing may also be resubmitted unchanged
	wantStatus(t, h.call(t, http.MethodPut, filingURL(w.child, 2028), child,
		`{"canteen_status": "has", "food_budget_cents": 1000, "reserved_ratio_bp": 1000}`), http.StatusOK)
	wantStatus(t, h.call(t, http.MethodPost, filingURL(w.child, 2028, "submit"), child, ""), http.StatusOK)
	wantStatus(t, h.call(t, http.MethodPost, filingURL(w.child, 2028, "return"), super, `{"comment": "补材料"}`), http.StatusOK)
	wantStatus(t, h.call(t, http.MethodPost, filingURL(w.child, 2028, "submit"), child, ""), http.StatusOK)
	if got := storedStatus(t, h, w.child, 2028); got != model.FilingSubmitted {
		t.Errorf("stored status = %q, want submitted", got)
	}
}

func testFilingTransitions(t *testing.T, w *world) {
	h := w.h
	child, super := w.token(t, "child_admin"), w.token(t, model.RoleOrgAdmin)
	w.addFiling(t, w.child, 2029, 2000, model.FilingDraft)
	w.addFiling(t, w.child, 2030, 2000, model.FilingSubmitted)
	for _, tc := range []struct {
		name, method, action, token, body string
		year                              int
		wantStatus                        int
		wantCode                          string
		wantStored                        string // the child's filing for year afterwards
	}{
		{"return a draft", http.MethodPost, "return", super, `{"comment": "x"}`, 2029, 409, "invalid_transition", model.FilingDraft},
		{"approve a draft", http.MethodPost, "approve", super, "", 2029, 409, "invalid_transition", model.FilingDraft},
		{"submit a submitted", http.MethodPost, "submit", child, "", 2030, 409, "invalid_transition", model.FilingSubmitted},
		{"edit a submitted", http.MethodPut, "", child,
			`{"canteen_status": "has", "food_budget_cents": 1, "reserved_ratio_bp": 1}`, 2030, 409, "invalid_transition", model.FilingSubmitted},
		{"submit a missing", http.MethodPost, "submit", child, "", 2031, 404, "not_found", ""},
		{"approve a missing", http.MethodPost, "approve", super, "", 2031, 404, "not_found", ""},
		{"return a missing", http.MethodPost, "return", super, `{"comment": "x"}`, 2031, 404, "not_found", ""},
		{"read a missing", http.MethodGet, "", child, "", 2031, 404, "not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := filingURL(w.child, tc.year)
			if tc.action != "" {
				target = filingURL(w.child, tc.year, tc.action)
			}
			wantError(t, h.call(t, tc.method, target, tc.token, tc.body), tc.wantStatus, tc.wantCode)
			if got := storedStatus(t, h, w.child, tc.year); got != tc.wantStored {
				t.Errorf("stored status = %q, want %q", got, tc.wantStored)
			}
		})
	}
	wantError(t, h.call(t, http.MethodPut, path(v1+"/orgs", 999999, "filings", 2026), w.token(t, model.RoleAdmin),
		`{"canteen_status": "has", "food_budget_cents": 1, "reserved_ratio_bp": 1}`), http.StatusNotFound, "not_found")
	// the parent has no supervising org: only an admin reviews it
	w.addFiling(t, w.parent, 2029, 2000, model.FilingSubmitted)
	wantError(t, h.call(t, http.MethodPost, filingURL(w.parent, 2029, "approve"), super, ""), http.StatusForbidden, "forbidden")
	wantStatus(t, h.call(t, http.MethodPost, filingURL(w.parent, 2029, "approve"), w.token(t, model.RoleAdmin), ""), http.StatusOK)
}

func testFilingUnique(t *testing.T, w *world) {
	h := w.h
	tok := w.token(t, "other_admin")
	var ids []int64
	for _, ratio := range []int{1500, 2500, 3500} {
		res := h.call(t, http.MethodPut, filingURL(w.other, 2032), tok,
			jsonBody(map[string]any{"canteen_status": "shared", "food_budget_cents": 10000000, "reserved_ratio_bp": ratio}))
		wantStatus(t, res, http.StatusOK)
		ids = append(ids, decode[filingBody](t, res).ID)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("ids = %v, want one filing", ids)
	}
	if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM filings WHERE org_id = ? AND year = 2032", w.other.ID); n != 1 {
		t.Errorf("%d filings for the org and year, want 1", n)
	}
	if r := queryOne[int64](t, h, "SELECT reserved_ratio_bp FROM filings WHERE org_id = ? AND year = 2032", w.other.ID); r != 3500 {
		t.Errorf("stored ratio = %d, want the last one, 3500", r)
	}
	// the database refuses a second row even behind the service's back
	err := h.store.CreateFiling(context.Background(), &model.Filing{OrgID: w.other.ID, Year: 2032,
		CanteenStatus: model.CanteenHas, Status: model.FilingDraft})
	if err == nil {
		t.Error("a second filing for the same org and year was stored")
	}
}

func testFilingReserved(t *testing.T, w *world) {
	h := w.h
	tok := w.token(t, "other_admin")
	for i, tc := range []struct {
		budget, ratio int64
		wantReserved  int64
		wantLow       bool
	}{
		{100_000_00, 1000, 10_000_00, false}, // exactly 10%: not low
		{100_000_00, 999, 9_990_00, true},
		{100_000_00, 0, 0, true},
		{100_000_00, 10000, 100_000_00, false},
		{15, 3333, 5, false}, // 4.9995 → 5
		{3, 5000, 2, false},  // 1.5 → 2: half up
		{12345, 1, 1, true},  // 1.2345 → 1
		{15000, 1, 2, true},  // 1.5 → 2
		{14999, 1, 1, true},  // 1.4999 → 1
		{0, 5000, 0, false},  // no budget
		{1e13, 10000, 1e13, false},
	} {
		year := 2040 + i
		res := h.call(t, http.MethodPut, filingURL(w.other, year), tok, jsonBody(map[string]any{
			"canteen_status": "has", "food_budget_cents": tc.budget, "reserved_ratio_bp": tc.ratio}))
		wantStatus(t, res, http.StatusOK)
		got := decode[filingBody](t, res)
		if got.ReservedCents != tc.wantReserved || got.LowRatio != tc.wantLow || got.FoodBudgetCents != tc.budget ||
			got.ReservedRatioBP != tc.ratio {
			t.Errorf("budget %d × %d bp: reserved %d low %v, want %d %v", tc.budget, tc.ratio,
				got.ReservedCents, got.LowRatio, tc.wantReserved, tc.wantLow)
		}
	}
}

func testFilingChildren(t *testing.T, w *world) {
	h := w.h
	ctx := context.Background()
	second := &model.Org{Name: "上虞区人民医院食堂", Kind: model.OrgCanteen, RegionCode: "330604", ParentID: &w.parent.ID,
		PaymentTerms: model.TermsPrepay, CreditKind: model.CreditDirect}
	if err := h.store.CreateOrg(ctx, second); err != nil {
		t.Fatal(err)
	}
	low := w.addFiling(t, w.child, 2035, 999, model.FilingSubmitted)
	ok := w.addFiling(t, second, 2035, 1000, model.FilingDraft)
	w.addFiling(t, w.other, 2035, 500, model.FilingSubmitted)  // not a child
	w.addFiling(t, w.parent, 2035, 500, model.FilingSubmitted) // the parent itself
	w.addFiling(t, w.child, 2036, 500, model.FilingSubmitted)  // another year

	res := h.call(t, http.MethodGet, path(v1+"/orgs", w.parent.ID, "filings?year=2035"), w.token(t, model.RoleOrgAdmin), "")
	wantStatus(t, res, http.StatusOK)
	list := decode[page[filingBody]](t, res)
	got := map[int64]bool{}
	for _, f := range list.Items {
		got[f.ID] = f.LowRatio
	}
	if len(got) != 2 || list.Total != 2 {
		t.Fatalf("children's filings = %+v, want the two children's of 2035", list.Items)
	}
	if isLow, found := got[low.ID]; !found || !isLow {
		t.Errorf("the 9.99%% filing: listed %v, low_ratio %v; want listed and flagged", found, isLow)
	}
	if isLow, found := got[ok.ID]; !found || isLow {
		t.Errorf("the 10%% filing: listed %v, low_ratio %v; want listed, not flagged", found, isLow)
	}
	// an org with no children lists nothing; the year is required
	if l := decode[page[filingBody]](t, h.call(t, http.MethodGet, path(v1+"/orgs", w.child.ID, "filings?year=2035"),
		w.token(t, "child_admin"), "")); l.Total != 0 || len(l.Items) != 0 {
		t.Errorf("child's children = %+v, want none", l.Items)
	}
	wantError(t, h.callBad(t, http.MethodGet, path(v1+"/orgs", w.parent.ID, "filings"), w.token(t, model.RoleOrgAdmin), ""),
		http.StatusUnprocessableEntity, "invalid", "year")
	wantError(t, h.callBad(t, http.MethodGet, path(v1+"/orgs", w.parent.ID, "filings?year=1800"), w.token(t, model.RoleOrgAdmin), ""),
		http.StatusUnprocessableEntity, "invalid", "year")
}

func testFilingBadInput(t *testing.T, w *world) {
	h := w.h
	tok := w.token(t, "other_admin")
	super := w.token(t, model.RoleOrgAdmin)
	w.addFiling(t, w.child, 2050, 2000, model.FilingSubmitted)
	url := filingURL(w.other, 2051)
	before := rowCounts(t, h)
	runBadCases(t, h, []badCase{
		{"ratio over 100%", "PUT", url, tok, `{"canteen_status": "has", "food_budget_cents": 100, "reserved_ratio_bp": 10001}`, []string{"reserved_ratio_bp"}},
		{"negative ratio", "PUT", url, tok, `{"canteen_status": "has", "food_budget_cents": 100, "reserved_ratio_bp": -1}`, []string{"reserved_ratio_bp"}},
		{"negative budget", "PUT", url, tok, `{"canteen_status": "has", "food_budget_cents": -100, "reserved_ratio_bp": 1000}`, []string{"food_budget_cents"}},
		{"huge budget", "PUT", url, tok, `{"canteen_status": "has", "food_budget_cents": 9223372036854775807, "reserved_ratio_bp": 10000}`, []string{"food_budget_cents"}},
		{"unknown canteen status", "PUT", url, tok, `{"canteen_status": "maybe", "food_budget_cents": 100, "reserved_ratio_bp": 1000}`, []string{"canteen_status"}},
		{"no canteen status", "PUT", url, tok, `{"food_budget_cents": 100, "reserved_ratio_bp": 1000}`, []string{"canteen_status"}},
		{"everything wrong", "PUT", url, tok, `{"canteen_status": "", "food_budget_cents": -1, "reserved_ratio_bp": 99999}`,
			[]string{"canteen_status", "food_budget_cents", "reserved_ratio_bp"}},
		{"year out of range", "PUT", filingURL(w.other, 1999), tok, `{"canteen_status": "has", "food_budget_cents": 1, "reserved_ratio_bp": 1}`, []string{"year"}},
		{"overlong comment", "POST", filingURL(w.child, 2050, "return"), super, jsonBody(map[string]string{"comment": strings.Repeat("改", 501)}), []string{"comment"}},
		{"non-UTF-8 comment", "POST", filingURL(w.child, 2050, "approve"), super, "{\"comment\": \"\xff\"}", []string{"comment"}},
	})
	for _, tc := range []struct{ name, target, code string }{
		{"year not a number", path(v1+"/orgs", w.other.ID, "filings", "twenty"), "invalid_year"},
		{"org not a number", path(v1+"/orgs", "abc", "filings", 2026), "invalid_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, h.callBad(t, http.MethodPut, tc.target, tok, `{"canteen_status": "has", "food_budget_cents": 1, "reserved_ratio_bp": 1}`),
				http.StatusBadRequest, tc.code)
		})
	}
	wantError(t, h.callBad(t, http.MethodPut, url, tok, `{"canteen_status": "has", "food_budget_cents": 1.5, "reserved_ratio_bp": 1}`),
		http.StatusBadRequest, "malformed_json", "food_budget_cents")
	if after := rowCounts(t, h); after["filings"] != before["filings"] || after["audits"] != before["audits"] {
		t.Errorf("bad input wrote filings or audits: before %v, after %v", before, after)
	}
	if got := storedStatus(t, h, w.child, 2050); got != model.FilingSubmitted {
		t.Errorf("stored status = %q after refused reviews, want submitted", got)
	}
}

package api_test

// Invoices of mall orders: the org's invoice profile copied onto orders,
// supplier invoices allocated across an org's orders within what each is
// worth, counted once (duplicate_invoice), red invoices, lists and private
// scans. The test keeps its own record of the allocations it made and
// compares it with the database.

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// invIssuer is a valid unified social credit code (GB 32100).
const invIssuer = "91330100716105852F"

var invSeq atomic.Int64

// invNumber is a 20-digit 数电 number, distinct per n and per call.
func invNumber(n int) string {
	return fmt.Sprintf("2633%08d%08d", n, invSeq.Add(1))
}

// seedInvoice stores an invoice of supA to org (no allocations), with a
// private PNG scan if scan; it returns its id.
func seedInvoice(t *testing.T, w *world, orgID int64, scan bool) int64 {
	t.Helper()
	ctx := context.Background()
	inv := &model.MallInvoice{SupplierID: w.supA.ID, OrgID: orgID, Type: model.InvoiceOrdinary, Medium: model.MediumDigital,
		IssuerCode: invIssuer, Number: invNumber(99), IssueDate: "2026-03-01", AmountCents: 1000, CreatedBy: w.users[model.RoleSupplier].ID}
	if err := w.h.store.CreateMallInvoice(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if scan {
		data := testPNG(t, 4, 4, true)
		hash := fmt.Sprintf("%064x", inv.ID)
		if err := w.h.store.PutBlob(ctx, model.Blob{Class: model.BlobPrivate, Hash: hash, ContentType: "image/png", Data: data}); err != nil {
			t.Fatal(err)
		}
		if err := w.h.store.SetInvoiceScan(ctx, inv.ID, hash, "image/png"); err != nil {
			t.Fatal(err)
		}
	}
	return inv.ID
}

type invAllocation struct {
	OrderID     int64 `json:"order_id"`
	AmountCents int64 `json:"amount_cents"`
}

type invBody struct {
	ID               int64           `json:"id"`
	SupplierID       int64           `json:"supplier_id"`
	SupplierName     string          `json:"supplier_name"`
	OrgID            int64           `json:"org_id"`
	OrgName          string          `json:"org_name"`
	Type             string          `json:"type"`
	Medium           string          `json:"medium"`
	IssuerCreditCode string          `json:"issuer_credit_code"`
	Code             string          `json:"code"`
	Number           string          `json:"number"`
	Date             string          `json:"date"`
	AmountCents      int64           `json:"amount_cents"`
	AllocatedCents   int64           `json:"allocated_cents"`
	RedCents         int64           `json:"red_cents"`
	OriginalID       *int64          `json:"original_id"`
	ScanURL          *string         `json:"scan_url"`
	Note             string          `json:"note"`
	CreatedAt        string          `json:"created_at"`
	Allocations      []invAllocation `json:"allocations"`
}

type invProfile struct {
	OrgID     int64   `json:"org_id"`
	Title     string  `json:"title"`
	TaxID     string  `json:"tax_id"`
	Address   string  `json:"address"`
	Phone     string  `json:"phone"`
	Bank      string  `json:"bank"`
	Account   string  `json:"account"`
	UpdatedAt *string `json:"updated_at"`
}

func TestInvoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		w.addUser(t, &model.User{Username: "canteen_admin", Role: model.RoleOrgAdmin, OrgID: &w.canteen.ID})
		profilePath := path(v1+"/orgs", w.canteen.ID, "invoice-profile")

		// the org_admin keeps the profile; a buyer may read, not write it
		prof := map[string]string{"title": "上虞区人民医院", "tax_id": invIssuer, "address": "上虞区百官街道市民大道 1 号",
			"phone": "0575-82000000", "bank": "中国农业银行上虞支行", "account": "1950 0101 0400 12345"}
		wantError(t, w.h.call(t, http.MethodPut, profilePath, w.token(t, "canteen_buyer"), jsonBody(prof)), http.StatusForbidden, "forbidden")
		res := w.h.call(t, http.MethodPut, profilePath, w.token(t, "canteen_admin"), jsonBody(prof))
		wantStatus(t, res, http.StatusOK)
		if p := decode[invProfile](t, res); p.Title != prof["title"] || p.Account != prof["account"] || p.UpdatedAt == nil {
			t.Errorf("profile = %+v", p)
		}
		wantError(t, w.h.callBad(t, http.MethodPut, profilePath, w.token(t, "canteen_admin"), `{"title": "", "tax_id": "123"}`),
			http.StatusUnprocessableEntity, "invalid", "title", "tax_id")
		wantStatus(t, w.h.call(t, http.MethodGet, profilePath, w.token(t, "other_admin"), ""), http.StatusNotFound)

		// orders copy it, and their supplier sees it
		o1 := w.place(t, "canteen_buyer", w.tea, 5)
		o2 := w.place(t, "canteen_buyer", w.tea, 5)
		if p := w.detail(t, model.RoleSupplier, o1.ID).InvoiceProfile; p == nil || p.Title != prof["title"] || p.TaxID != invIssuer ||
			p.Bank != prof["bank"] || p.Account != prof["account"] || p.Address != prof["address"] || p.Phone != prof["phone"] {
			t.Errorf("the supplier sees the profile %+v", p)
		}
		w.ship(t, model.RoleSupplier, o1.ID)
		w.act(t, "canteen_buyer", o1.ID, "accept", jsonBody(map[string]any{
			"lines": []map[string]int64{{"line_id": o1.Lines[0].ID, "received_quantity": 4}}}))
		// o1 is worth 4000 (4 received), o2 5000 (not accepted yet)

		record := map[int64]int64{} // order → cents this test allocated
		post := func(body map[string]any) response {
			return w.h.call(t, http.MethodPost, v1+"/supplier/invoices", w.token(t, model.RoleSupplier), jsonBody(body))
		}
		blue := map[string]any{"org_id": w.canteen.ID, "type": "special", "medium": "paper", "issuer_credit_code": invIssuer,
			"code": "3300221130", "number": "01234567", "date": "2026-03-01", "amount_cents": 9000,
			"allocations": []invAllocation{{o1.ID, 4000}, {o2.ID, 5000}}}
		res = post(blue)
		wantStatus(t, res, http.StatusCreated)
		inv := decode[invBody](t, res)
		record[o1.ID] += 4000
		record[o2.ID] += 5000
		if inv.AllocatedCents != 9000 || len(inv.Allocations) != 2 || inv.SupplierID != w.supA.ID || inv.OrgName != w.canteen.Name {
			t.Errorf("invoice = %+v", inv)
		}
		// the same invoice again (here or anywhere) is counted once
		wantError(t, post(blue), http.StatusConflict, "duplicate_invoice")

		bad := func(change map[string]any, fields ...string) {
			t.Helper()
			body := map[string]any{}
			for k, v := range blue {
				body[k] = v
			}
			body["number"], body["allocations"] = fmt.Sprintf("%08d", invSeq.Add(1)), nil
			for k, v := range change {
				body[k] = v
			}
			wantError(t, w.h.callBad(t, http.MethodPost, v1+"/supplier/invoices", w.token(t, model.RoleSupplier), jsonBody(body)),
				http.StatusUnprocessableEntity, "invalid", fields...)
		}
		bad(map[string]any{"medium": "digital", "code": "", "number": "263320000001234567890"}, "number")                   // 21 digits
		bad(map[string]any{"allocations": []invAllocation{{o2.ID, 9001}}}, "allocations")                                   // above the invoice
		bad(map[string]any{"amount_cents": 100, "allocations": []invAllocation{{o1.ID, 1}}}, "allocations[0].amount_cents") // o1 is fully invoiced
		other := w.place(t, "market_buyer", w.tea, 1)
		bad(map[string]any{"allocations": []invAllocation{{other.ID, 1}}}, "allocations[0].amount_cents") // another org's order
		bad(map[string]any{"amount_cents": -100}, "original_id")
		bad(map[string]any{"date": "2099-01-01"}, "date")
		bad(map[string]any{"type": "vat"}, "type")

		// a red invoice takes part of the blue one back
		res = post(map[string]any{"org_id": w.canteen.ID, "type": "special", "medium": "digital", "issuer_credit_code": invIssuer,
			"number": invNumber(1), "date": "2026-03-02", "amount_cents": -1000, "original_id": inv.ID,
			"allocations": []invAllocation{{o1.ID, -1000}}})
		wantStatus(t, res, http.StatusCreated)
		red := decode[invBody](t, res)
		record[o1.ID] -= 1000
		if red.OriginalID == nil || *red.OriginalID != inv.ID {
			t.Errorf("red = %+v", red)
		}
		wantError(t, post(map[string]any{"org_id": w.canteen.ID, "type": "special", "medium": "digital", "issuer_credit_code": invIssuer,
			"number": invNumber(2), "date": "2026-03-02", "amount_cents": -8001, "original_id": inv.ID}), http.StatusConflict, "over_red")

		// lists: the org's side, the supplier, the order
		res = w.h.call(t, http.MethodGet, path(v1+"/orgs", w.canteen.ID, "invoices"), w.token(t, "canteen_buyer"), "")
		wantStatus(t, res, http.StatusOK)
		if p := decode[page[invBody]](t, res); p.Total != 2 || p.Items[0].ID != red.ID || p.Items[1].RedCents != -1000 {
			t.Errorf("org invoices = %+v", p)
		}
		res = w.h.call(t, http.MethodGet, v1+"/supplier/invoices", w.token(t, "supplier_b"), "")
		wantStatus(t, res, http.StatusOK)
		if p := decode[page[invBody]](t, res); p.Total != 0 {
			t.Errorf("another supplier sees %d invoices", p.Total)
		}
		res = w.h.call(t, http.MethodGet, path(v1+"/orders", o1.ID, "invoices"), w.token(t, "canteen_buyer"), "")
		wantStatus(t, res, http.StatusOK)
		if l := decode[struct {
			Items []invBody `json:"items"`
		}](t, res); len(l.Items) != 2 {
			t.Errorf("order invoices = %+v", l)
		}
		wantStatus(t, w.h.call(t, http.MethodGet, path(v1+"/orders", o1.ID, "invoices"), w.token(t, "supplier_b"), ""), http.StatusNotFound)

		// the scan: private, served only to who may see the invoice
		png := testPNG(t, 8, 8, true)
		res = w.h.callWith(t, http.MethodPut, path(v1+"/supplier/invoices", inv.ID, "scan"), w.token(t, model.RoleSupplier),
			multipartBody(t, "file", png), map[string]string{"Content-Type": "multipart/form-data; boundary=" + uploadBoundary})
		wantStatus(t, res, http.StatusOK)
		if got := decode[invBody](t, res); got.ScanURL == nil {
			t.Fatalf("no scan url: %+v", got)
		}
		res = w.h.call(t, http.MethodGet, path(v1+"/invoices", inv.ID, "scan"), w.token(t, "canteen_buyer"), "")
		wantStatus(t, res, http.StatusOK)
		if string(res.Body) != string(png) {
			t.Errorf("scan differs: %d bytes, want %d", len(res.Body), len(png))
		}
		for _, who := range []string{"supplier_b", "other_admin", "shopper"} {
			wantStatus(t, w.h.call(t, http.MethodGet, path(v1+"/invoices", inv.ID, "scan"), w.token(t, who), ""), http.StatusNotFound)
		}
		res = w.h.callWith(t, http.MethodPut, path(v1+"/supplier/invoices", inv.ID, "scan"), w.token(t, model.RoleSupplier),
			multipartBody(t, "file", []byte("plain text, not a scan")), map[string]string{"Content-Type": "multipart/form-data; boundary=" + uploadBoundary})
		wantError(t, res, http.StatusUnprocessableEntity, "invalid", "file")

		// the database holds what the test allocated, and nothing else
		for id, want := range record {
			if got := queryOne[int64](t, w.h, "SELECT invoiced_cents FROM orders WHERE id = ?", id); got != want {
				t.Errorf("order %d invoiced %d, want %d", id, got, want)
			}
			if got := queryOne[int64](t, w.h, "SELECT COALESCE(SUM(amount_cents), 0) FROM invoice_allocations WHERE order_id = ?", id); got != want {
				t.Errorf("order %d allocations sum to %d, want %d", id, got, want)
			}
		}
		if n := queryOne[int64](t, w.h, "SELECT COUNT(*) FROM invoice_claims WHERE holder_kind = ?", model.ClaimMallInvoice); n != 2 {
			t.Errorf("%d mall invoice claims, want 2", n)
		}
	})
}

// seedStatement stores an open statement of w.parent and supA for January
// of year; it returns its id.
func seedStatement(t *testing.T, w *world, year int) int64 {
	t.Helper()
	st := &model.Statement{OrgID: w.parent.ID, SupplierID: w.supA.ID, Month: fmt.Sprintf("%04d-01", year), OrdersCount: 1,
		ReceivedCents: 1000, DueCents: 1000, DifferenceCents: 1000}
	if err := w.h.store.FreezeStatement(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return queryOne[int64](t, w.h, "SELECT id FROM statements WHERE org_id = ? AND supplier_id = ? AND month = ?", st.OrgID, st.SupplierID, st.Month)
}

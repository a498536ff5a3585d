package api_test

// Off-platform records and the register through the API: a record's life
// from draft to credit, bad input answered with a clear 4xx and nothing
// written, scans over the limit or of the wrong kind, and the register
// behind the mall's certification routes.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/check"
)

// recordSeq numbers the seeded records' invoices.
var recordSeq atomic.Int64

// creditCode is a valid credit code from a 17-character stem.
func creditCode(stem string) string { return stem + string(check.CreditCodeCheck(stem)) }

// recordBody is a record of w.supA's goods (金口河) as the API takes it.
func recordBody(date string, cents int64) map[string]any {
	return map[string]any{"kind": "direct_purchase", "platform": "832", "date": date,
		"invoice":  map[string]any{"number": fmt.Sprintf("2633%016d", 1_000_000+recordSeq.Add(1)), "date": date, "issuer_credit_code": creditCode("91511113MA0000001")},
		"producer": map[string]any{"name": "金口河区山珍有限公司", "credit_code": creditCode("91511113MA0000001"), "region_code": "511113"},
		"items": []map[string]any{{"product_name": "高山绿茶", "category": "tea", "quantity": "12.5", "unit": "千克",
			"amount_cents": cents}}}
}

// seedRecord inserts a record of parent in status (recorded by its
// org_admin), straight through the store.
func (w *world) seedRecord(t *testing.T, status string) int64 {
	t.Helper()
	ctx := context.Background()
	n := recordSeq.Add(1)
	code := creditCode("91511113MA0000001")
	r := &model.SalesRecord{OrgID: w.parent.ID, Status: model.RecordDraft, Kind: model.CreditDirect, Platform: "832",
		Date: "2026-03-01", ProducerName: "金口河区山珍有限公司", ProducerCreditCode: code, ProducerRegion: "511113",
		TotalCents: 10000, InvoiceIssuer: code, InvoiceNumber: fmt.Sprintf("2633%016d", n), InvoiceDate: "2026-03-01",
		RecorderID: w.users[model.RoleOrgAdmin].ID,
		Items:      []model.RecordItem{{ProductName: "高山绿茶", CategoryCode: "tea", QuantityMilli: 1000, Unit: "千克", AmountCents: 10000}}}
	if err := w.h.store.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	if status != model.RecordDraft {
		if err := w.h.store.UpdateRecord(ctx, r.ID, []string{model.RecordDraft}, model.RecordPatch{Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	return r.ID
}

// seedRecordFile attaches a PNG scan to a draft record.
func (w *world) seedRecordFile(t *testing.T, id int64) int64 {
	t.Helper()
	data := append([]byte("\x89PNG\r\n\x1a\n"), []byte(fmt.Sprint(id))...)
	f := &model.RecordFile{RecordID: id, Hash: fmt.Sprintf("%064d", id), ContentType: "image/png", Size: int64(len(data))}
	if err := w.h.store.PutBlob(context.Background(), model.Blob{Class: model.BlobPrivate, Hash: f.Hash, ContentType: "image/png", Data: data}); err != nil {
		t.Fatal(err)
	}
	if err := w.h.store.AddRecordFile(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f.ID
}

func TestRecordsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		city := "330600"
		w.addUser(t, &model.User{Username: "city_officer", Role: model.RoleOfficer, RegionCode: &city})
		admin, city_ := w.token(t, model.RoleOrgAdmin), w.token(t, "city_officer")

		// Bad input: a clear 422 naming the field, and nothing written.
		bad := []struct {
			what, field string
			edit        func(m map[string]any)
		}{
			{"wrong check character", "producer.credit_code", func(m map[string]any) {
				c := creditCode("91511113MA0000001")
				m["producer"].(map[string]any)["credit_code"] = c[:17] + map[bool]string{true: "1", false: "2"}[c[17] != '1']
			}},
			{"19-digit invoice number", "invoice.number", func(m map[string]any) {
				m["invoice"].(map[string]any)["number"] = strings.Repeat("7", 19)
			}},
			{"negative quantity", "items[0].quantity", func(m map[string]any) {
				m["items"].([]map[string]any)[0]["quantity"] = "-3"
			}},
			{"fourth decimal place", "items[0].quantity", func(m map[string]any) {
				m["items"].([]map[string]any)[0]["quantity"] = "0.0005"
			}},
			{"future date", "date", func(m map[string]any) { m["date"] = "2099-01-01" }},
		}
		for _, c := range bad {
			m := recordBody("2026-03-01", 100)
			c.edit(m)
			res := h.callBad(t, http.MethodPost, path(v1+"/orgs", w.parent.ID, "sales-records"), admin, jsonBody(m))
			wantError(t, res, http.StatusUnprocessableEntity, "invalid", c.field)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM sales_records"); n != 0 {
			t.Fatalf("refused records left %d rows", n)
		}

		// The producer's certificate, in the register.
		entry := map[string]any{"certificate_no": "JKH-API-1", "product_name": "高山绿茶", "category": "tea",
			"producer_name": "金口河区山珍有限公司", "credit_code": creditCode("91511113MA0000001"), "region_code": "511113",
			"issuer": "乐山市乡村振兴局", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
		if res := h.call(t, http.MethodPost, v1+"/register/entries", w.token(t, model.RoleAdmin), jsonBody(entry)); res.Status != http.StatusCreated {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		// draft → submitted → verified, through the API.
		body := recordBody("2026-03-01", 12345)
		body["items"].([]map[string]any)[0]["certificate_no"] = "JKH-API-1"
		res := h.callBad(t, http.MethodPost, path(v1+"/orgs", w.parent.ID, "sales-records"), admin, jsonBody(body))
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, string(res.Body))
		}
		var rec struct {
			ID         int64  `json:"id"`
			Status     string `json:"status"`
			Channel    string `json:"channel"`
			TotalCents int64  `json:"total_cents"`
		}
		decodeInto(t, res.Body, &rec)
		if rec.Status != "draft" || rec.Channel != "offline" || rec.TotalCents != 12345 {
			t.Fatalf("created %+v", rec)
		}
		// Scans: 12 MiB → 413, an executable → 422, a PDF → 201.
		big := multipartBody(t, "file", append([]byte("%PDF-1.7\n"), make([]byte, 12<<20)...))
		res = h.callBadWith(t, http.MethodPost, path(v1+"/sales-records", rec.ID, "files"), admin, big, multipartHeader(nil, "", ""))
		wantError(t, res, http.StatusRequestEntityTooLarge, "body_too_large")
		exe := multipartBody(t, "file", append([]byte("MZ\x90\x00\x03"), make([]byte, 4096)...))
		res = h.callBadWith(t, http.MethodPost, path(v1+"/sales-records", rec.ID, "files"), admin, exe, multipartHeader(nil, "", ""))
		wantError(t, res, http.StatusUnprocessableEntity, "invalid", "file")
		pdf := multipartBody(t, "file", []byte("%PDF-1.7\n1 0 obj\n"))
		res = h.callBadWith(t, http.MethodPost, path(v1+"/sales-records", rec.ID, "files"), admin, pdf, multipartHeader(nil, "", ""))
		if res.Status != http.StatusCreated {
			t.Fatalf("pdf: %d %s", res.Status, string(res.Body))
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM sales_record_files"); n != 1 {
			t.Fatalf("%d files", n)
		}
		if res := h.callBad(t, http.MethodPost, path(v1+"/sales-records", rec.ID, "submit"), admin, ""); res.Status != http.StatusOK {
			t.Fatalf("submit: %d %s", res.Status, string(res.Body))
		}
		res = h.callBad(t, http.MethodPost, path(v1+"/sales-records", rec.ID, "verify"), w.token(t, model.RoleOfficer), "{}")
		wantError(t, res, http.StatusForbidden, "forbidden")
		res = h.callBad(t, http.MethodPost, path(v1+"/sales-records", rec.ID, "verify"), city_, "{}")
		if res.Status != http.StatusOK {
			t.Fatalf("verify: %d %s", res.Status, string(res.Body))
		}
		var v struct {
			Status  string `json:"status"`
			Credits []struct {
				PairingID   *int64 `json:"pairing_id"`
				Reason      string `json:"reason"`
				AmountCents int64  `json:"amount_cents"`
			} `json:"credits"`
		}
		decodeInto(t, res.Body, &v)
		// east_west with the producer's certificate: 上虞–金口河.
		if v.Status != "verified" || len(v.Credits) != 1 || v.Credits[0].PairingID == nil || *v.Credits[0].PairingID != w.pairing ||
			v.Credits[0].AmountCents != 12345 {
			t.Fatalf("verified %+v", v)
		}
		// The statistics show it off the mall: one record, its cents.
		if _, err := h.ledger.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		var stats struct {
			Items []struct {
				Pairing struct {
					ID int64 `json:"id"`
				} `json:"pairing"`
				CreditedCents int64 `json:"credited_cents"`
				OfflineCents  int64 `json:"offline_cents"`
				Records       int64 `json:"records"`
			} `json:"items"`
		}
		decodeInto(t, h.call(t, http.MethodGet, v1+"/stats/pairings?year=2026", w.token(t, model.RoleAdmin), "").Body, &stats)
		found := false
		for _, it := range stats.Items {
			if it.Pairing.ID == w.pairing {
				found = true
				if it.OfflineCents != 12345 || it.Records != 1 || it.CreditedCents < 12345 {
					t.Errorf("pairing figures %+v", it)
				}
			}
		}
		if !found {
			t.Errorf("pairing %d not in the statistics", w.pairing)
		}
		// The same invoice again, by another org: 409 on submit.
		dup := recordBody("2026-03-01", 1)
		var first map[string]any
		res = h.callBad(t, http.MethodGet, path(v1+"/sales-records", rec.ID), admin, "")
		decodeInto(t, res.Body, &first)
		dup["invoice"] = map[string]any{"number": first["invoice"].(map[string]any)["number"], "date": "2026-03-01",
			"issuer_credit_code": creditCode("91511113MA0000001")}
		res = h.callBad(t, http.MethodPost, path(v1+"/orgs", w.other.ID, "sales-records"), w.token(t, "other_admin"), jsonBody(dup))
		var d struct {
			ID int64 `json:"id"`
		}
		decodeInto(t, res.Body, &d)
		res = h.callBad(t, http.MethodPost, path(v1+"/sales-records", d.ID, "submit"), w.token(t, "other_admin"), "")
		wantError(t, res, http.StatusConflict, "duplicate_invoice")
	})
}

// TestRegisterCertification: the mall's certification routes write the
// register: PUT creates or updates the product's entry and links it, DELETE
// revokes the entry and names every product it affects.
func TestRegisterCertification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		admin := w.token(t, model.RoleAdmin)
		cert := jsonBody(map[string]string{"certificate_no": "LS-2026-001", "issuer": "乐山市农业农村局",
			"valid_from": "2026-01-01", "valid_to": "2026-12-31"})
		for _, p := range []int64{w.prodA, w.prodB} {
			if res := h.callBad(t, http.MethodPut, path(v1+"/admin/products", p, "certification"), admin, cert); res.Status != http.StatusOK {
				t.Fatalf("certify %d: %d %s", p, res.Status, string(res.Body))
			}
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM register_entries"); n != 1 {
			t.Fatalf("%d register entries, want 1", n)
		}
		entry := queryOne[int64](t, h, "SELECT id FROM register_entries")
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM products WHERE register_entry_id = ?", entry); n != 2 {
			t.Fatalf("%d products linked", n)
		}
		res := h.callBad(t, http.MethodDelete, path(v1+"/admin/products", w.prodA, "certification"), admin, "")
		if res.Status != http.StatusOK {
			t.Fatalf("revoke: %d %s", res.Status, string(res.Body))
		}
		var rv struct {
			RegisterEntryID int64   `json:"register_entry_id"`
			Products        []int64 `json:"products"`
		}
		decodeInto(t, res.Body, &rv)
		if rv.RegisterEntryID != entry || len(rv.Products) != 2 {
			t.Fatalf("revoked %+v", rv)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM products WHERE cert_status = 'revoked'"); n != 2 {
			t.Errorf("%d products revoked, want 2", n)
		}
		if s := queryOne[string](t, h, "SELECT status FROM register_entries WHERE id = ?", entry); s != model.CertRevoked {
			t.Errorf("entry %s", s)
		}
		// The register routes: an entry with a bad credit code is a 422.
		e := map[string]any{"certificate_no": "JN-1", "product_name": "惠明茶", "category": "tea", "producer_name": "景宁合作社",
			"credit_code": "91331127MA00000000", "region_code": "331127", "issuer": "丽水市农业农村局",
			"valid_from": "2026-01-01", "valid_to": "2026-12-31"}
		wantError(t, h.callBad(t, http.MethodPost, v1+"/register/entries", admin, jsonBody(e)), http.StatusUnprocessableEntity, "invalid", "credit_code")
		e["credit_code"] = ""
		res = h.callBad(t, http.MethodPost, v1+"/register/entries", admin, jsonBody(e))
		if res.Status != http.StatusCreated || !strings.Contains(string(res.Body), `"unregistered":true`) {
			t.Fatalf("smallholder entry: %d %s", res.Status, string(res.Body))
		}
	})
}

// seedEntry inserts a register entry numbered no.
func (w *world) seedEntry(t *testing.T, no string) int64 {
	t.Helper()
	e := &model.RegisterEntry{CertificateNo: no, Issuer: "丽水市农业农村局", ProductName: "惠明茶", CategoryCode: "tea",
		ProducerName: "景宁合作社", Unregistered: true, RegionCode: "331127", ValidFrom: "2026-01-01", ValidTo: "2026-12-31",
		Status: model.CertValid}
	if err := w.h.store.CreateRegisterEntry(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

package api_test

// Bulk import through the API: the template, an upload validated row by row
// into a preview, commit, the per-row result, the same file again (all
// duplicates), verifying a whole job, and files that are not what they
// claim (a CSV renamed .xlsx, a broken zip, a zip bomb, 21 MiB) answered
// with a clear 4xx and nothing kept.

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/imports"
)

// testImportLimits: small chunks so a test file spans several, and a small
// unzip limit for the zip bomb.
var testImportLimits = imports.Limits{MaxFile: imports.MaxFile, UnzipSize: 4 << 20, UnzipXMLSize: 1 << 20, ChunkRows: 3, CommitBatch: 2, Lease: time.Minute}

// seedImport is a records job of parent's org_admin, in preview.
func (w *world) seedImport(t *testing.T) int64 {
	t.Helper()
	org := w.parent.ID
	j := &model.ImportJob{Kind: model.ImportRecords, Status: model.ImportPreview, OwnerID: w.users[model.RoleOrgAdmin].ID,
		OrgID: &org, FileName: "台账.xlsx", FileHash: strings.Repeat("0", 64), Totals: `{"rows":0,"by_status":{},"records":0,"cents":0}`}
	if err := w.h.store.CreateImportJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j.ID
}

// importUpload sends a workbook as the upload route takes it.
func (h *harness) importUpload(t *testing.T, token, kind, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if kind != "" {
		_ = mw.WriteField("kind", kind)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, v1+"/imports", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return h.do(t, req, false)
}

// work runs the import workers until nothing is left to claim.
func (h *harness) work(t *testing.T) {
	t.Helper()
	if _, err := h.imports.Work(context.Background()); err != nil {
		t.Fatal(err)
	}
}

type importSum struct {
	Key   string `json:"key"`
	Items int    `json:"items"`
	Cents int64  `json:"cents"`
}

type importJob struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	OrgID     *int64    `json:"org_id"`
	FileName  string    `json:"file_name"`
	SHA256    string    `json:"sha256"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Progress  struct {
		Done, Total int
	} `json:"progress"`
	Totals *struct {
		Rows      int            `json:"rows"`
		ByStatus  map[string]int `json:"by_status"`
		Records   int            `json:"records"`
		Cents     int64          `json:"cents"`
		ByPairing []importSum    `json:"by_pairing"`
		ByReason  []importSum    `json:"by_reason"`
	} `json:"totals"`
}

// recordRow is one data row of the records template, by key.
func recordRow(invoice, date, product, amount string) map[string]any {
	return map[string]any{"kind": "direct_purchase", "platform": "832", "date": date,
		"producer_name": "金口河区山珍有限公司", "producer_credit_code": creditCode("91511113MA0000001"), "producer_region": "511113",
		"invoice_number": invoice, "invoice_date": date, "product_name": product, "category": "tea",
		"quantity": "12.5", "unit": "千克", "amount": amount}
}

var recordKeys = []string{"org_id", "kind", "platform", "date", "sales_point_id", "supplier_id", "producer_name",
	"producer_credit_code", "producer_region", "invoice_issuer", "invoice_code", "invoice_number", "invoice_date",
	"product_name", "category", "quantity", "unit", "amount", "certificate_no", "note"}

// fillSheet writes rows (by key) from row 2 of sheet in the key order keys.
func fillSheet(t *testing.T, f *excelize.File, sheet string, keys []string, rows []map[string]any) {
	t.Helper()
	for i, r := range rows {
		for c, k := range keys {
			v, ok := r[k]
			if !ok {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, i+2)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func bookBytes(t *testing.T, f *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (h *harness) importJob(t *testing.T, token string, id int64) importJob {
	t.Helper()
	res := h.call(t, http.MethodGet, path(v1+"/imports", id), token, "")
	wantStatus(t, res, http.StatusOK)
	return decode[importJob](t, res)
}

func TestImportRecordsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		city := "330600"
		w.addUser(t, &model.User{Username: "city_officer", Role: model.RoleOfficer, RegionCode: &city})
		admin, cityTok := w.token(t, model.RoleOrgAdmin), w.token(t, "city_officer")

		// The template: its data sheet's headers and drop-down lists.
		res := h.call(t, http.MethodGet, v1+"/import-templates/records", admin, "")
		wantStatus(t, res, http.StatusOK)
		tpl, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		hdr, _ := tpl.GetCellValue("台账", "L1")
		if hdr != "发票号码*" {
			t.Fatalf("template column L is %q", hdr)
		}
		dvs, _ := tpl.GetDataValidations("台账")
		if len(dvs) != 3 {
			t.Fatalf("template has %d drop-down lists, want kind, platform, category", len(dvs))
		}

		// The co-op's file: invoice A (two items), B (a date typed as text),
		// C (an amount with three places: error), D (a formula without a
		// value: error), E (product names merged over two rows: the second
		// row lacks one, so E is blocked whole).
		inv := func(n int) string { return fmt.Sprintf("2633%016d", 9_000_000+n) }
		rows := []map[string]any{
			recordRow(inv(1), "2026-03-01", "高山绿茶", "1234.50"),
			recordRow(inv(1), "2026-03-01", "红茶", "100"),
			recordRow(inv(2), "2026/3/2", "老鹰茶", "88.8"),
			recordRow(inv(3), "2026-03-03", "绿茶", "1.005"),
			recordRow(inv(4), "2026-03-04", "绿茶", ""),
			recordRow(inv(5), "2026-03-05", "竹笋", "10"),
			recordRow(inv(5), "2026-03-05", "", "20"),
		}
		delete(rows[4], "amount")
		fillSheet(t, tpl, "台账", recordKeys, rows)
		_ = tpl.SetCellFormula("台账", "R6", "1+1")
		_ = tpl.MergeCell("台账", "N7", "N8")
		file := bookBytes(t, tpl)

		res = h.importUpload(t, admin, "records", "台账.xlsx", file)
		if res.Status != http.StatusAccepted {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		job := decode[importJob](t, res)
		if job.Status != model.ImportValidating || job.Progress.Total != 7 {
			t.Fatalf("uploaded job: %+v", job)
		}
		h.work(t)
		job = h.importJob(t, admin, job.ID)
		if job.Status != model.ImportPreview || job.Totals == nil {
			t.Fatalf("validated job: %+v", job)
		}
		want := map[string]int{model.RowOK: 3, model.RowError: 4}
		if fmt.Sprint(job.Totals.ByStatus) != fmt.Sprint(want) || job.Totals.Records != 2 || job.Totals.Cents != 123450+10000+8880 {
			res := h.call(t, http.MethodGet, path(v1+"/imports", job.ID, "result"), admin, "")
			out, _ := excelize.OpenReader(bytes.NewReader(res.Body))
			lines, _ := out.GetRows("结果")
			t.Fatalf("preview totals: %+v\n%q", *job.Totals, lines)
		}
		// Split as verification would credit them, summing to the whole.
		t.Logf("preview by pairing %+v, by reason %+v", job.Totals.ByPairing, job.Totals.ByReason)
		for _, split := range [][]importSum{job.Totals.ByPairing, job.Totals.ByReason} {
			items, cents := 0, int64(0)
			for _, x := range split {
				items, cents = items+x.Items, cents+x.Cents
			}
			if items != 3 || cents != job.Totals.Cents {
				t.Fatalf("preview split %+v does not sum to 3 items, %d cents", split, job.Totals.Cents)
			}
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM sales_records"); n != 0 {
			t.Fatalf("a preview wrote %d records", n)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM credits"); n != 0 {
			t.Fatalf("a preview wrote %d ledger entries", n)
		}

		// The per-row result names row, column and message.
		res = h.call(t, http.MethodGet, path(v1+"/imports", job.ID, "result"), admin, "")
		wantStatus(t, res, http.StatusOK)
		out, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		lines, _ := out.GetRows("结果")
		found := map[string]bool{}
		for _, l := range lines[1:] {
			for len(l) < 4 {
				l = append(l, "")
			}
			found[l[0]+"/"+l[1]+"/"+l[2]] = true
		}
		for _, k := range []string{"2/ok/", "4/ok/", "5/error/金额（元）", "6/error/金额（元）", "8/error/品名", "7/error/"} {
			if !found[k] {
				t.Errorf("result lacks %s: %v", k, lines)
			}
		}

		// Commit, and the records arrive submitted with their invoices claimed.
		res = h.call(t, http.MethodPost, path(v1+"/imports", job.ID, "commit"), admin, "{}")
		wantStatus(t, res, http.StatusAccepted)
		h.work(t)
		job = h.importJob(t, admin, job.ID)
		if job.Status != model.ImportDone || job.Totals.ByStatus[model.RowCreated] != 3 {
			t.Fatalf("committed job: %+v %+v", job, job.Totals)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM sales_records WHERE status = 'submitted'"); n != 2 {
			t.Fatalf("%d submitted records, want 2", n)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM sales_record_items"); n != 3 {
			t.Fatalf("%d items, want 3", n)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM invoice_claims WHERE holder_kind = 'record'"); n != 2 {
			t.Fatalf("%d claims, want 2", n)
		}

		// The same file again: every good row is a duplicate, nothing new.
		res = h.importUpload(t, admin, "records", "台账-again.xlsx", file)
		wantStatus(t, res, http.StatusAccepted)
		again := decode[importJob](t, res)
		h.work(t)
		h.call(t, http.MethodPost, path(v1+"/imports", again.ID, "commit"), admin, "{}")
		h.work(t)
		again = h.importJob(t, admin, again.ID)
		if again.Status != model.ImportDone || again.Totals.ByStatus[model.RowDuplicate] != 3 || again.Totals.ByStatus[model.RowCreated] != 0 {
			t.Fatalf("second import: %+v %+v", again, again.Totals)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM sales_record_items"); n != 3 {
			t.Fatalf("the second import left %d items, want 3", n)
		}

		// A city officer verifies the whole job; the recorder may not.
		res = h.call(t, http.MethodPost, path(v1+"/imports", job.ID, "verify"), admin, "{}")
		wantStatus(t, res, http.StatusForbidden)
		res = h.call(t, http.MethodPost, path(v1+"/imports", job.ID, "verify"), cityTok, "{}")
		wantStatus(t, res, http.StatusOK)
		if v := decode[struct {
			Verified, Skipped int
			Failed            []any
		}](t, res); v.Verified != 2 || v.Skipped != 0 {
			t.Fatalf("verify: %+v", v)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM sales_records WHERE status = 'verified'"); n != 2 {
			t.Fatalf("%d verified records, want 2", n)
		}
	})
}

// zipOf is a zip archive of the named files.
func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		fw, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportBadFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		admin := w.token(t, model.RoleOrgAdmin)

		// A workbook whose template sheet is hidden and holds junk: the
		// visible sheet is read.
		f := excelize.NewFile()
		_ = f.SetSheetName("Sheet1", "台账")
		_ = f.SetCellValue("台账", "A1", "垃圾")
		// Its data sheet has a title row above the header.
		_, _ = f.NewSheet("数据")
		_ = f.SetCellValue("数据", "A1", "2026年线下帮扶台账")
		_ = f.MergeCell("数据", "A1", "F1")
		for i, k := range recordKeys {
			cell, _ := excelize.CoordinatesToCellName(i+1, 2)
			_ = f.SetCellValue("数据", cell, k)
		}
		row := recordRow(fmt.Sprintf("2633%016d", 8_000_001), "2026-04-01", "茶", "5")
		for i, k := range recordKeys {
			if v, ok := row[k]; ok {
				cell, _ := excelize.CoordinatesToCellName(i+1, 3)
				_ = f.SetCellValue("数据", cell, v)
			}
		}
		idx, _ := f.GetSheetIndex("数据")
		f.SetActiveSheet(idx)
		if err := f.SetSheetVisible("台账", false); err != nil {
			t.Fatal(err)
		}
		res := h.importUpload(t, admin, "records", "hidden.xlsx", bookBytes(t, f))
		if res.Status != http.StatusAccepted {
			t.Fatalf("hidden sheet: %d %s", res.Status, res.Body)
		}
		jobs := int64(1)
		h.work(t)
		if job := h.importJob(t, admin, decode[importJob](t, res).ID); job.Totals == nil || job.Totals.ByStatus[model.RowOK] != 1 {
			t.Fatalf("the visible sheet's row: %+v", job)
		}

		bomb := zipOf(t, map[string][]byte{"[Content_Types].xml": []byte("<Types/>"),
			"xl/worksheets/sheet1.xml": bytes.Repeat([]byte(" "), 5<<20)})
		noHeader := excelize.NewFile()
		_ = noHeader.SetCellValue("Sheet1", "A1", "品名")
		bad := []struct {
			what, name string
			data       []byte
			status     int
		}{
			{"a CSV renamed .xlsx", "台账.xlsx", []byte("品名,数量\n茶,1\n"), http.StatusUnprocessableEntity},
			{"a broken zip", "台账.xlsx", zipOf(t, map[string][]byte{"x": []byte("y")})[:30], http.StatusUnprocessableEntity},
			{"a zip bomb", "bomb.xlsx", bomb, http.StatusUnprocessableEntity},
			{"no template columns", "x.xlsx", bookBytes(t, noHeader), http.StatusUnprocessableEntity},
			{"21 MiB", "big.xlsx", bytes.Repeat([]byte("x"), 21<<20), http.StatusRequestEntityTooLarge},
		}
		for _, c := range bad {
			res := h.importUpload(t, admin, "records", c.name, c.data)
			if res.Status != c.status {
				t.Fatalf("%s: %d %s", c.what, res.Status, res.Body)
			}
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM import_jobs"); n != jobs {
			t.Fatalf("refused files left %d jobs, want %d", n, jobs)
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM import_staged"); n != 1 {
			t.Fatalf("refused files left %d staged parts, want 1", n)
		}
	})
}

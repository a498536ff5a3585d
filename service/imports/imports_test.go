package imports

// Import jobs on every backend: a commit killed midway and resumed by
// another worker once its lease ran out (every row exactly once, counted in
// the database), two replicas (two stores on one MariaDB database) working
// one job together (and two admins verifying it at once), and a register list with its duplicates and conflicts.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/check"
	"shanhai/service/credit"
	"shanhai/service/record"
	"shanhai/service/register"
)

var testLimits = Limits{MaxFile: MaxFile, UnzipSize: 64 << 20, UnzipXMLSize: 1 << 20, ChunkRows: 6, CommitBatch: 2, Lease: time.Minute}

func newService(st *store.Store, worker string) *Service {
	return New(st, record.New(st, st, credit.New(st, nil)), register.New(st), testLimits, worker)
}

type fixture struct {
	st       *store.Store
	orgAdmin *model.User
	admin    *model.User
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	o := &model.Org{Name: "上虞农合联", Kind: model.OrgCoop, RegionCode: "330604", PaymentTerms: model.TermsPrepay,
		CreditKind: model.DefaultCreditKind(model.OrgCoop), Sector: "other"}
	if err := st.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st}
	f.orgAdmin = &model.User{Username: "coop_admin", PasswordHash: "x", Role: model.RoleOrgAdmin, OrgID: &o.ID}
	f.admin = &model.User{Username: "admin", PasswordHash: "x", Role: model.RoleAdmin}
	for _, u := range []*model.User{f.orgAdmin, f.admin} {
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

var recordKeys = []string{"kind", "platform", "date", "producer_name", "producer_credit_code", "producer_region",
	"invoice_number", "invoice_date", "product_name", "category", "quantity", "unit", "amount"}

// recordsFile is invoices invoices of items rows each (headers by key).
func recordsFile(t *testing.T, base, invoices, items int) []byte {
	t.Helper()
	cc := "91511113MA0000001"
	cc += string(check.CreditCodeCheck(cc))
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	row := 1
	hdr := make([]any, len(recordKeys))
	for i, k := range recordKeys {
		hdr[i] = k
	}
	_ = sw.SetRow("A1", hdr)
	for i := 0; i < invoices; i++ {
		for k := 0; k < items; k++ {
			row++
			cell, _ := excelize.CoordinatesToCellName(1, row)
			_ = sw.SetRow(cell, []any{"direct_purchase", "832", "2026-03-01", "金口河区山珍有限公司", cc, "511113",
				fmt.Sprintf("2633%016d", base+i), "2026-03-01", fmt.Sprintf("茶%d", k), "tea", "1.5", "千克", fmt.Sprintf("%d.25", 10+k)})
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func count(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func status(t *testing.T, s *Service, id int64) string {
	t.Helper()
	j, err := s.store.ImportJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j.Status
}

var errKilled = errors.New("killed")

func TestImportKilledMidCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b.Store)
		clock := time.Now()
		a, bb := newService(b.Store, "replica-a"), newService(b.Store, "replica-b")
		a.SetClock(func() time.Time { return clock })
		bb.SetClock(func() time.Time { return clock })

		const invoices, items = 12, 2 // 24 rows, 3 invoices a chunk: 4 chunks
		job, err := a.Upload(ctx, f.orgAdmin, model.ImportRecords, "台账.xlsx", recordsFile(t, 5_000_000, invoices, items))
		if err != nil {
			t.Fatal(err)
		}
		if job.Rows != invoices*items || job.Chunks != 4 {
			t.Fatalf("staged %d rows in %d chunks", job.Rows, job.Chunks)
		}
		if _, err := a.Work(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Commit(ctx, f.orgAdmin, job.ID); err != nil {
			t.Fatal(err)
		}
		// Replica a dies after its third transaction (two records a
		// transaction): the first chunk done, two of the second's three
		// records written, its lease still held.
		written := 0
		a.afterCommit = func() error {
			written++
			if written == 3 {
				return errKilled
			}
			return nil
		}
		if _, err := a.Work(ctx); !errors.Is(err, errKilled) {
			t.Fatalf("killed worker: %v", err)
		}
		if n := count(t, b.Store, "SELECT COUNT(*) FROM sales_records"); n != 5 {
			t.Fatalf("%d records before the takeover, want 5", n)
		}
		// Replica b takes the chunks nobody holds, but not the dead one's
		// until its lease runs out.
		if _, err := bb.Work(ctx); err != nil {
			t.Fatal(err)
		}
		if s := status(t, bb, job.ID); s != model.ImportCommitting {
			t.Fatalf("job %s while a chunk is leased", s)
		}
		clock = clock.Add(2 * testLimits.Lease)
		if _, err := bb.Work(ctx); err != nil {
			t.Fatal(err)
		}
		if s := status(t, bb, job.ID); s != model.ImportDone {
			t.Fatalf("job %s after the takeover", s)
		}
		// Every row exactly once.
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM sales_records WHERE status = 'submitted'":                  invoices,
			"SELECT COUNT(*) FROM sales_record_items":                                        invoices * items,
			"SELECT COUNT(*) FROM invoice_claims":                                            invoices,
			"SELECT COUNT(*) FROM sales_records WHERE import_job_id = " + fmt.Sprint(job.ID): invoices,
		} {
			if n := count(t, b.Store, q); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}
		createdOnce(t, b.Store, job.ID, invoices, invoices*items)
		var sum int64
		_ = b.Store.DB().QueryRow("SELECT COALESCE(SUM(amount_cents), 0) FROM sales_record_items").Scan(&sum)
		if want := int64(invoices * (1025 + 1125)); sum != want {
			t.Errorf("items sum to %d cents, want %d", sum, want)
		}
	})
}

func TestImportTwoReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != "mysql" {
			t.Skip("two replicas race on MariaDB")
		}
		ctx := context.Background()
		f := newFixture(t, b.Store)
		second, err := store.Open(b.DSN, 8)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { second.Close() })
		replicas := []*Service{newService(b.Store, "replica-a"), newService(second, "replica-b")}

		const invoices, items = 40, 3 // 120 rows, 20 chunks
		job, err := replicas[0].Upload(ctx, f.orgAdmin, model.ImportRecords, "台账.xlsx", recordsFile(t, 6_000_000, invoices, items))
		if err != nil {
			t.Fatal(err)
		}
		both := func() {
			var wg sync.WaitGroup
			errs := make([]error, len(replicas))
			done := make([]int, len(replicas))
			for i, s := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					done[i], errs[i] = s.Work(ctx)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if done[0]+done[1] != job.Chunks {
				t.Fatalf("the replicas finished %v chunks between them, want %d", done, job.Chunks)
			}
		}
		both()
		if s := status(t, replicas[0], job.ID); s != model.ImportPreview {
			t.Fatalf("job %s after validation", s)
		}
		if _, err := replicas[1].Commit(ctx, f.orgAdmin, job.ID); err != nil {
			t.Fatal(err)
		}
		both()
		if s := status(t, replicas[1], job.ID); s != model.ImportDone {
			t.Fatalf("job %s after commit", s)
		}
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM sales_records":                         invoices,
			"SELECT COUNT(*) FROM sales_record_items":                    invoices * items,
			"SELECT COUNT(*) FROM invoice_claims":                        invoices,
			"SELECT COUNT(*) FROM audits WHERE action = 'record.import'": invoices,
		} {
			if n := count(t, b.Store, q); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}
		createdOnce(t, b.Store, job.ID, invoices, invoices*items)
		// Two admins verify the job at once, one through each replica:
		// every record verified and credited exactly once between them.
		results := make([]*VerifyResult, len(replicas))
		errs := make([]error, len(replicas))
		var wg sync.WaitGroup
		for i, s := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = s.Verify(ctx, f.admin, job.ID)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if v, k := results[0].Verified+results[1].Verified, results[0].Skipped+results[1].Skipped; v != invoices || k != invoices {
			t.Errorf("verified %d and skipped %d between them (%+v, %+v), want %d each", v, k, results[0], results[1], invoices)
		}
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM sales_records WHERE status = 'verified'": invoices,
			"SELECT COUNT(*) FROM credits":                                 invoices * items,
			"SELECT COUNT(*) FROM credit_pending":                          invoices * items,
			"SELECT COUNT(*) FROM audits WHERE action = 'record.verify'":   invoices,
		} {
			if n := count(t, b.Store, q); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}
	})
}

// registerFile is rows of the register template (headers by key).
func registerFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	keys := []any{"certificate_no", "issuer", "product_name", "spec", "category", "producer_name", "credit_code",
		"region_code", "batch", "valid_from", "valid_to"}
	_ = f.SetSheetRow("Sheet1", "A1", &keys)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow("Sheet1", cell, &r)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b.Store)
		s := newService(b.Store, "w")
		const issuer = "天水市麦积区农业农村局"
		entry := func(no, product, batch string) []any {
			return []any{no, issuer, product, "5千克", "fruit", "麦积区花牛苹果合作社", "", "511113", batch, "2025-01-01", "2027-12-31"}
		}
		// Already in the register: MJ-1 as the file has it, MJ-2 otherwise.
		for _, e := range []*model.RegisterEntry{
			{CertificateNo: "MJ-1", Issuer: issuer, ProductName: "花牛苹果", Spec: "5千克", CategoryCode: "fruit", ProducerName: "麦积区花牛苹果合作社",
				Unregistered: true, RegionCode: "511113", Batch: "第一批", ValidFrom: "2025-01-01", ValidTo: "2027-12-31", Status: model.CertValid},
			{CertificateNo: "MJ-2", Issuer: issuer, ProductName: "花椒", Spec: "5千克", CategoryCode: "fruit", ProducerName: "麦积区花牛苹果合作社",
				Unregistered: true, RegionCode: "511113", Batch: "第一批", ValidFrom: "2025-01-01", ValidTo: "2027-12-31", Status: model.CertValid},
		} {
			if err := b.Store.CreateRegisterEntry(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		file := registerFile(t, [][]any{
			entry("MJ-1", "花牛苹果", "第一批"),                                                          // duplicate of the register
			entry("MJ-2", "核桃", "第一批"),                                                            // conflict with the register
			entry("MJ-3", "樱桃", "第二批"),                                                            // new
			entry("MJ-3", "樱桃", "第二批"),                                                            // repeats row 4: duplicate
			entry("MJ-4", "葡萄", "第二批"),                                                            // new
			entry("MJ-4", "葡萄", "第三批"),                                                            // the same certificate otherwise: conflict
			entry("MJ-5", "桃", "第二批"),                                                             // new
			{"MJ-6", issuer, "桃", "", "fruit", "x", "", "330604", "", "2025-13-01", "2025-01-01"}, // errors
		})
		if _, err := s.Upload(ctx, f.orgAdmin, model.ImportRegister, "麦积.xlsx", file); !errors.Is(err, model.ErrForbidden) {
			t.Fatalf("an org_admin imports the register: %v", err)
		}
		job, err := s.Upload(ctx, f.admin, model.ImportRegister, "麦积.xlsx", file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Work(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, f.admin, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{model.RowOK: 3, model.RowDuplicate: 2, model.RowConflict: 2, model.RowError: 1}
		if got.Status != model.ImportPreview || fmt.Sprint(got.Totals.ByStatus) != fmt.Sprint(want) {
			t.Fatalf("preview: %s %+v", got.Status, got.Totals)
		}
		if _, err := s.Commit(ctx, f.admin, job.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Work(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, b.Store, "SELECT COUNT(*) FROM register_entries"); n != 5 {
			t.Fatalf("%d entries, want 5", n)
		}
		var product string
		_ = b.Store.DB().QueryRow("SELECT product_name FROM register_entries WHERE certificate_no = 'MJ-2'").Scan(&product)
		if product != "花椒" {
			t.Fatalf("a conflict was applied: MJ-2 is %s", product)
		}
		// The same list again: nothing new.
		again, err := s.Upload(ctx, f.admin, model.ImportRegister, "麦积.xlsx", file)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = s.Work(ctx)
		got, _ = s.Get(ctx, f.admin, again.ID)
		if got.Totals.ByStatus[model.RowOK] != 0 || got.Totals.ByStatus[model.RowDuplicate] != 5 {
			t.Fatalf("second upload: %+v", got.Totals)
		}
	})
}

// createdOnce checks that a job's rows read as created, each with its
// record, and that they name records distinct ones.
func createdOnce(t *testing.T, st *store.Store, jobID int64, records, rows int) {
	t.Helper()
	j, err := st.ImportJob(t.Context(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	named := 0
	err = New(st, nil, nil, DefaultLimits, "check").eachChunk(t.Context(), j, func(got []model.ImportRow) error {
		for _, r := range got {
			counts[r.Status]++
			if r.Status == model.RowCreated && r.RefID != nil {
				named++
			}
		}
		return nil
	})
	if err != nil || counts[model.RowCreated] != rows || len(counts) != 1 {
		t.Errorf("rows by status %v (%v), want %d created", counts, err, rows)
	}
	refs, err := st.ImportRefs(t.Context(), jobID)
	if err != nil || len(refs) != records {
		t.Errorf("%d records (%v), want %d", len(refs), err, records)
	}
	if named != rows {
		t.Errorf("%d rows name their record, want %d", named, rows)
	}
}

// A job staged by an older release, a staging row each (pending until it
// had an outcome), is validated and committed as one staged in parts.
func TestImportStagedRowEach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b.Store)
		s := newService(b.Store, "replica-a")
		const invoices, items = 5, 2 // 10 rows, 3 invoices a chunk: 2 chunks
		job, err := s.Upload(ctx, f.orgAdmin, model.ImportRecords, "台账.xlsx", recordsFile(t, 6_000_000, invoices, items))
		if err != nil {
			t.Fatal(err)
		}
		// Staged the old way: the parts become rows, the first row's
		// amount unreadable.
		var rows []model.ImportRow
		for c := 0; c < job.Chunks; c++ {
			parts, err := b.Store.ImportStagedParts(ctx, job.ID, c)
			if err != nil || len(parts) == 0 {
				t.Fatal(parts, err)
			}
			for _, p := range parts {
				decodeLines(p, func(rowNo int, key, cells string) {
					rows = append(rows, model.ImportRow{JobID: job.ID, RowNo: rowNo, Chunk: c, GroupKey: key, Cells: cells,
						Status: model.RowPending, Problems: "[]"})
				})
			}
		}
		if len(rows) != invoices*items {
			t.Fatalf("%d rows staged", len(rows))
		}
		v := decodeCells(rows[0].Cells)
		v["amount"] = "x"
		rows[0].Cells = encodeCells(v)
		if _, err := b.Store.DB().Exec("DELETE FROM import_staged"); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if _, err := b.Store.DB().Exec("INSERT INTO import_rows (job_id, row_no, chunk, group_key, cells, status, problems, reason) VALUES (?, ?, ?, ?, ?, ?, ?, '')",
				r.JobID, r.RowNo, r.Chunk, r.GroupKey, r.Cells, r.Status, r.Problems); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Work(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, f.orgAdmin, job.ID)
		if err != nil || got.Status != model.ImportPreview {
			t.Fatal(got, err)
		}
		if tt := got.Totals; tt.ByStatus[model.RowOK] != (invoices-1)*items || tt.ByStatus[model.RowError] != items ||
			tt.Records != invoices-1 || tt.Cents != int64((invoices-1)*(1025+1125)) {
			t.Fatalf("preview: %+v", tt)
		}
		if _, err := s.Commit(ctx, f.orgAdmin, job.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Work(ctx); err != nil {
			t.Fatal(err)
		}
		got, err = s.Get(ctx, f.orgAdmin, job.ID)
		if err != nil || got.Status != model.ImportDone || got.Totals.ByStatus[model.RowCreated] != (invoices-1)*items ||
			got.Totals.ByStatus[model.RowError] != items {
			t.Fatalf("done: %+v %v", got, err)
		}
		if n := count(t, b.Store, "SELECT COUNT(*) FROM sales_record_items"); n != (invoices-1)*items {
			t.Errorf("%d items, want %d", n, (invoices-1)*items)
		}
	})
}

package store_test

import (
	"strconv"
	"testing"
	"time"

	"shanhai/model"
)

// A row validation left pending reads as ok, credited as its chunk says,
// once its chunk is validated; created, with its record, once a commit
// created its group's record (keyed by job and group); a commit writing it
// takes the chunk's pairing and reason with it, and a row written ok with
// its own keeps them.
func TestImportRowsLeftPending(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dialect, dsn string) {
		ctx := t.Context()
		st := migrated(t, dsn)
		j := &model.ImportJob{Kind: model.ImportRecords, Status: model.ImportValidating, OwnerID: 1, Totals: "{}"}
		if err := st.CreateImportJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		var rows []model.ImportRow
		for n := 2; n <= 6; n++ {
			rows = append(rows, model.ImportRow{JobID: j.ID, RowNo: n, GroupKey: "g" + string(rune('0'+n/2)), Cells: "",
				Status: model.RowPending, Problems: "[]"})
		}
		if err := st.AddImportRows(ctx, rows); err != nil {
			t.Fatal(err)
		}
		if err := st.AddImportChunks(ctx, []model.ImportChunk{{JobID: j.ID, Phase: model.PhaseValidate, Rows: 5}}); err != nil {
			t.Fatal(err)
		}
		statuses := func() string {
			got, err := st.ImportRowsAfter(ctx, j.ID, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			out := ""
			for _, r := range got {
				p := int64(0)
				if r.PairingID != nil {
					p = *r.PairingID
				}
				out += r.Status + "/" + strconv.FormatInt(p, 10) + "/" + r.Reason + " "
			}
			return out
		}
		if got := statuses(); got != "pending/0/ pending/0/ pending/0/ pending/0/ pending/0/ " {
			t.Fatalf("staged: %s", got)
		}

		// Validation: row 3 ok with a reason of its own, row 6 an error,
		// the others left pending (ok with the chunk's pairing 7).
		c, err := st.ClaimImportChunk(ctx, "w", time.Now(), time.Minute)
		if err != nil || c == nil {
			t.Fatal(c, err)
		}
		if n, err := st.SetImportRows(ctx, j.ID, []int{3}, model.RowPending,
			model.ImportRow{Status: model.RowOK, Problems: "[]", Reason: model.ReasonNoPairing}); n != 1 || err != nil {
			t.Fatal(n, err)
		}
		if n, err := st.SetImportRows(ctx, j.ID, []int{6}, model.RowPending,
			model.ImportRow{Status: model.RowError, Problems: `[{"column":"amount","message":"x"}]`}); n != 1 || err != nil {
			t.Fatal(n, err)
		}
		if got := statuses(); got != "pending/0/ ok/0/no_pairing pending/0/ pending/0/ error/0/ " {
			t.Fatalf("validating: %s", got)
		}
		pairing := int64(7)
		c.OKPairingID, c.OKReason = &pairing, ""
		if ok, err := st.FinishImportChunk(ctx, c); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if got := statuses(); got != "ok/7/ ok/0/no_pairing ok/7/ ok/7/ error/0/ " {
			t.Fatalf("validated: %s", got)
		}
		counts, err := st.ImportStatusCounts(ctx, j.ID)
		if err != nil || counts[model.RowOK] != 4 || counts[model.RowError] != 1 || len(counts) != 2 {
			t.Fatal(counts, err)
		}

		// Commit: rows 2–3 (group g1) and 4–5 (g2) created, row 5 by itself.
		if ok, err := st.MoveImportJob(ctx, j.ID, model.ImportValidating, model.ImportCommitting, ""); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := st.ResetImportChunks(ctx, j.ID, model.PhaseCommit); err != nil {
			t.Fatal(err)
		}
		rows, err = st.ImportChunkRows(ctx, j.ID, 0)
		if err != nil || len(rows) != 5 || rows[0].Status != model.RowOK || *rows[0].PairingID != 7 {
			t.Fatal(rows, err)
		}
		rec := &model.SalesRecord{OrgID: 1, Status: model.RecordSubmitted, ImportJobID: &j.ID, ImportKey: "g1"}
		if err := st.CreateRecords(ctx, []*model.SalesRecord{rec}); err != nil {
			t.Fatal(err)
		}
		// The key holds: the group's record once.
		again := &model.SalesRecord{OrgID: 1, Status: model.RecordSubmitted, ImportJobID: &j.ID, ImportKey: "g1"}
		if err := st.CreateRecords(ctx, []*model.SalesRecord{again}); err == nil {
			t.Fatal("a group's record created twice")
		}
		// Rows 2–3 are created by the record, so no longer ok to write.
		if n, err := st.SetImportRows(ctx, j.ID, []int{2, 3}, model.RowOK,
			model.ImportRow{Status: model.RowDuplicate, Problems: "[]"}); n != 0 || err != nil {
			t.Fatal(n, err)
		}
		ref := int64(101)
		if n, err := st.SetImportRows(ctx, j.ID, []int{4, 5}, model.RowOK,
			model.ImportRow{Status: model.RowCreated, Problems: "[]", RefID: &ref}); n != 2 || err != nil {
			t.Fatal(n, err)
		}
		if got := statuses(); got != "created/7/ created/0/no_pairing created/7/ created/7/ error/0/ " {
			t.Fatalf("committed: %s", got)
		}
		got, err := st.ImportRowsAfter(ctx, j.ID, 0, 10)
		if err != nil || *got[0].RefID != rec.ID || *got[1].RefID != rec.ID || *got[2].RefID != ref {
			t.Fatal(got, err)
		}
		refs, err := st.ImportRefs(ctx, j.ID)
		if err != nil || len(refs) != 2 || refs[0] != min(rec.ID, ref) || refs[1] != max(rec.ID, ref) {
			t.Fatal(refs, err)
		}
		counts, err = st.ImportStatusCounts(ctx, j.ID)
		if err != nil || counts[model.RowCreated] != 4 || counts[model.RowError] != 1 || len(counts) != 2 {
			t.Fatal(counts, err)
		}
		// Written once: a second write finds no row still ok.
		if n, err := st.SetImportRows(ctx, j.ID, []int{4, 5}, model.RowOK,
			model.ImportRow{Status: model.RowCreated, Problems: "[]", RefID: &ref}); n != 0 || err != nil {
			t.Fatal(n, err)
		}
	})
}

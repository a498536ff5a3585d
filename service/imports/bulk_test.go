package imports

// The bulk path against the single one: the same inputs written and
// verified many at a time (CreateSubmittedMany, VerifyMany, in two
// batches) and one at a time (CreateSubmitted, Verify), each into its own
// fresh database, give the same answers, records, claims, audit rows,
// ledger entries and rollups — duplicates and conflicts within a batch and
// across batches included. And a job whose uploader is gone ends failed.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/check"
	"shanhai/service/credit"
	"shanhai/service/record"
)

// bulkInputs: 0-3 fine; 4 repeats 1 (duplicate in the batch); 5 reuses
// 2's invoice with other items (conflict in the batch); 6 is invalid;
// the second batch (7-10) repeats 0 (duplicate across batches), reuses
// 3's invoice with another date (conflict across batches), and adds two
// fine ones.
func bulkInputs() ([]record.Input, int) {
	cc := "91511113MA0000001"
	cc += string(check.CreditCodeCheck(cc))
	in := func(n int, amount int64, date string) record.Input {
		return record.Input{Kind: model.CreditDirect, Platform: "832", Date: date,
			Invoice:  record.InvoiceInput{Number: fmt.Sprintf("2633%016d", 7_000_000+n), Date: date},
			Producer: record.ProducerInput{Name: "金口河区山珍有限公司", CreditCode: cc, Region: "511113"},
			Items: []record.ItemInput{{ProductName: "高山绿茶", Category: "tea", Quantity: "1.5", Unit: "千克", AmountCents: amount},
				{ProductName: "野生菌", Category: "tea", Quantity: "2", Unit: "千克", AmountCents: amount + 7}}}
	}
	bad := in(99, 1000, "2026-03-01")
	bad.Items[0].AmountCents = 0
	return []record.Input{in(0, 1000, "2026-03-01"), in(1, 2000, "2026-03-02"), in(2, 3000, "2026-03-03"), in(3, 4000, "2026-03-04"),
		in(1, 2000, "2026-03-02"), in(2, 3100, "2026-03-03"), bad,
		in(0, 1000, "2026-03-01"), in(3, 4000, "2026-03-05"), in(4, 5000, "2026-03-06"), in(5, 6000, "2026-03-07")}, 7
}

type bulkSide struct {
	st      *store.Store
	f       *fixture
	records *record.Service
	ledger  *credit.Ledger
}

func newBulkSide(t *testing.T, b storetest.Backend) *bulkSide {
	l := credit.New(b.Store, nil)
	return &bulkSide{st: b.Store, f: newFixture(t, b.Store), records: record.New(b.Store, b.Store, l), ledger: l}
}

func code(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// dump is a table's rows as sorted strings, leaving out the columns that
// differ between two databases by construction (ids, instants).
func dump(t *testing.T, st *store.Store, q string, skip ...string) []string {
	t.Helper()
	rows, err := st.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for i, c := range cols {
			if slices.Contains(skip, c) || strings.HasSuffix(c, "_at") {
				continue
			}
			parts = append(parts, c+"="+vals[i].String)
		}
		out = append(out, strings.Join(parts, " "))
	}
	slices.Sort(out)
	return out
}

func TestBulkSameAsSingle(t *testing.T) {
	pairs := [][2]storetest.Backend{{storetest.SQLite(t), storetest.SQLite(t)}}
	if a, ok := storetest.MySQL(t); ok {
		b, _ := storetest.MySQL(t)
		pairs = append(pairs, [2]storetest.Backend{a, b})
	}
	for _, pair := range pairs {
		t.Run(pair[0].Name, func(t *testing.T) {
			ctx := context.Background()
			one, many := newBulkSide(t, pair[0]), newBulkSide(t, pair[1])
			ins, split := bulkInputs()
			orgID := *one.f.orgAdmin.OrgID

			var oneCodes, manyCodes []string
			var oneIDs []int64
			for _, in := range ins {
				r, err := one.records.CreateSubmitted(ctx, one.f.orgAdmin, orgID, in, "import 1")
				oneCodes = append(oneCodes, code(err))
				if err == nil {
					oneIDs = append(oneIDs, r.ID)
				}
			}
			var manyIDs []int64
			for _, part := range [][]record.Input{ins[:split], ins[split:]} {
				recs, errs, err := many.records.CreateSubmittedMany(ctx, many.f.orgAdmin, orgID, part, "import 1")
				if err != nil {
					t.Fatal(err)
				}
				for i := range part {
					manyCodes = append(manyCodes, code(errs[i]))
					if errs[i] == nil {
						manyIDs = append(manyIDs, recs[i].ID)
						// The items' ids as written, not guessed wrong.
						got, err := many.st.Record(ctx, recs[i].ID)
						if err != nil || len(got.Items) != len(recs[i].Items) {
							t.Fatal(got, err)
						}
						for k, it := range got.Items {
							if it.ID != recs[i].Items[k].ID || it.ID == 0 {
								t.Fatalf("record %d item %d: id %d, told %d", recs[i].ID, k, it.ID, recs[i].Items[k].ID)
							}
						}
					}
				}
			}
			if !slices.Equal(oneCodes, manyCodes) {
				t.Fatalf("answers: one at a time %q, many %q", oneCodes, manyCodes)
			}
			if want := []string{"", "", "", "", "duplicate_invoice", "duplicate_invoice", "invalid",
				"duplicate_invoice", "duplicate_invoice", "", ""}; !slices.Equal(oneCodes, want) {
				t.Fatalf("answers %q, want %q", oneCodes, want)
			}

			// Verified (by the admin): one at a time, and all at once.
			for _, id := range oneIDs {
				if _, err := one.records.Verify(ctx, one.f.admin, id); err != nil {
					t.Fatal(err)
				}
			}
			_, errs, err := many.records.VerifyMany(ctx, many.f.admin, append(manyIDs, manyIDs[0]))
			if err != nil {
				t.Fatal(err)
			}
			for i, err := range errs {
				if want := ""; i == len(manyIDs) {
					if code(err) != "invalid_transition" {
						t.Errorf("verifying a verified record again: %v", err)
					}
				} else if code(err) != want {
					t.Errorf("verifying record %d: %v", manyIDs[i], err)
				}
			}
			for _, s := range []*bulkSide{one, many} {
				if _, err := s.ledger.Drain(ctx); err != nil {
					t.Fatal(err)
				}
			}

			for _, q := range []struct {
				sql  string
				skip []string
			}{
				{"SELECT * FROM sales_records", []string{"id"}},
				{"SELECT r.invoice_number AS inv, i.* FROM sales_record_items i JOIN sales_records r ON r.id = i.record_id", []string{"id", "record_id"}},
				{"SELECT r.invoice_number AS inv, c.* FROM invoice_claims c JOIN sales_records r ON r.id = c.holder_id", []string{"id", "holder_id"}},
				{"SELECT action, entity, before_json, reason, actor_id FROM audits WHERE entity = 'sales_record'", nil},
				{"SELECT r.invoice_number AS inv, i.seq AS item, c.* FROM credits c JOIN sales_records r ON r.id = c.record_id " +
					"JOIN sales_record_items i ON i.id = c.line_id", []string{"id", "record_id", "line_id"}},
				{"SELECT COUNT(*) AS pending FROM credit_pending", nil},
				{"SELECT * FROM rollup_pairings", nil},
				{"SELECT * FROM rollup_areas", nil},
				{"SELECT * FROM rollup_orgs", nil},
				{"SELECT * FROM rollup_sales", nil},
				{"SELECT * FROM rollup_org_pairings", nil},
				{"SELECT * FROM rollup_platforms", nil},
			} {
				a, b := dump(t, one.st, q.sql, q.skip...), dump(t, many.st, q.sql, q.skip...)
				if !slices.Equal(a, b) {
					t.Errorf("%s:\none at a time %q\nmany          %q", q.sql, a, b)
				}
			}
			if n := count(t, many.st, "SELECT COUNT(*) FROM credits"); n != 2*len(manyIDs) {
				t.Errorf("%d entries, want %d", n, 2*len(manyIDs))
			}
		})
	}
}

func TestImportOwnerGone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b.Store)
		s := newService(b.Store, "replica-a")
		job, err := s.Upload(ctx, f.orgAdmin, model.ImportRecords, "台账.xlsx", recordsFile(t, 8_000_000, 4, 2))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Store.DB().Exec("DELETE FROM users WHERE id = ?", f.orgAdmin.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Work(ctx); err != nil {
			t.Fatal(err)
		}
		j, err := s.Get(ctx, f.admin, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != model.ImportFailed || j.Totals == nil || !strings.Contains(j.Totals.Failure, "no longer exists") {
			t.Fatalf("job %s, totals %+v", j.Status, j.Totals)
		}
		// Nothing is left to retry.
		if n, err := s.Work(ctx); err != nil || n != 0 {
			t.Fatalf("worked %d chunks of a failed job: %v", n, err)
		}
	})
}

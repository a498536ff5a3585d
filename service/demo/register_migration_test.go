package demo

// Moving the certifications into the register changes no credited figure:
// on the demo's trade plus generated certifications (several per product,
// revoked ones, numbers shared between products) and generated ledger
// entries, the register migration's data statements run again on a
// register emptied for the purpose, and every rollup row, the ledger and
// every product's certificate columns are what they were; each product's
// link names an entry that is its current certificate.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/credit"
)

// snapshot is every figure the migration must not move, as sorted text.
func snapshot(t *testing.T, st *store.Store) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT period, pairing_id, reason, kind, channel, cents, orders FROM rollup_pairings",
		"SELECT period, pairing_id, reason, kind, buyer_region, origin_code, cents, orders FROM rollup_areas",
		"SELECT period, pairing_id, reason, platform, sector, supplier_id, category_code, cents, orders FROM rollup_sales",
		"SELECT period, org_id, cents, certified_cents, credited_cents, subtree_cents, subtree_certified_cents, subtree_credited_cents FROM rollup_orgs",
		"SELECT period, org_id, pairing_id, cents, subtree_cents FROM rollup_org_pairings",
		"SELECT id, amount_cents, COALESCE(pairing_id, 0), reason, certified, period FROM credits",
		"SELECT id, cert_status, cert_valid_from, cert_valid_to FROM products",
		"SELECT id, product_id, certificate_no, issuer, status, valid_from, valid_to FROM certifications",
	} {
		rows, err := st.DB().Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
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
			parts := make([]string, len(vals))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprint(v)
			}
			out = append(out, q[:30]+"|"+strings.Join(parts, "|"))
		}
		rows.Close()
	}
	slices.Sort(out)
	return out
}

// generate adds certifications and ledger entries at random (seeded).
func generate(t *testing.T, st *store.Store, ledger *credit.Ledger) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(20260601, 15))
	var ids []int64
	if err := st.DB().QueryRow("SELECT COUNT(*) FROM products").Scan(new(int)); err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().Query("SELECT id FROM products ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for i := 0; i < 300; i++ {
		p := ids[rng.IntN(len(ids))]
		from := time.Date(2021+rng.IntN(5), time.Month(1+rng.IntN(12)), 1, 0, 0, 0, 0, model.China)
		c := &model.Certification{ProductID: p, CertificateNo: fmt.Sprintf("GEN-%03d", rng.IntN(120)),
			Issuer: []string{"乐山市农业农村局", "阿坝州农业农村局"}[rng.IntN(2)], Batch: fmt.Sprint(rng.IntN(4)),
			ValidFrom: model.DateOf(from), ValidTo: model.DateOf(from.AddDate(1+rng.IntN(2), 0, -1))}
		if err := st.Certify(ctx, c); err != nil {
			t.Fatal(err)
		}
		if rng.IntN(5) == 0 {
			if err := st.RevokeCertification(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	var entries []*model.Credit
	for i := 0; i < 500; i++ {
		pid := int64(rng.IntN(4))
		e := &model.Credit{Source: model.SourceAcceptance, OrderID: int64(900000 + i), LineID: int64(i + 1),
			Quantity: 1, AmountCents: rng.Int64N(1_000_000) - 100_000, Kind: model.CreditDirect, Channel: model.OrgCanteen,
			CategoryCode: "tea", OriginCode: "511113", BuyerRegion: "330604", Period: 202101 + 100*rng.IntN(6) + rng.IntN(12),
			CreditDate: "2021-01-01", Certified: rng.IntN(2) == 0, Platform: model.PlatformMall, Orders: rng.IntN(2)}
		if pid > 0 {
			e.PairingID = &pid
		} else {
			e.Reason = model.ReasonNoPairing
		}
		entries = append(entries, e)
	}
	if err := st.AddCredits(ctx, entries); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRegisterMigrationKeepsFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st := b.Store
		trade(t, st, time.Now())
		ledger := credit.New(st, nil)
		generate(t, st, ledger)
		before := snapshot(t, st)

		// Empty the register and run the migration's data statements again.
		for _, q := range []string{"UPDATE products SET register_entry_id = NULL", "DELETE FROM register_entries"} {
			if _, err := st.DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		migs, err := store.Migrations(st.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		var src string
		for _, m := range migs {
			if m.Version == 28 {
				src = m.SQL
			}
		}
		i := strings.Index(src, "INSERT INTO register_entries")
		if i < 0 {
			t.Fatal("migration 0028 has no INSERT INTO register_entries")
		}
		for _, stmt := range strings.Split(src[i:], ";\n") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := st.DB().Exec(stmt); err != nil {
				t.Fatalf("%v\n%s", err, stmt)
			}
		}

		after := snapshot(t, st)
		if !slices.Equal(before, after) {
			t.Fatalf("figures moved: %d rows before, %d after", len(before), len(after))
		}
		rep, err := ledger.Rebuild(context.Background())
		if err != nil || rep.Corrected != 0 {
			t.Fatalf("rebuild: %+v %v", rep, err)
		}
		// Every product with a certificate links to the entry of its current
		// one, with the same validity and status; none without one links.
		var bad, linked, certified int64
		q := `SELECT
		  (SELECT COUNT(*) FROM products p JOIN certifications c ON c.id = (SELECT MAX(c2.id) FROM certifications c2 WHERE c2.product_id = p.id)
		     LEFT JOIN register_entries r ON r.id = p.register_entry_id
		   WHERE r.id IS NULL OR r.issuer <> c.issuer OR r.certificate_no <> c.certificate_no),
		  (SELECT COUNT(*) FROM products WHERE register_entry_id IS NOT NULL),
		  (SELECT COUNT(DISTINCT product_id) FROM certifications)`
		if err := st.DB().QueryRow(q).Scan(&bad, &linked, &certified); err != nil {
			t.Fatal(err)
		}
		if bad != 0 || linked != certified || certified == 0 {
			t.Errorf("%d products mislinked; %d linked of %d certified", bad, linked, certified)
		}
		// An entry that is the newest certificate of every product linked to
		// it carries that certificate's validity and status.
		var off int64
		q = `SELECT COUNT(*) FROM register_entries r JOIN certifications c ON c.id = (SELECT MAX(c2.id) FROM certifications c2
		       WHERE c2.issuer = r.issuer AND c2.certificate_no = r.certificate_no
		         AND c2.id IN (SELECT MAX(c3.id) FROM certifications c3 GROUP BY c3.product_id))
		     WHERE r.valid_from <> c.valid_from OR r.valid_to <> c.valid_to OR r.status <> c.status`
		if err := st.DB().QueryRow(q).Scan(&off); err != nil {
			t.Fatal(err)
		}
		if off != 0 {
			t.Errorf("%d register entries differ from their certificate", off)
		}
	})
}

package demo

import (
	"context"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/credit"
	"shanhai/service/record"
)

// TestRecords: the demo's records are verified and credited where the
// article says — 上虞–景宁, 越城–开化, 嵊州–青田 — with the amounts of the
// table (rows dated after today are left out), and the market's total since
// 2021 is 1800万 once its last quarter of this year has passed.
func TestRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := b.Store
		now := time.Now()
		trade(t, st, now)
		ledger := credit.New(st, nil)
		n, err := Records(ctx, st, record.New(st, st, ledger), now)
		if err != nil {
			t.Fatal(err)
		}
		today := now.In(model.China)
		want := map[string]int64{} // helper>partner → cents, all years
		rows, waiting := 0, 0
		for _, r := range demoRecords() {
			month, day := r.month, r.day
			if month == 0 {
				month = int(today.Month())
			}
			if day == 0 {
				day = today.Day()
			}
			if time.Date(today.Year()-r.years, time.Month(month), day, 0, 0, 0, 0, model.China).After(today) {
				continue
			}
			if r.waiting { // submitted (its invoice claimed), not verified: no credit yet
				waiting++
				continue
			}
			rows++
			helper := map[string]string{"上虞区供销合作社": "330604", "绍兴市蔬菜果品批发交易市场有限公司": "330602", restaurant: "330683"}[r.org]
			for _, it := range r.items {
				want[helper+">"+r.producer.region] += it.yuan * 100
			}
		}
		if n != rows {
			t.Errorf("verified %d records, want %d", n, rows)
		}
		for key, cents := range want {
			got := scalar(t, st.DB(), `SELECT SUM(c.amount_cents) FROM credits c JOIN pairings p ON p.id = c.pairing_id
				WHERE c.record_id IS NOT NULL AND p.helper_code = ? AND p.partner_code = ?`, key[:6], key[7:])
			if got != cents {
				t.Errorf("%s: credited %d, want %d", key, got, cents)
			}
		}
		if got := scalar(t, st.DB(), "SELECT COUNT(*) FROM credits WHERE record_id IS NOT NULL AND pairing_id IS NULL"); got != 0 {
			t.Errorf("%d record entries not credited", got)
		}
		if today.Month() == 12 && today.Day() >= 15 && want["330602>330824"] != 1_800_000_000 {
			t.Errorf("the market's 开化 sales since 2021: %d cents, want 1800万", want["330602>330824"])
		}
		if linked, certified := scalar(t, st.DB(), "SELECT COUNT(*) FROM products WHERE register_entry_id IS NOT NULL"),
			scalar(t, st.DB(), "SELECT COUNT(DISTINCT product_id) FROM certifications"); linked != certified || linked == 0 {
			t.Errorf("%d demo products linked to the register, %d certified", linked, certified)
		}
		if got := scalar(t, st.DB(), "SELECT COUNT(*) FROM invoice_claims"); got != int64(rows+waiting) {
			t.Errorf("%d invoice claims, want %d", got, rows+waiting)
		}
		if got := scalar(t, st.DB(), "SELECT COUNT(*) FROM sales_records WHERE status = 'submitted'"); got != int64(waiting) || waiting != 1 {
			t.Errorf("%d records waiting for verification, want %d (1)", got, waiting)
		}
	})
}

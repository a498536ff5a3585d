package store_test

// Migration 0011 back-fills each order line's held_qty from the returns
// already stored: approved units (returned_qty) plus the units of requested
// returns; rejected ones hold nothing. The back-fill UPDATE is run again on
// rows written as an earlier version wrote them (held_qty 0).

import (
	"testing"
	"time"
)

func TestReturnHoldsBackfill(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dialect, dsn string) {
		ctx := t.Context()
		st := migrated(t, dsn)
		backfill := backfills(t, dialect, 11, "UPDATE order_lines")[0]
		db := st.DB()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		// line 1: 5 received, 2 returned (approved), requests of 3 and 4
		// pending (the race: over what was received), one of 1 rejected;
		// line 2: 2 received, nothing asked; line 3: not received.
		for i, l := range []struct {
			received *int64
			returned int64
		}{{ptr(int64(5)), 2}, {ptr(int64(2)), 0}, {nil, 0}} {
			exec(`INSERT INTO order_lines (id, order_id, sku_id, product_id, product_name, spec, unit, quantity,
				unit_price_cents, amount_cents, received_qty, returned_qty, origin_code, category_code)
				VALUES (?, 1, 1, 1, 'tea', '100g', 'bag', 5, 100, 500, ?, ?, '330604', 'tea')`, i+1, l.received, l.returned)
		}
		for i, r := range []struct {
			status string
			qty    int64
		}{{"approved", 2}, {"requested", 3}, {"requested", 4}, {"rejected", 1}} {
			exec(`INSERT INTO returns (id, order_id, status, reason, amount_cents, requested_by, deadline_at, created_at)
				VALUES (?, 1, ?, 'quality', ?, 1, ?, ?)`, i+1, r.status, r.qty*100, now, now)
			exec("INSERT INTO return_lines (return_id, line_id, quantity, amount_cents) VALUES (?, 1, ?, ?)", i+1, r.qty, r.qty*100)
		}
		exec(backfill)
		for line, want := range map[int64]int64{1: 2 + 3 + 4, 2: 0, 3: 0} {
			var got int64
			if err := db.QueryRowContext(ctx, "SELECT held_qty FROM order_lines WHERE id = ?", line).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("line %d: held_qty %d after the back-fill, want %d", line, got, want)
			}
		}
	})
}

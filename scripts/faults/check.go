package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// verdict is one invariant's outcome for one scenario.
type verdict struct {
	name   string
	state  string // HELD, BROKEN, n/a
	detail string
}

func held(name string) verdict { return verdict{name: name, state: "HELD"} }

func broken(name, format string, args ...any) verdict {
	return verdict{name: name, state: "BROKEN", detail: fmt.Sprintf(format, args...)}
}

func notApplicable(name, why string) verdict {
	return verdict{name: name, state: "n/a", detail: why}
}

// checkDB checks the invariants in one consistent snapshot of the private
// MariaDB, once the rollups have caught up (credit_pending empty).
func checkDB(ctx context.Context, db *sql.DB, rec *record, startMax int64) []verdict {
	var tx *sql.Tx
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		tx, err = db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return []verdict{broken("db", "begin: %v", err)}
		}
		var pending int64
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM credit_pending").Scan(&pending); err != nil {
			tx.Rollback()
			return []verdict{broken("db", "credit_pending: %v", err)}
		}
		if pending == 0 {
			break
		}
		tx.Rollback()
		if time.Now().After(deadline) {
			return []verdict{broken("ledger=rollups", "credit_pending still holds %d rows 10 s after the load stopped", pending)}
		}
		time.Sleep(200 * time.Millisecond)
	}
	defer tx.Rollback()
	return []verdict{
		checkOrders(ctx, tx, rec, startMax),
		checkStock(ctx, tx),
		checkRollups(ctx, tx),
		checkLedger(ctx, tx),
		checkRecord(ctx, tx, rec),
		checkMoney(ctx, tx, startMax),
	}
}

// checkMoney: for the orders placed in the scenario, the order's paid and
// refunded amounts are its succeeded payments, and what the buyer is out of
// pocket fits the order's state: nothing once cancelled, the total while a
// prepaid order is on its way, received − returned once settled.
func checkMoney(ctx context.Context, tx *sql.Tx, startMax int64) verdict {
	const name = "money"
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.status, o.payment_terms, o.total_cents, o.received_cents, o.returned_cents,
		o.paid_cents, o.refunded_cents,
		COALESCE((SELECT SUM(amount_cents) FROM payments p WHERE p.order_id = o.id AND p.kind = 'charge' AND p.status = 'succeeded'), 0),
		COALESCE((SELECT SUM(amount_cents) FROM payments p WHERE p.order_id = o.id AND p.kind = 'refund' AND p.status = 'succeeded'), 0)
		FROM orders o WHERE o.id > ?`, startMax)
	if err != nil {
		return broken(name, "%v", err)
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var id, total, received, returned, paid, refunded, charges, refunds int64
		var status, terms string
		if err := rows.Scan(&id, &status, &terms, &total, &received, &returned, &paid, &refunded, &charges, &refunds); err != nil {
			return broken(name, "%v", err)
		}
		var want int64
		switch {
		case status == "settled" || (status == "accepted" && terms == "prepay"):
			want = received - returned
		case terms == "prepay" && (status == "awaiting_shipment" || status == "shipped"):
			want = total
		}
		if paid != charges || refunded != refunds || paid-refunded != want {
			bad = append(bad, fmt.Sprintf("order %d %s %s: paid %d (charges %d) refunded %d (refunds %d), want net %d",
				id, status, terms, paid, charges, refunded, refunds, want))
		}
	}
	if err := rows.Err(); err != nil {
		return broken(name, "%v", err)
	}
	if len(bad) > 0 {
		return broken(name, "%d orders: %s", len(bad), strings.Join(bad[:min(3, len(bad))], "; "))
	}
	return held(name)
}

// int64Map runs a two-column query (key, value).
func int64Map(ctx context.Context, tx *sql.Tx, q string, args ...any) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] += v
	}
	return m, rows.Err()
}

// diff lists the keys whose values differ (missing = 0), at most 5.
func diff(a, b map[string]int64) []string {
	var out []string
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		if a[k] != b[k] {
			out = append(out, fmt.Sprintf("%s: %d vs %d", k, a[k], b[k]))
		}
	}
	sort.Strings(out)
	return out[:min(len(out), 5)]
}

// checkOrders: every acknowledged order exists (ids are the primary key, so
// at most once); the orders placed since the scenario began are exactly the
// acknowledged ones, give or take placements the load gave up on; no order
// has no lines.
func checkOrders(ctx context.Context, tx *sql.Tx, rec *record, startMax int64) verdict {
	const name = "orders"
	ids, err := int64Map(ctx, tx, "SELECT id, 1 FROM orders WHERE id > ?", startMax)
	if err != nil {
		return broken(name, "%v", err)
	}
	var missing []int64
	for id := range rec.acked {
		if ids[fmt.Sprint(id)] == 0 {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return broken(name, "%d acknowledged orders are not in the database, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
	if extra := len(ids) - len(rec.acked); extra < 0 || extra > rec.abandoned {
		return broken(name, "%d orders placed since the scenario began, %d acknowledged, %d placements given up: %d orders nobody was told about",
			len(ids), len(rec.acked), rec.abandoned, extra)
	}
	var empty int64
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)").Scan(&empty); err != nil {
		return broken(name, "%v", err)
	}
	if empty > 0 {
		return broken(name, "%d orders have no lines", empty)
	}
	return held(name)
}

// checkStock: on hand, reserved and available are never negative, and
// reserved is exactly the open orders' lines.
func checkStock(ctx context.Context, tx *sql.Tx) verdict {
	const name = "stock"
	var negative int64
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM skus WHERE on_hand < 0 OR reserved < 0 OR on_hand - reserved < 0").Scan(&negative); err != nil {
		return broken(name, "%v", err)
	}
	if negative > 0 {
		return broken(name, "%d SKUs with negative on hand, reserved or available", negative)
	}
	reserved, err := int64Map(ctx, tx, "SELECT id, reserved FROM skus WHERE reserved <> 0")
	if err != nil {
		return broken(name, "%v", err)
	}
	open, err := int64Map(ctx, tx, `SELECT l.sku_id, SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE o.status IN ('pending_approval', 'pending_payment', 'awaiting_shipment') GROUP BY l.sku_id`)
	if err != nil {
		return broken(name, "%v", err)
	}
	if d := diff(reserved, open); len(d) > 0 {
		return broken(name, "reserved vs open order lines per SKU: %s", strings.Join(d, "; "))
	}
	return held(name)
}

// checkRollups: the ledger equals the rollups per pairing per month and per
// pairing per year.
func checkRollups(ctx context.Context, tx *sql.Tx) verdict {
	const name = "ledger=rollups"
	for _, q := range []struct{ what, ledger, rollup string }{
		{"month", "SELECT CONCAT(COALESCE(pairing_id, 0), '/', period), amount_cents FROM credits",
			"SELECT CONCAT(pairing_id, '/', period), cents FROM rollup_pairings WHERE period % 100 <> 0"},
		{"year", "SELECT CONCAT(COALESCE(pairing_id, 0), '/', period DIV 100), amount_cents FROM credits",
			"SELECT CONCAT(pairing_id, '/', period DIV 100), cents FROM rollup_pairings WHERE period % 100 = 0"},
	} {
		ledger, err := int64Map(ctx, tx, q.ledger)
		if err != nil {
			return broken(name, "%v", err)
		}
		rollup, err := int64Map(ctx, tx, q.rollup)
		if err != nil {
			return broken(name, "%v", err)
		}
		if d := diff(ledger, rollup); len(d) > 0 {
			return broken(name, "ledger vs rollup_pairings per pairing/%s: %s", q.what, strings.Join(d, "; "))
		}
	}
	return held(name)
}

// checkLedger: per order, the credit entries add up to what was received
// at the order's prices minus the approved returns.
func checkLedger(ctx context.Context, tx *sql.Tx) verdict {
	const name = "ledger=accepted-returns"
	var corrections int64
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM corrections").Scan(&corrections); err != nil {
		return broken(name, "%v", err)
	}
	if corrections > 0 {
		return notApplicable(name, fmt.Sprintf("%d corrections in the ledger", corrections))
	}
	// credits of off-platform records (order 0) are not the orders' own
	ledger, err := int64Map(ctx, tx, "SELECT order_id, amount_cents FROM credits WHERE order_id <> 0")
	if err != nil {
		return broken(name, "%v", err)
	}
	want, err := int64Map(ctx, tx, `SELECT l.order_id, l.received_qty * l.unit_price_cents FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE o.status IN ('accepted', 'settled') AND l.received_qty IS NOT NULL`)
	if err != nil {
		return broken(name, "%v", err)
	}
	returned, err := int64Map(ctx, tx, "SELECT order_id, amount_cents FROM returns WHERE status = 'approved'")
	if err != nil {
		return broken(name, "%v", err)
	}
	for k, v := range returned {
		want[k] -= v
	}
	if d := diff(ledger, want); len(d) > 0 {
		return broken(name, "order: credits vs received - returns: %s", strings.Join(d, "; "))
	}
	return held(name)
}

// checkRecord: what the API said it accepted and approved is in the
// database, with the same amounts.
func checkRecord(ctx context.Context, tx *sql.Tx, rec *record) verdict {
	const name = "record⊆db"
	received, err := int64Map(ctx, tx, `SELECT l.order_id, l.received_qty * l.unit_price_cents FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE o.status IN ('accepted', 'settled') AND l.received_qty IS NOT NULL`)
	if err != nil {
		return broken(name, "%v", err)
	}
	for id, amount := range rec.accepted {
		if got := received[fmt.Sprint(id)]; got != amount {
			return broken(name, "order %d: acceptance answered %d cents received, database has %d", id, amount, got)
		}
	}
	returns, err := int64Map(ctx, tx, "SELECT id, amount_cents FROM returns WHERE status = 'approved'")
	if err != nil {
		return broken(name, "%v", err)
	}
	credits, err := int64Map(ctx, tx, "SELECT return_id, amount_cents FROM credits WHERE return_id IS NOT NULL")
	if err != nil {
		return broken(name, "%v", err)
	}
	for id, amount := range rec.returns {
		k := fmt.Sprint(id)
		if got, ok := returns[k]; !ok || got != amount {
			return broken(name, "return %d: approval answered %d cents, database has approved=%v %d", id, amount, ok, got)
		}
		if credits[k] != -amount {
			return broken(name, "return %d of %d cents: its credit entries add up to %d", id, amount, credits[k])
		}
	}
	return held(name)
}

// checkFives: outside the database outage no 5xx at all; inside it only 503
// with the JSON error body; and no request ran into the client timeout.
func checkFives(t *tally, from, to time.Time) verdict {
	const name = "5xx"
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.fives {
		inside := !from.IsZero() && f.end.After(from) && f.start.Before(to)
		if !inside {
			return broken(name, "%d 5xx outside any database outage, e.g. %s", len(t.fives), f.what)
		}
		if f.status != http.StatusServiceUnavailable || !f.jsonErr {
			return broken(name, "during the outage: %s", f.what)
		}
	}
	if n := t.timeouts.Load(); n > 0 {
		return broken(name, "%d requests ran into the client timeout: %s", n, strings.Join(t.slow, "; "))
	}
	return held(name)
}

// checkAPIStock compares every replica's product detail (available per SKU)
// (only that SKU when only is set) with on hand − reserved in the database. The caller makes sure nothing
// writes stock meanwhile; the cache may lag a committed write by a second.
func checkAPIStock(ctx context.Context, c *client, db *sql.DB, products []int64, only int64) verdict {
	const name = "api stock=db"
	dbAvail := map[int64]int64{}
	rows, err := db.QueryContext(ctx, "SELECT id, on_hand - reserved FROM skus")
	if err != nil {
		return broken(name, "%v", err)
	}
	for rows.Next() {
		var id, a int64
		rows.Scan(&id, &a)
		dbAvail[id] = a
	}
	rows.Close()
	for _, base := range c.bases {
		for _, p := range products {
			status, body, err := c.once(ctx, base, "", http.MethodGet, fmt.Sprintf("/api/v1/products/%d", p), nil, "", false)
			if err != nil || status != http.StatusOK {
				return broken(name, "%s product %d: %d %v", base, p, status, err)
			}
			var d struct {
				SKUs []struct {
					ID        int64 `json:"id"`
					Available int64 `json:"available"`
				} `json:"skus"`
			}
			if err := json.Unmarshal(body, &d); err != nil {
				return broken(name, "%s product %d: %v", base, p, err)
			}
			for _, s := range d.SKUs {
				if only != 0 && s.ID != only {
					continue
				}
				if s.Available != dbAvail[s.ID] {
					return broken(name, "%s product %d sku %d: API says %d available, database %d", base, p, s.ID, s.Available, dbAvail[s.ID])
				}
			}
		}
	}
	return held(name)
}

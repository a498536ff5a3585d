package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// The check asks the database, not the server, and compares with the
// bench's own record: every order it was told was placed (a 201, or the
// ceiling's commit), cumulated over the whole run since every run adds to
// the same SKUs.

// ledger is the bench's record so far.
type ledger struct {
	told      map[int64]int64 // units per SKU in placed orders
	lastOrder int64           // the highest order id after the previous run
}

type checkResult struct {
	skus            int      // SKUs checked
	bad             []string // offending SKUs, at most a few
	badN            int
	created, placed int // orders created in the run (by id), orders the run was told were placed
	lines, told     int // their lines, and the lines the run placed
	running         int // idempotency keys still running
}

func (c *checkResult) ok() bool {
	return c.badN == 0 && c.created == c.placed && c.lines == c.told && c.running == 0
}

func (c *checkResult) String() string {
	var b strings.Builder
	if c.badN == 0 {
		fmt.Fprintf(&b, "stock balanced: %d SKUs", c.skus)
	} else {
		fmt.Fprintf(&b, "STOCK UNBALANCED: %d of %d SKUs (%s)", c.badN, c.skus, strings.Join(c.bad, "; "))
	}
	rel := "="
	if c.created != c.placed {
		rel = "≠"
	}
	fmt.Fprintf(&b, "; orders created %d %s placed %d", c.created, rel, c.placed)
	rel = "="
	if c.lines != c.told {
		rel = "≠"
	}
	fmt.Fprintf(&b, "; lines %d %s %d", c.lines, rel, c.told)
	if c.running > 0 {
		fmt.Fprintf(&b, "; %d idempotency keys still running", c.running)
	}
	return b.String()
}

// check adds the run r to the ledger and checks, for every SKU: on hand as
// loaded; reserved = units the bench was told were placed = Σ quantity of
// the lines of open orders; on hand − reserved ≥ 0. And that the run created
// exactly the orders (and lines) it was told about.
func check(ctx context.Context, db *sql.DB, d *dataset, lg *ledger, r *result) (*checkResult, error) {
	for k, v := range r.told {
		lg.told[k] += v
	}
	open := map[int64]int64{}
	q, err := db.QueryContext(ctx, `SELECT l.sku_id, SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE o.status IN ('pending_approval', 'pending_payment', 'awaiting_shipment') GROUP BY l.sku_id`)
	if err != nil {
		return nil, err
	}
	for q.Next() {
		var id, units int64
		if err := q.Scan(&id, &units); err != nil {
			q.Close()
			return nil, err
		}
		open[id] = units
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, err
	}

	c := &checkResult{placed: r.orders, told: r.lines}
	q, err = db.QueryContext(ctx, `SELECT id, on_hand, reserved FROM skus ORDER BY id`)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for q.Next() {
		var id, onHand, reserved int64
		if err := q.Scan(&id, &onHand, &reserved); err != nil {
			q.Close()
			return nil, err
		}
		c.skus++
		seen[id] = true
		var want int64 = -1
		if id >= 1 && id <= int64(len(d.skus)) {
			want = d.sku(id).onHand
		}
		if onHand != want || reserved != lg.told[id] || reserved != open[id] || onHand-reserved < 0 {
			c.badN++
			if len(c.bad) < 5 {
				c.bad = append(c.bad, fmt.Sprintf("sku %d: on_hand %d (loaded %d), reserved %d, placed %d, in open orders %d",
					id, onHand, want, reserved, lg.told[id], open[id]))
			}
		}
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, err
	}
	for id := range lg.told {
		if !seen[id] {
			c.badN++
			c.bad = append(c.bad, fmt.Sprintf("sku %d: placed but missing", id))
		}
	}

	var maxID sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(id) FROM orders WHERE id > ?`, lg.lastOrder).Scan(&c.created, &maxID); err != nil {
		return nil, err
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM order_lines WHERE order_id > ?`, lg.lastOrder).Scan(&c.lines); err != nil {
		return nil, err
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM idempotency_keys WHERE status <> 'done'`).Scan(&c.running); err != nil {
		return nil, err
	}
	if maxID.Valid {
		lg.lastOrder = maxID.Int64
	}
	return c, nil
}

// merge adds the check of a later segment of the same runner.
func (c *checkResult) merge(b *checkResult) *checkResult {
	if c == nil {
		return b
	}
	out := *c
	out.skus = b.skus
	out.badN += b.badN
	out.bad = append(slices.Clip(out.bad), b.bad...)
	out.created += b.created
	out.placed += b.placed
	out.lines += b.lines
	out.told += b.told
	out.running = max(out.running, b.running)
	return &out
}

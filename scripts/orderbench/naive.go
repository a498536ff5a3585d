package main

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"
)

// The naive ceiling is the least an order placement can do and still
// sell stock right: per order one transaction with
//
//	UPDATE skus SET reserved = reserved + ? WHERE id = ? AND on_hand - reserved >= ?   per SKU, in id order, RowsAffected checked
//	INSERT orders; INSERT order_lines (one multi-row statement)
//	COMMIT
//
// and nothing else: no idempotency key, no history row, no buyer holdings,
// no version check, no response body, no HTTP, no reads. It is what a
// placement costs the database when every guarantee beyond "no oversell"
// is dropped; the server keeps all of them, so beating it takes sharing
// work between orders (group commit), not dropping any.
type naive struct {
	db *sql.DB
	d  *dataset
}

func (c *naive) place(ctx context.Context, buyer int, _ string, lines []line) (outcome, string) {
	userID := c.d.users[buyer]
	now := time.Now().UTC().Truncate(time.Millisecond)
	deadline := now.Add(unpaidTTL)

	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return failed, cause(err)
	}
	defer tx.Rollback()
	sorted := slices.Clone(lines)
	slices.SortFunc(sorted, func(a, b line) int { return int(a.SKUID - b.SKUID) })
	for _, l := range sorted {
		res, err := tx.ExecContext(ctx, `UPDATE skus SET reserved = reserved + ? WHERE id = ? AND on_hand - reserved >= ?`,
			l.Quantity, l.SKUID, l.Quantity)
		if err != nil {
			return failed, cause(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return failed, cause(err)
		} else if n == 0 {
			return soldOut, ""
		}
	}
	var supplier, total int64
	for _, l := range lines {
		k := c.d.sku(l.SKUID)
		supplier = k.supplierID
		total += k.priceCents * l.Quantity
	}
	res, err := tx.ExecContext(ctx, insertOrder, checkoutID(), userID, supplier, total, deadline, now, now)
	if err != nil {
		return failed, cause(err)
	}
	orderID, err := res.LastInsertId()
	if err != nil {
		return failed, cause(err)
	}
	args := make([]any, 0, 13*len(lines))
	for _, l := range lines {
		k := c.d.sku(l.SKUID)
		args = append(args, orderID, k.id, k.productID, k.productName, k.spec, k.unit, l.Quantity,
			k.priceCents, k.priceCents*l.Quantity, k.origin, k.category, k.perishable, k.pairingID)
	}
	if _, err := tx.ExecContext(ctx, insertLines+strings.TrimSuffix(strings.Repeat(lineTuple+",", len(lines)), ","), args...); err != nil {
		return failed, cause(err)
	}
	if err := tx.Commit(); err != nil {
		return failed, cause(err)
	}
	return placed, ""
}

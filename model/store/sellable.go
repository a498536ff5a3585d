package store

// Sellables: the catalogue as ordering reads it (price, tiers, stock and
// what an order line copies from its product and supplier).

import (
	"context"
	"database/sql"
	"sort"
	"strings"

	"shanhai/model"
)

// Sellables loads SKUs with what ordering needs from their product and
// supplier, and their tiers, keyed by SKU id, in one query. Unknown ids are
// simply absent. Tiers are sorted here rather than by ORDER BY, which would
// cost the database a temporary table and a filesort on every order.
func (s *Store) Sellables(ctx context.Context, skuIDs []int64) (map[int64]*model.Sellable, error) {
	if len(skuIDs) == 0 {
		return map[int64]*model.Sellable{}, nil
	}
	args := make([]any, len(skuIDs))
	for i, id := range skuIDs {
		args[i] = id
	}
	return s.sellables(ctx, len(skuIDs), "k.id IN ("+placeholders(len(skuIDs))+")", args...)
}

// SellablesOnSale is Sellables for the SKUs on sale from active suppliers
// with ids in (after, upTo]: with MaxSKUID, a caller walks the whole
// catalogue range by range.
func (s *Store) SellablesOnSale(ctx context.Context, after, upTo int64) (map[int64]*model.Sellable, error) {
	return s.sellables(ctx, int(upTo-after), "k.id > ? AND k.id <= ? AND p.on_sale = ? AND s.status = ?",
		after, upTo, true, model.SupplierActive)
}

// MaxSKUID is the highest SKU id (0 without SKUs).
func (s *Store) MaxSKUID(ctx context.Context) (int64, error) {
	var top sql.NullInt64
	if err := s.conn(ctx).Raw("SELECT MAX(id) FROM skus").Row().Scan(&top); err != nil {
		return 0, mapErr(err)
	}
	return top.Int64, nil
}

func (s *Store) sellables(ctx context.Context, size int, where string, args ...any) (map[int64]*model.Sellable, error) {
	out := make(map[int64]*model.Sellable, size)
	rows, err := s.rawQuery(ctx, `SELECT k.id, k.product_id, k.spec, k.unit, k.price_cents, k.on_hand, k.reserved, k.version, k.purchase_limit,
		p.name, p.supplier_id, s.name, p.on_sale, p.origin_code, p.category_code, p.perishable, s.status,
		t.min_qty, t.price_cents
		FROM skus k JOIN products p ON p.id = k.product_id JOIN suppliers s ON s.id = p.supplier_id
		LEFT JOIN sku_tiers t ON t.sku_id = k.id
		WHERE `+where, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r model.Sellable
		var tierMin, tierPrice sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ProductID, &r.Spec, &r.Unit, &r.PriceCents, &r.OnHand, &r.Reserved, &r.Version, &r.PurchaseLimit,
			&r.ProductName, &r.SupplierID, &r.SupplierName, &r.OnSale, &r.OriginCode, &r.CategoryCode, &r.Perishable,
			&r.SupplierStatus, &tierMin, &tierPrice); err != nil {
			return nil, mapErr(err)
		}
		k := out[r.ID]
		if k == nil {
			k = &r
			out[r.ID] = k
		}
		if tierMin.Valid {
			k.Tiers = append(k.Tiers, model.Tier{SKUID: r.ID, MinQty: tierMin.Int64, PriceCents: tierPrice.Int64})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for _, k := range out {
		sort.Slice(k.Tiers, func(i, j int) bool { return k.Tiers[i].MinQty < k.Tiers[j].MinQty })
	}
	return out, nil
}

// placeholders is "?, ?, …", n of them.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// anyOf matches the rows whose cols equal any of n tuples of arguments
// (the arguments tuple after tuple). MariaDB reads a row constructor's IN
// list, "(a, b) IN ((?, ?), …)", as ranges of an index on those columns, a
// few times faster than as many ORs; SQLite keeps the ORs, "(a = ? AND
// b = ?) OR …" (an index lookup each).
func (s *Store) anyOf(cols []string, n int) string {
	if s.dialect == SQLite {
		one := "(" + strings.Join(cols, " = ? AND ") + " = ?)"
		return strings.TrimSuffix(strings.Repeat(one+" OR ", n), " OR ")
	}
	one := "(" + placeholders(len(cols)) + ")"
	return "(" + strings.Join(cols, ", ") + ") IN (" + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + ")"
}

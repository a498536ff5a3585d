package store

// Carts: what a user means to buy, until checkout.

import (
	"context"

	"shanhai/model"
)

// Cart is a user's cart, by SKU id.
func (s *Store) Cart(ctx context.Context, userID int64) ([]model.CartItem, error) {
	var out []model.CartItem
	err := s.conn(ctx).Where("user_id = ?", userID).Order("sku_id").Find(&out).Error
	return out, mapErr(err)
}

// ReplaceCart replaces a user's cart with items.
func (s *Store) ReplaceCart(ctx context.Context, userID int64, items []model.CartItem) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Where("user_id = ?", userID).Delete(&model.CartItem{}).Error; err != nil {
			return mapErr(err)
		}
		if len(items) == 0 {
			return nil
		}
		for i := range items {
			items[i].UserID = userID
		}
		return mapErr(s.conn(ctx).CreateInBatches(&items, s.rowsPerInsert(ctx, len(items))).Error)
	})
}

// CartLines is a user's cart, by SKU id, with each SKU's product, supplier,
// tiers and first image as they are now; a SKU that no longer exists comes
// back with Found false.
func (s *Store) CartLines(ctx context.Context, userID int64) ([]model.CartLine, error) {
	rows, err := s.rawQuery(ctx, `SELECT c.sku_id, c.quantity, k.id IS NOT NULL,
		COALESCE(k.product_id, 0), COALESCE(p.name, ''), COALESCE(k.spec, ''), COALESCE(k.unit, ''),
		COALESCE(k.price_cents, 0), COALESCE(k.on_hand, 0), COALESCE(k.reserved, 0), COALESCE(k.purchase_limit, 0),
		COALESCE(p.on_sale, 0), COALESCE(s.id, 0), COALESCE(s.name, ''), COALESCE(s.status, ''),
		COALESCE((SELECT pi.thumb_hash FROM product_images pi WHERE pi.product_id = p.id ORDER BY pi.position, pi.id LIMIT 1), '')
		FROM cart_items c LEFT JOIN skus k ON k.id = c.sku_id LEFT JOIN products p ON p.id = k.product_id
		LEFT JOIN suppliers s ON s.id = p.supplier_id
		WHERE c.user_id = ? ORDER BY c.sku_id`, userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []model.CartLine
	byID := map[int64]int{}
	for rows.Next() {
		var l model.CartLine
		l.UserID = userID
		if err := rows.Scan(&l.SKUID, &l.Quantity, &l.Found, &l.ProductID, &l.ProductName, &l.Spec, &l.Unit,
			&l.PriceCents, &l.OnHand, &l.Reserved, &l.PurchaseLimit, &l.OnSale, &l.SupplierID, &l.SupplierName,
			&l.SupplierStatus, &l.ThumbHash); err != nil {
			return nil, mapErr(err)
		}
		byID[l.SKUID] = len(out)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(out))
	for _, l := range out {
		ids = append(ids, l.SKUID)
	}
	var tiers []model.Tier
	if err := s.conn(ctx).Where("sku_id IN ?", ids).Order("sku_id, min_qty").Find(&tiers).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, t := range tiers {
		i := byID[t.SKUID]
		out[i].Tiers = append(out[i].Tiers, t)
	}
	return out, nil
}

package store

// A supplier's SKU changes beyond price and stock: new SKUs of an existing
// product, volume tiers and the per-order purchase limit. Each moves the
// SKU's version (what an order copies from the catalogue changed), and the
// SKU rows are taken before the product's, as SetSKUPrice does.

import (
	"context"

	"shanhai/model"
)

// AddSKU adds k (with its tiers) to product productID and keeps the
// product's lowest price in step.
func (s *Store) AddSKU(ctx context.Context, productID int64, k *model.SKU) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		var ids []int64
		if err := db.Model(&model.SKU{}).Clauses(forUpdate).Where("product_id = ?", productID).Order("id").Pluck("id", &ids).Error; err != nil {
			return mapErr(err)
		}
		k.ProductID = productID
		if err := db.Create(k).Error; err != nil {
			return mapErr(err)
		}
		for j := range k.Tiers {
			k.Tiers[j].SKUID = k.ID
		}
		if len(k.Tiers) > 0 {
			if err := db.CreateInBatches(&k.Tiers, s.rowsPerInsert(ctx, len(k.Tiers))).Error; err != nil {
				return mapErr(err)
			}
		}
		return affected(db.Exec(`UPDATE products SET updated_at = ?,
			price_min_cents = (SELECT MIN(price_cents) FROM skus WHERE product_id = ?) WHERE id = ?`,
			s.gdb.NowFunc(), productID, productID), "product")
	})
}

// SetSKUTiers replaces a SKU's volume tiers; it returns the product id.
func (s *Store) SetSKUTiers(ctx context.Context, skuID int64, tiers []model.Tier) (int64, error) {
	var productID int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		var k model.SKU
		if err := db.Clauses(forUpdate).Where("id = ?", skuID).Take(&k).Error; err != nil {
			return notFound(err, "sku")
		}
		productID = k.ProductID
		if err := db.Exec("UPDATE skus SET version = version + 1 WHERE id = ?", skuID).Error; err != nil {
			return mapErr(err)
		}
		if err := db.Where("sku_id = ?", skuID).Delete(&model.Tier{}).Error; err != nil {
			return mapErr(err)
		}
		for j := range tiers {
			tiers[j].SKUID = skuID
		}
		if len(tiers) > 0 {
			return mapErr(db.CreateInBatches(&tiers, s.rowsPerInsert(ctx, len(tiers))).Error)
		}
		return nil
	})
	return productID, err
}

// SetPurchaseLimit sets the most units of a SKU one order may hold (0 =
// none); it returns the product id.
func (s *Store) SetPurchaseLimit(ctx context.Context, skuID, limit int64) (int64, error) {
	var productID int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if err := affected(db.Exec("UPDATE skus SET purchase_limit = ?, version = version + 1 WHERE id = ?", limit, skuID), "sku"); err != nil {
			return err
		}
		return mapErr(db.Model(&model.SKU{}).Where("id = ?", skuID).Pluck("product_id", &productID).Error)
	})
	return productID, err
}

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
		return mapErr(s.conn(ctx).Create(&items).Error)
	})
}

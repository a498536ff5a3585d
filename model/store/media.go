package store

// Product images: rows naming two public blobs each (model.ProductImage).
// products.image_count moves with every add and delete under a guarded
// UPDATE, which also serialises a product's image changes (the row write is
// what conflicts on a multi-master cluster).

import (
	"context"

	"gorm.io/gorm"

	"shanhai/model"
)

// AddProductImage appends img to its product's images, at the end of the
// order; 422 too_many_images when the product already has
// model.MaxProductImages, 404 when it does not exist.
func (s *Store) AddProductImage(ctx context.Context, img *model.ProductImage) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		res := db.Exec("UPDATE products SET image_count = image_count + 1 WHERE id = ? AND image_count < ?",
			img.ProductID, model.MaxProductImages)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := db.Model(&model.Product{}).Where("id = ?", img.ProductID).Count(&n).Error; err != nil {
				return mapErr(err)
			}
			if n == 0 {
				return model.NotFound("product")
			}
			return &model.Error{Kind: model.ErrInvalid, Code: "too_many_images",
				Message: "a product has at most 9 images: delete one first", Fields: []model.FieldError{{Field: "file", Message: "a product has at most 9 images: delete one first"}}}
		}
		var last struct{ Max *int }
		if err := db.Raw("SELECT MAX(position) AS max FROM product_images WHERE product_id = ?", img.ProductID).
			Scan(&last).Error; err != nil {
			return mapErr(err)
		}
		img.Position = 0
		if last.Max != nil {
			img.Position = *last.Max + 1
		}
		img.CreatedAt = s.gdb.NowFunc()
		return mapErr(db.Create(img).Error)
	})
}

// ProductImages are a product's images in display order.
func (s *Store) ProductImages(ctx context.Context, productID int64) ([]model.ProductImage, error) {
	return s.productImages(s.conn(ctx), productID)
}

func (s *Store) productImages(db *gorm.DB, productID int64) ([]model.ProductImage, error) {
	var out []model.ProductImage
	if err := db.Where("product_id = ?", productID).Order("position, id").Find(&out).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(out) == 0 {
		return nil, nil // as a cached copy decodes it
	}
	return out, nil
}

// DeleteProductImage removes one image of a product and returns it; 404
// when the product has no such image.
func (s *Store) DeleteProductImage(ctx context.Context, productID, imageID int64) (*model.ProductImage, error) {
	var img model.ProductImage
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if err := db.Where("id = ? AND product_id = ?", imageID, productID).Take(&img).Error; err != nil {
			return notFound(err, "image")
		}
		if err := affected(db.Where("id = ? AND product_id = ?", imageID, productID).Delete(&model.ProductImage{}), "image"); err != nil {
			return err
		}
		return mapErr(db.Exec("UPDATE products SET image_count = image_count - 1 WHERE id = ? AND image_count > 0", productID).Error)
	})
	if err != nil {
		return nil, err
	}
	return &img, nil
}

// ReorderProductImages sets the display order of a product's images: ids
// must name each of its images exactly once (422 otherwise).
func (s *Store) ReorderProductImages(ctx context.Context, productID int64, ids []int64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		// Take the product row first, as adds and deletes do.
		if err := affected(db.Exec("UPDATE products SET image_count = image_count WHERE id = ?", productID), "product"); err != nil {
			return err
		}
		cur, err := s.productImages(db, productID)
		if err != nil {
			return err
		}
		have := map[int64]bool{}
		for _, img := range cur {
			have[img.ID] = true
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if !have[id] || seen[id] {
				return model.Invalid(model.FieldError{Field: "ids", Message: "must list each of the product's image ids exactly once"})
			}
			seen[id] = true
		}
		if len(ids) != len(cur) {
			return model.Invalid(model.FieldError{Field: "ids", Message: "must list each of the product's image ids exactly once"})
		}
		for i, id := range ids {
			if err := db.Exec("UPDATE product_images SET position = ? WHERE id = ?", i, id).Error; err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// ImageRefs counts the product images that use hash, as either version.
func (s *Store) ImageRefs(ctx context.Context, hash string) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&model.ProductImage{}).Where("hash = ? OR thumb_hash = ?", hash, hash).Count(&n).Error
	return n, mapErr(err)
}

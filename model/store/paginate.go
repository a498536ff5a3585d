package store

import (
	"gorm.io/gorm"

	"shanhai/model"
)

// paginate counts q and reads one page of it in the given order.
func paginate[T any](q *gorm.DB, order string, page, size int) (model.Page[T], error) {
	out := model.Page[T]{Items: []T{}, Page: page, PageSize: size}
	q = q.Session(&gorm.Session{}) // safe to reuse for the count and the read
	if err := q.Count(&out.Total).Error; err != nil {
		return out, mapErr(err)
	}
	if out.Total == 0 || int64((page-1)*size) >= out.Total {
		return out, nil
	}
	err := q.Order(order).Limit(size).Offset((page - 1) * size).Find(&out.Items).Error
	return out, mapErr(err)
}

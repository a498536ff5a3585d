package store

import (
	"context"

	"shanhai/model"
)

// Sectors lists the buyer sectors (五进) by code.
func (s *Store) Sectors(ctx context.Context) ([]model.SectorInfo, error) {
	out := []model.SectorInfo{}
	err := s.conn(ctx).Order("code").Find(&out).Error
	return out, mapErr(err)
}

// CreateSector adds a sector; a code already listed is a conflict.
func (s *Store) CreateSector(ctx context.Context, v *model.SectorInfo) error {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.gdb.NowFunc()
	}
	return mapErr(s.conn(ctx).Create(v).Error)
}

// SalesPointTypes lists the sales-point types (五专) by code.
func (s *Store) SalesPointTypes(ctx context.Context) ([]model.SalesPointTypeInfo, error) {
	out := []model.SalesPointTypeInfo{}
	err := s.conn(ctx).Order("code").Find(&out).Error
	return out, mapErr(err)
}

// CreateSalesPointType adds a sales-point type; a code already listed is a
// conflict.
func (s *Store) CreateSalesPointType(ctx context.Context, v *model.SalesPointTypeInfo) error {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.gdb.NowFunc()
	}
	return mapErr(s.conn(ctx).Create(v).Error)
}

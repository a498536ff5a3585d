package org

import (
	"context"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// SalesPointInput is a new sales point of an org.
type SalesPointInput struct {
	Type, Name, RegionCode string
}

// CreateSalesPoint registers one of an org's sales points (五专). Its
// org_admin or an admin; anyone else gets a 404 for the org. A name the org
// already uses is a 422 on name.
func (s *Service) CreateSalesPoint(ctx context.Context, actor *model.User, orgID int64, in SalesPointInput) (*model.SalesPoint, error) {
	if err := s.orgAdminOf(ctx, actor, orgID); err != nil {
		return nil, err
	}
	var f check.Fields
	p := &model.SalesPoint{OrgID: orgID, Type: in.Type, Name: f.Text("name", in.Name, 128), RegionCode: in.RegionCode}
	if err := s.checkPointType(ctx, &f, "type", in.Type); err != nil {
		return nil, err
	}
	if _, err := check.Region(ctx, s.store, &f, "region_code", in.RegionCode, ""); err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateSalesPoint(ctx, p); err != nil {
			return check.Duplicate(err, "name")
		}
		return audit.Record(ctx, s.store, actor, "org.sales_point", "sales_point", p.ID, nil, p, "")
	})
	return p, err
}

// SalesPoints lists an org's sales points: for its org_admin and buyers
// (who name one on an order) and for admins; anyone else gets a 404.
func (s *Service) SalesPoints(ctx context.Context, actor *model.User, orgID int64) ([]model.SalesPoint, error) {
	member := actor.OrgID != nil && *actor.OrgID == orgID &&
		(actor.Role == model.RoleOrgAdmin || actor.Role == model.RoleBuyer || actor.Role == model.RoleApprover)
	if !member {
		if err := s.orgAdminOf(ctx, actor, orgID); err != nil {
			return nil, err
		}
	}
	return s.store.SalesPoints(ctx, orgID)
}

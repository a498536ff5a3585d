package org

// The reference lists of orgs and sales points: the buyer sectors (五进) an
// org may have and the sales-point types (五专). Both are tables an admin
// extends, one code at a time with its Chinese name, audited; what an org or
// a sales point names is checked against them.

import (
	"context"
	"regexp"
	"slices"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// refCode is a reference code: a lower-case letter, then letters, digits or
// _, 2 to 16 in all (the width the ledger's facet columns hold).
var refCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,15}$`)

// RefInput is a new code of a reference list.
type RefInput struct{ Code, Name string }

// Sectors lists the buyer sectors by code (reference data, for anyone).
func (s *Service) Sectors(ctx context.Context) ([]model.SectorInfo, error) {
	return s.store.Sectors(ctx)
}

// SalesPointTypes lists the sales-point types by code.
func (s *Service) SalesPointTypes(ctx context.Context) ([]model.SalesPointTypeInfo, error) {
	return s.store.SalesPointTypes(ctx)
}

func checkRef(in RefInput) (string, string, error) {
	var f check.Fields
	if !refCode.MatchString(in.Code) {
		f.Add("code", "must be 2-16 lower-case letters, digits or _, starting with a letter")
	}
	name := f.Text("name", in.Name, 32)
	return in.Code, name, f.Err()
}

// AddSector adds a buyer sector (admins; audited). A code already listed is
// a 422 on code.
func (s *Service) AddSector(ctx context.Context, actor *model.User, in RefInput) (*model.SectorInfo, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	code, name, err := checkRef(in)
	if err != nil {
		return nil, err
	}
	v := &model.SectorInfo{Code: code, Name: name}
	err = s.inTx(ctx, actor, func(ctx context.Context) error {
		if err := s.store.CreateSector(ctx, v); err != nil {
			return check.Duplicate(err, "code")
		}
		return audit.Record(ctx, s.store, actor, "sector.create", "sector", v.Code, nil, v, "")
	})
	return v, err
}

// AddSalesPointType adds a sales-point type (admins; audited).
func (s *Service) AddSalesPointType(ctx context.Context, actor *model.User, in RefInput) (*model.SalesPointTypeInfo, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	code, name, err := checkRef(in)
	if err != nil {
		return nil, err
	}
	v := &model.SalesPointTypeInfo{Code: code, Name: name}
	err = s.inTx(ctx, actor, func(ctx context.Context) error {
		if err := s.store.CreateSalesPointType(ctx, v); err != nil {
			return check.Duplicate(err, "code")
		}
		return audit.Record(ctx, s.store, actor, "sales_point_type.create", "sales_point_type", v.Code, nil, v, "")
	})
	return v, err
}

// checkSector adds a field error when code is not a listed sector.
func (s *Service) checkSector(ctx context.Context, f *check.Fields, field, code string) error {
	list, err := s.store.Sectors(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(v model.SectorInfo) bool { return v.Code == code }) {
		f.Add(field, "must be a listed sector (GET /api/v1/sectors)")
	}
	return nil
}

// checkPointType adds a field error when code is not a listed type.
func (s *Service) checkPointType(ctx context.Context, f *check.Fields, field, code string) error {
	list, err := s.store.SalesPointTypes(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(v model.SalesPointTypeInfo) bool { return v.Code == code }) {
		f.Add(field, "must be a listed sales-point type (GET /api/v1/sales-point-types)")
	}
	return nil
}

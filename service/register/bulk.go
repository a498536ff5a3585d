package register

// What a bulk import needs of the register: an entry checked as Create
// checks it, without writing it.

import (
	"context"

	"shanhai/model"
)

// Check is the entry in would become when actor creates it, or the 403 or
// 422 Create would answer; nothing is written.
func (s *Service) Check(ctx context.Context, actor *model.User, in Input) (*model.RegisterEntry, error) {
	if err := s.mayEdit(ctx, actor, ""); err != nil {
		return nil, err
	}
	e := &model.RegisterEntry{}
	if err := s.apply(ctx, e, in, true); err != nil {
		return nil, err
	}
	if err := s.mayEdit(ctx, actor, e.RegionCode); err != nil {
		return nil, err
	}
	return e, nil
}

package org

import (
	"context"
	"errors"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// The user rows changed here are dropped from this replica's user cache
// after the commit by the store's UpdateUser (model/cache.Users), so the next
// request of the consumer sees its new employer link.

// RequestEmployer asks an org to confirm the calling consumer as its
// employee. Until its org_admin confirms, the link counts for nobody.
func (s *Service) RequestEmployer(ctx context.Context, actor *model.User, orgID int64) (*model.User, error) {
	if actor.Role != model.RoleConsumer {
		return nil, model.Forbidden("only consumers link to an employer")
	}
	var out *model.User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Org(ctx, orgID); errors.Is(err, model.ErrNotFound) {
			return model.Invalid(model.FieldError{Field: "org_id", Message: "no such org"})
		} else if err != nil {
			return err
		}
		pending := model.EmployerPending
		if err := s.store.UpdateUser(ctx, actor.ID, model.UserPatch{EmployerID: &orgID, EmployerStatus: &pending}); err != nil {
			return err
		}
		var err error
		out, err = s.store.User(ctx, actor.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "user.employer_request", "user", actor.ID, actor, out, "")
	})
	return out, err
}

// Employees lists the consumers who asked org to confirm them (its
// org_admin, or an admin); status filters pending, confirmed or refused.
func (s *Service) Employees(ctx context.Context, actor *model.User, orgID int64, status string, page, size int) (model.Page[model.User], error) {
	if err := s.orgAdminOf(ctx, actor, orgID); err != nil {
		return model.Page[model.User]{}, err
	}
	if status != "" {
		var f check.Fields
		f.OneOf("status", status, model.EmployerPending, model.EmployerConfirmed, model.EmployerRefused)
		if err := f.Err(); err != nil {
			return model.Page[model.User]{}, err
		}
	}
	return s.store.Users(ctx, model.UserFilter{Role: model.RoleConsumer, EmployerID: orgID, EmployerStatus: status}, page, size)
}

// DecideEmployee confirms or refuses a consumer's employer link (audited).
func (s *Service) DecideEmployee(ctx context.Context, actor *model.User, orgID, userID int64, confirm bool) (*model.User, error) {
	if err := s.orgAdminOf(ctx, actor, orgID); err != nil {
		return nil, err
	}
	status := model.EmployerRefused
	if confirm {
		status = model.EmployerConfirmed
	}
	var out *model.User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.User(ctx, userID)
		if err != nil {
			return err
		}
		if before.Role != model.RoleConsumer || before.EmployerID == nil || *before.EmployerID != orgID {
			return model.NotFound("employee request")
		}
		// Confirming an employee also vouches for their own region: a
		// self-chosen one then counts for crediting (docs/PRODUCT.md).
		if err := s.store.UpdateUser(ctx, userID, model.UserPatch{EmployerStatus: &status, RegionConfirmed: confirm}); err != nil {
			return err
		}
		if out, err = s.store.User(ctx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "user.employer_"+status, "user", userID, before, out, "")
	})
	return out, err
}

// orgAdminOf allows admins and the org_admin of orgID; anyone else gets a
// 404, as if the org's employee list did not exist.
func (s *Service) orgAdminOf(ctx context.Context, actor *model.User, orgID int64) error {
	if actor.Role == model.RoleAdmin {
		_, err := s.store.Org(ctx, orgID)
		return err
	}
	if actor.Role == model.RoleOrgAdmin && actor.OrgID != nil && *actor.OrgID == orgID {
		return nil
	}
	return model.NotFound("org")
}

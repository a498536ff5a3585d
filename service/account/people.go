package account

// People: the org directory a consumer finds their employer in, and an
// org_admin's own buyers and approvers.

import (
	"context"
	"errors"
	"strings"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// Directory lists the orgs that have an org_admin (someone who can confirm
// an employee), by name and region; anyone signed in.
func (s *Service) Directory(ctx context.Context, f model.DirectoryFilter, page, size int) (model.Page[model.Org], error) {
	var fs check.Fields
	f.Q = strings.TrimSpace(f.Q)
	if len([]rune(f.Q)) > 64 {
		fs.Add("q", "must be at most 64 characters")
	}
	if f.Region != "" && !model.ValidRegionCode(f.Region) {
		fs.Add("region", "must be a six-digit region code")
	}
	if err := fs.Err(); err != nil {
		return model.Page[model.Org]{}, err
	}
	return s.store.OrgDirectory(ctx, f, page, size)
}

// OrgUser is a buyer or approver an org_admin creates.
type OrgUser struct {
	Username, Password, Role string
}

// orgAdminOf: the org_admin of orgID (or an admin). Anyone else: 404, as
// if the org's user list did not exist; another org's admin too.
func (s *Service) orgAdminOf(ctx context.Context, actor *model.User, orgID int64) error {
	if actor.Role == model.RoleAdmin {
		_, err := s.store.Org(ctx, orgID)
		return err
	}
	if actor.Role == model.RoleOrgAdmin && actor.OrgID != nil && *actor.OrgID == orgID {
		return nil
	}
	if actor.Role == model.RoleOrgAdmin {
		return model.Forbidden("an org_admin manages only their own org's users")
	}
	return model.NotFound("org")
}

// managedRole: the roles an org_admin creates and disables.
func managedRole(role string) bool { return role == model.RoleBuyer || role == model.RoleApprover }

// CreateOrgUser creates a buyer or approver of orgID (its org_admin, or an
// admin; audited). Any other role is a 403.
func (s *Service) CreateOrgUser(ctx context.Context, actor *model.User, orgID int64, in OrgUser) (*model.User, error) {
	if err := s.orgAdminOf(ctx, actor, orgID); err != nil {
		return nil, err
	}
	if in.Role != "" && !managedRole(in.Role) {
		return nil, model.Forbidden("an org_admin creates only buyers and approvers")
	}
	var f check.Fields
	f.OneOf("role", in.Role, model.RoleBuyer, model.RoleApprover)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.create(ctx, actor, NewUser{Username: in.Username, Password: in.Password, Role: in.Role, OrgID: &orgID})
}

// OrgUserPatch is an org_admin's change to one of its users.
type OrgUserPatch struct {
	Disabled *bool
	Role     *string
}

// UpdateOrgUser disables or enables one of orgID's buyers and approvers, or
// switches it between the two (audited). A user of another org, or of
// another role, is a 404 / 403; nothing else changes.
func (s *Service) UpdateOrgUser(ctx context.Context, actor *model.User, orgID, userID int64, in OrgUserPatch) (*model.User, error) {
	if err := s.orgAdminOf(ctx, actor, orgID); err != nil {
		return nil, err
	}
	if in.Disabled == nil && in.Role == nil {
		return nil, model.Invalid(model.FieldError{Field: "body", Message: "nothing to change: give disabled or role"})
	}
	if in.Role != nil && !managedRole(*in.Role) {
		return nil, model.Forbidden("an org_admin gives only the buyer and approver roles")
	}
	var out *model.User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.User(ctx, userID)
		if errors.Is(err, model.ErrNotFound) || (err == nil && (before.OrgID == nil || *before.OrgID != orgID)) {
			return model.NotFound("user")
		}
		if err != nil {
			return err
		}
		if !managedRole(before.Role) {
			return model.Forbidden("an org_admin manages only buyers and approvers")
		}
		p := model.UserPatch{Disabled: in.Disabled, Role: in.Role, BumpToken: true}
		if err := s.store.UpdateUser(ctx, userID, p); err != nil {
			return err
		}
		if in.Disabled != nil && *in.Disabled {
			if err := s.store.RevokeUserSessions(ctx, userID, 0, model.RevokePassword, s.now()); err != nil {
				return err
			}
		}
		if out, err = s.store.User(ctx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "user.update", "user", userID, before, out, "")
	})
	return out, err
}

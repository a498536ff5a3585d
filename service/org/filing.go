package org

// The annual reserved-share filing (预留份额) of an org: its org_admin
// drafts and submits it; the org_admin of the supervising org approves it or
// returns it with a comment.

import (
	"context"
	"errors"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// FilingInput is what an org_admin files.
type FilingInput struct {
	CanteenStatus   string
	FoodBudgetCents int64
	ReservedRatioBP int64
}

// ownFiling: the org's own org_admin (or an admin). Anyone else gets a 404.
func (s *Service) ownFiling(ctx context.Context, actor *model.User, orgID int64) (*model.Org, error) {
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if actor.Role == model.RoleAdmin || (actor.Role == model.RoleOrgAdmin && sameOrg(actor.OrgID, orgID)) {
		return org, nil
	}
	return nil, model.NotFound("org")
}

// supervisor: the org_admin of the org's parent (or an admin).
func (s *Service) supervisor(ctx context.Context, actor *model.User, orgID int64) (*model.Org, error) {
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if actor.Role == model.RoleAdmin || (actor.Role == model.RoleOrgAdmin && org.ParentID != nil && sameOrg(actor.OrgID, *org.ParentID)) {
		return org, nil
	}
	if actor.Role == model.RoleOrgAdmin && sameOrg(actor.OrgID, orgID) {
		return nil, model.Forbidden("a filing is reviewed by the supervising org, not by the org itself")
	}
	return nil, model.NotFound("org")
}

func sameOrg(a *int64, b int64) bool { return a != nil && *a == b }

// PutFiling creates or edits the org's draft for year. A submitted or approved
// filing cannot be edited (409 invalid_transition); a returned one can.
func (s *Service) PutFiling(ctx context.Context, actor *model.User, orgID int64, year int, in FilingInput) (*model.Filing, error) {
	var f check.Fields
	f.Year("year", year)
	f.OneOf("canteen_status", in.CanteenStatus, model.CanteenHas, model.CanteenNone, model.CanteenShared, model.CanteenOutsourced)
	f.Range("food_budget_cents", in.FoodBudgetCents, 0, 1e13)
	f.Range("reserved_ratio_bp", in.ReservedRatioBP, 0, 10000)
	var out *model.Filing
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.ownFiling(ctx, actor, orgID); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		before, err := s.store.Filing(ctx, orgID, year)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		if before == nil {
			out = &model.Filing{OrgID: orgID, Year: year, CanteenStatus: in.CanteenStatus,
				FoodBudgetCents: in.FoodBudgetCents, ReservedRatioBP: in.ReservedRatioBP, Status: model.FilingDraft}
			if err := s.store.CreateFiling(ctx, out); err != nil {
				if errors.Is(err, model.ErrConflict) {
					return model.Conflict("duplicate", "the filing for %d was created at the same moment; retry", year)
				}
				return err
			}
		} else {
			draft := model.FilingDraft
			if err := s.store.UpdateFiling(ctx, before.ID, []string{model.FilingDraft, model.FilingReturned}, model.FilingPatch{
				CanteenStatus: &in.CanteenStatus, FoodBudgetCents: &in.FoodBudgetCents,
				ReservedRatioBP: &in.ReservedRatioBP, Status: &draft}); err != nil {
				return err
			}
			if out, err = s.store.Filing(ctx, orgID, year); err != nil {
				return err
			}
		}
		return audit.Record(ctx, s.store, actor, "filing.put", "filing", out.ID, before, out, "")
	})
	return out, err
}

// Filing is one filing, for its org's admin, its supervisor, or an admin.
func (s *Service) Filing(ctx context.Context, actor *model.User, orgID int64, year int) (*model.Filing, error) {
	if _, err := s.ownFiling(ctx, actor, orgID); err != nil {
		if _, err2 := s.supervisor(ctx, actor, orgID); err2 != nil {
			return nil, err
		}
	}
	return s.store.Filing(ctx, orgID, year)
}

// SubmitFiling sends a draft (or a returned filing) for review.
func (s *Service) SubmitFiling(ctx context.Context, actor *model.User, orgID int64, year int) (*model.Filing, error) {
	return s.moveFiling(ctx, actor, orgID, year, s.ownFiling, "filing.submit",
		[]string{model.FilingDraft, model.FilingReturned}, model.FilingSubmitted, "")
}

// ApproveFiling accepts a submitted filing.
func (s *Service) ApproveFiling(ctx context.Context, actor *model.User, orgID int64, year int, comment string) (*model.Filing, error) {
	var f check.Fields
	comment = f.OptionalText("comment", comment, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.moveFiling(ctx, actor, orgID, year, s.supervisor, "filing.approve",
		[]string{model.FilingSubmitted}, model.FilingApproved, comment)
}

// ReturnFiling sends a submitted filing back with a comment saying why.
func (s *Service) ReturnFiling(ctx context.Context, actor *model.User, orgID int64, year int, comment string) (*model.Filing, error) {
	var f check.Fields
	comment = f.Text("comment", comment, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.moveFiling(ctx, actor, orgID, year, s.supervisor, "filing.return",
		[]string{model.FilingSubmitted}, model.FilingReturned, comment)
}

// moveFiling is one compare-and-set transition of a filing, audited.
func (s *Service) moveFiling(ctx context.Context, actor *model.User, orgID int64, year int,
	allowed func(context.Context, *model.User, int64) (*model.Org, error),
	action string, from []string, to, comment string) (*model.Filing, error) {
	var out *model.Filing
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := allowed(ctx, actor, orgID); err != nil {
			return err
		}
		before, err := s.store.Filing(ctx, orgID, year)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		p := model.FilingPatch{Status: &to}
		if to == model.FilingSubmitted {
			p.SubmittedAt = &now
		} else {
			p.ReviewedAt, p.ReviewedBy, p.ReviewComment = &now, &actor.ID, &comment
		}
		if err := s.store.UpdateFiling(ctx, before.ID, from, p); err != nil {
			return err
		}
		if out, err = s.store.Filing(ctx, orgID, year); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, action, "filing", out.ID, before, out, comment)
	})
	return out, err
}

// ChildFilings lists the filings of year of the orgs orgID supervises, for its
// org_admin (or an admin); a ratio under 10% is flagged by model.LowRatioBP.
func (s *Service) ChildFilings(ctx context.Context, actor *model.User, orgID int64, year int, page, size int) (model.Page[model.Filing], error) {
	if _, err := s.ownFiling(ctx, actor, orgID); err != nil {
		return model.Page[model.Filing]{}, err
	}
	var f check.Fields
	f.Year("year", year)
	if err := f.Err(); err != nil {
		return model.Page[model.Filing]{}, err
	}
	return s.store.Filings(ctx, year, orgID, page, size)
}

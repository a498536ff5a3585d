package store

import (
	"context"

	"gorm.io/gorm"

	"shanhai/model"
)

// CreateUser inserts a user; a taken username (same normalised form,
// model.NormalizeUsername) is a 409 duplicate.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	u.UsernameKey = model.NormalizeUsername(u.Username)
	if u.TokenVersion == 0 {
		u.TokenVersion = 1
	}
	return mapErr(s.conn(ctx).Create(u).Error)
}

// User is one user by id.
func (s *Store) User(ctx context.Context, id int64) (*model.User, error) {
	var u model.User
	if err := s.conn(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UserByUsername finds a user by username: its normalised form
// (model.NormalizeUsername), compared byte for byte.
func (s *Store) UserByUsername(ctx context.Context, username string) (*model.User, error) {
	var u model.User
	if err := s.conn(ctx).Where("username_key = ?", model.NormalizeUsername(username)).Take(&u).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UserByPhone finds a user by mobile number.
func (s *Store) UserByPhone(ctx context.Context, phone string) (*model.User, error) {
	var u model.User
	if err := s.conn(ctx).Where("phone = ?", phone).Take(&u).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// Users is one page of users matching f, by id.
func (s *Store) Users(ctx context.Context, f model.UserFilter, page, size int) (model.Page[model.User], error) {
	q := s.conn(ctx).Model(&model.User{})
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if f.OrgID != 0 {
		q = q.Where("org_id = ?", f.OrgID)
	}
	if f.SupplierID != 0 {
		q = q.Where("supplier_id = ?", f.SupplierID)
	}
	if f.EmployerID != 0 {
		q = q.Where("employer_id = ?", f.EmployerID)
	}
	if f.EmployerStatus != "" {
		q = q.Where("employer_status = ?", f.EmployerStatus)
	}
	return paginate[model.User](q, "id", page, size)
}

// UpdateUser applies p to a user. Callers that change the role, password or
// disabled flag also set p.BumpToken: token_version moves by one in SQL.
func (s *Store) UpdateUser(ctx context.Context, id int64, p model.UserPatch) error {
	cols := map[string]any{}
	set(cols, "role", p.Role)
	set(cols, "disabled", p.Disabled)
	set(cols, "password_hash", p.PasswordHash)
	set(cols, "employer_id", p.EmployerID)
	set(cols, "employer_status", p.EmployerStatus)
	if p.RegionConfirmed {
		cols["region_self_chosen"] = false
	}
	if p.BumpToken {
		cols["token_version"] = gorm.Expr("token_version + 1")
	}
	if len(cols) == 0 {
		return nil
	}
	cols["updated_at"] = s.gdb.NowFunc()
	if !p.KeepAdmin {
		return affected(s.conn(ctx).Model(&model.User{}).Where("id = ?", id).Updates(cols), "user")
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		// One statement decides, on the row every such change writes: it
		// holds only while another active admin remains. Two admins demoting
		// each other at once both write admin_guard, so one waits (or, on a
		// multi-master cluster, fails certification and InTx retries it) and
		// then counts the other's change.
		res := s.conn(ctx).Exec(`UPDATE admin_guard SET changes = changes + 1 WHERE id = 1 AND
			(SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0 AND id <> ?) > 0`, model.RoleAdmin, id)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return model.Conflict("last_admin", "this is the last active admin: make another admin first")
		}
		return affected(s.conn(ctx).Model(&model.User{}).Where("id = ?", id).Updates(cols), "user")
	})
}

// AdminExists reports whether any admin account exists.
func (s *Store) AdminExists(ctx context.Context) (bool, error) {
	var n int64
	err := s.conn(ctx).Model(&model.User{}).Where("role = ?", model.RoleAdmin).Count(&n).Error
	return n > 0, mapErr(err)
}

// HasUsers reports whether any account at all exists.
func (s *Store) HasUsers(ctx context.Context) (bool, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.User{}).Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, mapErr(err)
}

// Org is one org by id.
func (s *Store) Org(ctx context.Context, id int64) (*model.Org, error) {
	var o model.Org
	if err := s.conn(ctx).Where("id = ?", id).Take(&o).Error; err != nil {
		return nil, notFound(err, "org")
	}
	return &o, nil
}

// Orgs is one page of orgs, optionally children of parentID, by id.
func (s *Store) Orgs(ctx context.Context, parentID int64, page, size int) (model.Page[model.Org], error) {
	q := s.conn(ctx).Model(&model.Org{})
	if parentID != 0 {
		q = q.Where("parent_id = ?", parentID)
	}
	return paginate[model.Org](q, "id", page, size)
}

// UpdateOrg applies p to an org.
func (s *Store) UpdateOrg(ctx context.Context, id int64, p model.OrgPatch) error {
	cols := map[string]any{}
	set(cols, "name", p.Name)
	set(cols, "kind", p.Kind)
	set(cols, "region_code", p.RegionCode)
	if p.ParentID != nil {
		cols["parent_id"] = *p.ParentID // a nil *int64 writes NULL
	}
	set(cols, "payment_terms", p.PaymentTerms)
	set(cols, "credit_kind", p.CreditKind)
	set(cols, "approval_threshold_cents", p.ApprovalThresholdCents)
	set(cols, "second_approval_threshold_cents", p.SecondApprovalThreshold)
	set(cols, "invoice_title", p.InvoiceTitle)
	set(cols, "tax_id", p.TaxID)
	set(cols, "sector", p.Sector)
	if len(cols) == 0 {
		_, err := s.Org(ctx, id)
		return err
	}
	return affected(s.conn(ctx).Model(&model.Org{}).Where("id = ?", id).Updates(cols), "org")
}

// Suppliers is one page of suppliers, by id.
func (s *Store) Suppliers(ctx context.Context, page, size int) (model.Page[model.Supplier], error) {
	return paginate[model.Supplier](s.conn(ctx).Model(&model.Supplier{}), "id", page, size)
}

// UpdatePairing applies p to a pairing.
func (s *Store) UpdatePairing(ctx context.Context, id int64, p model.PairingPatch) error {
	cols := map[string]any{}
	set(cols, "active", p.Active)
	if len(cols) == 0 {
		_, err := s.Pairing(ctx, id)
		return err
	}
	return affected(s.conn(ctx).Model(&model.Pairing{}).Where("id = ?", id).Updates(cols), "pairing")
}

// CreateRegion inserts a region.
func (s *Store) CreateRegion(ctx context.Context, r *model.Region) error {
	return mapErr(s.conn(ctx).Create(r).Error)
}

// CreateCategory inserts a category.
func (s *Store) CreateCategory(ctx context.Context, c *model.Category) error {
	return mapErr(s.conn(ctx).Create(c).Error)
}

// Target is a pairing's target for a year, or nil.
func (s *Store) Target(ctx context.Context, pairingID int64, year int) (*model.Target, error) {
	var out []model.Target
	if err := s.conn(ctx).Where("pairing_id = ? AND year = ?", pairingID, year).Limit(1).Find(&out).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// SetTarget inserts or replaces a pairing's target for a year.
func (s *Store) SetTarget(ctx context.Context, t model.Target) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Model(&model.Target{}).Where("pairing_id = ? AND year = ?", t.PairingID, t.Year).
			Update("target_cents", t.TargetCents)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected > 0 {
			return nil
		}
		return mapErr(s.conn(ctx).Create(&t).Error)
	})
}

// Filing is an org's filing for a year.
func (s *Store) Filing(ctx context.Context, orgID int64, year int) (*model.Filing, error) {
	var f model.Filing
	if err := s.conn(ctx).Where("org_id = ? AND year = ?", orgID, year).Take(&f).Error; err != nil {
		return nil, notFound(err, "filing")
	}
	return &f, nil
}

// CreateFiling inserts a filing; a second one for the same org and year is a 409 duplicate.
func (s *Store) CreateFiling(ctx context.Context, f *model.Filing) error {
	return mapErr(s.conn(ctx).Create(f).Error)
}

// UpdateFiling applies p to a filing if its status is still one of from
// (compare-and-set); otherwise it is a 409 invalid_transition.
func (s *Store) UpdateFiling(ctx context.Context, id int64, from []string, p model.FilingPatch) error {
	cols := map[string]any{}
	set(cols, "canteen_status", p.CanteenStatus)
	set(cols, "food_budget_cents", p.FoodBudgetCents)
	set(cols, "reserved_ratio_bp", p.ReservedRatioBP)
	set(cols, "status", p.Status)
	set(cols, "submitted_at", p.SubmittedAt)
	set(cols, "reviewed_at", p.ReviewedAt)
	set(cols, "reviewed_by", p.ReviewedBy)
	set(cols, "review_comment", p.ReviewComment)
	cols["updated_at"] = s.gdb.NowFunc()
	res := s.conn(ctx).Model(&model.Filing{}).Where("id = ? AND status IN ?", id, from).Updates(cols)
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("invalid_transition", "the filing is not in a state that allows this")
	}
	return nil
}

// Filings is one page of filings of a year, optionally of the children of parentID.
func (s *Store) Filings(ctx context.Context, year int, parentID int64, page, size int) (model.Page[model.Filing], error) {
	q := s.conn(ctx).Model(&model.Filing{}).Where("year = ?", year)
	if parentID != 0 {
		q = q.Where("org_id IN (SELECT id FROM orgs WHERE parent_id = ?)", parentID)
	}
	return paginate[model.Filing](q, "org_id", page, size)
}

// AddAudit records a change, in the transaction in ctx.
func (s *Store) AddAudit(ctx context.Context, a *model.Audit) error {
	return mapErr(s.conn(ctx).Create(a).Error)
}

// Audits is one page of the audit trail, newest first.
func (s *Store) Audits(ctx context.Context, f model.AuditFilter, page, size int) (model.Page[model.Audit], error) {
	return paginate[model.Audit](s.auditQuery(ctx, f), "id DESC", page, size)
}

// AuditsUpTo is the audit trail f selects, oldest first, at most limit
// records (an export).
func (s *Store) AuditsUpTo(ctx context.Context, f model.AuditFilter, limit int) ([]model.Audit, error) {
	out := []model.Audit{}
	err := s.auditQuery(ctx, f).Order("id").Limit(limit).Find(&out).Error
	return out, mapErr(err)
}

func (s *Store) auditQuery(ctx context.Context, f model.AuditFilter) *gorm.DB {
	q := s.conn(ctx).Model(&model.Audit{})
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at < ?", f.Until.UTC())
	}
	return q
}

// set puts column = *v into cols when v is not nil: a patch's pointer field
// means "set this".
func set[T any](cols map[string]any, column string, v *T) {
	if v != nil {
		cols[column] = *v
	}
}

// CreateSalesPoint inserts an org's sales point; a name the org already
// uses is a conflict.
func (s *Store) CreateSalesPoint(ctx context.Context, p *model.SalesPoint) error {
	return mapErr(s.conn(ctx).Create(p).Error)
}

// SalesPoints lists an org's sales points by id.
func (s *Store) SalesPoints(ctx context.Context, orgID int64) ([]model.SalesPoint, error) {
	out := []model.SalesPoint{}
	err := s.conn(ctx).Where("org_id = ?", orgID).Order("id").Find(&out).Error
	return out, mapErr(err)
}

// SalesPoint reads one sales point.
func (s *Store) SalesPoint(ctx context.Context, id int64) (*model.SalesPoint, error) {
	var p model.SalesPoint
	if err := s.conn(ctx).Where("id = ?", id).Take(&p).Error; err != nil {
		return nil, notFound(err, "sales point")
	}
	return &p, nil
}

// AddAudits writes audit rows with multi-row INSERTs (their ids are not
// read back), in the caller's transaction.
func (s *Store) AddAudits(ctx context.Context, as []*model.Audit) error {
	if len(as) == 0 {
		return nil
	}
	return mapErr(s.conn(ctx).Omit("id").CreateInBatches(as, s.perStatement(200, 10)).Error)
}

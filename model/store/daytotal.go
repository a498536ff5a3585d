package store

// Org day totals: what an org placed per China date (any status but
// cancelled), the figure its approval thresholds are judged on. A
// placement adds to the row and reads it back in its transaction; the row
// lock makes two placements of one org, on any replica, queue on each
// other, so the second sees the first.

import (
	"context"

	"shanhai/model"
)

// AddOrgDayTotal adds cents to org's total of date (creating the row) and
// returns the new total, which includes every committed placement and this
// transaction's own.
func (s *Store) AddOrgDayTotal(ctx context.Context, orgID int64, date string, cents int64) (int64, error) {
	q := `INSERT INTO org_day_totals (org_id, china_date, cents) VALUES (?, ?, ?)
		ON CONFLICT (org_id, china_date) DO UPDATE SET cents = cents + excluded.cents`
	read := `SELECT cents FROM org_day_totals WHERE org_id = ? AND china_date = ?`
	if s.dialect == MySQL {
		q = `INSERT INTO org_day_totals (org_id, china_date, cents) VALUES (?, ?, ?)
			ON DUPLICATE KEY UPDATE cents = cents + VALUES(cents)`
		read += " FOR UPDATE" // the row is ours already; read its newest version
	}
	if err := s.conn(ctx).Exec(q, orgID, date, cents).Error; err != nil {
		return 0, mapErr(err)
	}
	var total int64
	if err := s.conn(ctx).Raw(read, orgID, date).Row().Scan(&total); err != nil {
		return 0, mapErr(err)
	}
	return total, nil
}

// SubOrgDayTotal takes a cancelled order's cents off its org's day total
// (a day before the totals were kept has no row: nothing to take).
func (s *Store) SubOrgDayTotal(ctx context.Context, orgID int64, date string, cents int64) error {
	err := s.conn(ctx).Exec(`UPDATE org_day_totals SET cents = cents - ? WHERE org_id = ? AND china_date = ? AND cents >= ?`,
		cents, orgID, date, cents).Error
	return mapErr(err)
}

// OrgDayTotal is org's total of date (0 without a row).
func (s *Store) OrgDayTotal(ctx context.Context, orgID int64, date string) (int64, error) {
	var total []int64
	err := s.conn(ctx).Raw(`SELECT cents FROM org_day_totals WHERE org_id = ? AND china_date = ?`, orgID, date).Scan(&total).Error
	if err != nil || len(total) == 0 {
		return 0, mapErr(err)
	}
	return total[0], nil
}

// SetFirstApprover records the first of an order's two approvals, once:
// a second first approval (a race) is 409 invalid_transition.
func (s *Store) SetFirstApprover(ctx context.Context, orderID, userID int64) error {
	res := s.conn(ctx).Model(&model.Order{}).
		Where("id = ? AND status = ? AND approval_level = 2 AND first_approver_id IS NULL", orderID, model.OrderPendingApproval).
		UpdateColumns(map[string]any{"first_approver_id": userID, "updated_at": s.gdb.NowFunc()})
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return model.Conflict("invalid_transition", "order %d is no longer waiting for its first approval", orderID)
	}
	return nil
}

package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"shanhai/model"
)

// AddBulletins inserts the parts of a month's bulletin. false: the month
// (one of its parts) is issued already; inside a transaction the parts
// commit together, and two replicas issuing one month meet at the unique
// key.
func (s *Store) AddBulletins(ctx context.Context, parts []model.Bulletin) (bool, error) {
	for i := range parts {
		if parts[i].IssuedAt.IsZero() {
			parts[i].IssuedAt = s.gdb.NowFunc()
		}
	}
	err := s.conn(ctx).Create(&parts).Error
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return false, nil
	}
	return false, mapErr(err)
}

// Bulletins reads the issued parts of a month's bulletin (none: not issued).
func (s *Store) Bulletins(ctx context.Context, year, month int) ([]model.Bulletin, error) {
	out := []model.Bulletin{}
	err := s.conn(ctx).Where("year = ? AND month = ?", year, month).Order("part").Find(&out).Error
	return out, mapErr(err)
}

// OrgCertifiedSums totals rollup_orgs of the given periods by org: each
// org's subtree certified purchases (only orgs with a row).
func (s *Store) OrgCertifiedSums(ctx context.Context, periods []int) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(periods) == 0 {
		return out, nil
	}
	var rows []struct {
		OrgID int64 `gorm:"column:org_id"`
		Cents int64 `gorm:"column:cents"`
	}
	q := s.conn(ctx).Table("rollup_orgs").Select("org_id, SUM(subtree_certified_cents) AS cents")
	if err := periodWhere(q, periods).Group("org_id").Scan(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, r := range rows {
		out[r.OrgID] = r.Cents
	}
	return out, nil
}

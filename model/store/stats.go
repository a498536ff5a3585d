package store

// Statistics reads. They read the rollups only, never the ledger, and each
// reads the rows of one period (or one year's twelve months) by the primary
// key's leading column: a few hundred rows whatever the size of the ledger
// behind them. Plain SQL that MySQL, MariaDB, TiDB and SQLite all run.

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"shanhai/model"
)

// PairingSums totals the rollups of the given periods (model.YearPeriod
// rows and month rows; the caller never names a year and one of its months
// together) by period, pairing, reason and kind, for the pairings ids (nil:
// all), within the filter (nil: all, from rollup_pairings).
func (s *Store) PairingSums(ctx context.Context, periods []int, ids []int64, f *model.AreaFilter) ([]model.PairingSum, error) {
	out := []model.PairingSum{}
	if len(periods) == 0 || (ids != nil && len(ids) == 0) || emptyFilter(f) {
		return out, nil
	}
	table := "rollup_pairings"
	if f != nil {
		table = "rollup_areas"
	}
	q := s.conn(ctx).Table(table).
		Select("period, pairing_id, reason, kind, SUM(cents) AS cents, SUM(orders) AS orders")
	q = periodWhere(q, periods)
	if ids != nil {
		q = q.Where("pairing_id IN ?", ids)
	}
	q = areaWhere(q, f)
	err := q.Group("period, pairing_id, reason, kind").Scan(&out).Error
	return out, mapErr(err)
}

// AreaSums totals the credited entries (pairing_id > 0) of the given periods
// by buyer region and kind, for the pairings ids (nil: every pairing), within
// the filter (nil: all).
func (s *Store) AreaSums(ctx context.Context, periods []int, ids []int64, f *model.AreaFilter) ([]model.AreaSum, error) {
	out := []model.AreaSum{}
	if len(periods) == 0 || (ids != nil && len(ids) == 0) || emptyFilter(f) {
		return out, nil
	}
	q := s.conn(ctx).Table("rollup_areas").
		Select("buyer_region, kind, SUM(cents) AS cents, SUM(orders) AS orders").
		Where("pairing_id > 0")
	q = periodWhere(q, periods)
	if ids != nil {
		q = q.Where("pairing_id IN ?", ids)
	}
	q = areaWhere(q, f)
	err := q.Group("buyer_region, kind").Scan(&out).Error
	return out, mapErr(err)
}

// saleFacets are the rollup_sales columns of the model's facets.
var saleFacets = map[string]string{
	model.FacetOrigin: "origin_code", model.FacetCategory: "category_code", model.FacetSupplier: "supplier_id",
	model.FacetChannel: "channel", model.FacetPlatform: "platform", model.FacetPointType: "point_type",
	model.FacetSector: "sector",
}

// SaleSums totals rollup_sales of the given periods by one facet and by
// whether the entries are credited, for the pairings ids (nil: every entry,
// credited or not; else only entries credited to one of them), within the
// filter (nil: all).
func (s *Store) SaleSums(ctx context.Context, facet string, periods []int, ids []int64, f *model.AreaFilter) ([]model.SaleSum, error) {
	col, ok := saleFacets[facet]
	if !ok {
		return nil, fmt.Errorf("store: no sales facet %q", facet)
	}
	out := []model.SaleSum{}
	if len(periods) == 0 || (ids != nil && len(ids) == 0) || emptyFilter(f) {
		return out, nil
	}
	credited := "CASE WHEN pairing_id > 0 THEN 1 ELSE 0 END"
	q := s.conn(ctx).Table("rollup_sales").
		Select("CAST(" + col + " AS CHAR) AS k, " + credited + " AS credited, SUM(cents) AS cents, SUM(orders) AS orders")
	q = periodWhere(q, periods)
	if ids != nil {
		q = q.Where("pairing_id IN ?", ids)
	}
	q = areaWhere(q, f)
	err := q.Group(col + ", " + credited).Scan(&out).Error
	return out, mapErr(err)
}

// SaleFacetSums is SaleSums for several facets in one read of rollup_sales:
// the totals by every combination of the facets' values and by whether the
// entries are credited, each row's Keys in the order of facets. Summing the
// rows by one key gives exactly SaleSums of that facet.
func (s *Store) SaleFacetSums(ctx context.Context, facets []string, periods []int, ids []int64, f *model.AreaFilter) ([]model.SaleFacetSum, error) {
	cols := make([]string, len(facets))
	for i, facet := range facets {
		col, ok := saleFacets[facet]
		if !ok {
			return nil, fmt.Errorf("store: no sales facet %q", facet)
		}
		cols[i] = col
	}
	out := []model.SaleFacetSum{}
	if len(facets) == 0 || len(periods) == 0 || (ids != nil && len(ids) == 0) || emptyFilter(f) {
		return out, nil
	}
	credited := "CASE WHEN pairing_id > 0 THEN 1 ELSE 0 END"
	sel := ""
	for _, col := range cols {
		sel += "CAST(" + col + " AS CHAR), "
	}
	q := s.conn(ctx).Table("rollup_sales").Select(sel + credited + " AS credited, SUM(cents) AS cents, SUM(orders) AS orders")
	q = periodWhere(q, periods)
	if ids != nil {
		q = q.Where("pairing_id IN ?", ids)
	}
	q = areaWhere(q, f)
	group := ""
	for _, col := range cols {
		group += col + ", "
	}
	rows, err := q.Group(group + credited).Rows()
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		r := model.SaleFacetSum{Keys: make([]string, len(cols))}
		dst := make([]any, 0, len(cols)+3)
		for i := range r.Keys {
			dst = append(dst, &r.Keys[i])
		}
		var credited int64
		dst = append(dst, &credited, &r.Cents, &r.Orders)
		if err := rows.Scan(dst...); err != nil {
			return nil, mapErr(err)
		}
		r.Credited = credited != 0
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// FacetSums is SaleSums of each of facets, with no area filter, read from
// rollup_facets (a few rows per value and pairing) in one statement: the
// totals by value and by whether the entries are credited, for the
// pairings ids (nil: every entry, credited or not; else only entries
// credited to one of them), by facet.
func (s *Store) FacetSums(ctx context.Context, facets []string, periods []int, ids []int64) (map[string][]model.SaleSum, error) {
	out := make(map[string][]model.SaleSum, len(facets))
	for _, facet := range facets {
		if _, ok := saleFacets[facet]; !ok {
			return nil, fmt.Errorf("store: no sales facet %q", facet)
		}
		out[facet] = []model.SaleSum{}
	}
	if len(facets) == 0 || len(periods) == 0 || (ids != nil && len(ids) == 0) {
		return out, nil
	}
	credited := "CASE WHEN pairing_id > 0 THEN 1 ELSE 0 END"
	q := s.conn(ctx).Table("rollup_facets").
		Select("facet, code, "+credited+" AS credited, SUM(cents) AS cents, SUM(orders) AS orders").
		Where("facet IN ?", facets)
	q = periodWhere(q, periods)
	if ids != nil {
		q = q.Where("pairing_id IN ?", ids)
	}
	// plain row scans: a few hundred rows, read on every call
	rows, err := q.Group("facet, code, " + credited).Rows()
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var facet string
		var r model.SaleSum
		var credited int64
		if err := rows.Scan(&facet, &r.Key, &credited, &r.Cents, &r.Orders); err != nil {
			return nil, mapErr(err)
		}
		r.Credited = credited != 0
		out[facet] = append(out[facet], r)
	}
	return out, mapErr(rows.Err())
}

// Targets lists every pairing's targets of the given years, in one read.
func (s *Store) Targets(ctx context.Context, years []int) ([]model.Target, error) {
	out := []model.Target{}
	if len(years) == 0 {
		return out, nil
	}
	err := s.conn(ctx).Where("year IN ?", years).Order("year, pairing_id").Find(&out).Error
	return out, mapErr(err)
}

// SupplierNames are the names of the suppliers ids.
func (s *Store) SupplierNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []model.Supplier
	if err := s.conn(ctx).Select("id, name").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

func periodWhere(q *gorm.DB, periods []int) *gorm.DB {
	if len(periods) == 1 {
		return q.Where("period = ?", periods[0])
	}
	return q.Where("period IN ?", periods)
}

func emptyFilter(f *model.AreaFilter) bool {
	return f != nil && ((f.BuyerRegions != nil && len(f.BuyerRegions) == 0) || (f.Origins != nil && len(f.Origins) == 0))
}

func areaWhere(q *gorm.DB, f *model.AreaFilter) *gorm.DB {
	if f == nil {
		return q
	}
	if f.BuyerRegions != nil {
		q = q.Where("buyer_region IN ?", f.BuyerRegions)
	}
	if f.Origins != nil {
		q = q.Where("origin_code IN ?", f.Origins)
	}
	return q
}

// YearTargets lists every pairing's target for a year.
func (s *Store) YearTargets(ctx context.Context, year int) ([]model.Target, error) {
	out := []model.Target{}
	err := s.conn(ctx).Where("year = ?", year).Order("pairing_id").Find(&out).Error
	return out, mapErr(err)
}

// OrgFamilyFigures reads org parentID and the orgs it supervises (only the
// top-level orgs when parentID is 0, with parent nil), children by id, each
// with its region's name, its rollup_orgs row of period and its filing of
// year: one query, reading the rollup and filing rows of those orgs only, by
// their primary and unique keys. A parentID that is no org is not found.
func (s *Store) OrgFamilyFigures(ctx context.Context, period, year int, parentID int64) (*model.OrgFigures, []model.OrgFigures, error) {
	if parentID == 0 {
		children, err := s.orgFigures(ctx, "o.parent_id IS NULL", period, year)
		return nil, children, err
	}
	all, err := s.orgFigures(ctx, "o.id = ? OR o.parent_id = ?", period, year, parentID, parentID)
	if err != nil {
		return nil, nil, err
	}
	var parent *model.OrgFigures
	children := make([]model.OrgFigures, 0, len(all))
	for i := range all {
		if all[i].Org.ID == parentID {
			parent = &all[i]
		} else {
			children = append(children, all[i])
		}
	}
	if parent == nil {
		return nil, nil, model.NotFound("org")
	}
	return parent, children, nil
}

// AllOrgFigures reads every org with its rollup_orgs row of a period and
// its filing of the year.
func (s *Store) AllOrgFigures(ctx context.Context, period, year int) ([]model.OrgFigures, error) {
	return s.orgFigures(ctx, "1 = 1", period, year)
}

// OrgFiguresOf reads the orgs ids as AllOrgFigures does, by id.
func (s *Store) OrgFiguresOf(ctx context.Context, period, year int, ids []int64) ([]model.OrgFigures, error) {
	if len(ids) == 0 {
		return []model.OrgFigures{}, nil
	}
	return s.orgFigures(ctx, "o.id IN ?", period, year, ids)
}

// OrgRankKeys reads what ranking every org needs, and no more: each org's
// id, parent, region, its subtree's certified purchases of period and its
// filing of year (no names: the page's rows are read apart, by id), by id.
func (s *Store) OrgRankKeys(ctx context.Context, period, year int) ([]model.OrgRankKey, error) {
	q := `SELECT o.id, COALESCE(o.parent_id, 0), o.region_code, COALESCE(r.subtree_certified_cents, 0),
	COALESCE(f.status, ''), COALESCE(f.food_budget_cents, 0), COALESCE(f.reserved_ratio_bp, 0)
FROM orgs o
LEFT JOIN rollup_orgs r ON r.period = ? AND r.org_id = o.id
LEFT JOIN filings f ON f.year = ? AND f.org_id = o.id
ORDER BY o.id`
	rows, err := s.conn(ctx).Raw(q, period, year).Rows()
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []model.OrgRankKey{}
	for rows.Next() {
		var k model.OrgRankKey
		if err := rows.Scan(&k.ID, &k.ParentID, &k.RegionCode, &k.SubtreeCertifiedCents, &k.FilingStatus,
			&k.FoodBudgetCents, &k.ReservedRatioBP); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, k)
	}
	return out, mapErr(rows.Err())
}

// EveryOrgRankKeys is OrgRankKeys for ranking every org, without parents
// and regions, and with a filing only where committed and the filing is
// approved or submitted (FilingStatus "" otherwise). It reads two tables by
// their leading key columns — the period's rollup_orgs rows, the year's
// filings of those statuses — and merges them here rather than joining every
// org to both, and answers only the orgs with one or the other, in id order;
// orgs is the number of all orgs: every other org has no rollup row and no
// such filing (amount 0, no completion), and OrgIDs lists them all.
func (s *Store) EveryOrgRankKeys(ctx context.Context, period, year int, committed bool) (keys []model.OrgRankKey, orgs int, err error) {
	if err := s.scanRows(ctx, []any{&orgs}, func() {}, "SELECT COUNT(*) FROM orgs"); err != nil {
		return nil, 0, err
	}
	keys = make([]model.OrgRankKey, 0, orgs)
	var id, cents int64
	err = s.scanRows(ctx, []any{&id, &cents}, func() {
		keys = append(keys, model.OrgRankKey{ID: id, SubtreeCertifiedCents: cents})
	}, "SELECT org_id, subtree_certified_cents FROM rollup_orgs WHERE period = ? ORDER BY org_id", period)
	if err != nil || !committed {
		return keys, orgs, err
	}
	// the filings come in (status, org_id) order, off the covering index:
	// found by binary search over the ids (keys are in id order), the rest
	// (committed orgs without a rollup row) merged in after
	ids := make([]int64, len(keys))
	for i := range keys {
		ids[i] = keys[i].ID
	}
	var extra []model.OrgRankKey
	var status sql.RawBytes
	var budget, bp int64
	err = s.scanRows(ctx, []any{&id, &status, &budget, &bp}, func() {
		st := model.FilingSubmitted
		if string(status) == model.FilingApproved {
			st = model.FilingApproved
		}
		var k *model.OrgRankKey
		if i, ok := slices.BinarySearch(ids, id); ok {
			k = &keys[i]
		} else {
			extra = append(extra, model.OrgRankKey{ID: id})
			k = &extra[len(extra)-1]
		}
		k.FilingStatus, k.FoodBudgetCents, k.ReservedRatioBP = st, budget, bp
	}, "SELECT org_id, status, food_budget_cents, reserved_ratio_bp FROM filings WHERE year = ? AND status IN (?, ?)",
		year, model.FilingApproved, model.FilingSubmitted)
	if err != nil || len(extra) == 0 {
		return keys, orgs, err
	}
	keys = append(keys, extra...)
	slices.SortFunc(keys, func(a, b model.OrgRankKey) int { return cmp.Compare(a.ID, b.ID) })
	return keys, orgs, nil
}

// OrgIDs lists every org's id, ascending.
func (s *Store) OrgIDs(ctx context.Context) ([]int64, error) {
	var out []int64
	var id int64
	err := s.scanRows(ctx, []any{&id}, func() { out = append(out, id) }, "SELECT id FROM orgs ORDER BY id")
	return out, err
}

// scanRows runs query and scans each row into dst (the same variables
// every row), calling each after every row. It goes through GORM's Raw, as
// other reads do, so statement hooks (statsbench's timer) see it.
func (s *Store) scanRows(ctx context.Context, dst []any, each func(), query string, args ...any) error {
	rows, err := s.conn(ctx).Raw(query, args...).Rows()
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return mapErr(err)
		}
		each()
	}
	return mapErr(rows.Err())
}

func (s *Store) orgFigures(ctx context.Context, where string, period, year int, args ...any) ([]model.OrgFigures, error) {
	q := `SELECT o.id, o.name, o.kind, o.region_code, COALESCE(g.name, ''), o.parent_id,
	COALESCE(r.cents, 0), COALESCE(r.certified_cents, 0), COALESCE(r.credited_cents, 0),
	COALESCE(r.subtree_cents, 0), COALESCE(r.subtree_certified_cents, 0), COALESCE(r.subtree_credited_cents, 0),
	COALESCE(f.status, ''), COALESCE(f.food_budget_cents, 0), COALESCE(f.reserved_ratio_bp, 0)
FROM orgs o
LEFT JOIN regions g ON g.code = o.region_code
LEFT JOIN rollup_orgs r ON r.period = ? AND r.org_id = o.id
LEFT JOIN filings f ON f.year = ? AND f.org_id = o.id
WHERE ` + where + ` ORDER BY o.id`
	rows, err := s.conn(ctx).Raw(q, append([]any{period, year}, args...)...).Rows()
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []model.OrgFigures{}
	for rows.Next() {
		var f model.OrgFigures
		var parent sql.NullInt64
		r := &f.Rollup
		if err := rows.Scan(&f.Org.ID, &f.Org.Name, &f.Org.Kind, &f.Org.RegionCode, &f.RegionName, &parent,
			&r.Cents, &r.CertifiedCents, &r.CreditedCents, &r.SubtreeCents, &r.SubtreeCertifiedCents, &r.SubtreeCreditedCents,
			&f.FilingStatus, &f.FoodBudgetCents, &f.ReservedRatioBP); err != nil {
			return nil, mapErr(err)
		}
		if parent.Valid {
			f.Org.ParentID = &parent.Int64
		}
		r.Period, r.OrgID = period, f.Org.ID
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}

// OrgPairingSums totals one org's rollup_org_pairings rows of the given
// periods by pairing (0: not credited).
func (s *Store) OrgPairingSums(ctx context.Context, orgID int64, periods []int) ([]model.RollupOrgPairing, error) {
	out := []model.RollupOrgPairing{}
	if len(periods) == 0 {
		return out, nil
	}
	q := s.conn(ctx).Table("rollup_org_pairings").
		Select("pairing_id, SUM(cents) AS cents, SUM(subtree_cents) AS subtree_cents").Where("org_id = ?", orgID)
	err := periodWhere(q, periods).Group("pairing_id").Order("pairing_id").Scan(&out).Error
	return out, mapErr(err)
}

// PairingPlatformSums totals the given periods by pairing (0: not credited)
// and by whether the sale was made in the mall, within the filter: from
// rollup_platforms (by buyer district and origin county), or with no filter
// from rollup_facets' platform rows.
func (s *Store) PairingPlatformSums(ctx context.Context, periods []int, f *model.AreaFilter) ([]model.PlatformSum, error) {
	out := []model.PlatformSum{}
	if len(periods) == 0 || emptyFilter(f) {
		return out, nil
	}
	var q *gorm.DB
	if f == nil {
		// unscoped: the platform breakdown of rollup_facets, a few rows per
		// pairing and platform
		mall := "CASE WHEN code = '" + model.PlatformMall + "' THEN 1 ELSE 0 END"
		q = s.conn(ctx).Table("rollup_facets").
			Select("pairing_id, "+mall+" AS mall, SUM(cents) AS cents, SUM(orders) AS orders").
			Where("facet = ?", model.FacetPlatform)
		q = periodWhere(q, periods).Group("pairing_id, " + mall)
	} else {
		q = s.conn(ctx).Table("rollup_platforms").
			Select("pairing_id, mall, SUM(cents) AS cents, SUM(orders) AS orders")
		q = areaWhere(periodWhere(q, periods), f).Group("pairing_id, mall")
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r model.PlatformSum
		var mall int64
		if err := rows.Scan(&r.PairingID, &mall, &r.Cents, &r.Orders); err != nil {
			return nil, mapErr(err)
		}
		r.Mall = mall != 0
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

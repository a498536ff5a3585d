package stats

import (
	"context"

	"shanhai/model"
)

// UnitReport is the full ranking of every org in the caller's scope, one
// page of it.
type UnitReport struct {
	Year     int      `json:"year"`
	Month    int      `json:"month,omitempty"`
	Items    []OrgRow `json:"items"`
	Total    int      `json:"total"`
	Page     int      `json:"page"`
	PageSize int      `json:"page_size"`
}

// Units ranks every org the caller may see — all of them for an admin, those
// in a helper-side officer's region, an org_admin's org and every org below
// it — by reserved-share progress, as Orgs ranks siblings (a rank among all
// of them), and answers one page. Reserved shares are neither per programme
// nor over ranges: either is a 422, as on Orgs.
func (s *Service) Units(ctx context.Context, actor *model.User, q Query, page, size int) (*UnitReport, error) {
	sc, err := s.reservedScope(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	q.ParentID = 0
	key := cacheKey("u:%s:%s", q.key(), sc.key())
	all, err := cached(ctx, s, key, func(ctx context.Context) (*UnitReport, error) {
		figs, err := s.store.AllOrgFigures(ctx, model.YearPeriod(q.Year)+q.Month, q.Year)
		if err != nil {
			return nil, err
		}
		w, err := s.world(ctx)
		if err != nil {
			return nil, err
		}
		parent := map[int64]int64{}
		for _, f := range figs {
			if f.Org.ParentID != nil {
				parent[f.Org.ID] = *f.Org.ParentID
			}
		}
		under := func(id, top int64) bool {
			for depth := 0; depth < 64; depth++ {
				if id == top {
					return true
				}
				p, ok := parent[id]
				if !ok {
					return false
				}
				id = p
			}
			return false
		}
		out := &UnitReport{Year: q.Year, Month: q.Month, Items: []OrgRow{}}
		for i := range figs {
			o := &figs[i].Org
			switch {
			case sc.orgID != 0 && !under(o.ID, sc.orgID):
				continue
			case sc.side == model.SideHelper && !w.Tree.Contains(sc.region, o.RegionCode):
				continue
			}
			out.Items = append(out.Items, orgRow(&figs[i], q.Month == 0))
		}
		ranked(out.Items, func(r *OrgRow) (*Ratio, int64) { return r.Completion, r.SubtreeCertifiedCents },
			func(r *OrgRow, rank int) { r.Rank = &rank })
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	out := *all
	out.Total, out.Page, out.PageSize = len(all.Items), page, size
	from := min((page-1)*size, len(all.Items))
	out.Items = all.Items[from:min(from+size, len(all.Items))]
	return &out, nil
}

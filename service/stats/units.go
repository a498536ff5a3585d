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

// wholeRead: a page this large reads every org's figures at once rather
// than by id.
const wholeRead = 1000

// Units ranks every org the caller may see — all of them for an admin, those
// in a helper-side officer's region, an org_admin's org and every org below
// it — by reserved-share progress, as Orgs ranks siblings (a rank among all
// of them), and answers one page. Reserved shares are neither per programme
// nor over ranges: either is a 422, as on Orgs.
//
// The ranking reads only what ranks an org (model.OrgRankKey: numbers, no
// names); the page's rows are then read by id.
func (s *Service) Units(ctx context.Context, actor *model.User, q Query, page, size int) (*UnitReport, error) {
	sc, err := s.reservedScope(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	q.ParentID = 0
	key := cacheKey("u:%s:%s:%d:%d", q.key(), sc.key(), page, size)
	return cached(ctx, s, key, func(ctx context.Context) (*UnitReport, error) {
		period := model.YearPeriod(q.Year) + q.Month
		var keys []model.OrgRankKey
		every, orgs := sc.side == "" && sc.orgID == 0, 0
		if every {
			// every org: no parents or regions to read, and only the orgs
			// with figures (every other has amount 0 and no completion)
			keys, orgs, err = s.store.EveryOrgRankKeys(ctx, period, q.Year, q.Month == 0)
		} else {
			keys, err = s.store.OrgRankKeys(ctx, period, q.Year)
		}
		if err != nil {
			return nil, err
		}
		inScope := func(*model.OrgRankKey) bool { return true }
		switch {
		case sc.orgID != 0:
			parent := make(map[int64]int64, len(keys))
			for _, k := range keys {
				parent[k.ID] = k.ParentID
			}
			inScope = func(k *model.OrgRankKey) bool {
				id := k.ID
				for depth := 0; depth < 64 && id != 0; depth++ {
					if id == sc.orgID {
						return true
					}
					id = parent[id]
				}
				return false
			}
		case sc.side == model.SideHelper:
			w, err := s.world(ctx)
			if err != nil {
				return nil, err
			}
			inScope = func(k *model.OrgRankKey) bool { return w.Tree.Contains(sc.region, k.RegionCode) }
		}
		all := make([]unitRanking, 0, len(keys))
		for i := range keys {
			k := &keys[i]
			if !inScope(k) {
				continue
			}
			r := unitRanking{id: k.ID, amount: k.SubtreeCertifiedCents}
			// as orgRow: an approved or submitted filing is a commitment
			if q.Month == 0 && (k.FilingStatus == model.FilingApproved || k.FilingStatus == model.FilingSubmitted) {
				f := model.Filing{FoodBudgetCents: k.FoodBudgetCents, ReservedRatioBP: k.ReservedRatioBP}
				r.completion, r.committed = completion(k.SubtreeCertifiedCents, f.ReservedCents())
			}
			all = append(all, r)
		}
		total := max(len(all), orgs)
		// the ranking up to the page's end: the places before it decide its ranks
		from := min((page-1)*size, total)
		end := min(from+size, total)
		top := rankUnits(all, end)
		if every && !unitsDecided(top, end) {
			// the page reaches the orgs without figures: every org, then
			ids, err := s.store.OrgIDs(ctx)
			if err != nil {
				return nil, err
			}
			all = withoutFigures(all, ids)
			total = len(all)
			from, end = min(from, total), min(end, total)
			top = rankUnits(all, end)
		}
		out := &UnitReport{Year: q.Year, Month: q.Month, Items: []OrgRow{}, Total: total, Page: page, PageSize: size}
		onPage := top[from:]
		if len(onPage) == 0 {
			return out, nil
		}
		ids := make([]int64, len(onPage))
		for i, r := range onPage {
			ids[i] = r.id
		}
		var figs []model.OrgFigures
		if len(ids) > wholeRead {
			figs, err = s.store.AllOrgFigures(ctx, period, q.Year)
		} else {
			figs, err = s.store.OrgFiguresOf(ctx, period, q.Year, ids)
		}
		if err != nil {
			return nil, err
		}
		byID := make(map[int64]*model.OrgFigures, len(figs))
		for i := range figs {
			byID[figs[i].Org.ID] = &figs[i]
		}
		for _, r := range onPage {
			f := byID[r.id]
			if f == nil {
				continue // deleted between the two reads: orgs are not deleted
			}
			row := orgRow(f, q.Month == 0)
			rank := r.rank
			row.Rank = &rank
			out.Items = append(out.Items, row)
		}
		return out, nil
	})
}

// unitRanking is one org's place in the unit ranking.
type unitRanking struct {
	id         int64
	completion Ratio // when committed
	committed  bool  // a completion: a committed filing with a reserved amount
	amount     int64
	rank       int
}

// rankUnits ranks all (in id order) up to place n.
func rankUnits(all []unitRanking, n int) []unitRanking {
	return rankedTop(all, n, func(r *unitRanking) (*Ratio, int64) {
		if !r.committed {
			return nil, r.amount
		}
		return &r.completion, r.amount
	},
		func(r *unitRanking, rank int) { r.rank = rank })
}

// unitsDecided reports whether top, ranked among the orgs with figures
// only, holds the first n places of every org: n of them, the last ahead of
// an org without figures (no completion, amount 0), so that none of those
// could come before it or share its rank.
func unitsDecided(top []unitRanking, n int) bool {
	if len(top) < n {
		return false
	}
	if n == 0 {
		return true
	}
	last := top[n-1]
	return last.committed || last.amount > 0
}

// withoutFigures is rankings (in id order) with every other org of ids
// (ascending) added with no completion and amount 0, in id order.
func withoutFigures(rankings []unitRanking, ids []int64) []unitRanking {
	out := make([]unitRanking, 0, max(len(ids), len(rankings)))
	i := 0
	for _, id := range ids {
		for i < len(rankings) && rankings[i].id < id {
			out = append(out, rankings[i])
			i++
		}
		if i < len(rankings) && rankings[i].id == id {
			out = append(out, rankings[i])
			i++
			continue
		}
		out = append(out, unitRanking{id: id})
	}
	return append(out, rankings[i:]...)
}

package stats

import (
	"context"

	"shanhai/model"
)

// OrgPairingRow is what one org (and its subtree) bought for one pairing.
type OrgPairingRow struct {
	Pairing      PairingRef `json:"pairing"`
	Cents        int64      `json:"cents"`         // the org's own purchases
	SubtreeCents int64      `json:"subtree_cents"` // the org's and every org's it supervises
}

// OrgPairingReport is one org's figures per pairing, and what of its
// purchases helped no pairing.
type OrgPairingReport struct {
	Year                    int             `json:"year,omitempty"`
	Month                   int             `json:"month,omitempty"`
	From                    string          `json:"from,omitempty"`
	To                      string          `json:"to,omitempty"`
	Programme               string          `json:"programme,omitempty"`
	Org                     OrgRef          `json:"org"`
	Items                   []OrgPairingRow `json:"items"`
	NotCreditedCents        int64           `json:"not_credited_cents"`         // own; absent from a programme's answer
	SubtreeNotCreditedCents int64           `json:"subtree_not_credited_cents"` // the subtree's
}

// OrgPairings is one org's figures per pairing over the query's period. Who
// may ask is who may see the org in the ranking: an admin, a helper-side
// officer for an org in their region, an org_admin for their org or one
// below it (anyone else: 404 for the org, 403 for the route).
func (s *Service) OrgPairings(ctx context.Context, actor *model.User, orgID int64, q Query) (*OrgPairingReport, error) {
	sc, err := s.scopeOf(ctx, actor, true)
	if err != nil {
		return nil, err
	}
	if sc.side == model.SidePartner {
		return nil, model.Forbidden("org figures are for the helper side: a partner-side officer sees the pairing, district and origin figures")
	}
	q.ParentID = 0
	if err := q.check(); err != nil {
		return nil, err
	}
	if sc.orgID != 0 {
		if err := s.inSubtree(ctx, sc.orgID, orgID); err != nil {
			return nil, err
		}
	}
	o, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	w, err := s.world(ctx)
	if err != nil {
		return nil, err
	}
	if sc.side == model.SideHelper && !w.Tree.Contains(sc.region, o.RegionCode) {
		return nil, model.NotFound("org")
	}
	figScope := sc
	figScope.orgID = 0
	key := cacheKey("op:%d:%s:%s", orgID, q.key(), figScope.key())
	return cached(ctx, s, key, func(ctx context.Context) (*OrgPairingReport, error) {
		sums, err := s.store.OrgPairingSums(ctx, orgID, q.periods())
		if err != nil {
			return nil, err
		}
		region := Region{Code: o.RegionCode}
		if r, ok := w.Regions[o.RegionCode]; ok {
			region.Name = r.Name
		}
		out := &OrgPairingReport{Programme: q.Programme, Items: []OrgPairingRow{},
			Org: OrgRef{ID: o.ID, Name: o.Name, Kind: o.Kind, Region: region, ParentID: o.ParentID}}
		out.Year, out.Month, out.From, out.To = q.header()
		byID := map[int64]*model.PairingView{}
		for i := range w.Pairings {
			byID[w.Pairings[i].ID] = &w.Pairings[i]
		}
		for _, r := range sums {
			if r.PairingID == 0 {
				if q.Programme == "" {
					out.NotCreditedCents, out.SubtreeNotCreditedCents = r.Cents, r.SubtreeCents
				}
				continue
			}
			p := byID[r.PairingID]
			if p == nil || !q.inProgramme(p) || (r.Cents == 0 && r.SubtreeCents == 0) {
				continue
			}
			out.Items = append(out.Items, OrgPairingRow{Pairing: pairingRef(p), Cents: r.Cents, SubtreeCents: r.SubtreeCents})
		}
		return out, nil
	})
}

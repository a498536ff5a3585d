package main

import (
	"context"
	"database/sql"
	"fmt"

	"shanhai/model"
	"shanhai/service/stats"
)

// query is one statistics answer the bench measures: the service's call
// (in-process) and its route (over HTTP), the plain GROUP BY over the ledger
// it replaces, and the checks of both against the record.
type query struct {
	name string
	ask  func(ctx context.Context, svc *stats.Service) (any, error)
	path string // the route, with its query string
	// the GROUP BY's main statement and its arguments, for its plan
	sql  string
	args []any
	// groupBy runs the baseline; check compares its figures with the record
	groupBy func(ctx context.Context, db *sql.DB) (check func(*checks), err error)
	// check compares one answer, a JSON body, with the record
	check func(c *checks, by string, body []byte)
}

// The breakdowns of the partner side and of the channel review, in the
// bench's own terms.
var (
	originFacets  = []string{model.FacetOrigin, model.FacetCategory, model.FacetSupplier}
	channelFacets = []string{model.FacetChannel, model.FacetPlatform, model.FacetPointType, model.FacetSector}
)

const unitPageSize = 20

// queries are the answers measured, as the demo admin: the per-pairing
// table of the year and since 2021, the ranking of one supervising unit's
// children and of every org (page 1), the helper districts for 东西部协作,
// the partner side's and the channel review's breakdowns, and one
// supervising unit's figures per pairing.
func queries(w *world, rec *record, o options, parent *org) []*query {
	year, since := yearSpan(o.year), span{firstYear, o.year, true}
	yq := stats.Query{Period: stats.Period{Year: o.year}}
	yFrom, yTo := year.bounds()
	var east []int64
	for _, p := range w.pairings {
		if p.Programme == model.ProgrammeEastWest {
			east = append(east, p.ID)
		}
	}
	pairings := func(s span, q stats.Query, path string) *query {
		from, to := s.bounds()
		return &query{
			name: fmt.Sprintf("per-pairing table %s (admin)", s),
			ask:  func(ctx context.Context, svc *stats.Service) (any, error) { return svc.Pairings(ctx, w.admin, q) },
			path: path, sql: pairingSQL, args: []any{from, to},
			groupBy: func(ctx context.Context, db *sql.DB) (func(*checks), error) {
				rows, err := groupPairings(ctx, db, s)
				return func(c *checks) { checkPairingLoad(c, rec, s, rows) }, err
			},
			check: func(c *checks, by string, body []byte) { checkPairings(c, w, rec, s, by, body) },
		}
	}
	orgRanking := func(name string, parent *org, ask func(ctx context.Context, svc *stats.Service) (any, error), path string,
		check func(c *checks, by string, body []byte)) *query {
		var id int64
		if parent != nil {
			id = parent.id
		}
		return &query{
			name: name, ask: ask, path: path, sql: orgSQL, args: []any{yFrom, yTo, subtreeLike(id)},
			groupBy: func(ctx context.Context, db *sql.DB) (func(*checks), error) {
				children, figs, err := groupOrgs(ctx, db, year, id)
				return func(c *checks) { checkOrgLoad(c, w, rec, o.year, parent, children, figs) }, err
			},
			check: check,
		}
	}
	sales := func(name, route string, facets []string, ask func(*stats.Service, context.Context, *model.User, stats.Query) (*stats.SalesReport, error)) *query {
		return &query{
			name: fmt.Sprintf("%s %d (admin)", name, o.year),
			ask:  func(ctx context.Context, svc *stats.Service) (any, error) { return ask(svc, ctx, w.admin, yq) },
			path: fmt.Sprintf("/api/v1/stats/%s?year=%d", route, o.year), sql: salesSQL(facets), args: []any{yFrom, yTo},
			groupBy: func(ctx context.Context, db *sql.DB) (func(*checks), error) {
				figs, err := groupSales(ctx, db, year, facets)
				return func(c *checks) { checkSaleLoad(c, rec, year, facets, figs) }, err
			},
			check: func(c *checks, by string, body []byte) { checkSales(c, rec, year, facets, by, body) },
		}
	}
	return []*query{
		pairings(year, yq, fmt.Sprintf("/api/v1/stats/pairings?year=%d", o.year)),
		orgRanking(fmt.Sprintf("org ranking %d: %d children of %s", o.year, len(w.children[parent.id]), parent.name), parent,
			func(ctx context.Context, svc *stats.Service) (any, error) {
				return svc.Orgs(ctx, w.admin, stats.Query{Period: yq.Period, ParentID: parent.id})
			},
			fmt.Sprintf("/api/v1/stats/orgs?year=%d&parent_id=%d", o.year, parent.id),
			func(c *checks, by string, body []byte) { checkOrgs(c, w, rec, o.year, parent, by, body) }),
		pairings(since, stats.Query{Period: stats.Period{From: since.from*100 + 1, To: since.to*100 + 12}},
			fmt.Sprintf("/api/v1/stats/pairings?from=%d-01&to=%d-12", since.from, since.to)),
		{
			name: fmt.Sprintf("district ranking %d, %s (admin)", o.year, model.ProgrammeEastWest),
			ask: func(ctx context.Context, svc *stats.Service) (any, error) {
				return svc.Districts(ctx, w.admin, stats.Query{Period: yq.Period, Programme: model.ProgrammeEastWest})
			},
			path: fmt.Sprintf("/api/v1/stats/regions?year=%d&programme=%s", o.year, model.ProgrammeEastWest),
			sql:  districtSQL(east), args: []any{yFrom, yTo},
			groupBy: func(ctx context.Context, db *sql.DB) (func(*checks), error) {
				figs, err := groupDistricts(ctx, db, year, east)
				return func(c *checks) {
					sameFigures(c, "district", figs, areaTotals(rec, year, east))
					c.compared = append(c.compared, fmt.Sprintf("the GROUP BY over the ledger of %s = the bench's record, credited to %s per buyer region and kind", year, model.ProgrammeEastWest))
				}, err
			},
			check: func(c *checks, by string, body []byte) {
				checkDistricts(c, w, rec, year, model.ProgrammeEastWest, east, by, body)
			},
		},
		sales("origins (county, category, producer)", "origins", originFacets, (*stats.Service).Origins),
		sales("channels (channel, platform, point type, sector)", "channels", channelFacets, (*stats.Service).Channels),
		orgRanking(fmt.Sprintf("unit ranking %d: page 1 of %d, all %d orgs", o.year, unitPageSize, len(w.orgs)), nil,
			func(ctx context.Context, svc *stats.Service) (any, error) {
				return svc.Units(ctx, w.admin, yq, 1, unitPageSize)
			},
			fmt.Sprintf("/api/v1/stats/units?year=%d&page=1&page_size=%d", o.year, unitPageSize),
			func(c *checks, by string, body []byte) { checkUnits(c, w, rec, o.year, 1, unitPageSize, by, body) }),
		{
			name: fmt.Sprintf("pairings of one org %d: %s", o.year, parent.name),
			ask: func(ctx context.Context, svc *stats.Service) (any, error) {
				return svc.OrgPairings(ctx, w.admin, parent.id, yq)
			},
			path: fmt.Sprintf("/api/v1/stats/orgs/%d/pairings?year=%d", parent.id, o.year),
			sql:  orgPairingSQL, args: []any{parent.id, yFrom, yTo, subtreeLike(parent.id)},
			groupBy: func(ctx context.Context, db *sql.DB) (func(*checks), error) {
				figs, err := groupOrgPairings(ctx, db, year, parent.id)
				return func(c *checks) {
					sameFigures(c, "org pairing", figs, orgPairingTotals(rec, year, parent.id))
					c.compared = append(c.compared, fmt.Sprintf("the GROUP BY over the ledger of %s = the bench's record, per pairing of %s: own and subtree", year, parent.name))
				}, err
			},
			check: func(c *checks, by string, body []byte) { checkOrgPairings(c, rec, year, parent, by, body) },
		},
	}
}

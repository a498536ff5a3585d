package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"shanhai/model"
	"shanhai/scripts/bench"
)

// timing is one runner's calls of one query.
type timing struct {
	lat   bench.Latencies // sorted once measured
	total time.Duration
}

func (t *timing) add(d time.Duration) {
	t.lat = append(t.lat, d)
	t.total += d
}

func (t *timing) mean() time.Duration {
	if len(t.lat) == 0 {
		return 0
	}
	return t.total / time.Duration(len(t.lat))
}

func (t *timing) sort() { slices.Sort(t.lat) }

// interleave calls each runner n times after a few unmeasured calls,
// taking turns call by call so that all see the machine alike; a nil
// runner is skipped (and its timing nil).
func interleave(ctx context.Context, n int, runners ...func(context.Context) error) ([]*timing, error) {
	out := make([]*timing, len(runners))
	for k, f := range runners {
		if f != nil {
			out[k] = &timing{}
		}
	}
	warm := min(n, 20)
	for i := range warm + n {
		for k, f := range runners {
			if f == nil {
				continue
			}
			start := time.Now()
			if err := f(ctx); err != nil {
				return nil, err
			}
			if i >= warm {
				out[k].add(time.Since(start))
			}
		}
	}
	for _, t := range out {
		if t != nil {
			t.sort()
		}
	}
	return out, nil
}

// httpGetter GETs base+path with a bearer token and wants a 200.
func httpGetter(client *http.Client, base, token, path string) func(context.Context) ([]byte, error) {
	if client == nil {
		return nil
	}
	return func(ctx context.Context) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: HTTP %d: %.300s", path, resp.StatusCode, body)
		}
		return body, nil
	}
}

// The baseline: the same figures by a plain GROUP BY over the ledger, as
// one would without rollups. Each reads the ledger once; what the service
// adds on top of the sums (county parts, districts, ranks) is left to the
// checks, which derive it from the record.

// span is the period a query asks about: the whole years from..to, asked as
// one year or (months) as the range of months from-01..to-12.
type span struct {
	from, to int
	months   bool
}

func yearSpan(year int) span { return span{year, year, false} }

func (s span) has(year int) bool { return year >= s.from && year <= s.to }

// bounds are the first and last ledger periods (YYYYMM) of s.
func (s span) bounds() (int, int) { return s.from*100 + 1, s.to*100 + 12 }

func (s span) String() string {
	if !s.months {
		return fmt.Sprint(s.from)
	}
	return fmt.Sprintf("%d-01..%d-12", s.from, s.to)
}

// pairingSQL totals a period's entries by pairing (0: not credited), reason,
// kind and whether they were made in the mall: the per-pairing table before
// a city pairing takes in its county part, and the not-credited totals by
// reason.
const pairingSQL = `SELECT COALESCE(pairing_id, 0), reason, kind, platform = 'mall' AS mall, SUM(amount_cents), SUM(orders)
FROM credits WHERE period BETWEEN ? AND ? GROUP BY pairing_id, reason, kind, mall`

// orgSQL totals a period's entries of one org's subtree (its id anywhere in
// the chain; "%" for every org) by chain and buying org; each org's own and
// subtree figures follow from the chains.
const orgSQL = `SELECT org_chain, COALESCE(buyer_org_id, 0), SUM(amount_cents),
  SUM(CASE WHEN certified = 1 THEN amount_cents ELSE 0 END),
  SUM(CASE WHEN pairing_id IS NOT NULL THEN amount_cents ELSE 0 END)
FROM credits WHERE period BETWEEN ? AND ? AND org_chain LIKE ? GROUP BY org_chain, buyer_org_id`

// districtSQL totals a period's entries credited to the pairings ids by
// buyer region and kind; the districts follow from the regions.
func districtSQL(ids []int64) string {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = fmt.Sprint(id)
	}
	return `SELECT buyer_region, kind, SUM(amount_cents), SUM(orders)
FROM credits WHERE period BETWEEN ? AND ? AND pairing_id IN (` + strings.Join(list, ", ") + `) GROUP BY buyer_region, kind`
}

// facetColumns are the ledger's columns of the breakdowns.
var facetColumns = map[string]string{
	model.FacetOrigin: "origin_code", model.FacetCategory: "category_code", model.FacetSupplier: "supplier_id",
	model.FacetChannel: "channel", model.FacetPlatform: "platform", model.FacetPointType: "point_type",
	model.FacetSector: "sector",
}

// salesSQL totals a period's entries by the facets' columns together and by
// whether they are credited; each facet's totals follow by summing over the
// others.
func salesSQL(facets []string) string {
	cols := make([]string, len(facets))
	for i, f := range facets {
		cols[i] = facetColumns[f]
	}
	return `SELECT CONCAT_WS(CHAR(9), ` + strings.Join(cols, ", ") + `), pairing_id IS NOT NULL AS credited, SUM(amount_cents), SUM(orders)
FROM credits WHERE period BETWEEN ? AND ? GROUP BY ` + strings.Join(cols, ", ") + `, credited`
}

// orgPairingSQL totals a period's entries of one org's subtree by pairing
// (0: not credited): the org's own (its id bound first) and the subtree's.
const orgPairingSQL = `SELECT COALESCE(pairing_id, 0), SUM(CASE WHEN buyer_org_id = ? THEN amount_cents ELSE 0 END), SUM(amount_cents)
FROM credits WHERE period BETWEEN ? AND ? AND org_chain LIKE ? GROUP BY pairing_id`

type pairingRow struct {
	pairing       int64
	reason, kind  string
	mall          bool
	cents, orders int64
}

func groupPairings(ctx context.Context, db *sql.DB, s span) ([]pairingRow, error) {
	var out []pairingRow
	from, to := s.bounds()
	err := collect(ctx, db, pairingSQL, func(r *sql.Rows) error {
		var p pairingRow
		err := r.Scan(&p.pairing, &p.reason, &p.kind, &p.mall, &p.cents, &p.orders)
		out = append(out, p)
		return err
	}, from, to)
	return out, err
}

// subtreeLike is the chain pattern of parent's subtree; "%" (every chain)
// for parent 0.
func subtreeLike(parent int64) string {
	if parent == 0 {
		return "%"
	}
	return fmt.Sprintf("%%/%d/%%", parent)
}

// groupOrgs computes the figures of parent and each of its children (every
// org for parent 0) from the ledger: the orgs (the one small read besides
// the GROUP BY), then own figures by buying org and subtree figures by
// chain.
func groupOrgs(ctx context.Context, db *sql.DB, s span, parent int64) (children []int64, figs map[int64]orgFigures, err error) {
	q, args := "SELECT id FROM orgs WHERE parent_id = ? ORDER BY id", []any{parent}
	if parent == 0 {
		q, args = "SELECT id FROM orgs ORDER BY id", nil
	}
	err = collect(ctx, db, q, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		children = append(children, id)
		return err
	}, args...)
	if err != nil {
		return nil, nil, err
	}
	figs = map[int64]orgFigures{}
	wanted := map[int64]bool{parent: parent != 0}
	for _, id := range children {
		wanted[id] = true
	}
	from, to := s.bounds()
	err = collect(ctx, db, orgSQL, func(r *sql.Rows) error {
		var chain string
		var buyer, cents, certified, credited int64
		if err := r.Scan(&chain, &buyer, &cents, &certified, &credited); err != nil {
			return err
		}
		for _, id := range model.ChainIDs(chain) {
			if !wanted[id] {
				continue
			}
			f := figs[id]
			if id == buyer {
				f.cents += cents
				f.certified += certified
				f.credited += credited
			}
			f.subCents += cents
			f.subCertified += certified
			f.subCredited += credited
			figs[id] = f
		}
		return nil
	}, from, to, subtreeLike(parent))
	return children, figs, err
}

// areaCell is a buyer region and kind.
type areaCell struct{ region, kind string }

func groupDistricts(ctx context.Context, db *sql.DB, s span, ids []int64) (map[areaCell]sums, error) {
	out := map[areaCell]sums{}
	from, to := s.bounds()
	err := collect(ctx, db, districtSQL(ids), func(r *sql.Rows) error {
		var k areaCell
		var v sums
		err := r.Scan(&k.region, &k.kind, &v.cents, &v.orders)
		addTo(out, k, v)
		return err
	}, from, to)
	return out, err
}

func groupSales(ctx context.Context, db *sql.DB, s span, facets []string) (map[saleCell]sums, error) {
	out := map[saleCell]sums{}
	from, to := s.bounds()
	err := collect(ctx, db, salesSQL(facets), func(r *sql.Rows) error {
		var values string
		var credited bool
		var v sums
		if err := r.Scan(&values, &credited, &v.cents, &v.orders); err != nil {
			return err
		}
		codes := strings.Split(values, "\t")
		if len(codes) != len(facets) {
			return fmt.Errorf("sales GROUP BY: %d values, want %d", len(codes), len(facets))
		}
		for i, f := range facets {
			addTo(out, saleCell{f, codes[i], credited}, v)
		}
		return nil
	}, from, to)
	return out, err
}

func groupOrgPairings(ctx context.Context, db *sql.DB, s span, org int64) (map[int64]orgPairing, error) {
	out := map[int64]orgPairing{}
	from, to := s.bounds()
	err := collect(ctx, db, orgPairingSQL, func(r *sql.Rows) error {
		var pairing int64
		var v orgPairing
		err := r.Scan(&pairing, &v.cents, &v.subCents)
		out[pairing] = v
		return err
	}, org, from, to, subtreeLike(org))
	return out, err
}

// explain is MariaDB's plan of q, short: "type ALL, key —, rows ~9,998,765,
// Using where; Using temporary".
func explain(ctx context.Context, db *sql.DB, q string, args ...any) string {
	rows, err := db.QueryContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		return "EXPLAIN failed: " + err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var parts []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "EXPLAIN failed: " + err.Error()
		}
		get := func(name string) string {
			for i, c := range cols {
				if strings.EqualFold(c, name) && vals[i].Valid {
					return vals[i].String
				}
			}
			return "—"
		}
		parts = append(parts, fmt.Sprintf("type %s, key %s, rows ~%s, %s", get("type"), get("key"), get("rows"), get("Extra")))
	}
	return strings.Join(parts, " | ")
}

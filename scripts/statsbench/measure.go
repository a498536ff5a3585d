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
// one would without rollups.

// pairingSQL totals a year's entries by pairing (0: not credited), reason
// and kind: the per-pairing table before a city pairing takes in its county
// part, and the not-credited totals by reason.
const pairingSQL = `SELECT COALESCE(pairing_id, 0), reason, kind, SUM(amount_cents), SUM(orders)
FROM credits WHERE period BETWEEN ? AND ? GROUP BY pairing_id, reason, kind`

// orgSQL totals a year's entries of one org's subtree (its id anywhere in
// the chain) by chain and buying org; each child's own and subtree figures
// follow from the chains.
const orgSQL = `SELECT org_chain, COALESCE(buyer_org_id, 0), SUM(amount_cents),
  SUM(CASE WHEN certified = 1 THEN amount_cents ELSE 0 END),
  SUM(CASE WHEN pairing_id IS NOT NULL THEN amount_cents ELSE 0 END)
FROM credits WHERE period BETWEEN ? AND ? AND org_chain LIKE ? GROUP BY org_chain, buyer_org_id`

type pairingRow struct {
	pairing       int64
	reason, kind  string
	cents, orders int64
}

func yearRange(year int) (int, int) { return model.YearPeriod(year) + 1, model.YearPeriod(year) + 12 }

func groupPairings(ctx context.Context, db *sql.DB, year int) ([]pairingRow, error) {
	var out []pairingRow
	from, to := yearRange(year)
	err := collect(ctx, db, pairingSQL, func(r *sql.Rows) error {
		var p pairingRow
		err := r.Scan(&p.pairing, &p.reason, &p.kind, &p.cents, &p.orders)
		out = append(out, p)
		return err
	}, from, to)
	return out, err
}

// groupOrgs computes the figures of parent and each of its children from
// the ledger: the children (the one small read besides the GROUP BY), then
// own figures by buying org and subtree figures by chain.
func groupOrgs(ctx context.Context, db *sql.DB, year int, parent int64) (children []int64, figs map[int64]orgFigures, err error) {
	err = collect(ctx, db, "SELECT id FROM orgs WHERE parent_id = ? ORDER BY id", func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		children = append(children, id)
		return err
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	figs = map[int64]orgFigures{}
	wanted := map[int64]bool{parent: true}
	for _, id := range children {
		wanted[id] = true
	}
	from, to := yearRange(year)
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
	}, from, to, fmt.Sprintf("%%/%d/%%", parent))
	return children, figs, err
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

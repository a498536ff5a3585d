package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"shanhai/model/store"
)

// Loader fills the bench database by batched SQL on the store's pool.
type Loader struct {
	*store.Store // the bench database, migrated

	Rand *rand.Rand // seeded alike in every run, so that every run loads the same rows
	Now  time.Time  // when the load began, UTC, to the millisecond: created_at and the like

	start time.Time
}

// NewLoader opens the bench database dsn through the store and migrates it.
// Close it when loaded.
func NewLoader(ctx context.Context, dsn string) (*Loader, error) {
	start := time.Now()
	st, err := store.Open("mysql:"+dsn, 4)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return &Loader{Store: st, Rand: rand.New(rand.NewPCG(2026, 1184)), Now: time.Now().UTC().Truncate(time.Millisecond), start: start}, nil
}

// Elapsed is the time since the load began, migration included.
func (l *Loader) Elapsed() time.Duration { return time.Since(l.start) }

// Insert inserts every table's rows in one transaction.
func (l *Loader) Insert(ctx context.Context, tables ...*Rows) error {
	tx, err := l.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, r := range tables {
		if err := r.insert(ctx, tx); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// The seed's pairings (helper → partner), so that products count for their
// pairings as in production.
var pairings = []struct {
	programme, level, helper, partner string
	since                             int
}{
	{"east_west", "city", "330600", "511100", 2021},
	{"east_west", "county", "330604", "511113", 2021},
	{"east_west", "county", "330603", "513226", 2021},
	{"east_west", "county", "330603", "511132", 2021},
	{"east_west", "county", "330602", "511133", 2021},
	{"mountain_sea", "city", "330600", "330800", 2003},
	{"mountain_sea", "city", "330600", "331100", 2003},
	{"mountain_sea", "county", "330603", "330881", 2003},
	{"mountain_sea", "county", "330602", "330824", 2003},
	{"mountain_sea", "county", "330604", "331127", 2015},
	{"mountain_sea", "county", "330604", "330328", 2003},
	{"mountain_sea", "county", "330683", "331121", 2003},
}

// PairingRows are the seed's pairings as rows of the pairings table.
func PairingRows() *Rows {
	r := NewRows("pairings", "programme, level, helper_code, partner_code, since_year, active")
	for _, p := range pairings {
		r.Add(p.programme, p.level, p.helper, p.partner, p.since, true)
	}
	return r
}

const stmtRows = 500 // rows per INSERT statement

// Rows collects the values of one table's multi-row INSERTs.
type Rows struct {
	table, cols string
	ncols, n    int
	args        []any
}

// NewRows collects rows of table, values in the order of cols.
func NewRows(table, cols string) *Rows { return &Rows{table: table, cols: cols} }

// Add adds a row.
func (r *Rows) Add(vals ...any) {
	if r.ncols == 0 {
		r.ncols = len(vals)
	}
	r.args = append(r.args, vals...)
	r.n++
}

// Len is the number of rows added.
func (r *Rows) Len() int { return r.n }

// insert writes the rows in statements of stmtRows rows.
func (r *Rows) insert(ctx context.Context, tx *sql.Tx) error {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", r.ncols), ",") + ")"
	for at := 0; at < r.n; at += stmtRows {
		k := min(stmtRows, r.n-at)
		q := "INSERT INTO " + r.table + " (" + r.cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(tuple+",", k), ",")
		if _, err := tx.ExecContext(ctx, q, r.args[at*r.ncols:(at+k)*r.ncols]...); err != nil {
			return fmt.Errorf("insert %s: %w", r.table, err)
		}
	}
	return nil
}

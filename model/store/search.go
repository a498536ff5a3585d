package store

// The catalogue search's index (migration 0045): search_grams holds a row
// (gram, product_id) per model.SearchGrams of a product's searched text —
// exactly the columns searchFields reads: the product's name, brand and
// description, and its origin region's and that region's parent's names.
// It is written in the transaction of the product write that changes that
// text (CreateProduct, UpdateProduct), so every replica's next search sees
// it. Regions are reference data, changed by migrations only: a migration
// that renames one must rewrite its products' grams (backfillSearchGrams).

import (
	"context"
	"database/sql"
	"strings"

	"gorm.io/gorm"

	"shanhai/model"
)

// searchTextSQL reads the searched text of products, by the condition that
// follows it.
const searchTextSQL = `SELECT p.id, p.name, p.brand, p.description, COALESCE(r.name, ''), COALESCE(rp.name, '')
	FROM products p LEFT JOIN regions r ON r.code = p.origin_code LEFT JOIN regions rp ON rp.code = r.parent_code `

// searchText is one product's searched text.
type searchText struct {
	id    int64
	texts [5]string
}

func readSearchText(ctx context.Context, db gorm.ConnPool, where string, args ...any) ([]searchText, error) {
	rows, err := db.QueryContext(ctx, searchTextSQL+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []searchText
	for rows.Next() {
		var t searchText
		if err := rows.Scan(&t.id, &t.texts[0], &t.texts[1], &t.texts[2], &t.texts[3], &t.texts[4]); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// insertGramsSQL inserts grams, skipping one already there (a gram the
// MariaDB collation holds equal to another of the product's, é and e).
func insertGramsSQL(dialect string) string {
	if dialect == MySQL {
		return "INSERT IGNORE INTO search_grams (gram, product_id) VALUES "
	}
	return "INSERT OR IGNORE INTO search_grams (gram, product_id) VALUES "
}

// insertGrams inserts (gram, id) rows, a few hundred a statement.
func insertGrams(ctx context.Context, db gorm.ConnPool, dialect string, id int64, grams []string) error {
	const per = 400
	for len(grams) > 0 {
		n := min(per, len(grams))
		args := make([]any, 0, 2*n)
		for _, g := range grams[:n] {
			args = append(args, g, id)
		}
		sqlText := insertGramsSQL(dialect) + strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")
		if _, err := db.ExecContext(ctx, sqlText, args...); err != nil {
			return err
		}
		grams = grams[n:]
	}
	return nil
}

// indexSearch brings product id's grams in step with its text, in the
// caller's transaction, which has already written (so locked) the product:
// it deletes the grams the text lost and inserts those it gained, each by
// its primary key, so it locks those rows alone (no range, no gap) and
// edits of different products never wait on each other. created: the
// product is new and has none yet.
func (s *Store) indexSearch(ctx context.Context, id int64, created bool) error {
	db := s.pool(ctx)
	texts, err := readSearchText(ctx, db, "WHERE p.id = ?", id)
	if err != nil || len(texts) == 0 {
		return s.dbErr(err)
	}
	want := model.SearchGrams(texts[0].texts[:]...)
	var have []string
	if !created {
		rows, err := db.QueryContext(ctx, "SELECT gram FROM search_grams WHERE product_id = ?", id)
		if err != nil {
			return s.dbErr(err)
		}
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return s.dbErr(err)
			}
			have = append(have, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.dbErr(err)
		}
	}
	wantSet, haveSet := map[string]bool{}, map[string]bool{}
	for _, g := range want {
		wantSet[g] = true
	}
	var add, drop []string
	for _, g := range have {
		haveSet[g] = true
		if !wantSet[g] {
			drop = append(drop, g)
		}
	}
	for _, g := range want {
		if !haveSet[g] {
			add = append(add, g)
		}
	}
	for _, g := range drop {
		if _, err := db.ExecContext(ctx, "DELETE FROM search_grams WHERE gram = ? AND product_id = ?", g, id); err != nil {
			return s.dbErr(err)
		}
	}
	return s.dbErr(insertGrams(ctx, db, s.dialect, id, add))
}

// backfillSearchGrams writes the grams of every product, a batch of
// products at a time; rows already there stay (a back-fill cut short is
// run again whole). It runs with migration 0045, on the migration's
// connection (or transaction, on SQLite).
func backfillSearchGrams(ctx context.Context, db gorm.ConnPool, dialect string) error {
	var after int64
	for {
		batch, err := readSearchText(ctx, db, "WHERE p.id > ? ORDER BY p.id LIMIT 500", after)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, t := range batch {
			if err := insertGrams(ctx, db, dialect, t.id, model.SearchGrams(t.texts[:]...)); err != nil {
				return err
			}
			after = t.id
		}
	}
}

// RebuildSearchIndex adds the search grams every product's text holds and
// the index lacks: for tools that load products with plain SQL (the
// benches' loaders), and after a rolling upgrade across migration 0045
// (`shanhai search rebuild`).
func (s *Store) RebuildSearchIndex(ctx context.Context) error {
	return s.dbErr(backfillSearchGrams(ctx, s.sqlDB, s.dialect))
}

// goBackfills are the back-fills SQL cannot compute, run by the migration of
// their version after its statements and before it is recorded.
var goBackfills = map[int]func(ctx context.Context, db gorm.ConnPool, dialect string) error{
	45: backfillSearchGrams,
}

var _ gorm.ConnPool = (*sql.Conn)(nil)

// dbErr maps an error of database/sql as the store's GORM calls would.
func (s *Store) dbErr(err error) error {
	return mapErr(s.translate(err))
}

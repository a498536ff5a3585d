package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are numbered SQL files: migrations/common holds what both
// dialects share (reference data), migrations/<dialect> the DDL. Each version
// number is applied once, in order, and recorded in schema_migrations.
//
//go:embed migrations
var migrationFS embed.FS

// Migration is one versioned SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the migrations of a dialect in version order.
func Migrations(dialect string) ([]Migration, error) {
	var out []Migration
	seen := map[int]string{}
	for _, dir := range []string{"migrations/common", "migrations/" + dialect} {
		entries, err := fs.ReadDir(migrationFS, dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			num, _, ok := strings.Cut(e.Name(), "_")
			v, err := strconv.Atoi(num)
			if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
				return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
			}
			if prev, dup := seen[v]; dup {
				return nil, fmt.Errorf("migration version %d used twice: %s and %s", v, prev, e.Name())
			}
			seen[v] = e.Name()
			body, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(body)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies every migration not yet applied and returns how many ran.
// Replicas starting together serialize on a named lock (MySQL GET_LOCK); on
// SQLite each migration is a transaction holding the database's write lock.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	migs, err := Migrations(s.dialect)
	if err != nil {
		return 0, err
	}
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return 0, mapErr(err)
	}
	defer conn.Close()
	if s.dialect == MySQL {
		var got int
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT('shanhai_migrate:', DATABASE()), 120)").Scan(&got); err != nil || got != 1 {
			return 0, fmt.Errorf("migrate: could not take the migration lock: %v", err)
		}
		defer conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(CONCAT('shanhai_migrate:', DATABASE()))")
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at VARCHAR(40) NOT NULL)`); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, err
		}
		applied[v] = true
	}
	rows.Close()
	n := 0
	for _, m := range migs {
		if applied[m.Version] {
			continue
		}
		ran, err := s.apply(ctx, conn, m)
		if err != nil {
			return n, err
		}
		if ran {
			n++
		}
	}
	return n, nil
}

// apply runs one migration and records it; false when another process
// recorded it first. MySQL commits DDL implicitly, so there a migration is a
// list of statements run in order under the named lock; each file is written
// to be applied whole. SQLite DDL is transactional and _txlock=immediate takes
// the write lock at BEGIN, so there each migration is one transaction: a
// failed one leaves nothing behind, and a second process migrating the same
// file waits for the lock, then sees the version applied and skips it.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, m Migration) (bool, error) {
	type execer interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	}
	var db execer = conn
	var tx *sql.Tx
	if s.dialect == SQLite {
		var err error
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return false, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		defer tx.Rollback()
		var done int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&done); err != nil {
			return false, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if done > 0 {
			return false, nil
		}
		db = tx
	}
	for _, stmt := range splitSQL(m.SQL) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("migrate %s: %w\n%s", m.Name, err, stmt)
		}
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return false, fmt.Errorf("migrate %s: %w", m.Name, err)
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return false, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
	}
	return true, nil
}

// splitSQL splits a file into statements at semicolons that end a line,
// dropping "--" comment lines.
func splitSQL(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

// MigrationState is one migration and when it was applied ("" when it is
// still pending).
type MigrationState struct {
	Version   int
	Name      string
	AppliedAt string
}

// MigrationStatus lists the dialect's migrations in order, each with its
// applied time; it changes nothing (a database never migrated lists every
// migration as pending).
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	migs, err := Migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	applied := map[int]string{}
	var rows []struct {
		Version   int
		AppliedAt string
	}
	// no schema_migrations table yet: nothing is applied
	var n int64
	if err := s.sqlDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err == nil && n > 0 {
		if err := s.gdb.WithContext(ctx).Raw("SELECT version, applied_at FROM schema_migrations").Scan(&rows).Error; err != nil {
			return nil, mapErr(err)
		}
	}
	for _, r := range rows {
		applied[r.Version] = r.AppliedAt
	}
	out := make([]MigrationState, len(migs))
	for i, m := range migs {
		out[i] = MigrationState{Version: m.Version, Name: m.Name, AppliedAt: applied[m.Version]}
	}
	return out, nil
}

package store

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
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
// On MySQL, replicas starting together serialize on the migration lease
// (takeSchemaLock), which holds across Galera nodes too; on SQLite each
// migration is a transaction holding the database's write lock.
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
		release, err := s.takeSchemaLock(ctx, conn)
		if err != nil {
			return 0, err
		}
		defer release()
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

// Migration lease timings: a lease lasts schemaLease unless renewed, its
// holder renews it every schemaRenew, and a replica waits at most
// schemaWait for it.
const (
	schemaLease = 30 * time.Second
	schemaRenew = 5 * time.Second
	schemaWait  = 2 * time.Minute
)

// takeSchemaLock makes the replicas that migrate one database at once run
// one after the other, and returns the release. First a named lock
// (GET_LOCK), so replicas on one server wait there without polling; but
// on Galera a named lock holds on its own node only, so then a lease: the
// one row of schema_lock, taken by a conditional update that every replica
// writes, so two nodes taking it at once conflict at commit and only one
// holds it. The holder renews the lease while it migrates; a holder that
// died leaves it to expire after schemaLease. The lease's times are the
// database's clock, one for every replica.
func (s *Store) takeSchemaLock(ctx context.Context, conn *sql.Conn) (func(), error) {
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT('shanhai_migrate:', DATABASE()), ?)",
		int(schemaWait/time.Second)).Scan(&got); err != nil || got.Int64 != 1 {
		return nil, fmt.Errorf("migrate: could not take the migration lock: %v", err)
	}
	unlock := func() {
		conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(CONCAT('shanhai_migrate:', DATABASE()))")
	}
	owner, err := leaseOwner()
	if err != nil {
		unlock()
		return nil, err
	}
	// Every step is retried on a certification failure (error 1213: two
	// nodes wrote the row at once) until the wait is over.
	deadline := time.Now().Add(schemaWait)
	try := func(what string, f func() (bool, error)) error {
		for i := 0; ; i++ {
			done, err := f()
			if err != nil && !retryable(err) {
				return fmt.Errorf("migrate: %s: %w", what, err)
			}
			if done {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("migrate: %s: another replica still holds the migration lease after %s", what, schemaWait)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("migrate: %s: %w", what, ctx.Err())
			case <-time.After(retryPause(min(i, 4), 16)):
			}
		}
	}
	err = try("the schema_lock table", func() (bool, error) {
		if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_lock (
			id INT NOT NULL PRIMARY KEY, owner VARCHAR(64) NOT NULL, expires_at DATETIME(3) NOT NULL)`); err != nil {
			return false, err
		}
		_, err := conn.ExecContext(ctx, "INSERT IGNORE INTO schema_lock (id, owner, expires_at) VALUES (1, '', '2000-01-01')")
		return err == nil, err
	})
	if err == nil {
		err = try("the migration lease", func() (bool, error) {
			res, err := conn.ExecContext(ctx, `UPDATE schema_lock SET owner = ?, expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND
				WHERE id = 1 AND (owner = '' OR expires_at < UTC_TIMESTAMP(3))`, owner, int(schemaLease/time.Second))
			if err != nil {
				return false, err
			}
			n, err := res.RowsAffected()
			return n == 1, err
		})
	}
	if err != nil {
		unlock()
		return nil, err
	}
	// Renew through the pool: conn is busy with the migrations.
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(schemaRenew)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				s.sqlDB.ExecContext(context.Background(), `UPDATE schema_lock SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND
					WHERE id = 1 AND owner = ?`, int(schemaLease/time.Second), owner)
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		for i := 0; i < 16; i++ { // a certification failure is retried; else the lease expires
			_, err := conn.ExecContext(context.Background(), "UPDATE schema_lock SET owner = '' WHERE id = 1 AND owner = ?", owner)
			if err == nil || !retryable(err) {
				break
			}
			time.Sleep(retryPause(min(i, 4), 16))
		}
		unlock()
	}, nil
}

// leaseOwner names this migration run in the lease row: the host and a
// random part.
func leaseOwner() (string, error) {
	b := make([]byte, 8)
	if _, err := crand.Read(b); err != nil {
		return "", err
	}
	host, _ := os.Hostname()
	if len(host) > 40 {
		host = host[:40]
	}
	return host + "/" + hex.EncodeToString(b), nil
}

// apply runs one migration and records it; false when another process
// recorded it first. MySQL commits DDL implicitly, so there a migration is a
// list of statements run in order under the migration lease; each file is written
// to be applied whole. SQLite DDL is transactional and _txlock=immediate takes
// the write lock at BEGIN, so there each migration is one transaction: a
// failed one leaves nothing behind, and a second process migrating the same
// file waits for the lock, then sees the version applied and skips it.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, m Migration) (bool, error) {
	var db gorm.ConnPool = conn
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
	if fill := goBackfills[m.Version]; fill != nil {
		if err := fill(ctx, db, s.dialect); err != nil {
			return false, fmt.Errorf("migrate %s: back-fill: %w", m.Name, err)
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

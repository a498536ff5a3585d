// Package storetest gives tests fresh, migrated databases: always a SQLite
// file, and a MariaDB/MySQL database of their own when SHANHAI_TEST_MYSQL is
// set (a DSN of a server where tests may create and drop databases). Without
// it, the MySQL run is skipped and says so.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"shanhai/model/store"
)

// Backend is one migrated database for a test.
type Backend struct {
	Name  string // "sqlite" or "mysql"
	DSN   string // as SHANHAI_DB takes it
	Store *store.Store
}

// Backends returns a fresh SQLite database and, when SHANHAI_TEST_MYSQL is
// set, a fresh MySQL database; both are dropped when t ends.
func Backends(t testing.TB) []Backend {
	t.Helper()
	out := []Backend{SQLite(t)}
	if b, ok := MySQL(t); ok {
		out = append(out, b)
	}
	return out
}

// SQLite is a fresh, migrated SQLite database in t's temp dir.
func SQLite(t testing.TB) Backend {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "shanhai.db")
	return open(t, "sqlite", dsn)
}

// MySQL is a fresh, migrated database on SHANHAI_TEST_MYSQL's server, or
// false (with a log line saying it was skipped) when the variable is unset.
func MySQL(t testing.TB) (Backend, bool) {
	t.Helper()
	dsn, ok := MySQLDSN(t)
	if !ok {
		return Backend{}, false
	}
	return open(t, "mysql", "mysql:"+dsn), true
}

// MySQLDSN creates an empty database for t and returns its DSN; it is
// dropped when t ends. False when SHANHAI_TEST_MYSQL is unset.
func MySQLDSN(t testing.TB) (string, bool) {
	t.Helper()
	base := os.Getenv("SHANHAI_TEST_MYSQL")
	if base == "" {
		t.Log("SKIPPED the MySQL backend: SHANHAI_TEST_MYSQL is not set")
		return "", false
	}
	return newDatabase(t, base), true
}

// Galera is one fresh, migrated database on a Galera cluster, opened once
// per node (a replica per node), when SHANHAI_TEST_GALERA names the nodes
// (DSNs separated by commas, as scripts/galera/cluster.sh dsns prints them);
// false (logged) when it is unset. The database is made and migrated through
// the first node; the cluster replicates it to the others.
func Galera(t testing.TB) ([]Backend, bool) {
	t.Helper()
	dsns, ok := GaleraDSNs(t)
	if !ok {
		return nil, false
	}
	out := []Backend{open(t, "galera", "mysql:"+dsns[0])}
	for _, dsn := range dsns[1:] {
		st, err := store.Open("mysql:"+dsn, 16)
		if err != nil {
			t.Fatalf("open galera node %s: %v", dsn, err)
		}
		t.Cleanup(func() { st.Close() })
		out = append(out, Backend{Name: "galera", DSN: "mysql:" + dsn, Store: st})
	}
	return out, true
}

// GaleraDSNs creates one empty database on the Galera cluster of
// SHANHAI_TEST_GALERA (through its first node) and returns its DSN on each
// node; it is dropped when t ends. False (logged) when the variable is unset.
func GaleraDSNs(t testing.TB) ([]string, bool) {
	t.Helper()
	env := os.Getenv("SHANHAI_TEST_GALERA")
	if env == "" {
		t.Log("SKIPPED the Galera backend: SHANHAI_TEST_GALERA is not set")
		return nil, false
	}
	nodes := strings.Split(env, ",")
	first := newDatabase(t, nodes[0])
	firstCfg, err := mysqldrv.ParseDSN(first)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{first}
	for _, n := range nodes[1:] {
		cfg, err := mysqldrv.ParseDSN(strings.TrimSpace(n))
		if err != nil {
			t.Fatalf("SHANHAI_TEST_GALERA: %v", err)
		}
		awaitDatabase(t, cfg, firstCfg.DBName)
		cfg.DBName = firstCfg.DBName
		out = append(out, cfg.FormatDSN())
	}
	return out, true
}

// awaitDatabase waits until the node of cfg has applied the creation of
// database name: a node applies replicated DDL after the originating node
// has answered, and connecting with a database name does not wait for it
// (wsrep_sync_wait covers statements, not the handshake's schema).
func awaitDatabase(t testing.TB, cfg *mysqldrv.Config, name string) {
	t.Helper()
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n)
		if err == nil && n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("galera node %s never saw database %s (last error %v)", cfg.Addr, name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newDatabase creates an empty database on the server of base (a DSN) for
// t and returns its DSN; it is dropped when t ends.
func newDatabase(t testing.TB, base string) string {
	t.Helper()
	cfg, err := mysqldrv.ParseDSN(base)
	if err != nil {
		t.Fatalf("SHANHAI_TEST_MYSQL: %v", err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "shanhai_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

func open(t testing.TB, name, dsn string) Backend {
	t.Helper()
	st, err := store.Open(dsn, 16)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", name, err)
	}
	return Backend{Name: name, DSN: dsn, Store: st}
}

// Each runs f as a subtest on every backend.
func Each(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
}

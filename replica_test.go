package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"shanhai/model/cache"
	"shanhai/model/store"
	"shanhai/service/stats"
)

// TestReadReplica runs the mall against a real MariaDB primary and an
// asynchronous replica of it (scripts/replica/replica.sh; SHANHAI_TEST_REPLICA
// is "primary DSN,replica DSN"), plus a replica address where nothing
// answers. The catalogue's lists are read from the live replica (a row
// that exists only there shows); a caller who just wrote reads from the
// primary and sees the write at once; a replica whose replication is stopped
// and the dead one are skipped (the answers come from the primary); the lag
// and use of each replica show in /metrics.
func TestReadReplica(t *testing.T) {
	env := os.Getenv("SHANHAI_TEST_REPLICA")
	if env == "" {
		t.Skip("SHANHAI_TEST_REPLICA is not set (scripts/replica/replica.sh start; then primary DSN,replica DSN)")
	}
	primaryDSN, replicaDSN, ok := strings.Cut(env, ",")
	if !ok {
		t.Fatalf("SHANHAI_TEST_REPLICA=%q: want primary DSN,replica DSN", env)
	}
	name := fmt.Sprintf("shanhai_replica_%d", time.Now().UnixNano()%1e9)
	withDB := func(dsn string) string {
		cfg, err := mysqldrv.ParseDSN(strings.TrimSpace(dsn))
		if err != nil {
			t.Fatal(err)
		}
		cfg.DBName = name
		return cfg.FormatDSN()
	}
	server := func(dsn string) *sql.DB {
		db, err := sql.Open("mysql", strings.TrimSpace(dsn))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	primary, replica := server(primaryDSN), server(replicaDSN)
	if _, err := primary.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { primary.Exec("DROP DATABASE IF EXISTS " + name) })
	// the replica is told to start again however the test ends
	t.Cleanup(func() { replica.Exec("START SLAVE") })

	cfg := testConfig(t, map[string]string{
		"SHANHAI_DB":              "mysql:" + withDB(primaryDSN),
		"SHANHAI_DB_READ":         "mysql:" + withDB(replicaDSN) + ",mysql:root@tcp(127.0.0.1:1)/" + name,
		"SHANHAI_DB_MAX_OPEN":     "4",
		"SHANHAI_REDIS":           "",
		"SHANHAI_BOOTSTRAP_ADMIN": "owner:owner-password-1",
		"SHANHAI_JWT_SECRET":      "replica-test-jwt-secret-0123456789abcdef",
		"SHANHAI_PAYMENT_SECRET":  "replica-test-payment-secret-0123456789ab",
	})
	a, err := build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	srv := httptest.NewServer(a.handler)
	defer srv.Close()

	call := func(method, path, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	codes := func(token string) []string {
		t.Helper()
		status, body := call("GET", "/api/v1/categories", token, "")
		if status != http.StatusOK {
			t.Fatalf("GET /categories: %d %s", status, body)
		}
		var out []string
		for _, m := range regexp.MustCompile(`"code":"([^"]+)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	gauge := regexp.MustCompile(`(?m)^shanhai_db_replica_(lag_seconds|in_use)\{replica="([^"]+)"\} (\S+)$`)
	metrics := func() map[string]string {
		t.Helper()
		_, body := call("GET", "/metrics", "", "")
		out := map[string]string{}
		for _, m := range gauge.FindAllStringSubmatch(body, -1) {
			out[m[1]+" "+m[2]] = m[3]
		}
		return out
	}
	rcfg, err := mysqldrv.ParseDSN(strings.TrimSpace(replicaDSN))
	if err != nil {
		t.Fatal(err)
	}
	live := rcfg.Addr // host:port, the replica's label in /metrics
	// waitUse polls /metrics (the lag is checked each second) until the live
	// replica's use is want.
	waitUse := func(want string) map[string]string {
		t.Helper()
		var m map[string]string
		for range 100 {
			if m = metrics(); m["in_use "+live] == want {
				return m
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("replica %s in use never became %s: %v", live, want, m)
		return nil
	}

	// the schema replicates; the live replica comes into use
	m := waitUse("1")
	if m["lag_seconds "+live] == "-1" {
		t.Errorf("live replica lag %v", m)
	}
	if m["in_use 127.0.0.1:1"] != "0" || m["lag_seconds 127.0.0.1:1"] != "-1" {
		t.Errorf("the dead replica: %v, want in_use 0 and lag -1", m)
	}

	// A row only the replica has (written there directly): the public
	// catalogue list shows it, so it is read from the replica.
	if _, err := replica.Exec("INSERT INTO " + name + ".categories (code, name) VALUES ('replica_only', 'r')"); err != nil {
		t.Fatal(err)
	}
	for i := 0; !slices.Contains(codes(""), "replica_only"); i++ {
		if i == 20 { // round robin over the usable replicas: only the live one is
			t.Fatal("the catalogue list is not read from the replica")
		}
	}

	// The admin writes a category: their next reads come from the primary
	// (no replica_only row) and show the write at once.
	status, body := call("POST", "/api/v1/auth/login", "", `{"username":"owner","password":"owner-password-1"}`)
	var login struct {
		Token string `json:"token"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &login) != nil || login.Token == "" {
		t.Fatalf("login: %d %s", status, body)
	}
	// Replication is held back first, so that the replica has not got the
	// write when the admin reads: only the primary can show it.
	if _, err := replica.Exec("STOP SLAVE SQL_THREAD"); err != nil {
		t.Fatal(err)
	}
	if status, body := call("POST", "/api/v1/admin/categories", login.Token, `{"code":"fresh_tea","name":"新茶"}`); status != http.StatusCreated {
		t.Fatalf("create category: %d %s", status, body)
	}
	got := codes(login.Token)
	if !slices.Contains(got, "fresh_tea") || slices.Contains(got, "replica_only") {
		t.Errorf("the writer's list %v: want their fresh_tea, read from the primary", got)
	}

	// The replica's SQL thread is stopped: the next check skips it and
	// everyone reads from the primary, which has the write.
	m = waitUse("0")
	if m["lag_seconds "+live] != "-1" {
		t.Errorf("a stopped replica's lag %v, want -1", m)
	}
	if got := codes(""); !slices.Contains(got, "fresh_tea") || slices.Contains(got, "replica_only") {
		t.Errorf("with the replica stopped the list is %v: want the primary's", got)
	}
	// Statistics answer from the primary meanwhile.
	if status, body := call("GET", "/api/v1/stats/pairings?year=2026", login.Token, ""); status != http.StatusOK {
		t.Errorf("stats with the replica stopped: %d %s", status, body)
	}

	// Started again it catches up and is used again: the write is there.
	if _, err := replica.Exec("START SLAVE SQL_THREAD"); err != nil {
		t.Fatal(err)
	}
	waitUse("1")
	for i := 0; ; i++ {
		got := codes("")
		if slices.Contains(got, "replica_only") {
			if !slices.Contains(got, "fresh_tea") {
				t.Errorf("the replica in use again has not caught up: %v", got)
			}
			break
		}
		if i == 20 {
			t.Fatal("the replica is not read again")
		}
	}
	// Statistics through the replica.
	if status, body := call("GET", "/api/v1/stats/pairings?year=2026", login.Token, ""); status != http.StatusOK {
		t.Errorf("stats from the replica: %d %s", status, body)
	}
}

// With Redis, a user who wrote through one process reads from the primary
// in every process; Redis not answering pins them too (nobody can tell).
func TestReplicaPinAcrossProcesses(t *testing.T) {
	url := os.Getenv("SHANHAI_TEST_REDIS")
	if url == "" {
		t.Skip("SHANHAI_TEST_REDIS is not set")
	}
	rdb, err := cache.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	primary, err := store.Open("sqlite:"+filepath.Join(t.TempDir(), "p.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	process := func() readReplicas {
		return readReplicas{Reads: store.NewReads(primary, nil, nil, 2*time.Second), writers: cache.NewWriters(rdb)}
	}
	a, b := process(), process()
	ctx := context.Background()
	id := time.Now().UnixNano() // a user no other run has
	if store.Pinned(b.ForUser(ctx, id)) {
		t.Fatal("a user who wrote nothing is pinned")
	}
	a.Wrote(ctx, id)
	if !store.Pinned(b.ForUser(ctx, id)) {
		t.Error("a user who wrote through another process is not pinned to the primary")
	}
	if store.Pinned(b.ForUser(ctx, id+1)) {
		t.Error("another user is pinned")
	}
	dead, err := cache.NewClient("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	c := readReplicas{Reads: store.NewReads(primary, nil, nil, 2*time.Second), writers: cache.NewWriters(dead)}
	if !store.Pinned(c.ForUser(ctx, id+1)) {
		t.Error("with Redis not answering, a user is not pinned to the primary")
	}
}

// TestStatsReadsRouted: every read of the statistics service's store goes
// through the read replicas — statsReads declares each method of
// stats.Store itself (one it does not declare comes from the embedded
// primary store) — except the reads that decide a caller's scope or an
// issue, and the writes, which stay on the primary.
func TestStatsReadsRouted(t *testing.T) {
	primary := map[string]bool{"Region": true, "Org": true, "Bulletins": true, "AddBulletins": true, "AddAudit": true, "InTx": true}
	f, err := parser.ParseFile(token.NewFileSet(), "replicas.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
			continue
		}
		if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok && id.Name == "statsReads" {
			declared[fn.Name.Name] = true
		}
	}
	iface := reflect.TypeFor[stats.Store]()
	for i := range iface.NumMethod() {
		name := iface.Method(i).Name
		if declared[name] == primary[name] {
			t.Errorf("stats.Store.%s: statsReads declares it: %v; it must when it is a read for the figures (%v)", name, declared[name], !primary[name])
		}
	}
}

// Package store is the database layer: GORM over MySQL/MariaDB or embedded
// SQLite, versioned migrations, and the mapping of driver errors to model errors.
// A transaction travels in the context: InTx starts one, or joins the one
// already in ctx, and every method uses the transaction in its ctx.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"shanhai/model"
)

// Dialects.
const (
	SQLite = "sqlite"
	MySQL  = "mysql"
)

// Store is the one way to the database.
type Store struct {
	gdb     *gorm.DB
	sqlDB   *sql.DB
	dialect string
	// idSteps: 0 not yet known, 1 one INSERT's auto-increment ids are
	// consecutive, 2 they may not be (see consecutiveIDs).
	idSteps atomic.Int32
	// galera: the server is a node of a Galera cluster (learnt with
	// idSteps), where writes conflicting across nodes fail at commit.
	galera atomic.Bool
	// gate bounds the catalogue's public reads (coldreads.go).
	gate readGate
}

// Open connects to "sqlite:<path>" or "mysql:<DSN>". It does not migrate.
func Open(dsn string, maxOpen int) (*Store, error) {
	dialect, rest, ok := strings.Cut(dsn, ":")
	if !ok {
		return nil, fmt.Errorf("database %q: want sqlite:<path> or mysql:<dsn>", dsn)
	}
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
	}
	var dial gorm.Dialector
	switch dialect {
	case SQLite:
		if rest == "" {
			return nil, errors.New("database: sqlite needs a path, e.g. sqlite:shanhai.db")
		}
		// WAL lets readers run beside the writer; the busy timeout makes a
		// waiting writer wait instead of failing; _txlock=immediate takes the
		// write lock at BEGIN so two transactions never deadlock upgrading.
		sep := "?"
		if strings.Contains(rest, "?") {
			sep = "&"
		}
		dial = sqlite.Open(rest + sep + "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(0)&_txlock=immediate")
	case MySQL:
		c, err := mysqldrv.ParseDSN(rest)
		if err != nil {
			return nil, fmt.Errorf("database: bad MySQL DSN: %w", err)
		}
		c.ParseTime = true
		c.Loc = time.UTC
		c.InterpolateParams = true // one round trip per statement instead of prepare/exec/close
		c.ClientFoundRows = true   // RowsAffected counts matched rows, so an update to the same value still finds its row
		if c.Params == nil {
			c.Params = map[string]string{}
		}
		c.Params["time_zone"] = "'+00:00'"
		c.Collation = "utf8mb4_general_ci"
		if c.Timeout == 0 {
			c.Timeout = 3 * time.Second
		}
		if c.ReadTimeout == 0 {
			c.ReadTimeout = 30 * time.Second
			c.WriteTimeout = 30 * time.Second
		}
		// A statement waiting for a row lock gives up (error 1205: retried,
		// or 409 for an idempotency key still running elsewhere) well before
		// the read timeout would drop the connection; the server's default
		// wait is 50 s.
		if _, set := c.Params["innodb_lock_wait_timeout"]; !set {
			c.Params["innodb_lock_wait_timeout"] = strconv.Itoa(lockWaitSeconds(c.ReadTimeout))
		}
		dial = mysql.New(mysql.Config{DSNConfig: c})
	default:
		return nil, fmt.Errorf("database %q: unknown kind %q, want sqlite or mysql", dsn, dialect)
	}
	gdb, err := gorm.Open(dial, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	if err := registerCounting(gdb); err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// One connection: SQLite has one writer anyway, and a single
		// connection means no request ever sees SQLITE_BUSY.
		sqlDB.SetMaxOpenConns(1)
	} else {
		if maxOpen < 1 {
			maxOpen = 32
		}
		sqlDB.SetMaxOpenConns(maxOpen)
		sqlDB.SetMaxIdleConns(maxOpen)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
	}
	return &Store{gdb: gdb, sqlDB: sqlDB, dialect: dialect}, nil
}

// LongStatements is dsn with a MySQL read and write timeout of an hour
// unless it sets its own, for maintenance whose statements run long (a
// rollup rebuild over a large ledger: the database sorts it before the first
// row); other DSNs are returned as they are.
func LongStatements(dsn string) string {
	rest, ok := strings.CutPrefix(dsn, "mysql:")
	if !ok {
		return dsn
	}
	c, err := mysqldrv.ParseDSN(rest)
	if err != nil || c.ReadTimeout != 0 {
		return dsn // Open reports a bad DSN
	}
	c.ReadTimeout, c.WriteTimeout = time.Hour, time.Hour
	return "mysql:" + c.FormatDSN()
}

// lockWaitSeconds is the row-lock wait for a connection with the given read
// timeout: 10 s, and always at least a second under the read timeout.
func lockWaitSeconds(readTimeout time.Duration) int {
	return max(1, min(10, int(readTimeout/time.Second)-1))
}

// Dialect is "sqlite" or "mysql".
func (s *Store) Dialect() string { return s.dialect }

// DB is the pool underneath, for readiness checks and pool metrics.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// Close releases the pool.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return mapErr(s.sqlDB.PingContext(ctx))
}

// Galera reports whether the database is a node of a Galera cluster
// (MariaDB's wsrep_on is ON; SHOW answers it even on a node outside the
// primary component; MySQL and SQLite have none: false).
func (s *Store) Galera(ctx context.Context) (bool, error) {
	if s.dialect != MySQL {
		return false, nil
	}
	var name, on string
	err := s.sqlDB.QueryRowContext(ctx, "SHOW GLOBAL VARIABLES LIKE 'wsrep_on'").Scan(&name, &on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err)
	}
	return strings.EqualFold(on, "ON") || on == "1", nil
}

// Ready is the database's readiness: it answers, and on a Galera node the
// node is in the cluster's primary component and synced (wsrep_ready ON,
// wsrep_local_state_comment Synced). A node cut off from the others still
// answers a ping but refuses every query (error 1047); a node catching up
// after a restart is Joining or Joined until its state transfer is done. A
// replica on such a node must leave the load balancer's rotation, so that
// its requests go to the replicas whose nodes can take them.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return mapErr(err)
	}
	if s.dialect != MySQL {
		return nil
	}
	// SHOW, not SELECT: a node outside the primary component refuses a
	// SELECT (1047, with wsrep_sync_wait) but answers SHOW. MySQL has no
	// wsrep_on (no row): not Galera, the ping was the check.
	var name, on string
	err := s.sqlDB.QueryRowContext(ctx, "SHOW GLOBAL VARIABLES LIKE 'wsrep_on'").Scan(&name, &on)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return mapErr(err)
	}
	if !strings.EqualFold(on, "ON") && on != "1" {
		return nil
	}
	rows, err := s.sqlDB.QueryContext(ctx,
		"SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state_comment', 'wsrep_cluster_status')")
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	status := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return mapErr(err)
		}
		status[strings.ToLower(name)] = value
	}
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	if !strings.EqualFold(status["wsrep_ready"], "ON") || status["wsrep_local_state_comment"] != "Synced" {
		return fmt.Errorf("%w: galera node not ready: wsrep_ready %q, state %q, cluster %q", model.ErrUnavailable,
			status["wsrep_ready"], status["wsrep_local_state_comment"], status["wsrep_cluster_status"])
	}
	return nil
}

type txKey struct{}

type txState struct {
	db          *gorm.DB
	afterCommit []func()
}

// InTransaction says whether ctx carries a transaction of InTx: work done
// with it joins that transaction.
func (s *Store) InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*txState)
	return ok
}

// conn is the handle for ctx: its transaction when there is one.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*txState); ok {
		return tx.db
	}
	return s.gdb.WithContext(ctx)
}

// pool is the connection for ctx (its transaction when there is one) as
// database/sql sees it, for rawExec and rawQuery.
func (s *Store) pool(ctx context.Context) gorm.ConnPool {
	if tx, ok := ctx.Value(txKey{}).(*txState); ok {
		return tx.db.Statement.ConnPool
	}
	return s.sqlDB
}

// rawExec runs one statement on the connection for ctx through database/sql,
// without GORM's statement building, reflection and callbacks. Placing an
// order runs about ten statements, and there that overhead cost more CPU
// than the statements themselves. Arguments are scalars only (no slice
// expansion); errors come back as GORM's would (TranslateError), unmapped.
func (s *Store) rawExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	countIn(ctx)
	res, err := s.pool(ctx).ExecContext(ctx, query, args...)
	return res, s.translate(err)
}

// rawQuery is rawExec for a query; the caller closes the rows.
func (s *Store) rawQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	countIn(ctx)
	rows, err := s.pool(ctx).QueryContext(ctx, query, args...)
	return rows, s.translate(err)
}

// translate turns a driver error into GORM's kind (ErrDuplicatedKey, …), as
// TranslateError does for statements that go through GORM.
func (s *Store) translate(err error) error {
	if t, ok := s.gdb.Dialector.(gorm.ErrorTranslator); ok && err != nil {
		return t.Translate(err)
	}
	return err
}

// consecutiveIDs reports whether the rows of one multi-row INSERT get
// consecutive ids, so the ids of all follow from the first (GORM's batch
// create relies on the same). True on SQLite, and on one MariaDB/MySQL server
// with auto_increment_increment 1 (one simple INSERT's ids are consecutive in
// InnoDB with any innodb_autoinc_lock_mode). False on a Galera cluster: its
// nodes step ids by the cluster's size, which changes as nodes come and go.
// Then rows whose ids are needed are inserted one per statement (rowsPerInsert).
// Unknown (the server could not be asked) counts as false, and is asked again.
func (s *Store) consecutiveIDs(ctx context.Context) bool {
	switch s.idSteps.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	if s.dialect == SQLite {
		s.idSteps.Store(1)
		return true
	}
	var step int64
	if err := s.sqlDB.QueryRowContext(ctx, "SELECT @@global.auto_increment_increment").Scan(&step); err != nil {
		return false
	}
	var wsrep string
	// MariaDB has wsrep_on (OFF without Galera); MySQL has not: not Galera.
	if err := s.sqlDB.QueryRowContext(ctx, "SELECT @@global.wsrep_on").Scan(&wsrep); err != nil {
		wsrep = "0"
	}
	galera := wsrep == "1" || strings.EqualFold(wsrep, "ON")
	s.galera.Store(galera)
	if step == 1 && !galera {
		s.idSteps.Store(1)
		return true
	}
	s.idSteps.Store(2)
	return false
}

// rowsPerInsert is how many of n rows one INSERT may carry when the caller
// needs their ids: all of them where one statement's ids are consecutive,
// else one (each single-row INSERT reports its own id).
func (s *Store) rowsPerInsert(ctx context.Context, n int) int {
	if n > 1 && !s.consecutiveIDs(ctx) {
		return 1
	}
	return max(n, 1)
}

// sqliteParams is how many parameters one SQLite statement carries at most
// in a bulk write: the SQLite driver binds each parameter by scanning every
// argument, so a statement costs the square of its parameters and many
// small statements (in-process, cheap) beat one large one.
const sqliteParams = 400

// perStatement is how many of n rows (or list items) of cols parameters
// each one statement carries: want on MySQL, fewer on SQLite
// (sqliteParams).
func (s *Store) perStatement(want, cols int) int {
	if s.dialect == SQLite {
		want = min(want, sqliteParams/max(cols, 1))
	}
	return max(want, 1)
}

// firstInsertID is the id of the first of the n rows a multi-row INSERT just
// added, the others following it one by one; only where consecutiveIDs.
// MySQL reports the first id, SQLite the last.
func (s *Store) firstInsertID(res sql.Result, n int) (int64, error) {
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if s.dialect == SQLite {
		id -= int64(n - 1)
	}
	return id, nil
}

// InTx runs fn in a transaction, or in the one already in ctx. Deadlocks and
// lock-wait timeouts of an outermost transaction are retried a few times;
// after a commit, the functions registered with AfterCommit run.
//
// A transaction, once begun, runs to its end even when ctx is cancelled (a
// client that hung up): database/sql would otherwise roll it back under
// fn's feet, the next statement or the Commit would fail with "transaction
// has already been committed or rolled back", and a write the caller might
// have finished would be reported as an internal error. Each statement is
// still bounded by the lock-wait and read timeouts of the connection. A
// transaction is not begun, nor retried, for a ctx already cancelled: that
// is ctx's error (the caller's client is gone), not the database's.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx)
	}
	// On Galera, writes to one hot row from several nodes fail at commit
	// (certification, error 1213) instead of waiting for a lock, so a busy
	// SKU needs more, spread-out attempts before it is a 503: 32, about 4 s
	// of pauses, outlast a hot SKU's rush (the Galera fault suite's 200
	// buyers for 50 units on three nodes sell out in about 2 s; with 16
	// attempts, about 1.8 s, one placement on a slow machine ran out).
	attempts := 4
	if !s.consecutiveIDs(ctx) && s.galera.Load() {
		attempts = 32
	}
	detached := context.WithoutCancel(ctx) // keeps ctx's values (the request id)
	var err error
	began, tries, waits := time.Now(), 0, 0
	for i := 0; i < attempts; i++ {
		if cerr := ctx.Err(); cerr != nil {
			if err == nil {
				err = cerr
			}
			break
		}
		st := &txState{}
		tries++
		err = s.gdb.WithContext(detached).Transaction(func(tx *gorm.DB) error {
			st.db = tx
			return fn(context.WithValue(detached, txKey{}, st))
		})
		if err == nil {
			for _, f := range st.afterCommit {
				f()
			}
			return nil
		}
		// the extra attempts on Galera are for certification conflicts,
		// which fail at once; lock wait timeouts have each already waited
		// up to innodb_lock_wait_timeout: the fourth ends the retries, as
		// on one server, however many conflicts came before it
		if lockWaitTimeout(err) {
			waits++
		}
		if !retryable(err) || ctx.Err() != nil || waits >= 4 {
			break
		}
		time.Sleep(retryPause(i, attempts))
	}
	if retryable(err) {
		// the 503 busy this becomes is rare enough to say why
		slog.WarnContext(ctx, "transaction given up", "attempts", tries, "lock_wait_timeouts", waits,
			"ms", time.Since(began).Milliseconds(), "error", err.Error())
	}
	return mapErr(err)
}

// AfterCommit runs f once the transaction in ctx commits (never if it rolls
// back), or at once when ctx holds no transaction. Caches use it to delete
// entries only after the new value is visible.
func (s *Store) AfterCommit(ctx context.Context, f func()) {
	if tx, ok := ctx.Value(txKey{}).(*txState); ok {
		tx.afterCommit = append(tx.afterCommit, f)
		return
	}
	f()
}

// retryable: MySQL deadlock (1213) or lock wait timeout (1205).
func retryable(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// retryPause is the wait before attempt i+2 of a transaction: 5, 10, 15 ms
// for the four attempts on one server; beyond, growing with random jitter
// (up to 160 ms) so nodes retrying one hot row do not collide again in step.
func retryPause(i, attempts int) time.Duration {
	if attempts <= 4 {
		return time.Duration(i+1) * 5 * time.Millisecond
	}
	ceiling := time.Duration(5<<min(i, 5)) * time.Millisecond
	return ceiling/2 + rand.N(ceiling/2+1)
}

// lockWaitTimeout: MySQL lock wait timeout (1205).
func lockWaitTimeout(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && me.Number == 1205
}

// mapErr turns driver and GORM errors into model error kinds.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var me *model.Error
	if errors.As(err, &me) {
		return err
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%w: %v", model.ErrNotFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &model.Error{Kind: model.ErrConflict, Code: "duplicate", Message: "already exists"}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %v", model.ErrUnavailable, err)
	case retryable(err):
		// Keep the driver error underneath: an enclosing InTx must still
		// see the deadlock to retry the transaction.
		return fmt.Errorf("%w: %w", &model.Error{Kind: model.ErrUnavailable, Code: "busy",
			Message: "the database is busy, try again"}, err)
	case unavailable(err):
		return fmt.Errorf("%w: %v", model.ErrUnavailable, err)
	}
	return err
}

// unavailable reports a lost or refused connection, or a server that
// refuses queries for now.
func unavailable(err error) bool {
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldrv.ErrInvalidConn) {
		return true
	}
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) {
		// 1040 too many connections, 1053 shutdown, 1927 connection killed,
		// 1047 a Galera node outside the primary component (cut off from
		// the others, or not yet joined): "WSREP has not yet prepared node
		// for application use"; 1180 an error during COMMIT, which rolled
		// the transaction back (on Galera: the node lost the primary
		// component while replicating it)
		return me.Number == 1040 || me.Number == 1053 || me.Number == 1927 || me.Number == 1047 || me.Number == 1180
	}
	var ne net.Error
	return errors.As(err, &ne)
}

package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// Workspace is one run's: the module root to build the server from, a temp
// dir for the binary and the server logs, a connection to the MariaDB
// server (without a database) and, once created, the bench's own database.
type Workspace struct {
	Root    string  // module root
	Tmp     string  // the temp dir: binary, logs
	Admin   *sql.DB // the MariaDB server, no database selected
	Addr    string  // the MariaDB server's address
	MariaDB string  // its version
	Bin     string  // the server binary, once Build is called

	DBName string // the bench database, once created
	DSN    string // the DSN of the bench database

	cfg  *mysqldrv.Config
	keep bool
}

// openWorkspace prepares a run of the command name: the module root
// (o.Root, else the current module's), a temp dir, and a connection to the
// MariaDB server o.MySQL names, whose version it asks. Main closes it with
// the run's error.
func openWorkspace(ctx context.Context, name string, o Options) (*Workspace, error) {
	root, err := moduleRoot(o.Root)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", name+"-")
	if err != nil {
		return nil, err
	}
	w := &Workspace{Root: root, Tmp: tmp, keep: o.Keep}
	if w.cfg, err = mysqldrv.ParseDSN(o.MySQL); err != nil {
		w.close(err)
		return nil, fmt.Errorf("-mysql: %w", err)
	}
	w.cfg.DBName = ""
	conn, err := mysqldrv.NewConnector(w.cfg)
	if err != nil {
		w.close(err)
		return nil, fmt.Errorf("-mysql: %w", err)
	}
	w.Admin = sql.OpenDB(conn)
	w.Addr = w.cfg.Addr
	if err := w.Admin.QueryRowContext(ctx, "SELECT VERSION()").Scan(&w.MariaDB); err != nil {
		w.close(err)
		return nil, fmt.Errorf("MariaDB at %s: %w", w.Addr, err)
	}
	return w, nil
}

// CreateDatabase creates the bench database shanhai_bench_<random>; the
// workspace drops it at the end of the run.
func (w *Workspace) CreateDatabase(ctx context.Context) error {
	name := "shanhai_bench_" + RandomHex(4)
	if _, err := w.Admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	w.DBName = name
	cfg := *w.cfg
	cfg.DBName = name
	w.DSN = cfg.FormatDSN()
	Logf("database %s on %s", name, w.Addr)
	return nil
}

// close drops the database and removes the temp dir, unless -keep; the
// temp dir (with the server logs) is kept too when the run failed (runErr).
func (w *Workspace) close(runErr error) {
	if w.DBName != "" {
		if w.keep {
			Logf("kept database %s", w.DBName)
		} else if _, err := w.Admin.ExecContext(context.Background(), "DROP DATABASE `"+w.DBName+"`"); err != nil {
			Logf("drop database %s: %v", w.DBName, err)
		}
	}
	if w.Admin != nil {
		w.Admin.Close()
	}
	if runErr != nil || w.keep {
		Logf("server logs kept in %s", w.Tmp)
		return
	}
	os.RemoveAll(w.Tmp)
}

// Build starts building the real server binary into the temp dir (Bin) and
// returns a wait for its end: the build takes a few seconds, the data can
// load meanwhile.
func (w *Workspace) Build(ctx context.Context) (wait func() error) {
	w.Bin = filepath.Join(w.Tmp, "shanhai")
	built := make(chan error, 1)
	go func() { built <- buildServer(ctx, w.Root, w.Bin) }()
	return func() error { return <-built }
}

// ServerEnv is the environment of the real server on the bench database:
// ours minus any SHANHAI_* of the caller, plus the bench's settings (pool
// size, no demo data, random secrets) and extra. SHANHAI_ADDR is added per
// start.
func (w *Workspace) ServerEnv(pool int, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHANHAI_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"SHANHAI_DB=mysql:"+w.DSN,
		"SHANHAI_DB_MAX_OPEN="+strconv.Itoa(pool),
		"SHANHAI_DEMO=0",
		"SHANHAI_JWT_SECRET="+RandomHex(24),
		"SHANHAI_PAYMENT_SECRET="+RandomHex(24),
	)
	return append(env, extra...)
}

// StartServer starts the server binary with env on a free port, logging to
// logName in the temp dir.
func (w *Workspace) StartServer(ctx context.Context, name string, env []string, logName string) (*Server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(w.Bin, "serve")
	cmd.Env = append(slices.Clip(env), "SHANHAI_ADDR="+addr)
	return Start(ctx, name, cmd, addr, filepath.Join(w.Tmp, logName))
}

// moduleRoot is flagRoot, else the directory of the current module's go.mod.
func moduleRoot(flagRoot string) (string, error) {
	if flagRoot != "" {
		return filepath.Abs(flagRoot)
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the shanhai module: run from the repository or pass -root")
	}
	return filepath.Dir(gomod), nil
}

// buildServer builds the real server binary, as deployed.
func buildServer(ctx context.Context, root, bin string) error {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %v\n%s", root, err, out)
	}
	Logf("built the server in %.1fs", time.Since(start).Seconds())
	return nil
}

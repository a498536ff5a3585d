package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"shanhai/scripts/bench"
)

// start is one timed start of the server.
type start struct {
	ready    time.Duration // process start → first 200 from /readyz
	rss, hwm int64         // VmRSS and VmHWM when ready, bytes
}

// startup is the start-up measurement.
type startup struct {
	starts []start
	tables int // tables in the database after the first start
}

// measureStartup creates a scratch database, starts the server o.starts
// times on it, timing each to its first 200 from /readyz, and drops the
// database.
func measureStartup(ctx context.Context, o options, bin, tmp string) (st *startup, err error) {
	cfg, err := mysqldrv.ParseDSN(o.mysql)
	if err != nil {
		return nil, fmt.Errorf("-mysql: %w", err)
	}
	cfg.DBName = ""
	conn, err := mysqldrv.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	admin := sql.OpenDB(conn)
	defer admin.Close()
	name := "shanhai_bench_" + bench.RandomHex(4)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	bench.Logf("start-up: database %s", name)
	defer func() {
		if _, dropErr := admin.ExecContext(context.Background(), "DROP DATABASE `"+name+"`"); dropErr != nil && err == nil {
			err = fmt.Errorf("drop database %s: %w", name, dropErr)
		}
	}()
	dbCfg := *cfg
	dbCfg.DBName = name

	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHANHAI_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"SHANHAI_DB=mysql:"+dbCfg.FormatDSN(),
		"SHANHAI_DEMO=0",
		"SHANHAI_JWT_SECRET="+bench.RandomHex(24),
		"SHANHAI_PAYMENT_SECRET="+bench.RandomHex(24),
	)

	st = &startup{}
	for i := range o.starts {
		s, err := timeStart(ctx, bin, env, filepath.Join(tmp, fmt.Sprintf("startup-%d.log", i+1)))
		if err != nil {
			return nil, fmt.Errorf("start %d: %w", i+1, err)
		}
		if i == 0 {
			if err := admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", name).Scan(&st.tables); err != nil {
				return nil, err
			}
		}
		bench.Logf("start-up %d: ready in %s (RSS %s)", i+1, s.ready.Round(time.Millisecond), mib(s.rss))
		st.starts = append(st.starts, s)
	}
	return st, nil
}

// timeStart starts the server with env on a free port and times it from the
// process start to the first 200 from /readyz, polling every 5 ms; then
// stops it with SIGTERM and wants a clean exit.
func timeStart(ctx context.Context, bin string, env []string, logPath string) (start, error) {
	addr, err := bench.FreeAddr()
	if err != nil {
		return start{}, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return start{}, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, "SHANHAI_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	client := &http.Client{Timeout: 2 * time.Second}
	url := "http://" + addr + "/readyz"

	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return start{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("server: %v after SIGTERM (log %s)", err, logPath)
			}
			return nil
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("server ignored SIGTERM for 15s (log %s)", logPath)
		}
	}
	deadline := t0.Add(2 * time.Minute)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s := start{ready: time.Since(t0)}
				s.rss, s.hwm, _ = memOf(cmd.Process.Pid)
				return s, stop()
			}
		}
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logPath)
			return start{}, fmt.Errorf("server exited before it was ready (%v):\n%s", err, b)
		case <-ctx.Done():
			stop()
			return start{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return start{}, fmt.Errorf("server not ready after 2 minutes (log %s)", logPath)
		}
	}
}

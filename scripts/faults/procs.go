package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is one child process (mariadbd, redis-server or a shanhai replica)
// that can be stopped and started again with the same command line. Its
// output is appended to a log file in the run's temp dir.
type proc struct {
	name string
	path string
	args []string
	env  []string
	dir  string
	log  string

	cmd    *exec.Cmd
	exited chan struct{}
}

// start starts the process; a process already running is an error.
func (p *proc) start() error {
	if p.running() {
		return fmt.Errorf("%s is already running", p.name)
	}
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "\n==== %s start %s\n", time.Now().Format(time.RFC3339Nano), p.name)
	cmd := exec.Command(p.path, p.args...)
	cmd.Env, cmd.Dir = p.env, p.dir
	cmd.Stdout, cmd.Stderr = f, f
	// Own process group: a Ctrl-C on the terminal reaches only us, and we
	// stop the children in order. Pdeathsig: if we die hard, so do they.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		f.Close()
		close(exited)
	}()
	p.cmd, p.exited = cmd, exited
	return nil
}

func (p *proc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// signal sends sig and waits up to limit for the exit; then it kills.
func (p *proc) signal(sig syscall.Signal, limit time.Duration) error {
	if !p.running() {
		return nil
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
		return nil
	case <-time.After(limit):
		p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("%s did not exit %s after %v: killed", p.name, limit, sig)
	}
}

// tail is the last n lines of the process's log.
func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// freePort is a loopback TCP port that is free right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// mariadb is the run's private MariaDB server.
type mariadb struct {
	proc
	port int
	db   *sql.DB // root on the shanhai database
}

// newMariaDB initialises a data directory under dir and starts mariadbd on
// a free port, then creates the shanhai database.
func newMariaDB(ctx context.Context, dir string) (*mariadb, error) {
	data := filepath.Join(dir, "mariadb")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &mariadb{port: port}
	m.name, m.path, m.log = "mariadbd", "mariadbd", filepath.Join(dir, "mariadb.log")
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	install := exec.CommandContext(ctx, "mariadb-install-db", args...)
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	m.args = []string{"--no-defaults", "--datadir=" + data, "--socket=" + filepath.Join(dir, "mariadb.sock"),
		"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1", "--pid-file=" + filepath.Join(dir, "mariadb.pid"),
		"--innodb-buffer-pool-size=128M", "--max-connections=151", "--skip-name-resolve"}
	if os.Geteuid() == 0 {
		m.args = append(m.args, "--user=root")
	}
	if err := m.start(); err != nil {
		return nil, err
	}
	root, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/", port))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if err := m.waitUp(ctx, root, 60*time.Second); err != nil {
		return nil, err
	}
	if _, err := root.ExecContext(ctx, "CREATE DATABASE shanhai CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		return nil, err
	}
	if m.db, err = sql.Open("mysql", m.dsn()+"?parseTime=true"); err != nil {
		return nil, err
	}
	m.db.SetMaxOpenConns(4)
	return m, nil
}

func (m *mariadb) dsn() string { return fmt.Sprintf("root@tcp(127.0.0.1:%d)/shanhai", m.port) }

// waitUp pings through db until the server answers.
func (m *mariadb) waitUp(ctx context.Context, db *sql.DB, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		if !m.running() {
			return fmt.Errorf("mariadbd exited:\n%s", m.tail(20))
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("mariadbd not answering after %s (%v):\n%s", limit, err, m.tail(20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// newRedis starts redis-server on a free port, without persistence.
func newRedis(dir string) (*proc, int, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	r := &proc{name: "redis-server", path: "redis-server", dir: dir, log: filepath.Join(dir, "redis.log"),
		args: []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"}}
	if err := r.start(); err != nil {
		return nil, 0, err
	}
	return r, port, waitTCP(fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
}

// waitTCP waits until addr accepts a connection.
func waitTCP(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not accepting connections after %s: %w", addr, limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// replica is one shanhai server process.
type replica struct {
	proc
	base string // http://127.0.0.1:port
}

// newReplica prepares (does not start) replica i of the binary bin.
func newReplica(i int, bin, dir string, env []string) (*replica, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	r := &replica{base: "http://" + addr}
	r.name = fmt.Sprintf("replica%d", i+1)
	r.path, r.dir = bin, dir
	r.log = filepath.Join(dir, r.name+".log")
	r.env = append(append([]string{}, env...), "SHANHAI_ADDR="+addr)
	return r, nil
}

// ready is whether /readyz answers 200 now.
func (r *replica) ready(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// waitReady polls /readyz until it answers 200.
func (r *replica) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for !r.ready(ctx) {
		if !r.running() {
			return fmt.Errorf("%s exited before it was ready:\n%s", r.name, r.tail(20))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s:\n%s", r.name, limit, r.tail(20))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// buildServer builds the shanhai binary from the module root into bin.
func buildServer(ctx context.Context, root, bin string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// moduleRoot is the directory of the go.mod of the current directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the shanhai repository")
	}
	return filepath.Dir(mod), nil
}

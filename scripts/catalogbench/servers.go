package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a subprocess serving HTTP on a loopback port; its output goes to
// a log file, not the console.
type server struct {
	name, base, log string
	cmd             *exec.Cmd
	exited          chan error
}

// startReal starts the real server binary with env on a free port.
func startReal(ctx context.Context, name, bin string, env []string, logPath string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(slices.Clip(env), "SHANHAI_ADDR="+addr)
	return start(ctx, name, cmd, addr, logPath)
}

// startCeiling re-executes this binary as the bare-Gin ceiling serving sample.
func startCeiling(ctx context.Context, samplePath, logPath string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-ceiling-serve", addr, "-ceiling-body", samplePath)
	return start(ctx, "ceiling (bare Gin)", cmd, addr, logPath)
}

func start(ctx context.Context, name string, cmd *exec.Cmd, addr, logPath string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{name: name, base: "http://" + addr, log: logPath, cmd: cmd, exited: make(chan error, 1)}
	go func() {
		s.exited <- cmd.Wait()
		logFile.Close()
	}()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	logf("%s ready on %s (pid %d, log %s)", name, addr, cmd.Process.Pid, logPath)
	return s, nil
}

// waitReady polls /readyz until it answers 200.
func (s *server) waitReady(ctx context.Context, limit time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/readyz", nil)
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.exited:
			s.exited <- err
			return fmt.Errorf("%s exited before it was ready (%v):\n%s", s.name, err, tail(s.log, 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s:\n%s", s.name, limit, tail(s.log, 20))
		}
	}
}

// stop sends SIGTERM and waits for a graceful exit, killing after 15s.
func (s *server) stop() error {
	select {
	case err := <-s.exited:
		return fmt.Errorf("%s exited during the run (%v):\n%s", s.name, err, tail(s.log, 20))
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		if err != nil {
			return fmt.Errorf("%s: %v after SIGTERM:\n%s", s.name, err, tail(s.log, 20))
		}
		return nil
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("%s ignored SIGTERM for 15s: killed", s.name)
	}
}

// freeAddr is a loopback address whose port is free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func fetch(ctx context.Context, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// preflight checks, before measuring, that every request the scenarios make
// answers right: a sample of details and every list query. It returns the
// detail whose size is nearest the mean, and the mean detail and list sizes.
func preflight(ctx context.Context, base string, detailPaths, listPaths []string) ([]byte, [2]int, error) {
	var sizes [2]int
	step := max(1, len(detailPaths)/50)
	var bodies [][]byte
	total := 0
	for i := 0; i < len(detailPaths); i += step {
		status, b, err := fetch(ctx, base+detailPaths[i])
		if err != nil || status != http.StatusOK {
			return nil, sizes, fmt.Errorf("preflight GET %s: %d %v %.200s", detailPaths[i], status, err, b)
		}
		bodies = append(bodies, b)
		total += len(b)
	}
	sizes[0] = total / len(bodies)
	sample := bodies[0]
	for _, b := range bodies {
		if abs(len(b)-sizes[0]) < abs(len(sample)-sizes[0]) {
			sample = b
		}
	}
	total = 0
	for _, p := range listPaths {
		status, b, err := fetch(ctx, base+p)
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if err == nil && status == http.StatusOK {
			err = json.Unmarshal(b, &page)
		}
		if err != nil || status != http.StatusOK || len(page.Items) == 0 {
			return nil, sizes, fmt.Errorf("preflight GET %s: %d %v, %d items %.200s", p, status, err, len(page.Items), b)
		}
		total += len(b)
	}
	sizes[1] = total / len(listPaths)
	return sample, sizes, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// checkCeiling compares what the ceiling encodes with the real detail it
// mirrors; a difference means the API grew fields the mirror lacks.
func checkCeiling(ctx context.Context, base string, sample []byte) (int, error) {
	status, b, err := fetch(ctx, base+"/api/v1/products/1")
	if err != nil || status != http.StatusOK {
		return 0, fmt.Errorf("ceiling: %d %v", status, err)
	}
	if !bytes.Equal(bytes.TrimSpace(b), bytes.TrimSpace(sample)) {
		logf("warning: the ceiling's body (%d bytes) differs from the real detail (%d bytes): update ceiling.go's productDoc", len(b), len(sample))
	}
	return len(b), nil
}

// counters are the server's catalogue cache counters (api/metrics.go).
type counters struct {
	hits, misses, redisErrors float64
}

func (c *counters) String() string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf("  cache hits %.1f%% (%.0f hits, %.0f misses, %.0f Redis errors)", c.hitRatio()*100, c.hits, c.misses, c.redisErrors)
}

func (c *counters) hitRatio() float64 {
	if c.hits+c.misses == 0 {
		return 0
	}
	return c.hits / (c.hits + c.misses)
}

// cacheCounters reads the cache counters from /metrics; nil when the server
// has none (no cache, or the ceiling).
func cacheCounters(ctx context.Context, base string) *counters {
	status, b, err := fetch(ctx, base+"/metrics")
	if err != nil || status != http.StatusOK {
		return nil
	}
	var c counters
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, " ")
		f, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil {
			continue
		}
		switch name {
		case "shanhai_cache_hits_total":
			c.hits, found = f, true
		case "shanhai_cache_misses_total":
			c.misses = f
		case "shanhai_cache_redis_errors_total":
			c.redisErrors = f
		}
	}
	if !found {
		return nil
	}
	return &c
}

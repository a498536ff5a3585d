package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"shanhai/scripts/bench"
)

// startCeiling re-executes this binary as the bare-Gin ceiling serving sample.
func startCeiling(ctx context.Context, samplePath, logPath string) (*bench.Server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := bench.FreeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-ceiling-serve", addr, "-ceiling-body", samplePath)
	return bench.Start(ctx, "ceiling (bare Gin)", cmd, addr, logPath)
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
		bench.Logf("warning: the ceiling's body (%d bytes) differs from the real detail (%d bytes): update ceiling.go's productDoc", len(b), len(sample))
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

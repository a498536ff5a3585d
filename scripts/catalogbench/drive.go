package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// listQueries is the fixed set of filtered lists the list scenarios draw
// from, as a cache would see them: every category's first three pages of
// certified products by price, and the first page of each county and city.
func listQueries() []string {
	var out []string
	for _, c := range categories {
		for page := 1; page <= 3; page++ {
			out = append(out, fmt.Sprintf("/api/v1/products?category=%s&certified=true&sort=price_asc&page=%d&page_size=20", c.code, page))
		}
	}
	origins := []string{"511100", "331100"} // 乐山, 丽水: a city means its counties
	for _, c := range counties {
		origins = append(origins, c.code)
	}
	for _, o := range origins {
		out = append(out, "/api/v1/products?origin="+o+"&certified=true&sort=price_asc&page=1&page_size=20")
	}
	return out
}

// result is one scenario's measurements.
type result struct {
	n       int             // requests completed in the measured window
	errors  int             // transport errors and non-2xx answers
	reasons map[string]int  // why, by kind
	elapsed time.Duration   // measured window
	lat     []time.Duration // every latency, sorted
	cache   *counters       // the server's cache counters over the measured window; nil without a cache
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// pct is the p-th percentile (0 < p <= 100) by the nearest-rank method.
func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[max(0, int(math.Ceil(p/100*float64(len(r.lat))))-1)]
}

type worker struct {
	lat     []time.Duration
	errors  int
	reasons map[string]int
	last    time.Time
}

// drive runs o.concurrency keep-alive clients against base: first every path
// once (so a cache starts full and MariaDB's buffer pool warm, as in a server
// that has been up a while), then random paths for o.warmup, then random
// paths measured for o.duration.
func drive(ctx context.Context, name, base string, paths []string, o options) (result, error) {
	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = base + p
	}
	tr := &http.Transport{
		MaxIdleConns:        o.concurrency,
		MaxIdleConnsPerHost: o.concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	if err := prime(ctx, client, name, urls, o.concurrency); err != nil {
		return result{}, err
	}
	logf("%-20s warm-up %s, then %s with %d connections", name, o.warmup, o.duration, o.concurrency)
	from := time.Now().Add(o.warmup)
	until := from.Add(o.duration)
	// The cache counters at the start of the measured window.
	atFrom := make(chan *counters, 1)
	go func() {
		time.Sleep(time.Until(from))
		atFrom <- cacheCounters(ctx, base)
	}()
	// Room for ~100k requests/s without growing during the run.
	perWorker := int(o.duration.Seconds()*100_000)/o.concurrency + 1024
	workers := make([]worker, o.concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.lat = make([]time.Duration, 0, perWorker)
		w.reasons = map[string]int{}
		rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(until) {
					return
				}
				reason := get(ctx, client, urls[rng.IntN(len(urls))])
				d := time.Since(t0)
				if t0.Before(from) {
					continue
				}
				w.lat = append(w.lat, d)
				w.last = t0.Add(d)
				if reason != "" {
					w.errors++
					w.reasons[reason]++
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return result{}, err
	}

	r := result{reasons: map[string]int{}}
	last := until
	for _, w := range workers {
		r.n += len(w.lat)
		r.errors += w.errors
		for k, v := range w.reasons {
			r.reasons[k] += v
		}
		if w.last.After(last) {
			last = w.last
		}
	}
	r.lat = make([]time.Duration, 0, r.n)
	for _, w := range workers {
		r.lat = append(r.lat, w.lat...)
	}
	slices.Sort(r.lat)
	r.elapsed = last.Sub(from)
	if c0, c1 := <-atFrom, cacheCounters(ctx, base); c0 != nil && c1 != nil {
		r.cache = &counters{hits: c1.hits - c0.hits, misses: c1.misses - c0.misses, redisErrors: c1.redisErrors - c0.redisErrors}
	}
	logf("%-20s %8.0f req/s  p50 %s  p99 %s  errors %d%s", name, r.rate(), ms(r.pct(50)), ms(r.pct(99)), r.errors, r.cache)
	return r, nil
}

// prime requests every url once, split over conc clients; any failure stops the run.
func prime(ctx context.Context, client *http.Client, name string, urls []string, conc int) error {
	start := time.Now()
	var next atomic.Int64
	var mu sync.Mutex
	var failed string
	var wg sync.WaitGroup
	for range min(conc, len(urls)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(urls) {
					return
				}
				if reason := get(ctx, client, urls[i]); reason != "" {
					mu.Lock()
					failed = urls[i] + ": " + reason
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed != "" {
		return fmt.Errorf("%s: priming GET %s", name, failed)
	}
	logf("%-20s primed: each of the %d paths requested once in %.1fs", name, len(urls), time.Since(start).Seconds())
	return nil
}

// get makes one request and reads the whole body; it returns why it failed,
// or "" for a 2xx.
func get(ctx context.Context, client *http.Client, url string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:] // "Get "...": dial tcp ...: connection refused" → the cause
		}
		return msg
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 != 2:
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	case err != nil:
		return "reading body: " + err.Error()
	}
	return ""
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// reasonList is "HTTP 404 ×3, EOF ×1", most frequent first.
func reasonList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"shanhai/model"
	"shanhai/scripts/bench"
)

// listQuery is one list the list scenarios request: its path, and the
// query the server makes of it (Today aside: the server's date).
type listQuery struct {
	path string
	q    model.ProductQuery
}

// listQueries is the fixed set of filtered lists the list scenarios draw
// from, as a cache would see them: every category's first three pages of
// certified products by price, and the first page of each county and city.
func listQueries() []listQuery {
	yes := true
	var out []listQuery
	for _, c := range categories {
		for page := 1; page <= 3; page++ {
			out = append(out, listQuery{
				path: fmt.Sprintf("/api/v1/products?category=%s&certified=true&sort=price_asc&page=%d&page_size=20", c.code, page),
				q:    model.ProductQuery{Category: c.code, Certified: &yes, Sort: model.SortPriceAsc, Page: page, PageSize: 20},
			})
		}
	}
	origins := []string{"511100", "331100"} // 乐山, 丽水: a city means its counties
	for _, c := range counties {
		origins = append(origins, c.code)
	}
	for _, o := range origins {
		out = append(out, listQuery{
			path: "/api/v1/products?origin=" + o + "&certified=true&sort=price_asc&page=1&page_size=20",
			q:    model.ProductQuery{Origin: o, Certified: &yes, Sort: model.SortPriceAsc, Page: 1, PageSize: 20},
		})
	}
	return out
}

// searchQueries are the searches the cold path measures (relevance, the
// default with terms; a page of 20): a whole product name, a Han term split
// in two, a brand word, an origin city, two terms, a term within a category.
func searchQueries() []listQuery {
	var out []listQuery
	for _, c := range []struct{ q, category string }{
		{"马边绿茶", ""}, {"峨眉雪芽", ""}, {"高山", ""}, {"乐山", ""}, {"蜂蜜 土", ""},
		{"红心猕猴桃", ""}, {"山海情", ""}, {"咖啡", "coffee"}, {"金川 雪梨", ""}, {"花椒", ""},
	} {
		path := "/api/v1/products?q=" + url.QueryEscape(c.q)
		if c.category != "" {
			path += "&category=" + c.category
		}
		out = append(out, listQuery{path: path,
			q: model.ProductQuery{Q: c.q, Category: c.category, Sort: model.SortRelevance, Page: 1, PageSize: 20}})
	}
	return out
}

// result is one scenario's measurements.
type result struct {
	n       int             // requests completed in the measured window
	errors  int             // transport errors and non-2xx answers
	reasons map[string]int  // why, by kind
	elapsed time.Duration   // measured window
	lat     bench.Latencies // every latency, sorted
	cache   *counters       // the server's cache counters over the measured window; nil without a cache
	samples []sample        // every request's start and latency, unsorted
}

// sample is one request of the measured window.
type sample struct {
	at  time.Time
	lat time.Duration
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

type worker struct {
	lat     []time.Duration
	at      []time.Time
	errors  int
	reasons map[string]int
	last    time.Time
}

// drive runs o.concurrency keep-alive clients against base: first every path
// once (so a cache starts full and MariaDB's buffer pool warm, as in a server
// that has been up a while), then random paths for o.Warmup, then random
// paths measured for o.Duration.
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
	return hammer(ctx, name, len(urls), func(i int) string { return get(ctx, client, urls[i]) }, o, base, nil)
}

// hammer runs o.concurrency workers calling do on random indexes below n:
// o.Warmup, then o.Duration measured. base, when not "", is a server whose
// cache counters are read over the measured window. event, when not nil,
// runs once, halfway through the measured window, in its own goroutine.
func hammer(ctx context.Context, name string, n int, do func(i int) string, o options, base string, event func(at time.Time)) (result, error) {
	bench.Logf("%-20s warm-up %s, then %s with %d connections", name, o.Warmup, o.Duration, o.concurrency)
	from := time.Now().Add(o.Warmup)
	until := from.Add(o.Duration)
	// The cache counters at the start of the measured window.
	atFrom := make(chan *counters, 1)
	go func() {
		time.Sleep(time.Until(from))
		atFrom <- cacheCounters(ctx, base)
	}()
	if event != nil {
		go func() {
			at := from.Add(o.Duration / 2)
			time.Sleep(time.Until(at))
			event(at)
		}()
	}
	// Room for ~100k requests/s without growing during the run.
	perWorker := int(o.Duration.Seconds()*100_000)/o.concurrency + 1024
	workers := make([]worker, o.concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.lat = make([]time.Duration, 0, perWorker)
		w.at = make([]time.Time, 0, perWorker)
		w.reasons = map[string]int{}
		rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(until) {
					return
				}
				reason := do(rng.IntN(n))
				d := time.Since(t0)
				if t0.Before(from) {
					continue
				}
				w.lat = append(w.lat, d)
				w.at = append(w.at, t0)
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
	r.samples = make([]sample, 0, r.n)
	for _, w := range workers {
		r.lat = append(r.lat, w.lat...)
		for j := range w.lat {
			r.samples = append(r.samples, sample{at: w.at[j], lat: w.lat[j]})
		}
	}
	slices.Sort(r.lat)
	r.elapsed = last.Sub(from)
	if c0, c1 := <-atFrom, cacheCounters(ctx, base); c0 != nil && c1 != nil {
		r.cache = &counters{hits: c1.hits - c0.hits, misses: c1.misses - c0.misses, redisErrors: c1.redisErrors - c0.redisErrors}
	}
	bench.Logf("%-20s %8.0f req/s  p50 %s  p99 %s  errors %d%s", name, r.rate(), ms(r.lat.Pct(50)), ms(r.lat.Pct(99)), r.errors, r.cache)
	return r, nil
}

// prime requests every url once, split over conc clients; any failure stops the run.
func prime(ctx context.Context, client *http.Client, name string, urls []string, conc int) error {
	start := time.Now()
	err := bench.Each(ctx, len(urls), conc, func(i int) error {
		if reason := get(ctx, client, urls[i]); reason != "" {
			return fmt.Errorf("%s: priming GET %s: %s", name, urls[i], reason)
		}
		return nil
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	bench.Logf("%-20s primed: each of the %d paths requested once in %.1fs", name, len(urls), time.Since(start).Seconds())
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
		return bench.ShortError(err)
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

func ms(d time.Duration) string { return bench.Ms(d, 2) }

package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// queryTimer times every statement a store sends through GORM, by the
// tables it reads, so the report can say where a service call spends its
// time whatever store methods the service uses. It hooks a store of its own
// (a second pool on the bench database), never the one measured.
type queryTimer struct {
	mu    sync.Mutex
	calls map[string]*timing
	order []string
}

const startKey = "statsbench:start"

// hook registers the timer's callbacks on gdb: around "gorm:query" (Find,
// Take, Pluck) and "gorm:row" (Raw(…).Rows(), Raw(…).Scan()).
func (t *queryTimer) hook(gdb *gorm.DB) error {
	before := func(db *gorm.DB) { db.InstanceSet(startKey, time.Now()) }
	after := func(db *gorm.DB) {
		if v, ok := db.InstanceGet(startKey); ok {
			t.add(tables(db.Statement.SQL.String()), time.Since(v.(time.Time)))
		}
	}
	cb := gdb.Callback()
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register("statsbench:before_query", before),
		cb.Query().After("gorm:query").Register("statsbench:after_query", after),
		cb.Row().Before("gorm:row").Register("statsbench:before_row", before),
		cb.Row().After("gorm:row").Register("statsbench:after_row", after),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *queryTimer) add(label string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.calls[label]
	if c == nil {
		c = &timing{}
		t.calls[label] = c
		t.order = append(t.order, label)
	}
	c.add(d)
}

func (t *queryTimer) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls, t.order = map[string]*timing{}, nil
}

var tableRE = regexp.MustCompile("(?i)\\b(?:from|join)\\s+`?([a-z_0-9]+)")

// tables names a statement by the tables it reads: "orgs+rollup_orgs+filings".
func tables(q string) string {
	var names []string
	for _, m := range tableRE.FindAllStringSubmatch(q, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		return strings.Join(strings.Fields(q), " ")
	}
	return strings.Join(names, "+")
}

// breakdown calls f n times with t counting and says where a call's time
// goes: "regions 1× 0.41 ms, pairings+regions 1× 0.52 ms, …; the rest
// 0.10 ms; a call 1.60 ms (means per call over 100 calls)".
func breakdown(ctx context.Context, t *queryTimer, n int, f func(context.Context) error) (string, error) {
	t.reset()
	var total timing
	for range n {
		start := time.Now()
		if err := f(ctx); err != nil {
			return "", err
		}
		total.add(time.Since(start))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var parts []string
	var queries int
	var inQueries time.Duration
	for _, label := range t.order {
		c := t.calls[label]
		inQueries += c.total
		queries += len(c.lat)
		parts = append(parts, fmt.Sprintf("%s %s× %s", label, trimFloat(float64(len(c.lat))/float64(n)), dur(c.total/time.Duration(n))))
	}
	return fmt.Sprintf("%s queries a call: %s; the rest (Go: the service, GORM scanning) %s; a call %s (means per call over %d calls)",
		trimFloat(float64(queries)/float64(n)), strings.Join(parts, ", "), dur((total.total-inQueries)/time.Duration(n)), dur(total.mean()), n), nil
}

func trimFloat(x float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", x), "0"), ".")
}

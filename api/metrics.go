package api

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is one Prometheus registry per router, so tests can build many.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	placed   *prometheus.CounterVec
	// all is every collector registered, for the names the alert rules
	// may use.
	all []prometheus.Collector
}

// CacheStats reports cache hits, misses and Redis errors since start.
type CacheStats func() (hits, misses, errors uint64)

// CatalogDBReads are the catalogue reads (detail, list page) this replica
// runs on the database: in flight now, and the most at once since the
// previous call (model/store's gate).
type CatalogDBReads interface {
	CatalogReadsInFlight() int64
	CatalogReadPeak() int64
}

// BuildInfo names the running build (shanhai_build_info).
type BuildInfo struct{ Version, Revision string }

// Operations reads the figures behind the operators' gauges when /metrics is
// scraped: the ledger entries not yet rolled up and the deadline of the
// oldest order the timers have not yet moved on.
type Operations interface {
	RollupBacklog(ctx context.Context) (int64, error)
	OldestOverdue(ctx context.Context, now time.Time) (time.Time, bool, error)
}

func newMetrics(d Deps) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shanhai_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "shanhai_http_request_duration_seconds", Help: "HTTP request latency by method, route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
		placed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shanhai_orders_placed_total", Help: "Orders placed by this replica, by channel (app or the org's kind).",
		}, []string{"channel"}),
	}
	rev := d.Build.Revision
	if rev == "" {
		rev = "unknown"
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "shanhai_build_info", Help: "The running build: always 1, labelled with its version, VCS revision and Go version.",
	}, []string{"version", "revision", "go_version"})
	build.WithLabelValues(d.Build.Version, rev, runtime.Version()).Set(1)
	m.register(m.requests, m.latency, m.placed, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if d.DB != nil {
		m.register(collectors.NewDBStatsCollector(d.DB, "shanhai"))
	}
	if d.Cache != nil {
		cache := d.Cache
		for i, name := range []string{"hits", "misses", "redis_errors"} {
			m.register(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "shanhai_cache_" + name + "_total", Help: "Catalogue cache " + name + ".",
			}, func() float64 {
				h, mi, e := cache()
				return float64([]uint64{h, mi, e}[i])
			}))
		}
	}
	if d.CatalogDBReads != nil {
		r := d.CatalogDBReads
		m.register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shanhai_catalog_db_reads", Help: "Catalogue reads (product detail, list page) running on the database now.",
		}, func() float64 { return float64(r.CatalogReadsInFlight()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "shanhai_catalog_db_reads_peak",
				Help: "The most catalogue reads running on the database at once (at most SHANHAI_CATALOG_DB_READS, when set) since the previous scrape.",
			}, func() float64 { return float64(r.CatalogReadPeak()) }))
	}
	if d.CreditedCents != nil {
		m.register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "shanhai_credited_cents_total",
			Help: "Cents of accepted sales credited to a pairing by this replica since it started (returns not subtracted).",
		}, func() float64 { return float64(d.CreditedCents()) }))
	}
	if d.Replicas != nil {
		m.register(newReplicaCollector(d.Replicas))
	}
	if d.Ops != nil {
		m.register(&opsCollector{ops: d.Ops,
			backlog: prometheus.NewDesc("shanhai_rollup_backlog",
				"Ledger entries not yet added to the statistics rollups (the rollup workers' queue).", nil, nil),
			lag: prometheus.NewDesc("shanhai_sweeper_lag_seconds",
				"How long ago the deadline of the oldest order the timers have not yet moved on passed; 0 when none is overdue.", nil, nil),
		})
	}
	return m
}

func (m *metrics) register(cs ...prometheus.Collector) {
	m.reg.MustRegister(cs...)
	m.all = append(m.all, cs...)
}

// names are the names of every metric the registry can export.
func (m *metrics) names() []string {
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range m.all {
			c.Describe(ch)
		}
		close(ch)
	}()
	var out []string
	for d := range ch {
		// Desc has no accessor: its String() is Desc{fqName: "name", ...}
		s := d.String()
		if _, rest, ok := strings.Cut(s, `fqName: "`); ok {
			name, _, _ := strings.Cut(rest, `"`)
			out = append(out, name)
		}
	}
	return out
}

// ordersPlaced counts newly placed orders (never a replay), by channel.
func (m *metrics) ordersPlaced(channels []string) {
	for _, ch := range channels {
		m.placed.WithLabelValues(ch).Inc()
	}
}

// opsCollector reads the operators' gauges from the database at scrape
// time; a figure that cannot be read is left out of that scrape.
type opsCollector struct {
	ops          Operations
	backlog, lag *prometheus.Desc
}

func (o *opsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- o.backlog
	ch <- o.lag
}

func (o *opsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, err := o.ops.RollupBacklog(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(o.backlog, prometheus.GaugeValue, float64(n))
	}
	now := time.Now()
	if deadline, ok, err := o.ops.OldestOverdue(ctx, now); err == nil {
		lag := 0.0
		if ok {
			lag = now.Sub(deadline).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(o.lag, prometheus.GaugeValue, lag)
	}
}

// knownMethods are the methods that get a label value of their own; any
// other token a client sends counts as "other", so a flood of invented
// methods cannot grow the label set (and the process) without bound.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true,
}

func methodLabel(method string) string {
	if knownMethods[method] {
		return method
	}
	return "other"
}

// observe counts one request. route is a route template or "unmatched", never
// a raw path, so every label has a bounded set of values.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = methodLabel(method)
	s := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, s).Inc()
	m.latency.WithLabelValues(method, route, s).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

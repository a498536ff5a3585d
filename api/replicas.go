package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// ReadReplicas route the reads that decide nothing (statistics, catalogue
// pages and lists) to read replicas. The router tells it who writes, so that
// a caller's reads stay on the primary until the replicas have their write.
type ReadReplicas interface {
	// ForUser is ctx for a request of user id: pinned to the primary when
	// they wrote lately.
	ForUser(ctx context.Context, id int64) context.Context
	// Wrote records that user id writes now.
	Wrote(ctx context.Context, id int64)
	// Lags is every replica as last checked, for /metrics.
	Lags() []ReplicaLag
}

// ReplicaLag is one read replica as last checked.
type ReplicaLag struct {
	Name string
	// Seconds behind the primary; negative when unknown (dead, or not
	// replicating).
	Seconds float64
	InUse   bool
}

// pinReads, after authentication: a caller who wrote lately reads from the
// primary; a request that may write marks its caller as a writer, before
// the handler (its answer can reach the client before the handler returns)
// and again after.
func (r *router) pinReads(c *gin.Context, id int64) {
	if r.Replicas == nil {
		return
	}
	c.Request = c.Request.WithContext(r.Replicas.ForUser(c.Request.Context(), id))
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return
	}
	r.Replicas.Wrote(c.Request.Context(), id)
	c.Next()
	r.Replicas.Wrote(c.Request.Context(), id)
}

// pinBearer: on the public routes too (the catalogue pages answer anyone),
// a request that carries the token of a caller who wrote lately reads from
// the primary. A bad token is ignored here; the routes that need one refuse
// it themselves.
func (r *router) pinBearer(c *gin.Context) {
	tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if tok = strings.TrimSpace(tok); !ok || tok == "" {
		return
	}
	if u, err := r.Accounts.Authenticate(c.Request.Context(), tok); err == nil {
		c.Request = c.Request.WithContext(r.Replicas.ForUser(c.Request.Context(), u.ID))
	}
}

type replicaCollector struct {
	replicas   ReadReplicas
	lag, inUse *prometheus.Desc
}

func newReplicaCollector(rr ReadReplicas) *replicaCollector {
	return &replicaCollector{replicas: rr,
		lag: prometheus.NewDesc("shanhai_db_replica_lag_seconds",
			"How far each read replica was behind the primary at its last check (each second); -1 when it did not answer or does not replicate.", []string{"replica"}, nil),
		inUse: prometheus.NewDesc("shanhai_db_replica_in_use",
			"1 when a read replica serves reads (it answers and is within SHANHAI_DB_READ_MAX_LAG), 0 when it is skipped.", []string{"replica"}, nil),
	}
}

func (o *replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- o.lag
	ch <- o.inUse
}

func (o *replicaCollector) Collect(ch chan<- prometheus.Metric) {
	for _, l := range o.replicas.Lags() {
		s := l.Seconds
		if s < 0 {
			s = -1
		}
		use := 0.0
		if l.InUse {
			use = 1
		}
		ch <- prometheus.MustNewConstMetric(o.lag, prometheus.GaugeValue, s, l.Name)
		ch <- prometheus.MustNewConstMetric(o.inUse, prometheus.GaugeValue, use, l.Name)
	}
}

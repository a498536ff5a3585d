package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Reads sends the reads that decide nothing (statistics, catalogue pages and
// lists) to a read replica of the database when one is healthy, and
// everything else to the primary. A replica is used only while its last
// check (every Interval) found it answering, replicating, and behind the
// primary by less than MaxLag; otherwise the primary answers. A request
// whose context is pinned (Primary, or ForUser for a caller who wrote
// within the pin window) reads from the primary too, so a caller sees their
// own writes at once.
type Reads struct {
	primary  *Store
	replicas []*replica
	maxLag   time.Duration
	interval time.Duration
	next     atomic.Uint64

	mu    sync.Mutex
	wrote map[int64]time.Time // user id → their last write, in this process

	// lagOf is how far a replica is behind; tests replace it.
	lagOf func(ctx context.Context, st *Store) (time.Duration, error)
}

type replica struct {
	name    string // host:port, for /metrics
	dsn     string // to open it when it did not answer at start
	maxOpen int
	st      atomic.Pointer[Store] // nil until it opens
	lagNS   atomic.Int64          // last lag found; -1: unknown (dead or not replicating)
	usable  atomic.Bool
}

// ReplicaState is one replica as the last check found it.
type ReplicaState struct {
	Name string
	// Lag is how far it is behind the primary; negative when unknown (it
	// did not answer, or does not replicate).
	Lag    time.Duration
	InUse  bool
	Reason string
}

// NewReads routes reads between primary and the replicas (each already
// open; Reads closes them on Close). names label the replicas in /metrics.
func NewReads(primary *Store, replicas []*Store, names []string, maxLag time.Duration) *Reads {
	r := &Reads{primary: primary, maxLag: maxLag, interval: time.Second, wrote: map[int64]time.Time{}, lagOf: replicaLag}
	for i, st := range replicas {
		rp := &replica{name: names[i]}
		rp.st.Store(st)
		rp.lagNS.Store(-1)
		r.replicas = append(r.replicas, rp)
	}
	return r
}

// OpenReads opens each replica DSN ("mysql:<dsn>") with a pool of maxOpen.
// A replica that does not answer now is skipped, and opened again by the
// checks until it does: the mall starts without it.
func OpenReads(primary *Store, dsns []string, maxOpen int, maxLag time.Duration) (*Reads, error) {
	r := NewReads(primary, nil, nil, maxLag)
	for _, dsn := range dsns {
		if _, _, ok := strings.Cut(dsn, ":"); !ok || !strings.HasPrefix(dsn, "mysql:") {
			return nil, fmt.Errorf("read replica %q: want mysql:<dsn>", replicaName(dsn))
		}
		rp := &replica{name: replicaName(dsn), dsn: dsn, maxOpen: maxOpen}
		rp.lagNS.Store(-1)
		if st, err := Open(dsn, maxOpen); err == nil {
			rp.st.Store(st)
		} else {
			slog.Warn("read replica not answering; skipped until it does", "replica", rp.name, "err", err.Error())
		}
		r.replicas = append(r.replicas, rp)
	}
	return r, nil
}

// replicaName is the address part of a DSN, without user or password.
func replicaName(dsn string) string {
	if _, after, ok := strings.Cut(dsn, "@"); ok {
		dsn = after
	}
	if i := strings.Index(dsn, "("); i >= 0 {
		if j := strings.Index(dsn[i:], ")"); j > 0 {
			return dsn[i+1 : i+j]
		}
	}
	name, _, _ := strings.Cut(dsn, "/")
	return name
}

// Close closes the replicas' pools (not the primary's).
func (r *Reads) Close() error {
	for _, rp := range r.replicas {
		if st := rp.st.Load(); st != nil {
			st.Close()
		}
	}
	return nil
}

// Run checks every replica each interval until ctx ends.
func (r *Reads) Run(ctx context.Context) {
	if len(r.replicas) == 0 {
		return
	}
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		r.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check looks at every replica once: how far behind, and usable or not.
func (r *Reads) Check(ctx context.Context) {
	for _, rp := range r.replicas {
		st := rp.st.Load()
		if st == nil && rp.dsn != "" {
			if opened, err := Open(rp.dsn, rp.maxOpen); err == nil {
				rp.st.Store(opened)
				st = opened
			}
		}
		if st == nil {
			rp.lagNS.Store(-1)
			rp.usable.Store(false)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, r.interval)
		lag, err := r.lagOf(cctx, st)
		cancel()
		if err != nil {
			rp.lagNS.Store(-1)
			rp.usable.Store(false)
			continue
		}
		rp.lagNS.Store(int64(lag))
		rp.usable.Store(lag < r.maxLag)
	}
}

// replicaLag asks a MariaDB/MySQL replica how far behind it is: an error
// when it does not answer, is not a replica, or its threads are stopped.
// Seconds_Behind_Master is whole seconds.
func replicaLag(ctx context.Context, st *Store) (time.Duration, error) {
	rows, err := st.sqlDB.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	if !rows.Next() {
		return 0, fmt.Errorf("not a replica")
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return 0, err
	}
	got := map[string]sql.NullString{}
	for i, c := range cols {
		got[c] = vals[i]
	}
	if got["Slave_IO_Running"].String != "Yes" || got["Slave_SQL_Running"].String != "Yes" {
		return 0, fmt.Errorf("replication stopped")
	}
	sbm := got["Seconds_Behind_Master"]
	if !sbm.Valid {
		return 0, fmt.Errorf("lag unknown")
	}
	n, err := strconv.ParseInt(sbm.String, 10, 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(n) * time.Second, nil
}

type primaryKey struct{}

// Primary marks ctx: its reads go to the primary.
func Primary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// Pinned reports whether ctx reads from the primary (Primary).
func Pinned(ctx context.Context) bool {
	pinned, _ := ctx.Value(primaryKey{}).(bool)
	return pinned
}

// PinWindow is how long after a write its writer's reads stay on the
// primary: the lag bound, plus the time between checks (a replica's lag can
// grow until the next), plus a second for the lag's whole-second rounding.
func (r *Reads) PinWindow() time.Duration { return r.maxLag + r.interval + time.Second }

// Wrote records that user id wrote (or is writing) now.
func (r *Reads) Wrote(id int64) {
	if r == nil || len(r.replicas) == 0 {
		return
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wrote[id] = now
	if len(r.wrote) > 4096 { // forget writes past the window
		for k, t := range r.wrote {
			if now.Sub(t) > r.PinWindow() {
				delete(r.wrote, k)
			}
		}
	}
}

// ForUser is ctx pinned to the primary when user id wrote within the pin
// window, else ctx.
func (r *Reads) ForUser(ctx context.Context, id int64) context.Context {
	if r == nil || len(r.replicas) == 0 {
		return ctx
	}
	r.mu.Lock()
	t, ok := r.wrote[id]
	r.mu.Unlock()
	if ok && time.Since(t) < r.PinWindow() {
		return Primary(ctx)
	}
	return ctx
}

// For is the store to read from in ctx: a usable replica (round robin), or
// the primary — in a transaction, in a pinned context, or when none is.
func (r *Reads) For(ctx context.Context) *Store {
	if r == nil || len(r.replicas) == 0 {
		return r.primaryOrNil()
	}
	if _, ok := ctx.Value(txKey{}).(*txState); ok {
		return r.primary
	}
	if Pinned(ctx) {
		return r.primary
	}
	n := len(r.replicas)
	start := int(r.next.Add(1) % uint64(n))
	for i := range n {
		rp := r.replicas[(start+i)%n]
		if rp.usable.Load() {
			return rp.st.Load()
		}
	}
	return r.primary
}

func (r *Reads) primaryOrNil() *Store {
	if r == nil {
		return nil
	}
	return r.primary
}

// States is every replica as the last check found it.
func (r *Reads) States() []ReplicaState {
	if r == nil {
		return nil
	}
	var out []ReplicaState
	for _, rp := range r.replicas {
		s := ReplicaState{Name: rp.name, Lag: time.Duration(rp.lagNS.Load()), InUse: rp.usable.Load()}
		switch {
		case s.Lag < 0:
			s.Reason = "unreachable or not replicating"
		case !s.InUse:
			s.Reason = "lag over the bound"
		}
		out = append(out, s)
	}
	return out
}

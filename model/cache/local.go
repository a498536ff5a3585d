package cache

import (
	"sync"
	"time"
)

// local is the in-process tier: a bounded map whose entries live at most ttl
// and carry the invalidation stamps read before their value was fetched. An
// entry counts only while its stamps still equal the current ones, so an
// invalidation is one atomic increment, and a reader that fetched an old
// value before the increment but stores it after stores a dead entry.
type local[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]entry[V]
	max int
	ttl int64 // nanoseconds; <= 0 disables the tier
}

type entry[V any] struct {
	v      V
	exp    int64 // monotonic nanoseconds since the Store started
	s1, s2 uint64
}

func newLocal[K comparable, V any](max int, ttl time.Duration) *local[K, V] {
	return &local[K, V]{m: make(map[K]entry[V]), max: max, ttl: int64(ttl)}
}

func (l *local[K, V]) get(k K, now int64, s1, s2 uint64) (V, bool) {
	if l.ttl <= 0 {
		var zero V
		return zero, false
	}
	l.mu.RLock()
	e, ok := l.m[k]
	l.mu.RUnlock()
	if !ok || now >= e.exp || e.s1 != s1 || e.s2 != s2 {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v fetched at time start under the stamps read before the fetch.
// Its life counts from start, not from now, so a slow fetch does not stretch
// how long an old value can be served.
func (l *local[K, V]) put(k K, v V, start int64, s1, s2 uint64) {
	if l.ttl <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.m[k]; !ok && len(l.m) >= l.max {
		l.shrink(start)
	}
	l.m[k] = entry[V]{v: v, exp: start + l.ttl, s1: s1, s2: s2}
}

// shrink drops expired entries and, if that is not enough, arbitrary ones
// (map order is random) down to three quarters of the bound.
func (l *local[K, V]) shrink(now int64) {
	for k, e := range l.m {
		if now >= e.exp {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) <= l.max*3/4 {
			break
		}
		delete(l.m, k)
	}
}

func (l *local[K, V]) remove(k K) {
	if l.ttl <= 0 {
		return
	}
	l.mu.Lock()
	delete(l.m, k)
	l.mu.Unlock()
}

func (l *local[K, V]) clear() {
	l.mu.Lock()
	clear(l.m)
	l.mu.Unlock()
}

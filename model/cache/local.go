package cache

import (
	"sync"
	"time"
)

// local is the in-process tier: a bounded map whose entries carry the
// invalidation stamps read before their value was fetched. An entry counts
// only while its stamps still equal the current ones, so an invalidation is
// one atomic increment, and a reader that fetched an old value before the
// increment but stores it after stores a dead entry.
//
// An entry has two lifetimes, both counted from the start of its fetch: the
// short one (LocalTTL) always holds; the long one (LocalLongTTL, never past
// the Redis entry it was read from) holds only while the health epoch it was
// fetched in is still current and healthy, i.e. while every invalidation
// published since has reached this process (pubsub.go).
type local[K comparable, V any] struct {
	mu    sync.RWMutex
	m     map[K]entry[V]
	max   int
	short int64 // nanoseconds; <= 0 disables the tier
	long  int64 // nanoseconds, >= short
}

type entry[V any] struct {
	v           V
	short, long int64 // expiries, monotonic nanoseconds since the Store started
	s1, s2      uint64
	ep          uint64 // health epoch at the start of the fetch
}

func newLocal[K comparable, V any](size int, short, long time.Duration) *local[K, V] {
	return &local[K, V]{m: make(map[K]entry[V]), max: size, short: int64(short), long: max(int64(long), int64(short))}
}

// live reports whether e may be served at now, given the current epoch.
func (e *entry[V]) live(now int64, ep uint64) bool {
	return now < e.short || (now < e.long && e.ep == ep && healthy(ep))
}

func (l *local[K, V]) get(k K, now int64, s1, s2, ep uint64) (V, bool) {
	if l.short <= 0 {
		var zero V
		return zero, false
	}
	l.mu.RLock()
	e, ok := l.m[k]
	l.mu.RUnlock()
	if !ok || e.s1 != s1 || e.s2 != s2 || !e.live(now, ep) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v fetched from time start under the stamps and epoch read
// before the fetch; upto (0: none) caps its long life, e.g. at the expiry of
// the Redis entry it came from. Its life counts from start, not from now, so a
// slow fetch does not stretch how long an old value can be served.
func (l *local[K, V]) put(k K, v V, start int64, s1, s2, ep uint64, upto int64) {
	if l.short <= 0 {
		return
	}
	e := entry[V]{v: v, short: start + l.short, long: start + l.long, s1: s1, s2: s2, ep: ep}
	if upto > 0 {
		e.long = min(e.long, upto) // the short life holds regardless, as it did before pub/sub
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.m[k]; !ok && len(l.m) >= l.max {
		l.shrink(start, ep)
	}
	l.m[k] = e
}

// shrink drops dead entries and, if that is not enough, arbitrary ones
// (map order is random) down to three quarters of the bound.
func (l *local[K, V]) shrink(now int64, ep uint64) {
	for k, e := range l.m {
		if !e.live(now, ep) {
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
	if l.short <= 0 {
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

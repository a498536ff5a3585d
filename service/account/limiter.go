package account

import (
	"context"
	"sync"
	"time"
)

// Counter counts events per key in fixed windows. model/cache implements it
// on Redis so every replica shares the counts; Memory is the in-process one.
type Counter interface {
	// Incr adds one to key's count in the current window and returns the
	// count and the time until the window ends.
	Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error)
	// Count is key's count in the current window, and the time until it ends.
	Count(ctx context.Context, key string) (int64, time.Duration, error)
}

// Memory is an in-process Counter, for a single replica or when Redis is down.
type Memory struct {
	mu      sync.Mutex
	windows map[string]memWindow
	now     func() time.Time
}

type memWindow struct {
	count int64
	ends  time.Time
}

// NewMemory returns an empty in-process counter.
func NewMemory() *Memory { return &Memory{windows: map[string]memWindow{}, now: time.Now} }

// Incr implements Counter.
func (m *Memory) Incr(_ context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if len(m.windows) > 100_000 { // bound memory under a flood of distinct keys
		for k, w := range m.windows {
			if !now.Before(w.ends) {
				delete(m.windows, k)
			}
		}
	}
	w := m.windows[key]
	if !now.Before(w.ends) {
		w = memWindow{ends: now.Add(window)}
	}
	w.count++
	m.windows[key] = w
	return w.count, w.ends.Sub(now), nil
}

// Count implements Counter.
func (m *Memory) Count(_ context.Context, key string) (int64, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	w, ok := m.windows[key]
	if !ok || !now.Before(w.ends) {
		return 0, 0, nil
	}
	return w.count, w.ends.Sub(now), nil
}

// Fallback uses primary (Redis) and, when it fails, the in-process counter,
// so a Redis outage never locks anyone out or lets the limit go.
type Fallback struct {
	Primary Counter
	Local   *Memory
}

// Incr implements Counter.
func (f Fallback) Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	if f.Primary != nil {
		if n, ttl, err := f.Primary.Incr(ctx, key, window); err == nil {
			return n, ttl, nil
		}
	}
	return f.Local.Incr(ctx, key, window)
}

// Count implements Counter.
func (f Fallback) Count(ctx context.Context, key string) (int64, time.Duration, error) {
	if f.Primary != nil {
		if n, ttl, err := f.Primary.Count(ctx, key); err == nil {
			return n, ttl, nil
		}
	}
	return f.Local.Count(ctx, key)
}

// NewMemoryAt is NewMemory on the clock now, so that a test can move past a
// window without waiting for it.
func NewMemoryAt(now func() time.Time) *Memory {
	m := NewMemory()
	m.now = now
	return m
}

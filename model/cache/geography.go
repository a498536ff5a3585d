package cache

import (
	"context"
	"sync"
	"time"

	"shanhai/model"
)

// GeographySource reads the regions and pairings (model/store).
type GeographySource interface {
	Geography(ctx context.Context) (*model.Geography, error)
}

// Geography keeps the regions and pairings the store last answered for TTL,
// in process, so ordering (each line's pairing preview) and statistics
// (scopes, county parts) do not read them for every request. An admin's new
// pairing or region shows on every replica within TTL. Nothing that counts
// is decided from it: the credit written at acceptance resolves its pairing
// from the database in its own transaction. A Geography is never changed
// once built, so concurrent requests share it.
type Geography struct {
	inner GeographySource
	ttl   time.Duration

	mu sync.Mutex
	g  *model.Geography
	at time.Time
}

// NewGeography caches inner's Geography for ttl.
func NewGeography(inner GeographySource, ttl time.Duration) *Geography {
	return &Geography{inner: inner, ttl: ttl}
}

// Geography returns the cached Geography, read again once it is ttl old.
func (c *Geography) Geography(ctx context.Context) (*model.Geography, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.g != nil && time.Since(c.at) < c.ttl {
		return c.g, nil
	}
	g, err := c.inner.Geography(ctx)
	if err != nil {
		return nil, err
	}
	c.g, c.at = g, time.Now()
	return g, nil
}

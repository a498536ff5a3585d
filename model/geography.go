package model

import (
	"context"
	"sync"
	"time"
)

// Geography is the regions and the pairings between them as ordering (the
// pairing preview) and statistics (scopes, county parts) read them. One is
// never changed once built, so concurrent requests share it.
type Geography struct {
	Tree     RegionTree
	Regions  map[string]Region
	Pairings []PairingView
}

// GeographySource is what a Geography is read from (the store).
type GeographySource interface {
	Regions(ctx context.Context) ([]Region, error)
	Pairings(ctx context.Context) ([]PairingView, error)
}

// RecentGeography reuses the Geography read from a source for TTL, so a
// request does not read the regions and pairings each time; a change made
// by an admin shows within TTL.
type RecentGeography struct {
	TTL time.Duration

	mu sync.Mutex
	g  *Geography
	at time.Time
}

// Get returns the Geography, read from src when the last one is TTL old.
func (r *RecentGeography) Get(ctx context.Context, src GeographySource) (*Geography, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.g != nil && time.Since(r.at) < r.TTL {
		return r.g, nil
	}
	regions, err := src.Regions(ctx)
	if err != nil {
		return nil, err
	}
	pairings, err := src.Pairings(ctx)
	if err != nil {
		return nil, err
	}
	g := &Geography{Tree: NewRegionTree(regions), Regions: make(map[string]Region, len(regions)), Pairings: pairings}
	for _, reg := range regions {
		g.Regions[reg.Code] = reg
	}
	r.g, r.at = g, time.Now()
	return g, nil
}

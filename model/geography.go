package model

// Geography is the regions and the pairings between them as ordering (the
// pairing preview) and statistics (scopes, county parts) read them. One is
// never changed once built, so concurrent requests share it.
type Geography struct {
	Tree     RegionTree
	Regions  map[string]Region
	Pairings []PairingView
}

// NewGeography indexes regions and pairings for lookups.
func NewGeography(regions []Region, pairings []PairingView) *Geography {
	g := &Geography{Tree: NewRegionTree(regions), Regions: make(map[string]Region, len(regions)), Pairings: pairings}
	for _, reg := range regions {
		g.Regions[reg.Code] = reg
	}
	return g
}

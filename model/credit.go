package model

import "strings"

// RegionTree answers "does region a contain region b" over the region table.
type RegionTree map[string]string // code → parent code ("" for a province)

// NewRegionTree indexes regions by code.
func NewRegionTree(regions []Region) RegionTree {
	t := make(RegionTree, len(regions))
	for _, r := range regions {
		parent := ""
		if r.ParentCode != nil {
			parent = *r.ParentCode
		}
		t[r.Code] = parent
	}
	return t
}

// Contains reports whether outer is inner or one of its ancestors.
func (t RegionTree) Contains(outer, inner string) bool {
	for code, depth := inner, 0; code != "" && depth < 8; code, depth = t[code], depth+1 {
		if code == outer {
			return true
		}
	}
	return false
}

// CreditPairing is the pairing a sale from origin to a buyer in buyerRegion
// helps: the most specific active pairing whose helper region contains the
// buyer's region and whose partner region contains the origin — a county
// pairing beats a city pairing; among equals the oldest id wins. Nil when
// none matches or the buyer has no region.
func CreditPairing(pairings []PairingView, tree RegionTree, buyerRegion, origin string) *PairingView {
	if buyerRegion == "" {
		return nil
	}
	var best *PairingView
	for i := range pairings {
		p := &pairings[i]
		if !p.Active || !tree.Contains(p.HelperCode, buyerRegion) || !tree.Contains(p.PartnerCode, origin) {
			continue
		}
		if best == nil || specificity(p, tree) > specificity(best, tree) ||
			(specificity(p, tree) == specificity(best, tree) && p.ID < best.ID) {
			best = p
		}
	}
	return best
}

// specificity: deeper regions on both sides are more specific.
func specificity(p *PairingView, tree RegionTree) int {
	return depth(tree, p.HelperCode) + depth(tree, p.PartnerCode)
}

func depth(tree RegionTree, code string) int {
	d := 0
	for c := tree[code]; c != "" && d < 8; c = tree[c] {
		d++
	}
	return d
}

// MaskPhone keeps the first three and last four digits: 138****5678.
func MaskPhone(p string) string {
	if len(p) <= 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

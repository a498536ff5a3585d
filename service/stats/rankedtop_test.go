package stats

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRankedTop: the first n places by the heap and the 128-bit keys are
// the first n of a plain stable sort by Ratio.Cmp and amount, with the
// ranks counted over all the items (ties share a rank, also across the
// n-th place), on items with no completion, negative, zero, equal and huge
// completions, and equal amounts.
func TestRankedTop(t *testing.T) {
	type item struct {
		id     int
		r      *Ratio
		amount int64
		rank   int
	}
	rng := rand.New(rand.NewPCG(11, 17))
	ratios := []*Ratio{nil, Completion(0, 7), Completion(-1, 3), Completion(-5, 3), Completion(1, 3), Completion(2, 6),
		Completion(1<<62, 1), Completion(-1<<62, 1), Completion(7, 10000000), Completion(-7, 10000000)}
	for round := 0; round < 300; round++ {
		items := make([]item, rng.IntN(60))
		for i := range items {
			items[i] = item{id: i, r: ratios[rng.IntN(len(ratios))], amount: int64(rng.IntN(4)) - 1}
			if rng.IntN(4) == 0 {
				items[i].r = Completion(rng.Int64N(1<<50)-1<<49, rng.Int64N(1000)+1)
			}
		}
		// the reference: a stable sort, ranks by counting the strictly better
		want := slices.Clone(items)
		order := func(a, b item) int {
			switch {
			case (a.r == nil) != (b.r == nil):
				if a.r == nil {
					return 1
				}
				return -1
			case a.r != nil && a.r.Cmp(*b.r) != 0:
				return -a.r.Cmp(*b.r)
			case a.amount != b.amount:
				if a.amount > b.amount {
					return -1
				}
				return 1
			}
			return 0
		}
		slices.SortStableFunc(want, order)
		for j := range want {
			want[j].rank = 1
			for _, o := range items {
				if order(o, want[j]) < 0 {
					want[j].rank++
				}
			}
		}
		key := func(it *item) (*Ratio, int64) { return it.r, it.amount }
		set := func(it *item, rank int) { it.rank = rank }
		for _, n := range []int{0, 1, 2, 5, len(items) - 1, len(items), len(items) + 3} {
			got := rankedTop(items, n, key, set)
			w := want[:max(0, min(n, len(items)))]
			if len(got) != len(w) {
				t.Fatalf("round %d, n %d: %d items, want %d", round, n, len(got), len(w))
			}
			for j := range w {
				if got[j].id != w[j].id || got[j].rank != w[j].rank {
					t.Fatalf("round %d, n %d, place %d: item %d rank %d, want item %d rank %d", round, n, j, got[j].id, got[j].rank, w[j].id, w[j].rank)
				}
			}
		}
		all := slices.Clone(items)
		ranked(all, key, set)
		for j := range want {
			if all[j].id != want[j].id || all[j].rank != want[j].rank {
				t.Fatalf("round %d: ranked place %d: item %d rank %d, want item %d rank %d", round, j, all[j].id, all[j].rank, want[j].id, want[j].rank)
			}
		}
	}
}

package stock

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"shanhai/model"
)

// holdings is what one user (user 1) holds of each SKU: as a consumer its
// buyer row ("u1") is its own; an org's buyer row is not counted here.
type holdings map[int64]int64

func (h holdings) AddHold(_ context.Context, holder string, skuID, qty int64) (int64, int64, error) {
	if holder != "u1" {
		return 0, 1 << 40, nil
	}
	h[skuID] += qty
	return h[skuID], 1 << 40, nil
}

func (h holdings) SubHold(_ context.Context, holder string, skuID, qty int64) error {
	if holder == "u1" {
		h[skuID] = max(0, h[skuID]-qty)
	}
	return nil
}

func (h holdings) AddUserHold(_ context.Context, _, skuID, qty int64) (int64, error) {
	h[skuID] += qty
	return h[skuID], nil
}

func (h holdings) SubUserHold(_ context.Context, _, skuID, qty int64) error {
	h[skuID] = max(0, h[skuID]-qty)
	return nil
}

// TestHoldCap: the cap counts what the user holds plus what it asks for and
// names the first SKU over it; without a cap the units are counted all the
// same (a cap set later sees them), and Unhold gives them back — for a
// consumer (u1, whose buyer row is its cap's) and for an org's buyer (o7:
// the user's own row).
func TestHoldCap(t *testing.T) {
	for _, holder := range []string{"u1", "o7"} {
		t.Run(holder, func(t *testing.T) { holdCap(t, holder) })
	}
}

func holdCap(t *testing.T, holder string) {
	want := []model.StockChange{{SKUID: 1, Quantity: 3}, {SKUID: 3, Quantity: 9}, {SKUID: 2, Quantity: 5}}
	for _, tc := range []struct {
		name string
		cap  int64
		held holdings
		code string
	}{
		{"no cap", 0, holdings{1: 100}, ""},
		{"under", 10, holdings{1: 7, 2: 5}, ""},
		{"at the cap", 10, holdings{1: 7, 2: 5, 3: 1}, ""},
		{"one over", 10, holdings{2: 6}, "sku_cap"},
		{"first over is named", 4, holdings{}, "sku_cap"},
	} {
		before := maps.Clone(tc.held)
		err := New(nil, tc.held, tc.cap).Hold(t.Context(), 1, holder, want)
		var me *model.Error
		got := ""
		if errors.As(err, &me) {
			got = me.Code
		} else if err != nil {
			got = err.Error()
		}
		if got != tc.code {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.code)
		}
		if tc.name == "first over is named" && (me == nil || !strings.HasPrefix(me.Message, "sku 3:")) {
			t.Errorf("%s: %v, want sku 3 (the first line over) named", tc.name, err)
		}
		for _, w := range want {
			if tc.held[w.SKUID] != before[w.SKUID]+w.Quantity {
				t.Errorf("%s: sku %d counted %d, want %d", tc.name, w.SKUID, tc.held[w.SKUID], before[w.SKUID]+w.Quantity)
			}
		}
		if err := New(nil, tc.held, tc.cap).Unhold(t.Context(), 1, holder, want); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if tc.held[w.SKUID] != before[w.SKUID] {
				t.Errorf("%s: sku %d holds %d after Unhold, want %d", tc.name, w.SKUID, tc.held[w.SKUID], before[w.SKUID])
			}
		}
	}
}

// TestHoldLimit: the share of on-hand units rounded up, never below one.
func TestHoldLimit(t *testing.T) {
	for _, tc := range []struct{ onHand, share, want int64 }{
		{570, 50, 285}, {571, 50, 286}, {1, 50, 1}, {0, 50, 1}, {2, 50, 1}, {3, 50, 2}, {10, 100, 10}, {10, 1, 1}, {1000, 33, 330},
	} {
		if got := HoldLimit(tc.onHand, tc.share); got != tc.want {
			t.Errorf("HoldLimit(%d, %d) = %d, want %d", tc.onHand, tc.share, got, tc.want)
		}
	}
}

// many books holdings as the store does, counting the reads back.
type many struct {
	holdings
	reads, books int
}

func (m *many) AddHolds(_ context.Context, hs []model.Hold) ([]model.Hold, error) {
	m.reads++
	var out []model.Hold
	for _, h := range hs {
		m.holdings[h.SKUID] += h.Units
		out = append(out, model.Hold{Holder: h.Holder, SKUID: h.SKUID, Units: m.holdings[h.SKUID], OnHand: 10})
	}
	return out, nil
}

func (m *many) BookHolds(_ context.Context, hs []model.Hold) error {
	m.books++
	for _, h := range hs {
		m.holdings[h.SKUID] += h.Units
	}
	return nil
}

// TestHoldAllUnread: holdings that the SKU's reserved units plus what they
// add keep within the share and the cap are booked without a read; any
// other is read back and judged, and one past the share refused.
func TestHoldAllUnread(t *testing.T) {
	for _, tc := range []struct {
		name          string
		cap, reserved int64
		held, units   int64
		reads         int
		code          string
	}{
		{"well within", 0, 2, 2, 1, 0, ""},             // at most 3 of the 5 allowed
		{"could be past the share", 0, 4, 0, 2, 1, ""}, // 6 > 5 possible: read, holds 2
		{"past the share", 0, 4, 4, 2, 1, "hold_share"},
		{"could be past the cap", 3, 2, 0, 2, 1, ""},
	} {
		m := &many{holdings: holdings{1: tc.held}}
		s := New(nil, m, tc.cap)
		err := s.HoldAll(t.Context(), []model.Hold{{UserID: 1, Holder: "u1", SKUID: 1, Units: tc.units}},
			map[int64]model.SKU{1: {ID: 1, OnHand: 10, Reserved: tc.reserved}})
		var me *model.Error
		got := ""
		if errors.As(err, &me) {
			got = me.Code
		} else if err != nil {
			got = err.Error()
		}
		if got != tc.code || m.reads != tc.reads || m.reads+m.books != 1 {
			t.Errorf("%s: %q with %d reads, %d books; want %q with %d reads", tc.name, got, m.reads, m.books, tc.code, tc.reads)
		}
	}
}

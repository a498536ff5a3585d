package stock

import (
	"context"
	"errors"
	"testing"

	"shanhai/model"
)

type holdings map[int64]int64

func (holdings) AddHold(context.Context, string, int64, int64) (int64, int64, error) {
	return 0, 0, nil
}
func (holdings) SubHold(context.Context, string, int64, int64) error { return nil }

func (h holdings) HeldUnits(_ context.Context, _ int64, ids []int64) (map[int64]int64, error) {
	if h == nil {
		return nil, errors.New("read without a cap")
	}
	out := map[int64]int64{}
	for _, id := range ids {
		if n, ok := h[id]; ok {
			out[id] = n
		}
	}
	return out, nil
}

// TestCheckCap: the cap counts what the buyer holds plus what it asks for,
// names the first SKU over it, and without a cap reads nothing.
func TestCheckCap(t *testing.T) {
	want := []model.StockChange{{SKUID: 1, Quantity: 3}, {SKUID: 2, Quantity: 5}, {SKUID: 3, Quantity: 9}}
	for _, tc := range []struct {
		name string
		cap  int64
		held holdings
		code string
	}{
		{"no cap", 0, nil, ""},
		{"under", 10, holdings{1: 7, 2: 5}, ""},
		{"at the cap", 10, holdings{1: 7, 2: 5, 3: 1}, ""},
		{"one over", 10, holdings{2: 6}, "sku_cap"},
		{"first over is named", 8, holdings{}, "sku_cap"},
	} {
		err := New(nil, tc.held, tc.cap).CheckCap(t.Context(), 1, want)
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
		if tc.name == "first over is named" && (me == nil || me.Message == "" || me.Message[:5] != "sku 3") {
			t.Errorf("%s: %v, want sku 3 named", tc.name, err)
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

package stats

import (
	"cmp"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"shanhai/service/sheet"
)

// Ratio is a completion: a decimal fraction kept exactly to four places
// (0.7340), computed and printed from integers; no float ever touches it.
// It is held as whole units and ten-thousandths, because num ÷ den of two
// int64 can be up to 2^63 whole units — more ten-thousandths than an int64
// holds (a large sale over a one-cent target must not wrap around).
// The zero value is 0; Ratios compare with == and Cmp.
type Ratio struct {
	neg   bool   // never set on zero
	whole uint64 // |value| whole units
	frac  uint16 // |value| ten-thousandths, 0–9999
}

// Completion is num ÷ den rounded half up (away from zero) to four places,
// or nil when den is not positive (no target, no reserved amount).
func Completion(num, den int64) *Ratio {
	if den <= 0 {
		return nil
	}
	// the common case in int64: |num| × 10000 × 2 + den cannot overflow
	const lim = 1 << 48
	if num > -lim && num < lim && den < 1<<61 {
		neg, n := num < 0, num
		if neg {
			n = -n
		}
		q := (2*n*10000 + den) / (2 * den)
		r := Ratio{neg: neg && q != 0, whole: uint64(q / 10000), frac: uint16(q % 10000)}
		return &r
	}
	n := new(big.Int).Mul(big.NewInt(num), big.NewInt(10000))
	neg := n.Sign() < 0
	n.Abs(n)
	// round(n / den) half up = floor((2n + den) / 2den)
	d := big.NewInt(den)
	n.Lsh(n, 1).Add(n, d)
	n.Quo(n, d.Lsh(d, 1))
	whole, frac := new(big.Int).QuoRem(n, big.NewInt(10000), new(big.Int))
	// |num ÷ den| ≤ 2^63, so whole fits a uint64
	r := Ratio{neg: neg && n.Sign() != 0, whole: whole.Uint64(), frac: uint16(frac.Uint64())}
	return &r
}

// Cmp is -1, 0 or +1 as r is less than, equal to or greater than o.
func (r Ratio) Cmp(o Ratio) int {
	if r.neg != o.neg {
		if r.neg {
			return -1
		}
		return 1
	}
	c := cmp.Compare(r.whole, o.whole)
	if c == 0 {
		c = cmp.Compare(r.frac, o.frac)
	}
	if r.neg {
		c = -c
	}
	return c
}

// String is the four-place decimal: "0.7340", "1.0500", "-0.0100".
func (r Ratio) String() string {
	frac := strconv.FormatUint(uint64(r.frac), 10)
	s := strconv.FormatUint(r.whole, 10) + "." + strings.Repeat("0", 4-len(frac)) + frac
	if r.neg {
		s = "-" + s
	}
	return s
}

// MarshalJSON writes the value as a JSON number with trailing zeros
// dropped: 0.734, 1, 0.05.
func (r Ratio) MarshalJSON() ([]byte, error) {
	s := r.String()
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "" || s == "-" {
		s = "0"
	}
	return []byte(s), nil
}

// UnmarshalJSON reads what MarshalJSON wrote (up to four places).
func (r *Ratio) UnmarshalJSON(b []byte) error {
	s := string(b)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 4 {
		return strconv.ErrSyntax
	}
	frac += strings.Repeat("0", 4-len(frac))
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return err
	}
	f, err := strconv.ParseUint(frac, 10, 16)
	if err != nil {
		return err
	}
	*r = Ratio{neg: neg && (w != 0 || f != 0), whole: w, frac: uint16(f)}
	return nil
}

// Yuan formats cents as yuan with two decimals: 12345 → "123.45",
// -5 → "-0.05".
func Yuan(cents int64) string { return sheet.FormatYuan(cents) }

// ranked orders items for a ranking — completion descending with nulls
// last, then amount descending, ties keeping their order — and gives each
// its rank: equal completion and amount share a rank (1, 2, 2, 4).
func ranked[T any](items []T, key func(*T) (*Ratio, int64), setRank func(*T, int)) {
	type k struct {
		i      int
		null   bool
		ratio  Ratio
		amount int64
	}
	keys := make([]k, len(items))
	for i := range items {
		r, amount := key(&items[i])
		keys[i] = k{i: i, null: r == nil, amount: amount}
		if r != nil {
			keys[i].ratio = *r
		}
	}
	cmp := func(a, b k) int {
		switch {
		case a.null != b.null:
			if a.null {
				return 1
			}
			return -1
		case a.ratio != b.ratio:
			return -a.ratio.Cmp(b.ratio)
		case a.amount != b.amount:
			if a.amount > b.amount {
				return -1
			}
			return 1
		}
		return 0
	}
	// ties in the items' order: what a stable sort gives, by a faster one
	slices.SortFunc(keys, func(a, b k) int {
		if c := cmp(a, b); c != 0 {
			return c
		}
		return a.i - b.i
	})
	sorted := make([]T, len(items))
	rank := 0
	for j, kk := range keys {
		if j == 0 || cmp(keys[j-1], kk) != 0 {
			rank = j + 1
		}
		sorted[j] = items[kk.i]
		setRank(&sorted[j], rank)
	}
	copy(items, sorted)
}

package stats

import (
	"cmp"
	"math/big"
	"math/bits"
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
	r, ok := completion(num, den)
	if !ok {
		return nil
	}
	return &r
}

// completion is Completion as a value, ok false where Completion is nil: a
// ranking of thousands of orgs keeps it in place rather than one allocation
// an org.
func completion(num, den int64) (Ratio, bool) {
	if den <= 0 {
		return Ratio{}, false
	}
	// the common case in int64: |num| × 10000 × 2 + den cannot overflow
	const lim = 1 << 48
	if num > -lim && num < lim && den < 1<<61 {
		neg, n := num < 0, num
		if neg {
			n = -n
		}
		q := (2*n*10000 + den) / (2 * den)
		return Ratio{neg: neg && q != 0, whole: uint64(q / 10000), frac: uint16(q % 10000)}, true
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
	return Ratio{neg: neg && n.Sign() != 0, whole: whole.Uint64(), frac: uint16(frac.Uint64())}, true
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
	copy(items, rankedTop(items, len(items), key, setRank))
}

// rankedTop is ranked for the first n places: the items that rank first (n
// at most, in a new slice), ordered and ranked as ranked orders and ranks
// them among all the items — a rank depends only on the items before it,
// and every item that ranks before a place is among the first. It keeps the
// n best in a heap rather than sorting all the items.
func rankedTop[T any](items []T, n int, key func(*T) (*Ratio, int64), setRank func(*T, int)) []T {
	n = max(0, min(n, len(items)))
	keys := make([]rankKey, 0, n)
	// a max-heap of the n best so far, the worst of them at the root
	down := func(j int) {
		for {
			c := 2*j + 1
			if c >= len(keys) {
				return
			}
			if c+1 < len(keys) && keys[c+1].cmp(keys[c]) > 0 {
				c++
			}
			if keys[j].cmp(keys[c]) >= 0 {
				return
			}
			keys[j], keys[c] = keys[c], keys[j]
			j = c
		}
	}
	for i := range items {
		r, amount := key(&items[i])
		k := newRankKey(r, amount, i)
		switch {
		case len(keys) < n:
			keys = append(keys, k)
			for j := len(keys) - 1; j > 0; {
				p := (j - 1) / 2
				if keys[p].cmp(keys[j]) >= 0 {
					break
				}
				keys[p], keys[j] = keys[j], keys[p]
				j = p
			}
		case n > 0 && k.cmp(keys[0]) < 0:
			keys[0] = k
			down(0)
		}
	}
	slices.SortFunc(keys, rankKey.cmp)
	out := make([]T, len(keys))
	rank := 0
	for j, k := range keys {
		if j == 0 || !keys[j-1].ties(k) {
			rank = j + 1
		}
		out[j] = items[k.i]
		setRank(&out[j], rank)
	}
	return out
}

// rankKey is an item's place in a ranking as plain integers: its completion
// as a 128-bit number that orders as the completions do (hi, lo: 2^127 +
// the completion in ten-thousandths, 0 for none, below every completion),
// its amount, and its index, which breaks ties.
type rankKey struct {
	hi, lo uint64
	amount int64
	i      int
}

func newRankKey(r *Ratio, amount int64, i int) rankKey {
	k := rankKey{amount: amount, i: i}
	if r == nil {
		return k
	}
	// |r| in ten-thousandths: under 2^64 × 10^4, so hi < 2^14
	hi, lo := bits.Mul64(r.whole, 10000)
	lo, carry := bits.Add64(lo, uint64(r.frac), 0)
	hi += carry
	if r.neg { // 2^127 − |r|: |r| > 0, so above 0
		var borrow uint64
		k.lo, borrow = bits.Sub64(0, lo, 0)
		k.hi = 1<<63 - hi - borrow
	} else { // 2^127 + |r|
		k.hi, k.lo = 1<<63|hi, lo
	}
	return k
}

// ties: the same completion (or none) and the same amount, a shared rank.
func (a rankKey) ties(b rankKey) bool { return a.hi == b.hi && a.lo == b.lo && a.amount == b.amount }

// cmp is negative when a ranks before b: completion descending, then amount
// descending, then the items' order.
func (a rankKey) cmp(b rankKey) int {
	switch {
	case a.hi != b.hi:
		return cmp.Compare(b.hi, a.hi)
	case a.lo != b.lo:
		return cmp.Compare(b.lo, a.lo)
	case a.amount != b.amount:
		return cmp.Compare(b.amount, a.amount)
	}
	return cmp.Compare(a.i, b.i)
}

package stats_test

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"shanhai/service/stats"
)

// TestCompletionFastPath: the int64 path of Completion agrees with exact
// rational arithmetic (half away from zero, four places) on random amounts
// of every size, around its bounds too.
func TestCompletionFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 13))
	exact := func(num, den int64) string {
		r := new(big.Rat).SetFrac64(num, den)
		return r.FloatString(4)
	}
	for i := 0; i < 200000; i++ {
		num := rng.Int64N(1<<uint(rng.IntN(63)) + 1)
		if rng.IntN(3) == 0 {
			num = -num
		}
		den := rng.Int64N(1<<uint(rng.IntN(63))+1) + 1
		if i%1000 == 0 {
			num, den = 1<<48-1-int64(i/1000), 1<<61-1
		}
		got := stats.Completion(num, den).String()
		want := exact(num, den)
		if want == "-0.0000" {
			want = "0.0000"
		}
		if got != want && !(strings.HasPrefix(want, "-0.0000") && got == "0.0000") {
			t.Fatalf("Completion(%d, %d) = %s, want %s", num, den, got, want)
		}
	}
}

package check

import "strings"

// creditCodeChars are the characters of a unified social credit code
// (统一社会信用代码, GB 32100-2015) in the order of their values: digits and
// capitals without I, O, S, V and Z.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights weigh the first 17 characters (3^i mod 31).
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeValid reports whether code, already upper-cased, is 18
// characters of the code's alphabet whose last is the check character.
func CreditCodeValid(code string) bool {
	if len(code) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, code[i])
		if v < 0 {
			return false
		}
		sum += v * creditCodeWeights[i]
	}
	want := (31 - sum%31) % 31
	return code[17] == creditCodeChars[want]
}

// CreditCodeCheck is the check character of the first 17 characters of a
// code (the demo data and tests make valid codes with it); 0 when they are
// not of the code's alphabet.
func CreditCodeCheck(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * creditCodeWeights[i]
	}
	return creditCodeChars[(31-sum%31)%31]
}

// CreditCode trims and upper-cases a credit code and checks it; empty is
// allowed unless required (a smallholder has none). It returns the
// normalised code.
func (f *Fields) CreditCode(field, v string, required bool) string {
	v = strings.ToUpper(strings.TrimSpace(v))
	switch {
	case v == "" && required:
		f.Add(field, "is required")
	case v == "":
	case len(v) != 18:
		f.Add(field, "must be an 18-character unified social credit code")
	case !CreditCodeValid(v):
		f.Add(field, "is not a valid unified social credit code (check character)")
	}
	return v
}

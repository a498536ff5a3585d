package check

import "testing"

func TestCreditCode(t *testing.T) {
	// Published codes of real organisations (their check characters were
	// computed by the issuing registry, not by this code).
	for _, code := range []string{"914403001922038216", "91330100716105852F", "9144030071526726XG", "91440300708461136T", "91110000802100433B"} {
		if !CreditCodeValid(code) {
			t.Errorf("%s: valid code refused", code)
		}
		if c := CreditCodeCheck(code[:17]); c != code[17] {
			t.Errorf("%s: check character %c, want %c", code, c, code[17])
		}
	}
	for _, code := range []string{
		"91330100716105852E", // wrong check character
		"91330100716105852",  // 17 characters
		"9133010071610585IF", // I is not in the alphabet
		"91330100716105852f", // lower case (normalise first)
		"",
	} {
		if CreditCodeValid(code) {
			t.Errorf("%q: invalid code accepted", code)
		}
	}
	var f Fields
	if got := f.CreditCode("c", " 91330100716105852f ", true); got != "91330100716105852F" || f.Err() != nil {
		t.Errorf("normalised %q, err %v", got, f.Err())
	}
	f.CreditCode("d", "", true)
	f.CreditCode("e", "", false)
	f.CreditCode("g", "91330100716105852E", false)
	if err := f.Err(); err == nil || len(f.errs) != 2 || f.errs[0].Field != "d" || f.errs[1].Field != "g" {
		t.Errorf("errors %+v", f.errs)
	}
}

package model

// CheckYear is the one rule for a calendar year the API takes (a target's,
// a filing's, a statistics query's): 2000 to 2100 inclusive.
func CheckYear(year int) error {
	if !ValidYear(year) {
		return Invalid(FieldError{Field: "year", Message: "must be a year between 2000 and 2100"})
	}
	return nil
}

// ValidYear is CheckYear as a test, for callers that gather field errors.
func ValidYear(year int) bool { return year >= 2000 && year <= 2100 }

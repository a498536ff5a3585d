package model

// CheckYear is the one year rule: the review years the product answers for.
func CheckYear(year int) error {
	if year < 2000 || year > 2100 {
		return Invalid(FieldError{Field: "year", Message: "must be a year between 2000 and 2100"})
	}
	return nil
}

// Package check validates request input and collects every bad field into
// one 422, so a client learns all its mistakes at once.
package check

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"shanhai/model"
)

// Fields collects field errors.
type Fields struct{ errs []model.FieldError }

// Add records a bad field.
func (f *Fields) Add(field, msg string) {
	f.errs = append(f.errs, model.FieldError{Field: field, Message: msg})
}

// Err is nil when every field was fine, else a 422 naming them.
func (f *Fields) Err() error {
	if len(f.errs) == 0 {
		return nil
	}
	return model.Invalid(f.errs...)
}

// Text trims v and requires 1..max characters of valid UTF-8 without control
// characters; it returns the trimmed value. encoding/json turns invalid bytes
// into U+FFFD before we see them, so the replacement character counts as
// invalid UTF-8 too: a name must never be stored with its bytes lost.
func (f *Fields) Text(field, v string, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case !validUTF8(v):
		f.Add(field, "must be valid UTF-8")
	case v == "":
		f.Add(field, "must not be empty")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "must be at most "+itoa(max)+" characters")
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		f.Add(field, "must not contain control characters")
	}
	return v
}

// OptionalText is Text for a field that may be empty.
func (f *Fields) OptionalText(field, v string, max int) string {
	if strings.TrimSpace(v) == "" {
		if !validUTF8(v) {
			f.Add(field, "must be valid UTF-8")
		}
		return ""
	}
	return f.Text(field, v, max)
}

// OneOf requires v to be one of allowed.
func (f *Fields) OneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	f.Add(field, "must be one of "+strings.Join(allowed, ", "))
}

// Range requires lo <= v <= hi.
func (f *Fields) Range(field string, v, lo, hi int64) {
	if v < lo || v > hi {
		f.Add(field, "must be between "+itoa64(lo)+" and "+itoa64(hi))
	}
}

// Year requires a plausible calendar year.
func (f *Fields) Year(field string, y int) {
	f.Range(field, int64(y), 2000, 2100)
}

// Date requires a YYYY-MM-DD date.
func (f *Fields) Date(field, v string) {
	if !model.ValidDate(v) {
		f.Add(field, "must be a date YYYY-MM-DD")
	}
}

// validUTF8: valid UTF-8 without U+FFFD, the mark of bytes already lost.
func validUTF8(v string) bool {
	return utf8.ValidString(v) && !strings.ContainsRune(v, utf8.RuneError)
}

func itoa(n int) string { return strconv.Itoa(n) }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

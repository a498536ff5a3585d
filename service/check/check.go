// Package check validates request input and collects every bad field into
// one 422, so a client learns all its mistakes at once.
package check

import (
	"context"
	"errors"
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
	if !model.ValidYear(y) {
		f.Add(field, "must be a year between 2000 and 2100")
	}
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

// Admin is the one test of "the actor must be an admin": a 403 otherwise.
// Admin-only operations call it first, inside their domain's method.
func Admin(actor *model.User) error {
	if actor == nil || actor.Role != model.RoleAdmin {
		return model.Forbidden("admins only")
	}
	return nil
}

// Merge adds the fields of a 422 (model.Invalid) to f, so a rule checked
// elsewhere (model.CheckYear) is reported with the rest; any other error is
// returned.
func (f *Fields) Merge(err error) error {
	var e *model.Error
	if errors.As(err, &e) && errors.Is(err, model.ErrInvalid) {
		f.errs = append(f.errs, e.Fields...)
		return nil
	}
	return err
}

// Duplicate turns a uniqueness conflict into a 422 on the field that clashed.
func Duplicate(err error, field string) error {
	if errors.Is(err, model.ErrConflict) {
		return model.Invalid(model.FieldError{Field: field, Message: "already exists"})
	}
	return err
}

// Regions is the reference data a region check reads.
type Regions interface {
	Region(ctx context.Context, code string) (*model.Region, error)
}

// Region checks a region code exists and is on the wanted side ("" = any);
// it returns the region, or nil with the field marked bad.
func Region(ctx context.Context, st Regions, f *Fields, field, code, side string) (*model.Region, error) {
	if code == "" {
		f.Add(field, "is required")
		return nil, nil
	}
	r, err := st.Region(ctx, code)
	if errors.Is(err, model.ErrNotFound) {
		f.Add(field, "no such region code")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if side != "" && r.Side != side {
		f.Add(field, "must be a "+side+"-side region")
	}
	return r, nil
}

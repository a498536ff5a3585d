package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Error kinds. Every error that reaches the API wraps exactly one of these;
// api.writeError maps a kind to an HTTP status. Never match on error text.
var (
	ErrInvalid      = errors.New("invalid")      // 422: well-formed but unacceptable input
	ErrBadRequest   = errors.New("bad request")  // 400: malformed input
	ErrNotFound     = errors.New("not found")    // 404: absent, or not visible to the caller
	ErrConflict     = errors.New("conflict")     // 409: state, stock or uniqueness conflict
	ErrForbidden    = errors.New("forbidden")    // 403
	ErrUnauthorized = errors.New("unauthorized") // 401
	ErrUnavailable  = errors.New("unavailable")  // 503: the database cannot be reached
	ErrRateLimited  = errors.New("rate limited") // 429, with Retry-After
)

// FieldError names one bad field of a request, e.g. "lines[0].quantity".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a detailed error: a kind, a stable machine code and a human message.
type Error struct {
	Kind    error
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfter tells a rate-limited client when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }
func (e *Error) Unwrap() error { return e.Kind }

// Invalid is a 422 naming the bad fields.
func Invalid(fields ...FieldError) error {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.Field + ": " + f.Message
	}
	msg := strings.Join(parts, "; ")
	return &Error{Kind: ErrInvalid, Code: "invalid", Message: msg, Fields: fields}
}

// BadRequest is a 400 with a code such as "malformed_query".
func BadRequest(code, format string, args ...any) error {
	return &Error{Kind: ErrBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is a 404 for the named kind of object.
func NotFound(what string) error {
	return &Error{Kind: ErrNotFound, Code: "not_found", Message: what + " not found"}
}

// Conflict is a 409 with a code such as "out_of_stock" or "duplicate".
func Conflict(code, format string, args ...any) error {
	return &Error{Kind: ErrConflict, Code: code, Message: fmt.Sprintf(format, args...)}
}

// RateLimited is a 429 telling the client to wait retry.
func RateLimited(retry time.Duration, format string, args ...any) error {
	return &Error{Kind: ErrRateLimited, Code: "rate_limited", Message: fmt.Sprintf(format, args...), RetryAfter: retry}
}

// Forbidden is a 403: the caller is known but may not do this.
func Forbidden(format string, args ...any) error {
	return &Error{Kind: ErrForbidden, Code: "forbidden", Message: fmt.Sprintf(format, args...)}
}

// Unauthorized is a 401: no credentials, or bad ones.
func Unauthorized(format string, args ...any) error {
	return &Error{Kind: ErrUnauthorized, Code: "unauthorized", Message: fmt.Sprintf(format, args...)}
}

// OutOfStock is the 409 of a SKU that cannot cover an order, naming it.
func OutOfStock(skuID int64) error {
	id := strconv.FormatInt(skuID, 10)
	return &Error{Kind: ErrConflict, Code: "out_of_stock", Message: "not enough stock of sku " + id,
		Fields: []FieldError{{Field: "sku_id", Message: id}}}
}

// CatalogueChanged is the 409 of an order priced from a copy of a SKU that
// changed before its stock was reserved (its price, tiers, product or
// supplier): the order service places it again from a fresh read, so a
// client sees it only when the SKU keeps changing.
func CatalogueChanged(skuID int64) error {
	id := strconv.FormatInt(skuID, 10)
	return &Error{Kind: ErrConflict, Code: "catalogue_changed",
		Message: "sku " + id + " changed while the order was placed; place it again",
		Fields:  []FieldError{{Field: "sku_id", Message: id}}}
}

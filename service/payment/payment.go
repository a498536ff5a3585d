// Package payment is the payment provider interface and the built-in
// sandbox. A provider either confirms a charge at once or answers
// "pending" and confirms later through a signed callback, as real providers
// do; refunds are payment records too.
package payment

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Result of a charge or refund request.
type Result struct {
	Status string // model.PaymentSucceeded, model.PaymentPending or model.PaymentFailed
	Ref    string // the provider's reference
}

// Provider moves money.
type Provider interface {
	Name() string
	// Charge asks for amount cents for payment id; deferred asks the
	// sandbox to wait for a callback instead of confirming at once.
	Charge(ctx context.Context, id, amount int64, deferred bool) (Result, error)
	Refund(ctx context.Context, id, amount int64) (Result, error)
	// Verify checks a callback body's signature.
	Verify(body []byte, signature string) bool
}

// Sandbox is the built-in provider: it confirms at once, or in deferred
// mode leaves the payment pending until POST /api/v1/payments/callback
// arrives signed with HMAC-SHA256 of the body under the payment secret.
type Sandbox struct {
	secret []byte
}

// NewSandbox returns the sandbox provider keyed by secret.
func NewSandbox(secret string) *Sandbox { return &Sandbox{secret: []byte(secret)} }

// Name implements Provider.
func (s *Sandbox) Name() string { return "sandbox" }

// Charge implements Provider.
func (s *Sandbox) Charge(_ context.Context, id, _ int64, deferred bool) (Result, error) {
	ref := "sbx-" + strconv.FormatInt(id, 10)
	if deferred {
		return Result{Status: "pending", Ref: ref}, nil
	}
	return Result{Status: "succeeded", Ref: ref}, nil
}

// Refund implements Provider: sandbox refunds succeed at once.
func (s *Sandbox) Refund(_ context.Context, id, _ int64) (Result, error) {
	return Result{Status: "succeeded", Ref: "sbx-refund-" + strconv.FormatInt(id, 10)}, nil
}

// Sign is the signature a callback body carries (hex HMAC-SHA256).
func (s *Sandbox) Sign(body []byte) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify implements Provider, in constant time.
func (s *Sandbox) Verify(body []byte, signature string) bool {
	want, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write(body)
	return hmac.Equal(m.Sum(nil), want)
}

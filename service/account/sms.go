package account

// SMS providers: how a sign-up, login or reset code reaches a phone. `log`
// writes it to the server log (demo and development); `webhook:<url>` POSTs
// it, signed, to the operator's SMS gateway. Without a provider the SMS
// routes answer 503 sms_unavailable.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"shanhai/model"
)

// SMS is a message to send: a code for a purpose, valid until ExpiresAt.
type SMS struct {
	Phone     string
	Code      string
	Purpose   string
	ExpiresAt time.Time
}

// Provider sends codes.
type Provider interface {
	Send(ctx context.Context, m SMS) error
}

// NewProvider builds the provider SHANHAI_SMS names ("" → nil, none).
func NewProvider(spec, secret string) (Provider, error) {
	switch {
	case spec == "":
		return nil, nil
	case spec == "log":
		return LogProvider{}, nil
	case strings.HasPrefix(spec, "webhook:"):
		return &Webhook{URL: strings.TrimPrefix(spec, "webhook:"), Secret: []byte(secret),
			Client: &http.Client{Timeout: 5 * time.Second}}, nil
	}
	return nil, fmt.Errorf("unknown SMS provider %q", spec)
}

// LogProvider writes the code to the server log, the number masked: for the
// demo and development only.
type LogProvider struct{}

// Send implements Provider.
func (LogProvider) Send(ctx context.Context, m SMS) error {
	slog.InfoContext(ctx, "sms code", "phone", model.MaskPhone(m.Phone), "purpose", m.Purpose,
		"code", m.Code, "expires_at", m.ExpiresAt.In(model.China).Format(time.RFC3339))
	return nil
}

// Webhook POSTs {"phone","code","purpose","expires_at"} to URL with
// X-Shanhai-Signature: hex HMAC-SHA256 of the body keyed with Secret.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client
}

// SignatureHeader carries the webhook body's HMAC.
const SignatureHeader = "X-Shanhai-Signature"

// Sign is the hex HMAC-SHA256 of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Send implements Provider: any answer but 2xx is a failure.
func (w *Webhook) Send(ctx context.Context, m SMS) error {
	body, err := json.Marshal(struct {
		Phone     string `json:"phone"`
		Code      string `json:"code"`
		Purpose   string `json:"purpose"`
		ExpiresAt string `json:"expires_at"`
	}{m.Phone, m.Code, m.Purpose, m.ExpiresAt.In(model.China).Format(time.RFC3339)})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(w.Secret, body))
	res, err := w.Client.Do(req)
	if err != nil {
		return fmt.Errorf("sms webhook: %w", err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("sms webhook: status %d", res.StatusCode)
	}
	return nil
}

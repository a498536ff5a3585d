package account

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"shanhai/model"
)

// TestWebhook: the gateway gets {"phone","code","purpose","expires_at"}
// signed with the secret; a gateway's refusal is an error.
func TestWebhook(t *testing.T) {
	secret := []byte("webhook-secret-0123456789")
	var got struct {
		body []byte
		sig  string
	}
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.body, _ = io.ReadAll(r.Body)
		got.sig = r.Header.Get(SignatureHeader)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	p, err := NewProvider("webhook:"+srv.URL, string(secret))
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2026, 5, 20, 10, 5, 0, 0, model.China)
	if err := p.Send(context.Background(), SMS{Phone: "13800138000", Code: "042917", Purpose: "register", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"phone": "13800138000", "code": "042917", "purpose": "register", "expires_at": "2026-05-20T10:05:00+08:00"}
	if len(body) != len(want) {
		t.Errorf("body %v, want %v", body, want)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %q, want %q", k, body[k], v)
		}
	}
	if got.sig != Sign(secret, got.body) || len(got.sig) != 64 || got.sig == Sign([]byte("other"), got.body) {
		t.Errorf("signature %q does not check out", got.sig)
	}
	status = http.StatusBadGateway
	if err := p.Send(context.Background(), SMS{Phone: "13800138000", Code: "1", Purpose: "login", ExpiresAt: exp}); err == nil {
		t.Error("a 502 from the gateway was taken as sent")
	}
	if p, err := NewProvider("", ""); p != nil || err != nil {
		t.Errorf("no provider: %v %v", p, err)
	}
}

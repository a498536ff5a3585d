package api_test

import (
	"bytes"
	"net/http"
	"regexp"
	"testing"

	"shanhai/model/store/storetest"
)

// TestSecurityHeaders: no answer may be sniffed into another type; answers to
// credentialed requests and to writes are kept by no cache; HTML pages carry
// the Content-Security-Policy and load nothing from another host.
func TestSecurityHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		seedWorld(t, h)
		login := h.call(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{
			"username": "org_admin", "password": password("org_admin")}))
		token := decode[loginResp](t, login).Token

		for _, tc := range []struct {
			name    string
			res     response
			noStore bool
		}{
			{"public read", h.get(t, v1+"/categories"), false},
			{"unknown route", h.getBad(t, "/no/such/route"), false},
			{"login (a write answering a token)", login, true},
			{"bad login", h.callBad(t, http.MethodPost, v1+"/auth/login", "", `{"username":"x","password":"wrong-pass"}`), true},
			{"authenticated read", h.call(t, http.MethodGet, v1+"/me", token, ""), true},
			{"forged token", h.callBad(t, http.MethodGet, v1+"/me", "forged", ""), true},
			{"docs page", h.get(t, "/docs"), false},
		} {
			if got := tc.res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", tc.name, got)
			}
			if got := tc.res.Header.Get("Cache-Control"); tc.noStore && got != "no-store" {
				t.Errorf("%s: Cache-Control = %q, want no-store", tc.name, got)
			}
		}

		docs := h.get(t, "/docs")
		const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
			"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"
		if got := docs.Header.Get("Content-Security-Policy"); got != csp {
			t.Errorf("/docs Content-Security-Policy = %q, want %q", got, csp)
		}
		// every script and stylesheet the page names is served by this binary
		for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllSubmatch(docs.Body, -1) {
			ref := string(m[1])
			if !bytes.HasPrefix(m[1], []byte("/")) || bytes.HasPrefix(m[1], []byte("//")) {
				t.Errorf("/docs loads %q from another host", ref)
				continue
			}
			if res := h.get(t, ref); len(res.Body) < 1000 {
				t.Errorf("/docs names %s, which answers only %d bytes", ref, len(res.Body))
			}
		}
	})
}

package api_test

// Accounts through the API: login, what a token must be to be accepted, how
// a token stops working, the failed-login limiter, the employer link, and
// request bodies that try to set what the client must not.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/account"
)

func TestAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		t.Run("login", func(t *testing.T) { testLogin(t, w) })
		t.Run("tokens", func(t *testing.T) { testTokens(t, w) })
		t.Run("revocation", func(t *testing.T) { testRevocation(t, w) })
		t.Run("usernames", func(t *testing.T) { testUsernames(t, w) })
		t.Run("employer link", func(t *testing.T) { testEmployerLink(t, w) })
		t.Run("mass assignment", func(t *testing.T) { testMassAssignment(t, w) })
	})
}

func testLogin(t *testing.T, w *world) {
	h := w.h
	before := time.Now()
	res := h.call(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{
		"username": "org_admin", "password": password("org_admin")}))
	wantStatus(t, res, http.StatusOK)
	got := decode[loginResp](t, res)
	u := w.users["org_admin"]
	if want := (userRefBody{ID: u.ID, Username: "org_admin", Role: model.RoleOrgAdmin, OrgID: &w.parent.ID}); got.User.ID != want.ID ||
		got.User.Username != want.Username || got.User.Role != want.Role || got.User.OrgID == nil ||
		*got.User.OrgID != *want.OrgID || got.User.SupplierID != nil {
		t.Errorf("user = %+v, want %+v", got.User, want)
	}
	exp, err := time.Parse(time.RFC3339, got.ExpiresAt)
	if err != nil || !strings.HasSuffix(got.ExpiresAt, "+08:00") {
		t.Errorf("expires_at = %q, want RFC 3339 in +08:00", got.ExpiresAt)
	}
	if d := exp.Sub(before); d < 14*time.Minute || d > 16*time.Minute {
		t.Errorf("expires_at is %v after login, want 15 minutes (SHANHAI_ACCESS_TTL)", d)
	}
	if got.RefreshToken == "" {
		t.Error("the login answer has no refresh_token")
	}
	me := decode[userBody](t, h.call(t, http.MethodGet, v1+"/me", got.Token, ""))
	if me.ID != u.ID || me.Role != model.RoleOrgAdmin {
		t.Errorf("GET /me = %+v, want user %d", me, u.ID)
	}

	// usernames are case-insensitive at login too
	login(t, h, "ORG_Admin", password("org_admin"))

	for _, tc := range []struct {
		name, body string
		wantStatus int
		wantCode   string
		wantFields []string
	}{
		{"wrong password", jsonBody(map[string]string{"username": "buyer", "password": "not-the-password"}), 401, "unauthorized", nil},
		{"unknown user", jsonBody(map[string]string{"username": "nobody", "password": "whatever-1"}), 401, "unauthorized", nil},
		{"password of another user", jsonBody(map[string]string{"username": "buyer", "password": password("admin")}), 401, "unauthorized", nil},
		{"empty", `{"username": "", "password": ""}`, 422, "invalid", []string{"username", "password"}},
		{"non-UTF-8 username", "{\"username\": \"bu\xffyer\", \"password\": \"x-password\"}", 422, "invalid", []string{"username"}},
		{"overlong username", jsonBody(map[string]string{"username": strings.Repeat("a", 65), "password": "x-password"}), 422, "invalid", []string{"username"}},
		{"unknown field", `{"username": "buyer", "password": "x", "role": "admin"}`, 400, "unknown_field", []string{"role"}},
		{"not JSON", `username=buyer`, 400, "malformed_json", nil},
		{"no body", ``, 400, "malformed_json", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.callBad(t, http.MethodPost, v1+"/auth/login", "", tc.body)
			wantError(t, res, tc.wantStatus, tc.wantCode, tc.wantFields...)
		})
	}
	// the two 401s do not tell which usernames exist
	a := decode[errorBody](t, h.callBad(t, http.MethodPost, v1+"/auth/login", "", `{"username": "buyer", "password": "wrong-pass"}`))
	b := decode[errorBody](t, h.callBad(t, http.MethodPost, v1+"/auth/login", "", `{"username": "nobody", "password": "wrong-pass"}`))
	if a.Error.Message != b.Error.Message {
		t.Errorf("wrong password says %q, unknown user says %q: they must not differ", a.Error.Message, b.Error.Message)
	}
}

// forge signs claims as the server would, with the method and key given.
func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return s
}

// goodClaims are the claims of a valid token for u, as of now.
func goodClaims(u *model.User, version int64) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"sub": strconv.FormatInt(u.ID, 10), "iss": "shanhai", "aud": []string{"shanhai-api"},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "ver": version}
}

func with(c jwt.MapClaims, key string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, x := range c {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

func testTokens(t *testing.T, w *world) {
	h := w.h
	u := w.users[model.RoleBuyer]
	ver := queryOne[int64](t, h, "SELECT token_version FROM users WHERE id = ?", u.ID)
	good := goodClaims(u, ver)
	key := []byte(testSecret)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// alg "none" signs with this sentinel key, which a verifier must never accept
	none := forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good)
	hs256 := forge(t, jwt.SigningMethodHS256, key, good)
	hs256Parts := strings.Split(hs256, ".")

	// The forgery is right: the same claims signed the server's way work.
	if res := h.call(t, http.MethodGet, v1+"/me", hs256, ""); res.Status != http.StatusOK {
		t.Fatalf("a correctly forged token: status %d, want 200 (the test's forgery is wrong); %s", res.Status, truncate(res.Body))
	}

	disabled := w.addUser(t, &model.User{Username: "disabled-one", Role: model.RoleConsumer, Disabled: true})
	for _, tc := range []struct {
		name, header string
	}{
		{"no header", ""},
		{"empty bearer", "Bearer "},
		{"basic scheme", "Basic " + hs256},
		{"lower-case scheme", "bearer " + hs256},
		{"garbage", "Bearer not.a.token"},
		{"alg none", "Bearer " + none},
		{"alg none, no signature", "Bearer " + jwtHeader(t, "none") + "." + hs256Parts[1] + "."},
		{"HS512 with the right key", "Bearer " + forge(t, jwt.SigningMethodHS512, key, good)},
		{"HS384 with the right key", "Bearer " + forge(t, jwt.SigningMethodHS384, key, good)},
		{"RS256", "Bearer " + forge(t, jwt.SigningMethodRS256, rsaKey, good)},
		{"another key", "Bearer " + forge(t, jwt.SigningMethodHS256, []byte("another-secret-of-the-same-length!!"), good)},
		{"tampered claims", "Bearer " + hs256Parts[0] + "." + forgeParts(t, with(good, "sub", strconv.FormatInt(w.users["admin"].ID, 10)))[1] + "." + hs256Parts[2]},
		{"expired", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "exp", time.Now().Add(-time.Hour).Unix()))},
		{"no exp", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "exp", nil))},
		{"not yet valid", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "nbf", time.Now().Add(time.Hour).Unix()))},
		{"issued in the future", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "iat", time.Now().Add(time.Hour).Unix()))},
		{"wrong issuer", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "iss", "someone-else"))},
		{"no issuer", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "iss", nil))},
		{"wrong audience", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "aud", []string{"another-api"}))},
		{"no audience", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "aud", nil))},
		{"old token version", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "ver", ver-1))},
		{"no token version", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "ver", nil))},
		{"unknown user", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "sub", "999999"))},
		{"subject not a number", "Bearer " + forge(t, jwt.SigningMethodHS256, key, with(good, "sub", "buyer"))},
		{"disabled user", "Bearer " + forge(t, jwt.SigningMethodHS256, key, goodClaims(disabled, 1))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(http.MethodGet, v1+"/me", "", "")
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			res := h.do(t, req, false)
			wantError(t, res, http.StatusUnauthorized, "unauthorized")
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", res.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

// jwtHeader is the encoded header {"alg": alg, "typ": "JWT"}.
func jwtHeader(t *testing.T, alg string) string {
	t.Helper()
	tok := jwt.New(jwt.SigningMethodHS256)
	tok.Header["alg"] = alg
	s, err := tok.SigningString()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(s, ".")[0]
}

// forgeParts is the header and claims of an unsigned token.
func forgeParts(t *testing.T, c jwt.MapClaims) []string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SigningString()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(s, ".")
}

// testRevocation: disabling a user, changing their role or their password
// invalidates every token they hold, at once.
func testRevocation(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	for _, tc := range []struct {
		name, patch string
	}{
		{"disable", `{"disabled": true}`},
		{"role change", `{"role": "officer"}`}, // an officer needs a region: given below
		{"password change", `{"password": "a-brand-new-password"}`},
		{"same role again", `{"role": "consumer"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			region := "330604"
			u := w.addUser(t, &model.User{Username: "revoke-" + strings.ReplaceAll(tc.name, " ", "-"),
				Role: model.RoleConsumer, RegionCode: &region})
			tok := login(t, h, u.Username, password(u.Username))
			wantStatus(t, h.call(t, http.MethodGet, v1+"/me", tok, ""), http.StatusOK)
			verBefore := queryOne[int64](t, h, "SELECT token_version FROM users WHERE id = ?", u.ID)

			res := h.call(t, http.MethodPatch, path(v1+"/admin/users", u.ID), admin, tc.patch)
			wantStatus(t, res, http.StatusOK)
			if got := queryOne[int64](t, h, "SELECT token_version FROM users WHERE id = ?", u.ID); got <= verBefore {
				t.Errorf("token_version = %d after %s, want above %d", got, tc.name, verBefore)
			}
			wantError(t, h.call(t, http.MethodGet, v1+"/me", tok, ""), http.StatusUnauthorized, "unauthorized")
		})
	}

	t.Run("new password works, old does not", func(t *testing.T) {
		u := w.users["victim"]
		h.call(t, http.MethodPatch, path(v1+"/admin/users", u.ID), admin, `{"password": "victim-new-password"}`)
		wantError(t, h.callBad(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{
			"username": "victim", "password": password("victim")})), http.StatusUnauthorized, "unauthorized")
		tok := login(t, h, "victim", "victim-new-password")
		wantStatus(t, h.call(t, http.MethodGet, v1+"/me", tok, ""), http.StatusOK)
		hash := queryOne[string](t, h, "SELECT password_hash FROM users WHERE id = ?", u.ID)
		if bcrypt.CompareHashAndPassword([]byte(hash), []byte("victim-new-password")) != nil {
			t.Errorf("stored hash %q is not the bcrypt hash of the new password", hash)
		}
	})

	t.Run("disabled, then enabled again", func(t *testing.T) {
		u := w.addUser(t, &model.User{Username: "gone-away", Role: model.RoleConsumer})
		tok := login(t, h, u.Username, password(u.Username))
		wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/admin/users", u.ID), admin, `{"disabled": true}`), http.StatusOK)
		wantError(t, h.callBad(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{
			"username": u.Username, "password": password(u.Username)})), http.StatusUnauthorized, "unauthorized")
		wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/admin/users", u.ID), admin, `{"disabled": false}`), http.StatusOK)
		// the token from before stays dead; a new login works
		wantError(t, h.call(t, http.MethodGet, v1+"/me", tok, ""), http.StatusUnauthorized, "unauthorized")
		wantStatus(t, h.call(t, http.MethodGet, v1+"/me", login(t, h, u.Username, password(u.Username)), ""), http.StatusOK)
	})

	t.Run("an admin cannot disable themself", func(t *testing.T) {
		res := h.callBad(t, http.MethodPatch, path(v1+"/admin/users", w.users["admin"].ID), admin, `{"disabled": true}`)
		wantError(t, res, http.StatusUnprocessableEntity, "invalid", "disabled")
		if queryOne[bool](t, h, "SELECT disabled FROM users WHERE id = ?", w.users["admin"].ID) {
			t.Error("the admin is disabled")
		}
	})
}

// testUsernames: unique case-insensitively; passwords stored as bcrypt hashes.
func testUsernames(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	res := h.call(t, http.MethodPost, v1+"/admin/users", admin, jsonBody(map[string]string{
		"username": "Zhang.Wei", "password": "zhang-wei-password", "role": model.RoleConsumer}))
	wantStatus(t, res, http.StatusCreated)
	created := decode[userBody](t, res)
	if created.Username != "Zhang.Wei" || created.Role != model.RoleConsumer || created.Disabled {
		t.Errorf("created = %+v", created)
	}
	for _, name := range []string{"zhang.wei", "ZHANG.WEI", " Zhang.Wei "} {
		res := h.callBad(t, http.MethodPost, v1+"/admin/users", admin, jsonBody(map[string]string{
			"username": name, "password": "another-password", "role": model.RoleConsumer}))
		wantError(t, res, http.StatusUnprocessableEntity, "invalid", "username")
	}
	if got := queryOne[int64](t, h, "SELECT COUNT(*) FROM users WHERE LOWER(username) = ?", "zhang.wei"); got != 1 {
		t.Errorf("%d users named zhang.wei in any case, want 1", got)
	}
	hash := queryOne[string](t, h, "SELECT password_hash FROM users WHERE id = ?", created.ID)
	if !strings.HasPrefix(hash, "$2") || strings.Contains(hash, "zhang-wei-password") ||
		bcrypt.CompareHashAndPassword([]byte(hash), []byte("zhang-wei-password")) != nil {
		t.Errorf("password_hash = %q, want a bcrypt hash of the password", hash)
	}
	login(t, h, "ZHANG.wei", "zhang-wei-password")

	// the longest usernames fit, in Chinese and in ASCII of either case
	for _, name := range []string{strings.Repeat("山", 64), strings.Repeat("Ab", 32)} {
		res := h.call(t, http.MethodPost, v1+"/admin/users", admin, jsonBody(map[string]string{
			"username": name, "password": "long-name-password", "role": model.RoleConsumer}))
		wantStatus(t, res, http.StatusCreated)
		if got := decode[userBody](t, res).Username; got != name {
			t.Errorf("username = %q, want %q", got, name)
		}
		login(t, h, strings.ToLower(name), "long-name-password")
	}

	// Names that read like another, or hide characters, are refused: only
	// ASCII letters, digits, '.', '_', '-' and Chinese characters, in their
	// plain form. Other scripts go too: a whole-script look-alike (Cyrillic
	// "ѕирріеr") would pass any mixed-script rule.
	for _, tc := range []struct{ name, username string }{
		{"zero-width space", "con\u200bsumer"},
		{"Cyrillic dze", "\u0455upplier"},
		{"Cyrillic name", strings.Repeat("Ж", 8)},
		{"dotted capital I", strings.Repeat("İ", 8)},
		{"fullwidth", "\uff43onsumer"},
		{"combining accent", "cafe\u0301"},
		{"precomposed accent", "m\u00e4rket.buyer"},
		{"ligature", "\ufb01nance"},
		{"Greek omicron", "c\u03bfnsumer"},
		{"space inside", "zhang wei"},
		{"colon", "zhang:wei"},
		{"slash", "zhang/wei"},
		{"too short", "ab"},
		{"too long", strings.Repeat("a", 65)},
		{"compatibility ideograph", "\uf900\u5c71\u5c71"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var username string
			if err := json.Unmarshal([]byte(`"`+tc.username+`"`), &username); err != nil {
				username = tc.username
			}
			res := h.callBad(t, http.MethodPost, v1+"/admin/users", admin, jsonBody(map[string]string{
				"username": username, "password": "look-alike-password", "role": model.RoleConsumer}))
			wantError(t, res, http.StatusUnprocessableEntity, "invalid", "username")
			if got := queryOne[int64](t, h, "SELECT COUNT(*) FROM users WHERE username = ?", username); got != 0 {
				t.Errorf("%d users named %q, want none", got, username)
			}
		})
	}
}

// TestLookalikeLogins: a name that reads like an account's logs in to no
// account, and meets that account's limit when it is the same name once
// normalised. MariaDB's utf8mb4_general_ci folds accents ("büyer" was
// "buyer", with a login-limit counter of its own), so this must pass there.
func TestLookalikeLogins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, model.China)}
		h := newHarness(t, b, withLoginLimit(account.NewMemoryAt(clock.now), 3))
		seedWorld(t, h)
		attempt := func(username, pass string) response {
			t.Helper()
			req := newRequest(http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{"username": username, "password": pass}))
			req.RemoteAddr = "192.0.2.44:1000"
			return h.do(t, req, true)
		}
		notIn := func(t *testing.T, res response, allowed ...int) {
			t.Helper()
			for _, code := range allowed {
				if res.Status == code {
					return
				}
			}
			t.Errorf("status = %d, want one of %v; body: %s", res.Status, allowed, res.Body)
		}
		// the right password, under names that are not the account's
		lookalikes := []string{"\u00e4pprover", "APPR\u00d6VER", "appr\u00f3ver", "appro\u200bver", "approver\u200b",
			"a\u0440prover", "approve\u0433", "\uff41pprover", "APPROVER\u0301", "appr\u1d52ver"}
		for _, raw := range lookalikes {
			var name string
			if err := json.Unmarshal([]byte(`"`+raw+`"`), &name); err != nil {
				t.Fatal(err)
			}
			t.Run("unlimited "+raw, func(t *testing.T) {
				wantError(t, attempt(name, password("approver")), http.StatusUnauthorized, "unauthorized")
			})
		}
		// the account itself still logs in (the fullwidth tries above counted
		// against it, under the limit)
		wantStatus(t, attempt("approver", password("approver")), http.StatusOK)

		// once the account is limited, no spelling of its name gets a fresh counter
		for i := 0; i < 3; i++ {
			wantStatus(t, attempt("buyer", "wrong-password"), http.StatusUnauthorized)
		}
		for _, raw := range []string{"b\u00fcyer", "B\u00dcYER", "b\u00f9yer", "buy\u00e9r", "\uff42\uff55\uff59\uff45\uff52",
			"BUYER", "bu\u200byer", "b\u0443yer", "buyer\u0301"} {
			var name string
			if err := json.Unmarshal([]byte(`"`+raw+`"`), &name); err != nil {
				t.Fatal(err)
			}
			t.Run("limited "+raw, func(t *testing.T) {
				notIn(t, attempt(name, password("buyer")), http.StatusUnauthorized, http.StatusTooManyRequests)
			})
		}
		// the fullwidth and upper-case spellings are the same account: limited
		wantError(t, attempt("\uff42\uff55\uff59\uff45\uff52", password("buyer")), http.StatusTooManyRequests, "rate_limited")
		wantError(t, attempt("BUYER", password("buyer")), http.StatusTooManyRequests, "rate_limited")
	})
}

// testEmployerLink: a consumer asks; only the org's org_admin sees and
// decides; until confirmed the link counts for nobody.
func testEmployerLink(t *testing.T, w *world) {
	h := w.h
	u := w.addUser(t, &model.User{Username: "li.na", Role: model.RoleConsumer})
	tok := w.token(t, "li.na")
	confirmedEmployer := func() *int64 {
		t.Helper()
		got, err := h.store.User(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.ConfirmedEmployer()
	}

	res := h.call(t, http.MethodPut, v1+"/me/employer", tok, jsonBody(map[string]int64{"org_id": w.parent.ID}))
	wantStatus(t, res, http.StatusOK)
	me := decode[userBody](t, res)
	if me.EmployerID == nil || *me.EmployerID != w.parent.ID || me.EmployerStatus != model.EmployerPending {
		t.Errorf("after the request: employer %v %q, want %d pending", me.EmployerID, me.EmployerStatus, w.parent.ID)
	}
	if got := queryOne[string](t, h, "SELECT employer_status FROM users WHERE id = ?", u.ID); got != model.EmployerPending {
		t.Errorf("stored employer_status = %q, want pending", got)
	}
	if got := confirmedEmployer(); got != nil {
		t.Errorf("ConfirmedEmployer() = %d while pending, want nil", *got)
	}

	employees := func(org *model.Org, caller, status string) []employeeBody {
		t.Helper()
		res := h.call(t, http.MethodGet, path(v1+"/orgs", org.ID, "employees?status="+status), w.token(t, caller), "")
		wantStatus(t, res, http.StatusOK)
		return decode[page[employeeBody]](t, res).Items
	}
	has := func(list []employeeBody, id int64) bool {
		for _, e := range list {
			if e.UserID == id {
				return true
			}
		}
		return false
	}
	if !has(employees(w.parent, model.RoleOrgAdmin, "pending"), u.ID) {
		t.Error("the org's org_admin does not see the pending request")
	}
	if has(employees(w.parent, model.RoleOrgAdmin, "confirmed"), u.ID) {
		t.Error("a pending request is listed as confirmed")
	}
	if has(employees(w.other, "other_admin", "pending"), u.ID) {
		t.Error("another org's admin sees the request in their own list")
	}

	// nobody but the org's org_admin (and admins) may see or decide
	for _, caller := range []string{"other_admin", "child_admin", model.RoleBuyer, model.RoleApprover, "li.na"} {
		wantError(t, h.call(t, http.MethodGet, path(v1+"/orgs", w.parent.ID, "employees?status=pending"), w.token(t, caller), ""),
			http.StatusNotFound, "not_found")
		wantError(t, h.call(t, http.MethodPost, path(v1+"/orgs", w.parent.ID, "employees", u.ID, "confirm"), w.token(t, caller), ""),
			http.StatusNotFound, "not_found")
	}
	// another org's admin, through their own org's path
	wantError(t, h.call(t, http.MethodPost, path(v1+"/orgs", w.other.ID, "employees", u.ID, "confirm"), w.token(t, "other_admin"), ""),
		http.StatusNotFound, "not_found")
	if got := confirmedEmployer(); got != nil {
		t.Errorf("ConfirmedEmployer() = %d after refused attempts, want nil", *got)
	}

	res = h.call(t, http.MethodPost, path(v1+"/orgs", w.parent.ID, "employees", u.ID, "confirm"), w.token(t, model.RoleOrgAdmin), "")
	wantStatus(t, res, http.StatusOK)
	if got := decode[employeeBody](t, res); got.UserID != u.ID || got.EmployerStatus != model.EmployerConfirmed {
		t.Errorf("confirm = %+v, want %d confirmed", got, u.ID)
	}
	if got := confirmedEmployer(); got == nil || *got != w.parent.ID {
		t.Errorf("ConfirmedEmployer() = %v after confirmation, want %d", got, w.parent.ID)
	}
	if !has(employees(w.parent, model.RoleOrgAdmin, "confirmed"), u.ID) {
		t.Error("the confirmed employee is not listed as confirmed")
	}
	wantError(t, h.callBad(t, http.MethodGet, path(v1+"/orgs", w.parent.ID, "employees?status=maybe"), w.token(t, model.RoleOrgAdmin), ""),
		http.StatusUnprocessableEntity, "invalid", "status")

	// asking another org starts over: pending, counting for nobody
	h.call(t, http.MethodPut, v1+"/me/employer", tok, jsonBody(map[string]int64{"org_id": w.other.ID}))
	if got := confirmedEmployer(); got != nil {
		t.Errorf("ConfirmedEmployer() = %d after asking another org, want nil", *got)
	}
	// refused counts for nobody either
	res = h.call(t, http.MethodPost, path(v1+"/orgs", w.other.ID, "employees", u.ID, "refuse"), w.token(t, "other_admin"), "")
	wantStatus(t, res, http.StatusOK)
	if got := confirmedEmployer(); got != nil {
		t.Errorf("ConfirmedEmployer() = %d after refusal, want nil", *got)
	}

	// only consumers link to an employer; unknown orgs are refused
	wantError(t, h.call(t, http.MethodPut, v1+"/me/employer", w.token(t, model.RoleBuyer), jsonBody(map[string]int64{"org_id": w.other.ID})),
		http.StatusForbidden, "forbidden")
	wantError(t, h.callBad(t, http.MethodPut, v1+"/me/employer", tok, `{"org_id": 999999}`),
		http.StatusUnprocessableEntity, "invalid", "org_id")
	// an org_admin cannot confirm a user who is not a consumer
	wantError(t, h.call(t, http.MethodPost, path(v1+"/orgs", w.parent.ID, "employees", w.users[model.RoleBuyer].ID, "confirm"),
		w.token(t, model.RoleOrgAdmin), ""), http.StatusNotFound, "not_found")
}

// testMassAssignment: fields a client must not set are refused (400
// unknown_field) and nothing is written; checked in the database.
func testMassAssignment(t *testing.T, w *world) {
	h := w.h
	admin := w.token(t, model.RoleAdmin)
	supplier := w.token(t, model.RoleSupplier)
	consumer := w.addUser(t, &model.User{Username: "wang.fang", Role: model.RoleConsumer})
	consumerTok := w.token(t, "wang.fang")
	count := func(query string, args ...any) func() int64 {
		return func() int64 { return queryOne[int64](t, h, query, args...) }
	}

	for _, tc := range []struct {
		name, method, target, token, body string
		wantField                         string
		// state is read before and after; it must not change
		state func() int64
	}{
		{"user with token_version", http.MethodPost, v1 + "/admin/users", admin,
			`{"username": "mallory", "password": "mallory-password", "role": "consumer", "token_version": 0}`, "token_version",
			count("SELECT COUNT(*) FROM users WHERE username_key = ?", "mallory")},
		{"user with id", http.MethodPost, v1 + "/admin/users", admin,
			`{"id": 1, "username": "mallory", "password": "mallory-password", "role": "consumer"}`, "id",
			count("SELECT COUNT(*) FROM users WHERE username_key = ?", "mallory")},
		{"user with disabled", http.MethodPost, v1 + "/admin/users", admin,
			`{"username": "mallory", "password": "mallory-password", "role": "consumer", "disabled": true}`, "disabled",
			count("SELECT COUNT(*) FROM users WHERE username_key = ?", "mallory")},
		{"user with password_hash", http.MethodPost, v1 + "/admin/users", admin,
			`{"username": "mallory", "password": "mallory-password", "role": "consumer", "password_hash": "$2a$04$x"}`, "password_hash",
			count("SELECT COUNT(*) FROM users WHERE username_key = ?", "mallory")},
		{"user with employer_status", http.MethodPost, v1 + "/admin/users", admin,
			`{"username": "mallory", "password": "mallory-password", "role": "consumer", "employer_id": 1, "employer_status": "confirmed"}`, "employer_id",
			count("SELECT COUNT(*) FROM users WHERE username_key = ?", "mallory")},
		{"user patch with username", http.MethodPatch, path(v1+"/admin/users", consumer.ID), admin,
			`{"username": "renamed"}`, "username",
			count("SELECT COUNT(*) FROM users WHERE username_key = ?", "renamed")},
		{"user patch with token_version", http.MethodPatch, path(v1+"/admin/users", consumer.ID), admin,
			`{"token_version": 1, "disabled": false}`, "token_version",
			count("SELECT token_version FROM users WHERE id = ?", consumer.ID)},
		{"employer with employer_status", http.MethodPut, v1 + "/me/employer", consumerTok,
			jsonBody(map[string]any{"org_id": w.parent.ID, "employer_status": "confirmed"}), "employer_status",
			count("SELECT COUNT(*) FROM users WHERE id = ? AND employer_id IS NOT NULL", consumer.ID)},
		{"employer with role", http.MethodPut, v1 + "/me/employer", consumerTok,
			jsonBody(map[string]any{"org_id": w.parent.ID, "role": "admin"}), "role",
			count("SELECT COUNT(*) FROM users WHERE id = ? AND role = 'admin'", consumer.ID)},
		{"product with supplier_id", http.MethodPost, v1 + "/supplier/products", supplier,
			jsonBody(map[string]any{"name": "偷梁换柱", "category": "tea", "supplier_id": w.supB.ID,
				"skus": []map[string]any{{"spec": "1kg", "unit": "袋", "price_cents": 100, "stock": 1}}}), "supplier_id",
			count("SELECT COUNT(*) FROM products WHERE name = ?", "偷梁换柱")},
		{"product with origin_code", http.MethodPost, v1 + "/supplier/products", supplier,
			jsonBody(map[string]any{"name": "偷梁换柱", "category": "tea", "origin_code": "330604",
				"skus": []map[string]any{{"spec": "1kg", "unit": "袋", "price_cents": 100, "stock": 1}}}), "origin_code",
			count("SELECT COUNT(*) FROM products WHERE name = ?", "偷梁换柱")},
		{"product with on_hand", http.MethodPost, v1 + "/supplier/products", supplier,
			jsonBody(map[string]any{"name": "偷梁换柱", "category": "tea", "on_hand": 5,
				"skus": []map[string]any{{"spec": "1kg", "unit": "袋", "price_cents": 100, "stock": 1}}}), "on_hand",
			count("SELECT COUNT(*) FROM products WHERE name = ?", "偷梁换柱")},
		{"product SKU with reserved", http.MethodPost, v1 + "/supplier/products", supplier,
			jsonBody(map[string]any{"name": "偷梁换柱", "category": "tea",
				"skus": []map[string]any{{"spec": "1kg", "unit": "袋", "price_cents": 100, "stock": 1, "reserved": -5}}}), "reserved",
			count("SELECT COUNT(*) FROM products WHERE name = ?", "偷梁换柱")},
		{"product patch with supplier_id", http.MethodPatch, path(v1+"/supplier/products", w.prodA), supplier,
			jsonBody(map[string]any{"brand": "x", "supplier_id": w.supB.ID}), "supplier_id",
			count("SELECT supplier_id FROM products WHERE id = ?", w.prodA)},
		{"SKU patch with on_hand", http.MethodPatch, path(v1+"/supplier/skus", w.skuA), supplier,
			`{"on_hand": 1000000}`, "on_hand",
			count("SELECT on_hand FROM skus WHERE id = ?", w.skuA)},
		{"SKU patch with reserved", http.MethodPatch, path(v1+"/supplier/skus", w.skuA), supplier,
			`{"stock_delta": 1, "reserved": 0}`, "reserved",
			count("SELECT on_hand FROM skus WHERE id = ?", w.skuA)},
		{"filing with status", http.MethodPut, path(v1+"/orgs", w.parent.ID, "filings", 2031), w.token(t, model.RoleOrgAdmin),
			`{"canteen_status": "has", "food_budget_cents": 1, "reserved_ratio_bp": 1000, "status": "approved"}`, "status",
			count("SELECT COUNT(*) FROM filings WHERE org_id = ? AND year = 2031", w.parent.ID)},
		{"filing with org_id", http.MethodPut, path(v1+"/orgs", w.parent.ID, "filings", 2031), w.token(t, model.RoleOrgAdmin),
			jsonBody(map[string]any{"canteen_status": "has", "food_budget_cents": 1, "reserved_ratio_bp": 1000, "org_id": w.other.ID}), "org_id",
			count("SELECT COUNT(*) FROM filings WHERE year = 2031")},
		{"supplier patch with region_code", http.MethodPatch, path(v1+"/admin/suppliers", w.spare.ID), admin,
			`{"status": "active", "region_code": "330604"}`, "region_code",
			count("SELECT COUNT(*) FROM suppliers WHERE region_code = '330604'")},
		{"org with id", http.MethodPost, v1 + "/admin/orgs", admin,
			jsonBody(map[string]any{"id": 424242, "name": "冒名单位", "kind": "canteen", "region_code": "330604"}), "id",
			count("SELECT COUNT(*) FROM orgs WHERE name = ?", "冒名单位")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.state()
			res := h.callBad(t, tc.method, tc.target, tc.token, tc.body)
			wantError(t, res, http.StatusBadRequest, "unknown_field", tc.wantField)
			if after := tc.state(); after != before {
				t.Errorf("state changed from %d to %d", before, after)
			}
		})
	}
}

// TestLoginLimiter: failed logins are limited per username and per client
// address. Past an account's limit even the right password gets 429 with
// Retry-After, until the window has passed; past an address's limit every
// failure gets 429, but the right password of an account that is not
// limited itself still logs in.
func TestLoginLimiter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, model.China)}
		h := newHarness(t, b, withLoginLimit(account.NewMemoryAt(clock.now), 3))
		seedWorld(t, h)
		attempt := func(username, pass, addr string) response {
			t.Helper()
			req := newRequest(http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{"username": username, "password": pass}))
			req.RemoteAddr = addr
			return h.do(t, req, true)
		}

		t.Run("per username", func(t *testing.T) {
			const addr = "192.0.2.10:40000"
			for i := 0; i < 3; i++ {
				wantStatus(t, attempt("buyer", "wrong-password", addr), http.StatusUnauthorized)
			}
			res := attempt("buyer", password("buyer"), addr)
			wantError(t, res, http.StatusTooManyRequests, "rate_limited")
			retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
			if err != nil || retry < 1 || retry > 15*60 {
				t.Errorf("Retry-After = %q, want seconds up to the 15-minute window", res.Header.Get("Retry-After"))
			}
			// the same username in another case, from elsewhere: still limited
			wantStatus(t, attempt("BUYER", password("buyer"), "198.51.100.7:1"), http.StatusTooManyRequests)
			// another user from the same address is not
			wantStatus(t, attempt("approver", password("approver"), addr), http.StatusOK)

			clock.advance(time.Duration(retry)*time.Second - 2*time.Second)
			wantStatus(t, attempt("buyer", password("buyer"), addr), http.StatusTooManyRequests)
			clock.advance(3 * time.Second)
			wantStatus(t, attempt("buyer", password("buyer"), addr), http.StatusOK)
		})

		t.Run("per client address", func(t *testing.T) {
			const addr = "203.0.113.5:5555"
			// 10× the username limit, spread over usernames that are never limited themselves
			for i := 0; i < 30; i++ {
				wantStatus(t, attempt("guess-"+strconv.Itoa(i%15), "wrong-password", addr), http.StatusUnauthorized)
			}
			// past the address's limit guessing stops: every failure is a 429,
			// for known and unknown names alike
			wantError(t, attempt("officer", "wrong-password", addr), http.StatusTooManyRequests, "rate_limited")
			wantError(t, attempt("guess-99", "wrong-password", addr), http.StatusTooManyRequests, "rate_limited")
			// but the right password of an account not limited itself still
			// logs in: one guesser behind an office's NAT does not lock out the office
			wantStatus(t, attempt("officer", password("officer"), addr), http.StatusOK)
			wantStatus(t, attempt("officer", password("officer"), "203.0.113.6:5555"), http.StatusOK)
			// while an account past its own limit stays refused, right password or not
			for i := 0; i < 3; i++ {
				attempt("approver", "wrong-password", "198.51.100.200:1")
			}
			wantError(t, attempt("approver", password("approver"), addr), http.StatusTooManyRequests, "rate_limited")
			clock.advance(16 * time.Minute)
			wantStatus(t, attempt("officer", "wrong-password", addr), http.StatusUnauthorized)
			wantStatus(t, attempt("officer", password("officer"), addr), http.StatusOK)
		})

		t.Run("X-Forwarded-For from an untrusted peer is ignored", func(t *testing.T) {
			const addr = "203.0.113.77:5555"
			for i := 0; i < 30; i++ {
				req := newRequest(http.MethodPost, v1+"/auth/login", "",
					jsonBody(map[string]string{"username": "guess-xff-" + strconv.Itoa(i%15), "password": "wrong-password"}))
				req.RemoteAddr = addr
				req.Header.Set("X-Forwarded-For", "10.9.8."+strconv.Itoa(i)) // a new "client" each time
				wantStatus(t, h.do(t, req, true), http.StatusUnauthorized)
			}
			wantError(t, attempt("officer", "wrong-password", addr), http.StatusTooManyRequests, "rate_limited")
			clock.advance(16 * time.Minute)
		})

		t.Run("successful logins do not count", func(t *testing.T) {
			for i := 0; i < 10; i++ {
				wantStatus(t, attempt("supplier", password("supplier"), "192.0.2.99:1"), http.StatusOK)
			}
		})
	})
}

// fakeClock is a time the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

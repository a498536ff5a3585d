package api_test

// Mall accounts through the API: SMS codes and their limits, sign-up, code
// login, reset, refresh-token rotation and reuse, the password change,
// addresses, the org directory and an org_admin's own users.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/account"
)

// codeBook is an SMS provider that remembers the last code sent per number
// and purpose, so a test can type it in as the phone's owner would.
type codeBook struct {
	mu    sync.Mutex
	codes map[string]string
}

var sentCodes = &codeBook{codes: map[string]string{}}

func (b *codeBook) Send(_ context.Context, m account.SMS) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[m.Phone+"/"+m.Purpose] = m.Code
	return nil
}

func (b *codeBook) last(phone, purpose string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.codes[phone+"/"+purpose]
}

// callerPhone is a mobile number of its own for each route and caller.
func callerPhone(route int, caller string) string {
	return fmt.Sprintf("139%04d%04d", route, slices.Index(callers, caller)+1)
}

// sendCode asks for a code from an address of the number's own (so the
// per-address limit of one test does not reach the next) and returns it.
func sendCode(t *testing.T, h *harness, phone, purpose string) string {
	t.Helper()
	res := h.sendCodeFrom(t, "198.51.100."+fmt.Sprint(int(phone[10]-'0')+10*int(phone[9]-'0'))+":4000", phone, purpose)
	wantStatus(t, res, http.StatusAccepted)
	code := sentCodes.last(phone, purpose)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		t.Fatalf("code sent to %s: %q, want 6 digits", phone, code)
	}
	return code
}

func (h *harness) sendCodeFrom(t *testing.T, addr, phone, purpose string) response {
	t.Helper()
	req := newRequest(http.MethodPost, v1+"/auth/sms-codes", "", jsonBody(map[string]string{"phone": phone, "purpose": purpose}))
	req.RemoteAddr = addr
	return h.do(t, req, true)
}

// phoneUser inserts a consumer with a mobile number.
func (w *world) phoneUser(t *testing.T, name, phone string) *model.User {
	t.Helper()
	return w.addUser(t, &model.User{Username: name, Role: model.RoleConsumer, Phone: &phone})
}

// loginAs logs a world user in with their password.
func loginAs(t *testing.T, h *harness, name string) loginResp {
	t.Helper()
	res := h.call(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{"username": name, "password": password(name)}))
	wantStatus(t, res, http.StatusOK)
	return decode[loginResp](t, res)
}

// addressOf saves an address for a world user (id 1 for anonymous).
func (w *world) addressOf(t *testing.T, caller string) int64 {
	t.Helper()
	u := w.users[caller]
	if u == nil {
		return 1
	}
	now := time.Now()
	a := &model.Address{UserID: u.ID, ReceiverName: "王小明", Phone: "13800001111", RegionCode: "330604",
		Detail: "百官街道人民西路1号", CreatedAt: now, UpdatedAt: now}
	if err := w.h.store.CreateAddress(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

type smsCodeBody struct {
	ExpiresAt string `json:"expires_at"`
}

type refreshBody struct {
	Token        string `json:"token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresAt    string `json:"expires_at"`
}

type addressBody struct {
	ID           int64  `json:"id"`
	ReceiverName string `json:"receiver_name"`
	Phone        string `json:"phone"`
	RegionCode   string `json:"region_code"`
	Detail       string `json:"detail"`
	Default      bool   `json:"default"`
	UpdatedAt    string `json:"updated_at"`
}

type directoryBody struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

// wantErr fails unless res has the status and error code.
func wantErr(t *testing.T, what string, res response, status int, code string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("%s: status = %d, want %d; body: %s", what, res.Status, status, truncate(res.Body))
	}
	if got := decode[errorBody](t, res).Error.Code; got != code {
		t.Fatalf("%s: code = %q, want %q", what, got, code)
	}
}

func TestSignUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		seedWorld(t, h)
		const phone = "13800138000"

		// a code: 202, six digits, five minutes
		before := time.Now()
		res := h.sendCodeFrom(t, "203.0.113.1:1000", phone, "register")
		wantStatus(t, res, http.StatusAccepted)
		exp, err := time.Parse(time.RFC3339, decode[smsCodeBody](t, res).ExpiresAt)
		if err != nil || exp.Sub(before) < 4*time.Minute || exp.Sub(before) > 6*time.Minute {
			t.Errorf("expires_at %v (%v), want 5 minutes on", exp, err)
		}
		code := sentCodes.last(phone, "register")
		// stored hashed: the code itself is nowhere in the table
		if n := countRows(t, h, "SELECT COUNT(*) FROM sms_codes WHERE phone = ? AND code_hash <> ? AND LENGTH(code_hash) = 64", phone, code); n != 1 {
			t.Errorf("sms_codes rows with a 64-hex hash for %s: %d, want 1", phone, n)
		}
		// a second code within the minute: 429 with Retry-After
		res = h.sendCodeFrom(t, "203.0.113.1:1000", phone, "login")
		wantErr(t, "second code within a minute", res, http.StatusTooManyRequests, "rate_limited")
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}

		for _, tc := range []struct{ what, phone string }{
			{"ten digits", "1380013800"}, {"twelve digits", "138001380000"}, {"starts 12", "12800138000"},
			{"starts 2", "23800138000"}, {"letters", "1380013800a"}, {"a landline", "05758888888"}, {"with +86", "+8613800138000"},
		} {
			res := h.callBad(t, http.MethodPost, v1+"/auth/sms-codes", "", jsonBody(map[string]string{"phone": tc.phone, "purpose": "register"}))
			wantErr(t, "sms code to "+tc.what, res, http.StatusUnprocessableEntity, "invalid")
			res = h.callBad(t, http.MethodPost, v1+"/auth/register", "", jsonBody(map[string]string{"phone": tc.phone, "code": "123456", "region_code": "330604"}))
			wantErr(t, "register "+tc.what, res, http.StatusUnprocessableEntity, "invalid")
		}
		res = h.callBad(t, http.MethodPost, v1+"/auth/sms-codes", "", `{"phone": "13800138001", "purpose": "shopping"}`)
		wantErr(t, "unknown purpose", res, http.StatusUnprocessableEntity, "invalid")

		register := func(phone, code, extra string) response {
			body := fmt.Sprintf(`{"phone": %q, "code": %q, "region_code": "330602"%s}`, phone, code, extra)
			return h.callBad(t, http.MethodPost, v1+"/auth/register", "", body)
		}
		// bad codes, each a 422 invalid_code, and no account made
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		wantErr(t, "wrong code", register(phone, wrong, ""), http.StatusUnprocessableEntity, "invalid_code")
		login := sendCode(t, h, "13800138001", "login")
		wantErr(t, "a login code used to register", register("13800138001", login, ""), http.StatusUnprocessableEntity, "invalid_code")
		wantErr(t, "another number's code", register("13800138002", code, ""), http.StatusUnprocessableEntity, "invalid_code")
		res = h.callBad(t, http.MethodPost, v1+"/auth/register", "", fmt.Sprintf(`{"phone": %q, "code": %q, "region_code": "999999"}`, phone, code))
		wantErr(t, "a region that does not exist", res, http.StatusUnprocessableEntity, "invalid")
		if n := countRows(t, h, "SELECT COUNT(*) FROM users WHERE phone IS NOT NULL"); n != 0 {
			t.Fatalf("%d accounts with a phone after refused sign-ups, want 0", n)
		}

		// the right code: a consumer, logged in, named after nothing of the number
		res = register(phone, code, "")
		wantStatus(t, res, http.StatusCreated)
		l := decode[loginResp](t, res)
		if l.User.Role != model.RoleConsumer || !strings.HasPrefix(l.User.Username, "u_") || l.RefreshToken == "" || l.Token == "" {
			t.Errorf("register: %+v", l)
		}
		for _, part := range []string{phone, phone[3:], phone[7:]} {
			if strings.Contains(l.User.Username, part) {
				t.Errorf("generated username %q contains %q of the number", l.User.Username, part)
			}
		}
		me := decode[userBody](t, h.call(t, http.MethodGet, v1+"/me", l.Token, ""))
		if me.Phone == nil || *me.Phone != "138****8000" || me.RegionConfirmed || me.RegionCode == nil || *me.RegionCode != "330602" {
			t.Errorf("GET /me after sign-up: phone %v, region %v confirmed %v; want 138****8000, 330602 unconfirmed", me.Phone, me.RegionCode, me.RegionConfirmed)
		}
		// signed up without a password: no password logs in
		wantErr(t, "a password for a passwordless account", h.call(t, http.MethodPost, v1+"/auth/login", "",
			jsonBody(map[string]string{"username": l.User.Username, "password": "!"})), http.StatusUnauthorized, "unauthorized")
		// the code is spent; the number is taken
		wantErr(t, "a used code", register(phone, code, ""), http.StatusConflict, "phone_taken")
		again := sendCode(t, h, "13800138003", "register")
		wantStatus(t, register("13800138003", again, `, "username": "lin_xiao"`), http.StatusCreated)
		wantErr(t, "the same code twice", register("13800138003", again, `, "username": "lin_xiao2"`), http.StatusConflict, "phone_taken")
		h.store.Gorm().Exec("UPDATE sms_quotas SET last_at = ?", time.Now().Add(-2*time.Minute).UTC())
		again = sendCode(t, h, "13800138003", "register")
		wantErr(t, "a registered phone registering again", register("13800138003", again, `, "username": "lin_xiao3"`), http.StatusConflict, "phone_taken")
		wantErr(t, "a username holding the number", register("13800138004", "123456", `, "username": "zhang13800138004"`), http.StatusUnprocessableEntity, "invalid")

		// an expired code
		exp4 := sendCode(t, h, "13800138004", "register")
		h.store.Gorm().Exec("UPDATE sms_codes SET expires_at = ? WHERE phone = ?", time.Now().Add(-time.Second).UTC(), "13800138004")
		wantErr(t, "an expired code", register("13800138004", exp4, ""), http.StatusUnprocessableEntity, "invalid_code")

		// five tries, then the code is dead even when right
		five := sendCode(t, h, "13800138005", "register")
		bad := "000000"
		if five == bad {
			bad = "111111"
		}
		for i := 0; i < 5; i++ {
			wantErr(t, "a wrong try", register("13800138005", bad, ""), http.StatusUnprocessableEntity, "invalid_code")
		}
		wantErr(t, "the right code after five wrong tries", register("13800138005", five, ""), http.StatusUnprocessableEntity, "invalid_code")

		// login by phone and code; an unknown number is a 401
		lc := sendCode(t, h, "13800138006", "login")
		wantErr(t, "login code of a number without account",
			h.call(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{"phone": "13800138006", "code": lc})),
			http.StatusUnauthorized, "unauthorized")
		h.store.Gorm().Exec("UPDATE sms_quotas SET last_at = ?", time.Now().Add(-2*time.Minute).UTC())
		lc = sendCode(t, h, phone, "login")
		res = h.call(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{"phone": phone, "code": lc}))
		wantStatus(t, res, http.StatusOK)
		byCode := decode[loginResp](t, res)
		if byCode.User.ID != l.User.ID || byCode.RefreshToken == "" {
			t.Errorf("login by code: %+v, want user %d with a refresh token", byCode, l.User.ID)
		}
		wantErr(t, "both pairs at once", h.call(t, http.MethodPost, v1+"/auth/login", "",
			jsonBody(map[string]string{"phone": phone, "code": lc, "username": "x", "password": "y"})), http.StatusUnprocessableEntity, "invalid")

		// reset: a new password, and every session ends
		h.store.Gorm().Exec("UPDATE sms_quotas SET last_at = ?", time.Now().Add(-2*time.Minute).UTC())
		rc := sendCode(t, h, phone, "reset")
		wantErr(t, "reset with a short password", h.callBad(t, http.MethodPost, v1+"/auth/reset", "",
			jsonBody(map[string]string{"phone": phone, "code": rc, "password": "short"})), http.StatusUnprocessableEntity, "invalid")
		wantStatus(t, h.call(t, http.MethodPost, v1+"/auth/reset", "", jsonBody(map[string]string{"phone": phone, "code": rc, "password": "brand-new-pass"})), http.StatusNoContent)
		wantErr(t, "a reset code used twice", h.call(t, http.MethodPost, v1+"/auth/reset", "",
			jsonBody(map[string]string{"phone": phone, "code": rc, "password": "brand-new-pass-2"})), http.StatusUnprocessableEntity, "invalid_code")
		wantStatus(t, h.call(t, http.MethodGet, v1+"/me", byCode.Token, ""), http.StatusUnauthorized)
		wantErr(t, "refresh after a reset", h.call(t, http.MethodPost, v1+"/auth/refresh", "",
			jsonBody(map[string]string{"refresh_token": byCode.RefreshToken})), http.StatusUnauthorized, "session_revoked")
		res = h.call(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{"username": l.User.Username, "password": "brand-new-pass"}))
		wantStatus(t, res, http.StatusOK)

		// per client address: 20 codes an hour, whatever the numbers
		for i := 0; i < 20; i++ {
			wantStatus(t, h.sendCodeFrom(t, "203.0.113.9:1", fmt.Sprintf("1370000%04d", i), "register"), http.StatusAccepted)
		}
		wantErr(t, "the 21st code from one address", h.sendCodeFrom(t, "203.0.113.9:1", "13700009999", "register"),
			http.StatusTooManyRequests, "rate_limited")
		// per number: ten a day, a minute apart
		for i := 0; i < 10; i++ {
			h.store.Gorm().Exec("UPDATE sms_quotas SET last_at = ?", time.Now().Add(-2*time.Minute).UTC())
			wantStatus(t, h.sendCodeFrom(t, fmt.Sprintf("203.0.113.%d:1", 100+i), "13600000000", "login"), http.StatusAccepted)
		}
		h.store.Gorm().Exec("UPDATE sms_quotas SET last_at = ?", time.Now().Add(-2*time.Minute).UTC())
		wantErr(t, "the 11th code of a day", h.sendCodeFrom(t, "203.0.113.200:1", "13600000000", "login"),
			http.StatusTooManyRequests, "rate_limited")
		if n := countRows(t, h, "SELECT COUNT(*) FROM sms_codes WHERE phone = ?", "13600000000"); n != 10 {
			t.Errorf("codes recorded for the number: %d, want 10", n)
		}
	})
}

// TestSMSUnavailable: without a provider (MySQL, SHANHAI_SMS unset) the SMS
// routes answer 503 sms_unavailable; the rest of the server works.
func TestSMSUnavailable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b, func(d *api.Deps, _ *store.Store) { d.Accounts.SetSMS(nil) })
		seedWorld(t, h)
		for _, tc := range []struct{ path, body string }{
			{"/auth/sms-codes", `{"phone": "13800138000", "purpose": "register"}`},
			{"/auth/register", `{"phone": "13800138000", "code": "123456", "region_code": "330604"}`},
			{"/auth/reset", `{"phone": "13800138000", "code": "123456", "password": "long-enough-1"}`},
			{"/auth/login", `{"phone": "13800138000", "code": "123456"}`},
		} {
			res := h.callBad(t, http.MethodPost, v1+tc.path, "", tc.body)
			wantErr(t, tc.path, res, http.StatusServiceUnavailable, "sms_unavailable")
		}
		loginAs(t, h, "login")
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		refresh := func(tok string) response {
			return h.call(t, http.MethodPost, v1+"/auth/refresh", "", jsonBody(map[string]string{"refresh_token": tok}))
		}

		first := loginAs(t, h, "login")
		exp, _ := time.Parse(time.RFC3339, first.ExpiresAt)
		if d := time.Until(exp); d < 14*time.Minute || d > 16*time.Minute {
			t.Errorf("access token lives %v, want 15 minutes", d)
		}
		res := refresh(first.RefreshToken)
		wantStatus(t, res, http.StatusOK)
		second := decode[refreshBody](t, res)
		if second.RefreshToken == first.RefreshToken || second.Token == "" {
			t.Fatalf("refresh did not rotate: %+v", second)
		}
		if me := decode[userBody](t, h.call(t, http.MethodGet, v1+"/me", second.Token, "")); me.ID != w.users["login"].ID {
			t.Errorf("the refreshed token is user %d's, want %d", me.ID, w.users["login"].ID)
		}
		// stored hashed: neither token is in the table
		if n := countRows(t, h, "SELECT COUNT(*) FROM refresh_tokens WHERE token_hash IN (?, ?)", first.RefreshToken, second.RefreshToken); n != 0 {
			t.Errorf("%d refresh tokens stored in the clear", n)
		}
		// replaying the spent token revokes the family: the new one dies too
		wantErr(t, "a replayed refresh token", refresh(first.RefreshToken), http.StatusUnauthorized, "refresh_reused")
		wantErr(t, "the family's current token after a replay", refresh(second.RefreshToken), http.StatusUnauthorized, "session_revoked")
		wantErr(t, "an unknown token", refresh("not-a-token"), http.StatusUnauthorized, "invalid_refresh_token")
		wantErr(t, "an empty token", refresh(""), http.StatusUnprocessableEntity, "invalid")

		// another user's family is untouched by all this
		other := loginAs(t, h, "victim")
		res = refresh(other.RefreshToken)
		wantStatus(t, res, http.StatusOK)
		if me := decode[userBody](t, h.call(t, http.MethodGet, v1+"/me", decode[refreshBody](t, res).Token, "")); me.ID != w.users["victim"].ID {
			t.Errorf("victim's refresh gave user %d", me.ID)
		}

		// logout revokes
		third := loginAs(t, h, "login")
		wantStatus(t, h.call(t, http.MethodPost, v1+"/auth/logout", "", jsonBody(map[string]string{"refresh_token": third.RefreshToken})), http.StatusNoContent)
		wantErr(t, "refresh after logout", refresh(third.RefreshToken), http.StatusUnauthorized, "session_revoked")
		wantErr(t, "logout with an unknown token", h.call(t, http.MethodPost, v1+"/auth/logout", "",
			jsonBody(map[string]string{"refresh_token": "nope"})), http.StatusUnauthorized, "invalid_refresh_token")

		// a disabled account cannot refresh
		fourth := loginAs(t, h, "victim")
		admin := w.token(t, model.RoleAdmin)
		wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/admin/users", w.users["victim"].ID), admin, `{"disabled": true}`), http.StatusOK)
		wantErr(t, "refresh of a disabled account", refresh(fourth.RefreshToken), http.StatusUnauthorized, "session_revoked")

		// the password change ends every other session, keeps the caller's
		a := loginAs(t, h, "login")
		b2 := loginAs(t, h, "login")
		wantErr(t, "wrong old password", h.call(t, http.MethodPut, v1+"/me/password", a.Token,
			`{"old_password": "not-it-at-all", "password": "new-password-1"}`), http.StatusUnprocessableEntity, "invalid")
		res = h.call(t, http.MethodPut, v1+"/me/password", a.Token,
			jsonBody(map[string]string{"old_password": password("login"), "password": "new-password-1"}))
		wantStatus(t, res, http.StatusOK)
		fresh := decode[refreshBody](t, res)
		wantStatus(t, h.call(t, http.MethodGet, v1+"/me", fresh.Token, ""), http.StatusOK)
		wantStatus(t, h.call(t, http.MethodGet, v1+"/me", a.Token, ""), http.StatusUnauthorized)
		wantStatus(t, h.call(t, http.MethodGet, v1+"/me", b2.Token, ""), http.StatusUnauthorized)
		wantErr(t, "the other session's refresh", refresh(b2.RefreshToken), http.StatusUnauthorized, "session_revoked")
		wantStatus(t, refresh(a.RefreshToken), http.StatusOK)
		res = h.call(t, http.MethodPost, v1+"/auth/login", "", jsonBody(map[string]string{"username": "login", "password": password("login")}))
		wantErr(t, "the old password", res, http.StatusUnauthorized, "unauthorized")
	})
}

// TestRefreshRace: ten refreshes of one token at once: exactly one rotates,
// and the others, replays, revoke the family, the winner's new token with it.
func TestRefreshRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		seedWorld(t, h)
		for round := 0; round < 5; round++ {
			l := loginAs(t, h, "login")
			body := jsonBody(map[string]string{"refresh_token": l.RefreshToken})
			results := make([]concRes, 10)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = concDo(h, http.MethodPost, v1+"/auth/refresh", "", "", body)
				}()
			}
			close(start)
			wg.Wait()
			var won []string
			labels := map[string]int{}
			for _, r := range results {
				labels[r.label()]++
				if r.status == http.StatusOK {
					var rb refreshBody
					decodeInto(t, r.body, &rb)
					won = append(won, rb.RefreshToken)
				}
			}
			if len(won) != 1 || labels["401 refresh_reused"]+labels["401 session_revoked"] != 9 {
				t.Fatalf("round %d: %v, want one 200 and nine 401", round, labels)
			}
			res := h.call(t, http.MethodPost, v1+"/auth/refresh", "", jsonBody(map[string]string{"refresh_token": won[0]}))
			wantErr(t, "the winner's token after the replays", res, http.StatusUnauthorized, "session_revoked")
			if n := countRows(t, h, "SELECT COUNT(*) FROM session_families WHERE user_id = ? AND revoked_at IS NULL", loginUserID(t, h)); n != 0 {
				t.Fatalf("round %d: %d live families after the race, want 0", round, n)
			}
		}
	})
}

func loginUserID(t *testing.T, h *harness) int64 {
	u, err := h.store.UserByUsername(context.Background(), "login")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestRegisterRace: two sign-ups of one number at once: exactly one 201.
func TestRegisterRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		seedWorld(t, h)
		for round := 0; round < 8; round++ {
			phone := fmt.Sprintf("1350000%04d", round)
			code := sendCode(t, h, phone, "register")
			results := make([]concRes, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = concDo(h, http.MethodPost, v1+"/auth/register", "", "", jsonBody(map[string]string{
						"phone": phone, "code": code, "region_code": "330604", "username": fmt.Sprintf("race_%d_%d", round, i)}))
				}()
			}
			close(start)
			wg.Wait()
			created := 0
			for _, r := range results {
				switch {
				case r.status == http.StatusCreated:
					created++
				case r.label() == "409 phone_taken", r.label() == "422 invalid_code":
				default:
					t.Errorf("round %d: %s %s", round, r.label(), r.body)
				}
			}
			if created != 1 {
				t.Fatalf("round %d: %d sign-ups created, want exactly 1", round, created)
			}
			if n := countRows(t, h, "SELECT COUNT(*) FROM users WHERE phone = ?", phone); n != 1 {
				t.Fatalf("round %d: %d accounts with %s, want 1", round, n, phone)
			}
		}
	})
}

func TestAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		tok := w.token(t, model.RoleConsumer)
		post := func(body string) response { return h.callBad(t, http.MethodPost, v1+"/me/addresses", tok, body) }
		addr := func(region, detail string, def bool) string {
			return fmt.Sprintf(`{"receiver_name": "王小明", "phone": "13800001111", "region_code": %q, "detail": %q, "default": %v}`, region, detail, def)
		}
		res := post(addr("330604", "百官街道人民西路1号", false))
		wantStatus(t, res, http.StatusCreated)
		first := decode[addressBody](t, res)
		if !first.Default || first.Phone != "13800001111" {
			t.Errorf("first address: %+v, want the default, phone in full", first)
		}
		res = post(addr("330602", "府山街道解放北路2号", false))
		wantStatus(t, res, http.StatusCreated)
		second := decode[addressBody](t, res)
		if second.Default {
			t.Errorf("a second address took the default")
		}
		defaults := func() []int64 {
			var ids []int64
			for _, a := range decode[page[addressBody]](t, h.call(t, http.MethodGet, v1+"/me/addresses", tok, "")).Items {
				if a.Default {
					ids = append(ids, a.ID)
				}
				if a.Phone != "138****1111" {
					t.Errorf("list phone %q, want masked", a.Phone)
				}
			}
			return ids
		}
		wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/me/addresses", second.ID), tok, `{"default": true}`), http.StatusOK)
		if got := defaults(); len(got) != 1 || got[0] != second.ID {
			t.Errorf("defaults = %v, want [%d]", got, second.ID)
		}
		for _, tc := range []struct{ what, body string }{
			{"a region code that does not exist", addr("330699", "x", false)},
			{"not six digits", addr("3306", "x", false)},
			{"a province", addr("330000", "x", false)},
			{"a city with counties", addr("330600", "x", false)},
			{"not a mobile number", `{"receiver_name": "王", "phone": "12345", "region_code": "330604", "detail": "x"}`},
			{"no receiver", `{"phone": "13800001111", "region_code": "330604", "detail": "x"}`},
		} {
			wantErr(t, tc.what, post(tc.body), http.StatusUnprocessableEntity, "invalid")
		}
		wantErr(t, "default false", h.callBad(t, http.MethodPatch, path(v1+"/me/addresses", second.ID), tok, `{"default": false}`),
			http.StatusUnprocessableEntity, "invalid")
		wantErr(t, "a change to a missing region", h.callBad(t, http.MethodPatch, path(v1+"/me/addresses", second.ID), tok, `{"region_code": "999999"}`),
			http.StatusUnprocessableEntity, "invalid")
		if n := countRows(t, h, "SELECT COUNT(*) FROM addresses WHERE user_id = ?", w.users[model.RoleConsumer].ID); n != 2 {
			t.Errorf("%d addresses after refused ones, want 2", n)
		}
		// another user's address is none of theirs
		buyer := w.token(t, model.RoleBuyer)
		wantStatus(t, h.call(t, http.MethodGet, path(v1+"/me/addresses", first.ID), buyer, ""), http.StatusNotFound)
		wantStatus(t, h.call(t, http.MethodDelete, path(v1+"/me/addresses", first.ID), buyer, ""), http.StatusNotFound)

		// an order copies the address; later edits do not reach it
		g := w.orderGoods(t)
		place := func(token, key, body string) response {
			return h.callBadWith(t, http.MethodPost, v1+"/orders", token, body, map[string]string{"Idempotency-Key": key})
		}
		res = place(tok, "addr-1", fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 1}], "address_id": %d}`, g.skuA, second.ID))
		wantStatus(t, res, http.StatusCreated)
		var placed struct {
			ID int64 `json:"id"`
		}
		decodeInto(t, res.Body, &placed)
		wantStatus(t, h.call(t, http.MethodPatch, path(v1+"/me/addresses", second.ID), tok, `{"detail": "搬走了"}`), http.StatusOK)
		var o struct {
			Address *string `json:"address"`
			Phone   *string `json:"phone"`
		}
		decodeInto(t, h.call(t, http.MethodGet, path(v1+"/orders", placed.ID), tok, "").Body, &o)
		if o.Address == nil || !strings.Contains(*o.Address, "王小明") || !strings.Contains(*o.Address, "越城区府山街道解放北路2号") ||
			o.Phone == nil || *o.Phone != "13800001111" {
			t.Errorf("order address %v phone %v, want the copy of address %d", o.Address, o.Phone, second.ID)
		}
		wantErr(t, "another user's address on an order", place(buyer, "addr-2",
			fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 1}], "address_id": %d}`, g.skuA, second.ID)), http.StatusUnprocessableEntity, "invalid")
		wantErr(t, "address and address_id", place(tok, "addr-3",
			fmt.Sprintf(`{"lines": [{"sku_id": %d, "quantity": 1}], "address_id": %d, "address": "别处"}`, g.skuA, second.ID)), http.StatusUnprocessableEntity, "invalid")

		// checkout takes a saved address too
		wantStatus(t, h.call(t, http.MethodPut, v1+"/cart", tok, fmt.Sprintf(`{"items": [{"sku_id": %d, "quantity": 1}]}`, g.skuB)), http.StatusOK)
		res = h.callWith(t, http.MethodPost, v1+"/cart/checkout", tok, fmt.Sprintf(`{"address_id": %d}`, first.ID),
			map[string]string{"Idempotency-Key": "addr-checkout"})
		wantStatus(t, res, http.StatusCreated)
		var co struct {
			Orders []struct {
				ID int64 `json:"id"`
			} `json:"orders"`
		}
		decodeInto(t, res.Body, &co)
		if len(co.Orders) != 1 {
			t.Fatalf("checkout: %s", res.Body)
		}
		decodeInto(t, h.call(t, http.MethodGet, path(v1+"/orders", co.Orders[0].ID), tok, "").Body, &o)
		if o.Address == nil || !strings.Contains(*o.Address, "上虞区百官街道人民西路1号") {
			t.Errorf("checkout order address %v, want the copy of address %d", o.Address, first.ID)
		}

		// deleting the default hands it to the newest remaining address
		wantStatus(t, h.call(t, http.MethodDelete, path(v1+"/me/addresses", second.ID), tok, ""), http.StatusNoContent)
		if got := defaults(); len(got) != 1 || got[0] != first.ID {
			t.Errorf("defaults after deleting the default = %v, want [%d]", got, first.ID)
		}
		// officers keep none
		wantStatus(t, h.call(t, http.MethodGet, v1+"/me/addresses", w.token(t, model.RoleOfficer), ""), http.StatusForbidden)
	})
}

func TestPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		ctx := context.Background()
		lonely := &model.Org{Name: "上虞区无管理员单位", Kind: model.OrgEnterprise, RegionCode: "330604", PaymentTerms: model.TermsPrepay}
		if err := h.store.CreateOrg(ctx, lonely); err != nil {
			t.Fatal(err)
		}
		tok := w.token(t, model.RoleConsumer)
		list := func(q string) []directoryBody {
			res := h.call(t, http.MethodGet, v1+"/orgs/directory"+q, tok, "")
			wantStatus(t, res, http.StatusOK)
			return decode[page[directoryBody]](t, res).Items
		}
		ids := func(items []directoryBody) []int64 {
			var out []int64
			for _, it := range items {
				out = append(out, it.ID)
			}
			return out
		}
		if got, want := ids(list("")), []int64{w.parent.ID, w.child.ID, w.other.ID}; !slices.Equal(got, want) {
			t.Errorf("directory = %v, want %v (orgs with an org_admin)", got, want)
		}
		if got, want := ids(list("?region=330603")), []int64{w.other.ID}; !slices.Equal(got, want) {
			t.Errorf("directory in 柯桥 = %v, want %v", got, want)
		}
		if got, want := ids(list("?region=330600&q=中学")), []int64{w.child.ID}; !slices.Equal(got, want) {
			t.Errorf("directory in 绍兴 named 中学 = %v, want %v", got, want)
		}
		if got := list("?q=%25"); len(got) != 0 {
			t.Errorf("a %% in q matched %v", ids(got))
		}
		wantStatus(t, h.callBad(t, http.MethodGet, v1+"/orgs/directory?region=33", tok, ""), http.StatusUnprocessableEntity)

		admin := w.token(t, model.RoleOrgAdmin) // of w.parent
		orgUsers := path(v1+"/orgs", w.parent.ID, "users")
		res := h.call(t, http.MethodPost, orgUsers, admin, jsonBody(map[string]string{"username": "new_buyer", "password": password("new_buyer"), "role": "buyer"}))
		wantStatus(t, res, http.StatusCreated)
		nb := decode[userBody](t, res)
		if nb.Role != model.RoleBuyer || nb.OrgID == nil || *nb.OrgID != w.parent.ID {
			t.Errorf("created %+v", nb)
		}
		loginAs(t, h, "new_buyer")
		for _, role := range []string{model.RoleOrgAdmin, model.RoleAdmin, model.RoleConsumer, model.RoleSupplier} {
			res := h.callBad(t, http.MethodPost, orgUsers, admin, fmt.Sprintf(`{"username": "x_%s", "password": "long-enough-1", "role": %q}`, role, role))
			wantErr(t, "an org_admin making a "+role, res, http.StatusForbidden, "forbidden")
		}
		wantErr(t, "another org's org_admin", h.call(t, http.MethodPost, orgUsers, w.token(t, "other_admin"),
			`{"username": "intruder", "password": "long-enough-1", "role": "buyer"}`), http.StatusForbidden, "forbidden")
		// disable: the user's tokens and sessions end
		nbLogin := loginAs(t, h, "new_buyer")
		wantStatus(t, h.call(t, http.MethodPatch, path(orgUsers, nb.ID), admin, `{"disabled": true}`), http.StatusOK)
		wantStatus(t, h.call(t, http.MethodGet, v1+"/me", nbLogin.Token, ""), http.StatusUnauthorized)
		wantStatus(t, h.call(t, http.MethodPost, v1+"/auth/refresh", "", jsonBody(map[string]string{"refresh_token": nbLogin.RefreshToken})), http.StatusUnauthorized)
		// never another org's, never another role
		otherBuyer := w.addUser(t, &model.User{Username: "kq_staff", Role: model.RoleBuyer, OrgID: &w.other.ID})
		wantErr(t, "another org's buyer", h.call(t, http.MethodPatch, path(orgUsers, otherBuyer.ID), admin, `{"disabled": true}`), http.StatusNotFound, "not_found")
		wantErr(t, "another org's buyer through its own path", h.call(t, http.MethodPatch, path(v1+"/orgs", w.other.ID, "users", otherBuyer.ID), admin, `{"disabled": true}`), http.StatusForbidden, "forbidden")
		wantErr(t, "a fellow org_admin", h.call(t, http.MethodPatch, path(orgUsers, w.users[model.RoleOrgAdmin].ID), admin, `{"disabled": true}`), http.StatusForbidden, "forbidden")
		wantErr(t, "promoting to org_admin", h.callBad(t, http.MethodPatch, path(orgUsers, w.users[model.RoleBuyer].ID), admin, `{"role": "org_admin"}`), http.StatusForbidden, "forbidden")
		if u, _ := h.store.User(ctx, otherBuyer.ID); u.Disabled {
			t.Error("another org's buyer was disabled")
		}
	})
}

// decodeInto unmarshals a body into a partial view of it.
func decodeInto(t *testing.T, body []byte, into any) {
	t.Helper()
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("decode %T: %v; body: %s", into, err, truncate(body))
	}
}

// TestDefaultAddressRace: one user making eight addresses the default at
// once ends with exactly one default; each answer is a 200 or a 409.
func TestDefaultAddressRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		tok := w.token(t, model.RoleConsumer)
		uid := w.users[model.RoleConsumer].ID
		for round := 0; round < 5; round++ {
			var ids []int64
			for i := 0; i < 8; i++ {
				ids = append(ids, w.addressOf(t, model.RoleConsumer))
			}
			results := make([]concRes, len(ids))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = concDo(h, http.MethodPatch, path(v1+"/me/addresses", id), tok, "", `{"default": true}`)
				}()
			}
			close(start)
			wg.Wait()
			for _, r := range results {
				if r.status != http.StatusOK && r.status != http.StatusConflict {
					t.Errorf("round %d: %s %s", round, r.label(), r.body)
				}
			}
			if n := countRows(t, h, "SELECT COUNT(*) FROM addresses WHERE user_id = ? AND default_mark = 1", uid); n != 1 {
				t.Fatalf("round %d: %d default addresses, want exactly 1", round, n)
			}
		}
	})
}

// TestSMSLimitsConcurrently: the send limits are rows every replica updates,
// so two replicas over one database, sent to at once, still hold them: of
// 24 codes for one number, one goes out; of 40 codes from one address to 40
// numbers, twenty do.
func TestSMSLimitsConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		replicas := []*harness{newHarness(t, b), newHarness(t, b)}
		send := func(n int, addr func(i int) string, phone func(i int) string) map[int]int {
			statuses := make([]int, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req := newRequest(http.MethodPost, v1+"/auth/sms-codes", "",
						jsonBody(map[string]string{"phone": phone(i), "purpose": "login"}))
					req.RemoteAddr = addr(i)
					rec := httptest.NewRecorder()
					<-start
					replicas[i%2].engine.ServeHTTP(rec, req)
					statuses[i] = rec.Code
				}()
			}
			close(start)
			wg.Wait()
			out := map[int]int{}
			for _, s := range statuses {
				out[s]++
			}
			return out
		}
		got := send(24, func(i int) string { return fmt.Sprintf("203.0.113.%d:1", i) }, func(int) string { return "13300000000" })
		if got[http.StatusAccepted] != 1 || got[http.StatusTooManyRequests] != 23 {
			t.Errorf("24 codes for one number at once: %v, want one 202 and 23 429", got)
		}
		got = send(40, func(int) string { return "198.18.0.1:1" }, func(i int) string { return fmt.Sprintf("1330000%04d", 100+i) })
		if got[http.StatusAccepted] != model.SMSPerAddrHour || got[http.StatusTooManyRequests] != 40-model.SMSPerAddrHour {
			t.Errorf("40 codes from one address at once: %v, want %d 202", got, model.SMSPerAddrHour)
		}
		if n := countRows(t, replicas[0], "SELECT COUNT(*) FROM sms_codes"); n != 1+model.SMSPerAddrHour {
			t.Errorf("%d codes recorded, want %d", n, 1+model.SMSPerAddrHour)
		}
	})
}

package account

// Tokens at the service: what Authenticate accepts, judged on tokens the
// test forges with golang-jwt itself, and on the service's own clock.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

const secret = "account-test-secret-0123456789abcdef"

// fixture is a service over a fresh database, with its clock in the test's hands.
type fixture struct {
	svc   *Service
	now   time.Time
	admin *model.User
}

func newFixture(t *testing.T, b storetest.Backend, counter Counter, limit int) *fixture {
	t.Helper()
	f := &fixture{now: time.Date(2026, 5, 20, 10, 0, 0, 0, model.China)}
	f.svc = New(b.Store, secret, counter, limit)
	f.svc.SetHashCost(bcrypt.MinCost)
	f.svc.now = func() time.Time { return f.now }
	ctx := context.Background()
	if ok, err := f.svc.Bootstrap(ctx, "root", "root-password-1"); err != nil || !ok {
		t.Fatalf("bootstrap: %v %v", ok, err)
	}
	admin, err := b.Store.UserByUsername(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	f.admin = admin
	return f
}

func (f *fixture) user(t *testing.T, name, role string) *model.User {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), f.admin, NewUser{Username: name, Password: name + "-password", Role: role})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return u
}

func (f *fixture) login(t *testing.T, u *model.User) string {
	t.Helper()
	l, err := f.svc.Login(context.Background(), u.Username, u.Username+"-password", "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", u.Username, err)
	}
	return l.Token
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", m.Alg(), err)
	}
	return s
}

func TestAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		u := f.user(t, "buyer-less", model.RoleConsumer)
		now := f.now
		claims := func(mod map[string]any) jwt.MapClaims {
			c := jwt.MapClaims{"sub": strconv.FormatInt(u.ID, 10), "iss": "shanhai", "aud": []string{"shanhai-api"},
				"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "ver": u.TokenVersion}
			for k, v := range mod {
				if v == nil {
					delete(c, k)
				} else {
					c[k] = v
				}
			}
			return c
		}
		key := []byte(secret)
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
		publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		good := sign(t, jwt.SigningMethodHS256, key, claims(nil))
		parts := strings.Split(good, ".")

		for _, tc := range []struct {
			name    string
			token   string
			wantErr error
		}{
			{"valid", good, nil},
			{"valid, issued within the leeway ahead", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"iat": now.Add(20 * time.Second).Unix()})), nil},
			{"own login token", f.login(t, u), nil},
			{"empty", "", model.ErrUnauthorized},
			{"garbage", "a.b.c", model.ErrUnauthorized},
			{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), model.ErrUnauthorized},
			{"alg none, signature stripped", parts[0] + "." + parts[1] + ".", model.ErrUnauthorized},
			{"HS512 with the right key", sign(t, jwt.SigningMethodHS512, key, claims(nil)), model.ErrUnauthorized},
			{"HS384 with the right key", sign(t, jwt.SigningMethodHS384, key, claims(nil)), model.ErrUnauthorized},
			{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil)), model.ErrUnauthorized},
			{"PS256", sign(t, jwt.SigningMethodPS256, rsaKey, claims(nil)), model.ErrUnauthorized},
			{"ES256", sign(t, jwt.SigningMethodES256, ecKey, claims(nil)), model.ErrUnauthorized},
			// the classic confusion: HS256 keyed with a public key the attacker knows
			{"HS256 keyed with an RSA public key", sign(t, jwt.SigningMethodHS256, publicPEM, claims(nil)), model.ErrUnauthorized},
			{"another key", sign(t, jwt.SigningMethodHS256, []byte("not-the-server-secret-0123456789ab"), claims(nil)), model.ErrUnauthorized},
			{"empty key", sign(t, jwt.SigningMethodHS256, []byte{}, claims(nil)), model.ErrUnauthorized},
			{"tampered payload", parts[0] + "." + strings.Split(sign(t, jwt.SigningMethodHS256, key,
				claims(map[string]any{"sub": strconv.FormatInt(f.admin.ID, 10)})), ".")[1] + "." + parts[2], model.ErrUnauthorized},
			{"expired", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"exp": now.Add(-time.Minute).Unix()})), model.ErrUnauthorized},
			{"no exp", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"exp": nil})), model.ErrUnauthorized},
			{"exp not a number", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"exp": "tomorrow"})), model.ErrUnauthorized},
			{"not yet valid", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"nbf": now.Add(time.Hour).Unix()})), model.ErrUnauthorized},
			{"issued in the future", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"iat": now.Add(time.Hour).Unix()})), model.ErrUnauthorized},
			{"wrong issuer", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"iss": "evil"})), model.ErrUnauthorized},
			{"no issuer", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"iss": nil})), model.ErrUnauthorized},
			{"wrong audience", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"aud": "another-api"})), model.ErrUnauthorized},
			{"no audience", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"aud": nil})), model.ErrUnauthorized},
			{"no subject", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"sub": nil})), model.ErrUnauthorized},
			{"subject not an id", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"sub": "root"})), model.ErrUnauthorized},
			{"unknown subject", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"sub": "999999"})), model.ErrUnauthorized},
			{"old version", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"ver": u.TokenVersion - 1})), model.ErrUnauthorized},
			{"future version", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"ver": u.TokenVersion + 1})), model.ErrUnauthorized},
			{"no version", sign(t, jwt.SigningMethodHS256, key, claims(map[string]any{"ver": nil})), model.ErrUnauthorized},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := f.svc.Authenticate(context.Background(), tc.token)
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr == nil && got.ID != u.ID {
					t.Errorf("user = %d, want %d", got.ID, u.ID)
				}
			})
		}
	})
}

// TestTokenLifetime: an access token works until it expires (15 minutes,
// SHANHAI_ACCESS_TTL's default; 30 seconds' leeway), on the service's clock.
func TestTokenLifetime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		u := f.user(t, "timely", model.RoleConsumer)
		l, err := f.svc.Login(context.Background(), u.Username, "timely-password", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		issued := f.now
		if got, want := l.ExpiresAt, issued.Add(15*time.Minute); !got.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v", got, want)
		}
		for _, tc := range []struct {
			after   time.Duration
			wantErr error
		}{
			{0, nil},
			{14 * time.Minute, nil},
			{15*time.Minute + 20*time.Second, nil}, // within the leeway
			{15*time.Minute + 31*time.Second, model.ErrUnauthorized},
			{30 * 24 * time.Hour, model.ErrUnauthorized},
			{-time.Hour, model.ErrUnauthorized}, // a clock behind the issuer: not yet valid
		} {
			f.now = issued.Add(tc.after)
			_, err := f.svc.Authenticate(context.Background(), l.Token)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("%v after issue: err = %v, want %v", tc.after, err, tc.wantErr)
			}
		}
	})
}

// TestRevocation: disabling, a role change or a password change invalidate
// the tokens issued before, at once; a refused change does not.
func TestRevocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		tr, fa := true, false
		admin, newPass := model.RoleAdmin, "brand-new-password"
		short, king := "short", "king"
		for i, tc := range []struct {
			name      string
			patch     UserPatch
			wantErr   error // of the change
			wantValid bool  // the old token afterwards
		}{
			{"disable", UserPatch{Disabled: &tr}, nil, false},
			{"enable an enabled user", UserPatch{Disabled: &fa}, nil, false},
			{"role change", UserPatch{Role: &admin}, nil, false},
			{"password change", UserPatch{Password: &newPass}, nil, false},
			{"refused: short password", UserPatch{Password: &short}, model.ErrInvalid, true},
			{"refused: unknown role", UserPatch{Role: &king}, model.ErrInvalid, true},
			{"refused: nothing", UserPatch{}, model.ErrInvalid, true},
		} {

			t.Run(tc.name, func(t *testing.T) {
				u := f.user(t, "revoked-"+strconv.Itoa(i), model.RoleConsumer)
				tok := f.login(t, u)
				if _, err := f.svc.Authenticate(ctx, tok); err != nil {
					t.Fatalf("fresh token: %v", err)
				}
				_, err := f.svc.UpdateUser(ctx, f.admin, u.ID, tc.patch)
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
					t.Fatalf("update: err = %v, want %v", err, tc.wantErr)
				}
				_, err = f.svc.Authenticate(ctx, tok)
				if got := err == nil; got != tc.wantValid {
					t.Errorf("old token valid = %v (err %v), want %v", got, err, tc.wantValid)
				}
				if !tc.wantValid && !errors.Is(err, model.ErrUnauthorized) {
					t.Errorf("err = %v, want ErrUnauthorized", err)
				}
			})
		}

		t.Run("only admins edit users", func(t *testing.T) {
			u := f.user(t, "plain", model.RoleConsumer)
			_, err := f.svc.UpdateUser(ctx, u, f.admin.ID, UserPatch{Disabled: &tr})
			if !errors.Is(err, model.ErrForbidden) {
				t.Errorf("err = %v, want ErrForbidden", err)
			}
			if _, err := f.svc.CreateUser(ctx, u, NewUser{Username: "x-user", Password: "x-password", Role: model.RoleAdmin}); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("create: err = %v, want ErrForbidden", err)
			}
		})

		t.Run("bootstrap only once", func(t *testing.T) {
			ok, err := f.svc.Bootstrap(ctx, "root2", "root2-password")
			if ok || err != nil {
				t.Errorf("second bootstrap = %v, %v; want false, nil", ok, err)
			}
			if _, err := b.Store.UserByUsername(ctx, "root2"); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("root2: err = %v, want ErrNotFound", err)
			}
		})
	})
}

// TestLoginLimit: at the service, with its counter on a fake clock.
func TestLoginLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		mem := NewMemory()
		f := newFixture(t, b, mem, 2)
		mem.now = func() time.Time { return f.now }
		ctx := context.Background()
		u := f.user(t, "limited", model.RoleConsumer)
		try := func(pass, ip string) error {
			_, err := f.svc.Login(ctx, "Limited", pass, ip)
			return err
		}
		for _, tc := range []struct {
			name     string
			pass, ip string
			advance  time.Duration
			wantErr  error
		}{
			{"first miss", "wrong-password", "192.0.2.1", 0, model.ErrUnauthorized},
			{"second miss", "wrong-password", "192.0.2.2", 0, model.ErrUnauthorized},
			{"right password, limited", u.Username + "-password", "192.0.2.3", 0, model.ErrRateLimited},
			{"still limited near the end", u.Username + "-password", "192.0.2.3", 15*time.Minute - time.Second, model.ErrRateLimited},
			{"window over", u.Username + "-password", "192.0.2.3", time.Second, nil},
		} {
			f.now = f.now.Add(tc.advance)
			err := try(tc.pass, tc.ip)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("%s: err = %v, want %v", tc.name, err, tc.wantErr)
			}
			var me *model.Error
			if errors.Is(err, model.ErrRateLimited) && (!errors.As(err, &me) || me.RetryAfter <= 0 || me.RetryAfter > 15*time.Minute) {
				t.Errorf("%s: RetryAfter = %v, want within the window", tc.name, me)
			}
		}

		t.Run("off", func(t *testing.T) {
			f := newFixture(t, storetest.SQLite(t), nil, 0)
			u := f.user(t, "unlimited", model.RoleConsumer)
			for i := 0; i < 20; i++ {
				f.svc.Login(ctx, u.Username, "wrong-password", "192.0.2.1")
			}
			if _, err := f.svc.Login(ctx, u.Username, "unlimited-password", "192.0.2.1"); err != nil {
				t.Errorf("with the limit off: %v", err)
			}
		})
	})
}

// failing is a Counter that is down, as Redis may be.
type failing struct{}

func (failing) Incr(context.Context, string, time.Duration) (int64, time.Duration, error) {
	return 0, 0, errors.New("redis: connection refused")
}
func (failing) Count(context.Context, string) (int64, time.Duration, error) {
	return 0, 0, errors.New("redis: connection refused")
}

func TestCounters(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mem := NewMemoryAt(func() time.Time { return now })
	for _, tc := range []struct {
		advance   time.Duration
		incr      bool
		wantCount int64
		wantTTL   time.Duration
	}{
		{0, false, 0, 0},
		{0, true, 1, time.Minute},
		{10 * time.Second, true, 2, 50 * time.Second},
		{10 * time.Second, false, 2, 40 * time.Second},
		{40 * time.Second, false, 0, 0}, // the window ended
		{0, true, 1, time.Minute},       // a new one starts
	} {
		now = now.Add(tc.advance)
		var n int64
		var ttl time.Duration
		var err error
		if tc.incr {
			n, ttl, err = mem.Incr(ctx, "k", time.Minute)
		} else {
			n, ttl, err = mem.Count(ctx, "k")
		}
		if err != nil || n != tc.wantCount || ttl != tc.wantTTL {
			t.Errorf("at %v incr=%v: %d, %v, %v; want %d, %v", now, tc.incr, n, ttl, err, tc.wantCount, tc.wantTTL)
		}
	}

	// a counter that is down falls back to the local one: never locks out,
	// never lets the limit go
	fb := Fallback{Primary: failing{}, Local: NewMemoryAt(func() time.Time { return now })}
	for want := int64(1); want <= 3; want++ {
		if n, _, err := fb.Incr(ctx, "k", time.Minute); err != nil || n != want {
			t.Errorf("fallback Incr = %d, %v; want %d", n, err, want)
		}
	}
	if n, _, err := fb.Count(ctx, "k"); err != nil || n != 3 {
		t.Errorf("fallback Count = %d, %v; want 3", n, err)
	}
}

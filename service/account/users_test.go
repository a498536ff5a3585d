package account

// The cache of authenticated users across replicas: two services over one
// database, each with its own user cache (model/cache.Users), stand for two
// replicas. A change made through one takes effect there at once and on the
// other once its entry is cache.UserTTL old (the other replica's cache clock
// is moved, never waited for).

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/model/cache"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

// cachedUsers is the store with its user read and write through the user
// cache, as main wires it.
type cachedUsers struct {
	*store.Store
	users *cache.Users
}

func (c cachedUsers) User(ctx context.Context, id int64) (*model.User, error) {
	return c.users.User(ctx, id)
}

func (c cachedUsers) UpdateUser(ctx context.Context, id int64, p model.UserPatch) error {
	return c.users.UpdateUser(ctx, id, p)
}

// TestNewerTokenThanCachedUser: a token issued through another replica after
// a change is taken here at once, though this replica still holds the user
// from before the change.
func TestNewerTokenThanCachedUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		here := New(cachedUsers{b.Store, cache.NewUsers(b.Store)}, secret, nil, 0)
		here.now = f.svc.now
		u := f.user(t, "newer", model.RoleConsumer)
		if _, err := here.Authenticate(ctx, f.login(t, u)); err != nil {
			t.Fatalf("fresh token: %v", err)
		}
		pw := "another-password-1"
		if _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, UserPatch{Password: &pw}); err != nil {
			t.Fatal(err)
		}
		l, err := f.svc.Login(ctx, u.Username, pw, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := here.Authenticate(ctx, l.Token); err != nil {
			t.Errorf("a token newer than the cached user: err = %v, want the user", err)
		}
	})
}

func TestUsersAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		f.svc.store = cachedUsers{b.Store, cache.NewUsers(b.Store)}
		cacheNow := time.Now()
		otherUsers := cache.NewUsersAt(b.Store, func() time.Time { return cacheNow })
		other := New(cachedUsers{b.Store, otherUsers}, secret, nil, 0)
		other.SetHashCost(bcrypt.MinCost)
		other.now = f.svc.now

		u := f.user(t, "replicated", model.RoleConsumer)
		tok := f.login(t, u)
		for _, s := range []*Service{f.svc, other} {
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatalf("fresh token: %v", err)
			}
		}
		tr := true
		if _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, UserPatch{Disabled: &tr}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, model.ErrUnauthorized) {
			t.Errorf("the replica that disabled the user: err = %v, want ErrUnauthorized at once", err)
		}
		cacheNow = cacheNow.Add(cache.UserTTL - time.Millisecond)
		if _, err := other.Authenticate(ctx, tok); err != nil {
			t.Errorf("another replica within cache.UserTTL: err = %v, want its cached user", err)
		}
		cacheNow = cacheNow.Add(time.Millisecond)
		if _, err := other.Authenticate(ctx, tok); !errors.Is(err, model.ErrUnauthorized) {
			t.Errorf("another replica after cache.UserTTL: err = %v, want ErrUnauthorized", err)
		}
	})
}

// TestVerifiedTokens: a token that checked out once is taken again without
// its signature check only while it has not expired, and only byte for
// byte; its user's token version is still compared on every request.
func TestVerifiedTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		u := f.user(t, "verified", model.RoleConsumer)
		tok := f.login(t, u)
		if _, err := f.svc.Authenticate(ctx, tok); err != nil {
			t.Fatalf("fresh token: %v", err)
		}
		if _, ok := f.svc.tokens.get(tok, f.now); !ok {
			t.Fatal("a token that checked out is not remembered")
		}
		// another signature on the same claims is checked, and refused
		forged := tok[:len(tok)-4] + "AAAA"
		if forged == tok {
			forged = tok[:len(tok)-4] + "BBBB"
		}
		if _, err := f.svc.Authenticate(ctx, forged); !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("forged signature: %v, want 401", err)
		}
		// within the leeway after expiry it is still good, then never again
		start := f.now
		f.now = start.Add(f.svc.accessTTL + tokenLeeway - time.Second)
		if _, err := f.svc.Authenticate(ctx, tok); err != nil {
			t.Fatalf("within the leeway: %v", err)
		}
		f.now = start.Add(f.svc.accessTTL + tokenLeeway)
		if _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("expired token remembered: %v, want 401", err)
		}
		// a remembered token of a user whose version moved is refused
		f.now = start
		tok = f.login(t, u)
		if _, err := f.svc.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
		tr := true
		if _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, UserPatch{Disabled: &tr}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("remembered token of a disabled user: %v, want 401", err)
		}
	})
}

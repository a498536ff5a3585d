package account

// The cache of authenticated users across replicas: two services over one
// database stand for two replicas. A change made through one takes effect
// there at once and on the other once its entry is userTTL old (the other
// replica's cache clock is moved, never waited for).

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

func TestUsersAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		other := New(b.Store, secret, nil, 0)
		other.SetHashCost(bcrypt.MinCost)
		other.now = f.svc.now
		cacheNow := time.Now()
		other.users.now = func() time.Time { return cacheNow }

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
		cacheNow = cacheNow.Add(userTTL - time.Millisecond)
		if _, err := other.Authenticate(ctx, tok); err != nil {
			t.Errorf("another replica within userTTL: err = %v, want its cached user", err)
		}
		cacheNow = cacheNow.Add(time.Millisecond)
		if _, err := other.Authenticate(ctx, tok); !errors.Is(err, model.ErrUnauthorized) {
			t.Errorf("another replica after userTTL: err = %v, want ErrUnauthorized", err)
		}
	})
}

// TestUsersRace: a user read before a change and stored after it is not
// cached, so the change is seen at once on the replica that made it.
func TestUsersRace(t *testing.T) {
	var c users
	_, gen := c.get(1, 1) // a request reads the user ...
	c.drop(1)             // ... while a change commits and drops it
	c.put(&model.User{ID: 1, TokenVersion: 1}, gen)
	if u, _ := c.get(1, 1); u != nil {
		t.Errorf("cached a user read before a change: %+v", u)
	}
	_, gen = c.get(1, 2)
	c.put(&model.User{ID: 1, TokenVersion: 2}, gen)
	if u, _ := c.get(1, 2); u == nil {
		t.Error("a user read after the change is not cached")
	}
	if u, _ := c.get(1, 1); u != nil {
		t.Errorf("cached user served for another token version: %+v", u)
	}
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
		f.now = start.Add(tokenTTL + tokenLeeway - time.Second)
		if _, err := f.svc.Authenticate(ctx, tok); err != nil {
			t.Fatalf("within the leeway: %v", err)
		}
		f.now = start.Add(tokenTTL + tokenLeeway)
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

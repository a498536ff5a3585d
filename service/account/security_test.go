package account

// What an attacker probed: timing that told disabled accounts apart,
// passwords past bcrypt's 72 bytes, and the last admin demoting themself.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// TestEveryFailedLoginCostsOneBcrypt: unknown, disabled and look-alike
// usernames, wrong and overlong passwords each run exactly one bcrypt
// comparison, as the right password does, so timing tells none apart.
// Counted through the service's comparison seam, not by the clock.
func TestEveryFailedLoginCostsOneBcrypt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		var calls int
		f.svc.compare = func(hash, password []byte) error {
			calls++
			return bcrypt.CompareHashAndPassword(hash, password)
		}
		f.user(t, "timed", model.RoleConsumer)
		gone := f.user(t, "gone", model.RoleConsumer)
		yes := true
		if _, err := f.svc.UpdateUser(ctx, f.admin, gone.ID, UserPatch{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, username, password string
			wantErr                  error
		}{
			{"right password", "timed", "timed-password", nil},
			{"wrong password", "timed", "wrong-password", model.ErrUnauthorized},
			{"unknown user", "nobody", "timed-password", model.ErrUnauthorized},
			{"disabled user, right password", "gone", "gone-password", model.ErrUnauthorized},
			{"disabled user, wrong password", "gone", "wrong-password", model.ErrUnauthorized},
			{"fullwidth look-alike", "\uff54imed", "timed-password", model.ErrUnauthorized},
			{"accented look-alike", "t\u00efmed", "timed-password", model.ErrUnauthorized},
			{"overlong password", "timed", "timed-password" + strings.Repeat("x", 80), model.ErrUnauthorized},
		} {
			calls = 0
			_, err := f.svc.Login(ctx, tc.username, tc.password, "192.0.2.1")
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.wantErr)
			}
			if calls != 1 {
				t.Errorf("%s: %d bcrypt comparisons, want 1", tc.name, calls)
			}
		}
	})
}

// TestPasswordsPast72Bytes: bcrypt reads only the first 72 bytes. A longer
// password is refused when set, and at login it is a wrong password even
// when its first 72 bytes are the account's.
func TestPasswordsPast72Bytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		full := strings.Repeat("p", 71) + "é" // 73 bytes: the é straddles the limit
		exact := strings.Repeat("q", 72)
		wantPasswordRefused := func(what string, err error) {
			t.Helper()
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalid) || len(me.Fields) != 1 || me.Fields[0].Field != "password" ||
				!strings.Contains(me.Fields[0].Message, "72 bytes") {
				t.Errorf("%s: err = %v, want a 422 on password naming 72 bytes", what, err)
			}
		}
		_, err := f.svc.CreateUser(ctx, f.admin, NewUser{Username: "long", Password: full, Role: model.RoleConsumer})
		wantPasswordRefused("create with 73 bytes", err)

		u, err := f.svc.CreateUser(ctx, f.admin, NewUser{Username: "exact", Password: exact, Role: model.RoleConsumer})
		if err != nil {
			t.Fatalf("create with 72 bytes: %v", err)
		}
		if _, err := f.svc.Login(ctx, "exact", exact, "192.0.2.1"); err != nil {
			t.Errorf("login with the 72 bytes: %v", err)
		}
		for _, extra := range []string{"x", "anything at all after the 72nd byte"} {
			if l, err := f.svc.Login(ctx, "exact", exact+extra, "192.0.2.1"); !errors.Is(err, model.ErrUnauthorized) {
				t.Errorf("login with the 72 bytes + %q: %v, %v; want 401", extra, l, err)
			}
		}
		_, err = f.svc.UpdateUser(ctx, f.admin, u.ID, UserPatch{Password: &full})
		wantPasswordRefused("change to 73 bytes", err)
		if _, err := f.svc.Login(ctx, "exact", exact, "192.0.2.1"); err != nil {
			t.Errorf("after a refused change the old password must still work: %v", err)
		}
	})
}

// TestLastAdmin: the last active admin cannot be demoted (by themself or
// anyone); with two, one may go.
func TestLastAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		consumer := model.RoleConsumer
		wantLastAdmin := func(what string, err error) {
			t.Helper()
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrConflict) || me.Code != "last_admin" {
				t.Errorf("%s: err = %v, want 409 last_admin", what, err)
			}
		}
		_, err := f.svc.UpdateUser(ctx, f.admin, f.admin.ID, UserPatch{Role: &consumer})
		wantLastAdmin("the only admin demotes themself", err)

		second := f.user(t, "second", model.RoleAdmin)
		yes := true
		if _, err := f.svc.UpdateUser(ctx, f.admin, second.ID, UserPatch{Disabled: &yes}); err != nil {
			t.Fatalf("disable the second admin: %v", err)
		}
		// a disabled admin is not an admin who can act
		_, err = f.svc.UpdateUser(ctx, f.admin, f.admin.ID, UserPatch{Role: &consumer})
		wantLastAdmin("demote with only a disabled admin left", err)

		no := false
		if _, err := f.svc.UpdateUser(ctx, f.admin, second.ID, UserPatch{Disabled: &no}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateUser(ctx, f.admin, f.admin.ID, UserPatch{Role: &consumer}); err != nil {
			t.Fatalf("demote with another admin left: %v", err)
		}
		// the store's guard holds whoever asks: the second cannot go now
		_, err = f.svc.UpdateUser(ctx, second, second.ID, UserPatch{Role: &consumer})
		wantLastAdmin("the second, now last, demotes themself", err)
		err = b.Store.UpdateUser(ctx, second.ID, model.UserPatch{Disabled: &yes, KeepAdmin: true, BumpToken: true})
		wantLastAdmin("the store disables the last admin", err)
		if n := activeAdmins(t, b); n != 1 {
			t.Errorf("%d active admins, want 1", n)
		}
	})
}

// TestLastAdminConcurrently: two admins demote (or disable) each other at
// the same moment, again and again: never both, never no admin. Must pass on
// MariaDB, where the two transactions really overlap.
func TestLastAdminConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b, nil, 0)
		ctx := context.Background()
		other := f.user(t, "other", model.RoleAdmin)
		admin := model.RoleAdmin
		consumer := model.RoleConsumer
		yes, no := true, false
		rounds := 30
		if testing.Short() {
			rounds = 5
		}
		for round := 0; round < rounds; round++ {
			// both admins again, straight in the store
			for _, id := range []int64{f.admin.ID, other.ID} {
				if err := b.Store.UpdateUser(ctx, id, model.UserPatch{Role: &admin, Disabled: &no, BumpToken: true}); err != nil {
					t.Fatal(err)
				}
			}
			a, o := *f.admin, *other // the actors as they were authenticated
			patch := UserPatch{Role: &consumer}
			if round%2 == 1 {
				patch = UserPatch{Disabled: &yes}
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for i, pair := range [][2]*model.User{{&a, &o}, {&o, &a}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = f.svc.UpdateUser(ctx, pair[0], pair[1].ID, patch)
				}()
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, err := range errs {
				var me *model.Error
				switch {
				case err == nil:
					ok++
				case errors.As(err, &me) && me.Code == "last_admin":
				default:
					t.Fatalf("round %d: unexpected error %v", round, err)
				}
			}
			if n := activeAdmins(t, b); n != 1 || ok != 1 {
				t.Fatalf("round %d: %d changes went through and %d active admins are left, want 1 and 1 (errors %v)",
					round, ok, n, errs)
			}
		}
	})
}

func activeAdmins(t *testing.T, b storetest.Backend) int {
	t.Helper()
	var n int
	if err := b.Store.DB().QueryRow("SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0", model.RoleAdmin).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

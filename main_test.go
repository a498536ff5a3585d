package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"shanhai/config"
	"shanhai/model"
	"shanhai/model/store"
	"shanhai/service/account"
)

// start runs what `shanhai serve` runs before it listens: configuration,
// migrations, demo data, the bootstrap admin. It reports the usernames in the
// database afterwards.
func start(t *testing.T, env map[string]string) ([]string, error) {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := loadDemo(ctx, cfg, st); err != nil {
		return nil, err
	}
	if cfg.BootstrapAdmin != "" {
		user, pass, _ := strings.Cut(cfg.BootstrapAdmin, ":")
		if _, err := account.New(st, cfg.JWTSecret, nil, 0).Bootstrap(ctx, user, pass); err != nil {
			return nil, err
		}
	}
	return usernames(t, st), nil
}

func usernames(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := st.DB().Query("SELECT username FROM users ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// addUser is `shanhai user add` on the database cfg names.
func addUser(t *testing.T, env map[string]string, username string) {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := account.New(st, cfg.JWTSecret, nil, 0).Provision(ctx,
		account.NewUser{Username: username, Password: "owner-password-1", Role: model.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The demo's admin, with its published password, never appears on a real
// install: not on a named database, not beside an account made by
// `shanhai user add`, not beside a bootstrap admin.
func TestDemoNeverOnRealInstall(t *testing.T) {
	dsn := func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "x.db") }

	t.Run("named SQLite file, admin added, then serve", func(t *testing.T) {
		env := map[string]string{"SHANHAI_DB": dsn(t)}
		addUser(t, env, "owner")
		users, err := start(t, env)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 1 || users[0] != "owner" {
			t.Errorf("users: got %v, want only owner", users)
		}
	})
	t.Run("named SQLite file, empty, serve", func(t *testing.T) {
		users, err := start(t, map[string]string{"SHANHAI_DB": dsn(t)})
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 0 {
			t.Errorf("users: got %v, want none", users)
		}
	})
	t.Run("SHANHAI_DEMO=1 beside an added admin", func(t *testing.T) {
		env := map[string]string{"SHANHAI_DB": dsn(t), "SHANHAI_DEMO": "1"}
		addUser(t, env, "owner")
		users, err := start(t, env)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 1 || users[0] != "owner" {
			t.Errorf("users: got %v, want only owner", users)
		}
	})
	t.Run("SHANHAI_DEMO=1 on an empty database loads it", func(t *testing.T) {
		users, err := start(t, map[string]string{"SHANHAI_DB": dsn(t), "SHANHAI_DEMO": "1"})
		if err != nil {
			t.Fatal(err)
		}
		if !contains(users, "admin") {
			t.Errorf("users: got %v, want the demo's admin", users)
		}
	})
	t.Run("bootstrap admin with demo data refuses to start", func(t *testing.T) {
		env := map[string]string{"SHANHAI_DB": dsn(t), "SHANHAI_DEMO": "1", "SHANHAI_BOOTSTRAP_ADMIN": "owner:correct-horse"}
		if users, err := start(t, env); err == nil || !strings.Contains(err.Error(), "SHANHAI_BOOTSTRAP_ADMIN") {
			t.Errorf("got (%v, %v), want a refusal naming SHANHAI_BOOTSTRAP_ADMIN", users, err)
		}
	})
	t.Run("bootstrap admin on a named database", func(t *testing.T) {
		users, err := start(t, map[string]string{"SHANHAI_DB": dsn(t), "SHANHAI_BOOTSTRAP_ADMIN": "owner:correct-horse"})
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 1 || users[0] != "owner" {
			t.Errorf("users: got %v, want only owner", users)
		}
	})
	t.Run("restart of a demo database loads nothing twice", func(t *testing.T) {
		env := map[string]string{"SHANHAI_DB": dsn(t), "SHANHAI_DEMO": "1"}
		first, err := start(t, env)
		if err != nil {
			t.Fatal(err)
		}
		second, err := start(t, env)
		if err != nil {
			t.Fatal(err)
		}
		if len(second) != len(first) {
			t.Errorf("users: %d after the first start, %d after the second", len(first), len(second))
		}
	})
}

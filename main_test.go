package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
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
	if err := bootstrapAdmin(ctx, cfg, account.New(st, cfg.JWTSecret, nil, 0)); err != nil {
		return nil, err
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

// The command line answers help on every command, refuses what it does not
// understand before doing anything, and never runs a command asked for help.
func TestCommandLine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	t.Setenv("SHANHAI_DB", "sqlite:"+db)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"help"}, 0},
		{[]string{"-h"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"serve", "-h"}, 0},
		{[]string{"migrate", "--help"}, 0},
		{[]string{"migrate", "status", "-h"}, 0},
		{[]string{"user", "add", "-h"}, 0},
		{[]string{"stats", "-help"}, 0},
		{[]string{"rollup", "rebuild", "-h"}, 0},
		{[]string{"healthcheck", "-h"}, 0},
		{[]string{"version"}, 0},
		{[]string{"nonsense"}, 2},
		{[]string{"user"}, 2},
		{[]string{"user", "remove"}, 2},
		{[]string{"rollup"}, 2},
		{[]string{"serve", "extra"}, 2},
		{[]string{"migrate", "-force"}, 2},
		{[]string{"migrate", "now"}, 2},
		{[]string{"version", "-v"}, 2},
		{[]string{"user", "add"}, 2}, // no -username
		{[]string{"user", "add", "-username", "x", "extra"}, 2},
		{[]string{"stats", "-year", "soon"}, 2},
		{[]string{"healthcheck", "-url", "http://127.0.0.1:1/readyz", "-timeout", "1s"}, 1},
	} {
		var out, errs bytes.Buffer
		if got := run(tc.args, &out, &errs); got != tc.want {
			t.Errorf("shanhai %s: exit %d, want %d (stderr %q)", strings.Join(tc.args, " "), got, tc.want, errs.String())
		}
	}
	// nothing above may have opened (and so created or migrated) the database
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a help or refused command touched the database: %v", err)
	}

	// migrate status lists without applying; migrate applies
	var out bytes.Buffer
	if got := run([]string{"migrate", "status"}, &out, io.Discard); got != 0 {
		t.Fatalf("migrate status: exit %d", got)
	}
	if got := run([]string{"migrate"}, io.Discard, io.Discard); got != 0 {
		t.Fatalf("migrate: exit %d", got)
	}
	cfg, err := config.Load(func(k string) string { return map[string]string{"SHANHAI_DB": "sqlite:" + db}[k] })
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cfg.DB, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.AppliedAt == "" {
			t.Errorf("migration %d %s pending after migrate", m.Version, m.Name)
		}
	}
}

func TestReadyURL(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://127.0.0.1:8080/readyz",
		":9000":          "http://127.0.0.1:9000/readyz",
		"0.0.0.0:80":     "http://127.0.0.1:80/readyz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/readyz",
		"[::]:8080":      "http://127.0.0.1:8080/readyz",
		"localhost:8081": "http://localhost:8081/readyz",
	} {
		if got := readyURL(addr); got != want {
			t.Errorf("readyURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

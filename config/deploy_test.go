package config

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose parses deploy/docker-compose.yml as docker compose would, with
// env as deploy/.env.
func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	b, err := os.ReadFile("../deploy/docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  "../deploy",
		ConfigFiles: []types.ConfigFile{{Filename: "docker-compose.yml", Content: b}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("shanhai", true) })
}

// known reports whether a variable a deployment file sets is one config reads.
func known(name string) bool { return slices.Contains(Variables, name) }

// The compose file sets only variables shanhai reads (a misspelt one would be
// ignored in silence), each replica's configuration passes Load, every
// service has a health check, and a missing secret stops compose naming it.
func TestComposeFile(t *testing.T) {
	env := map[string]string{
		"MARIADB_PASSWORD": "db-password-1", "SHANHAI_JWT_SECRET": "jwt-secret-0123456789",
		"SHANHAI_PAYMENT_SECRET": "pay-secret-0123456789", "SHANHAI_BOOTSTRAP_ADMIN": "owner:owner-password-1",
	}
	p, err := loadCompose(t, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"db", "redis", "shanhai1", "shanhai2", "lb"} {
		if _, ok := p.Services[want]; !ok {
			t.Errorf("no service %s", want)
		}
	}
	replicas := 0
	for name, s := range p.Services {
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
		vars := map[string]string{}
		for k, v := range s.Environment {
			if strings.HasPrefix(k, "SHANHAI_") || strings.HasPrefix(k, "OTEL_") {
				if !known(k) {
					t.Errorf("%s sets %s, which shanhai does not read", name, k)
				}
				if v != nil {
					vars[k] = *v
				}
			}
		}
		if len(vars) == 0 {
			continue
		}
		replicas++
		if s.Build == nil || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s is not built from the Dockerfile: %+v", name, s.Build)
		}
		c, err := Load(func(k string) string { return vars[k] })
		if err != nil {
			t.Errorf("%s's configuration: %v", name, err)
			continue
		}
		if c.Embedded() || c.Redis == "" || c.Demo || c.BootstrapAdmin != env["SHANHAI_BOOTSTRAP_ADMIN"] ||
			c.JWTSecret != env["SHANHAI_JWT_SECRET"] || len(c.TrustedProxies) != 1 {
			t.Errorf("%s: MariaDB, Redis, no demo, the env file's admin and secrets, one trusted proxy: %+v", name, c)
		}
		if lb := p.Services["lb"].Networks["shanhai"]; lb == nil || lb.Ipv4Address != c.TrustedProxies[0] {
			t.Errorf("%s trusts %v, but the balancer is at %+v", name, c.TrustedProxies, lb)
		}
	}
	if replicas != 2 {
		t.Errorf("%d services run shanhai, want 2", replicas)
	}

	missing := map[string]string{}
	for k, v := range env {
		if k != "SHANHAI_JWT_SECRET" {
			missing[k] = v
		}
	}
	if _, err := loadCompose(t, missing); err == nil || !strings.Contains(err.Error(), "SHANHAI_JWT_SECRET") {
		t.Errorf("without SHANHAI_JWT_SECRET: %v, want an error naming it", err)
	}
}

// The env file template names only variables shanhai (or compose) reads.
func TestEnvExample(t *testing.T) {
	f, err := os.Open("../deploy/.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	compose := map[string]bool{"MARIADB_PASSWORD": true, "SHANHAI_PORT": true, "SHANHAI_VERSION": true}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "#"))
		name, _, ok := strings.Cut(line, "=")
		if !ok || strings.Contains(name, " ") {
			continue
		}
		n++
		if !known(name) && !compose[name] {
			t.Errorf(".env.example names %s, which neither shanhai nor the compose file reads", name)
		}
	}
	if n < 4 {
		t.Errorf("only %d variables in .env.example", n)
	}
}

package config

import (
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DB != "sqlite:shanhai.db" || c.DBMaxOpen != 32 || c.Redis != "" {
		t.Errorf("got %+v", c)
	}
	if !c.Demo || !c.Embedded() {
		t.Errorf("the embedded default loads demo data: demo=%v embedded=%v", c.Demo, c.Embedded())
	}
	if c.UnpaidTTL != 30*time.Minute || c.OrgUnpaidTTL != 720*time.Hour || c.ApprovalTTL != 72*time.Hour ||
		c.AutoAccept != 168*time.Hour || c.ReturnWindow != 168*time.Hour || c.ReturnAutoApprove != 72*time.Hour {
		t.Errorf("deadlines: got %+v", c)
	}
	if c.RateLogin != 10 || c.RateOrders != 120 || c.SKUCap != 0 {
		t.Errorf("limits: got %+v", c)
	}
	if len(c.JWTSecret) < 32 || len(c.PaymentSecret) < 32 || c.JWTSecret == c.PaymentSecret || len(c.Warnings) != 2 {
		t.Errorf("embedded default generates two distinct secrets with warnings: %q %q %v", c.JWTSecret, c.PaymentSecret, c.Warnings)
	}
}

func TestMySQL(t *testing.T) {
	base := map[string]string{"SHANHAI_DB": "mysql:root@tcp(127.0.0.1:3306)/shanhai"}
	if _, err := Load(env(base)); err == nil || !strings.Contains(err.Error(), "SHANHAI_JWT_SECRET") {
		t.Errorf("MySQL without secrets: got %v, want an error naming SHANHAI_JWT_SECRET", err)
	}
	base["SHANHAI_JWT_SECRET"] = "0123456789abcdef0123"
	base["SHANHAI_PAYMENT_SECRET"] = "fedcba98765432100123"
	c, err := Load(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.Demo || c.Embedded() || len(c.Warnings) != 0 {
		t.Errorf("MySQL: demo off by default, no warnings: %+v", c)
	}
}

// invalid is a bad value for every variable Load reads; each must be
// refused with an error naming the variable.
var invalid = []struct{ name, value string }{
	{"SHANHAI_DB", "postgres:x"},
	{"SHANHAI_DB", "sqlite:"},
	{"SHANHAI_DB_MAX_OPEN", "many"},
	{"SHANHAI_DB_MAX_OPEN", "0"},
	{"SHANHAI_CATALOG_DB_READS", "-1"},
	{"SHANHAI_DB_READ", "postgres://replica"},
	{"SHANHAI_DB_READ_MAX_LAG", "2"},
	{"SHANHAI_REDIS", "localhost"},
	{"SHANHAI_REDIS", "a:1,b:x"},
	{"SHANHAI_DEMO", "yes"},
	{"SHANHAI_UNPAID_TTL", "30"},
	{"SHANHAI_ORG_UNPAID_TTL", "-1h"},
	{"SHANHAI_APPROVAL_TTL", "soon"},
	{"SHANHAI_AUTO_ACCEPT", "0s"},
	{"SHANHAI_RETURN_WINDOW", "1 week"},
	{"SHANHAI_RETURN_AUTO_APPROVE", "x"},
	{"SHANHAI_RATE_LOGIN", "-1"},
	{"SHANHAI_RATE_ORDERS", "1.5"},
	{"SHANHAI_SKU_CAP", "lots"},
	{"SHANHAI_HOLD_SHARE", "0"},
	{"SHANHAI_HOLD_SHARE", "101"},
	{"SHANHAI_ORDER_BATCH", "-1"},
	{"SHANHAI_JWT_SECRET", "short"},
	{"SHANHAI_PAYMENT_SECRET", "short"},
	{"SHANHAI_BOOTSTRAP_ADMIN", "admin"},
	{"SHANHAI_BOOTSTRAP_ADMIN", "admin:short"},
	{"SHANHAI_TRUSTED_PROXIES", "10.0.0.0/8,lb.local"},
	{"SHANHAI_ADDR", "notaport"},
	{"SHANHAI_ADDR", ":99999"},
	{"SHANHAI_ADDR", "127.0.0.1:http"},
	{"SHANHAI_REDIS", "redis://127.0.0.1:99999/0"},
	{"SHANHAI_REDIS", "redis://127.0.0.1/0"},
	{"SHANHAI_REDIS", "10.0.0.1:0"},
	{"SHANHAI_DB", "sqlite:/nonexistent/dir/x.db"},
	{"SHANHAI_DB", "mysql:root@127.0.0.1:3306/shanhai"},
	{"SHANHAI_LOG_LEVEL", "verbose"},
	{"SHANHAI_LOG_FORMAT", "xml"},
	{"SHANHAI_SLOW_SQL", "200"},
	{"SHANHAI_SLOW_SQL", "0s"},
	{"SHANHAI_DRAIN", "-5s"},
	{"SHANHAI_DRAIN", "five"},
	{"SHANHAI_SHUTDOWN_TIMEOUT", "0s"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"},
	{"SHANHAI_BLOBS", "s3://bucket"},
	{"SHANHAI_BLOBS", "dir:"},
	{"SHANHAI_ACCESS_TTL", "soon"},
	{"SHANHAI_REFRESH_TTL", "-1h"},
	{"SHANHAI_SMS", "carrier-pigeon"},
	{"SHANHAI_SMS_SECRET", "0123456789abcdef"},
}

func TestInvalid(t *testing.T) {
	for _, tc := range invalid {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			_, err := Load(env(map[string]string{tc.name: tc.value}))
			if err == nil {
				t.Fatalf("%s=%q accepted", tc.name, tc.value)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.name) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s", msg, tc.name)
			}
		})
	}
}

func TestValid(t *testing.T) {
	c, err := Load(env(map[string]string{
		"SHANHAI_ADDR": "127.0.0.1:9000", "SHANHAI_REDIS": "10.0.0.1:7000,10.0.0.2:7001", "SHANHAI_DEMO": "0",
		"SHANHAI_UNPAID_TTL": "15m", "SHANHAI_RATE_LOGIN": "0", "SHANHAI_SKU_CAP": "5",
		"SHANHAI_BOOTSTRAP_ADMIN": "root:correct-horse", "SHANHAI_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.5",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1] != "192.168.1.5" {
		t.Errorf("trusted proxies: %v", c.TrustedProxies)
	}
	if c.Addr != "127.0.0.1:9000" || c.Demo || c.UnpaidTTL != 15*time.Minute || c.RateLogin != 0 || c.SKUCap != 5 {
		t.Errorf("got %+v", c)
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	c, err := Load(env(map[string]string{
		"SHANHAI_DB":              "mysql:app:hunter2secret@tcp(db:3306)/shanhai",
		"SHANHAI_REDIS":           "redis://:redispass@cache:6379/0",
		"SHANHAI_JWT_SECRET":      "jwt-secret-0123456789",
		"SHANHAI_PAYMENT_SECRET":  "pay-secret-0123456789",
		"SHANHAI_BOOTSTRAP_ADMIN": "root:correct-horse",
	}))
	if err != nil {
		t.Fatal(err)
	}
	logged := c.LogValue().String()
	for _, secret := range []string{"hunter2secret", "redispass", "jwt-secret-0123456789", "pay-secret-0123456789", "correct-horse"} {
		if strings.Contains(logged, secret) {
			t.Errorf("logged config shows %q: %s", secret, logged)
		}
	}
	if !strings.Contains(logged, "tcp(db:3306)/shanhai") || !strings.Contains(logged, "cache:6379") {
		t.Errorf("logged config hides too much: %s", logged)
	}
}

// Demo data, whose accounts share a published password, is on by default only
// when SHANHAI_DB is not set at all; a bootstrap admin beside it is refused.
func TestDemoSwitch(t *testing.T) {
	sqlitePath, mysqlDSN := "sqlite:"+filepath.Join(t.TempDir(), "x.db"), "mysql:root@tcp(db:3306)/shanhai"
	secrets := map[string]string{"SHANHAI_JWT_SECRET": "0123456789abcdef0123", "SHANHAI_PAYMENT_SECRET": "fedcba98765432100123"}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantDemo bool
		wantErr  string // part of the error, "" for none
	}{
		{"nothing set", nil, true, ""},
		{"SQLite file named", map[string]string{"SHANHAI_DB": sqlitePath}, false, ""},
		{"default path named explicitly", map[string]string{"SHANHAI_DB": "sqlite:shanhai.db"}, false, ""},
		{"MySQL", map[string]string{"SHANHAI_DB": mysqlDSN}, false, ""},
		{"SQLite file and SHANHAI_DEMO=1", map[string]string{"SHANHAI_DB": sqlitePath, "SHANHAI_DEMO": "1"}, true, ""},
		{"MySQL and SHANHAI_DEMO=1", map[string]string{"SHANHAI_DB": mysqlDSN, "SHANHAI_DEMO": "1"}, true, ""},
		{"nothing set but SHANHAI_DEMO=0", map[string]string{"SHANHAI_DEMO": "0"}, false, ""},
		{"bootstrap admin on the default", map[string]string{"SHANHAI_BOOTSTRAP_ADMIN": "owner:correct-horse"}, false, "SHANHAI_BOOTSTRAP_ADMIN"},
		{"bootstrap admin with SHANHAI_DEMO=1", map[string]string{"SHANHAI_DB": sqlitePath, "SHANHAI_DEMO": "1",
			"SHANHAI_BOOTSTRAP_ADMIN": "owner:correct-horse"}, false, "SHANHAI_DEMO=0"},
		{"bootstrap admin, default database, SHANHAI_DEMO=0", map[string]string{"SHANHAI_DEMO": "0",
			"SHANHAI_BOOTSTRAP_ADMIN": "owner:correct-horse"}, false, ""},
		{"bootstrap admin on a named SQLite file", map[string]string{"SHANHAI_DB": sqlitePath,
			"SHANHAI_BOOTSTRAP_ADMIN": "owner:correct-horse"}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range secrets {
				m[k] = v
			}
			for k, v := range tc.env {
				m[k] = v
			}
			c, err := Load(env(m))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got (%+v, %v), want an error naming %s", c, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Demo != tc.wantDemo {
				t.Errorf("demo: got %v, want %v", c.Demo, tc.wantDemo)
			}
		})
	}
}

// Variables is exactly what Load reads, and every variable has a bad value
// in the table above.
func TestVariables(t *testing.T) {
	read := map[string]bool{}
	if _, err := Load(func(k string) string { read[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, v := range Variables {
		known[v] = true
		if !read[v] {
			t.Errorf("%s is in Variables but Load does not read it", v)
		}
	}
	for v := range read {
		if !known[v] {
			t.Errorf("Load reads %s but Variables does not list it", v)
		}
	}
	tested := map[string]bool{}
	for _, tc := range invalid {
		tested[tc.name] = true
	}
	for _, v := range Variables {
		if !tested[v] {
			t.Errorf("%s has no bad value in the invalid table", v)
		}
	}
}

func TestLogAndStopSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"SHANHAI_LOG_LEVEL": "debug", "SHANHAI_LOG_FORMAT": "text",
		"SHANHAI_SLOW_SQL": "50ms", "SHANHAI_DRAIN": "0s", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.LogLevel != slog.LevelDebug || c.LogFormat != "text" || c.SlowSQL != 50*time.Millisecond || c.Drain != 0 ||
		c.OTLPEndpoint != "http://collector:4318" {
		t.Errorf("got %+v", c)
	}
	d, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if d.LogLevel != slog.LevelInfo || d.LogFormat != "json" || d.SlowSQL != 200*time.Millisecond ||
		d.Drain != 5*time.Second || d.ShutdownTimeout != 30*time.Second {
		t.Errorf("defaults: %+v", d)
	}
}

// An error about a DSN or URL never shows its password.
func TestErrorsHidePasswords(t *testing.T) {
	for _, e := range []map[string]string{
		{"SHANHAI_DB": "postgres://app:hunter2secret@db/shanhai"},
		{"SHANHAI_DB": "mysql:app:hunter2secret@db:3306/shanhai"},
		{"SHANHAI_REDIS": "redis://:hunter2secret@cache:99999/0"},
	} {
		_, err := Load(env(e))
		if err == nil || strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("%v: %v", e, err)
		}
	}
}

func TestSessionsAndSMS(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessTTL != 15*time.Minute || c.RefreshTTL != 720*time.Hour || c.SMS != "log" || c.SMSSecret != "" {
		t.Errorf("defaults: access %v refresh %v sms %q", c.AccessTTL, c.RefreshTTL, c.SMS)
	}
	mysql := map[string]string{"SHANHAI_DB": "mysql:root@tcp(127.0.0.1:3306)/shanhai",
		"SHANHAI_JWT_SECRET": "0123456789abcdef0", "SHANHAI_PAYMENT_SECRET": "0123456789abcdef1"}
	if c, err := Load(env(mysql)); err != nil || c.SMS != "" {
		t.Errorf("MySQL without SHANHAI_SMS: sms %q, err %v; want no provider, no error", c.SMS, err)
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range mysql {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err = Load(env(with("SHANHAI_SMS", "webhook:https://sms.example.com/send", "SHANHAI_SMS_SECRET", "0123456789abcdef",
		"SHANHAI_ACCESS_TTL", "5m", "SHANHAI_REFRESH_TTL", "24h")))
	if err != nil || c.SMS != "webhook:https://sms.example.com/send" || c.AccessTTL != 5*time.Minute || c.RefreshTTL != 24*time.Hour {
		t.Errorf("webhook: %+v, %v", c, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		name string
	}{
		{with("SHANHAI_ACCESS_TTL", "soon"), "SHANHAI_ACCESS_TTL"},
		{with("SHANHAI_REFRESH_TTL", "-1h"), "SHANHAI_REFRESH_TTL"},
		{with("SHANHAI_SMS", "carrier-pigeon"), "SHANHAI_SMS"},
		{with("SHANHAI_SMS", "webhook:ftp://x"), "SHANHAI_SMS"},
		{with("SHANHAI_SMS", "webhook:https://sms.example.com/"), "SHANHAI_SMS_SECRET"},
		{with("SHANHAI_SMS", "webhook:https://sms.example.com/", "SHANHAI_SMS_SECRET", "short"), "SHANHAI_SMS_SECRET"},
		{with("SHANHAI_SMS", "log", "SHANHAI_SMS_SECRET", "0123456789abcdef"), "SHANHAI_SMS_SECRET"},
	} {
		if _, err := Load(env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%v: got %v, want an error naming %s", tc.env, err, tc.name)
		}
	}
}

// SHANHAI_DB_READ: none by default; a list of mysql: DSNs beside a MySQL
// primary; refused beside SQLite, and its errors hide passwords.
func TestDBRead(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || len(c.DBRead) != 0 || c.DBReadMaxLag != 2*time.Second {
		t.Fatalf("defaults: %v %v %v", c.DBRead, c.DBReadMaxLag, err)
	}
	m := map[string]string{"SHANHAI_DB": "mysql:root@tcp(127.0.0.1:3306)/shanhai",
		"SHANHAI_JWT_SECRET": "0123456789abcdef0", "SHANHAI_PAYMENT_SECRET": "0123456789abcdef1",
		"SHANHAI_DB_READ":         " mysql:ro@tcp(10.0.0.2:3306)/shanhai , mysql:ro@tcp(10.0.0.3:3306)/shanhai",
		"SHANHAI_DB_READ_MAX_LAG": "5s"}
	c, err = Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mysql:ro@tcp(10.0.0.2:3306)/shanhai", "mysql:ro@tcp(10.0.0.3:3306)/shanhai"}
	if !slices.Equal(c.DBRead, want) || c.DBReadMaxLag != 5*time.Second {
		t.Errorf("read replicas %v lag %v, want %v 5s", c.DBRead, c.DBReadMaxLag, want)
	}
	m["SHANHAI_DB_READ"] = "mysql:ro:hunter2secret@db:3306/shanhai"
	if _, err := Load(env(m)); err == nil || strings.Contains(err.Error(), "hunter2secret") || !strings.Contains(err.Error(), "SHANHAI_DB_READ") {
		t.Errorf("bad replica DSN: %v", err)
	}
	if _, err := Load(env(map[string]string{"SHANHAI_DB_READ": want[0]})); err == nil || !strings.Contains(err.Error(), "SHANHAI_DB_READ") {
		t.Errorf("replicas beside SQLite: %v", err)
	}
}

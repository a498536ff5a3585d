// Package config loads shanhai's configuration from SHANHAI_* environment
// variables. Every variable has a safe default; an invalid value stops the
// process with one line naming the variable.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// Variables are the names of every environment variable Load reads; the
// deployment files are checked against it (a misspelt name would otherwise be
// ignored in silence). A new variable is added here and read in Load.
var Variables = []string{
	"SHANHAI_ADDR", "SHANHAI_DB", "SHANHAI_DB_MAX_OPEN", "SHANHAI_CATALOG_DB_READS", "SHANHAI_REDIS",
	"SHANHAI_JWT_SECRET", "SHANHAI_PAYMENT_SECRET", "SHANHAI_BOOTSTRAP_ADMIN", "SHANHAI_DEMO",
	"SHANHAI_UNPAID_TTL", "SHANHAI_ORG_UNPAID_TTL", "SHANHAI_APPROVAL_TTL", "SHANHAI_AUTO_ACCEPT",
	"SHANHAI_RETURN_WINDOW", "SHANHAI_RETURN_AUTO_APPROVE",
	"SHANHAI_RATE_LOGIN", "SHANHAI_RATE_ORDERS", "SHANHAI_SKU_CAP", "SHANHAI_HOLD_SHARE", "SHANHAI_TRUSTED_PROXIES",
	"SHANHAI_ORDER_BATCH",
	"SHANHAI_LOG_LEVEL", "SHANHAI_LOG_FORMAT", "SHANHAI_SLOW_SQL",
	"SHANHAI_DRAIN", "SHANHAI_SHUTDOWN_TIMEOUT",
	"SHANHAI_BLOBS", "SHANHAI_ACCESS_TTL", "SHANHAI_REFRESH_TTL", "SHANHAI_SMS", "SHANHAI_SMS_SECRET",
	"OTEL_EXPORTER_OTLP_ENDPOINT",
	"SHANHAI_DB_READ", "SHANHAI_DB_READ_MAX_LAG",
}

// Config is the whole configuration.
type Config struct {
	Addr      string
	DB        string
	DBMaxOpen int
	// CatalogDBReads bounds the catalogue reads (product detail, list page)
	// one replica runs on the database at once (cache misses, or every read
	// without Redis); 0: unbounded.
	CatalogDBReads    int
	Redis             string
	JWTSecret         string
	PaymentSecret     string
	BootstrapAdmin    string
	Demo              bool
	UnpaidTTL         time.Duration
	OrgUnpaidTTL      time.Duration
	ApprovalTTL       time.Duration
	AutoAccept        time.Duration
	ReturnWindow      time.Duration
	ReturnAutoApprove time.Duration
	RateLogin         int
	RateOrders        int
	SKUCap            int64
	// HoldShare: the percent (1–100) of a SKU's on-hand units one buyer's
	// open, unshipped orders may hold (rounded up, at least one unit).
	HoldShare int
	// OrderBatch: the most consumers' placements written in one transaction
	// (group commit, service/order/batch.go); 0 or 1, each alone;
	// AutoOrderBatch (unset): on, except on a Galera node (main.go).
	OrderBatch int
	// Blobs is where files live: "db" (in the database) or "dir:<path>".
	Blobs string
	// AccessTTL and RefreshTTL are the lives of an access token and of a
	// refresh-token family (SHANHAI_ACCESS_TTL, SHANHAI_REFRESH_TTL).
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// SMS is the provider of sign-up codes: "log", "webhook:<url>", or ""
	// (none: the SMS routes answer 503 sms_unavailable). SMSSecret keys the
	// webhook's signature.
	SMS       string
	SMSSecret string
	// TrustedProxies are the addresses or CIDRs of load balancers whose
	// X-Forwarded-For is believed; empty = trust none, use the peer address.
	TrustedProxies []string

	// LogLevel and LogFormat ("json" or "text") shape the log stream.
	LogLevel  slog.Level
	LogFormat string
	// SlowSQL is the duration above which a statement is logged at warn.
	SlowSQL time.Duration
	// Drain is how long /readyz answers 503 after SIGTERM before the
	// listener closes; ShutdownTimeout bounds the wait for in-flight
	// requests after that.
	Drain           time.Duration
	ShutdownTimeout time.Duration
	// OTLPEndpoint turns tracing on (OTEL_EXPORTER_OTLP_ENDPOINT); empty = off.
	OTLPEndpoint string

	// Warnings are things the operator should know (generated secrets).
	Warnings []string
	// DBRead are the read replicas' DSNs (mysql:<DSN>), for the reads that
	// decide nothing; DBReadMaxLag is how far behind one may be and still
	// be read.
	DBRead       []string
	DBReadMaxLag time.Duration
}

// AutoOrderBatch is OrderBatch when SHANHAI_ORDER_BATCH is unset: group
// commit of order.DefaultBatch placements, off on a Galera node.
const AutoOrderBatch = -1

func orderBatch(n int) string {
	if n == AutoOrderBatch {
		return "auto"
	}
	return strconv.Itoa(n)
}

// Embedded reports whether the database is the embedded SQLite default.
func (c *Config) Embedded() bool { return strings.HasPrefix(c.DB, "sqlite:") }

// Load reads the configuration through getenv (os.Getenv in production).
func Load(getenv func(string) string) (*Config, error) {
	c := &Config{}
	var err error
	str := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	num := func(name string, def int) int {
		v := getenv(name)
		if v == "" || err != nil {
			return def
		}
		n, e := strconv.Atoi(v)
		if e != nil || n < 0 {
			err = fmt.Errorf("%s=%q: want a whole number >= 0", name, v)
		}
		return n
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" || err != nil {
			return def
		}
		d, e := time.ParseDuration(v)
		if e != nil || d <= 0 {
			err = fmt.Errorf("%s=%q: want a positive Go duration such as 30m or 720h", name, v)
		}
		return d
	}
	// durZero is dur where 0 is allowed (switches a wait off).
	durZero := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" || err != nil {
			return def
		}
		d, e := time.ParseDuration(v)
		if e != nil || d < 0 {
			err = fmt.Errorf("%s=%q: want a Go duration >= 0 such as 0s, 5s or 200ms", name, v)
		}
		return d
	}
	oneOf := func(name, def string, allowed ...string) string {
		v := getenv(name)
		if v == "" || err != nil {
			return def
		}
		for _, a := range allowed {
			if v == a {
				return v
			}
		}
		err = fmt.Errorf("%s=%q: want one of %s", name, v, strings.Join(allowed, ", "))
		return def
	}
	c.Addr = str("SHANHAI_ADDR", ":8080")
	c.DB = str("SHANHAI_DB", "sqlite:shanhai.db")
	c.DBMaxOpen = num("SHANHAI_DB_MAX_OPEN", 32)
	c.CatalogDBReads = num("SHANHAI_CATALOG_DB_READS", 16)
	c.Redis = getenv("SHANHAI_REDIS")
	c.JWTSecret = getenv("SHANHAI_JWT_SECRET")
	c.PaymentSecret = getenv("SHANHAI_PAYMENT_SECRET")
	c.BootstrapAdmin = getenv("SHANHAI_BOOTSTRAP_ADMIN")
	c.UnpaidTTL = dur("SHANHAI_UNPAID_TTL", 30*time.Minute)
	c.OrgUnpaidTTL = dur("SHANHAI_ORG_UNPAID_TTL", 720*time.Hour)
	c.ApprovalTTL = dur("SHANHAI_APPROVAL_TTL", 72*time.Hour)
	c.AutoAccept = dur("SHANHAI_AUTO_ACCEPT", 168*time.Hour)
	c.ReturnWindow = dur("SHANHAI_RETURN_WINDOW", 168*time.Hour)
	c.ReturnAutoApprove = dur("SHANHAI_RETURN_AUTO_APPROVE", 72*time.Hour)
	c.RateLogin = num("SHANHAI_RATE_LOGIN", 10)
	c.RateOrders = num("SHANHAI_RATE_ORDERS", 120)
	c.SKUCap = int64(num("SHANHAI_SKU_CAP", 0))
	c.HoldShare = num("SHANHAI_HOLD_SHARE", 50)
	c.OrderBatch = num("SHANHAI_ORDER_BATCH", AutoOrderBatch)
	if err == nil && (c.HoldShare < 1 || c.HoldShare > 100) {
		err = fmt.Errorf("SHANHAI_HOLD_SHARE=%d: want a percent from 1 to 100", c.HoldShare)
	}
	level := oneOf("SHANHAI_LOG_LEVEL", "info", "debug", "info", "warn", "error")
	c.LogFormat = oneOf("SHANHAI_LOG_FORMAT", "json", "json", "text")
	c.SlowSQL = dur("SHANHAI_SLOW_SQL", 200*time.Millisecond)
	c.Drain = durZero("SHANHAI_DRAIN", 5*time.Second)
	c.ShutdownTimeout = dur("SHANHAI_SHUTDOWN_TIMEOUT", 30*time.Second)
	c.OTLPEndpoint = getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	c.AccessTTL = dur("SHANHAI_ACCESS_TTL", 15*time.Minute)
	c.RefreshTTL = dur("SHANHAI_REFRESH_TTL", 720*time.Hour)
	c.DBReadMaxLag = dur("SHANHAI_DB_READ_MAX_LAG", 2*time.Second)
	if err != nil {
		return nil, err
	}
	if v := getenv("SHANHAI_TRUSTED_PROXIES"); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				return nil, fmt.Errorf("SHANHAI_TRUSTED_PROXIES: %q is not an IP address or CIDR", p)
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || !(validPort(port) || port == "0") {
		return nil, fmt.Errorf("SHANHAI_ADDR=%q: want host:port or :port, a port from 1 to 65535", c.Addr)
	}
	if e := c.LogLevel.UnmarshalText([]byte(level)); e != nil {
		return nil, fmt.Errorf("SHANHAI_LOG_LEVEL=%q: %v", level, e)
	}
	if c.OTLPEndpoint != "" {
		if u, e := url.Parse(c.OTLPEndpoint); e != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT=%q: want an http:// or https:// URL such as http://collector:4318", c.OTLPEndpoint)
		}
	}
	if c.DBMaxOpen < 1 {
		return nil, fmt.Errorf("SHANHAI_DB_MAX_OPEN=%d: want at least 1", c.DBMaxOpen)
	}
	if c.CatalogDBReads < 0 {
		return nil, fmt.Errorf("SHANHAI_CATALOG_DB_READS=%d: want 0 (unbounded) or more", c.CatalogDBReads)
	}
	kind, rest, _ := strings.Cut(c.DB, ":")
	if (kind != "sqlite" && kind != "mysql") || rest == "" {
		return nil, fmt.Errorf("SHANHAI_DB=%q: want sqlite:<path> or mysql:<go-sql-driver DSN>", maskDSN(c.DB))
	}
	if kind == "mysql" {
		if _, e := mysqldrv.ParseDSN(rest); e != nil {
			return nil, fmt.Errorf("SHANHAI_DB=%q: bad MySQL DSN (want user:pass@tcp(host:3306)/name): %v", maskDSN(c.DB), e)
		}
	}
	if v := strings.TrimSpace(getenv("SHANHAI_DB_READ")); v != "" {
		if kind != "mysql" {
			return nil, fmt.Errorf("SHANHAI_DB_READ: read replicas need SHANHAI_DB=mysql:<DSN>")
		}
		for _, d := range strings.Split(v, ",") {
			d = strings.TrimSpace(d)
			r, ok := strings.CutPrefix(d, "mysql:")
			if _, e := mysqldrv.ParseDSN(r); !ok || e != nil {
				return nil, fmt.Errorf("SHANHAI_DB_READ: %q is not mysql:<go-sql-driver DSN>", maskDSN(d))
			}
			c.DBRead = append(c.DBRead, d)
		}
	}
	if path, ok := strings.CutPrefix(c.DB, "sqlite:"); ok && path != "" {
		// the embedded database's folder must exist: SQLite would say "out of memory"
		file, _, _ := strings.Cut(path, "?")
		if !strings.HasPrefix(file, "file:") && file != ":memory:" {
			if st, err := os.Stat(filepath.Dir(file)); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("SHANHAI_DB=%q: the folder %s does not exist", c.DB, filepath.Dir(file))
			}
		}
	}
	c.Blobs = str("SHANHAI_BLOBS", "db")
	if dir, ok := strings.CutPrefix(c.Blobs, "dir:"); (!ok || dir == "") && c.Blobs != "db" {
		return nil, fmt.Errorf("SHANHAI_BLOBS=%q: want db or dir:<path>", c.Blobs)
	}
	if c.Redis != "" {
		if err := checkRedis(c.Redis); err != nil {
			return nil, fmt.Errorf("SHANHAI_REDIS=%q: %v", maskDSN(c.Redis), err)
		}
	}
	// Demo data (with its public passwords) is for a first look only: it is on
	// by default only when SHANHAI_DB is not set at all, never because the
	// database happens to be SQLite.
	switch v := getenv("SHANHAI_DEMO"); v {
	case "":
		c.Demo = getenv("SHANHAI_DB") == ""
	case "1", "0":
		c.Demo = v == "1"
	default:
		return nil, fmt.Errorf("SHANHAI_DEMO=%q: want 1 or 0", v)
	}
	if c.BootstrapAdmin != "" {
		u, p, ok := strings.Cut(c.BootstrapAdmin, ":")
		if !ok || u == "" || len(p) < 8 {
			return nil, fmt.Errorf("SHANHAI_BOOTSTRAP_ADMIN: want username:password with a password of at least 8 characters")
		}
		if c.Demo {
			// The demo's own admin (with a published password) would win and
			// the operator's password would never be used.
			return nil, fmt.Errorf("SHANHAI_BOOTSTRAP_ADMIN is set together with demo data: set SHANHAI_DB (demo data is then off) or SHANHAI_DEMO=0")
		}
	}
	if err := c.loadSMS(getenv); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		name string
		val  *string
	}{{"SHANHAI_JWT_SECRET", &c.JWTSecret}, {"SHANHAI_PAYMENT_SECRET", &c.PaymentSecret}} {
		if *s.val != "" {
			if len(*s.val) < 16 {
				return nil, fmt.Errorf("%s: want at least 16 characters", s.name)
			}
			continue
		}
		if !c.Embedded() {
			return nil, fmt.Errorf("%s is required with a MySQL database (replicas must share it)", s.name)
		}
		*s.val = randomSecret()
		c.Warnings = append(c.Warnings, s.name+" is not set: using a random one, so tokens and callbacks do not survive a restart")
	}
	return c, nil
}

// loadSMS reads SHANHAI_SMS and SHANHAI_SMS_SECRET. The embedded default
// writes codes to the log; with MySQL there is no provider unless one is
// named, and the SMS routes answer 503.
func (c *Config) loadSMS(getenv func(string) string) error {
	c.SMS = getenv("SHANHAI_SMS")
	c.SMSSecret = getenv("SHANHAI_SMS_SECRET")
	if c.SMS == "" && c.Embedded() {
		c.SMS = "log"
	}
	switch {
	case c.SMS == "" || c.SMS == "log":
	case strings.HasPrefix(c.SMS, "webhook:"):
		u, err := url.Parse(strings.TrimPrefix(c.SMS, "webhook:"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("SHANHAI_SMS=%q: want webhook:<http or https URL>", c.SMS)
		}
		if len(c.SMSSecret) < 16 {
			return fmt.Errorf("SHANHAI_SMS_SECRET: want at least 16 characters with SHANHAI_SMS=webhook:...")
		}
	default:
		return fmt.Errorf("SHANHAI_SMS=%q: want log or webhook:<url>", c.SMS)
	}
	if c.SMSSecret != "" && !strings.HasPrefix(c.SMS, "webhook:") {
		return fmt.Errorf("SHANHAI_SMS_SECRET is set but SHANHAI_SMS is not webhook:<url>")
	}
	return nil
}

// checkRedis accepts redis://host:port/db or a comma-separated host:port list (a cluster).
func checkRedis(v string) error {
	if rest, ok := strings.CutPrefix(v, "redis://"); ok {
		return checkRedisURL(rest)
	}
	if rest, ok := strings.CutPrefix(v, "rediss://"); ok {
		return checkRedisURL(rest)
	}
	for _, addr := range strings.Split(v, ",") {
		host, port, err := net.SplitHostPort(strings.TrimSpace(addr))
		if err != nil || host == "" {
			return fmt.Errorf("want redis://host:port/db or host:port,host:port")
		}
		if !validPort(port) {
			return fmt.Errorf("bad port in %q", addr)
		}
	}
	return nil
}

// checkRedisURL checks the host:port of a redis:// URL (after the scheme,
// with optional user:password@ and /db).
func checkRedisURL(rest string) error {
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	hostport, _, _ := strings.Cut(rest, "/")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || host == "" {
		return fmt.Errorf("want redis://host:port/db")
	}
	if !validPort(port) {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}

// validPort is a TCP port number, 1 to 65535.
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

func randomSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// LogValue prints the effective configuration with secrets masked.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("db", maskDSN(c.DB)),
		slog.Int("db_max_open", c.DBMaxOpen),
		slog.Int("catalog_db_reads", c.CatalogDBReads),
		slog.Int("db_read_replicas", len(c.DBRead)),
		slog.String("db_read_max_lag", c.DBReadMaxLag.String()),
		slog.String("redis", maskDSN(c.Redis)),
		slog.String("jwt_secret", mask(c.JWTSecret)),
		slog.String("payment_secret", mask(c.PaymentSecret)),
		slog.String("bootstrap_admin", maskDSN(c.BootstrapAdmin)),
		slog.Bool("demo", c.Demo),
		slog.String("unpaid_ttl", c.UnpaidTTL.String()),
		slog.String("org_unpaid_ttl", c.OrgUnpaidTTL.String()),
		slog.String("approval_ttl", c.ApprovalTTL.String()),
		slog.String("auto_accept", c.AutoAccept.String()),
		slog.String("return_window", c.ReturnWindow.String()),
		slog.String("return_auto_approve", c.ReturnAutoApprove.String()),
		slog.Int("rate_login", c.RateLogin),
		slog.Int("rate_orders", c.RateOrders),
		slog.Int64("sku_cap", c.SKUCap),
		slog.Int("hold_share", c.HoldShare),
		slog.String("order_batch", orderBatch(c.OrderBatch)),
		slog.String("blobs", c.Blobs),
		slog.String("access_ttl", c.AccessTTL.String()),
		slog.String("refresh_ttl", c.RefreshTTL.String()),
		slog.String("sms", maskDSN(c.SMS)),
		slog.String("sms_secret", mask(c.SMSSecret)),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.String("slow_sql", c.SlowSQL.String()),
		slog.String("drain", c.Drain.String()),
		slog.String("shutdown_timeout", c.ShutdownTimeout.String()),
		slog.String("otlp_endpoint", c.OTLPEndpoint),
	)
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "***"
}

// maskDSN hides a password in "user:pass@..." or "redis://user:pass@..." or "user:pass".
func maskDSN(s string) string {
	at := strings.LastIndex(s, "@")
	if at < 0 {
		if u, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(s, "/") && !strings.Contains(s, ",") && u != "sqlite" && u != "mysql" {
			return u + ":***"
		}
		return s
	}
	head := s[:at]
	colon := strings.LastIndex(head, ":")
	slashes := strings.LastIndex(head, "/")
	if colon > slashes && colon >= 0 {
		return head[:colon+1] + "***" + s[at:]
	}
	return s
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"

	"shanhai/config"
	"shanhai/model"
)

// testConfig is a real install on a fresh SQLite file (Redis too when
// SHANHAI_TEST_REDIS is set), with no drain wait.
func testConfig(t *testing.T, extra map[string]string) *config.Config {
	t.Helper()
	env := map[string]string{
		"SHANHAI_DB": "sqlite:" + filepath.Join(t.TempDir(), "x.db"), "SHANHAI_DEMO": "0", "SHANHAI_DRAIN": "0s",
		"SHANHAI_REDIS": os.Getenv("SHANHAI_TEST_REDIS"),
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A stop (SIGTERM) takes the replica out of the load balancer first (/readyz
// 503 while draining), lets the request in flight finish with its 200 after
// the listener closed, stops the workers and waits for them, and only then
// closes Redis and the database.
func TestGracefulStop(t *testing.T) {
	cfg := testConfig(t, nil)
	signal, stop := context.WithCancel(context.Background())
	defer stop()
	a, err := build(signal, cfg)
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	a.handler.GET("/test/slow", func(c *gin.Context) {
		close(entered)
		<-release
		c.String(http.StatusOK, "done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()

	var mu sync.Mutex
	var steps []string
	workersDoneAtDBClose := false
	a.step = func(s string) {
		mu.Lock()
		steps = append(steps, s)
		mu.Unlock()
		switch s {
		case "listener closing":
			// the in-flight request is let go once new connections are refused
			go func() {
				for {
					c, err := net.Dial("tcp", ln.Addr().String())
					if err != nil {
						close(release)
						return
					}
					c.Close()
				}
			}()
		case "database closed":
			select {
			case <-a.workers:
				workersDoneAtDBClose = true
			default:
			}
		}
	}
	readyDuringDrain, readyBody := 0, ""
	a.drainWait = func(context.Context) {
		// a fresh connection: the one in flight is busy
		res, err := (&http.Client{Transport: &http.Transport{}}).Get(base + "/readyz")
		if err != nil {
			t.Errorf("readyz during drain: %v", err)
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		readyDuringDrain, readyBody = res.StatusCode, string(b)
	}
	done := make(chan error, 1)
	go func() { done <- a.run(signal, ln) }()

	if res, err := http.Get(base + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz before the stop: %v %v", res, err)
	}
	type answer struct {
		status int
		body   string
		err    error
	}
	slow := make(chan answer, 1)
	go func() {
		res, err := (&http.Client{Transport: &http.Transport{}}).Get(base + "/test/slow")
		if err != nil {
			slow <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		slow <- answer{status: res.StatusCode, body: string(b)}
	}()
	<-entered
	stop() // SIGTERM

	got := <-slow
	if got.err != nil || got.status != http.StatusOK || got.body != "done" {
		t.Errorf("request in flight at the stop: %+v, want 200 done", got)
	}
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	if readyDuringDrain != http.StatusServiceUnavailable || !strings.Contains(readyBody, `"accepting":"unavailable"`) {
		t.Errorf("readyz while draining: %d %s, want 503 naming accepting", readyDuringDrain, readyBody)
	}
	if !workersDoneAtDBClose {
		t.Error("the database closed before every worker had returned")
	}
	want := []string{"draining", "listener closing", "requests finished", "workers stopped"}
	if cfg.Redis != "" {
		want = append(want, "cache closed", "redis closed")
	}
	want = append(want, "database closed")
	if !slices.Equal(steps, want) {
		t.Errorf("stop steps: got %v, want %v", steps, want)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener still accepts after the stop")
	}
}

// Every request's log line names the client and the user; the level and
// format come from the configuration.
func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	defer slog.SetDefault(old)
	slog.SetDefault(newLogger(&buf, "json", slog.LevelInfo))
	cfg := testConfig(t, map[string]string{"SHANHAI_BOOTSTRAP_ADMIN": "owner:owner-password-1"})
	a, err := build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	srv := &http.Server{Handler: a.handler}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	res, err := http.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"username":"owner","password":"owner-password-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		Token string `json:"token"`
	}
	json.NewDecoder(res.Body).Decode(&login)
	res.Body.Close()
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+login.Token)
	req.Header.Set("X-Request-ID", "req-log-test")
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /me: %v %v", res, err)
	}
	res.Body.Close()
	srv.Close()
	var line map[string]any
	for _, l := range strings.Split(buf.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["request_id"] == "req-log-test" {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no request line for req-log-test in %s", buf.String())
	}
	if line["client"] != "127.0.0.1" || line["user_id"] == nil || line["route"] != "/api/v1/me" {
		t.Errorf("request line %v: want client 127.0.0.1, a user_id and the route", line)
	}
	buf.Reset()
	slog.SetDefault(newLogger(&buf, "text", slog.LevelWarn))
	slog.Info("hidden")
	slog.Warn("shown")
	if out := buf.String(); strings.Contains(out, "hidden") || !strings.Contains(out, "level=WARN msg=shown") {
		t.Errorf("text at warn: %q", out)
	}
}

// With OTEL_EXPORTER_OTLP_ENDPOINT set, the spans of the requests reach the
// collector's /v1/traces, flushed at the latest when the replica stops, and
// the tracing provider closes after the database.
func TestTracingExports(t *testing.T) {
	var mu sync.Mutex
	posts := map[string]int{}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		if r.Method == http.MethodPost && len(b) > 0 {
			posts[r.URL.Path]++
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	cfg := testConfig(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL})
	a, err := build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	a.step = func(s string) { steps = append(steps, s) }
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/regions", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("regions: %d", rec.Code)
	}
	if err := a.close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if posts["/v1/traces"] == 0 {
		t.Errorf("no spans posted to the collector's /v1/traces: %v", posts)
	}
	if len(steps) == 0 || steps[len(steps)-1] != "tracing closed" {
		t.Errorf("stop steps %v: tracing must close last", steps)
	}
}

// The credited-cents counter moves by the credited sales of a committed
// transaction only: not by a rolled-back one, nor by entries that credit no
// pairing, nor by returns.
func TestCreditedCentsCounted(t *testing.T) {
	cfg := testConfig(t, nil)
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := creditCounted{Store: st, cents: new(atomic.Int64)}
	pairing := int64(1)
	entries := func() []*model.Credit {
		return []*model.Credit{
			{Source: model.SourceAcceptance, OrderID: 1, LineID: 1, Quantity: 1, AmountCents: 500, PairingID: &pairing, Period: 202603, CreditDate: "2026-03-01"},
			{Source: model.SourceAcceptance, OrderID: 1, LineID: 2, Quantity: 1, AmountCents: 300, Reason: model.ReasonNoPairing, Period: 202603, CreditDate: "2026-03-01"},
			{Source: model.SourceReturn, OrderID: 1, LineID: 1, Quantity: -1, AmountCents: -500, PairingID: &pairing, Period: 202603, CreditDate: "2026-03-01"},
		}
	}
	rollback := errors.New("rolled back")
	err = st.InTx(ctx, func(ctx context.Context) error {
		if err := c.AddCredits(ctx, entries()); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if got := c.cents.Load(); got != 0 {
		t.Errorf("after a rollback: %d cents, want 0", got)
	}
	if err := st.InTx(ctx, func(ctx context.Context) error { return c.AddCredits(ctx, entries()) }); err != nil {
		t.Fatal(err)
	}
	if got := c.cents.Load(); got != 500 {
		t.Errorf("after a commit: %d cents, want 500 (the credited sale only)", got)
	}
}

package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

func attr(attrs []attribute.KeyValue, key string) string {
	for _, a := range attrs {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

// With tracing on, one API request is a server span named by its route, and
// the statements it ran are its child spans, each with the request id.
func TestTracing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		defer tp.Shutdown(t.Context())
		h := newHarness(t, b, func(d *api.Deps, st *store.Store) {
			d.Tracer = tp
			if err := st.Trace(tp); err != nil {
				t.Fatal(err)
			}
		})
		w := seedWorld(t, h)
		admin := w.token(t, model.RoleAdmin)
		exp.Reset()
		var logged bytes.Buffer
		defer slog.SetDefault(slog.Default())
		slog.SetDefault(slog.New(api.LogHandler(slog.NewJSONHandler(&logged, nil))))

		res := h.callWith(t, http.MethodGet, v1+"/admin/audit?entity=user", admin, "", map[string]string{"X-Request-ID": "trace-req-1"})
		if res.Status != http.StatusOK {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		spans := exp.GetSpans()
		var server *tracetest.SpanStub
		for i, s := range spans {
			if s.Name == "GET /api/v1/admin/audit" {
				server = &spans[i]
			}
		}
		if server == nil {
			t.Fatalf("no server span among %d", len(spans))
		}
		if got := attr(server.Attributes, "shanhai.request_id"); got != "trace-req-1" {
			t.Errorf("server span request id %q", got)
		}
		if got := attr(server.Attributes, "http.response.status_code"); got != "200" {
			t.Errorf("server span status %q", got)
		}
		children := 0
		for _, s := range spans {
			if !strings.HasPrefix(s.Name, "sql ") {
				continue
			}
			if s.Parent.SpanID() != server.SpanContext.SpanID() || s.SpanContext.TraceID() != server.SpanContext.TraceID() {
				t.Errorf("sql span %s is not a child of the request's span", s.Name)
				continue
			}
			children++
			if got := attr(s.Attributes, "shanhai.request_id"); got != "trace-req-1" {
				t.Errorf("sql span %s request id %q", s.Name, got)
			}
			if stmt := attr(s.Attributes, "db.statement"); stmt == "" {
				t.Errorf("sql span %s without its statement", s.Name)
			}
		}
		// the request's log line names the trace
		var line struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
			TraceID   string `json:"trace_id"`
		}
		found := false
		for _, l := range bytes.Split(logged.Bytes(), []byte("\n")) {
			if json.Unmarshal(l, &line) == nil && line.Msg == "request" && line.RequestID == "trace-req-1" {
				found = true
				if line.TraceID != server.SpanContext.TraceID().String() {
					t.Errorf("request log trace_id %q, want %s", line.TraceID, server.SpanContext.TraceID())
				}
			}
		}
		if !found {
			t.Errorf("no request log line: %s", logged.String())
		}
		// the caller's user is read, the trail counted and read
		if children < 2 {
			t.Errorf("%d sql spans under the request, want at least 2: %v", children, spans)
		}
	})
}

// BenchmarkTracing is one category list read through the router with tracing off
// and on (spans recorded, exported nowhere): what a request pays for it.
func BenchmarkTracing(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			be := storetest.SQLite(b)
			var opts []harnessOpt
			if on {
				tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())))
				opts = append(opts, func(d *api.Deps, st *store.Store) {
					d.Tracer = tp
					if err := st.Trace(tp); err != nil {
						b.Fatal(err)
					}
				})
			}
			h := newHarness(&testing.T{}, be, opts...)
			old := slog.Default()
			slog.SetDefault(slog.New(slog.DiscardHandler))
			defer slog.SetDefault(old)
			b.ResetTimer()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, v1+"/categories", nil))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

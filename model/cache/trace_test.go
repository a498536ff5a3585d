package cache

import (
	"context"
	"os"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"shanhai/model"
)

// With tracing on, a Redis command is a child span of the span in its
// context, with the request id.
func TestRedisTracing(t *testing.T) {
	url := os.Getenv("SHANHAI_TEST_REDIS")
	if url == "" {
		t.Skip("SKIPPED: SHANHAI_TEST_REDIS is not set")
	}
	rdb, err := NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	Trace(rdb, tp)

	ctx, parent := tp.Tracer("test").Start(model.WithRequestID(context.Background(), "redis-req-1"), "request")
	rdb.Get(ctx, "shanhai:trace-test:absent")
	parent.End()

	var found bool
	for _, s := range exp.GetSpans() {
		if s.Name != "redis get" {
			continue
		}
		found = true
		if s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Error("redis span is not a child of the request's span")
		}
		id := ""
		for _, a := range s.Attributes {
			if a.Key == "shanhai.request_id" {
				id = a.Value.AsString()
			}
		}
		if id != "redis-req-1" {
			t.Errorf("request id %q", id)
		}
		if s.Status.Code != 0 {
			t.Errorf("a miss (redis.Nil) marked as an error: %+v", s.Status)
		}
	}
	if !found {
		t.Fatalf("no redis span: %v", exp.GetSpans())
	}
}

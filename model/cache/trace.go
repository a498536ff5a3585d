package cache

import (
	"context"
	"errors"
	"net"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"shanhai/model"
)

// Trace makes every Redis command (and pipeline) of rdb a span, a child of
// the span in its context (the request's), with the request id. Call it only
// when tracing is on: without the hook a command carries no tracing cost.
func Trace(rdb redis.UniversalClient, tp trace.TracerProvider) {
	rdb.AddHook(redisTracer{tracer: tp.Tracer("shanhai/model/cache")})
}

type redisTracer struct{ tracer trace.Tracer }

func (h redisTracer) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h redisTracer) start(ctx context.Context, name string, n int) (context.Context, trace.Span) {
	ctx, span := h.tracer.Start(ctx, "redis "+name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "redis"), attribute.String("db.operation", name)))
	if n > 1 {
		span.SetAttributes(attribute.Int("db.redis.commands", n))
	}
	if id := model.RequestID(ctx); id != "" {
		span.SetAttributes(attribute.String("shanhai.request_id", id))
	}
	return ctx, span
}

func end(span trace.Span, err error) {
	if err != nil && !errors.Is(err, redis.Nil) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

func (h redisTracer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		ctx, span := h.start(ctx, cmd.Name(), 1)
		err := next(ctx, cmd)
		end(span, err)
		return err
	}
}

func (h redisTracer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		ctx, span := h.start(ctx, "pipeline", len(cmds))
		err := next(ctx, cmds)
		end(span, err)
		return err
	}
}

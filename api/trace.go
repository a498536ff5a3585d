package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"shanhai/model"
)

// traceRequests makes each request a server span (continuing a caller's W3C
// traceparent), named by its route template, carrying the request id; the
// store's and the cache's spans hang below it through the request context.
// The router uses it only when Deps.Tracer is set.
func traceRequests(tp trace.TracerProvider) gin.HandlerFunc {
	tracer := tp.Tracer("shanhai/api")
	prop := propagation.TraceContext{}
	return func(c *gin.Context) {
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		ctx := prop.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		ctx, span := tracer.Start(ctx, c.Request.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				attribute.String("http.request.method", methodLabel(c.Request.Method)),
				attribute.String("http.route", route),
				attribute.String("url.path", c.Request.URL.Path),
				attribute.String("client.address", c.ClientIP()),
				attribute.String("shanhai.request_id", model.RequestID(ctx)),
			))
		defer span.End()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		status := c.Writer.Status()
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if u, ok := c.Get(userKey); ok {
			if u, ok := u.(*model.User); ok && u != nil {
				span.SetAttributes(attribute.Int64("enduser.id", u.ID))
			}
		}
		if status >= http.StatusInternalServerError {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
	}
}

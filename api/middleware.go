package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"shanhai/model"
)

// MaxBody is the largest request body accepted; more is a 413.
const MaxBody = 1 << 20

// requestContext gives each request an id (an incoming X-Request-ID when it
// is sane, else a new one), puts it in the request's context for every log
// line, echoes it in the response, bounds the body, and logs the request
// once it is done.
func (r *router) requestContext(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader("X-Request-ID")
	if !saneRequestID(id) {
		id = newRequestID()
	}
	c.Header("X-Request-ID", id)
	// No answer is ever to be sniffed into another type (a JSON error shown as
	// HTML, a CSV run as script).
	c.Header("X-Content-Type-Options", "nosniff")
	// An answer to a credentialed request is personal, and an answer to a
	// write (a login's token, an order) is never to be replayed from a cache:
	// neither a shared nor a browser cache keeps them.
	if c.GetHeader("Authorization") != "" || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		c.Header("Cache-Control", "no-store")
	}
	c.Request = c.Request.WithContext(model.WithRequestID(c.Request.Context(), id))
	limit, ok := bodyLimits[c.FullPath()]
	if !ok {
		limit = MaxBody
	}
	if c.Request.ContentLength > limit {
		writeError(c, &http.MaxBytesError{Limit: limit})
	} else {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	r.metrics.observe(c.Request.Method, route, status, elapsed)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []any{"method", c.Request.Method, "route", route, "path", c.Request.URL.Path,
		"status", status, "ms", float64(elapsed.Microseconds()) / 1000, "bytes", c.Writer.Size(),
		// the client as the login limits see it (X-Forwarded-For only from a trusted proxy)
		"client", c.ClientIP()}
	if u, ok := c.Get(userKey); ok {
		if u, ok := u.(*model.User); ok && u != nil {
			attrs = append(attrs, "user_id", u.ID)
		}
	}
	slog.Log(c.Request.Context(), level, "request", attrs...)
}

// contentSecurityPolicy is what every HTML page the binary serves carries:
// everything from this host only (the workspace runs on intranets), no
// framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"

// htmlPage sends an HTML page with the policy every page carries.
func htmlPage(c *gin.Context, body []byte) {
	c.Header("Content-Security-Policy", contentSecurityPolicy)
	c.Data(http.StatusOK, "text/html; charset=utf-8", body)
}

// bodyLimits are the routes whose bodies may exceed MaxBody: file uploads.
var bodyLimits = map[string]int64{
	uploadPath:      maxUploadBody,
	recordScanPath:  maxScanBody,
	invoiceScanPath: maxScanBody,
	importPath:      maxImportBody,
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, ch := range id {
		if ch < 0x21 || ch > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// recovery turns a panic into a JSON 500, logged with the request id.
func recovery(c *gin.Context, recovered any) {
	slog.ErrorContext(c.Request.Context(), "panic", "panic", recovered, "path", c.Request.URL.Path)
	abort(c, http.StatusInternalServerError, errorDetail{Code: "internal", Message: "internal error"})
}

// LogHandler wraps h so that every record logged with a request's context
// carries its request_id, and its trace_id when tracing is on.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := model.RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		rec.AddAttrs(slog.String("trace_id", sc.TraceID().String()))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// pathID reads a positive integer id from the path; anything else is a 400.
func pathID(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, model.BadRequest("invalid_id", "%s must be a positive integer", name)
	}
	return id, nil
}

package api

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"shanhai/model"
)

// errorBody is the one error shape of the API.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string             `json:"code"`
	Message string             `json:"message"`
	Fields  []model.FieldError `json:"fields,omitempty"`
}

// kinds maps each model error kind to its status and default code.
var kinds = []struct {
	kind   error
	status int
	code   string
}{
	{model.ErrInvalid, http.StatusUnprocessableEntity, "invalid"},
	{model.ErrBadRequest, http.StatusBadRequest, "bad_request"},
	{model.ErrNotFound, http.StatusNotFound, "not_found"},
	{model.ErrConflict, http.StatusConflict, "conflict"},
	{model.ErrForbidden, http.StatusForbidden, "forbidden"},
	{model.ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{model.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{model.ErrRateLimited, http.StatusTooManyRequests, "rate_limited"},
}

// writeError is the one place an error becomes an HTTP answer. Unknown errors
// are a 500 with a generic message, logged once with the request id.
func writeError(c *gin.Context, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		msg := "the request body is over 1 MiB"
		if tooBig.Limit > MaxBody {
			msg = "the file is over " + strconv.FormatInt(tooBig.Limit>>20, 10) + " MiB"
		}
		abort(c, http.StatusRequestEntityTooLarge, errorDetail{Code: "body_too_large", Message: msg})
		return
	}
	if clientGone(c, err) {
		slog.InfoContext(c.Request.Context(), "client gone", "err", err.Error(), "path", c.FullPath())
		abort(c, StatusClientClosedRequest, errorDetail{Code: "client_closed_request",
			Message: "the client closed the request before it was answered"})
		return
	}
	var detail *model.Error
	hasDetail := errors.As(err, &detail)
	for _, k := range kinds {
		if !errors.Is(err, k.kind) {
			continue
		}
		d := errorDetail{Code: k.code, Message: http.StatusText(k.status)}
		if hasDetail {
			d = errorDetail{Code: detail.Code, Message: detail.Message, Fields: detail.Fields}
		}
		if hasDetail && detail.RetryAfter > 0 {
			c.Header("Retry-After", strconv.Itoa(int(math.Ceil(detail.RetryAfter.Seconds()))))
		}
		if k.status == http.StatusServiceUnavailable {
			c.Header("Retry-After", "1")
			if !hasDetail {
				d.Message = "the database is unavailable, try again shortly"
			}
		}
		abort(c, k.status, d)
		return
	}
	slog.ErrorContext(c.Request.Context(), "internal error", "err", err.Error(), "path", c.FullPath())
	abort(c, http.StatusInternalServerError, errorDetail{Code: "internal", Message: "internal error"})
}

// StatusClientClosedRequest is what a request whose client hung up before
// its answer is logged and counted as (nginx's 499). Nobody reads the body.
const StatusClientClosedRequest = 499

// clientGone: the request's context is cancelled (its client hung up) and
// err is what that did (a cancelled wait, a connection given up, an error
// of unknown kind), not an answer the request would have had anyway (a
// 409 out_of_stock stays a 409). Such a request is no server fault: it is
// logged as a 499, never as an internal error. Anything its transaction
// wrote committed whole or rolled back whole (store.InTx).
func clientGone(c *gin.Context, err error) bool {
	if c.Request.Context().Err() == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, model.ErrUnavailable) {
		return true
	}
	for _, k := range kinds {
		if errors.Is(err, k.kind) {
			return false
		}
	}
	return true
}

func abort(c *gin.Context, status int, d errorDetail) {
	c.AbortWithStatusJSON(status, errorBody{Error: d})
}

package store

import (
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"shanhai/model"
)

// Trace makes every statement run through GORM a span (a child of the span in
// its context: the request's), with the SQL, the rows and the request id.
// Call it once, right after Open, only when tracing is on: without it the
// statements carry no tracing cost at all.
func (s *Store) Trace(tp trace.TracerProvider) error {
	t := sqlTracer{tracer: tp.Tracer("shanhai/model/store"), system: s.dialect}
	cb := s.gdb.Callback()
	errs := []error{
		cb.Create().Before("gorm:create").Register("otel:before_create", t.before("create")),
		cb.Create().After("gorm:create").Register("otel:after_create", t.after),
		cb.Query().Before("gorm:query").Register("otel:before_query", t.before("query")),
		cb.Query().After("gorm:query").Register("otel:after_query", t.after),
		cb.Update().Before("gorm:update").Register("otel:before_update", t.before("update")),
		cb.Update().After("gorm:update").Register("otel:after_update", t.after),
		cb.Delete().Before("gorm:delete").Register("otel:before_delete", t.before("delete")),
		cb.Delete().After("gorm:delete").Register("otel:after_delete", t.after),
		cb.Row().Before("gorm:row").Register("otel:before_row", t.before("row")),
		cb.Row().After("gorm:row").Register("otel:after_row", t.after),
		cb.Raw().Before("gorm:raw").Register("otel:before_raw", t.before("raw")),
		cb.Raw().After("gorm:raw").Register("otel:after_raw", t.after),
	}
	return errors.Join(errs...)
}

type sqlTracer struct {
	tracer trace.Tracer
	system string
}

const spanKey = "shanhai:span"

func (t sqlTracer) before(op string) func(*gorm.DB) {
	return func(db *gorm.DB) {
		ctx := db.Statement.Context
		ctx, span := t.tracer.Start(ctx, "sql "+op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system", t.system), attribute.String("db.operation", op)))
		if id := model.RequestID(ctx); id != "" {
			span.SetAttributes(attribute.String("shanhai.request_id", id))
		}
		db.Statement.Context = ctx
		db.InstanceSet(spanKey, span)
	}
}

func (t sqlTracer) after(db *gorm.DB) {
	v, ok := db.InstanceGet(spanKey)
	if !ok {
		return
	}
	span := v.(trace.Span)
	defer span.End()
	if table := db.Statement.Table; table != "" {
		span.SetAttributes(attribute.String("db.sql.table", table))
	}
	span.SetAttributes(attribute.String("db.statement", db.Statement.SQL.String()),
		attribute.Int64("db.rows_affected", db.Statement.RowsAffected))
	if err := db.Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
}

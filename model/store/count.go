package store

import (
	"context"
	"errors"
	"sync/atomic"

	"gorm.io/gorm"
)

// Statement counting: a context made by CountStatements counts every
// statement the store runs under it (each GORM query, raw query, row read,
// create, update and delete, and each statement of rawExec and rawQuery,
// which go straight to database/sql), so a test can assert how many round trips a
// request costs. Without such a context the callbacks cost one context
// lookup per statement.

type statementsKey struct{}

// CountStatements returns a context under which the store counts the
// statements it runs, and a function reading the count so far.
func CountStatements(ctx context.Context) (context.Context, func() int64) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, statementsKey{}, n), n.Load
}

func countStatement(db *gorm.DB) {
	if db.Statement == nil || db.Statement.Context == nil {
		return
	}
	countIn(db.Statement.Context)
}

// countIn counts one statement under ctx, if it counts (rawExec and
// rawQuery, which bypass GORM's callbacks, call it themselves).
func countIn(ctx context.Context) {
	if n, ok := ctx.Value(statementsKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}

// registerCounting hooks countStatement after every kind of statement.
func registerCounting(gdb *gorm.DB) error {
	cb := gdb.Callback()
	return errors.Join(
		cb.Create().After("gorm:create").Register("shanhai:count_create", countStatement),
		cb.Query().After("gorm:query").Register("shanhai:count_query", countStatement),
		cb.Update().After("gorm:update").Register("shanhai:count_update", countStatement),
		cb.Delete().After("gorm:delete").Register("shanhai:count_delete", countStatement),
		cb.Row().After("gorm:row").Register("shanhai:count_row", countStatement),
		cb.Raw().After("gorm:raw").Register("shanhai:count_raw", countStatement),
	)
}

package storetest

// Transactions travel in the context: InTx commits or rolls back as a whole,
// a nested InTx joins the outer one, and AfterCommit functions run after the
// outermost commit only.

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"shanhai/model"
)

func testTransactions(t *testing.T, h Harness) {
	// A nested InTx that opened a second transaction would wait for SQLite's
	// one connection forever: bound every case.
	bounded := func(t *testing.T) context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	errBoom := errors.New("boom")
	count := func(t *testing.T, names ...string) int64 {
		t.Helper()
		var n int64
		for _, name := range names {
			n += queryInt64(t, h, "SELECT COUNT(*) FROM suppliers WHERE name = ?", name)
		}
		return n
	}
	create := func(ctx context.Context, name string) (*model.Supplier, error) {
		s := &model.Supplier{Name: name, RegionCode: "511113", Status: model.SupplierActive}
		return s, h.Store.CreateSupplier(ctx, s)
	}

	t.Run("commit", func(t *testing.T) {
		ctx := bounded(t)
		err := h.Store.InTx(ctx, func(ctx context.Context) error {
			if _, err := create(ctx, "提交一"); err != nil {
				return err
			}
			_, err := create(ctx, "提交二")
			return err
		})
		errorIs(t, "InTx", err, nil)
		if n := count(t, "提交一", "提交二"); n != 2 {
			t.Errorf("%d rows committed, want 2", n)
		}
	})

	t.Run("rollback on error", func(t *testing.T) {
		ctx := bounded(t)
		err := h.Store.InTx(ctx, func(ctx context.Context) error {
			if _, err := create(ctx, "回滚一"); err != nil {
				return err
			}
			if _, err := h.Store.AdjustStock(ctx, 1, 0); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("AdjustStock in the transaction: %v", err)
			}
			return errBoom
		})
		errorIs(t, "InTx", err, errBoom)
		if n := count(t, "回滚一"); n != 0 {
			t.Errorf("%d rows left after a rollback, want 0", n)
		}
	})

	t.Run("rollback on a store error", func(t *testing.T) {
		ctx := bounded(t)
		if _, err := create(ctx, "已有"); err != nil {
			t.Fatal(err)
		}
		err := h.Store.InTx(ctx, func(ctx context.Context) error {
			if _, err := create(ctx, "回滚二"); err != nil {
				return err
			}
			_, err := create(ctx, "已有")
			return err
		})
		errorIs(t, "InTx", err, model.ErrConflict)
		if n := count(t, "回滚二"); n != 0 {
			t.Errorf("%d rows left after a rollback, want 0", n)
		}
	})

	t.Run("nested joins the outer", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			inner    error // what the inner function returns
			outer    bool  // whether the outer function fails on its own
			err      error
			wantRows int64
		}{
			{"both commit", nil, false, nil, 2},
			{"outer fails after the inner succeeded", nil, true, errBoom, 0},
			{"inner fails, outer passes it on", errBoom, false, errBoom, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := bounded(t)
				outerName, innerName := "外层"+tc.name, "内层"+tc.name
				err := h.Store.InTx(ctx, func(ctx context.Context) error {
					outer, err := create(ctx, outerName)
					if err != nil {
						return err
					}
					if err := h.Store.InTx(ctx, func(ctx context.Context) error {
						// The outer row is visible: the same transaction.
						if _, err := h.Store.Supplier(ctx, outer.ID); err != nil {
							t.Errorf("inner transaction cannot see the outer's row: %v", err)
						}
						if _, err := create(ctx, innerName); err != nil {
							return err
						}
						return tc.inner
					}); err != nil {
						return err
					}
					if tc.outer {
						return errBoom
					}
					return nil
				})
				errorIs(t, "InTx", err, tc.err)
				if n := count(t, outerName, innerName); n != tc.wantRows {
					t.Errorf("%d rows, want %d", n, tc.wantRows)
				}
			})
		}
	})

	t.Run("after commit", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			nested bool
			fail   bool
			want   []string // what ran, in order
		}{
			{"commit", false, false, []string{"first", "second"}},
			{"rollback", false, true, nil},
			{"registered in a nested InTx, outer commits", true, false, []string{"first", "second"}},
			{"registered in a nested InTx, outer rolls back", true, true, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := bounded(t)
				name := "事后" + tc.name
				var ran []string
				var seen int64 = -1
				err := h.Store.InTx(ctx, func(ctx context.Context) error {
					register := func(ctx context.Context) error {
						if _, err := create(ctx, name); err != nil {
							return err
						}
						h.Store.AfterCommit(ctx, func() {
							ran = append(ran, "first")
							// The committed row is visible to everyone by now.
							seen = count(t, name)
						})
						h.Store.AfterCommit(ctx, func() { ran = append(ran, "second") })
						return nil
					}
					var err error
					if tc.nested {
						err = h.Store.InTx(ctx, register)
					} else {
						err = register(ctx)
					}
					if len(ran) != 0 {
						t.Errorf("ran %v before the commit", ran)
					}
					if err == nil && tc.fail {
						err = errBoom
					}
					return err
				})
				if tc.fail {
					errorIs(t, "InTx", err, errBoom)
				} else {
					errorIs(t, "InTx", err, nil)
				}
				if !slices.Equal(ran, tc.want) {
					t.Errorf("ran %v, want %v", ran, tc.want)
				}
				if !tc.fail && seen != 1 {
					t.Errorf("the after-commit function saw %d rows, want the committed 1", seen)
				}
				if tc.fail && count(t, name) != 0 {
					t.Error("rolled-back row stored")
				}
			})
		}
	})

	t.Run("after commit without a transaction runs at once", func(t *testing.T) {
		ran := false
		h.Store.AfterCommit(bounded(t), func() { ran = true })
		if !ran {
			t.Error("did not run")
		}
	})
}

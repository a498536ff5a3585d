package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"

	"shanhai/model"
)

// TestGaleraErrorsUnavailable: the errors of a Galera node that is not in
// the primary component — refused queries (1047) and a commit it could not
// replicate (1180, rolled back) — are 503 unavailable, never a 500; a
// certification conflict (1213) stays retryable.
func TestGaleraErrorsUnavailable(t *testing.T) {
	for _, n := range []uint16{1047, 1180, 1040, 1053, 1927} {
		err := mapErr(fmt.Errorf("query: %w", &mysqldrv.MySQLError{Number: n, Message: "x"}))
		if !errors.Is(err, model.ErrUnavailable) {
			t.Errorf("MySQL error %d: mapped to %v, want unavailable", n, err)
		}
	}
	conflict := &mysqldrv.MySQLError{Number: 1213, Message: "WSREP detected deadlock/conflict and aborted the transaction"}
	if err := mapErr(conflict); !errors.Is(err, model.ErrUnavailable) || !retryable(err) {
		t.Errorf("1213: mapped to %v (retryable %v), want unavailable and still retryable", err, retryable(err))
	}
	if err := mapErr(&mysqldrv.MySQLError{Number: 1064, Message: "syntax"}); errors.Is(err, model.ErrUnavailable) {
		t.Errorf("1064 (a bug) mapped to unavailable")
	}
}

// TestRetryRule: how often InTx tries a transaction that keeps failing.
// One server: 4 attempts for deadlocks and lock wait timeouts alike. A
// Galera node: 32 for certification conflicts (1213), but still at most 4
// lock wait timeouts (1205), each of which has waited already, however
// many conflicts came before them; other errors are never retried.
func TestRetryRule(t *testing.T) {
	st, err := Open("sqlite:"+filepath.Join(t.TempDir(), "r.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conflict := &mysqldrv.MySQLError{Number: 1213, Message: "conflict"}
	timeout := &mysqldrv.MySQLError{Number: 1205, Message: "lock wait timeout"}
	tries := func(galera bool, errs func(try int) error) int {
		st.galera.Store(galera)
		st.idSteps.Store(map[bool]int32{false: 1, true: 2}[galera])
		n := 0
		err := st.InTx(t.Context(), func(context.Context) error {
			n++
			return errs(n)
		})
		if err == nil {
			t.Fatalf("galera %v: the transaction succeeded, want it given up", galera)
		}
		return n
	}
	for _, tc := range []struct {
		name   string
		galera bool
		errs   func(try int) error
		want   int
	}{
		{"one server, deadlocks", false, func(int) error { return conflict }, 4},
		{"one server, lock wait timeouts", false, func(int) error { return timeout }, 4},
		{"Galera, certification conflicts", true, func(int) error { return conflict }, 32},
		{"Galera, lock wait timeouts", true, func(int) error { return timeout }, 4},
		{"Galera, conflicts then lock wait timeouts", true, func(n int) error {
			if n <= 5 {
				return conflict
			}
			return timeout
		}, 9},
		{"Galera, not retryable", true, func(int) error { return errors.New("syntax") }, 1},
	} {
		if got := tries(tc.galera, tc.errs); got != tc.want {
			t.Errorf("%s: %d attempts, want %d", tc.name, got, tc.want)
		}
	}
}

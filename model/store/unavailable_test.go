package store

import (
	"errors"
	"fmt"
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

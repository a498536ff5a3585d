package store_test

import (
	"strings"
	"testing"

	"shanhai/model/store"
)

// TestLongStatements: a MySQL DSN without timeouts gets an hour's, one
// with its own keeps it, and SQLite's is left alone.
func TestLongStatements(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"sqlite:shanhai.db", "sqlite:shanhai.db"},
		{"mysql:root@tcp(127.0.0.1:3306)/shanhai", "readTimeout=1h0m0s"},
		{"mysql:root@tcp(127.0.0.1:3306)/shanhai?readTimeout=5s", "readTimeout=5s"},
	} {
		got := store.LongStatements(tc.dsn)
		if !strings.Contains(got, tc.want) || strings.HasPrefix(tc.dsn, "mysql:") != strings.HasPrefix(got, "mysql:root@tcp(127.0.0.1:3306)/shanhai") {
			t.Errorf("LongStatements(%q) = %q, want it with %q", tc.dsn, got, tc.want)
		}
	}
}

package storetest_test

import (
	"os"
	"testing"

	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

var _ storetest.Subject = (*store.Store)(nil)

// TestStoreConformance runs the conformance suite on SQLite and, when
// SHANHAI_TEST_MYSQL is set, on MySQL/MariaDB; every test gets a fresh database.
func TestStoreConformance(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		storetest.RunConformance(t, func(t *testing.T) storetest.Harness {
			return storetest.FromBackend(storetest.SQLite(t))
		})
	})
	t.Run("mysql", func(t *testing.T) {
		if os.Getenv("SHANHAI_TEST_MYSQL") == "" {
			t.Skip("SKIPPED the MySQL backend: SHANHAI_TEST_MYSQL is not set")
		}
		storetest.RunConformance(t, func(t *testing.T) storetest.Harness {
			b, _ := storetest.MySQL(t)
			return storetest.FromBackend(b)
		})
	})
}

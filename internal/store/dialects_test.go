package store

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/hookctl/hookctl/internal/pgtest"
)

// The store's tests run twice: on SQLite, then, when a test PostgreSQL is
// given (HOOKCTL_TEST_POSTGRES_URL), all again on PostgreSQL, unchanged:
// openTemp(t, dir) opens a fresh database per dir (the same one for two
// calls with one dir, as two processes or replicas would share it). Tests
// of what only SQLite has (its file, its lock) call sqliteOnly.
var onPostgres bool

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && os.Getenv(pgtest.EnvURL) != "" {
		fmt.Println("=== the same tests on PostgreSQL")
		onPostgres = true
		code = m.Run()
	}
	os.Exit(code)
}

// TestStoreOnPostgres says (and, in CI, fails through the skip log) when
// the second run cannot happen.
func TestStoreOnPostgres(t *testing.T) { pgtest.URL(t) }

func sqliteOnly(t testing.TB) {
	t.Helper()
	if onPostgres {
		t.Skip("SQLite only")
	}
}

var (
	pgDBsMu sync.Mutex
	pgDBs   = map[string]string{} // test dir → database URL
)

// openTestDB opens the test database of dir: the SQLite file in dir, or
// the PostgreSQL database made for dir.
func openTestDB(t testing.TB, dir string) (*Store, error) {
	t.Helper()
	if !onPostgres {
		return Open(context.Background(), dir)
	}
	pgDBsMu.Lock()
	u, ok := pgDBs[dir]
	if !ok {
		u = pgtest.Database(t)
		pgDBs[dir] = u
	}
	pgDBsMu.Unlock()
	return OpenURL(context.Background(), u)
}

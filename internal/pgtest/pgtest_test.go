package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// skipTB records a skip instead of ending the test, so that the test of
// URL's skip does not itself show up as a skip for want of PostgreSQL.
type skipTB struct {
	testing.TB
	skipped string
}

func (f *skipTB) Helper()       {}
func (f *skipTB) Name() string  { return "TestFake" }
func (f *skipTB) Skip(a ...any) { f.skipped = fmt.Sprint(a...) }

func TestURLSkipsWithoutServer(t *testing.T) {
	log := filepath.Join(t.TempDir(), "skips")
	t.Setenv("HOOKCTL_TEST_SKIP_LOG", log)
	const set = "postgres://u:p@127.0.0.1:5999/db?sslmode=disable"
	for _, tc := range []struct{ env, want, skip string }{
		{set, set, ""},
		{"", "", SkipMessage},
	} {
		t.Setenv(EnvURL, tc.env)
		f := &skipTB{TB: t}
		if got := URL(f); got != tc.want || f.skipped != tc.skip {
			t.Fatalf("%s=%q: URL = %q, skipped %q", EnvURL, tc.env, got, f.skipped)
		}
	}
	if !strings.Contains(SkipMessage, "scripts/start-postgres.sh") {
		t.Errorf("the skip message does not say how to start a server: %q", SkipMessage)
	}
	b, err := os.ReadFile(log)
	if err != nil || string(b) != "TestFake: "+SkipMessage+"\n" {
		t.Fatalf("skip log %q, %v", b, err)
	}
}

func connect(t *testing.T, rawURL string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func databaseExists(t *testing.T, conn *pgx.Conn, name string) bool {
	t.Helper()
	return queryInt(t, conn, "SELECT count(*) FROM pg_database WHERE datname = $1", name) == 1
}

func TestDatabase(t *testing.T) {
	admin := connect(t, URL(t))
	var names []string
	outer := t
	t.Run("fresh", func(t *testing.T) {
		for range 2 {
			u := Database(t)
			p, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimPrefix(p.Path, "/")
			if !strings.HasPrefix(name, DatabasePrefix) {
				t.Fatalf("database %q, want the prefix %q", name, DatabasePrefix)
			}
			if pw, _ := p.User.Password(); pw == "" || p.User.Username() == "" {
				t.Fatalf("URL %s lost its credentials", p.Redacted())
			}
			names = append(names, name)
			// empty, ours, writable; the connection belongs to the outer test:
			// still open when the database is dropped
			conn := connect(outer, u)
			if n := queryInt(t, conn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"); n != 0 {
				t.Fatalf("new database has %d tables", n)
			}
			if got := queryInt(t, conn, "SELECT CASE WHEN current_database() = $1 THEN 1 ELSE 0 END", name); got != 1 {
				t.Fatalf("connected to another database than %s", name)
			}
			if _, err := conn.Exec(context.Background(), "CREATE TABLE t (id bigint PRIMARY KEY)"); err != nil {
				t.Fatal(err)
			}
			if !databaseExists(t, admin, name) {
				t.Fatalf("%s not in pg_database", name)
			}
		}
		if names[0] == names[1] {
			t.Fatalf("two databases named %s", names[0])
		}
	})
	for _, name := range names {
		if databaseExists(t, admin, name) {
			t.Errorf("%s still exists after the test ended", name)
		}
	}
}

// Tests in parallel each get their own database.
func TestDatabaseConcurrent(t *testing.T) {
	URL(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			u := Database(t)
			mu.Lock()
			defer mu.Unlock()
			if seen[u] {
				t.Errorf("database %s handed out twice", u)
			}
			seen[u] = true
		})
	}
}

func TestProxyURL(t *testing.T) {
	u := Database(t)
	proxied, cut, restore := ProxyURL(t, u)
	pu, _ := url.Parse(proxied)
	ou, _ := url.Parse(u)
	if pu.Host == ou.Host || !strings.HasPrefix(pu.Host, "127.0.0.1:") || pu.Path != ou.Path || pu.User.String() != ou.User.String() {
		t.Fatalf("proxied URL %s for %s", pu.Redacted(), ou.Redacted())
	}
	conn := connect(t, proxied)
	if queryInt(t, conn, "SELECT 1") != 1 {
		t.Fatal("SELECT 1")
	}

	cut()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("a query through a cut proxy succeeded")
	}
	if c, err := pgx.Connect(ctx, proxied); err == nil {
		c.Close(ctx)
		t.Fatal("connected through a cut proxy")
	}

	restore()
	conn2 := connect(t, proxied)
	if queryInt(t, conn2, "SELECT 2") != 2 {
		t.Fatal("SELECT 2")
	}
}

// DropDatabase drops only databases that CreateDatabase made; errors do not
// show the password.
func TestCreateDropErrors(t *testing.T) {
	server := URL(t)
	if err := DropDatabase(server, server); err == nil || !strings.Contains(err.Error(), "not a database made by CreateDatabase") {
		t.Fatalf("DropDatabase of the server's own database: %v", err)
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "not-the-password-0123456789"
	u.User = url.UserPassword(u.User.Username(), secret)
	_, err = CreateDatabase(u.String())
	if err == nil {
		t.Fatal("CreateDatabase with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "xxxxx") {
		t.Fatalf("error does not mask the password: %v", err)
	}
}

// Package pgtest gives tests a PostgreSQL server: the URL of the throw-away
// cluster that scripts/start-postgres.sh starts (and .ci/run starts for CI),
// a fresh empty database per test on it, and a TCP proxy in front of it to
// take the server away and bring it back.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hookctl/hookctl/internal/skiplog"
	"github.com/hookctl/hookctl/internal/tcpproxy"
)

// EnvURL is the variable that names the test server: a postgres:// URL of a
// role that may create databases (CREATEDB).
const EnvURL = "HOOKCTL_TEST_POSTGRES_URL"

// SkipMarker starts the message of every skip for want of a server.
const SkipMarker = "HOOKCTL_TEST_POSTGRES_URL is not set"

// SkipMessage is the whole message of such a skip.
const SkipMessage = SkipMarker + `: start a cluster with eval "$(scripts/start-postgres.sh)" (needs PostgreSQL)`

// DatabasePrefix starts the name of every database that Database creates.
const DatabasePrefix = "hookctl_t_"

// URL returns the test server's URL, or skips the test with SkipMessage
// (recorded in the skip log, package skiplog) when HOOKCTL_TEST_POSTGRES_URL
// is unset. Every test that needs PostgreSQL gets its URL here or from
// Database, so that CI notices when one skipped.
func URL(t testing.TB) string {
	t.Helper()
	return skiplog.Env(t, EnvURL, SkipMessage)
}

// Database creates a fresh empty database with a random name
// (hookctl_t_<hex>) on the test server and returns its URL: the server's URL,
// same credentials and parameters, with the new database's name as its path.
// The database is dropped when the test ends, with any connection still open
// to it (DROP DATABASE … WITH (FORCE)). It skips like URL without a server.
func Database(t testing.TB) string {
	t.Helper()
	server := URL(t)
	db, err := CreateDatabase(server)
	if err != nil {
		t.Fatalf("pgtest.Database: %v", err)
	}
	t.Cleanup(func() {
		if err := DropDatabase(server, db); err != nil {
			t.Errorf("pgtest.Database: %v", err)
		}
	})
	return db
}

// CreateDatabase is Database outside a test (scripts/benchserve): it creates
// a fresh empty database hookctl_t_<hex> on the server of serverURL, whose
// role may create databases, and returns its URL. Errors name the URL with
// its password masked.
func CreateDatabase(serverURL string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", errors.New("pgtest: the server URL does not parse")
	}
	var b [8]byte
	rand.Read(b[:])
	name := DatabasePrefix + hex.EncodeToString(b[:])
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if err := exec(serverURL, create); err != nil {
		return "", fmt.Errorf("%s on %s: %w", create, u.Redacted(), err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// DropDatabase drops the database of databaseURL (one made by
// CreateDatabase), connecting to serverURL, with any connection still open
// to it. Dropping a database that is gone is no error.
func DropDatabase(serverURL, databaseURL string) error {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return errors.New("pgtest: the database URL does not parse")
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.HasPrefix(name, DatabasePrefix) {
		return fmt.Errorf("pgtest: %q is not a database made by CreateDatabase", name)
	}
	drop := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
	if err := exec(serverURL, drop); err != nil {
		return fmt.Errorf("%s on %s: %w", drop, redacted(serverURL), err)
	}
	return nil
}

func redacted(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return u.Redacted()
}

// exec runs one statement on a connection of its own to the database of
// rawURL. CREATE DATABASE fails with object_in_use while another session is
// connected to the template: then it is tried again, for at most 30 s.
func exec(rawURL, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		_, err = conn.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// Proxy starts a TCP proxy on 127.0.0.1 in front of target (host:port) and
// returns its address: cut closes every connection through it and refuses
// new ones until restore, as a PostgreSQL that went away looks to a client.
// Both are idempotent; the proxy stops at the end of the test. See package
// tcpproxy.
func Proxy(t testing.TB, target string) (addr string, cut func(), restore func()) {
	t.Helper()
	return tcpproxy.Start(t, target)
}

// ProxyURL is Proxy in front of the server of databaseURL (a URL from URL or
// Database, with one host:port): it returns the same URL pointing at the
// proxy.
func ProxyURL(t testing.TB, databaseURL string) (proxied string, cut func(), restore func()) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatalf("pgtest.ProxyURL: %v", err)
	}
	if u.Host == "" || strings.Contains(u.Host, ",") {
		t.Fatalf("pgtest.ProxyURL: %s: want one host:port", u.Redacted())
	}
	target := u.Host
	if u.Port() == "" {
		target += ":5432"
	}
	addr, cut, restore := Proxy(t, target)
	u.Host = addr
	return u.String(), cut, restore
}

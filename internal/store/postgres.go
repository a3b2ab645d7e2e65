package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// IsDatabaseURL reports whether v names a PostgreSQL database
// (postgres:// or postgresql://) rather than nothing (SQLite).
func IsDatabaseURL(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// MaskURL is the database URL with its password replaced by ***, for
// messages and logs (also a password given as a query parameter). It works
// on the text, not on a parsed URL: a password with an unencoded @, / or #
// (which a URL parser would split elsewhere) is masked whole, up to the
// last @ before the host.
func MaskURL(raw string) string {
	out := raw
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if user, _, hasPW := strings.Cut(rest[:at], ":"); hasPW {
				out = out[:i+3] + user + ":***" + rest[at:]
			}
		}
	}
	return queryPassword.ReplaceAllString(out, "${1}***")
}

var queryPassword = regexp.MustCompile(`([?&]password=)[^&#]*`)

// urlHint says how to write a URL that did not parse.
const urlHint = "want postgres://user:password@host:port/database, with special characters (@ : / ? # %) in the user name and password percent-encoded (@ is %40)"

// pgMaxConns bounds one process's connections to PostgreSQL.
const pgMaxConns = 32

// pgConnectTimeout bounds the first contact, so that an unreachable server
// fails `hookctl serve` in seconds rather than hanging it.
const pgConnectTimeout = 10 * time.Second

// OpenURL opens the PostgreSQL database at dbURL (postgres://…) and applies
// pending migrations, under an advisory lock so that replicas starting
// together migrate once. Errors name the URL with its password masked.
func OpenURL(ctx context.Context, dbURL string) (*Store, error) {
	masked := MaskURL(dbURL)
	if _, err := url.Parse(dbURL); err != nil || !IsDatabaseURL(dbURL) {
		return nil, apperr.Usagef("database URL %s is not valid: %s", masked, urlHint)
	}
	if _, err := pgconn.ParseConfig(dbURL); err != nil {
		return nil, apperr.Usagef("database URL %s is not valid (%v): %s", masked, redactErr(err, dbURL), urlHint)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %v", masked, redactErr(err, dbURL))
	}
	// Replicas share the server's connections: bounded per process. As
	// many may stay idle as may be open: a connection closed when the pool
	// has one too many idle is reopened at the next burst, and each opening
	// costs a backend process and a SCRAM handshake (under load that churn
	// took more CPU than the queries). Idle ones are recycled after a while.
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: &dbHandle{DB: db, dialect: dialect{postgres: true}, binds: &rebinder{}}, url: masked, rawURL: dbURL}
	pctx, cancel := context.WithTimeout(ctx, pgConnectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %v: check that the server is running, that the host, port, user and password are right, and that the database exists", masked, redactErr(err, dbURL))
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// pgMigrationLock is the advisory lock key under which migrations run.
const pgMigrationLock = 0x686f6f6b // "hook"

// migratePostgres applies the pending migrations in one transaction under
// an advisory lock: PostgreSQL's DDL is transactional, so a replica either
// sees the schema before or after, and the others wait for the lock.
func (s *Store) migratePostgres(ctx context.Context, ms []migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.pgOpenError(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, pgMigrationLock); err != nil {
		return s.pgOpenError(err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS hookctl_schema (version BIGINT NOT NULL)`); err != nil {
		return s.pgOpenError(err)
	}
	var current int
	switch err := tx.QueryRowContext(ctx, `SELECT version FROM hookctl_schema`).Scan(&current); {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO hookctl_schema (version) VALUES (0)`); err != nil {
			return err
		}
	case err != nil:
		return s.pgOpenError(err)
	}
	if current > len(ms) {
		return fmt.Errorf("database %s has schema version %d but this hookctl knows only up to %d: upgrade hookctl", s.url, current, len(ms))
	}
	if current == len(ms) {
		return tx.Commit()
	}
	for _, m := range ms[current:] {
		// No arguments: pgx sends it with the simple protocol, which
		// allows several statements in one call.
		if _, err := tx.Tx.ExecContext(ctx, pgSchema(m.sql)); err != nil {
			return fmt.Errorf("apply migration %s to %s: %w", m.name, s.url, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE hookctl_schema SET version = ?`, len(ms)); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) pgOpenError(err error) error {
	return fmt.Errorf("open %s: %w", s.url, err)
}

// redactErr drops the password from an error's text, should a driver
// repeat the URL it was given. // It also puts pgx's one line per address tried on one line.
func redactErr(err error, dbURL string) error {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	// (A password of a few characters is not looked for: it would match
	// pieces of words, and pgx never repeats the password anyway.)
	if u, perr := url.Parse(dbURL); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && len(pw) >= 4 {
			msg = strings.ReplaceAll(msg, pw, "***")
		}
	}
	return errors.New(msg)
}

// isPgUniqueViolation reports PostgreSQL's unique_violation (23505).
func isPgUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// IsUnavailable reports an error that means the database cannot be
// reached right now (connection refused or lost, the server shutting down
// or starting): the request may succeed if tried again later, so servers
// answer 503 with Retry-After rather than 500.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; class 53: insufficient
		// resources (53300: too many connections, when replicas' pools
		// outgrow max_connections); 57P01-57P03: admin shutdown, crash
		// shutdown, cannot connect now (starting up).
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	// A connection cut mid-query (the server went away while it
	// answered) reads an unexpected EOF.
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) || isBusy(err)
}

// Ping checks that the database answers (GET /healthz).
func (s *Store) Ping(ctx context.Context) error {
	return s.db.PingContext(ctx)
}

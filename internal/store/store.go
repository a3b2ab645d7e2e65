// Package store keeps hookctl's data: in an embedded SQLite database
// (modernc.org/sqlite, pure Go) by default, or in PostgreSQL (pgx v5) for
// several `hookctl serve` replicas sharing one database (postgres.go).
// Schema migrations are embedded in the binary, the same numbered ones for
// both, and applied on open; with SQLite, WAL mode and a busy timeout let
// several hookctl processes share one file.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the database file inside the data directory.
const FileName = "hookctl.db"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db   *dbHandle
	path string // the SQLite file; "" on PostgreSQL
	url  string // the PostgreSQL URL, password masked; "" on SQLite
	// rawURL is the PostgreSQL URL as given, for the LISTEN connection.
	rawURL string
	// wmu serialises this process's writes: SQLite allows one writer at a
	// time, and waiting on a Go mutex is fair and immediate where SQLite's
	// busy handler sleeps and retries (seconds of tail latency under load).
	// Other processes still wait through busy_timeout.
	wmu sync.Mutex
	// stmts caches prepared statements of the delivery writer (see stmt).
	smu   sync.Mutex
	stmts map[stmtKey]*sql.Stmt
}

// lockWrites takes the write lock and returns its release. PostgreSQL
// takes concurrent writers itself (row locks), so there it is a no-op.
func (s *Store) lockWrites() func() {
	if s.db.postgres {
		return func() {}
	}
	s.wmu.Lock()
	return s.wmu.Unlock
}

// writeTx runs fn in one write transaction under the process's write lock,
// committing when fn succeeds and rolling back otherwise. Every transactional
// write goes through it.
func (s *Store) writeTx(ctx context.Context, fn func(tx *txHandle) error) error {
	defer s.lockWrites()()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Open opens (creating if needed) the database in dir. The directory is
// created 0700 and the file 0600.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	// Create the file ourselves so its mode is 0600 whatever the umask;
	// SQLite gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()

	// A file: URI: escape what would end the path ('?' query, '#' fragment).
	dsn := "file:" + uriPathEscaper.Replace(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// database/sql keeps 2 idle connections by default: under concurrent
	// requests the others are closed and reopened (each open runs the
	// pragmas and loses its prepared statements). Keep enough for a server.
	db.SetMaxIdleConns(16)
	s := &Store{db: &dbHandle{DB: db, binds: &rebinder{}}, path: path}
	if err := s.migrateRetrying(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrateRetrying is migrate, tried again while SQLite answers "database is
// locked" at once: processes opening a fresh file together (one switching
// it to WAL, another reading its schema version, one upgrading its lock)
// can get SQLITE_BUSY without the busy handler being consulted. Bounded by
// the busy timeout.
func (s *Store) migrateRetrying(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := s.migrate(ctx)
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// isBusy reports SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

var uriPathEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Path is the SQLite database file's path ("" on PostgreSQL).
func (s *Store) Path() string { return s.path }

// Location names the database in messages: the SQLite file, or the
// PostgreSQL URL with its password masked.
func (s *Store) Location() string {
	if s.db.postgres {
		return s.url
	}
	return s.path
}

// Close closes the database, checkpointing the WAL.
func (s *Store) Close() error {
	s.closeStmts()
	return s.db.Close()
}

// DB exposes the pool (tests reach into the schema through it).
func (s *Store) DB() *sql.DB { return s.db.DB }

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies pending migrations in one IMMEDIATE transaction, so two
// processes opening a fresh file at once do not both apply them.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if s.db.postgres {
		return s.migratePostgres(ctx, ms)
	}
	var current int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return s.openError(err)
	}
	if current > len(ms) {
		return fmt.Errorf("database %s has schema version %d but this hookctl knows only up to %d: upgrade hookctl, or use another --data-dir", s.path, current, len(ms))
	}
	if current == len(ms) {
		return nil
	}
	defer s.lockWrites()()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.openError(err)
	}
	defer tx.Rollback()
	// Re-read inside the lock: another process may have migrated meanwhile.
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return s.openError(err)
	}
	for _, m := range ms[current:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("apply migration %s to %s: %w", m.name, s.path, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(ms))); err != nil {
		return err
	}
	return tx.Commit()
}

// openError turns SQLite's "not a database" family into an actionable message.
func (s *Store) openError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%s is not a valid hookctl database (%v): move it aside to start afresh, or pass --data-dir", s.path, err)
		}
	}
	return fmt.Errorf("open %s: %w", s.path, err)
}

// isUniqueViolation reports a UNIQUE constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || isPgUniqueViolation(err)
}

// isKeyViolation is isUniqueViolation or a duplicate primary key (a TEXT
// primary key fails with SQLITE_CONSTRAINT_PRIMARYKEY, not _UNIQUE;
// PostgreSQL reports both as unique_violation).
func isKeyViolation(err error) bool {
	var se *sqlite.Error
	return isUniqueViolation(err) || errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// needTenant refuses to write a row without a tenant: a write path that
// forgot to set one must fail, not create a row no tenant can see.
func needTenant(tenant, id string) error {
	if tenant == "" {
		return fmt.Errorf("store: %s has no tenant", id)
	}
	return nil
}

// Time is stored as RFC 3339 with nanoseconds in UTC, so text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

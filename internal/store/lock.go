package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Lock holds an exclusive lock named after a role (e.g. "serve") on the
// data directory, so that only one process at a time plays it. The lock is
// SQLite's own file lock on a small side file (fcntl on Unix, LockFileEx on
// Windows): the operating system drops it when the process dies, so a
// killed server leaves no stale lock behind.
type Lock struct {
	db   *sql.DB
	conn *sql.Conn
}

// ErrLocked is wrapped by Acquire's error when another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// Acquire takes the lock named name, failing at once (apperr.ErrConflict
// wrapping ErrLocked) if another process holds it.
func (s *Store) Acquire(ctx context.Context, name string) (*Lock, error) {
	path := filepath.Join(filepath.Dir(s.path), name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create lock file %s: %w", path, err)
	}
	f.Close()
	// No busy timeout: a held lock is an answer, not something to wait for.
	db, err := sql.Open("sqlite", "file:"+uriPathEscaper.Replace(path)+"?_txlock=exclusive")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		db.Close()
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED) {
			return nil, apperr.Wrap(apperr.ErrConflict, ErrLocked, "%s is held by another process", path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{db: db, conn: conn}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	_, err := l.conn.ExecContext(context.Background(), "ROLLBACK")
	return errors.Join(err, l.conn.Close(), l.db.Close())
}

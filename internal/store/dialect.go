package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// The store speaks two SQL dialects: SQLite (the embedded default) and
// PostgreSQL (several `hookctl serve` replicas on one database). Queries are
// written once, in SQLite's spelling with ? placeholders; the handles below
// rewrite what differs for PostgreSQL as they pass through ($n placeholders,
// booleans bound as integers), and the few statements that cannot be spelt
// the same way ask the dialect (claims with SKIP LOCKED, row locks, event
// patterns, schema version).

// dialect says which database a Store talks to.
type dialect struct{ postgres bool }

// forUpdate locks the rows a transaction reads and then rewrites, so that
// two replicas cannot both act on the same state (approving an instance
// twice, say). SQLite has a single writer and no row locks: nothing to add.
func (d dialect) forUpdate() string {
	if d.postgres {
		return " FOR UPDATE"
	}
	return ""
}

// caseInsensitiveLike is LIKE ignoring ASCII case: SQLite's LIKE does,
// PostgreSQL's ILIKE.
func (d dialect) caseInsensitiveLike() string {
	if d.postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// bytesAsText is a BLOB column as text to search in: SQLite casts the
// bytes; PostgreSQL's cast of bytea would give its hex form, and
// convert_from fails on bytes that are not UTF-8, so its escape encoding is
// searched, for the search text encoded the same way (bytesAsTextOf).
func (d dialect) bytesAsText(col string) string {
	if d.postgres {
		return "encode(" + col + ", 'escape')"
	}
	return "CAST(" + col + " AS TEXT)"
}

// bytesAsTextOf is text as bytesAsText shows bytes: on PostgreSQL, as
// encode(…, 'escape') writes them (zero and non-ASCII bytes as \ooo,
// backslashes doubled), so that "Zürich" finds a body saying Zürich.
func (d dialect) bytesAsTextOf(text string) string {
	if !d.postgres {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == 0 || c >= 0x80:
			fmt.Fprintf(&b, "\\%03o", c)
		case c == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rebinder turns ? placeholders into $1, $2, … once per query text.
type rebinder struct{ cache sync.Map } // query → rebound query

func (r *rebinder) rebind(q string) string {
	if v, ok := r.cache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	r.cache.Store(q, out)
	return out
}

// pgArgs binds Go booleans as 0/1: the schema keeps flags in INTEGER
// columns (SQLite has no boolean type) and pgx will not encode a bool into
// an integer parameter.
func pgArgs(args []any) []any {
	for i, a := range args {
		if b, ok := a.(bool); ok {
			if b {
				args[i] = int64(1)
			} else {
				args[i] = int64(0)
			}
		}
	}
	return args
}

// dbHandle is the pool, with the dialect's rewriting.
type dbHandle struct {
	*sql.DB
	dialect
	binds *rebinder
}

func (h *dbHandle) q(query string, args []any) (string, []any) {
	if !h.postgres {
		return query, args
	}
	return h.binds.rebind(query), pgArgs(args)
}

func (h *dbHandle) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query, args = h.q(query, args)
	return h.DB.ExecContext(ctx, query, args...)
}

func (h *dbHandle) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query, args = h.q(query, args)
	return h.DB.QueryContext(ctx, query, args...)
}

func (h *dbHandle) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	query, args = h.q(query, args)
	return h.DB.QueryRowContext(ctx, query, args...)
}

func (h *dbHandle) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	query, _ = h.q(query, nil)
	return h.DB.PrepareContext(ctx, query)
}

func (h *dbHandle) BeginTx(ctx context.Context, opts *sql.TxOptions) (*txHandle, error) {
	tx, err := h.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &txHandle{Tx: tx, h: h}, nil
}

// txHandle is a transaction, with the dialect's rewriting.
type txHandle struct {
	*sql.Tx
	h *dbHandle
}

func (t *txHandle) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query, args = t.h.q(query, args)
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *txHandle) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query, args = t.h.q(query, args)
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *txHandle) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	query, args = t.h.q(query, args)
	return t.Tx.QueryRowContext(ctx, query, args...)
}

func (t *txHandle) PrepareContext(ctx context.Context, query string) (*stmtHandle, error) {
	query, _ = t.h.q(query, nil)
	st, err := t.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &stmtHandle{Stmt: st, pg: t.h.postgres}, nil
}

// StmtContext is the pool's prepared statement st inside this transaction.
func (t *txHandle) StmtContext(ctx context.Context, st *sql.Stmt) *stmtHandle {
	return &stmtHandle{Stmt: t.Tx.StmtContext(ctx, st), pg: t.h.postgres}
}

// lock takes a transaction-scoped lock on key, on PostgreSQL, so that
// read-then-write transactions of replicas on the same thing run one
// after the other (SQLite's single writer already serialises them).
func (t *txHandle) lock(ctx context.Context, key string) error {
	if !t.h.postgres {
		return nil
	}
	_, err := t.Tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, key)
	return err
}

// stmtHandle is a prepared statement binding booleans for PostgreSQL.
type stmtHandle struct {
	*sql.Stmt
	pg bool
}

func (s *stmtHandle) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	if s.pg {
		args = pgArgs(args)
	}
	return s.Stmt.ExecContext(ctx, args...)
}

// Migrations are written in SQLite's spelling; pgSchema rewrites the types
// PostgreSQL spells differently. Text compares bytewise (COLLATE "C") as in
// SQLite: ids and times are ordered and ranged as strings, which a locale's
// collation would reorder.
var pgSchemaRules = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\bINTEGER PRIMARY KEY AUTOINCREMENT\b`), `BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`},
	{regexp.MustCompile(`\bINTEGER\b`), `BIGINT`},
	{regexp.MustCompile(`\bBLOB\b`), `BYTEA`},
	{regexp.MustCompile(`\)\s*WITHOUT ROWID`), `)`},
	{regexp.MustCompile(`\bTEXT\b`), `TEXT COLLATE "C"`},
}

func pgSchema(sqlite string) string {
	out := sqlite
	for _, r := range pgSchemaRules {
		out = r.re.ReplaceAllString(out, r.with)
	}
	return out
}

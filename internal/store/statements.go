package store

import (
	"context"
	"database/sql"
	"strings"
)

// Prepared multi-row statements of the write paths (deliveries, attempts,
// payloads, received requests), cached per Store.

// stmt kinds of Store.stmt.
const (
	stmtDeliveries = iota
	stmtAttempts
	stmtPayload
	stmtReceived
	stmtOutbox
)

type stmtKey struct{ kind, rows int }

// multiRowSQL is head, rows groups of cols placeholders, and tail.
func multiRowSQL(head string, cols, rows int, tail string) string {
	group := "(" + strings.Repeat("?,", cols-1) + "?)"
	var b strings.Builder
	b.Grow(len(head) + rows*(len(group)+1) + len(tail))
	b.WriteString(head)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(group)
	}
	b.WriteString(tail)
	return b.String()
}

// stmt returns the statement of kind for rows rows inside tx. Statements
// are prepared once per Store (and per connection by database/sql) and
// reused by every later batch instead of being parsed again per transaction.
func (s *Store) stmt(ctx context.Context, tx *txHandle, kind, rows int) (*stmtHandle, error) {
	k := stmtKey{kind, rows}
	s.smu.Lock()
	st := s.stmts[k]
	s.smu.Unlock()
	if st == nil {
		var q string
		switch kind {
		case stmtDeliveries:
			q = multiRowSQL(deliveryUpsertHead, deliveryParams, rows, deliveryUpsertTail)
		case stmtAttempts:
			q = multiRowSQL(attemptInsertHead, attemptParams, rows, attemptInsertTail)
		case stmtOutbox:
			q = multiRowSQL(`INSERT INTO outbox (tenant, delivery_id, job, next_attempt_at, created_at) VALUES `, outboxParams, rows, "")
		case stmtReceived:
			q = multiRowSQL(`INSERT INTO received_requests (`+receivedRequestColumns+`) VALUES `, receivedRequestParams, rows, "")
		default:
			q = payloadInsert
		}
		// Prepared on the pool, not on tx (a tx statement is closed with
		// the transaction); tx.StmtContext re-prepares it once on tx's
		// connection and database/sql keeps it there for later batches.
		prepared, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		s.smu.Lock()
		if cur := s.stmts[k]; cur != nil {
			prepared.Close()
			prepared = cur
		} else {
			if s.stmts == nil {
				s.stmts = map[stmtKey]*sql.Stmt{}
			}
			s.stmts[k] = prepared
		}
		s.smu.Unlock()
		st = prepared
	}
	return tx.StmtContext(ctx, st), nil
}

// closeStmts closes the cached statements (Close does before closing the db).
func (s *Store) closeStmts() {
	s.smu.Lock()
	defer s.smu.Unlock()
	for k, st := range s.stmts {
		st.Close()
		delete(s.stmts, k)
	}
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// ReceivedRequestFilter narrows ListReceivedRequests. Zero value: the newest
// requests, any kind.
type ReceivedRequestFilter struct {
	Since  time.Time // only requests received at or after
	Event  string    // event type patterns, comma-separated (model.MatchEventList: '*' globs)
	Failed bool      // only rejected, unverified or failed-forward requests
	Limit  int       // at most this many; <= 0 means no limit
	// StartingAfter is a cursor: only requests listed after this one
	// (older, in the list's newest-first order).
	StartingAfter string
	// Search keeps requests whose body, headers, path, query, event type
	// or id contain this text (ASCII case-insensitive).
	Search string
	// Verification: "verified", "failed" or "unchecked" (no secret known).
	Verification string
	// StatusMin and StatusMax bound the status answered (0: unbounded).
	StatusMin, StatusMax int
}

// Values of ReceivedRequestFilter.Verification.
const (
	VerificationVerified  = "verified"
	VerificationFailed    = "failed"
	VerificationUnchecked = "unchecked"
)

const receivedRequestColumns = `tenant, id, received_at, method, host, path, query, headers, body, remote_addr, event_type, event_time,
	verification, forwards, filtered, status, rejected, failed, source_id, datasource, routing_key`

// maxRowsPerInsert bounds one multi-row INSERT (21 parameters a row, far
// under SQLite's 32766).
const maxRowsPerInsert = 64

// InsertReceivedRequests stores requests in one transaction (the listener
// batches what arrives together), maxRowsPerInsert rows per statement.
func (s *Store) InsertReceivedRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error {
	if len(reqs) == 0 {
		return nil
	}
	err := s.writeTx(ctx, func(tx *txHandle) error {
		args := make([]any, 0, receivedRequestParams*min(len(reqs), maxRowsPerInsert))
		for rest := reqs; len(rest) > 0; {
			chunk := rest[:min(len(rest), maxRowsPerInsert)]
			rest = rest[len(chunk):]
			args = args[:0]
			for _, r := range chunk {
				var err error
				if args, err = appendReceivedRequestArgs(args, r); err != nil {
					return err
				}
			}
			if err := s.insertReceived(ctx, tx, chunk, args); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errAlreadyRecorded) {
		return s.alreadyRecorded(ctx, reqs)
	}
	return err
}

// errAlreadyRecorded is insertReceived's answer to a duplicate key; the
// caller names the request with alreadyRecorded once the transaction is
// rolled back.
var errAlreadyRecorded = errors.New("a received request is already recorded")

// insertReceived runs the prepared INSERT of chunk's rows (args) in tx.
func (s *Store) insertReceived(ctx context.Context, tx *txHandle, chunk []*model.ReceivedRequest, args []any) error {
	stmt, err := s.stmt(ctx, tx, stmtReceived, len(chunk))
	if err != nil {
		return err
	}
	if _, err := stmt.ExecContext(ctx, args...); err != nil {
		if isKeyViolation(err) {
			return fmt.Errorf("%w: %w", errAlreadyRecorded, err)
		}
		return err
	}
	return nil
}

// alreadyRecorded names the request of reqs that made their insert fail:
// one given twice, or one the tenant had recorded before. It runs after the
// rollback (a failed statement aborts a PostgreSQL transaction), so the
// write path pays nothing for it.
func (s *Store) alreadyRecorded(ctx context.Context, reqs []*model.ReceivedRequest) error {
	conflict := func(id string) error {
		return apperr.New(apperr.ErrConflict, "received request %s is already recorded", id)
	}
	keys := make([]OutboxKey, 0, len(reqs))
	seen := make(map[OutboxKey]bool, len(reqs))
	for _, r := range reqs {
		k := OutboxKey{r.Tenant, r.ID}
		if seen[k] {
			return conflict(r.ID)
		}
		seen[k] = true
		keys = append(keys, k)
	}
	recorded := map[string]bool{}
	for lo := 0; lo < len(keys); lo += outboxKeyChunk {
		chunk := keys[lo:min(lo+outboxKeyChunk, len(keys))]
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM received_requests WHERE (tenant, id) IN (`+keyValues(len(chunk))+`)`, appendKeyArgs(nil, chunk)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			recorded[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, r := range reqs {
		if recorded[r.ID] {
			return conflict(r.ID)
		}
	}
	return apperr.New(apperr.ErrConflict, "one of these received requests is already recorded")
}

const receivedRequestParams = 21

// likeEscaper escapes LIKE's wildcards (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// GetReceivedRequest returns one request of the tenant or an
// apperr.ErrNotFound error.
func (s *Store) GetReceivedRequest(ctx context.Context, tenant, id string) (*model.ReceivedRequest, error) {
	r, err := scanReceivedRequest(s.db.QueryRowContext(ctx, `SELECT `+receivedRequestColumns+` FROM received_requests WHERE tenant = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("no received request %s (run \"hookctl webhook requests list\")", id)
	}
	return r, err
}

// ListReceivedRequests returns the tenant's requests matching f, newest
// first, without their bodies (BodyOmitted; GetReceivedRequest has them).
func (s *Store) ListReceivedRequests(ctx context.Context, tenant string, f ReceivedRequestFilter) ([]model.ReceivedRequest, error) {
	where := []string{`tenant = ?`}
	args := []any{tenant}
	if f.StartingAfter != "" {
		var received string
		err := s.db.QueryRowContext(ctx, `SELECT received_at FROM received_requests WHERE tenant = ? AND id = ?`, tenant, f.StartingAfter).Scan(&received)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.NotFoundf("no received request %s to list after (starting_after takes the id of a listed request)", f.StartingAfter)
		}
		if err != nil {
			return nil, err
		}
		where = append(where, `(received_at < ? OR (received_at = ? AND id < ?))`)
		args = append(args, received, received, f.StartingAfter)
	}
	if !f.Since.IsZero() {
		where = append(where, `received_at >= ?`)
		args = append(args, formatTime(f.Since))
	}
	if cond, eargs, ok := s.db.eventTypeCond("event_type", f.Event); ok {
		where = append(where, cond)
		args = append(args, eargs...)
	}
	if f.Failed {
		where = append(where, `failed = 1`)
	}
	if f.Search != "" {
		like := "%" + likeEscaper.Replace(f.Search) + "%"
		bodyLike := "%" + likeEscaper.Replace(s.db.bytesAsTextOf(f.Search)) + "%"
		cols := []string{s.db.bytesAsText("body"), "headers", "path", "query", "event_type", "id"}
		conds := make([]string, len(cols))
		for i, c := range cols {
			conds[i] = c + " " + s.db.caseInsensitiveLike() + ` ? ESCAPE '\'`
		}
		where = append(where, "("+strings.Join(conds, " OR ")+")")
		args = append(args, bodyLike, like, like, like, like, like)
	}
	switch f.Verification {
	case "":
	case VerificationUnchecked:
		where = append(where, `verification IS NULL`)
	case VerificationVerified, VerificationFailed:
		// The stored verification is model.Verification marshalled: "ok" is
		// its first field, so a prefix tells (in every SQL dialect).
		where = append(where, `verification LIKE ?`)
		args = append(args, map[bool]string{true: `{"ok":true%`, false: `{"ok":false%`}[f.Verification == VerificationVerified])
	default:
		return nil, apperr.Usagef("unknown verification filter %q: use verified, failed or unchecked", f.Verification)
	}
	if f.StatusMin > 0 {
		where = append(where, `status >= ?`)
		args = append(args, f.StatusMin)
	}
	if f.StatusMax > 0 {
		where = append(where, `status <= ?`)
		args = append(args, f.StatusMax)
	}
	// Without bodies: a page of large bodies would cost their size in memory.
	q := `SELECT ` + strings.Replace(receivedRequestColumns, "body,", "NULL,", 1) + ` FROM received_requests WHERE ` + strings.Join(where, ` AND `) +
		` ORDER BY received_at DESC, id DESC`
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.ReceivedRequest{}
	for rows.Next() {
		r, err := scanReceivedRequest(rows)
		if err != nil {
			return nil, err
		}
		r.BodyOmitted = true
		out = append(out, *r)
	}
	return out, rows.Err()
}

// appendReceivedRequestArgs appends the receivedRequestParams values of
// one row.
func appendReceivedRequestArgs(args []any, r *model.ReceivedRequest) ([]any, error) {
	if err := needTenant(r.Tenant, r.ID); err != nil {
		return nil, err
	}
	headers := "{}"
	if r.Headers != nil {
		headers = string(model.AppendHeaderJSON(nil, r.Headers))
	}
	forwards := "[]"
	if len(r.Forwards) > 0 {
		b, err := json.Marshal(r.Forwards)
		if err != nil {
			return nil, err
		}
		forwards = string(b)
	}
	var verification, eventTime any
	if r.Verification != nil {
		v, err := json.Marshal(r.Verification)
		if err != nil {
			return nil, err
		}
		verification = string(v)
	}
	if r.EventTime != nil {
		eventTime = formatTime(*r.EventTime)
	}
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	return append(args, r.Tenant, r.ID, formatTime(r.ReceivedAt), r.Method, r.Host, r.Path, r.Query, headers, body, r.RemoteAddr,
		r.EventType, eventTime, verification, forwards, r.Filtered, r.Status, r.Rejected, r.Failed(),
		r.Source, r.Datasource, r.RoutingKey), nil
}

func scanReceivedRequest(row scanner) (*model.ReceivedRequest, error) {
	var r model.ReceivedRequest
	var received, headers, forwards string
	var eventTime, verification sql.NullString
	var failed bool
	err := row.Scan(&r.Tenant, &r.ID, &received, &r.Method, &r.Host, &r.Path, &r.Query, &headers, &r.Body, &r.RemoteAddr,
		&r.EventType, &eventTime, &verification, &forwards, &r.Filtered, &r.Status, &r.Rejected, &failed,
		&r.Source, &r.Datasource, &r.RoutingKey)
	if err != nil {
		return nil, err
	}
	if r.ReceivedAt, err = parseTime(received); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(headers), &r.Headers); err != nil {
		return nil, fmt.Errorf("received request %s: corrupt stored headers: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(forwards), &r.Forwards); err != nil {
		return nil, fmt.Errorf("received request %s: corrupt stored forwards: %w", r.ID, err)
	}
	for i := range r.Forwards {
		r.Forwards[i].Latency = time.Duration(r.Forwards[i].LatencyMS * float64(time.Millisecond))
	}
	if len(r.Forwards) == 0 {
		r.Forwards = nil
	}
	if verification.Valid {
		r.Verification = &model.Verification{}
		if err := json.Unmarshal([]byte(verification.String), r.Verification); err != nil {
			return nil, fmt.Errorf("received request %s: corrupt stored verification: %w", r.ID, err)
		}
	}
	if eventTime.Valid {
		t, err := parseTime(eventTime.String)
		if err != nil {
			return nil, err
		}
		r.EventTime = &t
	}
	return &r, nil
}

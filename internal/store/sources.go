package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

const sourceColumns = `id, tenant, datasource, event, api_token, token, ts_field, created_at, updated_at`

// TokenHash is the hex SHA-256 of a source token, as stored for lookups.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// UpsertSource creates the source of (tenant, datasource, event), or, when
// it exists, sets its ts_field (tsField nil leaves it unchanged). fresh is
// the source to insert (its id and tokens are used only when creating).
// It returns the stored source and whether it was created.
func (s *Store) UpsertSource(ctx context.Context, fresh *model.Source, tsField *string) (*model.Source, bool, error) {
	var cur *model.Source
	created := false
	err := s.writeTx(ctx, func(tx *txHandle) error {
		if err := tx.lock(ctx, "sources/"+fresh.Tenant+"/"+fresh.Datasource+"/"+fresh.Event); err != nil {
			return err
		}
		var err error
		cur, err = scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM sources WHERE tenant = ? AND datasource = ? AND event = ?`,
			fresh.Tenant, fresh.Datasource, fresh.Event))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			cur, created = fresh, true
			if tsField != nil {
				cur.TSField = *tsField
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO sources (`+sourceColumns+`, token_hash) VALUES (?,?,?,?,?,?,?,?,?,?)`,
				cur.ID, cur.Tenant, cur.Datasource, cur.Event, cur.APIToken, cur.Token, cur.TSField,
				formatTime(cur.CreatedAt), formatTime(cur.UpdatedAt), TokenHash(cur.Token))
		case err != nil:
			return err
		case tsField != nil && *tsField != cur.TSField:
			cur.TSField, cur.UpdatedAt = *tsField, fresh.UpdatedAt
			_, err = tx.ExecContext(ctx, `UPDATE sources SET ts_field = ?, updated_at = ? WHERE id = ?`, cur.TSField, formatTime(cur.UpdatedAt), cur.ID)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return cur, created, nil
}

// ListSources returns the tenant's sources, oldest first.
func (s *Store) ListSources(ctx context.Context, tenant string) ([]model.Source, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sourceColumns+` FROM sources WHERE tenant = ? ORDER BY created_at, id`, tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Source{}
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *src)
	}
	return out, rows.Err()
}

// SourceByToken returns the source with this token, whatever its tenant,
// or an apperr.ErrNotFound error. Callers check the tenant or the api token
// (in constant time).
func (s *Store) SourceByToken(ctx context.Context, token string) (*model.Source, error) {
	src, err := scanSource(s.db.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM sources WHERE token_hash = ?`, TokenHash(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("no source with this token (run \"hookctl source list\")")
	}
	return src, err
}

// DeleteSource deletes a source of the tenant (its recorded requests stay
// in the history).
func (s *Store) DeleteSource(ctx context.Context, tenant, id string) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `DELETE FROM sources WHERE tenant = ? AND id = ?`, tenant, id)
	return err
}

// InsertSourceRequest records a request accepted by a source and appends
// it to the source's event log, in one transaction; it returns the event's
// sequence number. With a mark (publishing is on) the same transaction
// queues the event in the publish outbox (publish_outbox.go).
func (s *Store) InsertSourceRequest(ctx context.Context, r *model.ReceivedRequest, mark *PublishMark) (int64, error) {
	args, err := appendReceivedRequestArgs(nil, r)
	if err != nil {
		return 0, err
	}
	var seq int64
	err = s.writeTx(ctx, func(tx *txHandle) error {
		if err := s.insertReceived(ctx, tx, []*model.ReceivedRequest{r}, args); err != nil {
			return err
		}
		// A relay resumes after the last seq it saw, so a source's events
		// must commit in seq order: on PostgreSQL, where transactions
		// commit concurrently, one source's inserts take turns.
		if err := tx.lock(ctx, "source_events/"+r.Source); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO source_events (tenant, source_id, request_id) VALUES (?, ?, ?) RETURNING seq`,
			r.Tenant, r.Source, r.ID).Scan(&seq)
		if err == nil {
			err = tx.notify(ctx, Notification{NotifySourceEvent, []string{r.Source}})
		}
		if err != nil || mark == nil {
			return err
		}
		return insertPublishMark(ctx, tx, seq, r, mark)
	})
	if errors.Is(err, errAlreadyRecorded) {
		return 0, s.alreadyRecorded(ctx, []*model.ReceivedRequest{r})
	}
	return seq, err
}

// SourceEventsAfter returns up to limit events of the source with a
// sequence number above after, oldest first.
func (s *Store) SourceEventsAfter(ctx context.Context, sourceID string, after int64, limit int) ([]model.SourceEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.seq, `+prefixed("r.", receivedRequestColumns)+`
		FROM source_events e JOIN received_requests r ON r.tenant = e.tenant AND r.id = e.request_id
		WHERE e.source_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`, sourceID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.SourceEvent
	for rows.Next() {
		var seq int64
		r, err := scanReceivedRequest(seqScanner{rows, &seq})
		if err != nil {
			return nil, err
		}
		out = append(out, model.SourceEvent{Seq: seq, Request: *r})
	}
	return out, rows.Err()
}

// LastSourceEvent is the highest sequence number of the source's log (0
// when empty).
func (s *Store) LastSourceEvent(ctx context.Context, sourceID string) (int64, error) {
	var seq sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(seq) FROM source_events WHERE source_id = ?`, sourceID).Scan(&seq)
	return seq.Int64, err
}

// seqScanner reads a leading seq column, then hands the rest on.
type seqScanner struct {
	rows *sql.Rows
	seq  *int64
}

func (s seqScanner) Scan(dest ...any) error { return s.rows.Scan(append([]any{s.seq}, dest...)...) }

// prefixed qualifies every column of a column list with p ("r.").
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func scanSource(row scanner) (*model.Source, error) {
	var src model.Source
	var created, updated string
	if err := row.Scan(&src.ID, &src.Tenant, &src.Datasource, &src.Event, &src.APIToken, &src.Token, &src.TSField, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if src.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if src.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &src, nil
}

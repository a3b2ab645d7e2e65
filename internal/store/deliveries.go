package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// DeliveryFilter narrows ListDeliveries. Zero value: everything, newest first.
type DeliveryFilter struct {
	Since, Until time.Time // created_at in [Since, Until); zero = unbounded
	StatusCode   int       // final status code; 0 = any
	RequestID    string
	EventType    string // event type patterns, comma-separated (model.MatchEventList)
	ConfigID     string
	State        string // succeeded | failed | pending; "" = any
	Limit        int    // 0 = no limit
	// StartingAfter is a cursor: only deliveries listed after this one
	// (older, in the list's newest-first order).
	StartingAfter string
}

// DeliveryTotals counts the deliveries matching a filter, ignoring Limit.
type DeliveryTotals struct {
	Total     int `json:"total"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

const deliveryColumns = `tenant, id, request_id, event_type, event_id, config_id, url, scheme, request_headers, payload_hash, state, status_code, attempt_count, resend_of, created_at, updated_at`

// deliverySelect joins the payload in (GetDelivery); deliveryListSelect
// leaves it out: a page of large payloads would cost the server its memory.
const (
	deliverySelect = `SELECT d.tenant, d.id, d.request_id, d.event_type, d.event_id, d.config_id, d.url, d.scheme, d.request_headers, p.body,
  d.state, d.status_code, d.attempt_count, d.resend_of, d.created_at, d.updated_at
FROM deliveries d JOIN delivery_payloads p ON p.hash = d.payload_hash`
	deliveryListSelect = `SELECT d.tenant, d.id, d.request_id, d.event_type, d.event_id, d.config_id, d.url, d.scheme, d.request_headers, NULL,
  d.state, d.status_code, d.attempt_count, d.resend_of, d.created_at, d.updated_at
FROM deliveries d`
)

// SaveDeliveries upserts deliveries and inserts the attempts not stored
// yet, all in one transaction (the load generator saves hundreds at a time).
func (s *Store) SaveDeliveries(ctx context.Context, ds []*model.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	return s.writeTx(ctx, func(tx *txHandle) error { return s.saveDeliveriesTx(ctx, tx, ds) })
}

// Multi-row statements: a batch of deliveries is written with one INSERT of
// up to deliveryChunk deliveries and one of up to attemptChunk attempts at a
// time (16 and 9 parameters a row, far below SQLite's 32766), instead of one
// statement execution per row.
const (
	deliveryChunk  = 64
	attemptChunk   = 128
	deliveryParams = 16 // columns of deliveryColumns
	attemptParams  = 9
)

const deliveryUpsertHead = `INSERT INTO deliveries (` + deliveryColumns + `) VALUES `

// deliveryUpsertTail keeps stored headers unless the new ones say more. In a
// multi-row INSERT SQLite applies ON CONFLICT row by row, in order, exactly
// as a sequence of single-row statements would.
const deliveryUpsertTail = `
ON CONFLICT (tenant, id) DO UPDATE SET state=excluded.state, status_code=excluded.status_code,
  attempt_count=excluded.attempt_count, updated_at=excluded.updated_at,
  request_headers=CASE WHEN excluded.request_headers <> '{}' THEN excluded.request_headers ELSE deliveries.request_headers END`

const attemptInsertHead = `INSERT INTO delivery_attempts (tenant, delivery_id, n, started_at, status_code, latency_us, response_body, response_truncated, error) VALUES `

const attemptInsertTail = ` ON CONFLICT (tenant, delivery_id, n) DO UPDATE SET error=excluded.error`

const payloadInsert = `INSERT INTO delivery_payloads (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`

// saveDeliveriesTx is SaveDeliveries inside tx: the payloads not stored yet,
// then per chunk the deliveries (upserted) and their attempts.
func (s *Store) saveDeliveriesTx(ctx context.Context, tx *txHandle, ds []*model.Delivery) error {
	return s.saveDeliveriesWith(ctx, tx, ds, false)
}

// saveDeliveriesWith is saveDeliveriesTx; payloadsStored skips writing the
// payloads (the outbox records attempts of deliveries it enqueued: their
// payloads are in, and a statement per group is saved).
func (s *Store) saveDeliveriesWith(ctx context.Context, tx *txHandle, ds []*model.Delivery, payloadsStored bool) error {
	for _, d := range ds {
		if d.ID == "" {
			return fmt.Errorf("save delivery: missing id")
		}
		if err := needTenant(d.Tenant, d.ID); err != nil {
			return err
		}
	}
	// Payloads: load mode sends one body thousands of times, so compare
	// with the previous body before hashing.
	hashes := make([]string, len(ds))
	stored := map[[32]byte]string{}
	var prevPayload []byte
	prevHash := ""
	var payloadStmt *stmtHandle
	for i, d := range ds {
		payload := d.Payload
		if payload == nil {
			payload = []byte{}
		}
		if prevHash != "" && bytes.Equal(payload, prevPayload) {
			hashes[i] = prevHash
			continue
		}
		sum := sha256.Sum256(payload)
		hash, ok := stored[sum]
		if !ok {
			hash = hex.EncodeToString(sum[:])
			if payloadStmt == nil && !payloadsStored {
				var err error
				if payloadStmt, err = s.stmt(ctx, tx, stmtPayload, 1); err != nil {
					return err
				}
			}
			if payloadStmt != nil {
				if _, err := payloadStmt.ExecContext(ctx, hash, payload); err != nil {
					return fmt.Errorf("save payload of %s: %w", d.ID, err)
				}
			}
			stored[sum] = hash
		}
		hashes[i] = hash
		prevPayload, prevHash = payload, hash
	}

	args := make([]any, 0, deliveryChunk*deliveryParams)
	var hbuf []byte
	for lo, hi := 0, 0; lo < len(ds); lo = hi {
		hi = chunkEnd(ds, lo)
		chunk := ds[lo:hi]
		args = args[:0]
		for i, d := range chunk {
			var err error
			if args, hbuf, err = appendDeliveryArgs(args, hbuf, d, hashes[lo+i]); err != nil {
				return err
			}
		}
		st, err := s.stmt(ctx, tx, stmtDeliveries, len(chunk))
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("save deliveries %s: %w", idRange(chunk), err)
		}
		if err := s.saveAttemptsTx(ctx, tx, chunk); err != nil {
			return err
		}
	}
	return nil
}

// appendDeliveryArgs appends the deliveryColumns of d (its payload stored
// under hash); hbuf is scratch space for the headers' JSON, returned for
// the next call.
func appendDeliveryArgs(args []any, hbuf []byte, d *model.Delivery, hash string) ([]any, []byte, error) {
	hbuf, err := appendHeadersJSON(hbuf[:0], d.RequestHeaders)
	if err != nil {
		return args, hbuf, err
	}
	return append(args, d.Tenant, d.ID, d.RequestID, d.EventType, d.EventID, d.ConfigID, d.URL, d.Scheme,
		string(hbuf), hash, d.State, d.StatusCode, len(d.Attempts), d.ResendOf, formatTime(d.CreatedAt), formatTime(d.UpdatedAt)), hbuf, nil
}

// payloadHash is the key of a payload in delivery_payloads.
func payloadHash(payload []byte) string {
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])
}

// chunkEnd is where the chunk of ds starting at lo ends: after
// deliveryChunk deliveries, or before a delivery whose id is already in it.
// PostgreSQL refuses an upsert that touches one row twice; SQLite would
// apply both in order, as two statements in a row do.
func chunkEnd(ds []*model.Delivery, lo int) int {
	hi := min(lo+deliveryChunk, len(ds))
	for i := lo + 1; i < hi; i++ {
		for j := lo; j < i; j++ {
			if ds[j].ID == ds[i].ID && ds[j].Tenant == ds[i].Tenant {
				return i
			}
		}
	}
	return hi
}

// saveAttemptsTx inserts the attempts of ds, attemptChunk rows at a time.
func (s *Store) saveAttemptsTx(ctx context.Context, tx *txHandle, ds []*model.Delivery) error {
	args := make([]any, 0, attemptChunk*attemptParams)
	rows := 0
	first := ""
	flush := func() error {
		if rows == 0 {
			return nil
		}
		st, err := s.stmt(ctx, tx, stmtAttempts, rows)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("save attempts of %s…: %w", first, err)
		}
		args, rows, first = args[:0], 0, ""
		return nil
	}
	for _, d := range ds {
		for _, a := range d.Attempts {
			if rows == 0 {
				first = d.ID
			}
			args = append(args, d.Tenant, d.ID, a.N, formatTime(a.StartedAt), a.StatusCode, a.Latency.Microseconds(),
				a.ResponseBody, a.ResponseTruncated, a.Error)
			if rows++; rows == attemptChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

func idRange(ds []*model.Delivery) string {
	if len(ds) == 1 {
		return ds[0].ID
	}
	return ds[0].ID + "…" + ds[len(ds)-1].ID
}

// appendHeadersJSON appends exactly what json.Marshal makes of h (a nil map
// as {}): keys sorted, strings quoted. Plain printable ASCII without the
// characters json escapes (" \\ < > &) is copied as is; anything else goes
// through encoding/json.
func appendHeadersJSON(dst []byte, h map[string]string) ([]byte, error) {
	if len(h) == 0 {
		return append(dst, '{', '}'), nil
	}
	var small [16]string
	keys := small[:0]
	for k, v := range h {
		if !plainJSON(k) || !plainJSON(v) {
			b, err := json.Marshal(h)
			return append(dst, b...), err
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, k...)
		dst = append(dst, '"', ':', '"')
		dst = append(dst, h[k]...)
		dst = append(dst, '"')
	}
	return append(dst, '}'), nil
}

// plainJSON reports whether json.Marshal quotes s without escaping anything.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// where builds the WHERE clause over the tenant's deliveries; col
// qualifies column names ("d." or "").
func (f DeliveryFilter) where(d dialect, col, tenant string) (string, []any) {
	conds := []string{col + "tenant = ?"}
	args := []any{tenant}
	add := func(cond string, arg any) { conds = append(conds, col+cond); args = append(args, arg) }
	if !f.Since.IsZero() {
		add("created_at >= ?", formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at < ?", formatTime(f.Until))
	}
	if f.StatusCode != 0 {
		add("status_code = ?", f.StatusCode)
	}
	if f.RequestID != "" {
		add("request_id = ?", f.RequestID)
	}
	if cond, eargs, ok := d.eventTypeCond(col+"event_type", f.EventType); ok {
		conds = append(conds, cond)
		args = append(args, eargs...)
	}
	if f.ConfigID != "" {
		add("config_id = ?", f.ConfigID)
	}
	if f.State != "" {
		add("state = ?", f.State)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListDeliveries returns the tenant's deliveries matching f, newest first,
// without their payloads and attempts (see AttemptCount and StatusCode),
// whether more follow the page, and the totals over the whole filter.
func (s *Store) ListDeliveries(ctx context.Context, tenant string, f DeliveryFilter) ([]model.Delivery, bool, DeliveryTotals, error) {
	where, args := f.where(s.db.dialect, "", tenant)
	var tot DeliveryTotals
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) FROM deliveries`+where, args...).
		Scan(&tot.Total, &tot.Succeeded, &tot.Failed)
	if err != nil {
		return nil, false, tot, err
	}
	where, args = f.where(s.db.dialect, "d.", tenant)
	if f.StartingAfter != "" {
		var created string
		err := s.db.QueryRowContext(ctx, `SELECT created_at FROM deliveries WHERE tenant = ? AND id = ?`, tenant, f.StartingAfter).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, tot, apperr.NotFoundf("no delivery %s to list after (starting_after takes the id of a listed delivery)", f.StartingAfter)
		}
		if err != nil {
			return nil, false, tot, err
		}
		where += ` AND (d.created_at < ? OR (d.created_at = ? AND d.id < ?))`
		args = append(args, created, created, f.StartingAfter)
	}
	q := deliveryListSelect + where + ` ORDER BY d.created_at DESC, d.id DESC`
	if f.Limit > 0 {
		q += " LIMIT ?"                // a parameter: one statement text for every limit
		args = append(args, f.Limit+1) // one more tells whether there are more
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, tot, err
	}
	defer rows.Close()
	out := []model.Delivery{}
	for rows.Next() {
		d, _, err := scanDelivery(rows, "")
		if err != nil {
			return nil, false, tot, err
		}
		out = append(out, *d)
	}
	more := f.Limit > 0 && len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	return out, more, tot, rows.Err()
}

// GetDelivery returns a delivery of the tenant with all its attempts, or
// apperr.ErrNotFound.
func (s *Store) GetDelivery(ctx context.Context, tenant, id string) (*model.Delivery, error) {
	return s.getDelivery(ctx, tenant, id, false)
}

// GetOutboxDelivery is GetDelivery for the outbox, about to attempt a
// delivery it enqueued: such a delivery is always written with its
// attempts and their count in one transaction, so a count of 0 means no
// attempts to read (the first attempt of every delivery takes one query,
// not two).
func (s *Store) GetOutboxDelivery(ctx context.Context, tenant, id string) (*model.Delivery, error) {
	return s.getDelivery(ctx, tenant, id, true)
}

func (s *Store) getDelivery(ctx context.Context, tenant, id string, trustCount bool) (*model.Delivery, error) {
	d, _, err := scanDelivery(s.db.QueryRowContext(ctx, deliverySelect+` WHERE d.tenant = ? AND d.id = ?`, tenant, id), id)
	if err != nil {
		return nil, err
	}
	if trustCount && d.AttemptCount == 0 {
		d.Attempts = []model.DeliveryAttempt{}
		return d, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT n, started_at, status_code, latency_us, response_body, response_truncated, error
FROM delivery_attempts WHERE tenant = ? AND delivery_id = ? ORDER BY n`, tenant, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d.Attempts = []model.DeliveryAttempt{}
	for rows.Next() {
		var a model.DeliveryAttempt
		var started string
		var us int64
		if err := rows.Scan(&a.N, &started, &a.StatusCode, &us, &a.ResponseBody, &a.ResponseTruncated, &a.Error); err != nil {
			return nil, err
		}
		if a.StartedAt, err = parseTime(started); err != nil {
			return nil, err
		}
		a.Latency = time.Duration(us) * time.Microsecond
		d.Attempts = append(d.Attempts, a)
	}
	return d, rows.Err()
}

func scanDelivery(row scanner, id string) (*model.Delivery, int, error) {
	var d model.Delivery
	var hdrs, created, updated string
	err := row.Scan(&d.Tenant, &d.ID, &d.RequestID, &d.EventType, &d.EventID, &d.ConfigID, &d.URL, &d.Scheme, &hdrs, &d.Payload,
		&d.State, &d.StatusCode, &d.AttemptCount, &d.ResendOf, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, apperr.NotFoundf("no delivery %s (run \"hookctl webhook deliveries list\")", id)
	}
	if err != nil {
		return nil, 0, err
	}
	if err := json.Unmarshal([]byte(hdrs), &d.RequestHeaders); err != nil {
		return nil, 0, fmt.Errorf("delivery %s: corrupt stored headers: %w", d.ID, err)
	}
	if d.CreatedAt, err = parseTime(created); err != nil {
		return nil, 0, err
	}
	if d.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, 0, err
	}
	d.Attempts = make([]model.DeliveryAttempt, 0)
	return &d, d.AttemptCount, nil
}

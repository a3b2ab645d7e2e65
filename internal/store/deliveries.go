package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
	EventType    string
	ConfigID     string
	State        string // succeeded | failed | pending; "" = any
	Limit        int    // 0 = no limit
}

// DeliveryTotals counts the deliveries matching a filter, ignoring Limit.
type DeliveryTotals struct {
	Total     int `json:"total"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

const deliveryColumns = `id, request_id, event_type, event_id, config_id, url, scheme, request_headers, payload_hash, state, status_code, attempt_count, resend_of, created_at, updated_at`

// deliverySelect joins the payload in.
const deliverySelect = `SELECT d.id, d.request_id, d.event_type, d.event_id, d.config_id, d.url, d.scheme, d.request_headers, p.body,
  d.state, d.status_code, d.attempt_count, d.resend_of, d.created_at, d.updated_at
FROM deliveries d JOIN delivery_payloads p ON p.hash = d.payload_hash`

// SaveDeliveries upserts deliveries and inserts the attempts not stored
// yet, all in one transaction (the load generator saves hundreds at a time).
func (s *Store) SaveDeliveries(ctx context.Context, ds []*model.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	defer s.lockWrites()()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := saveDeliveriesTx(ctx, tx, ds); err != nil {
		return err
	}
	return tx.Commit()
}

// saveDeliveriesTx is SaveDeliveries inside tx.
func saveDeliveriesTx(ctx context.Context, tx *sql.Tx, ds []*model.Delivery) error {
	upsert, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (`+deliveryColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (id) DO UPDATE SET state=excluded.state, status_code=excluded.status_code,
  attempt_count=excluded.attempt_count, updated_at=excluded.updated_at,
  request_headers=CASE WHEN excluded.request_headers <> '{}' THEN excluded.request_headers ELSE request_headers END`)
	if err != nil {
		return err
	}
	defer upsert.Close()
	attempt, err := tx.PrepareContext(ctx, `INSERT INTO delivery_attempts (delivery_id, n, started_at, status_code, latency_us, response_body, response_truncated, error)
VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (delivery_id, n) DO UPDATE SET error=excluded.error`)
	if err != nil {
		return err
	}
	defer attempt.Close()
	payloadStmt, err := tx.PrepareContext(ctx, `INSERT INTO delivery_payloads (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`)
	if err != nil {
		return err
	}
	defer payloadStmt.Close()
	stored := map[[32]byte]string{}
	for _, d := range ds {
		if d.ID == "" {
			return fmt.Errorf("save delivery: missing id")
		}
		hdrs := d.RequestHeaders
		if hdrs == nil {
			hdrs = map[string]string{}
		}
		hj, err := json.Marshal(hdrs)
		if err != nil {
			return err
		}
		payload := d.Payload
		if payload == nil {
			payload = []byte{}
		}
		sum := sha256.Sum256(payload)
		hash, ok := stored[sum]
		if !ok {
			hash = hex.EncodeToString(sum[:])
			if _, err := payloadStmt.ExecContext(ctx, hash, payload); err != nil {
				return fmt.Errorf("save payload of %s: %w", d.ID, err)
			}
			stored[sum] = hash
		}
		if _, err := upsert.ExecContext(ctx, d.ID, d.RequestID, d.EventType, d.EventID, d.ConfigID, d.URL, d.Scheme,
			string(hj), hash, d.State, d.StatusCode, len(d.Attempts), d.ResendOf, formatTime(d.CreatedAt), formatTime(d.UpdatedAt)); err != nil {
			return fmt.Errorf("save delivery %s: %w", d.ID, err)
		}
		for _, a := range d.Attempts {
			if _, err := attempt.ExecContext(ctx, d.ID, a.N, formatTime(a.StartedAt), a.StatusCode, a.Latency.Microseconds(),
				a.ResponseBody, a.ResponseTruncated, a.Error); err != nil {
				return fmt.Errorf("save attempt %d of %s: %w", a.N, d.ID, err)
			}
		}
	}
	return nil
}

// where builds the WHERE clause; col qualifies column names ("d." or "").
func (f DeliveryFilter) where(col string) (string, []any) {
	var conds []string
	var args []any
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
	if f.EventType != "" {
		add("event_type = ?", f.EventType)
	}
	if f.ConfigID != "" {
		add("config_id = ?", f.ConfigID)
	}
	if f.State != "" {
		add("state = ?", f.State)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListDeliveries returns the deliveries matching f, newest first, without
// their attempts (see AttemptCount and StatusCode), and the totals over the
// whole filter.
func (s *Store) ListDeliveries(ctx context.Context, f DeliveryFilter) ([]model.Delivery, DeliveryTotals, error) {
	countWhere, args := f.where("")
	where, _ := f.where("d.")
	var tot DeliveryTotals
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(state = 'succeeded'), 0), COALESCE(SUM(state = 'failed'), 0) FROM deliveries`+countWhere, args...).
		Scan(&tot.Total, &tot.Succeeded, &tot.Failed)
	if err != nil {
		return nil, tot, err
	}
	q := deliverySelect + where + ` ORDER BY d.created_at DESC, d.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, tot, err
	}
	defer rows.Close()
	out := []model.Delivery{}
	for rows.Next() {
		d, _, err := scanDelivery(rows, "")
		if err != nil {
			return nil, tot, err
		}
		out = append(out, *d)
	}
	return out, tot, rows.Err()
}

// GetDelivery returns a delivery with all its attempts, or apperr.ErrNotFound.
func (s *Store) GetDelivery(ctx context.Context, id string) (*model.Delivery, error) {
	d, _, err := scanDelivery(s.db.QueryRowContext(ctx, deliverySelect+` WHERE d.id = ?`, id), id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT n, started_at, status_code, latency_us, response_body, response_truncated, error
FROM delivery_attempts WHERE delivery_id = ? ORDER BY n`, id)
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
	err := row.Scan(&d.ID, &d.RequestID, &d.EventType, &d.EventID, &d.ConfigID, &d.URL, &d.Scheme, &hdrs, &d.Payload,
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

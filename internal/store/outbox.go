package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// OutboxItem is a delivery to make: the pending delivery record and the
// job (opaque JSON for the store: what the dispatcher needs to send it).
type OutboxItem struct {
	Delivery      *model.Delivery
	Job           []byte
	NextAttemptAt time.Time
}

// OutboxEntry is a claimed row of the outbox.
type OutboxEntry struct {
	Tenant     string
	DeliveryID string
	Job        []byte
}

// EnqueueDeliveries inserts pending deliveries and their outbox rows in one
// transaction: a delivery is in the log if and only if it will be sent.
func (s *Store) EnqueueDeliveries(ctx context.Context, items []OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	ds := make([]*model.Delivery, len(items))
	for i, it := range items {
		ds[i] = it.Delivery
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.saveDeliveriesTx(ctx, tx, ds); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO outbox (tenant, delivery_id, job, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, it := range items {
			if _, err := stmt.ExecContext(ctx, it.Delivery.Tenant, it.Delivery.ID, string(it.Job), formatTime(it.NextAttemptAt), formatTime(it.Delivery.CreatedAt)); err != nil {
				return fmt.Errorf("enqueue delivery %s: %w", it.Delivery.ID, err)
			}
		}
		return nil
	})
}

// ClaimOutbox leases up to limit rows that are due (next_attempt_at <= now)
// and not leased (or whose lease expired), oldest due first, until now+lease.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		n := formatTime(now)
		rows, err := tx.QueryContext(ctx, `SELECT tenant, delivery_id, job FROM outbox
WHERE next_attempt_at <= ? AND (leased_until IS NULL OR leased_until <= ?)
ORDER BY next_attempt_at LIMIT ?`, n, n, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e OutboxEntry
			var job string
			if err := rows.Scan(&e.Tenant, &e.DeliveryID, &job); err != nil {
				rows.Close()
				return err
			}
			e.Job = []byte(job)
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(out) == 0 {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `UPDATE outbox SET leased_until = ? WHERE tenant = ? AND delivery_id = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		until := formatTime(now.Add(lease))
		for _, e := range out {
			if _, err := stmt.ExecContext(ctx, until, e.Tenant, e.DeliveryID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OutboxFinish is a recorded attempt: the delivery after it and, when it
// is still pending, when to attempt it next.
type OutboxFinish struct {
	Delivery *model.Delivery
	Next     time.Time
}

// FinishOutboxAttempts records attempts (one transaction for all, a group
// commit) and, in the same transaction, deletes the outbox row of each
// final delivery and frees the others' rows for their next attempt.
func (s *Store) FinishOutboxAttempts(ctx context.Context, fs []OutboxFinish) error {
	if len(fs) == 0 {
		return nil
	}
	ds := make([]*model.Delivery, len(fs))
	for i, f := range fs {
		ds[i] = f.Delivery
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.saveDeliveriesTx(ctx, tx, ds); err != nil {
			return err
		}
		for _, f := range fs {
			var err error
			if f.Delivery.State == model.DeliveryPending {
				_, err = tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?, leased_until = NULL WHERE tenant = ? AND delivery_id = ?`,
					formatTime(f.Next), f.Delivery.Tenant, f.Delivery.ID)
			} else {
				_, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE tenant = ? AND delivery_id = ?`, f.Delivery.Tenant, f.Delivery.ID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ReleaseOutbox frees a leased row without recording anything (an attempt
// interrupted by shutdown), so the next start attempts it again.
func (s *Store) ReleaseOutbox(ctx context.Context, tenant, deliveryID string) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET leased_until = NULL WHERE tenant = ? AND delivery_id = ?`, tenant, deliveryID)
	return err
}

// DropOutbox deletes a row that cannot be sent (its job is unreadable).
func (s *Store) DropOutbox(ctx context.Context, tenant, deliveryID string) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `DELETE FROM outbox WHERE tenant = ? AND delivery_id = ?`, tenant, deliveryID)
	return err
}

// ResetOutboxLeases frees every lease: called when the (only) server
// starts, so what a killed process was attempting is attempted again now.
func (s *Store) ResetOutboxLeases(ctx context.Context) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET leased_until = NULL WHERE leased_until IS NOT NULL`)
	return err
}

// OutboxLen counts the deliveries waiting to be (re)attempted.
func (s *Store) OutboxLen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n)
	return n, err
}

// NextOutboxAt is the earliest next_attempt_at of a free row (ok false when
// there is none).
func (s *Store) NextOutboxAt(ctx context.Context) (t time.Time, ok bool, err error) {
	var v sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM outbox WHERE leased_until IS NULL`).Scan(&v)
	if err != nil || !v.Valid {
		return time.Time{}, false, err
	}
	t, err = parseTime(v.String)
	return t, err == nil, err
}

// InOutbox reports whether the delivery still has an attempt to make.
func (s *Store) InOutbox(ctx context.Context, tenant, deliveryID string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE tenant = ? AND delivery_id = ?`, tenant, deliveryID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

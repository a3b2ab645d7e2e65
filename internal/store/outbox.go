package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
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

// outboxParams is the columns of one outbox row written by EnqueueDeliveries.
const outboxParams = 5

// EnqueueDeliveries inserts pending deliveries and their outbox rows in one
// transaction: a delivery is in the log if and only if it will be sent.
func (s *Store) EnqueueDeliveries(ctx context.Context, items []OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	if s.db.postgres && len(items) <= deliveryChunk {
		return s.enqueueInOneStatement(ctx, items)
	}
	ds := make([]*model.Delivery, len(items))
	for i, it := range items {
		ds[i] = it.Delivery
	}
	return s.writeTx(ctx, func(tx *txHandle) error {
		if err := s.saveDeliveriesTx(ctx, tx, ds); err != nil {
			return err
		}
		// Multi-row statements, deliveryChunk rows at a time (a fan-out
		// to many configs is one event: one round trip per chunk).
		args := make([]any, 0, deliveryChunk*outboxParams)
		for lo := 0; lo < len(items); lo += deliveryChunk {
			chunk := items[lo:min(lo+deliveryChunk, len(items))]
			args = args[:0]
			for _, it := range chunk {
				args = append(args, it.Delivery.Tenant, it.Delivery.ID, string(it.Job), formatTime(it.NextAttemptAt), formatTime(it.Delivery.CreatedAt))
			}
			st, err := s.stmt(ctx, tx, stmtOutbox, len(chunk))
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("enqueue deliveries %s…: %w", chunk[0].Delivery.ID, err)
			}
		}
		return nil
	})
}

// enqueueInOneStatement is EnqueueDeliveries on PostgreSQL for an event's
// deliveries (up to deliveryChunk): payloads, deliveries and outbox rows in
// one statement of data-modifying CTEs, which PostgreSQL runs atomically
// (the foreign keys are checked at its end), so that the API's hot path
// takes one round trip instead of five (BEGIN, three INSERTs, COMMIT).
func (s *Store) enqueueInOneStatement(ctx context.Context, items []OutboxItem) error {
	args := make([]any, 0, 2+len(items)*(deliveryParams+outboxParams+2))
	var payloads, deliveries, outbox []string
	seen := map[string]bool{}
	hashes := make([]string, len(items))
	for i, it := range items {
		d := it.Delivery
		if d.ID == "" || len(d.Attempts) > 0 {
			return fmt.Errorf("enqueue delivery %q: a new delivery has an id and no attempts", d.ID)
		}
		if err := needTenant(d.Tenant, d.ID); err != nil {
			return err
		}
		payload := d.Payload
		if payload == nil {
			payload = []byte{}
		}
		hashes[i] = payloadHash(payload)
		if !seen[hashes[i]] {
			seen[hashes[i]] = true
			payloads = append(payloads, "(?, ?)")
			args = append(args, hashes[i], payload)
		}
	}
	var hbuf []byte
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", deliveryParams), ",") + ")"
	for i, it := range items {
		var err error
		if args, hbuf, err = appendDeliveryArgs(args, hbuf, it.Delivery, hashes[i]); err != nil {
			return err
		}
		deliveries = append(deliveries, row)
	}
	for _, it := range items {
		args = append(args, it.Delivery.Tenant, it.Delivery.ID, string(it.Job), formatTime(it.NextAttemptAt), formatTime(it.Delivery.CreatedAt))
		outbox = append(outbox, "(?, ?, ?, ?, ?)")
	}
	_, err := s.db.ExecContext(ctx, `WITH p AS (INSERT INTO delivery_payloads (hash, body) VALUES `+strings.Join(payloads, ",")+` ON CONFLICT (hash) DO NOTHING),
d AS (`+deliveryUpsertHead+strings.Join(deliveries, ",")+deliveryUpsertTail+`)
INSERT INTO outbox (tenant, delivery_id, job, next_attempt_at, created_at) VALUES `+strings.Join(outbox, ","), args...)
	if err != nil {
		return fmt.Errorf("enqueue deliveries %s: %w", items[0].Delivery.ID, err)
	}
	return nil
}

// ClaimOutbox leases, for owner, up to limit rows that are due
// (next_attempt_at <= now) and not leased (or whose lease expired), oldest
// due first, until now+lease. On PostgreSQL, replicas claiming at the same
// time skip each other's locked rows (FOR UPDATE SKIP LOCKED): each row goes
// to one replica.
func (s *Store) ClaimOutbox(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	skipLocked := ""
	if s.db.postgres {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	// One statement: on PostgreSQL it needs no transaction around it.
	err := s.claimTx(ctx, func(q querier) error {
		n := formatTime(now)
		// next_attempt_at becomes the lease's end: a leased row is due
		// again only if its lease runs out, so the claim's index range
		// (next_attempt_at <= now) holds only rows that are claimable,
		// not every row in flight before them.
		rows, err := q.QueryContext(ctx, `UPDATE outbox SET leased_until = ?, leased_by = ?, next_attempt_at = ?
WHERE (tenant, delivery_id) IN (SELECT tenant, delivery_id FROM outbox
  WHERE next_attempt_at <= ? AND (leased_until IS NULL OR leased_until <= ?)
  ORDER BY next_attempt_at LIMIT ?`+skipLocked+`)
RETURNING tenant, delivery_id, job, created_at`, formatTime(now.Add(lease)), owner, formatTime(now.Add(lease)), n, n, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		var due []string
		for rows.Next() {
			var e OutboxEntry
			var job, at string
			if err := rows.Scan(&e.Tenant, &e.DeliveryID, &job, &at); err != nil {
				return err
			}
			e.Job = []byte(job)
			out = append(out, e)
			due = append(due, at)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// RETURNING follows no order: oldest first.
		sort.Sort(byDue{out, due})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// claimTx runs fn in a write transaction on SQLite (under the write
// lock), and on the pool on PostgreSQL (fn runs one statement).
func (s *Store) claimTx(ctx context.Context, fn func(q querier) error) error {
	if s.db.postgres {
		return fn(s.db)
	}
	return s.writeTx(ctx, func(tx *txHandle) error { return fn(tx) })
}

type byDue struct {
	e   []OutboxEntry
	due []string
}

func (b byDue) Len() int           { return len(b.e) }
func (b byDue) Less(i, j int) bool { return b.due[i] < b.due[j] }
func (b byDue) Swap(i, j int) {
	b.e[i], b.e[j] = b.e[j], b.e[i]
	b.due[i], b.due[j] = b.due[j], b.due[i]
}

// OutboxKey names an outbox row.
type OutboxKey struct{ Tenant, DeliveryID string }

// RenewOutboxLeases extends until now+lease the leases that owner still
// holds on keys (attempts still running), and returns how many it renewed.
// A lease another replica took over (this one stalled past it) stays theirs.
// On PostgreSQL a row locked at this moment (its attempt being recorded by
// this process's group commit) is skipped rather than waited for: its lease
// has two more renewals to go before it ends, and renewal and group commit
// then never wait for each other (in two orders they deadlocked).
func (s *Store) RenewOutboxLeases(ctx context.Context, owner string, keys []OutboxKey, now time.Time, lease time.Duration) (int, error) {
	skipLocked := ""
	if s.db.postgres {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	until := formatTime(now.Add(lease))
	renewed := 0
	for lo := 0; lo < len(keys); lo += outboxKeyChunk {
		chunk := keys[lo:min(lo+outboxKeyChunk, len(keys))]
		args := append(make([]any, 0, 4+2*len(chunk)), until, until, owner, owner)
		res, err := func() (sql.Result, error) {
			defer s.lockWrites()()
			return s.db.ExecContext(ctx, `UPDATE outbox SET leased_until = ?, next_attempt_at = ? WHERE leased_by = ? AND (tenant, delivery_id) IN (
  SELECT tenant, delivery_id FROM outbox WHERE leased_by = ? AND (tenant, delivery_id) IN (`+keyValues(len(chunk))+`)`+skipLocked+`)`,
				appendKeyArgs(args, chunk)...)
		}()
		if err != nil {
			return renewed, err
		}
		n, _ := res.RowsAffected()
		renewed += int(n)
	}
	return renewed, nil
}

// outboxKeyChunk bounds the keys of one statement (two parameters each).
const outboxKeyChunk = 256

// keyValues is a VALUES list of n (tenant, delivery_id) pairs.
func keyValues(n int) string {
	return "VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?),", n), ",")
}

func appendKeyArgs(args []any, keys []OutboxKey) []any {
	for _, k := range keys {
		args = append(args, k.Tenant, k.DeliveryID)
	}
	return args
}

// OutboxFinish is a recorded attempt: the delivery after it and, when it
// is still pending, when to attempt it next.
type OutboxFinish struct {
	Delivery *model.Delivery
	Next     time.Time
}

// FinishOutboxAttempts records, for owner, attempts (one transaction for
// all, a group commit) and, in the same transaction, deletes the outbox row
// of each final delivery and frees the others' rows for their next attempt.
//
// Only rows owner still leases are recorded: a replica that stalled past
// its lease (the database away longer than it, say) finds its rows claimed
// by another, whose attempt is the delivery's now; its own late result is
// not written over the other's (it is returned in lost, and the receiver
// got that attempt as a duplicate, as after a crash).
func (s *Store) FinishOutboxAttempts(ctx context.Context, owner string, fs []OutboxFinish) (lost []OutboxKey, err error) {
	if len(fs) == 0 {
		return nil, nil
	}
	err = s.writeTx(ctx, func(tx *txHandle) error {
		keys := make([]OutboxKey, len(fs))
		for i, f := range fs {
			keys[i] = OutboxKey{f.Delivery.Tenant, f.Delivery.ID}
		}
		held, err := heldRows(ctx, tx, owner, keys)
		if err != nil {
			return err
		}
		lost = lost[:0]
		kept := fs[:0:0]
		for _, f := range fs {
			if k := (OutboxKey{f.Delivery.Tenant, f.Delivery.ID}); held[k] {
				kept = append(kept, f)
			} else {
				lost = append(lost, k)
			}
		}
		fs = kept
		ds := make([]*model.Delivery, len(fs))
		for i, f := range fs {
			ds[i] = f.Delivery
		}
		if err := s.saveDeliveriesWith(ctx, tx, ds, true); err != nil {
			return err
		}
		// Final rows go in one statement per chunk; rows due again (a
		// retry) each get their own next time.
		var attempted, final []string
		var done []OutboxKey
		for _, f := range fs {
			key := DeliveryKey(f.Delivery.Tenant, f.Delivery.ID)
			if f.Delivery.State != model.DeliveryPending {
				final = append(final, key)
				done = append(done, OutboxKey{f.Delivery.Tenant, f.Delivery.ID})
				continue
			}
			attempted = append(attempted, key)
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?, leased_until = NULL, leased_by = '' WHERE tenant = ? AND delivery_id = ?`,
				formatTime(f.Next), f.Delivery.Tenant, f.Delivery.ID); err != nil {
				return err
			}
		}
		for lo := 0; lo < len(done); lo += outboxKeyChunk {
			chunk := done[lo:min(lo+outboxKeyChunk, len(done))]
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE (tenant, delivery_id) IN (`+keyValues(len(chunk))+`)`,
				appendKeyArgs(nil, chunk)...); err != nil {
				return err
			}
		}
		return tx.notify(ctx, Notification{NotifyAttempt, attempted}, Notification{NotifyFinal, final})
	})
	return lost, err
}

// heldRows is the subset of keys whose outbox rows owner leases, locked
// until the end of tx on PostgreSQL (another replica cannot claim them
// meanwhile).
func heldRows(ctx context.Context, tx *txHandle, owner string, keys []OutboxKey) (map[OutboxKey]bool, error) {
	held := make(map[OutboxKey]bool, len(keys))
	for lo := 0; lo < len(keys); lo += outboxKeyChunk {
		chunk := keys[lo:min(lo+outboxKeyChunk, len(keys))]
		rows, err := tx.QueryContext(ctx, `SELECT tenant, delivery_id FROM outbox WHERE leased_by = ? AND (tenant, delivery_id) IN (`+
			keyValues(len(chunk))+`) ORDER BY tenant, delivery_id`+tx.h.forUpdate(), appendKeyArgs([]any{owner}, chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k OutboxKey
			if err := rows.Scan(&k.Tenant, &k.DeliveryID); err != nil {
				rows.Close()
				return nil, err
			}
			held[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return held, nil
}

// ReleaseOutbox frees a row that owner leases without recording anything
// (an attempt interrupted by shutdown), due again at now. A row another
// replica claimed meanwhile stays theirs.
func (s *Store) ReleaseOutbox(ctx context.Context, owner, tenant, deliveryID string, now time.Time) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET leased_until = NULL, leased_by = '', next_attempt_at = ? WHERE tenant = ? AND delivery_id = ? AND leased_by = ?`,
		formatTime(now), tenant, deliveryID, owner)
	return err
}

// DropOutbox deletes a row that cannot be sent (its job is unreadable).
func (s *Store) DropOutbox(ctx context.Context, tenant, deliveryID string) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `DELETE FROM outbox WHERE tenant = ? AND delivery_id = ?`, tenant, deliveryID)
	return err
}

// ResetOutboxLeases frees every lease: called when the only server of a
// SQLite data directory starts, so what a killed process was attempting is
// attempted again now. Replicas on PostgreSQL must not call it (the leases
// are the others'): there a dead replica's leases simply expire.
func (s *Store) ResetOutboxLeases(ctx context.Context, now time.Time) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET leased_until = NULL, leased_by = '', next_attempt_at = ? WHERE leased_until IS NOT NULL`, formatTime(now))
	return err
}

// OutboxLen counts the deliveries waiting to be (re)attempted.
func (s *Store) OutboxLen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n)
	return n, err
}

// NextOutboxAt is when a row next becomes claimable: the earliest
// next_attempt_at, which for a leased row is its lease's end (ok false when
// the outbox is empty).
func (s *Store) NextOutboxAt(ctx context.Context) (t time.Time, ok bool, err error) {
	var v sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM outbox`).Scan(&v)
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

package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cross-replica wake-ups (PostgreSQL only): what one replica commits, the
// others learn at once through LISTEN/NOTIFY, so that a relay stream held
// by one replica sees the requests another accepted, and a long poll on a
// delivery held by one sees the attempt another recorded. The NOTIFY is
// sent inside the transaction that commits the change: PostgreSQL delivers
// it at commit, never for a rolled-back change, never before the rows are
// visible. With SQLite there is one server per database and no replica to
// tell: the server's own in-process wake-ups do.

// notifyChannel is the PostgreSQL channel of hookctl's notifications.
const notifyChannel = "hookctl"

// Kinds of Notification.
const (
	NotifySourceEvent = "src" // Keys: source ids with new events
	NotifyAttempt     = "att" // Keys: "tenant/delivery id" with a new attempt recorded, still pending
	NotifyFinal       = "fin" // Keys: "tenant/delivery id" now final
	NotifyResync      = "resync"
)

// Notification is what another replica (or this one) committed. Resync
// means notifications may have been missed (the connection to PostgreSQL
// was lost and is back): whoever waits should look again.
type Notification struct {
	Kind string
	Keys []string
}

// DeliveryKey is the key of a delivery in notifications.
func DeliveryKey(tenant, id string) string { return tenant + "/" + id }

// maxNotifyPayload stays under PostgreSQL's 8000-byte payload limit.
const maxNotifyPayload = 7900

// notify queues, in tx, the notifications (no-op on SQLite): each kind's
// keys in as few payloads as fit, all in one statement.
func (t *txHandle) notify(ctx context.Context, ns ...Notification) error {
	if !t.h.postgres {
		return nil
	}
	var payloads []any
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			payloads = append(payloads, b.String())
			b.Reset()
		}
	}
	for _, n := range ns {
		for _, k := range n.Keys {
			if b.Len() > 0 && b.Len()+1+len(k) > maxNotifyPayload {
				flush()
			}
			if b.Len() == 0 {
				b.WriteString(n.Kind)
				b.WriteByte('|')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(k)
		}
		flush()
	}
	if len(payloads) == 0 {
		return nil
	}
	calls := make([]string, len(payloads))
	for i := range payloads {
		calls[i] = fmt.Sprintf("pg_notify('%s', $%d)", notifyChannel, i+1)
	}
	_, err := t.Tx.ExecContext(ctx, "SELECT "+strings.Join(calls, ", "), payloads...)
	return err
}

func parseNotification(payload string) (Notification, bool) {
	kind, keys, ok := strings.Cut(payload, "|")
	if !ok || keys == "" {
		return Notification{}, false
	}
	return Notification{Kind: kind, Keys: strings.Split(keys, ",")}, true
}

// Shared reports whether other servers may use this database at the same
// time (PostgreSQL replicas): then leases are never reset at start, and
// wake-ups come through Subscribe.
func (s *Store) Shared() bool { return s.db.postgres }

// Subscribe calls fn with every notification committed on the database,
// by any replica, until ctx is done. It holds one connection of its own,
// reconnecting with backoff when it is lost; after a reconnection fn gets
// NotifyResync. ready, when not nil, is closed once listening. On SQLite it
// returns at once (nothing to listen to).
func (s *Store) Subscribe(ctx context.Context, ready chan<- struct{}, fn func(Notification)) {
	if !s.db.postgres {
		if ready != nil {
			close(ready)
		}
		return
	}
	first := true
	for wait := 100 * time.Millisecond; ctx.Err() == nil; wait = min(2*wait, 5*time.Second) {
		err := s.listenOnce(ctx, func() {
			wait = 100 * time.Millisecond
			if first {
				first = false
				if ready != nil {
					close(ready)
				}
			} else {
				fn(Notification{Kind: NotifyResync})
			}
		}, fn)
		if ctx.Err() != nil {
			return
		}
		_ = err // the loop retries; serve's health check reports the database
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// listenOnce connects, LISTENs, calls listening, and delivers
// notifications until the connection fails or ctx is done.
func (s *Store) listenOnce(ctx context.Context, listening func(), fn func(Notification)) error {
	cctx, cancel := context.WithTimeout(ctx, pgConnectTimeout)
	conn, err := pgx.Connect(cctx, s.rawURL)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		if note, ok := parseNotification(n.Payload); ok {
			fn(note)
		}
	}
}

// Lead blocks until this process leads name among the replicas sharing the
// database (a PostgreSQL advisory lock held by a connection of its own), or
// ctx is done. The returned context ends when the lead is lost (that
// connection broke, so the lock is free for another replica) or ctx ends;
// release gives the lead up. Work that one replica at a time must do (the
// publisher, whose broker would otherwise get each event twice) runs under
// it. On SQLite, the only server leads at once.
func (s *Store) Lead(ctx context.Context, name string) (context.Context, func(), error) {
	if !s.db.postgres {
		lctx, cancel := context.WithCancel(ctx)
		return lctx, cancel, nil
	}
	for wait := 200 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		conn, err := s.db.Conn(ctx)
		if err == nil {
			var got bool
			err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, "lead/"+name).Scan(&got)
			if err == nil && got {
				lctx, cancel := context.WithCancel(ctx)
				go func() {
					// A lost connection loses the lock: watch it.
					t := time.NewTicker(time.Second)
					defer t.Stop()
					for {
						select {
						case <-lctx.Done():
							return
						case <-t.C:
							if conn.PingContext(lctx) != nil {
								cancel()
								return
							}
						}
					}
				}()
				return lctx, func() {
					cancel()
					uctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
					defer stop()
					if _, err := conn.ExecContext(uctx, `SELECT pg_advisory_unlock(hashtext($1))`, "lead/"+name); err != nil {
						// Not unlocked: the connection must not go back to
						// the pool holding the lead (no replica would lead).
						// Discarding it ends its session, and the lock.
						_ = conn.Raw(func(any) error { return driver.ErrBadConn })
					}
					conn.Close()
				}, nil
			}
			conn.Close()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
	}
}

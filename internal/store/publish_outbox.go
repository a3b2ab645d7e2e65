package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// The publish outbox (migration 0009): source events waiting to be
// published to the message broker. A mark is committed with its event
// (InsertSourceRequest), read oldest first by the publisher and deleted
// once the broker confirmed the message, so a broker outage delays
// publishing and never loses an event. A crash between the confirmation
// and the delete publishes the event again, with the same message id (at
// least once).
//
// One `hookctl serve` uses a data directory at a time (the serve lock), so
// the SQLite outbox has a single publisher and needs no leases.

// PublishMark asks InsertSourceRequest to queue the event for publishing.
type PublishMark struct {
	// Event is the source's event name (the request's EventType may be
	// what the payload says instead).
	Event string
}

// PendingPublish is one event of the publish outbox with what its message
// is made of.
type PendingPublish struct {
	Seq        int64
	Tenant     string
	RequestID  string
	SourceID   string
	Datasource string
	Event      string
	RoutingKey string
	Body       []byte
	ReceivedAt time.Time
	EventTime  *time.Time
}

// Time is the message's timestamp: the event's own time when the source
// has a tsField and the payload had it, else the time received.
func (p *PendingPublish) Time() time.Time {
	if p.EventTime != nil {
		return *p.EventTime
	}
	return p.ReceivedAt
}

func insertPublishMark(ctx context.Context, tx *txHandle, seq int64, r *model.ReceivedRequest, mark *PublishMark) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO publish_outbox (seq, tenant, request_id, event) VALUES (?, ?, ?, ?)`,
		seq, r.Tenant, r.ID, mark.Event)
	return err
}

// PendingPublishes returns up to limit events of the publish outbox,
// oldest (lowest seq) first.
func (s *Store) PendingPublishes(ctx context.Context, limit int) ([]PendingPublish, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.seq, p.tenant, p.request_id, r.source_id, r.datasource, p.event, r.routing_key,
			r.body, r.received_at, r.event_time
		FROM publish_outbox p JOIN received_requests r ON r.tenant = p.tenant AND r.id = p.request_id
		ORDER BY p.seq LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingPublish
	for rows.Next() {
		var p PendingPublish
		var received string
		var eventTime sql.NullString
		if err := rows.Scan(&p.Seq, &p.Tenant, &p.RequestID, &p.SourceID, &p.Datasource, &p.Event, &p.RoutingKey,
			&p.Body, &received, &eventTime); err != nil {
			return nil, err
		}
		if p.ReceivedAt, err = parseTime(received); err != nil {
			return nil, err
		}
		if eventTime.Valid && eventTime.String != "" {
			t, err := parseTime(eventTime.String)
			if err != nil {
				return nil, err
			}
			p.EventTime = &t
		}
		if p.Body == nil {
			p.Body = []byte{}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MarkPublished removes the marks of the events seqs (after the broker
// confirmed them). Exactly those: on PostgreSQL hooks commit concurrently,
// so an event with a lower seq (another source's) can become visible after
// the publisher read the batch, and a range delete up to the batch's last
// seq would remove its mark unpublished. One statement per 256 seqs keeps
// the write short (the hooks share the store's single writer on SQLite).
func (s *Store) MarkPublished(ctx context.Context, seqs []int64) error {
	defer s.lockWrites()()
	for lo := 0; lo < len(seqs); lo += outboxKeyChunk {
		chunk := seqs[lo:min(lo+outboxKeyChunk, len(seqs))]
		args := make([]any, len(chunk))
		for i, seq := range chunk {
			args[i] = seq
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM publish_outbox WHERE seq IN (`+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// PublishBacklog counts the events waiting to be published.
func (s *Store) PublishBacklog(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM publish_outbox`).Scan(&n)
	return n, err
}

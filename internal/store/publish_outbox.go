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

func insertPublishMark(ctx context.Context, tx *sql.Tx, seq int64, r *model.ReceivedRequest, mark *PublishMark) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO publish_outbox (tenant, request_id, seq, source_id, datasource, event, routing_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Tenant, r.ID, seq, r.Source, r.Datasource, mark.Event, r.RoutingKey, formatTime(r.ReceivedAt))
	return err
}

// PendingPublishes returns up to limit events of the publish outbox,
// oldest (lowest seq) first.
func (s *Store) PendingPublishes(ctx context.Context, limit int) ([]PendingPublish, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.seq, p.tenant, p.request_id, p.source_id, p.datasource, p.event, p.routing_key,
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

// MarkPublished removes published events from the publish outbox (after
// the broker's confirmation), in one transaction.
func (s *Store) MarkPublished(ctx context.Context, done []PendingPublish) error {
	if len(done) == 0 {
		return nil
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(done); start += maxRowsPerDelete {
			chunk := done[start:min(start+maxRowsPerDelete, len(done))]
			args := make([]any, 0, 2*len(chunk))
			for _, p := range chunk {
				args = append(args, p.Tenant, p.RequestID)
			}
			q := `DELETE FROM publish_outbox WHERE (tenant, request_id) IN (VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?),", len(chunk)), ",") + `)`
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// maxRowsPerDelete keeps a MarkPublished statement under SQLite's
// parameter limit.
const maxRowsPerDelete = 400

// PublishBacklog counts the events waiting to be published.
func (s *Store) PublishBacklog(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM publish_outbox`).Scan(&n)
	return n, err
}

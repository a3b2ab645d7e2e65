-- Publishing of source events to RabbitMQ (issue 16): a transactional
-- outbox. A row is written in the transaction that records the accepted
-- request (only while `serve` publishes, so that turning publishing on
-- later does not flood the broker with the history), and deleted once the
-- broker has confirmed the message. seq is the source event's sequence
-- number: rows are published in seq order. The routing fields are copied
-- so that a message is still published as accepted after its source is
-- deleted or changed.
CREATE TABLE publish_outbox (
    tenant      TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    source_id   TEXT NOT NULL,
    datasource  TEXT NOT NULL,
    event       TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant, request_id),
    FOREIGN KEY (tenant, request_id) REFERENCES received_requests (tenant, id) ON DELETE CASCADE
);
CREATE INDEX publish_outbox_seq ON publish_outbox (seq);

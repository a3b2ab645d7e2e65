-- Publishing of source events to RabbitMQ (issue 16): a transactional
-- outbox. A row is written in the transaction that records the accepted
-- request (only while `serve` publishes, so that turning publishing on
-- later does not flood the broker with the history), and deleted once the
-- broker has confirmed the message. seq is the source event's sequence
-- number (source_events.seq): rows are published in seq order, and the
-- rowid key keeps the mark to one small b-tree insert on the hook's path.
-- The message is made from the received request (body, times, routing
-- key) and event, the source's event name.
CREATE TABLE publish_outbox (
    seq        INTEGER PRIMARY KEY,
    tenant     TEXT NOT NULL,
    request_id TEXT NOT NULL,
    event      TEXT NOT NULL,
    FOREIGN KEY (tenant, request_id) REFERENCES received_requests (tenant, id) ON DELETE CASCADE
);

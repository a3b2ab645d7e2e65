-- The durable outbox of `hookctl serve`: one row per delivery that still
-- has an attempt to make. The row is inserted in the same transaction as
-- the pending delivery, updated (next_attempt_at) in the same transaction
-- as each recorded attempt, and deleted with the final one. A row whose
-- lease expired, or any row when the server starts, is attempted again:
-- delivery is at least once, with the delivery's request id every time.
CREATE TABLE outbox (
    delivery_id     TEXT PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
    job             TEXT NOT NULL,   -- JSON: event headers, target (url, scheme, secrets, headers), retry policy
    next_attempt_at TEXT NOT NULL,
    leased_until    TEXT,            -- a worker is attempting it until then; NULL = free
    created_at      TEXT NOT NULL
);
CREATE INDEX outbox_next_attempt_at ON outbox (next_attempt_at);

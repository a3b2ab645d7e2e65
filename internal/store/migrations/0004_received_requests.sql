-- Requests received by `hookctl webhook listen` (issue 4).
CREATE TABLE IF NOT EXISTS received_requests (
    id           TEXT PRIMARY KEY,           -- req_…
    received_at  TEXT NOT NULL,              -- RFC 3339, UTC, nanoseconds: text order is time order
    method       TEXT NOT NULL,
    host         TEXT NOT NULL DEFAULT '',
    path         TEXT NOT NULL,
    query        TEXT NOT NULL DEFAULT '',
    headers      TEXT NOT NULL DEFAULT '{}', -- JSON object of arrays (http.Header)
    body         BLOB NOT NULL,              -- raw bytes as received
    remote_addr  TEXT NOT NULL DEFAULT '',
    event_type   TEXT NOT NULL DEFAULT '',
    event_time   TEXT,                       -- --ts-field, when found
    verification TEXT,                       -- JSON, NULL when no secret was known
    forwards     TEXT NOT NULL DEFAULT '[]', -- JSON array of forward results
    filtered     INTEGER NOT NULL DEFAULT 0,
    status       INTEGER NOT NULL DEFAULT 0, -- what the sender was answered
    rejected     TEXT NOT NULL DEFAULT '',
    failed       INTEGER NOT NULL DEFAULT 0  -- rejected, signature failed or a forward failed
);
CREATE INDEX IF NOT EXISTS received_requests_received_at ON received_requests (received_at);
CREATE INDEX IF NOT EXISTS received_requests_event_type ON received_requests (event_type, received_at);

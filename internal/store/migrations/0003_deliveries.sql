-- Outbound deliveries (webhook send, deliveries resend, the dispatcher) and
-- their attempts. config_id is not a foreign key: the log outlives configs.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    request_id      TEXT NOT NULL,             -- sent as X-Request-Id (and webhook-id); same across retries and resends
    event_type      TEXT NOT NULL DEFAULT '',
    event_id        TEXT NOT NULL DEFAULT '',
    config_id       TEXT NOT NULL DEFAULT '',  -- '' for an ad-hoc --to URL
    url             TEXT NOT NULL,
    scheme          TEXT NOT NULL DEFAULT '',  -- '' = unsigned
    request_headers TEXT NOT NULL DEFAULT '{}', -- JSON object of the first attempt's headers
    payload_hash    TEXT NOT NULL,             -- sha256 hex of the body, in delivery_payloads
    state           TEXT NOT NULL,             -- pending | succeeded | failed
    status_code     INTEGER NOT NULL DEFAULT 0, -- of the last attempt; 0 = no response
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    resend_of       TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX deliveries_created_at ON deliveries (created_at);
CREATE INDEX deliveries_request_id ON deliveries (request_id);
CREATE INDEX deliveries_event_type ON deliveries (event_type, created_at);
CREATE INDEX deliveries_config_id ON deliveries (config_id, created_at);
CREATE INDEX deliveries_state ON deliveries (state, created_at);
CREATE INDEX deliveries_status_code ON deliveries (status_code, created_at);

-- Bodies are content-addressed: a load test of 20000 identical payloads, a
-- fan-out and resends store the body once.
CREATE TABLE delivery_payloads (
    hash TEXT PRIMARY KEY,
    body BLOB NOT NULL
);

CREATE TABLE delivery_attempts (
    delivery_id        TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    n                  INTEGER NOT NULL,         -- 1-based
    started_at         TEXT NOT NULL,
    status_code        INTEGER NOT NULL DEFAULT 0,
    latency_us         INTEGER NOT NULL DEFAULT 0,
    response_body      TEXT NOT NULL DEFAULT '',
    response_truncated INTEGER NOT NULL DEFAULT 0,
    error              TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, n)
) WITHOUT ROWID;

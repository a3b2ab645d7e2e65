-- Inbound webhook sources of `hookctl serve` (issue 9): generated hook URLs
-- /wh/{api_token}/{token} per (tenant, datasource, event). The tokens are
-- kept (the API shows them to their tenant); hooks are looked up by the
-- SHA-256 of the token and the api_token is compared in constant time.
CREATE TABLE sources (
    id          TEXT PRIMARY KEY,       -- src_…
    tenant      TEXT NOT NULL,
    datasource  TEXT NOT NULL,
    event       TEXT NOT NULL,
    api_token   TEXT NOT NULL,
    token       TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,   -- hex SHA-256 of token
    ts_field    TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (tenant, datasource, event)
);

-- Requests accepted by a source are received requests too.
ALTER TABLE received_requests ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
ALTER TABLE received_requests ADD COLUMN datasource TEXT NOT NULL DEFAULT '';
ALTER TABLE received_requests ADD COLUMN routing_key TEXT NOT NULL DEFAULT '';

-- The relay's event log: seq is the SSE event id, strictly increasing and
-- never reused, so a relay client resumes with "seq > Last-Event-ID".
CREATE TABLE source_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id  TEXT NOT NULL,
    request_id TEXT NOT NULL REFERENCES received_requests (id) ON DELETE CASCADE
);
CREATE INDEX source_events_source ON source_events (source_id, seq);

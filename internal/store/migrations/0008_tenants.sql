-- Tenants (issue 13): every row belongs to the tenant of the API key that
-- made it; rows that existed before go to the default tenant, the one of
-- local CLI use and of keys created without --tenant. Ids chosen by
-- clients (imported deliveries, recorded requests) are unique per tenant:
-- their keys start with the tenant, so one tenant's id can never collide
-- with, overwrite or reveal another's. Tables are rebuilt children-first
-- so that no DROP cascades into rows being kept.

CREATE TABLE webhook_configs_new (
    tenant           TEXT NOT NULL DEFAULT 'default',
    id               TEXT PRIMARY KEY,
    url              TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    events           TEXT NOT NULL,
    scheme           TEXT NOT NULL,
    secret           TEXT NOT NULL,
    previous_secrets TEXT NOT NULL DEFAULT '[]',
    headers          TEXT NOT NULL DEFAULT '{}',
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (tenant, url)
);
INSERT INTO webhook_configs_new (tenant, id, url, description, events, scheme, secret, previous_secrets, headers, enabled, created_at, updated_at)
    SELECT 'default', id, url, description, events, scheme, secret, previous_secrets, headers, enabled, created_at, updated_at FROM webhook_configs;
DROP TABLE webhook_configs;
ALTER TABLE webhook_configs_new RENAME TO webhook_configs;
CREATE INDEX webhook_configs_tenant_created_at ON webhook_configs (tenant, created_at);

ALTER TABLE config_instances ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
DROP INDEX config_instances_status;
DROP INDEX config_instances_device;
CREATE INDEX config_instances_status ON config_instances (tenant, status, created_at);
CREATE INDEX config_instances_device ON config_instances (tenant, device_id, status);

CREATE TABLE deliveries_new (
    tenant          TEXT NOT NULL,
    id              TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    event_type      TEXT NOT NULL DEFAULT '',
    event_id        TEXT NOT NULL DEFAULT '',
    config_id       TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL,
    scheme          TEXT NOT NULL DEFAULT '',
    request_headers TEXT NOT NULL DEFAULT '{}',
    payload_hash    TEXT NOT NULL,
    state           TEXT NOT NULL,
    status_code     INTEGER NOT NULL DEFAULT 0,
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    resend_of       TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE delivery_attempts_new (
    tenant             TEXT NOT NULL,
    delivery_id        TEXT NOT NULL,
    n                  INTEGER NOT NULL,
    started_at         TEXT NOT NULL,
    status_code        INTEGER NOT NULL DEFAULT 0,
    latency_us         INTEGER NOT NULL DEFAULT 0,
    response_body      TEXT NOT NULL DEFAULT '',
    response_truncated INTEGER NOT NULL DEFAULT 0,
    error              TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, delivery_id, n),
    FOREIGN KEY (tenant, delivery_id) REFERENCES deliveries_new (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE outbox_new (
    tenant          TEXT NOT NULL,
    delivery_id     TEXT NOT NULL,
    job             TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    leased_until    TEXT,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (tenant, delivery_id),
    FOREIGN KEY (tenant, delivery_id) REFERENCES deliveries_new (tenant, id) ON DELETE CASCADE
);
CREATE TABLE received_requests_new (
    tenant       TEXT NOT NULL,
    id           TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    method       TEXT NOT NULL,
    host         TEXT NOT NULL DEFAULT '',
    path         TEXT NOT NULL,
    query        TEXT NOT NULL DEFAULT '',
    headers      TEXT NOT NULL DEFAULT '{}',
    body         BLOB NOT NULL,
    remote_addr  TEXT NOT NULL DEFAULT '',
    event_type   TEXT NOT NULL DEFAULT '',
    event_time   TEXT,
    verification TEXT,
    forwards     TEXT NOT NULL DEFAULT '[]',
    filtered     INTEGER NOT NULL DEFAULT 0,
    status       INTEGER NOT NULL DEFAULT 0,
    rejected     TEXT NOT NULL DEFAULT '',
    failed       INTEGER NOT NULL DEFAULT 0,
    source_id    TEXT NOT NULL DEFAULT '',
    datasource   TEXT NOT NULL DEFAULT '',
    routing_key  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, id)
);
CREATE TABLE source_events_new (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant     TEXT NOT NULL,
    source_id  TEXT NOT NULL,
    request_id TEXT NOT NULL,
    FOREIGN KEY (tenant, request_id) REFERENCES received_requests_new (tenant, id) ON DELETE CASCADE
);

INSERT INTO deliveries_new SELECT 'default', id, request_id, event_type, event_id, config_id, url, scheme, request_headers, payload_hash,
    state, status_code, attempt_count, resend_of, created_at, updated_at FROM deliveries;
INSERT INTO delivery_attempts_new SELECT 'default', delivery_id, n, started_at, status_code, latency_us, response_body, response_truncated, error
    FROM delivery_attempts;
INSERT INTO outbox_new SELECT 'default', delivery_id, job, next_attempt_at, leased_until, created_at FROM outbox;
-- A request received by a source belongs to the source's tenant.
INSERT INTO received_requests_new SELECT COALESCE((SELECT s.tenant FROM sources s WHERE s.id = r.source_id), 'default'),
    r.id, r.received_at, r.method, r.host, r.path, r.query, r.headers, r.body, r.remote_addr, r.event_type, r.event_time,
    r.verification, r.forwards, r.filtered, r.status, r.rejected, r.failed, r.source_id, r.datasource, r.routing_key
    FROM received_requests r;
INSERT INTO source_events_new (seq, tenant, source_id, request_id)
    SELECT e.seq, r.tenant, e.source_id, e.request_id FROM source_events e JOIN received_requests_new r ON r.id = e.request_id;

DROP TABLE source_events;
DROP TABLE outbox;
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE received_requests;
ALTER TABLE deliveries_new RENAME TO deliveries;
ALTER TABLE delivery_attempts_new RENAME TO delivery_attempts;
ALTER TABLE outbox_new RENAME TO outbox;
ALTER TABLE received_requests_new RENAME TO received_requests;
ALTER TABLE source_events_new RENAME TO source_events;

CREATE INDEX deliveries_created_at ON deliveries (tenant, created_at);
CREATE INDEX deliveries_request_id ON deliveries (tenant, request_id);
CREATE INDEX deliveries_event_type ON deliveries (tenant, event_type, created_at);
CREATE INDEX deliveries_config_id ON deliveries (tenant, config_id, created_at);
CREATE INDEX deliveries_state ON deliveries (tenant, state, created_at);
CREATE INDEX deliveries_status_code ON deliveries (tenant, status_code, created_at);
CREATE INDEX outbox_next_attempt_at ON outbox (next_attempt_at);
CREATE INDEX received_requests_received_at ON received_requests (tenant, received_at);
CREATE INDEX received_requests_event_type ON received_requests (tenant, event_type, received_at);
CREATE INDEX source_events_source ON source_events (source_id, seq);

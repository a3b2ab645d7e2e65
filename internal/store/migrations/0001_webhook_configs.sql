CREATE TABLE webhook_configs (
    id               TEXT PRIMARY KEY,
    url              TEXT NOT NULL UNIQUE,
    description      TEXT NOT NULL DEFAULT '',
    events           TEXT NOT NULL,             -- JSON array of patterns
    scheme           TEXT NOT NULL,
    secret           TEXT NOT NULL,
    previous_secrets TEXT NOT NULL DEFAULT '[]', -- JSON array of {secret, expires_at}
    headers          TEXT NOT NULL DEFAULT '{}', -- JSON object
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX webhook_configs_created_at ON webhook_configs (created_at);

-- API keys of `hookctl serve`. Only a SHA-256 of each key is stored; the
-- key itself is printed once by `hookctl api-key create`.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    tenant       TEXT NOT NULL DEFAULT 'default',
    prefix       TEXT NOT NULL,         -- first characters of the key, to recognise it in listings
    hash         TEXT NOT NULL UNIQUE,  -- hex SHA-256 of the whole key
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_keys_created_at ON api_keys (created_at);

-- Config instances (issue 7): configuration files proposed for devices,
-- validated (approved or rejected) and then deployed.
CREATE TABLE config_instances (
    id                TEXT PRIMARY KEY,
    config_type_id    TEXT NOT NULL,
    device_id         TEXT NOT NULL,
    relative_filepath TEXT NOT NULL,
    config_schema_id  TEXT NOT NULL DEFAULT '',
    content           TEXT NOT NULL,              -- JSON document
    target_status     TEXT NOT NULL,
    activity_status   TEXT NOT NULL,
    error_status      TEXT NOT NULL,
    status            TEXT NOT NULL,              -- validating|approved|rejected|deployed|removed
    message           TEXT NOT NULL DEFAULT '',   -- approval or rejection message
    errors            TEXT NOT NULL DEFAULT '[]', -- JSON array of {parameter_path, message}
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deployed_at       TEXT,
    removed_at        TEXT
);
CREATE INDEX config_instances_status ON config_instances (status, created_at);
CREATE INDEX config_instances_device ON config_instances (device_id, status);

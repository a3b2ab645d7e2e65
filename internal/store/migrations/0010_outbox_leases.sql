-- Several `hookctl serve` replicas on one PostgreSQL database (issue 19)
-- share the outbox: a claimed row says which replica holds its lease, so
-- that only that replica renews it while its attempt runs. A replica that
-- dies stops renewing, and its rows are claimed again once the lease ends.
ALTER TABLE outbox ADD COLUMN leased_by TEXT NOT NULL DEFAULT '';

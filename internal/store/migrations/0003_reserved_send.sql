-- Placeholder on branch send so that 0004_deliveries.sql applies in order
-- (migrations must be numbered 1..N). Drop it when 0003 from another branch is merged.
SELECT 1;

-- Placeholder on branch listener so that 0003_received_requests.sql applies in
-- order (migrations must be numbered 1..N). Drop it when 0002 from another
-- branch is merged.
SELECT 1;

-- Live wallet events across instances are PostgreSQL's (see the twin,
-- 0012_live_events.postgres.sql): SQLite runs one instance, whose events
-- stay in process. Nothing to change here.
SELECT 1;

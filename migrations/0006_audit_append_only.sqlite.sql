-- The audit log is append-only: the database refuses to change or remove
-- an entry, whoever asks. (SQLite's trigger syntax; PostgreSQL's twin is
-- 0006_audit_append_only.postgres.sql.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

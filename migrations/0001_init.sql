-- Portable between SQLite and PostgreSQL: BIGINT for integers (SQLite gives
-- it integer affinity), TEXT ids, unix-millisecond timestamps, 0/1 flags.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    -- lower-cased email: uniqueness is case-insensitive on both backends
    email_key     TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    country       TEXT NOT NULL,
    locale        TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('trader', 'admin')),
    -- opaque, stable id sent to Trustly as EndUserID (never the email)
    end_user_id   TEXT NOT NULL UNIQUE,
    frozen        BIGINT NOT NULL DEFAULT 0,
    flagged       BIGINT NOT NULL DEFAULT 0,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    created_at    BIGINT NOT NULL
);

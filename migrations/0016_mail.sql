-- E-mail (issue 14): a durable outbox written in the same transaction as
-- the change it tells the trader about, sent after commit by a worker
-- (src/mail/sender.rs) over SMTP, or kept for /sandbox/mail when no SMTP
-- server is configured. `event_key` is unique: a repeated notification
-- finds its mail already queued and adds none.
--
-- status:
--   queued  waiting to be sent (`next_attempt_at`); an attempt claims the
--           row by moving `next_attempt_at` on first
--   sent    the SMTP server accepted it, or (`transport` 'sandbox') it was
--           kept for /sandbox/mail
--   failed  every retry failed; `last_error` says why
-- The message is rendered when sent, from `kind` and `params` (JSON).
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    event_key       TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL REFERENCES users (id),
    recipient       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    params          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    transport       TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_user ON mail_outbox (user_id, created_at);

-- Password reset links: only the SHA-256 of the token is stored, so the
-- table leaks no working link; single use (`used_at`), 30 minutes.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);

-- A trader's signed-in sessions, as the account page lists them. The
-- session itself (tower-sessions) carries the handle; a session whose
-- handle is ended reads as signed out on its next request.
CREATE TABLE user_sessions (
    handle       TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    user_agent   TEXT NOT NULL,
    ended_at     BIGINT
);
CREATE INDEX user_sessions_user ON user_sessions (user_id, created_at);

-- Deposits through Trustly, the notifications that drive them, and the bank
-- accounts Trustly reports. Same portable rules as 0001/0002.

-- One row per deposit order. `id` is also Trustly's MessageID, so a
-- notification that arrives before the Deposit call returned still finds
-- its deposit. `credited_at`/`debited_at` record that the credit/debit
-- notification has been applied (whatever order they arrived in), so each
-- moves money at most once.
CREATE TABLE deposits (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    order_id     TEXT UNIQUE,
    amount       BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN
                   ('created', 'pending', 'credited', 'cancelled', 'failed', 'reversed')),
    checkout_url TEXT,
    -- Trustly's error code when the Deposit call failed
    error_code   BIGINT,
    flagged      BIGINT NOT NULL DEFAULT 0,
    flag_reason  TEXT,
    credited_at  BIGINT,
    debited_at   BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX deposits_user ON deposits (user_id, created_at);

-- Every status a deposit went through, for its history; `seq` orders the
-- steps even within one millisecond.
CREATE TABLE deposit_events (
    id         TEXT PRIMARY KEY,
    deposit_id TEXT NOT NULL REFERENCES deposits (id),
    seq        BIGINT NOT NULL,
    status     TEXT NOT NULL,
    at         BIGINT NOT NULL,
    UNIQUE (deposit_id, seq)
);

-- Every notification received, verified or not. `notification_id` is
-- Trustly's idempotency key (NULL when the notification was rejected before
-- it could be trusted); the unique constraint decides which copy applies.
-- outcome: 'ok' (applied or nothing to do), 'flagged' (not applied, an
-- admin must look), 'rejected' (not verified: nothing read from it).
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    notification_id TEXT UNIQUE,
    method          TEXT,
    uuid            TEXT,
    order_id        TEXT,
    message_id      TEXT,
    outcome         TEXT NOT NULL CHECK (outcome IN ('ok', 'flagged', 'rejected')),
    reason          TEXT,
    raw             TEXT NOT NULL,
    reply_status    TEXT,
    received_at     BIGINT NOT NULL
);
CREATE INDEX notifications_order ON notifications (order_id);
CREATE INDEX notifications_received ON notifications (received_at);

-- Bank accounts known for a trader: from Trustly's account notifications or
-- registered through RegisterAccount. Never a full account number.
CREATE TABLE bank_accounts (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    account_id     TEXT NOT NULL,
    bank           TEXT,
    clearing_house TEXT,
    descriptor     TEXT,
    last_digits    TEXT,
    verified       BIGINT NOT NULL DEFAULT 0,
    source         TEXT NOT NULL CHECK (source IN ('notification', 'registered')),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (user_id, account_id)
);

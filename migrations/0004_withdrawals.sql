-- Withdrawals (Trustly AccountPayout), their history, the account
-- selection orders (SelectAccount), and Kassa's cached balance at Trustly.
-- Same portable rules as 0001-0003.

-- One row per withdrawal. `id` is also Trustly's MessageID: a repeated
-- AccountPayout with it is refused by Trustly (637), which is what makes
-- re-sending after a crash safe, and notifications find the withdrawal by it.
--
-- status:
--   pending_approval  reserved, above the approval threshold: an admin decides
--   waiting_for_funds reserved, Kassa's Trustly balance was short: retried
--   queued            reserved, AccountPayout not yet confirmed sent (the
--                     request is in flight, or the process died: recovery)
--   sent              Trustly accepted the AccountPayout (result "1")
--   paid              payoutconfirmation: the money left Kassa
--   returned          a credit for the payout: failed or bounced, money back
--   failed            Trustly refused the AccountPayout: reservation released
--   cancelled         cancel notification: reservation released
--   denied            an admin refused it: reservation released
-- `reserved` is 1 while the amount sits on the trader's reserved balance.
CREATE TABLE withdrawals (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users (id),
    bank_account_id     TEXT NOT NULL REFERENCES bank_accounts (id),
    account_id          TEXT NOT NULL,
    order_id            TEXT UNIQUE,
    amount              BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN
                          ('pending_approval', 'waiting_for_funds', 'queued', 'sent', 'paid',
                           'returned', 'failed', 'cancelled', 'denied')),
    reserved            BIGINT NOT NULL DEFAULT 1,
    -- Trustly's refusal (code, plain words for the trader)
    error_code          BIGINT,
    error_message       TEXT,
    -- admin decision (approval threshold)
    decided_by          TEXT REFERENCES users (id),
    decision_reason     TEXT,
    decided_at          BIGINT,
    -- AccountPayout attempts (recovery re-sends with the same MessageID)
    send_attempts       BIGINT NOT NULL DEFAULT 0,
    last_attempt_at     BIGINT,
    -- GetWithdrawals: Trustly's transferstate, shown as information only
    transfer_state      TEXT,
    transfer_checked_at BIGINT,
    -- when the payoutconfirmation / credit notification was applied
    paid_at             BIGINT,
    returned_at         BIGINT,
    flagged             BIGINT NOT NULL DEFAULT 0,
    flag_reason         TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX withdrawals_user ON withdrawals (user_id, created_at);
CREATE INDEX withdrawals_status ON withdrawals (status, updated_at);

CREATE TABLE withdrawal_events (
    id            TEXT PRIMARY KEY,
    withdrawal_id TEXT NOT NULL REFERENCES withdrawals (id),
    seq           BIGINT NOT NULL,
    status        TEXT NOT NULL,
    at            BIGINT NOT NULL,
    UNIQUE (withdrawal_id, seq)
);

-- SelectAccount orders: `id` is the MessageID, so the `account`
-- notification finds the trader even before SelectAccount returned.
CREATE TABLE account_selections (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    order_id     TEXT UNIQUE,
    checkout_url TEXT,
    status       TEXT NOT NULL CHECK (status IN ('created', 'selected', 'cancelled', 'failed')),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX account_selections_user ON account_selections (user_id, created_at);

-- The last Balance answer per currency (Trustly allows one call per 15
-- minutes); `fetched_at` is when it was asked.
CREATE TABLE trustly_balances (
    currency   TEXT PRIMARY KEY,
    balance    BIGINT NOT NULL,
    fetched_at BIGINT NOT NULL
);

-- The double-entry ledger. Every movement of money is one ledger
-- transaction whose entries sum to zero per currency. `event_key` names the
-- event that caused it (a notification id, a withdrawal step) and is unique,
-- so a repeated event is a no-op at the database level.

CREATE TABLE ledger_transactions (
    id         TEXT PRIMARY KEY,
    event_key  TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id),
    currency   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- account: 'available' or 'reserved' (a trader's, with user_id) or a
-- Kassa account such as 'trustly' (money Kassa holds at Trustly).
CREATE TABLE ledger_entries (
    id             TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    account        TEXT NOT NULL,
    user_id        TEXT REFERENCES users (id),
    currency       TEXT NOT NULL,
    amount         BIGINT NOT NULL
);
CREATE INDEX ledger_entries_user ON ledger_entries (user_id, currency);
CREATE INDEX ledger_entries_tx ON ledger_entries (transaction_id);

-- Cached balances per trader and currency, updated in the same database
-- transaction as the entries; tests check them against the entries.
CREATE TABLE balances (
    user_id   TEXT NOT NULL REFERENCES users (id),
    currency  TEXT NOT NULL,
    available BIGINT NOT NULL DEFAULT 0,
    reserved  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, currency)
);

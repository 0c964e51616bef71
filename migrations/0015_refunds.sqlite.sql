-- Refunds (issue 16): an admin sends a credited deposit's money, all or
-- part, back to the account it came from (Trustly Refund, with the
-- deposit's OrderID). The rules are in src/wallet/refunds/mod.rs.
-- SQLite's text; PostgreSQL's twin differs only in how the ledger kinds'
-- check is replaced.
--
-- status:
--   pending_approval  reserved, above KASSA_REFUND_APPROVAL_ABOVE: a second
--                     admin decides
--   sending           reserved, Refund not yet answered for certain (in
--                     flight, or its answer was lost: recovery)
--   refunded          Trustly accepted the Refund: the money left Kassa
--   failed            Trustly certainly refused it: reservation released
--   denied            the second admin refused it: reservation released
-- `listed_before` is how many refunds Trustly listed for the deposit
-- (GetWithdrawals) just before the first attempt: a later list longer than
-- that proves the attempt reached Trustly (Refund has no MessageID).
CREATE TABLE refunds (
    id              TEXT PRIMARY KEY,
    deposit_id      TEXT NOT NULL REFERENCES deposits (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    order_id        TEXT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN
                      ('pending_approval', 'sending', 'refunded', 'failed', 'denied')),
    requested_by    TEXT NOT NULL REFERENCES users (id),
    decided_by      TEXT REFERENCES users (id),
    decision_reason TEXT,
    decided_at      BIGINT,
    listed_before   BIGINT,
    send_attempts   BIGINT NOT NULL DEFAULT 0,
    last_attempt_at BIGINT,
    outcome_unknown BIGINT NOT NULL DEFAULT 0,
    error_code      BIGINT,
    error_message   TEXT,
    refunded_at     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX refunds_deposit ON refunds (deposit_id, created_at);
CREATE INDEX refunds_user ON refunds (user_id, created_at);
CREATE INDEX refunds_status ON refunds (status, updated_at);
-- One refund of a deposit in flight at a time: what makes "Trustly lists
-- one more refund than before" prove that this one got through.
CREATE UNIQUE INDEX refunds_one_in_flight ON refunds (deposit_id) WHERE status = 'sending';

-- Each status with its time, for the order page's timeline.
CREATE TABLE refund_events (
    id        TEXT PRIMARY KEY,
    refund_id TEXT NOT NULL REFERENCES refunds (id),
    seq       BIGINT NOT NULL,
    status    TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX refund_events_refund ON refund_events (refund_id, seq);

-- The ledger kinds of a refund: reserve (available -> reserved), release
-- (reserved -> available: Trustly certainly did not refund) and paid
-- (reserved -> Kassa's trustly account). SQLite cannot change a trigger:
-- 0013's are replaced.
DROP TRIGGER ledger_transactions_kind;
DROP TRIGGER ledger_transactions_kind_update;
CREATE TRIGGER ledger_transactions_kind BEFORE INSERT ON ledger_transactions
WHEN NEW.kind NOT IN ('deposit_credit', 'deposit_debit', 'withdrawal_reserve',
                      'withdrawal_release', 'withdrawal_paid', 'withdrawal_returned',
                      'refund_reserve', 'refund_release', 'refund_paid')
BEGIN
    SELECT RAISE(ABORT, 'unknown ledger kind');
END;
CREATE TRIGGER ledger_transactions_kind_update BEFORE UPDATE OF kind ON ledger_transactions
WHEN NEW.kind NOT IN ('deposit_credit', 'deposit_debit', 'withdrawal_reserve',
                      'withdrawal_release', 'withdrawal_paid', 'withdrawal_returned',
                      'refund_reserve', 'refund_release', 'refund_paid')
BEGIN
    SELECT RAISE(ABORT, 'unknown ledger kind');
END;

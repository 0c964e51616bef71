-- The back office: the audit log of admin actions, and the indexes that keep
-- its paginated, filtered lists fast at 100,000+ orders. Same portable rules
-- as 0001-0004.

-- Every admin action: who, what, on what, the state before and after (JSON
-- text), and why. Append-only: nothing in Kassa updates or deletes a row, and
-- migration 6 adds triggers that make the database refuse it too. The admin's
-- email is copied so the entry reads the same after a rename.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    at           BIGINT NOT NULL,
    admin_id     TEXT NOT NULL REFERENCES users (id),
    admin_email  TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    before_state TEXT,
    after_state  TEXT,
    reason       TEXT
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_target ON audit_log (target_id, at);

-- Order lists: newest first, keyset-paginated on (created_at, id), alone or
-- after an equality filter on status or currency.
CREATE INDEX deposits_created ON deposits (created_at, id);
CREATE INDEX deposits_status_created ON deposits (status, created_at, id);
CREATE INDEX deposits_currency_created ON deposits (currency, created_at, id);
CREATE INDEX withdrawals_created ON withdrawals (created_at, id);
CREATE INDEX withdrawals_status_created ON withdrawals (status, created_at, id);
CREATE INDEX withdrawals_currency_created ON withdrawals (currency, created_at, id);

-- The notification log (newest first, by outcome or method) and an order's
-- timeline (by messageid as well as orderid).
CREATE INDEX notifications_received_id ON notifications (received_at, id);
CREATE INDEX notifications_outcome ON notifications (outcome, received_at, id);
CREATE INDEX notifications_method ON notifications (method, received_at, id);
CREATE INDEX notifications_message ON notifications (message_id);

-- Reconciliation reads one day of ledger transactions; the trader page reads
-- one trader's history.
CREATE INDEX ledger_transactions_created ON ledger_transactions (created_at);
CREATE INDEX ledger_transactions_user ON ledger_transactions (user_id, created_at);

-- Alerts: balances below zero.
CREATE INDEX balances_available ON balances (available);

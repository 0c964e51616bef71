-- Ledger kinds are checked by the database, as statuses are (issue 10).
-- SQLite cannot add a CHECK to an existing table, so a trigger refuses any
-- other kind (PostgreSQL's twin adds the constraint).
CREATE TRIGGER ledger_transactions_kind BEFORE INSERT ON ledger_transactions
WHEN NEW.kind NOT IN ('deposit_credit', 'deposit_debit', 'withdrawal_reserve',
                      'withdrawal_release', 'withdrawal_paid', 'withdrawal_returned')
BEGIN
    SELECT RAISE(ABORT, 'unknown ledger kind');
END;
CREATE TRIGGER ledger_transactions_kind_update BEFORE UPDATE OF kind ON ledger_transactions
WHEN NEW.kind NOT IN ('deposit_credit', 'deposit_debit', 'withdrawal_reserve',
                      'withdrawal_release', 'withdrawal_paid', 'withdrawal_returned')
BEGIN
    SELECT RAISE(ABORT, 'unknown ledger kind');
END;

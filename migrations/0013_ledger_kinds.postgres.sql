-- Ledger kinds are checked by the database, as statuses are (issue 10):
-- the six kinds of ledger::Kind and nothing else. (PostgreSQL adds the
-- constraint; SQLite cannot add one to an existing table, see the twin.)
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind CHECK (kind IN
    ('deposit_credit', 'deposit_debit', 'withdrawal_reserve', 'withdrawal_release',
     'withdrawal_paid', 'withdrawal_returned'));

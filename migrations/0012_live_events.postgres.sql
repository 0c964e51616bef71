-- Live wallet events across instances (issue 13). Every change of a
-- trader's balances, deposits, withdrawals or bank accounts announces the
-- trader's id on channel kassa_wallet from inside the changing
-- transaction: PostgreSQL delivers it to every listening instance exactly
-- when (and only if) the transaction commits, and folds repeats within one
-- transaction into one. Each instance's listener feeds its open pages.
CREATE FUNCTION kassa_wallet_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kassa_wallet', NEW.user_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER balances_announce AFTER INSERT OR UPDATE ON balances
    FOR EACH ROW EXECUTE FUNCTION kassa_wallet_changed();
CREATE TRIGGER deposits_announce AFTER INSERT OR UPDATE ON deposits
    FOR EACH ROW EXECUTE FUNCTION kassa_wallet_changed();
CREATE TRIGGER withdrawals_announce AFTER INSERT OR UPDATE ON withdrawals
    FOR EACH ROW EXECUTE FUNCTION kassa_wallet_changed();
CREATE TRIGGER bank_accounts_announce AFTER INSERT OR UPDATE ON bank_accounts
    FOR EACH ROW EXECUTE FUNCTION kassa_wallet_changed();

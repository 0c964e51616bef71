-- Several Kassa instances on one PostgreSQL database (issue 13): what each
-- process used to keep in memory and must now share. Same portable rules as
-- 0001-0005; SQLite runs one instance only, but uses the same tables.

-- Failed log-ins per client address, across all accounts, in the window
-- that starts with the address's first failure. Counted atomically by one
-- upsert, so N instances give one allowance, not N.
CREATE TABLE login_address_limits (
    address      TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
-- The accounts an address failed on: an admin's unlock of one of them also
-- lifts the locks of those addresses.
CREATE TABLE login_address_users (
    address TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (address, user_id)
);
CREATE INDEX login_address_users_user ON login_address_users (user_id);

-- Trustly calls that must not be repeated by every instance: the row's
-- claimed_at is moved forward by the one instance that makes the call
-- (Balance: at most once per KASSA_TRUSTLY_BALANCE_INTERVAL_MS).
CREATE TABLE trustly_call_claims (
    name       TEXT PRIMARY KEY,
    claimed_at BIGINT NOT NULL
);
INSERT INTO trustly_call_claims (name, claimed_at) VALUES ('balance', 0);

-- Which instance made a payout's last AccountPayout attempt (a random
-- number each process picks at start). A starting instance does not re-send
-- a payout whose attempt another live instance made recently.
ALTER TABLE withdrawals ADD COLUMN attempt_instance BIGINT;

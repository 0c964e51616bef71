-- Payout safety (issue 11): what Kassa knows about each AccountPayout
-- attempt, why a withdrawal waits for an admin, and how an admin settled a
-- payout whose outcome Trustly never made certain. Same portable rules as
-- 0001-0005.

-- outcome_unknown: 1 once any AccountPayout attempt had an unknown outcome
--   (no answer, an unreadable or unsigned answer, 620, 688, or any code that
--   does not prove the request was rejected before an order existed). From
--   then on no refusal releases the reservation: the payout is re-sent with
--   the same MessageID until Trustly's answer (637) or notifications settle
--   it, or an admin resolves it explicitly.
-- hold_reason: why the withdrawal waits for approval (threshold, unsettled
--   funds, a reversed deposit, a negative balance), in plain words.
-- resolved_*: an admin's explicit resolution of an unknown outcome
--   ("confirmed not paid at Trustly"), never by the requester or approver.
ALTER TABLE withdrawals ADD COLUMN outcome_unknown BIGINT NOT NULL DEFAULT 0;
ALTER TABLE withdrawals ADD COLUMN hold_reason TEXT;
ALTER TABLE withdrawals ADD COLUMN resolved_by TEXT REFERENCES users (id);
ALTER TABLE withdrawals ADD COLUMN resolution_reason TEXT;
ALTER TABLE withdrawals ADD COLUMN resolved_at BIGINT;

-- Every refusal or unknown answer an AccountPayout attempt received, one row
-- per withdrawal and distinct answer, counted (re-sends repeat themselves).
-- code is Trustly's error code (NULL for a transport failure or an
-- unreadable answer); certain = 1 when the answer proved no order exists.
CREATE TABLE withdrawal_refusals (
    withdrawal_id TEXT NOT NULL REFERENCES withdrawals (id),
    reason        TEXT NOT NULL,
    code          BIGINT,
    certain       BIGINT NOT NULL,
    attempts      BIGINT NOT NULL,
    first_at      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    PRIMARY KEY (withdrawal_id, reason)
);

-- The unresolved-payouts alert and the worker read these.
CREATE INDEX withdrawals_unknown ON withdrawals (outcome_unknown, status);
-- The settlement hold reads a trader's recent credits per currency.
CREATE INDEX deposits_user_credited ON deposits (user_id, currency, credited_at);

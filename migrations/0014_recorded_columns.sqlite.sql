-- What reconciliation and the order timeline read, in columns of their own
-- (issue 10). SQLite's text; PostgreSQL's twin differs only in the backfill
-- of notification amounts (reading JSON), 0014_recorded_columns.postgres.sql.

-- Ledger transactions: the order each belongs to (order_ref: Kassa's id of
-- the deposit or withdrawal), written with the transaction (ledger.rs), so
-- reconciliation never takes an event_key apart. NULL: a transaction of
-- no order (an adjustment booked by hand), shown on its own.
ALTER TABLE ledger_transactions ADD COLUMN order_ref TEXT;

-- Backfill, from the keys Kassa wrote until now:
-- withdrawal:{id}:reserve and withdrawal:{id}:release name the withdrawal
-- ('withdrawal:' is 11 characters, both steps 8 with their colon).
UPDATE ledger_transactions SET order_ref = (
    SELECT w.id FROM withdrawals w
    WHERE w.id = substr(ledger_transactions.event_key, 12,
                        length(ledger_transactions.event_key) - 19))
WHERE event_key LIKE 'withdrawal:%:reserve' OR event_key LIKE 'withdrawal:%:release';
-- notification:{notificationid} names the notification (13 characters):
-- its order, as the notification found it (messageid, then orderid), in the
-- table of the ledger kind (deposit_* kinds are a deposit's, the others a
-- withdrawal's).
UPDATE ledger_transactions SET order_ref = (
    SELECT COALESCE(
        (SELECT d.id FROM deposits d WHERE d.id = n.message_id),
        (SELECT d.id FROM deposits d WHERE d.order_id = n.order_id))
    FROM notifications n
    WHERE n.notification_id = substr(ledger_transactions.event_key, 14))
WHERE event_key LIKE 'notification:%' AND kind IN ('deposit_credit', 'deposit_debit');
UPDATE ledger_transactions SET order_ref = (
    SELECT COALESCE(
        (SELECT w.id FROM withdrawals w WHERE w.id = n.message_id),
        (SELECT w.id FROM withdrawals w WHERE w.order_id = n.order_id))
    FROM notifications n
    WHERE n.notification_id = substr(ledger_transactions.event_key, 14))
WHERE event_key LIKE 'notification:%' AND kind NOT IN ('deposit_credit', 'deposit_debit');
-- Not backfilled (left NULL, shown on their own as before): keys of any
-- other shape (adjustments by hand), and notifications whose order Kassa
-- does not know.

-- Notifications: the amount a verified pending, credit, debit or
-- payoutconfirmation announced (minor units, as money::Money reads it) and
-- its currency, written with the notification (wallet::notifications), so
-- reconciliation never parses the raw body. NULL when it announced none
-- or it could not be read (then both are NULL), and on rejected ones
-- (nothing is read from those).
ALTER TABLE notifications ADD COLUMN amount_minor BIGINT;
ALTER TABLE notifications ADD COLUMN currency TEXT;

-- Backfill of verified notifications recorded before: read from the body
-- as reconciliation read it until now (params.data.amount and .currency,
-- JSON strings; a body that is not JSON, such as one cut at 64 KiB, stays
-- NULL, as it was unreadable then). The amount is checked as
-- Money::parse_trustly_lenient checks it: digits, at most one point with
-- one or two decimals after it (every currency Kassa knows has two), not
-- zero, at most 16 characters (longer amounts, which Trustly never sends,
-- stay NULL). The CASEs keep json_extract off bodies that are not JSON.
UPDATE notifications SET amount_minor = a.minor, currency = a.currency
FROM (
    SELECT id, currency,
           CASE
               WHEN instr(amount, '.') = 0 THEN CAST(amount AS INTEGER) * 100
               WHEN length(amount) - instr(amount, '.') = 1
                   THEN CAST(replace(amount, '.', '') AS INTEGER) * 10
               ELSE CAST(replace(amount, '.', '') AS INTEGER)
           END AS minor
    FROM (
        SELECT id,
               CASE WHEN json_valid(raw) THEN json_extract(raw, '$.params.data.amount') END
                   AS amount,
               CASE WHEN json_valid(raw) THEN json_extract(raw, '$.params.data.currency') END
                   AS currency
        FROM notifications
        WHERE outcome <> 'rejected'
          AND method IN ('pending', 'credit', 'debit', 'payoutconfirmation')
    ) AS body
    WHERE typeof(amount) = 'text' AND typeof(currency) = 'text'
      AND currency IN ('EUR', 'SEK', 'NOK', 'DKK', 'PLN', 'GBP', 'CZK', 'USD')
      AND length(amount) <= 16
      AND amount GLOB '[0-9]*' AND amount NOT GLOB '*[^0-9.]*'
      AND amount NOT GLOB '*.*.*' AND amount NOT GLOB '*.'
      AND (instr(amount, '.') = 0 OR length(amount) - instr(amount, '.') <= 2)
) AS a
WHERE notifications.id = a.id AND a.minor > 0;

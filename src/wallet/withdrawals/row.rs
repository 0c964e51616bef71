//! One withdrawal row and how it is read.

use super::*;

/// One withdrawal row.
#[derive(Clone, Debug)]
pub struct Withdrawal {
    pub id: String,
    pub user_id: String,
    pub bank_account_id: String,
    pub account_id: String,
    pub order_id: Option<String>,
    pub amount: Money,
    pub status: Status,
    /// The amount is on the trader's reserved balance.
    pub reserved: bool,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub send_attempts: i64,
    pub last_attempt_at: Option<i64>,
    pub transfer_state: Option<String>,
    pub transfer_checked_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub returned_at: Option<i64>,
    pub flagged: bool,
    /// An attempt's outcome was unknown: nothing releases it but Trustly or
    /// an admin's explicit resolution (see [`outcome`]).
    pub outcome_unknown: bool,
    /// Why it waits (or waited) for an admin's approval.
    pub hold_reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution_reason: Option<String>,
    pub resolved_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(super) const COLUMNS: &str =
    "id, user_id, bank_account_id, account_id, order_id, amount, currency, \
    status, reserved, error_code, error_message, decided_by, decision_reason, send_attempts, \
    last_attempt_at, transfer_state, transfer_checked_at, paid_at, returned_at, flagged, \
    outcome_unknown, hold_reason, resolved_by, resolution_reason, resolved_at, \
    created_at, updated_at";

pub(super) fn from_row(row: &sqlx::any::AnyRow) -> Result<Withdrawal, sqlx::Error> {
    let code: String = row.try_get("currency")?;
    let currency = code
        .parse::<Currency>()
        .map_err(|_| sqlx::Error::Decode(format!("withdrawal with currency {code:?}").into()))?;
    let status: String = row.try_get("status")?;
    let status = Status::parse(&status)
        .ok_or_else(|| sqlx::Error::Decode(format!("withdrawal with status {status:?}").into()))?;
    Ok(Withdrawal {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        bank_account_id: row.try_get("bank_account_id")?,
        account_id: row.try_get("account_id")?,
        order_id: row.try_get("order_id")?,
        amount: Money::new(row.try_get("amount")?, currency),
        status,
        reserved: row.try_get::<i64, _>("reserved")? != 0,
        error_code: row.try_get("error_code")?,
        error_message: row.try_get("error_message")?,
        decided_by: row.try_get("decided_by")?,
        decision_reason: row.try_get("decision_reason")?,
        send_attempts: row.try_get("send_attempts")?,
        last_attempt_at: row.try_get("last_attempt_at")?,
        transfer_state: row.try_get("transfer_state")?,
        transfer_checked_at: row.try_get("transfer_checked_at")?,
        paid_at: row.try_get("paid_at")?,
        returned_at: row.try_get("returned_at")?,
        flagged: row.try_get::<i64, _>("flagged")? != 0,
        outcome_unknown: row.try_get::<i64, _>("outcome_unknown")? != 0,
        hold_reason: row.try_get("hold_reason")?,
        resolved_by: row.try_get("resolved_by")?,
        resolution_reason: row.try_get("resolution_reason")?,
        resolved_at: row.try_get("resolved_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

//! One withdrawal row and how it is read.

use super::*;

/// One withdrawal row (its [`COLUMNS`]).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Withdrawal {
    pub id: String,
    pub user_id: String,
    pub bank_account_id: String,
    pub account_id: String,
    pub order_id: Option<String>,
    /// `amount` and `currency`.
    #[sqlx(flatten)]
    pub amount: Money,
    #[sqlx(try_from = "String")]
    pub status: Status,
    /// The amount is on the trader's reserved balance.
    #[sqlx(try_from = "Flag")]
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
    #[sqlx(try_from = "Flag")]
    pub flagged: bool,
    /// An attempt's outcome was unknown: nothing releases it but Trustly or
    /// an admin's explicit resolution (see [`outcome`]).
    #[sqlx(try_from = "Flag")]
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

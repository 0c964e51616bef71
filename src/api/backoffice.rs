//! What the back office shows, shared by `/api/admin/*` (JSON, a contract:
//! change only additively, see the README) and the admin pages. Amounts are
//! decimal strings in the currency's minor units ("100.00") next to their
//! currency code; times are unix milliseconds (UTC).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::api::wallet::BalanceView;

// --- overview ----------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewView {
    /// How many traders have an account.
    pub traders: i64,
    /// Per currency, over every trader: available, reserved, pending.
    pub totals: Vec<BalanceView>,
    pub trustly_balance: TrustlyBalanceView,
    pub alerts: AlertsView,
}

/// Kassa's balance at Trustly: the last Balance answer per currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustlyBalanceView {
    pub balances: Vec<TrustlyBalanceLine>,
    /// When the last Balance call was made (None: never).
    pub fetched_at: Option<i64>,
    /// Trustly allows one Balance call per 15 minutes: the next refresh.
    pub refresh_allowed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustlyBalanceLine {
    pub currency: String,
    pub balance: String,
    pub fetched_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsView {
    /// Traders whose available balance is below zero (a debit after the credit).
    pub negative_balances: Vec<NegativeBalance>,
    pub pending_approval: i64,
    pub waiting_for_funds: i64,
    /// The oldest withdrawals waiting for approval or for funds.
    pub waiting: Vec<OrderRow>,
    /// Payouts queued or sent more than a day ago without a final notification.
    pub stale_payouts: i64,
    pub stale: Vec<OrderRow>,
    /// Payouts whose AccountPayout outcome is unknown (kept reserved and
    /// re-sent until Trustly settles them or an admin resolves them).
    #[serde(default)]
    pub unresolved_payouts: i64,
    #[serde(default)]
    pub unresolved: Vec<OrderRow>,
    pub rejected_notifications: i64,
    pub flagged_notifications: i64,
    /// The latest rejected or flagged notifications (raw body left out).
    pub problem_notifications: Vec<NotificationRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NegativeBalance {
    pub user_id: String,
    pub email: String,
    pub currency: String,
    pub available: String,
}

// --- traders -----------------------------------------------------------------

/// `GET /api/admin/traders`: `{"traders": [...], "total", "next"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraderList {
    pub traders: Vec<TraderRow>,
    pub total: i64,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraderRow {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub frozen: bool,
    pub balances: Vec<BalanceView>,
    pub flagged: bool,
    /// Locked after too many failed log-ins (until `locked_until`).
    pub locked: bool,
    pub created_at: i64,
}

/// `GET /api/admin/traders/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraderDetail {
    pub trader: TraderRow,
    pub role: String,
    pub country: String,
    pub locale: String,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub ledger: Vec<LedgerLine>,
    pub deposits: Vec<OrderRow>,
    pub withdrawals: Vec<OrderRow>,
    pub bank_accounts: Vec<BankAccountView>,
    pub sessions: Vec<SessionView>,
}

/// One ledger entry on one of the trader's accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerLine {
    pub transaction_id: String,
    pub kind: String,
    pub account: String,
    pub amount: String,
    pub currency: String,
    pub at: i64,
}

/// A bank account as the back office may show it: no account number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankAccountView {
    pub id: String,
    pub bank: Option<String>,
    pub descriptor: Option<String>,
    pub verified: bool,
    pub source: String,
    pub created_at: i64,
}

/// A live session (never its id, which is a credential).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    /// Last activity (sessions expire 12 hours after it).
    pub last_seen_at: i64,
    pub expires_at: i64,
}

// --- orders ------------------------------------------------------------------

/// A deposit or a withdrawal in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    /// "deposit" or "withdrawal"
    pub kind: String,
    /// Kassa's id (Trustly's MessageID).
    pub id: String,
    /// Trustly's order id, once known.
    pub order_id: Option<String>,
    pub user_id: String,
    pub email: String,
    pub amount: String,
    pub currency: String,
    pub status: String,
    pub flagged: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `GET /api/admin/orders`: `{"orders": [...], "total", "next"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderList {
    pub orders: Vec<OrderRow>,
    pub total: i64,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderStep {
    pub status: String,
    pub at: i64,
}

/// `GET /api/admin/orders/{id}`: the order, its history and every
/// notification about it, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub order: OrderRow,
    pub flag_reason: Option<String>,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub history: Vec<OrderStep>,
    pub notifications: Vec<NotificationRow>,
    /// Withdrawals only.
    pub withdrawal: Option<WithdrawalInfo>,
    /// Deposits only: its refunds and what is left to refund.
    #[serde(default)]
    pub deposit: Option<DepositRefunds>,
}

/// A deposit's refunds, as its order page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepositRefunds {
    /// What may still be refunded ("0.00" unless the deposit is credited).
    pub refundable: String,
    /// Refunds above this need a second admin.
    pub approval_above: Option<String>,
    pub refunds: Vec<RefundView>,
}

/// One refund (`POST /api/admin/deposits/{id}/refund` answers one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundView {
    pub id: String,
    pub deposit_id: String,
    /// The deposit's Trustly OrderID.
    pub order_id: String,
    pub user_id: String,
    pub amount: String,
    pub currency: String,
    /// pending_approval, sending, refunded, failed or denied.
    pub status: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_by_email: Option<String>,
    pub decided_by: Option<String>,
    pub decided_by_email: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<i64>,
    pub send_attempts: i64,
    /// An attempt may have reached Trustly and its outcome is not known
    /// yet: kept reserved, checked again by the worker.
    pub outcome_unknown: bool,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub refunded_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub history: Vec<OrderStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithdrawalInfo {
    pub bank_account: Option<BankAccountView>,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<i64>,
    pub send_attempts: i64,
    pub last_attempt_at: Option<i64>,
    /// Trustly's transferstate from GetWithdrawals (information only).
    pub transfer_state: Option<String>,
    pub transfer_checked_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub returned_at: Option<i64>,
    /// Why it waits (or waited) for approval.
    #[serde(default)]
    pub hold_reason: Option<String>,
    /// An attempt's outcome is unknown: only Trustly or an explicit
    /// resolution settles it.
    #[serde(default)]
    pub outcome_unknown: bool,
    /// Every refusal or unknown answer its attempts received.
    #[serde(default)]
    pub refusals: Vec<RefusalView>,
    #[serde(default)]
    pub resolved_by: Option<String>,
    #[serde(default)]
    pub resolution_reason: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<i64>,
    /// The admins by e-mail (`decided_by`, `resolved_by` are their ids).
    #[serde(default)]
    pub decided_by_email: Option<String>,
    #[serde(default)]
    pub resolved_by_email: Option<String>,
}

/// One distinct answer to a payout's AccountPayout attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusalView {
    pub reason: String,
    pub code: Option<i64>,
    /// The answer proved that Trustly created no payout.
    pub certain: bool,
    pub attempts: i64,
    pub first_at: i64,
    pub last_at: i64,
}

// --- notifications -----------------------------------------------------------

/// One notification as received. For a rejected one nothing but `raw`,
/// `reason` and `received_at` is known: its content was not trusted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationRow {
    pub id: String,
    pub notification_id: Option<String>,
    pub method: Option<String>,
    pub order_id: Option<String>,
    pub message_id: Option<String>,
    /// "ok", "flagged" or "rejected"
    pub outcome: String,
    pub reason: Option<String>,
    /// The body as received (lists cut it at 4 KiB: see `raw_truncated`).
    pub raw: Option<String>,
    pub raw_truncated: bool,
    /// The status of Kassa's signed reply ("OK"); none for a rejected one
    /// (it got an HTTP error instead).
    pub reply_status: Option<String>,
    pub received_at: i64,
}

/// `GET /api/admin/notifications`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationList {
    pub notifications: Vec<NotificationRow>,
    pub total: i64,
    pub next: Option<String>,
}

// --- approvals ---------------------------------------------------------------

/// `GET /api/admin/approvals`: withdrawals waiting for an admin, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalList {
    pub approvals: Vec<ApprovalRow>,
    pub total: i64,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRow {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub amount: String,
    pub currency: String,
    pub bank: Option<String>,
    pub descriptor: Option<String>,
    pub created_at: i64,
    /// The asking admin's own withdrawal: they may not decide it.
    pub own: bool,
    /// Why it waits: the threshold, unsettled funds, a reversed deposit, a
    /// negative balance.
    #[serde(default)]
    pub hold_reason: Option<String>,
    /// What an admin weighs before deciding.
    pub risk: RiskContext,
}

/// The trader's and the account's risk signs, beside an approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskContext {
    pub frozen: bool,
    pub flagged: bool,
    /// When the trader signed up (unix ms).
    pub trader_since: i64,
    /// `notification` (selected through Trustly) or `registered` (typed in).
    pub account_source: Option<String>,
    pub account_verified: Option<bool>,
    pub account_added_at: Option<i64>,
    pub reversed_deposits: i64,
    /// Currencies in which the trader's available balance is below zero.
    pub negative_balances: i64,
}

// --- audit -------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    pub admin_id: String,
    pub admin_email: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<String>,
}

/// `GET /api/admin/audit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub next: Option<String>,
}

// --- reconciliation ----------------------------------------------------------

/// `GET /api/admin/reconciliation?date=YYYY-MM-DD`: one UTC day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconciliationView {
    pub date: String,
    pub from: i64,
    pub to: i64,
    pub summary: Vec<ReconciliationTotals>,
    /// One row per order (or unmatched item) with money on either side.
    pub rows: Vec<ReconciliationRow>,
    /// The rows where the two sides differ.
    pub differences: Vec<ReconciliationRow>,
}

/// Per currency: money in (deposits credited) and out (payouts sent)
/// according to Kassa's ledger and according to Trustly's notifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconciliationTotals {
    pub currency: String,
    pub ledger_in: String,
    pub ledger_out: String,
    pub notified_in: String,
    pub notified_out: String,
    /// ledger net minus notified net
    pub difference: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconciliationRow {
    /// "deposit", "withdrawal" or "unknown"
    pub kind: String,
    /// Kassa's id of the order, when it is known.
    pub id: Option<String>,
    pub order_id: Option<String>,
    pub email: Option<String>,
    pub currency: String,
    /// Net money into Kassa's Trustly account (negative: out), per side.
    pub ledger: String,
    pub notified: String,
    pub difference: String,
    pub matched: bool,
    pub note: String,
}

// --- actions -----------------------------------------------------------------

/// What a freeze, unfreeze or unlock answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraderActionResult {
    pub trader: TraderRow,
    /// False when the trader already was in that state (nothing recorded).
    pub changed: bool,
}

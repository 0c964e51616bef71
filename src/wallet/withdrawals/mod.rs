//! Withdrawals: a trader's money leaving Kassa through Trustly AccountPayout.
//!
//! The money rule: the amount moves from the trader's available balance to
//! reserved *before* Trustly is asked to pay (one database transaction with
//! the withdrawal row, refused if available would go below zero). From
//! there it either leaves the ledger for Kassa's Trustly account
//! (payoutconfirmation) or goes back to available (Trustly refused the
//! payout, it was cancelled or denied, or a credit says it bounced). Every
//! step is a ledger transaction with its own event key, so no step books
//! twice.
//!
//! ## Sending, and recovering a send that may not have happened
//! A withdrawal is `queued` from the moment its funds are reserved until
//! Trustly has answered its AccountPayout. The rule for a `queued`
//! withdrawal whose outcome we do not know (the process died after
//! reserving, or Trustly's answer was lost to a timeout or a bad response):
//! **send it again, never release it on a guess.** The MessageID is the
//! withdrawal's id, so Trustly refuses a second order for it with 637
//! (ERROR_DUPLICATE_MESSAGE_ID), which we read as "already sent"; the order
//! id then arrives with the payout's notifications, which find the
//! withdrawal by MessageID. Releasing instead could hand the trader money
//! that Trustly is paying out anyway. A reservation is released only when
//! Trustly *refused* the payout (an error code other than 637, or result
//! "0"), when nothing was sent (we could not even build the request), or by
//! a cancel notification or an admin's denial. The worker re-sends `queued`
//! withdrawals at start-up and then every `resend_after_ms`.
//!
//! Which answers are certain refusals is decided in one place,
//! [`outcome::classify`] (the release rule). After any attempt with an
//! unknown outcome no later refusal releases: the withdrawal stays `queued`
//! and reserved with `outcome_unknown` set, every answer is kept in
//! `withdrawal_refusals` for admins, and only Trustly (637 or the payout's
//! notifications) or an admin's explicit [`Payouts::resolve`] settles it.
//!
//! ## Holds
//! A withdrawal waits for an admin (`pending_approval`, with its
//! `hold_reason`) when it is above the approval threshold, above what is
//! *withdrawable* (money credited by deposits within `hold_ms` is available
//! for trading but not withdrawable: the deposit may still be debited
//! back), or when the trader has a reversed deposit or a negative balance.
//! A frozen trader's payouts are not sent (they resume on unfreeze).

pub mod outcome;
pub mod refusals;

use outcome::Outcome;

use std::sync::Arc;

use sqlx::{AnyConnection, Row};
use tokio::sync::{broadcast, Mutex};

use super::{
    holds,
    ledger::{self, Account, LedgerError, Leg},
};
use crate::{
    app::types::WithdrawalView,
    config::WithdrawalConfig,
    db::{now_ms, Backend, Db},
    money::{format_minor, Currency, Money},
    traders::service::User,
    trustly::{AccountPayoutAttributes, AccountPayoutRequest, TrustlyClient},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    PendingApproval,
    WaitingForFunds,
    Queued,
    Sent,
    Paid,
    Returned,
    Failed,
    Cancelled,
    Denied,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::PendingApproval,
        Status::WaitingForFunds,
        Status::Queued,
        Status::Sent,
        Status::Paid,
        Status::Returned,
        Status::Failed,
        Status::Cancelled,
        Status::Denied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingApproval => "pending_approval",
            Status::WaitingForFunds => "waiting_for_funds",
            Status::Queued => "queued",
            Status::Sent => "sent",
            Status::Paid => "paid",
            Status::Returned => "returned",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "pending_approval" => Status::PendingApproval,
            "waiting_for_funds" => Status::WaitingForFunds,
            "queued" => Status::Queued,
            "sent" => Status::Sent,
            "paid" => Status::Paid,
            "returned" => Status::Returned,
            "failed" => Status::Failed,
            "cancelled" => Status::Cancelled,
            "denied" => Status::Denied,
            _ => return None,
        })
    }

    /// Nothing will move this withdrawal's money any more (short of a
    /// late credit for a paid payout, which `returned` handles).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Paid | Status::Returned | Status::Failed | Status::Cancelled | Status::Denied
        )
    }
}

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

const COLUMNS: &str = "id, user_id, bank_account_id, account_id, order_id, amount, currency, \
    status, reserved, error_code, error_message, decided_by, decision_reason, send_attempts, \
    last_attempt_at, transfer_state, transfer_checked_at, paid_at, returned_at, flagged, \
    outcome_unknown, hold_reason, resolved_by, resolution_reason, resolved_at, \
    created_at, updated_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Withdrawal, sqlx::Error> {
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

#[derive(Debug, thiserror::Error)]
pub enum WithdrawalError {
    /// Bad input, shown next to `field`.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("Your available balance is not enough for this withdrawal.")]
    InsufficientFunds,
    #[error("Your account is frozen. Please contact support.")]
    Frozen,
    #[error("Not found.")]
    NotFound,
    #[error("This withdrawal is {0} and cannot change that way.")]
    WrongState(&'static str),
    #[error("An admin cannot approve their own withdrawal.")]
    OwnWithdrawal,
    #[error("This payout was sent to Trustly and may be paid: it cannot be denied.")]
    Attempted,
    #[error("This trader is frozen: unfreeze them before approving a withdrawal.")]
    TraderFrozen,
    #[error("Only a payout whose outcome at Trustly is unknown can be resolved.")]
    NotUnresolved,
    #[error("Another admin must resolve this payout (not its requester or approver).")]
    FourEyes,
    /// Trustly could not be asked or refused (plain words for people).
    #[error("{0}")]
    Trustly(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("ledger: {0}")]
    Ledger(LedgerError),
}

impl From<LedgerError> for WithdrawalError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::InsufficientFunds => WithdrawalError::InsufficientFunds,
            LedgerError::Db(e) => WithdrawalError::Db(e),
            e => WithdrawalError::Ledger(e),
        }
    }
}

/// An admin's reason: required, at most 500 characters.
fn checked_reason(reason: &str) -> Result<&str, WithdrawalError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "Give a reason."));
    }
    if reason.chars().count() > 500 {
        return Err(invalid("reason", "Keep the reason under 500 characters."));
    }
    Ok(reason)
}

/// The trader's EndUserID and whether they are frozen (on the pool, or as
/// of the caller's transaction).
async fn trader_of<'e, E>(db: E, user_id: &str) -> Result<(String, bool), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT end_user_id, frozen FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Ok((row.try_get(0)?, row.try_get::<i64, _>(1)? != 0))
}

fn invalid(field: &'static str, message: impl Into<String>) -> WithdrawalError {
    WithdrawalError::Invalid {
        field,
        message: message.into(),
    }
}

/// Kassa's balance at Trustly as last asked (Balance, at most one call per
/// `balance_interval_ms`).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct TrustlyBalance {
    pub balances: Vec<TrustlyBalanceLine>,
    /// When Trustly was last asked (unix ms); None: never.
    pub fetched_at: Option<i64>,
    /// The earliest moment another Balance call is allowed.
    pub next_refresh_at: Option<i64>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TrustlyBalanceLine {
    pub currency: String,
    pub balance: String,
    #[serde(skip)]
    pub minor: i64,
}

// ---------------------------------------------------------------------------
// Rows and steps (inside the caller's transaction)

async fn add_history(
    conn: &mut AnyConnection,
    id: &str,
    status: Status,
    at: i64,
) -> Result<(), sqlx::Error> {
    super::History::Withdrawal
        .add(conn, id, status.as_str(), at)
        .await
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Withdrawal>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM withdrawals WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

async fn lock(
    conn: &mut AnyConnection,
    backend: Backend,
    id: &str,
) -> Result<Option<Withdrawal>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM withdrawals WHERE id = $1{}",
        backend.row_lock()
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// The withdrawal a notification names (by messageid = our id, then by
/// orderid), locked for the caller's transaction.
pub(crate) async fn find_for_update(
    conn: &mut AnyConnection,
    backend: Backend,
    message_id: &str,
    order_id: &str,
) -> Result<Option<Withdrawal>, sqlx::Error> {
    super::lock_order_row(
        conn,
        backend,
        &format!("SELECT {COLUMNS} FROM withdrawals"),
        message_id,
        order_id,
    )
    .await?
    .map(|r| from_row(&r))
    .transpose()
}

async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: Status,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE withdrawals SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    add_history(conn, id, status, now).await
}

/// Gives the reserved amount back to available (once: keyed by the
/// withdrawal) and moves the withdrawal to `status`.
async fn release(
    conn: &mut AnyConnection,
    w: &Withdrawal,
    status: Status,
    event_key: &str,
) -> Result<(), WithdrawalError> {
    let now = now_ms();
    if w.reserved {
        let amount = w.amount.minor;
        ledger::post_transaction(
            conn,
            event_key,
            "withdrawal_release",
            Some(&w.user_id),
            w.amount.currency,
            &[
                Leg::trader(Account::Reserved, &w.user_id, -amount),
                Leg::trader(Account::Available, &w.user_id, amount),
            ],
        )
        .await?;
        sqlx::query("UPDATE withdrawals SET reserved = 0 WHERE id = $1")
            .bind(&w.id)
            .execute(&mut *conn)
            .await?;
    }
    if w.status != status {
        set_status(conn, &w.id, status, now).await?;
    }
    Ok(())
}

pub(crate) async fn adopt_order_id(
    conn: &mut AnyConnection,
    id: &str,
    order_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE withdrawals SET order_id = $1 WHERE id = $2 AND order_id IS NULL")
        .bind(order_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn flag(
    conn: &mut AnyConnection,
    id: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE withdrawals SET flagged = 1, flag_reason = COALESCE(flag_reason, $1),
                updated_at = $2 WHERE id = $3",
    )
    .bind(reason)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Notifications about payouts (called by `notifications::apply`)

/// What a payout notification did.
pub(crate) enum Applied {
    Changed,
    Note(String),
    Flag(String),
}

/// payoutconfirmation: the money left Kassa. Reserved funds go to Kassa's
/// Trustly account. After a credit (bounce) already returned them, only the
/// date is noted: Trustly paid and took back, net zero.
pub(crate) async fn payout_confirmed(
    conn: &mut AnyConnection,
    w: &Withdrawal,
    nid: &str,
) -> Result<Applied, WithdrawalError> {
    if w.paid_at.is_some() {
        return Ok(Applied::Flag(
            "a second payoutconfirmation for one payout".into(),
        ));
    }
    let now = now_ms();
    sqlx::query("UPDATE withdrawals SET paid_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    if w.returned_at.is_some() {
        return Ok(Applied::Note(
            "payoutconfirmation after the payout's credit: nothing booked".into(),
        ));
    }
    if !w.reserved {
        // Released earlier (cancelled, denied, refused) and now paid after
        // all: the money has left, take it from available (even below
        // zero) and let an admin look.
        let amount = w.amount.minor;
        ledger::post_transaction(
            conn,
            &format!("notification:{nid}"),
            "withdrawal_paid",
            Some(&w.user_id),
            w.amount.currency,
            &[
                Leg::trader(Account::Available, &w.user_id, -amount),
                Leg::kassa(Account::Trustly, amount),
            ],
        )
        .await?;
        set_status(conn, &w.id, Status::Paid, now).await?;
        return Ok(Applied::Flag(format!(
            "payoutconfirmation for a withdrawal already {}: taken from available",
            w.status.as_str()
        )));
    }
    let amount = w.amount.minor;
    ledger::post_transaction(
        conn,
        &format!("notification:{nid}"),
        "withdrawal_paid",
        Some(&w.user_id),
        w.amount.currency,
        &[
            Leg::trader(Account::Reserved, &w.user_id, -amount),
            Leg::kassa(Account::Trustly, amount),
        ],
    )
    .await?;
    sqlx::query("UPDATE withdrawals SET reserved = 0 WHERE id = $1")
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    set_status(conn, &w.id, Status::Paid, now).await?;
    Ok(Applied::Changed)
}

/// credit for a payout: it failed or bounced; the amount goes back to
/// available, from reserved (not paid yet) or from Kassa's Trustly account
/// (paid, then returned).
pub(crate) async fn payout_credited(
    conn: &mut AnyConnection,
    w: &Withdrawal,
    nid: &str,
) -> Result<Applied, WithdrawalError> {
    if w.returned_at.is_some() {
        return Ok(Applied::Flag("a second credit for one payout".into()));
    }
    let now = now_ms();
    sqlx::query("UPDATE withdrawals SET returned_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    let amount = w.amount.minor;
    let from = if w.reserved {
        Leg::trader(Account::Reserved, &w.user_id, -amount)
    } else if w.paid_at.is_some() {
        Leg::kassa(Account::Trustly, -amount)
    } else {
        // Released already (cancelled): the money is back on available.
        set_status(conn, &w.id, Status::Returned, now).await?;
        return Ok(Applied::Note(
            "credit for a payout already released: nothing booked".into(),
        ));
    };
    ledger::post_transaction(
        conn,
        &format!("notification:{nid}"),
        "withdrawal_returned",
        Some(&w.user_id),
        w.amount.currency,
        &[from, Leg::trader(Account::Available, &w.user_id, amount)],
    )
    .await?;
    sqlx::query("UPDATE withdrawals SET reserved = 0 WHERE id = $1")
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    set_status(conn, &w.id, Status::Returned, now).await?;
    Ok(Applied::Changed)
}

/// cancel for a payout: cancelled, the reservation released if it is still
/// held (not after a payoutconfirmation or a credit).
pub(crate) async fn payout_cancelled(
    conn: &mut AnyConnection,
    w: &Withdrawal,
) -> Result<Applied, WithdrawalError> {
    if w.paid_at.is_some() || w.returned_at.is_some() || w.status.is_final() {
        return Ok(Applied::Note(format!(
            "cancel ignored: payout already {}",
            w.status.as_str()
        )));
    }
    release(
        conn,
        w,
        Status::Cancelled,
        &format!("withdrawal:{}:release", w.id),
    )
    .await?;
    Ok(Applied::Changed)
}

// ---------------------------------------------------------------------------
// The service: requests, sending, approvals, Balance, GetWithdrawals

/// Everything that sends payouts. Cheap to clone.
#[derive(Clone)]
pub struct Payouts {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    client: TrustlyClient,
    notification_url: String,
    config: WithdrawalConfig,
    /// Traders whose wallet changed (the web layer streams it to them).
    events: broadcast::Sender<String>,
    /// One Balance call at a time.
    balance_lock: Mutex<()>,
    /// Set by a stop: the worker ends its round after the current step.
    halted: std::sync::atomic::AtomicBool,
}

/// Code run inside an admin decision's transaction, given the withdrawal
/// before and after the decision (see [`Payouts::approve_with`]).
pub type DecisionHook<'h> = &'h (dyn for<'c> Fn(
    &'c mut AnyConnection,
    &'c Withdrawal,
    &'c Withdrawal,
) -> futures_util::future::BoxFuture<'c, Result<(), sqlx::Error>>
         + Send
         + Sync);

/// Gives a closure the higher-ranked signature a [`DecisionHook`] needs.
pub fn decision_hook<F>(f: F) -> F
where
    F: for<'c> Fn(
            &'c mut AnyConnection,
            &'c Withdrawal,
            &'c Withdrawal,
        ) -> futures_util::future::BoxFuture<'c, Result<(), sqlx::Error>>
        + Send
        + Sync,
{
    f
}

async fn run_hook(
    conn: &mut AnyConnection,
    backend: Backend,
    hook: Option<DecisionHook<'_>>,
    before: &Withdrawal,
) -> Result<(), WithdrawalError> {
    let Some(hook) = hook else {
        return Ok(());
    };
    let after = lock(conn, backend, &before.id)
        .await?
        .ok_or(WithdrawalError::NotFound)?;
    hook(conn, before, &after).await?;
    Ok(())
}

/// A day in unix ms.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl Payouts {
    pub fn new(
        db: Db,
        client: TrustlyClient,
        notification_url: String,
        config: WithdrawalConfig,
        events: broadcast::Sender<String>,
    ) -> Payouts {
        Payouts {
            inner: Arc::new(Inner {
                db,
                client,
                notification_url,
                config,
                events,
                balance_lock: Mutex::new(()),
                halted: Default::default(),
            }),
        }
    }

    pub fn config(&self) -> &WithdrawalConfig {
        &self.inner.config
    }

    /// Stops the worker between two steps (a stop is under way).
    pub fn halt(&self) {
        self.inner
            .halted
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn halted(&self) -> bool {
        self.inner.halted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    fn publish(&self, user_id: &str) {
        let _ = self.inner.events.send(user_id.to_string());
    }

    /// A trader asks to withdraw `amount` to their bank account
    /// `bank_account_id` (our id). Reserves the funds and creates the
    /// withdrawal in one transaction, then sends it (or leaves it for an
    /// admin when above the approval threshold).
    pub async fn request(
        &self,
        user: &User,
        amount: Money,
        bank_account_id: &str,
    ) -> Result<Withdrawal, WithdrawalError> {
        if user.frozen {
            return Err(WithdrawalError::Frozen);
        }
        let currency = amount.currency;
        let (min, max, daily_max, approval_above) = self
            .inner
            .config
            .amounts(currency)
            .ok_or_else(|| invalid("currency", "Choose a supported currency."))?;
        if amount.minor < min.minor {
            return Err(invalid(
                "amount",
                format!("The smallest withdrawal is {min}."),
            ));
        }
        if amount.minor > max.minor {
            return Err(invalid(
                "amount",
                format!("The largest withdrawal is {max}."),
            ));
        }
        let db = self.db();
        let account =
            sqlx::query("SELECT account_id FROM bank_accounts WHERE id = $1 AND user_id = $2")
                .bind(bank_account_id)
                .bind(&user.id)
                .fetch_optional(&db.pool)
                .await?
                .ok_or_else(|| invalid("bank_account_id", "Choose one of your bank accounts."))?;
        let account_id: String = account.try_get(0)?;

        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        // The reservation first: its conditional UPDATE of the balances row
        // also serialises this trader's concurrent requests on PostgreSQL,
        // so the daily sum below sees every committed withdrawal.
        ledger::reserve(
            &mut tx.tx,
            &format!("withdrawal:{id}:reserve"),
            &user.id,
            currency,
            amount.minor,
        )
        .await?;
        let day_start = now - now.rem_euclid(DAY_MS);
        let today: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM withdrawals
             WHERE user_id = $1 AND currency = $2 AND created_at >= $3
               AND status NOT IN ('failed', 'cancelled', 'denied')",
        )
        .bind(&user.id)
        .bind(currency.code())
        .bind(day_start)
        .fetch_one(&mut *tx.tx)
        .await?
        .try_get(0)?;
        if today.saturating_add(amount.minor) > daily_max.minor {
            let left = Money::new((daily_max.minor - today).max(0), currency);
            return Err(invalid(
                "amount",
                format!("You can withdraw at most {daily_max} a day; {left} is left today."),
            ));
        }
        // Decided after the reservation, which locked this trader's balance
        // row: the holds see every committed credit and withdrawal.
        let reasons = self
            .hold_reasons(&mut tx.tx, &user.id, amount, approval_above, now)
            .await?;
        let (status, hold_reason) = if reasons.is_empty() {
            (Status::Queued, None)
        } else {
            (Status::PendingApproval, Some(reasons.join("; ")))
        };
        sqlx::query(
            "INSERT INTO withdrawals (id, user_id, bank_account_id, account_id, amount, currency,
                                      status, reserved, hold_reason, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)",
        )
        .bind(&id)
        .bind(&user.id)
        .bind(bank_account_id)
        .bind(&account_id)
        .bind(amount.minor)
        .bind(currency.code())
        .bind(status.as_str())
        .bind(hold_reason.as_deref())
        .bind(now)
        .execute(&mut *tx.tx)
        .await?;
        add_history(&mut tx.tx, &id, status, now).await?;
        tx.commit().await?;
        self.publish(&user.id);
        tracing::info!(withdrawal_id = %id, user_id = %user.id, %amount, status = status.as_str(),
            hold_reason = hold_reason.as_deref().unwrap_or(""), "withdrawal reserved");
        if status == Status::Queued {
            self.send(&id, now).await
        } else {
            find(db, &id).await?.ok_or(WithdrawalError::NotFound)
        }
    }

    /// Why a withdrawal of `amount` (already reserved in `conn`'s
    /// transaction) must wait for an admin; empty: it may be sent.
    async fn hold_reasons(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        amount: Money,
        approval_above: Money,
        now: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let mut reasons = Vec::new();
        if amount.minor > approval_above.minor {
            reasons.push(format!("above the approval threshold of {approval_above}"));
        }
        let hold_ms = self.inner.config.hold_ms;
        let held = holds::held(&mut *conn, user_id, amount.currency, now, hold_ms).await?;
        // What is left on available after this reservation must still cover
        // the held credits, or part of this withdrawal is unsettled money.
        let left = ledger::available(conn, user_id, amount.currency).await?;
        if left < held.minor() {
            reasons.push(holds::unsettled_reason(&held, amount.currency));
        }
        reasons.extend(holds::risk_reasons(conn, user_id).await?);
        Ok(reasons)
    }

    /// Sends a `queued` withdrawal's AccountPayout, unless someone else
    /// attempted it after `cutoff` (unix ms) or its trader is frozen. Checks
    /// Kassa's Trustly balance before the first attempt. What the answer
    /// means is [`outcome::classify`]'s decision alone.
    pub async fn send(&self, id: &str, cutoff: i64) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let w = find(db, id).await?.ok_or(WithdrawalError::NotFound)?;
        if w.status != Status::Queued {
            return Ok(w);
        }
        let (end_user_id, frozen) = trader_of(&db.pool, &w.user_id).await?;
        if frozen {
            tracing::info!(
                withdrawal_id = id,
                "trader is frozen: payout not sent until unfrozen"
            );
            return Ok(w);
        }
        // Funds are checked before the first attempt only: after one, the
        // payout itself may be what lowered Kassa's balance at Trustly, and
        // parking it would invite a denial of money that may be paid.
        if w.send_attempts == 0 && !self.funds_available(w.amount).await? {
            return self.wait_for_funds(&w).await;
        }
        let Some(first_attempt) = self.claim_attempt(id, cutoff).await? else {
            return find(db, id).await?.ok_or(WithdrawalError::NotFound);
        };
        let request = AccountPayoutRequest {
            notification_url: self.inner.notification_url.clone(),
            account_id: w.account_id.clone(),
            end_user_id,
            message_id: w.id.clone(),
            amount: w.amount.to_trustly_string(),
            currency: w.amount.currency.code().to_string(),
            attributes: AccountPayoutAttributes {
                shopper_statement: Some("Kassa".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let answer = self.inner.client.account_payout(&request).await;
        let words = match &answer {
            Err(e) => e.plain_words(),
            Ok(_) => "Trustly did not accept the payout.",
        };
        match outcome::classify(first_attempt, &answer) {
            Outcome::Accepted { order_id } => {
                self.mark_sent(&w, Some(&order_id)).await?;
                tracing::info!(withdrawal_id = id, %order_id, amount = %w.amount, "payout sent");
            }
            Outcome::AlreadySent => {
                tracing::info!(
                    withdrawal_id = id,
                    "AccountPayout already sent (637): the order id comes with its notifications"
                );
                self.mark_sent(&w, None).await?;
            }
            o @ Outcome::Refused { .. } => {
                tracing::warn!(
                    withdrawal_id = id,
                    reason = o.reason(),
                    "Trustly certainly refused the payout: reservation released"
                );
                self.refuse(&w, &o, words).await?;
            }
            o @ Outcome::Unknown { .. } => {
                tracing::warn!(
                    withdrawal_id = id,
                    reason = o.reason(),
                    first_attempt,
                    "AccountPayout outcome unknown: stays reserved, will be sent again"
                );
                self.keep_unknown(&w, &o).await?;
            }
        }
        self.publish(&w.user_id);
        find(db, id).await?.ok_or(WithdrawalError::NotFound)
    }

    /// Parks a never-attempted payout until Kassa's Trustly balance covers it.
    async fn wait_for_funds(&self, w: &Withdrawal) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE withdrawals SET status = $1, updated_at = $2
             WHERE id = $3 AND status = $4 AND send_attempts = 0",
        )
        .bind(Status::WaitingForFunds.as_str())
        .bind(now)
        .bind(&w.id)
        .bind(Status::Queued.as_str())
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
        if moved > 0 {
            add_history(&mut tx.tx, &w.id, Status::WaitingForFunds, now).await?;
        }
        tx.commit().await?;
        if moved > 0 {
            tracing::warn!(withdrawal_id = %w.id, amount = %w.amount,
                "Kassa's Trustly balance is short: withdrawal waits for funds (admins alerted)");
            self.publish(&w.user_id);
        }
        find(db, &w.id).await?.ok_or(WithdrawalError::NotFound)
    }

    /// Claims one AccountPayout attempt, so only one sender at a time (the
    /// request, the worker, another instance) talks to Trustly about it.
    /// None: someone else attempted it after `cutoff`. Some(first): claimed;
    /// `first` is true when no attempt at all came before this one.
    async fn claim_attempt(&self, id: &str, cutoff: i64) -> Result<Option<bool>, WithdrawalError> {
        let db = self.db();
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        let row = sqlx::query(
            "UPDATE withdrawals SET send_attempts = send_attempts + 1,
                    last_attempt_at = $1, updated_at = $1
             WHERE id = $2 AND status = $3
               AND (last_attempt_at IS NULL OR last_attempt_at <= $4)
             RETURNING send_attempts, outcome_unknown",
        )
        .bind(now)
        .bind(id)
        .bind(Status::Queued.as_str())
        .bind(cutoff)
        .fetch_optional(&mut *tx.tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let attempts: i64 = row.try_get("send_attempts")?;
        let unknown: i64 = row.try_get("outcome_unknown")?;
        Ok(Some(attempts == 1 && unknown == 0))
    }

    async fn mark_sent(
        &self,
        w: &Withdrawal,
        order_id: Option<&str>,
    ) -> Result<(), WithdrawalError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let Some(current) = lock(&mut tx.tx, db.backend, &w.id).await? else {
            return Err(WithdrawalError::NotFound);
        };
        if let Some(order_id) = order_id {
            adopt_order_id(&mut tx.tx, &w.id, order_id).await?;
        }
        // A notification may have overtaken the answer (paid already).
        if current.status == Status::Queued {
            set_status(&mut tx.tx, &w.id, Status::Sent, now_ms()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Trustly certainly created no payout: `failed`, reservation released.
    async fn refuse(
        &self,
        w: &Withdrawal,
        answer: &Outcome,
        words: &str,
    ) -> Result<(), WithdrawalError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let Some(current) = lock(&mut tx.tx, db.backend, &w.id).await? else {
            return Err(WithdrawalError::NotFound);
        };
        refusals::record(&mut tx.tx, &w.id, answer, now_ms()).await?;
        // The rule again, on the row as it is now: one attempt, never an
        // unknown outcome, still queued.
        let certain = current.send_attempts == 1 && !current.outcome_unknown;
        if current.status != Status::Queued || !certain {
            tx.commit().await?;
            return Ok(());
        }
        let code = match answer {
            Outcome::Refused { code, .. } => *code,
            _ => None,
        };
        sqlx::query("UPDATE withdrawals SET error_code = $1, error_message = $2 WHERE id = $3")
            .bind(code)
            .bind(words)
            .bind(&w.id)
            .execute(&mut *tx.tx)
            .await?;
        release(
            &mut tx.tx,
            &current,
            Status::Failed,
            &format!("withdrawal:{}:release", w.id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Nobody knows whether Trustly has this payout: it stays `queued` and
    /// reserved, marked unknown for good, with the answer kept for admins.
    async fn keep_unknown(&self, w: &Withdrawal, answer: &Outcome) -> Result<(), WithdrawalError> {
        let db = self.db();
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        refusals::record(&mut tx.tx, &w.id, answer, now).await?;
        sqlx::query("UPDATE withdrawals SET outcome_unknown = 1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&w.id)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An admin approves a withdrawal above the threshold: it is sent.
    pub async fn approve(&self, id: &str, admin_id: &str) -> Result<Withdrawal, WithdrawalError> {
        self.approve_with(id, admin_id, None).await
    }

    /// [`Payouts::approve`], running `hook` inside the decision's
    /// transaction with the withdrawal before and after (the back office
    /// writes its audit entry there, so decision and entry commit together).
    pub async fn approve_with(
        &self,
        id: &str,
        admin_id: &str,
        hook: Option<DecisionHook<'_>>,
    ) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let w = lock(&mut tx.tx, db.backend, id)
            .await?
            .ok_or(WithdrawalError::NotFound)?;
        if w.user_id == admin_id {
            return Err(WithdrawalError::OwnWithdrawal);
        }
        if w.status != Status::PendingApproval {
            return Err(WithdrawalError::WrongState(w.status.as_str()));
        }
        if trader_of(&mut *tx.tx, &w.user_id).await?.1 {
            return Err(WithdrawalError::TraderFrozen);
        }
        let now = now_ms();
        sqlx::query(
            "UPDATE withdrawals SET decided_by = $1, decided_at = $2, updated_at = $2
             WHERE id = $3",
        )
        .bind(admin_id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
        set_status(&mut tx.tx, id, Status::Queued, now).await?;
        run_hook(&mut tx.tx, db.backend, hook, &w).await?;
        tx.commit().await?;
        tracing::info!(withdrawal_id = id, admin_id, "withdrawal approved");
        self.publish(&w.user_id);
        self.send(id, now).await
    }

    /// An admin refuses a withdrawal waiting for approval (or for funds):
    /// the reservation is released.
    pub async fn deny(
        &self,
        id: &str,
        admin_id: &str,
        reason: &str,
    ) -> Result<Withdrawal, WithdrawalError> {
        self.deny_with(id, admin_id, reason, None).await
    }

    /// [`Payouts::deny`] with a hook, as [`Payouts::approve_with`].
    pub async fn deny_with(
        &self,
        id: &str,
        admin_id: &str,
        reason: &str,
        hook: Option<DecisionHook<'_>>,
    ) -> Result<Withdrawal, WithdrawalError> {
        let reason = checked_reason(reason)?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let w = lock(&mut tx.tx, db.backend, id)
            .await?
            .ok_or(WithdrawalError::NotFound)?;
        // Only money that never went to Trustly can be denied back.
        if w.send_attempts > 0 {
            return Err(WithdrawalError::Attempted);
        }
        if !matches!(w.status, Status::PendingApproval | Status::WaitingForFunds) {
            return Err(WithdrawalError::WrongState(w.status.as_str()));
        }
        sqlx::query(
            "UPDATE withdrawals SET decided_by = $1, decided_at = $2, decision_reason = $3,
                    updated_at = $2 WHERE id = $4",
        )
        .bind(admin_id)
        .bind(now_ms())
        .bind(reason)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
        release(
            &mut tx.tx,
            &w,
            Status::Denied,
            &format!("withdrawal:{id}:release"),
        )
        .await?;
        run_hook(&mut tx.tx, db.backend, hook, &w).await?;
        tx.commit().await?;
        tracing::info!(withdrawal_id = id, admin_id, "withdrawal denied");
        self.publish(&w.user_id);
        find(db, id).await?.ok_or(WithdrawalError::NotFound)
    }

    /// An admin settles a payout whose outcome Trustly never made certain,
    /// having confirmed at Trustly that it was not paid: the reservation is
    /// released and the withdrawal is `failed`. Four eyes: never the trader
    /// who asked for it nor the admin who approved it. Should Trustly pay it
    /// after all, its payoutconfirmation still books (from available) and
    /// is flagged.
    pub async fn resolve_with(
        &self,
        id: &str,
        admin_id: &str,
        reason: &str,
        hook: Option<DecisionHook<'_>>,
    ) -> Result<Withdrawal, WithdrawalError> {
        let reason = checked_reason(reason)?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let w = lock(&mut tx.tx, db.backend, id)
            .await?
            .ok_or(WithdrawalError::NotFound)?;
        if w.status != Status::Queued || !w.outcome_unknown {
            return Err(WithdrawalError::NotUnresolved);
        }
        if w.user_id == admin_id || w.decided_by.as_deref() == Some(admin_id) {
            return Err(WithdrawalError::FourEyes);
        }
        let now = now_ms();
        sqlx::query(
            "UPDATE withdrawals SET resolved_by = $1, resolved_at = $2, resolution_reason = $3,
                    error_message = $4, updated_at = $2 WHERE id = $5",
        )
        .bind(admin_id)
        .bind(now)
        .bind(reason)
        .bind("The payout was not made. The amount is back on your balance.")
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
        release(
            &mut tx.tx,
            &w,
            Status::Failed,
            &format!("withdrawal:{id}:release"),
        )
        .await?;
        run_hook(&mut tx.tx, db.backend, hook, &w).await?;
        tx.commit().await?;
        tracing::warn!(
            withdrawal_id = id,
            admin_id,
            "unknown payout resolved as not paid"
        );
        self.publish(&w.user_id);
        find(db, id).await?.ok_or(WithdrawalError::NotFound)
    }

    // -- Kassa's balance at Trustly ------------------------------------------

    /// The cached Balance; with `refresh`, asks Trustly when the last call
    /// is at least `balance_interval_ms` old (otherwise the cache is
    /// returned as is, with the time a refresh becomes possible).
    pub async fn trustly_balance(&self, refresh: bool) -> Result<TrustlyBalance, WithdrawalError> {
        let _one_at_a_time = self.inner.balance_lock.lock().await;
        let cached = self.cached_balance().await?;
        let due = cached
            .fetched_at
            .is_none_or(|t| now_ms() - t >= self.inner.config.balance_interval_ms as i64);
        if !(refresh && due) {
            return Ok(cached);
        }
        let entries = self.inner.client.balance().await.map_err(|e| {
            tracing::warn!(error = %e, code = ?e.code(), "Balance call failed");
            WithdrawalError::Trustly(e.plain_words().to_string())
        })?;
        let now = now_ms();
        let db = self.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM trustly_balances")
            .execute(&mut *tx.tx)
            .await?;
        for e in &entries {
            let Ok(currency) = e.currency.parse::<Currency>() else {
                continue;
            };
            let Ok(m) = Money::parse_trustly_lenient(&e.balance, currency) else {
                tracing::warn!(currency = %e.currency, "Balance: unreadable amount");
                continue;
            };
            sqlx::query(
                "INSERT INTO trustly_balances (currency, balance, fetched_at) VALUES ($1, $2, $3)",
            )
            .bind(currency.code())
            .bind(m.minor)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
        }
        // Remember the call even when Trustly lists no currency at all.
        if entries.is_empty() {
            sqlx::query(
                "INSERT INTO trustly_balances (currency, balance, fetched_at) VALUES ('', 0, $1)",
            )
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
        }
        tx.commit().await?;
        tracing::info!(currencies = entries.len(), "Trustly balance refreshed");
        self.cached_balance().await
    }

    async fn cached_balance(&self) -> Result<TrustlyBalance, WithdrawalError> {
        let rows = sqlx::query(
            "SELECT currency, balance, fetched_at FROM trustly_balances ORDER BY currency",
        )
        .fetch_all(&self.db().pool)
        .await?;
        let mut out = TrustlyBalance::default();
        for r in rows {
            let fetched: i64 = r.try_get("fetched_at")?;
            out.fetched_at = Some(out.fetched_at.map_or(fetched, |t: i64| t.max(fetched)));
            let code: String = r.try_get("currency")?;
            let Ok(currency) = code.parse::<Currency>() else {
                continue;
            };
            let minor: i64 = r.try_get("balance")?;
            out.balances.push(TrustlyBalanceLine {
                currency: code,
                balance: format_minor(minor, currency),
                minor,
            });
        }
        out.next_refresh_at = out
            .fetched_at
            .map(|t| t + self.inner.config.balance_interval_ms as i64);
        Ok(out)
    }

    /// Whether Kassa's Trustly balance covers `amount`: the last Balance
    /// answer (asked again when older than the allowed interval), plus
    /// deposits credited and minus payouts sent since that answer. When
    /// Trustly cannot be asked at all, the payout goes ahead: Trustly
    /// refuses it if the money is not there, and the reservation is released.
    async fn funds_available(&self, amount: Money) -> Result<bool, WithdrawalError> {
        let snapshot = match self.trustly_balance(true).await {
            Ok(s) => s,
            Err(WithdrawalError::Trustly(_)) => return Ok(true),
            Err(e) => return Err(e),
        };
        let Some(fetched_at) = snapshot.fetched_at else {
            return Ok(true);
        };
        let at_fetch = snapshot
            .balances
            .iter()
            .find(|b| b.currency == amount.currency.code())
            .map_or(0, |b| b.minor);
        let db = self.db();
        let deposits_in: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(-e.amount), 0) AS BIGINT)
             FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
             WHERE e.account = 'trustly' AND e.currency = $1 AND t.created_at > $2
               AND t.kind IN ('deposit_credit', 'deposit_debit')",
        )
        .bind(amount.currency.code())
        .bind(fetched_at)
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
        let payouts_out: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM withdrawals
             WHERE currency = $1 AND status IN ('sent', 'paid') AND last_attempt_at > $2",
        )
        .bind(amount.currency.code())
        .bind(fetched_at)
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
        Ok(at_fetch + deposits_in - payouts_out >= amount.minor)
    }

    // -- GetWithdrawals ------------------------------------------------------

    /// Asks Trustly for a sent payout's transferstate (at most once per
    /// `poll_interval_ms`; sooner returns the withdrawal unchanged). The
    /// state is shown to people; nothing branches on its value.
    pub async fn refresh_transfer_state(&self, id: &str) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let w = find(db, id).await?.ok_or(WithdrawalError::NotFound)?;
        let Some(order_id) = w.order_id.clone() else {
            return Err(invalid(
                "id",
                "Trustly has not given this withdrawal an order id yet.",
            ));
        };
        let now = now_ms();
        if w.transfer_checked_at
            .is_some_and(|t| now - t < self.inner.config.poll_interval_ms as i64)
        {
            return Ok(w);
        }
        // Claim first, so concurrent refreshes make one call.
        let claimed = db
            .write(
                sqlx::query(
                    "UPDATE withdrawals SET transfer_checked_at = $1
                     WHERE id = $2 AND (transfer_checked_at IS NULL OR transfer_checked_at = $3)",
                )
                .bind(now)
                .bind(id)
                .bind(w.transfer_checked_at),
            )
            .await?
            .rows_affected();
        if claimed == 0 {
            return find(db, id).await?.ok_or(WithdrawalError::NotFound);
        }
        let list = self
            .inner
            .client
            .get_withdrawals(&order_id)
            .await
            .map_err(|e| {
                tracing::warn!(withdrawal_id = id, error = %e, "GetWithdrawals failed");
                WithdrawalError::Trustly(e.plain_words().to_string())
            })?;
        if let Some(state) = list.iter().find_map(|i| i.transferstate.clone()) {
            db.write(
                sqlx::query(
                    "UPDATE withdrawals SET transfer_state = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(truncate(&state, 64))
                .bind(now_ms())
                .bind(id),
            )
            .await?;
            self.publish(&w.user_id);
        }
        find(db, id).await?.ok_or(WithdrawalError::NotFound)
    }

    // -- The worker ----------------------------------------------------------

    /// One round of the payout worker: re-send `queued` withdrawals whose
    /// outcome is unknown, retry those waiting for funds, poll sent payouts
    /// with no final notification, and refresh the Balance daily. At
    /// start-up `resend_all` re-sends every `queued` withdrawal (no request
    /// of this process can be in flight yet).
    pub async fn tick(&self, resend_all: bool) -> Result<(), WithdrawalError> {
        let db = self.db();
        let now = now_ms();
        let cfg = &self.inner.config;
        let cutoff = if resend_all {
            now
        } else {
            now - cfg.resend_after_ms as i64
        };
        // A frozen trader's payouts wait (they resume on unfreeze).
        let queued = ids(
            db,
            sqlx::query(
                "SELECT w.id FROM withdrawals w JOIN users u ON u.id = w.user_id
                 WHERE w.status = $1 AND u.frozen = 0
                   AND COALESCE(w.last_attempt_at, w.updated_at) <= $2
                 ORDER BY w.created_at LIMIT 100",
            )
            .bind(Status::Queued.as_str())
            .bind(cutoff),
        )
        .await?;
        for id in queued {
            if self.halted() {
                return Ok(());
            }
            tracing::info!(withdrawal_id = %id, "re-sending a queued withdrawal");
            if let Err(e) = self.send(&id, cutoff).await {
                tracing::error!(withdrawal_id = %id, error = %e, "re-send failed");
            }
        }
        let waiting = ids(
            db,
            sqlx::query(
                "SELECT w.id FROM withdrawals w JOIN users u ON u.id = w.user_id
                 WHERE w.status = $1 AND u.frozen = 0 ORDER BY w.created_at LIMIT 100",
            )
            .bind(Status::WaitingForFunds.as_str()),
        )
        .await?;
        for id in waiting {
            if self.halted() {
                return Ok(());
            }
            let w = find(db, &id).await?.ok_or(WithdrawalError::NotFound)?;
            if !self.funds_available(w.amount).await? {
                break; // oldest first: the rest wait behind it
            }
            let now = now_ms();
            // The status and its history step in one transaction.
            let mut tx = db.begin_write().await?;
            let moved = sqlx::query(
                "UPDATE withdrawals SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            )
            .bind(Status::Queued.as_str())
            .bind(now)
            .bind(&id)
            .bind(Status::WaitingForFunds.as_str())
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            if moved > 0 {
                add_history(&mut tx.tx, &id, Status::Queued, now).await?;
            }
            tx.commit().await?;
            if moved > 0 {
                self.send(&id, now).await?;
            }
        }
        let poll_before = now - cfg.poll_interval_ms as i64;
        let sent = ids(
            db,
            sqlx::query(
                "SELECT id FROM withdrawals WHERE status = 'sent' AND order_id IS NOT NULL
                   AND COALESCE(transfer_checked_at, last_attempt_at, updated_at) <= $1
                 ORDER BY updated_at LIMIT 100",
            )
            .bind(poll_before),
        )
        .await?;
        for id in sent {
            if self.halted() {
                return Ok(());
            }
            if let Err(e) = self.refresh_transfer_state(&id).await {
                tracing::warn!(withdrawal_id = %id, error = %e, "transfer state not refreshed");
            }
        }
        let balance = self.cached_balance().await?;
        if balance.fetched_at.is_none_or(|t| now - t >= DAY_MS) {
            if let Err(e) = self.trustly_balance(true).await {
                tracing::warn!(error = %e, "daily Balance refresh failed");
            }
        }
        Ok(())
    }

    /// Runs [`Payouts::tick`] at start-up and then every
    /// `worker_interval_ms`, until `closing` turns true.
    pub fn spawn_worker(
        &self,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let every = std::time::Duration::from_millis(this.inner.config.worker_interval_ms);
            let mut first = true;
            loop {
                if *closing.borrow() {
                    return;
                }
                match this.tick(first).await {
                    Ok(()) => metrics::gauge!("kassa_payout_worker_last_run_timestamp_seconds")
                        .set(now_ms() as f64 / 1000.0),
                    Err(e) => tracing::error!(error = %e, "payout worker round failed"),
                }
                first = false;
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = closing.changed() => return,
                }
            }
        })
    }
}

async fn ids<'q>(
    db: &Db,
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> Result<Vec<String>, sqlx::Error> {
    query
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

// ---------------------------------------------------------------------------
// Views

/// One of `user_id`'s withdrawals with its history; None for anyone else's.
pub async fn view_for_user(
    db: &Db,
    user_id: &str,
    id: &str,
) -> Result<Option<WithdrawalView>, sqlx::Error> {
    match find(db, id).await? {
        Some(w) if w.user_id == user_id => view(db, w).await.map(Some),
        _ => Ok(None),
    }
}

pub async fn view(db: &Db, w: Withdrawal) -> Result<WithdrawalView, sqlx::Error> {
    let history = super::History::Withdrawal.steps(&db.pool, &w.id).await?;
    Ok(WithdrawalView {
        id: w.id,
        order_id: w.order_id,
        amount: w.amount.to_decimal_string(),
        currency: w.amount.currency.code().to_string(),
        status: w.status.as_str().to_string(),
        bank_account_id: w.bank_account_id,
        transfer_state: w.transfer_state,
        message: w.error_message.or(w.decision_reason).or_else(|| {
            (w.status == Status::PendingApproval).then(|| {
                "Our team reviews this withdrawal before it is sent; the amount is set aside \
                 meanwhile."
                    .to_string()
            })
        }),
        created_at: w.created_at,
        updated_at: w.updated_at,
        history,
    })
}

/// A trader's withdrawals, newest first, as wallet transactions.
pub async fn transactions_for_user(
    db: &Db,
    user_id: &str,
    limit: i64,
) -> Result<Vec<crate::app::types::TransactionView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, amount, currency, status, transfer_state, created_at FROM withdrawals
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let code: String = r.try_get("currency")?;
        let Ok(currency) = code.parse::<Currency>() else {
            continue;
        };
        out.push(crate::app::types::TransactionView {
            id: r.try_get("id")?,
            kind: "withdrawal".into(),
            amount: format_minor(r.try_get("amount")?, currency),
            currency: code,
            status: r.try_get("status")?,
            created_at: r.try_get("created_at")?,
            info: r.try_get("transfer_state")?,
        });
    }
    Ok(out)
}

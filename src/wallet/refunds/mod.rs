//! Refunds: an admin sends a credited deposit's money, all or part, back to
//! the bank account it came from (Trustly Refund, with the deposit's
//! OrderID). A trading platform needs it when a trader closes the account,
//! after a compliance decision, or for a deposit made by mistake.
//!
//! ## The money rule
//! As for a payout, the amount moves from the trader's available balance to
//! reserved *before* Trustly is asked (one database transaction with the
//! refund row, refused when available would go below zero), and from there
//! either leaves for Kassa's Trustly account (Trustly accepted the Refund)
//! or goes back to available (Trustly certainly made no refund, or the
//! second admin denied it). Every step is a ledger transaction keyed by the
//! refund (`refund:{id}:reserve|paid|release`) and booked for the deposit
//! (`order_ref`), so reconciliation sees the deposit's net flow.
//!
//! ## Knowing whether a Refund happened
//! Refund has no MessageID, so Trustly cannot refuse a repeat the way it
//! refuses a repeated AccountPayout (637): sending again blindly could pay
//! the trader twice. What Trustly offers instead is GetWithdrawals with the
//! deposit's OrderID, which lists the deposit's refunds, oldest first. So:
//! - just before a refund's first attempt, Kassa asks GetWithdrawals and
//!   keeps how many refunds were listed (`listed_before`); no Refund is
//!   sent until that number is stored;
//! - only one refund of a deposit is in flight at a time (a unique index on
//!   `sending` rows), so a list longer than `listed_before`, whose next
//!   entry has this refund's amount, proves this refund got through;
//! - a signed answer that is not an acceptance (an error code, result "0")
//!   is followed by that check at once: Trustly has finished with the
//!   request, so a list that did not grow proves nothing was refunded, and
//!   the reservation is released (`failed`);
//! - no answer, or an unreadable one: the outcome is unknown. The refund
//!   stays `sending` and reserved (`outcome_unknown`); recovery (the worker,
//!   [`Refunds::recover`]) checks the list once `resend_after_ms` has
//!   passed since the last attempt, books it when it is there, and sends it
//!   again (same ExternalReference, the refund's id) when it is not. It
//!   never releases on a guess.
//!
//! Assumed: refunds of Kassa's deposits are made only by Kassa (one made by
//! hand in Trustly's back office while one of Kassa's is unknown makes the
//! list longer with another amount: Kassa then keeps its refund unknown and
//! logs an error for an admin).
//!
//! ## Approval
//! Refunds above `KASSA_REFUND_APPROVAL_ABOVE` wait (`pending_approval`,
//! reserved) for a second admin, never the one who asked for it.

mod decisions;
mod request;
mod send;
mod views;

use std::sync::Arc;

use sqlx::AnyConnection;
use tokio::sync::broadcast;

pub use views::*;

use super::{
    checked_reason,
    ledger::{self, Account, Kind, LedgerError, Leg},
};
use crate::{
    config::RefundConfig,
    db::{now_ms, Backend, Db, Flag, QueryRows},
    money::Money,
    traders::newtypes::FieldError,
    trustly::TrustlyClient,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Reserved, above the approval threshold: a second admin decides.
    PendingApproval,
    /// Reserved, Refund not answered for certain yet (see the module docs).
    Sending,
    /// Trustly accepted the Refund: the money left Kassa.
    Refunded,
    /// Trustly certainly made no refund: reservation released.
    Failed,
    /// The second admin refused it: reservation released.
    Denied,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::PendingApproval,
        Status::Sending,
        Status::Refunded,
        Status::Failed,
        Status::Denied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingApproval => "pending_approval",
            Status::Sending => "sending",
            Status::Refunded => "refunded",
            Status::Failed => "failed",
            Status::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl TryFrom<String> for Status {
    type Error = String;
    fn try_from(s: String) -> Result<Status, String> {
        Status::parse(&s).ok_or_else(|| format!("refund with status {s:?}"))
    }
}

/// One refund row (its [`COLUMNS`]).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Refund {
    pub id: String,
    pub deposit_id: String,
    pub user_id: String,
    /// The deposit's Trustly OrderID (what Refund and GetWithdrawals name).
    pub order_id: String,
    #[sqlx(flatten)]
    pub amount: Money,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<i64>,
    pub listed_before: Option<i64>,
    pub send_attempts: i64,
    pub last_attempt_at: Option<i64>,
    #[sqlx(try_from = "Flag")]
    pub outcome_unknown: bool,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub refunded_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, deposit_id, user_id, order_id, amount, currency, reason, status, \
                       requested_by, decided_by, decision_reason, decided_at, listed_before, \
                       send_attempts, last_attempt_at, outcome_unknown, error_code, \
                       error_message, refunded_at, created_at, updated_at";

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    /// Bad input (the amount, the reason), shown next to its field.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("Not found.")]
    NotFound,
    #[error("Only a credited deposit can be refunded; this one is {0}.")]
    NotRefundable(&'static str),
    #[error("The trader's available balance does not cover this refund.")]
    InsufficientFunds,
    #[error("This refund is {0} and cannot change that way.")]
    WrongState(&'static str),
    #[error("Another admin must approve this refund (not the one who asked for it).")]
    FourEyes,
    #[error("Another refund of this deposit is being sent; try again when it is settled.")]
    InFlight,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("ledger: {0}")]
    Ledger(LedgerError),
}

impl From<LedgerError> for RefundError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::InsufficientFunds => RefundError::InsufficientFunds,
            LedgerError::Db(e) => RefundError::Db(e),
            e => RefundError::Ledger(e),
        }
    }
}

/// Code run inside a refund's transaction with the refund after the change
/// (the back office writes its audit entry there, so the change and its
/// entry commit together).
pub type RefundHook<'h> = &'h (dyn for<'c> Fn(
    &'c mut AnyConnection,
    &'c Refund,
) -> futures_util::future::BoxFuture<'c, Result<(), sqlx::Error>>
         + Send
         + Sync);

/// Gives a closure the higher-ranked signature a [`RefundHook`] needs.
pub fn refund_hook<F>(f: F) -> F
where
    F: for<'c> Fn(
            &'c mut AnyConnection,
            &'c Refund,
        ) -> futures_util::future::BoxFuture<'c, Result<(), sqlx::Error>>
        + Send
        + Sync,
{
    f
}

/// Everything that sends refunds. Cheap to clone.
#[derive(Clone)]
pub struct Refunds {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    client: TrustlyClient,
    config: RefundConfig,
    /// An attempt whose outcome is unknown is checked (and maybe sent
    /// again) this long after it, not sooner (it may still be on its way).
    resend_after_ms: u64,
    /// Traders whose wallet changed (the web layer streams it to them).
    events: broadcast::Sender<String>,
}

impl Refunds {
    pub fn new(
        db: Db,
        client: TrustlyClient,
        config: RefundConfig,
        resend_after_ms: u64,
        events: broadcast::Sender<String>,
    ) -> Refunds {
        Refunds {
            inner: Arc::new(Inner {
                db,
                client,
                config,
                resend_after_ms,
                events,
            }),
        }
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Tells the trader's open pages (SQLite; on PostgreSQL the committing
    /// transaction announced it, see `web::events`).
    fn publish(&self, user_id: &str) {
        if self.db().backend == Backend::Sqlite {
            let _ = self.inner.events.send(user_id.to_string());
        }
    }
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Refund>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM refunds WHERE id = $1"))
        .bind(id)
        .rows()
        .fetch_optional(&db.pool)
        .await
}

/// Locks the refund for the caller's transaction, its deposit first: every
/// refund transaction takes the deposit, then the trader's balance, then
/// the refund, so none waits for another in a circle (PostgreSQL: updating
/// a refund row twice in one transaction re-checks its foreign key, which
/// needs the deposit row).
async fn lock(
    conn: &mut AnyConnection,
    backend: Backend,
    id: &str,
) -> Result<Option<Refund>, sqlx::Error> {
    let deposit = format!(
        "SELECT id FROM deposits WHERE id = (SELECT deposit_id FROM refunds WHERE id = $1){}",
        backend.row_lock()
    );
    sqlx::query(&deposit).bind(id).execute(&mut *conn).await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM refunds WHERE id = $1{}",
        backend.row_lock()
    );
    sqlx::query(&sql)
        .bind(id)
        .rows()
        .fetch_optional(&mut *conn)
        .await
}

/// Moves a refund to `status` with its history (inside the caller's
/// transaction).
async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: Status,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE refunds SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::History::Refund
        .add(conn, id, status.as_str(), now)
        .await
}

/// Gives the reservation back (once: keyed by the refund) and moves the
/// refund to `status` (failed or denied).
async fn release(
    conn: &mut AnyConnection,
    r: &Refund,
    status: Status,
    now: i64,
) -> Result<(), RefundError> {
    debug_assert!(matches!(status, Status::Failed | Status::Denied));
    let a = r.amount.minor;
    ledger::post_for_order(
        conn,
        &r.deposit_id,
        &format!("refund:{}:release", r.id),
        Kind::RefundRelease,
        Some(&r.user_id),
        r.amount.currency,
        &[
            Leg::trader(Account::Reserved, &r.user_id, -a),
            Leg::trader(Account::Available, &r.user_id, a),
        ],
    )
    .await?;
    set_status(conn, &r.id, status, now).await?;
    Ok(())
}

/// Books the money as gone to Trustly (once) and marks the refund refunded.
async fn book_refunded(conn: &mut AnyConnection, r: &Refund, now: i64) -> Result<(), RefundError> {
    let a = r.amount.minor;
    ledger::post_for_order(
        conn,
        &r.deposit_id,
        &format!("refund:{}:paid", r.id),
        Kind::RefundPaid,
        Some(&r.user_id),
        r.amount.currency,
        &[
            Leg::trader(Account::Reserved, &r.user_id, -a),
            Leg::kassa(Account::Trustly, a),
        ],
    )
    .await?;
    sqlx::query(
        "UPDATE refunds SET refunded_at = $1, outcome_unknown = 0, updated_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(&r.id)
    .execute(&mut *conn)
    .await?;
    set_status(conn, &r.id, Status::Refunded, now).await?;
    Ok(())
}

/// Runs the hook, if any, on the refund as it now is in `conn`.
async fn run_hook(
    conn: &mut AnyConnection,
    backend: Backend,
    hook: Option<RefundHook<'_>>,
    id: &str,
) -> Result<(), RefundError> {
    let Some(hook) = hook else {
        return Ok(());
    };
    let after = lock(conn, backend, id)
        .await?
        .ok_or(RefundError::NotFound)?;
    hook(conn, &after).await?;
    Ok(())
}

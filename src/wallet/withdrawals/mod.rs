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

mod decisions;
pub mod instances;
pub mod outcome;
mod payout_notifications;
pub mod refusals;
mod requests;
mod row;
mod send;
mod status;
mod store;
mod transfer_state;
mod trustly_balance;
mod views;
mod worker;

use outcome::Outcome;

use std::sync::Arc;

use sqlx::AnyConnection;
use tokio::sync::{broadcast, Mutex};

use super::{
    checked_reason, holds,
    ledger::{self, Account, LedgerError, Leg},
};
use crate::{
    api::wallet::WithdrawalView,
    config::WithdrawalConfig,
    db::{now_ms, Backend, Db, Flag, QueryRows},
    money::{format_minor, Currency, Money},
    traders::{newtypes::FieldError, service::User},
    trustly::{AccountPayoutAttributes, AccountPayoutRequest, TrustlyClient},
};
pub use decisions::*;
pub(crate) use payout_notifications::*;
pub use requests::withdrawn_today;
pub use row::*;
pub use status::*;
pub use store::*;
pub use trustly_balance::*;
pub use views::*;

#[derive(Debug, thiserror::Error)]
pub enum WithdrawalError {
    /// Bad input, shown next to its field.
    #[error(transparent)]
    Invalid(#[from] FieldError),
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
    #[error("This payout was sent to Trustly and may be paid: it can no longer be taken back.")]
    Attempted,
    #[error("This trader is frozen: unfreeze them before approving a withdrawal.")]
    TraderFrozen,
    #[error("Only a payout whose outcome at Trustly is unknown can be resolved.")]
    NotUnresolved,
    #[error("Another admin must resolve this payout (not its requester or approver).")]
    FourEyes,
    /// Trustly could not be asked or refused (plain words for people).
    #[error("{0}")]
    Trustly(crate::api::error::ErrorMessage),
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

/// The trader's EndUserID and whether they are frozen (on the pool, or as
/// of the caller's transaction).
async fn trader_of<'e, E>(db: E, user_id: &str) -> Result<(String, bool), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let trader: Trader = sqlx::query("SELECT end_user_id, frozen FROM users WHERE id = $1")
        .bind(user_id)
        .rows()
        .fetch_one(db)
        .await?;
    Ok((trader.end_user_id, trader.frozen))
}

#[derive(sqlx::FromRow)]
struct Trader {
    end_user_id: String,
    #[sqlx(try_from = "Flag")]
    frozen: bool,
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
    /// One Balance call at a time in this process (across instances: the
    /// claim in `trustly_call_claims`).
    balance_lock: Mutex<()>,
    /// This process's instance number (see [`instances`]).
    instance: i64,
    /// The presence lock's connection while this instance runs (PostgreSQL).
    presence: Mutex<Option<AnyConnection>>,
    /// One worker round at a time in this process (across instances: the
    /// round lock of [`instances`]).
    round_lock: Mutex<()>,
    /// Set by a stop: the worker ends its round after the current step.
    halted: std::sync::atomic::AtomicBool,
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
                instance: instances::new_instance_number(),
                presence: Mutex::new(None),
                round_lock: Mutex::new(()),
                halted: Default::default(),
            }),
        }
    }

    pub fn config(&self) -> &WithdrawalConfig {
        &self.inner.config
    }

    /// Marks this instance live for the others (before the worker starts).
    pub async fn announce(&self) -> Result<(), sqlx::Error> {
        let conn = instances::announce(self.db(), self.inner.instance).await?;
        *self.inner.presence.lock().await = conn;
        Ok(())
    }

    /// Gives up the presence (a stop): this instance's attempts are no
    /// longer in flight.
    pub async fn leave(&self) {
        if let Some(conn) = self.inner.presence.lock().await.take() {
            instances::leave(conn).await;
        }
    }

    /// Stops the worker between two steps (a stop is under way).
    pub fn halt(&self) {
        self.inner
            .halted
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub(super) fn halted(&self) -> bool {
        self.inner.halted.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(super) fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Tells the trader's open pages (SQLite; on PostgreSQL the committing
    /// transaction announced it, see `web::events`).
    pub(super) fn publish(&self, user_id: &str) {
        if self.db().backend == Backend::Sqlite {
            let _ = self.inner.events.send(user_id.to_string());
        }
    }
}

pub(super) fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

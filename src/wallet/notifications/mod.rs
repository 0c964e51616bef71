//! Trustly's notifications, applied to the wallet.
//!
//! Order of work for one request:
//! 1. verify the signature with Trustly's key before reading anything; a
//!    notification that does not verify, is malformed or has no usable
//!    notificationid (a non-empty string) changes nothing and is recorded
//!    as `rejected` (later, cut to 4 KiB: see `notification_records`);
//! 2. in ONE database transaction: insert the notification row (its unique
//!    `notification_id` decides which of several concurrent copies applies:
//!    `ON CONFLICT DO NOTHING`, the loser waits for the winner's commit on
//!    PostgreSQL, the write gate serialises on SQLite), apply the effect
//!    (deposit status, ledger, bank account), record the outcome and the
//!    reply status, commit;
//! 3. only then reply. A copy seen before gets the first reply's status;
//!    one whose signed content differs from the first's is kept beside it,
//!    flagged, with its order.
//!
//! Orders are looked up by messageid (our id) then orderid, as deposits,
//! withdrawals (AccountPayout) and account selections (SelectAccount):
//! `orders.rs`. What each notification does to its order: `effects.rs`.

mod effects;
mod orders;

use std::sync::Arc;

use sqlx::AnyConnection;

use effects::*;
use orders::*;

use super::{
    accounts::{self, Selection},
    deposits::{self, Deposit, SettledColumn, Status},
    ledger::{self, Account, LedgerError, Leg},
    notification_records::{self as records, record_rejected, Outcome, Received},
    withdrawals::{self, Applied, Withdrawal, WithdrawalError},
};
use crate::{
    db::{self, now_ms, Backend, Db, GroupError},
    money::{Currency, Money},
    trustly::{
        parse_notification, AmountNotification, IncomingNotification, NotificationKind,
        ReplyStatus, Verifier,
    },
};

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Not verified or not usable: answer an HTTP error, never a reply.
    Rejected { reason: String },
    /// Answer the signed reply for `method`/`uuid` with `status`.
    Reply {
        method: String,
        uuid: String,
        status: ReplyStatus,
        /// Traders whose wallet changed (publish after this returns).
        changed_users: Vec<String>,
        /// This notification id was processed before: nothing was applied.
        duplicate: bool,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    #[error("withdrawal: {0}")]
    Withdrawal(#[from] WithdrawalError),
}

/// What applying a notification did.
#[derive(Debug, Default)]
struct Effect {
    flagged: Option<String>,
    note: Option<String>,
    changed_user: Option<String>,
}

impl Effect {
    fn note(note: impl Into<String>) -> Self {
        Effect {
            note: Some(note.into()),
            ..Effect::default()
        }
    }
    fn flagged(reason: impl Into<String>, user: Option<&str>) -> Self {
        Effect {
            flagged: Some(reason.into()),
            changed_user: user.map(str::to_string),
            ..Effect::default()
        }
    }
    fn changed(user: &str) -> Self {
        Effect {
            changed_user: Some(user.to_string()),
            ..Effect::default()
        }
    }
}

/// Best effort, for the log only: method and uuid of a body we do not trust.
fn unverified_labels(body: &[u8]) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let s = |v: &serde_json::Value| records::keep(v.as_str().unwrap_or("-"), 64).0;
    (s(&v["method"]), s(&v["params"]["uuid"]))
}

/// Logs and records a notification that could not be trusted or used.
fn rejected(db: &Db, reason: String, method: &str, uuid: &str, body: &[u8]) -> Handled {
    tracing::warn!(method = ?method, uuid = ?uuid, %reason, "notification rejected");
    record_rejected(db, &reason, body);
    Handled::Rejected { reason }
}

/// The verified notification's kind and notificationid, or why it cannot
/// be used.
fn usable(n: &IncomingNotification) -> Result<(NotificationKind, String), String> {
    let notification_id = n.notification_id().map_err(|e| e.to_string())?;
    let kind = n.kind().map_err(|e| e.to_string())?;
    Ok((kind, notification_id))
}

/// Verifies, applies and records one notification body.
pub async fn process(db: &Db, verifier: &Verifier, body: &[u8]) -> Result<Handled, ProcessError> {
    let n = match parse_notification(body, verifier) {
        Ok(n) => n,
        Err(e) => {
            let (method, uuid) = unverified_labels(body);
            return Ok(rejected(db, e.to_string(), &method, &uuid, body));
        }
    };
    let (kind, notification_id) = match usable(&n) {
        Ok(k) => k,
        Err(reason) => return Ok(rejected(db, reason, &n.method, &n.uuid, body)),
    };
    let (message_id, order_id) = match &kind {
        NotificationKind::Pending(a)
        | NotificationKind::Credit(a)
        | NotificationKind::Debit(a)
        | NotificationKind::PayoutConfirmation(a) => {
            (Some(a.messageid.clone()), Some(a.orderid.clone()))
        }
        NotificationKind::Cancel(c) => (Some(c.messageid.clone()), Some(c.orderid.clone())),
        NotificationKind::Account(a) => (Some(a.messageid.clone()), Some(a.orderid.clone())),
        NotificationKind::Unknown => (None, None),
    };
    let amount = match &kind {
        NotificationKind::Pending(a)
        | NotificationKind::Credit(a)
        | NotificationKind::Debit(a)
        | NotificationKind::PayoutConfirmation(a) => records::announced(a),
        _ => None,
    };
    let (raw, raw_truncated) = records::keep(&n.raw.to_string(), records::RAW_KEEP);

    // The database work runs as one job of a grouped write (SQLite commits
    // concurrent notifications together; see `Db::grouped_write`). The job
    // may run twice (in a group, then alone), so it reports through `work`.
    let work = Arc::new(Work {
        kind,
        method: n.method.clone(),
        uuid: n.uuid.clone(),
        notification_id: notification_id.clone(),
        order_id: order_id.clone(),
        message_id,
        raw,
        raw_truncated,
        digest: n.content_digest(),
        amount,
        backend: db.backend,
        result: std::sync::Mutex::new(None),
    });
    let shared = work.clone();
    let job = db::group_job(move |conn| {
        let w = shared.clone();
        Box::pin(async move {
            let result = record_and_apply(conn, &w).await;
            let ok = result.is_ok();
            *w.result.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            if ok {
                Ok(())
            } else {
                Err(())
            }
        })
    });
    let grouped = db.grouped_write(job).await;
    let result = work.result.lock().unwrap_or_else(|e| e.into_inner()).take();
    let done = match (grouped, result) {
        (Ok(()), Some(Ok(done))) => done,
        (Err(GroupError::Db(e)), _) => return Err(e.into()),
        (_, Some(Err(e))) => return Err(e),
        (_, _) => return Err(ProcessError::Db(sqlx::Error::WorkerCrashed)),
    };
    let Done::Applied { effect, reason } = done else {
        let Done::Duplicate { status, changed } = done else {
            unreachable!()
        };
        match changed {
            Some(reason) => tracing::warn!(method = %n.method, uuid = %n.uuid,
                notification_id = %notification_id, order_id = ?order_id, %status, %reason,
                "notification repeated with different content: flagged, answered as the first"),
            None => tracing::info!(method = %n.method, uuid = %n.uuid,
                notification_id = %notification_id, %status,
                "notification seen before: nothing applied"),
        }
        return Ok(Handled::Reply {
            method: n.method,
            uuid: n.uuid,
            status,
            changed_users: Vec::new(),
            duplicate: true,
        });
    };
    let status = ReplyStatus::Ok;

    match &effect.flagged {
        Some(r) => tracing::warn!(method = %n.method, uuid = %n.uuid,
            notification_id = %notification_id, order_id = ?order_id, reason = %r,
            "notification flagged: nothing applied"),
        None => tracing::info!(method = %n.method, uuid = %n.uuid,
            notification_id = %notification_id, order_id = ?order_id, note = ?reason,
            "notification applied"),
    }
    Ok(Handled::Reply {
        method: n.method,
        uuid: n.uuid,
        status,
        changed_users: effect.changed_user.into_iter().collect(),
        duplicate: false,
    })
}

/// One verified notification's database work (see [`process`]).
struct Work {
    kind: NotificationKind,
    method: String,
    uuid: String,
    notification_id: String,
    order_id: Option<String>,
    message_id: Option<String>,
    raw: String,
    raw_truncated: bool,
    /// What Trustly signed apart from the uuid (see `content_digest`).
    digest: String,
    /// The amount it announced, if any (`notifications.amount_minor`,
    /// `currency`).
    amount: Option<Money>,
    backend: Backend,
    result: std::sync::Mutex<Option<Result<Done, ProcessError>>>,
}

impl Work {
    fn received(&self) -> Received<'_> {
        Received {
            notification_id: &self.notification_id,
            method: &self.method,
            uuid: &self.uuid,
            order_id: self.order_id.as_deref(),
            message_id: self.message_id.as_deref(),
            raw: &self.raw,
            raw_truncated: self.raw_truncated,
            digest: &self.digest,
            amount: self.amount,
        }
    }
}

enum Done {
    /// Seen before: nothing applied; the first reply's status, and why it
    /// was flagged when its content differs from the first's.
    Duplicate {
        status: ReplyStatus,
        changed: Option<String>,
    },
    Applied {
        effect: Effect,
        reason: Option<String>,
    },
}

/// Inside the write transaction: record the notification (its unique
/// `notification_id` decides which copy applies), apply it, note the
/// outcome.
async fn record_and_apply(conn: &mut AnyConnection, w: &Work) -> Result<Done, ProcessError> {
    let row_id = uuid::Uuid::new_v4().to_string();
    let inserted = sqlx::query(
        "INSERT INTO notifications (id, notification_id, method, uuid, order_id, message_id,
                                    outcome, raw, raw_truncated, reply_status, content_hash,
                                    received_at, amount_minor, currency)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (notification_id) DO NOTHING",
    )
    .bind(&row_id)
    .bind(&w.notification_id)
    .bind(&w.method)
    .bind(&w.uuid)
    .bind(w.order_id.as_deref())
    .bind(w.message_id.as_deref())
    .bind(Outcome::Ok.as_str())
    .bind(&w.raw)
    .bind(i64::from(w.raw_truncated))
    .bind(ReplyStatus::Ok.as_str())
    .bind(&w.digest)
    .bind(now_ms())
    .bind(w.amount.map(|m| m.minor))
    .bind(w.amount.map(|m| m.currency.code()))
    .execute(&mut *conn)
    .await?
    .rows_affected();

    if inserted == 0 {
        // Processed before (or being processed: PostgreSQL made us wait for
        // that commit; SQLite may have it earlier in this same group).
        // Nothing is applied; the first reply's status is repeated.
        return repeated(conn, w).await;
    }

    let effect = apply(conn, w.backend, &w.kind, Some(&w.notification_id)).await?;
    // Every notification is acknowledged (the row was inserted with reply
    // OK): flagged ones are for an admin, and retries would not change them.
    let (outcome, reason) = match (&effect.flagged, &effect.note) {
        (Some(r), _) => (Outcome::Flagged, Some(r.clone())),
        (None, note) => (Outcome::Ok, note.clone()),
    };
    // The common case (ok, nothing to note) is already recorded: skip a
    // statement on the hot path.
    if outcome != Outcome::Ok || reason.is_some() {
        sqlx::query("UPDATE notifications SET outcome = $1, reason = $2 WHERE id = $3")
            .bind(outcome.as_str())
            .bind(reason.clone())
            .bind(&row_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Done::Applied { effect, reason })
}

/// A repeat of a processed notificationid: the first reply's status; a
/// changed copy is kept, flagged, and flags the order it names.
async fn repeated(conn: &mut AnyConnection, w: &Work) -> Result<Done, ProcessError> {
    let repeat = records::repeat(conn, &w.received()).await?;
    let changed = match repeat.changed {
        Some((reason, true)) => {
            if let (Some(m), Some(o)) = (&w.message_id, &w.order_id) {
                match find_order(conn, w.backend, m, o).await? {
                    Some(Order::Deposit(d)) => deposits::flag(conn, &d.id, &reason).await?,
                    Some(Order::Withdrawal(p)) => withdrawals::flag(conn, &p.id, &reason).await?,
                    Some(Order::Selection(_)) | None => {}
                }
            }
            Some(reason)
        }
        Some((reason, false)) => Some(reason),
        None => None,
    };
    Ok(Done::Duplicate {
        status: repeat.status,
        changed,
    })
}

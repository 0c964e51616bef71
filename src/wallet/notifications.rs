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
//! withdrawals (AccountPayout) and account selections (SelectAccount).

use sqlx::AnyConnection;

use super::{
    accounts::{self, Selection},
    deposits::{self, Deposit, SettledColumn, Status},
    ledger::{self, Account, LedgerError, Leg},
    notification_records::{self as records, record_rejected, Received},
    withdrawals::{self, Applied, Withdrawal, WithdrawalError},
};
use std::sync::Arc;

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

/// The order a notification is about.
enum Order {
    Deposit(Deposit),
    /// Boxed: a withdrawal row is much larger than the other orders.
    Withdrawal(Box<Withdrawal>),
    /// A SelectAccount order (bank account selection).
    Selection(Selection),
}

impl Order {
    fn user_id(&self) -> &str {
        match self {
            Order::Deposit(d) => &d.user_id,
            Order::Withdrawal(w) => &w.user_id,
            Order::Selection(s) => &s.user_id,
        }
    }
    fn describe(&self) -> &'static str {
        match self {
            Order::Deposit(_) => "a deposit",
            Order::Withdrawal(_) => "a payout",
            Order::Selection(_) => "an account selection",
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
                                    received_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'ok', $7, $8, 'OK', $9, $10)
         ON CONFLICT (notification_id) DO NOTHING",
    )
    .bind(&row_id)
    .bind(&w.notification_id)
    .bind(&w.method)
    .bind(&w.uuid)
    .bind(w.order_id.as_deref())
    .bind(w.message_id.as_deref())
    .bind(&w.raw)
    .bind(i64::from(w.raw_truncated))
    .bind(&w.digest)
    .bind(now_ms())
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
        (Some(r), _) => ("flagged", Some(r.clone())),
        (None, note) => ("ok", note.clone()),
    };
    // The common case (ok, nothing to note) is already recorded: skip a
    // statement on the hot path.
    if outcome != "ok" || reason.is_some() {
        sqlx::query("UPDATE notifications SET outcome = $1, reason = $2 WHERE id = $3")
            .bind(outcome)
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

async fn find_order(
    conn: &mut AnyConnection,
    backend: Backend,
    message_id: &str,
    order_id: &str,
) -> Result<Option<Order>, sqlx::Error> {
    if let Some(d) = deposits::find_for_update(conn, backend, message_id, order_id).await? {
        return Ok(Some(Order::Deposit(d)));
    }
    if let Some(w) = withdrawals::find_for_update(conn, backend, message_id, order_id).await? {
        return Ok(Some(Order::Withdrawal(Box::new(w))));
    }
    if let Some(s) =
        accounts::find_selection_for_update(conn, backend, message_id, order_id).await?
    {
        return Ok(Some(Order::Selection(s)));
    }
    Ok(None)
}

/// The order named by `message_id`/`order_id`, with its orderid checked:
/// stored when the order has none yet, a contradiction is flagged.
async fn matched_order(
    conn: &mut AnyConnection,
    backend: Backend,
    message_id: &str,
    order_id: &str,
) -> Result<Result<Order, Effect>, sqlx::Error> {
    let Some(order) = find_order(conn, backend, message_id, order_id).await? else {
        return Ok(Err(Effect::flagged(
            format!("unknown order (orderid {order_id:?}, messageid {message_id:?})"),
            None,
        )));
    };
    let known = match &order {
        Order::Deposit(d) => d.order_id.as_deref(),
        Order::Withdrawal(w) => w.order_id.as_deref(),
        Order::Selection(s) => s.order_id.as_deref(),
    };
    match known {
        Some(known) if known != order_id => {
            let reason = format!("orderid {order_id:?} does not match the order's {known:?}");
            match &order {
                Order::Deposit(d) => deposits::flag(conn, &d.id, &reason).await?,
                Order::Withdrawal(w) => withdrawals::flag(conn, &w.id, &reason).await?,
                Order::Selection(_) => {}
            }
            Ok(Err(Effect::flagged(reason, Some(order.user_id()))))
        }
        Some(_) => Ok(Ok(order)),
        None => {
            match &order {
                Order::Deposit(d) => deposits::adopt_order_id(conn, &d.id, order_id).await?,
                Order::Withdrawal(w) => withdrawals::adopt_order_id(conn, &w.id, order_id).await?,
                Order::Selection(_) => {} // settle_selection stores it
            }
            Ok(Ok(order))
        }
    }
}

/// Checks a notification's amount and currency against the order's.
fn amount_matches(n: &AmountNotification, expected: Money) -> Result<(), String> {
    let parsed = n
        .currency
        .parse::<Currency>()
        .ok()
        .and_then(|c| Money::parse_trustly_lenient(&n.amount, c).ok());
    match parsed {
        Some(m) if m == expected => Ok(()),
        _ => Err(format!(
            "amount {:?} {:?} does not match the order's {}",
            n.amount, n.currency, expected
        )),
    }
}

/// A payout step's outcome as an [`Effect`] (flags the withdrawal too).
async fn payout_effect(
    conn: &mut AnyConnection,
    w: &Withdrawal,
    applied: Applied,
) -> Result<Effect, ProcessError> {
    Ok(match applied {
        Applied::Changed => Effect::changed(&w.user_id),
        Applied::Note(n) => Effect {
            note: Some(n),
            ..Effect::changed(&w.user_id)
        },
        Applied::Flag(reason) => {
            withdrawals::flag(conn, &w.id, &reason).await?;
            Effect {
                flagged: Some(reason),
                ..Effect::changed(&w.user_id)
            }
        }
    })
}

async fn apply(
    conn: &mut AnyConnection,
    backend: Backend,
    kind: &NotificationKind,
    notification_id: Option<&str>,
) -> Result<Effect, ProcessError> {
    let nid = notification_id.unwrap_or_default();
    let (message_id, order_id) = match kind {
        NotificationKind::Pending(a)
        | NotificationKind::Credit(a)
        | NotificationKind::Debit(a)
        | NotificationKind::PayoutConfirmation(a) => (&a.messageid, &a.orderid),
        NotificationKind::Cancel(c) => (&c.messageid, &c.orderid),
        NotificationKind::Account(a) => (&a.messageid, &a.orderid),
        NotificationKind::Unknown => {
            return Ok(Effect::note("unknown method: acknowledged, ignored"))
        }
    };
    if let NotificationKind::Credit(a) = kind {
        if let Some(effect) = fast_credit(conn, a, nid).await? {
            return Ok(effect);
        }
    }
    let order = match matched_order(conn, backend, message_id, order_id).await? {
        Ok(o) => o,
        Err(effect) => return Ok(effect),
    };
    match (kind, order) {
        (
            NotificationKind::Pending(a) | NotificationKind::Credit(a) | NotificationKind::Debit(a),
            Order::Deposit(d),
        ) => {
            if let Err(reason) = amount_matches(a, d.amount) {
                deposits::flag(conn, &d.id, &reason).await?;
                return Ok(Effect::flagged(reason, Some(&d.user_id)));
            }
            match kind {
                NotificationKind::Pending(_) => pending(conn, &d).await,
                NotificationKind::Credit(_) => credit(conn, &d, nid).await,
                _ => debit(conn, &d, nid).await,
            }
        }
        (
            NotificationKind::Credit(a) | NotificationKind::PayoutConfirmation(a),
            Order::Withdrawal(w),
        ) => {
            if let Err(reason) = amount_matches(a, w.amount) {
                return payout_effect(conn, &w, Applied::Flag(reason)).await;
            }
            let applied = match kind {
                NotificationKind::Credit(_) => withdrawals::payout_credited(conn, &w, nid).await?,
                _ => withdrawals::payout_confirmed(conn, &w, nid).await?,
            };
            payout_effect(conn, &w, applied).await
        }
        (NotificationKind::Pending(_), Order::Withdrawal(w)) => {
            payout_effect(
                conn,
                &w,
                Applied::Note("pending for a payout: nothing to do".into()),
            )
            .await
        }
        (NotificationKind::Cancel(_), Order::Deposit(d)) => cancel(conn, &d).await,
        (NotificationKind::Cancel(_), Order::Withdrawal(w)) => {
            let applied = withdrawals::payout_cancelled(conn, &w).await?;
            payout_effect(conn, &w, applied).await
        }
        (NotificationKind::Cancel(_), Order::Selection(s)) => {
            accounts::settle_selection(conn, &s.id, order_id, accounts::SelectionStatus::Cancelled)
                .await?;
            Ok(Effect::changed(&s.user_id))
        }
        (NotificationKind::Account(a), Order::Deposit(d)) => {
            accounts::upsert_from_notification(conn, &d.user_id, a).await?;
            Ok(Effect::changed(&d.user_id))
        }
        (NotificationKind::Account(a), Order::Selection(s)) => {
            accounts::upsert_from_notification(conn, &s.user_id, a).await?;
            accounts::settle_selection(conn, &s.id, order_id, accounts::SelectionStatus::Selected)
                .await?;
            Ok(Effect::changed(&s.user_id))
        }
        (NotificationKind::PayoutConfirmation(_), Order::Deposit(d)) => {
            let reason = "payoutconfirmation for a deposit".to_string();
            deposits::flag(conn, &d.id, &reason).await?;
            Ok(Effect::flagged(reason, Some(&d.user_id)))
        }
        (_, order) => Ok(Effect::flagged(
            format!("{} notification for {}", kind.method(), order.describe()),
            Some(order.user_id()),
        )),
    }
}

async fn pending(conn: &mut AnyConnection, d: &Deposit) -> Result<Effect, ProcessError> {
    if !d.status.accepts_pending() {
        return Ok(Effect::note(format!(
            "pending ignored: deposit already {}",
            d.status.as_str()
        )));
    }
    deposits::set_status(conn, &d.id, Status::Pending).await?;
    Ok(Effect::changed(&d.user_id))
}

/// The common case of the busiest notification in one statement fewer:
/// a credit for a deposit (named by messageid) that has no credit or debit
/// yet and whose amount and order id agree is credited by one conditional
/// UPDATE, then booked. Anything else returns None having changed
/// nothing, and the general path looks closer.
async fn fast_credit(
    conn: &mut AnyConnection,
    n: &AmountNotification,
    nid: &str,
) -> Result<Option<Effect>, ProcessError> {
    let Ok(currency) = n.currency.parse::<Currency>() else {
        return Ok(None);
    };
    let Ok(amount) = Money::parse_trustly_lenient(&n.amount, currency) else {
        return Ok(None);
    };
    if n.messageid.is_empty() || n.orderid.is_empty() {
        return Ok(None);
    }
    let Some(user_id) = deposits::credit_if_plain(conn, &n.messageid, &n.orderid, amount).await?
    else {
        return Ok(None);
    };
    book_credit(conn, &user_id, amount, nid).await?;
    Ok(Some(Effect::changed(&user_id)))
}

/// A deposit's money arrives: Kassa's Trustly account to the trader's
/// available balance, keyed by the credit notification.
async fn book_credit(
    conn: &mut AnyConnection,
    user_id: &str,
    amount: Money,
    nid: &str,
) -> Result<(), ProcessError> {
    ledger::post_transaction(
        conn,
        &format!("notification:{nid}"),
        ledger::Kind::DepositCredit,
        Some(user_id),
        amount.currency,
        &[
            Leg::trader(Account::Available, user_id, amount.minor),
            Leg::kassa(Account::Trustly, -amount.minor),
        ],
    )
    .await?;
    Ok(())
}

async fn credit(conn: &mut AnyConnection, d: &Deposit, nid: &str) -> Result<Effect, ProcessError> {
    if d.credited_at.is_some() {
        let reason = "a second credit for a deposit already credited".to_string();
        deposits::flag(conn, &d.id, &reason).await?;
        return Ok(Effect::flagged(reason, Some(&d.user_id)));
    }
    if d.debited_at.is_some() {
        // The debit overtook its credit: the two cancel out, nothing to book.
        deposits::set_settled(conn, &d.id, SettledColumn::Credited).await?;
        return Ok(Effect::note("credit after its debit: nothing booked"));
    }
    book_credit(conn, &d.user_id, d.amount, nid).await?;
    deposits::set_status_settled(conn, &d.id, Status::Credited, SettledColumn::Credited).await?;
    Ok(Effect::changed(&d.user_id))
}

async fn debit(conn: &mut AnyConnection, d: &Deposit, nid: &str) -> Result<Effect, ProcessError> {
    if d.debited_at.is_some() {
        let reason = "a second debit for a deposit already debited".to_string();
        deposits::flag(conn, &d.id, &reason).await?;
        return Ok(Effect::flagged(reason, Some(&d.user_id)));
    }
    deposits::set_settled(conn, &d.id, SettledColumn::Debited).await?;
    let mut note = None;
    if d.credited_at.is_some() {
        // Take the money back, even below zero.
        let amount = d.amount.minor;
        ledger::post_transaction(
            conn,
            &format!("notification:{nid}"),
            ledger::Kind::DepositDebit,
            Some(&d.user_id),
            d.amount.currency,
            &[
                Leg::trader(Account::Available, &d.user_id, -amount),
                Leg::kassa(Account::Trustly, amount),
            ],
        )
        .await?;
        let left = ledger::available(conn, &d.user_id, d.amount.currency).await?;
        if left < 0 {
            note = Some(format!(
                "debit took the balance below zero ({})",
                Money::new(left, d.amount.currency)
            ));
        }
    } else {
        note = Some("debit before its credit: nothing booked".to_string());
    }
    // A deposit that did not settle is for an admin to look at, and so is
    // its trader.
    deposits::flag(conn, &d.id, "debited: the deposit did not settle").await?;
    sqlx::query("UPDATE users SET flagged = 1 WHERE id = $1")
        .bind(&d.user_id)
        .execute(&mut *conn)
        .await?;
    if d.status != Status::Reversed {
        deposits::set_status(conn, &d.id, Status::Reversed).await?;
    }
    Ok(Effect {
        note,
        ..Effect::changed(&d.user_id)
    })
}

async fn cancel(conn: &mut AnyConnection, d: &Deposit) -> Result<Effect, ProcessError> {
    if !d.status.accepts_cancel() {
        return Ok(Effect::note(format!(
            "cancel ignored: deposit already {}",
            d.status.as_str()
        )));
    }
    deposits::set_status(conn, &d.id, Status::Cancelled).await?;
    Ok(Effect::changed(&d.user_id))
}

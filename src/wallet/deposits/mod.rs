//! Deposits: the order row Kassa keeps for each Trustly Deposit, its status
//! and history. `service.rs` starts one (the flow's rules) and records what
//! Trustly answered; notifications (see `notifications`) move its status
//! and its money.
//!
//! States: created -> pending -> credited, plus cancelled, failed and
//! reversed (a debit after the credit). Notifications decide, whatever order
//! they arrive in: each transition below says from which states it applies.

pub mod service;

use sqlx::AnyConnection;

use crate::{
    api::wallet::DepositView,
    db::{now_ms, Backend, Db, Flag, QueryRows},
    money::Money,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Row written, Trustly not (yet) answered or the checkout not finished.
    Created,
    /// Checkout completed, money not confirmed yet.
    Pending,
    /// Money confirmed and on the trader's available balance.
    Credited,
    /// Checkout closed, timed out or failed at the bank.
    Cancelled,
    /// Trustly refused the Deposit call.
    Failed,
    /// Credited, then debited again (the deposit did not settle).
    Reversed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Created,
        Status::Pending,
        Status::Credited,
        Status::Cancelled,
        Status::Failed,
        Status::Reversed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Pending => "pending",
            Status::Credited => "credited",
            Status::Cancelled => "cancelled",
            Status::Failed => "failed",
            Status::Reversed => "reversed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "created" => Status::Created,
            "pending" => Status::Pending,
            "credited" => Status::Credited,
            "cancelled" => Status::Cancelled,
            "failed" => Status::Failed,
            "reversed" => Status::Reversed,
            _ => return None,
        })
    }

    /// A `pending` notification moves only a deposit that has not progressed
    /// (a late pending never downgrades a credit). `failed` is included: a
    /// Deposit call that timed out may still have created the order.
    pub fn accepts_pending(self) -> bool {
        matches!(self, Status::Created | Status::Failed)
    }

    /// A `cancel` applies only before the money arrived.
    pub fn accepts_cancel(self) -> bool {
        matches!(self, Status::Created | Status::Pending | Status::Failed)
    }
}

/// A stored status (`#[sqlx(try_from = "String")]` in a row struct).
impl TryFrom<String> for Status {
    type Error = String;
    fn try_from(s: String) -> Result<Status, String> {
        Status::parse(&s).ok_or_else(|| format!("deposit with status {s:?}"))
    }
}

/// One deposit row (its [`COLUMNS`]).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Deposit {
    pub id: String,
    pub user_id: String,
    pub order_id: Option<String>,
    /// `amount` and `currency`.
    #[sqlx(flatten)]
    pub amount: Money,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub checkout_url: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub flagged: bool,
    pub credited_at: Option<i64>,
    pub debited_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, user_id, order_id, amount, currency, status, checkout_url, flagged, \
                       credited_at, debited_at, created_at, updated_at";

/// Appends a step to the deposit's history (inside the caller's transaction).
async fn add_history(
    conn: &mut AnyConnection,
    deposit_id: &str,
    status: Status,
    at: i64,
) -> Result<(), sqlx::Error> {
    super::History::Deposit
        .add(conn, deposit_id, status.as_str(), at)
        .await
}

/// Writes a new deposit in status `created`, committed on return (before
/// Trustly is called, so a notification that overtakes the API answer finds it).
pub async fn create(db: &Db, user_id: &str, amount: Money) -> Result<Deposit, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO deposits (id, user_id, amount, currency, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(amount.minor)
    .bind(amount.currency.code())
    .bind(Status::Created.as_str())
    .bind(now)
    .execute(&mut *tx.tx)
    .await?;
    add_history(&mut tx.tx, &id, Status::Created, now).await?;
    tx.commit().await?;
    Ok(Deposit {
        id,
        user_id: user_id.to_string(),
        order_id: None,
        amount,
        status: Status::Created,
        checkout_url: None,
        flagged: false,
        credited_at: None,
        debited_at: None,
        created_at: now,
        updated_at: now,
    })
}

/// Stores Trustly's order id and checkout URL. Never touches the status (a
/// notification may already have moved it); an order id a notification
/// stored first is kept. Returns the deposit as it now is.
pub async fn record_checkout(
    db: &Db,
    id: &str,
    order_id: &str,
    checkout_url: &str,
) -> Result<Option<Deposit>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE deposits SET order_id = COALESCE(order_id, $1), checkout_url = $2, updated_at = $3
         WHERE id = $4",
    )
    .bind(order_id)
    .bind(checkout_url)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx.tx)
    .await?;
    let d = find(&mut tx.tx, id).await?;
    tx.commit().await?;
    if let Some(d) = &d {
        if d.order_id.as_deref() != Some(order_id) {
            tracing::error!(deposit_id = id, order_id, stored = ?d.order_id,
                "Trustly answered an order id that differs from the one its notification named");
        }
    }
    Ok(d)
}

/// The Deposit call failed: `failed`, only if nothing else happened since.
pub async fn mark_failed(db: &Db, id: &str, code: Option<i64>) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE deposits SET status = $1, error_code = $2, updated_at = $3
         WHERE id = $4 AND status = $5",
    )
    .bind(Status::Failed.as_str())
    .bind(code)
    .bind(now)
    .bind(id)
    .bind(Status::Created.as_str())
    .execute(&mut *tx.tx)
    .await?
    .rows_affected()
        > 0;
    if changed {
        add_history(&mut tx.tx, id, Status::Failed, now).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<Deposit>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM deposits WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .rows()
        .fetch_optional(&mut *conn)
        .await
}

/// The deposit a notification is about, locked for the rest of the caller's
/// transaction (PostgreSQL row lock; SQLite's writer is alone anyway).
/// Looked up by messageid (our id) first, then by orderid.
pub(crate) async fn find_for_update(
    conn: &mut AnyConnection,
    backend: Backend,
    message_id: &str,
    order_id: &str,
) -> Result<Option<Deposit>, sqlx::Error> {
    super::lock_order_row(
        conn,
        backend,
        &format!("SELECT {COLUMNS} FROM deposits"),
        message_id,
        order_id,
    )
    .await
}

/// Moves a deposit to `status` and records the step.
pub(crate) async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: Status,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query("UPDATE deposits SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    add_history(conn, id, status, now).await
}

/// Sets the moment the credit (or debit) notification was applied.
pub(crate) async fn set_settled(
    conn: &mut AnyConnection,
    id: &str,
    column: SettledColumn,
) -> Result<(), sqlx::Error> {
    let sql = match column {
        SettledColumn::Credited => "UPDATE deposits SET credited_at = $1 WHERE id = $2",
        SettledColumn::Debited => "UPDATE deposits SET debited_at = $1 WHERE id = $2",
    };
    sqlx::query(sql)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves a deposit to `status` and sets the moment its credit/debit was
/// applied, in one statement (the credit hot path), and records the step.
pub(crate) async fn set_status_settled(
    conn: &mut AnyConnection,
    id: &str,
    status: Status,
    column: SettledColumn,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let sql = match column {
        SettledColumn::Credited => {
            "UPDATE deposits SET status = $1, updated_at = $2, credited_at = $2 WHERE id = $3"
        }
        SettledColumn::Debited => {
            "UPDATE deposits SET status = $1, updated_at = $2, debited_at = $2 WHERE id = $3"
        }
    };
    sqlx::query(sql)
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    add_history(conn, id, status, now).await
}

/// Credits deposit `id` in one statement when nothing is unusual: no credit
/// or debit applied yet, the same amount and currency, and no other order
/// id stored. Returns the trader's id when it did (history recorded too);
/// None means "look closer" and changed nothing.
pub(crate) async fn credit_if_plain(
    conn: &mut AnyConnection,
    id: &str,
    order_id: &str,
    amount: Money,
) -> Result<Option<String>, sqlx::Error> {
    let now = now_ms();
    let user_id: Option<String> = sqlx::query_scalar(
        "UPDATE deposits SET status = $1, credited_at = $2, updated_at = $2,
                order_id = COALESCE(order_id, $3)
         WHERE id = $4 AND credited_at IS NULL AND debited_at IS NULL
           AND amount = $5 AND currency = $6 AND (order_id IS NULL OR order_id = $3)
         RETURNING user_id",
    )
    .bind(Status::Credited.as_str())
    .bind(now)
    .bind(order_id)
    .bind(id)
    .bind(amount.minor)
    .bind(amount.currency.code())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    add_history(conn, id, Status::Credited, now).await?;
    Ok(Some(user_id))
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum SettledColumn {
    Credited,
    Debited,
}

/// Stores the order id a notification named when the deposit has none yet.
pub(crate) async fn adopt_order_id(
    conn: &mut AnyConnection,
    id: &str,
    order_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deposits SET order_id = $1 WHERE id = $2 AND order_id IS NULL")
        .bind(order_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks a deposit for an admin, keeping the first reason given.
pub(crate) async fn flag(
    conn: &mut AnyConnection,
    id: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE deposits SET flagged = 1, flag_reason = COALESCE(flag_reason, $1), updated_at = $2
         WHERE id = $3",
    )
    .bind(reason)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One of `user_id`'s deposits with its history; None for anyone else's
/// (callers answer 404 so nothing is learned about other traders).
pub async fn view_for_user(
    db: &Db,
    user_id: &str,
    id: &str,
) -> Result<Option<DepositView>, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    let sql = format!("SELECT {COLUMNS} FROM deposits WHERE id = $1 AND user_id = $2");
    let Some(d) = sqlx::query(&sql)
        .bind(id)
        .bind(user_id)
        .rows::<Deposit>()
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let history = super::History::Deposit.steps(&mut *conn, id).await?;
    Ok(Some(DepositView {
        id: d.id,
        order_id: d.order_id,
        amount: d.amount.to_decimal_string(),
        currency: d.amount.currency.code().to_string(),
        status: d.status.as_str().to_string(),
        checkout_url: d.checkout_url,
        created_at: d.created_at,
        updated_at: d.updated_at,
        history,
    }))
}

/// Sum of a trader's deposits in status `pending`, per currency (minor units).
pub async fn pending_by_currency(
    db: &Db,
    user_id: &str,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let totals: Vec<PendingTotal> = sqlx::query(
        "SELECT currency, CAST(SUM(amount) AS BIGINT) AS total FROM deposits
         WHERE user_id = $1 AND status = $2 GROUP BY currency",
    )
    .bind(user_id)
    .bind(Status::Pending.as_str())
    .rows()
    .fetch_all(&db.pool)
    .await?;
    Ok(totals.into_iter().map(|t| (t.currency, t.total)).collect())
}

#[derive(sqlx::FromRow)]
struct PendingTotal {
    currency: String,
    total: i64,
}

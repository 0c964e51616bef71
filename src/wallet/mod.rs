//! The wallet domain: the double-entry ledger and the balances derived
//! from it, deposits, the bank accounts Trustly reports, and the
//! notifications that move them.

pub mod accounts;
pub mod amounts;
pub mod bank_details;
pub mod deposits;
pub mod holds;
pub mod ledger;
pub mod listing;
pub mod notification_records;
pub mod notifications;
pub mod provider_error;
pub mod refunds;
pub mod transactions;
pub mod withdrawals;

use std::collections::BTreeMap;

use crate::{
    api::wallet::{BalanceView, DepositStep, WalletView},
    db::{Db, QueryRows},
    money::{format_minor, Currency},
};

/// The row of the order a Trustly notification names, locked for the
/// caller's transaction: `select` (`SELECT … FROM <table>`) by our id (the
/// notification's messageid) first, then by Trustly's orderid.
pub(crate) async fn lock_order_row<R>(
    conn: &mut sqlx::AnyConnection,
    backend: crate::db::Backend,
    select: &str,
    message_id: &str,
    order_id: &str,
) -> Result<Option<R>, sqlx::Error>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    for (column, value) in [("id", message_id), ("order_id", order_id)] {
        if value.is_empty() {
            continue;
        }
        let sql = format!("{select} WHERE {column} = $1{}", backend.row_lock());
        if let Some(row) = sqlx::query(&sql)
            .bind(value)
            .rows::<R>()
            .fetch_optional(&mut *conn)
            .await?
        {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// The step-by-step history of an order's status (`deposit_events`,
/// `withdrawal_events`): `seq` orders the steps even within one millisecond.
/// An admin's reason for a decision on money (a denial, a refund, a
/// resolution): required, at most 500 characters.
pub(crate) fn checked_reason(reason: &str) -> Result<&str, crate::traders::newtypes::FieldError> {
    use crate::traders::newtypes::FieldError;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(FieldError::coded(
            "reason",
            "reason_required",
            "Give a reason.",
        ));
    }
    if reason.chars().count() > 500 {
        return Err(FieldError::coded(
            "reason",
            "reason_too_long",
            "Keep the reason under 500 characters.",
        )
        .with("max", 500));
    }
    Ok(reason)
}

#[derive(Clone, Copy, Debug)]
pub enum History {
    Deposit,
    Withdrawal,
    Refund,
}

impl History {
    /// (insert, select): fixed text per table, so the hot path builds no SQL.
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            History::Deposit => (
                "INSERT INTO deposit_events (id, deposit_id, seq, status, at)
                 SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4 FROM deposit_events
                 WHERE deposit_id = $2",
                "SELECT status, at FROM deposit_events WHERE deposit_id = $1 ORDER BY seq",
            ),
            History::Withdrawal => (
                "INSERT INTO withdrawal_events (id, withdrawal_id, seq, status, at)
                 SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4 FROM withdrawal_events
                 WHERE withdrawal_id = $2",
                "SELECT status, at FROM withdrawal_events WHERE withdrawal_id = $1 ORDER BY seq",
            ),
            History::Refund => (
                "INSERT INTO refund_events (id, refund_id, seq, status, at)
                 SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4 FROM refund_events
                 WHERE refund_id = $2",
                "SELECT status, at FROM refund_events WHERE refund_id = $1 ORDER BY seq",
            ),
        }
    }

    /// Appends a step (inside the caller's transaction).
    pub(crate) async fn add(
        self,
        conn: &mut sqlx::AnyConnection,
        order_id: &str,
        status: &str,
        at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(self.sql().0)
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(order_id)
            .bind(status)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Every step of one order, oldest first.
    pub async fn steps<'e, E>(self, db: E, order_id: &str) -> Result<Vec<DepositStep>, sqlx::Error>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let steps: Vec<Step> = sqlx::query(self.sql().1)
            .bind(order_id)
            .rows()
            .fetch_all(db)
            .await?;
        Ok(steps
            .into_iter()
            .map(|s| DepositStep {
                status: s.status,
                at: s.at,
            })
            .collect())
    }
}

/// One step of an order's history.
#[derive(sqlx::FromRow)]
struct Step {
    status: String,
    at: i64,
}

/// The most transactions a wallet summary lists (`GET /api/wallet`).
pub const TRANSACTIONS_SHOWN: i64 = 200;

/// A trader's balances and history, amounts as decimal strings. `pending`
/// is the sum of their deposits Trustly reported as pending.
/// `latest`: how many of the newest transactions to list with the balances
/// (at most [`TRANSACTIONS_SHOWN`]; 0 reads none: a page that shows only
/// balances asks nothing more of the database).
pub async fn summary(
    db: &Db,
    user_id: &str,
    hold_ms: u64,
    latest: i64,
) -> Result<WalletView, sqlx::Error> {
    let rows: Vec<Balance> = sqlx::query(
        "SELECT currency, available, reserved FROM balances WHERE user_id = $1 ORDER BY currency",
    )
    .bind(user_id)
    .rows()
    .fetch_all(&db.pool)
    .await?;
    // currency -> (available, reserved, pending)
    let mut by_currency: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for b in rows {
        by_currency.insert(b.currency, (b.available, b.reserved, 0));
    }
    for (code, pending) in deposits::pending_by_currency(db, user_id).await? {
        by_currency.entry(code).or_default().2 = pending;
    }
    let mut held = holds::held_by_currency(&db.pool, user_id, crate::db::now_ms(), hold_ms).await?;
    let mut balances = Vec::with_capacity(by_currency.len());
    for (code, (available, reserved, pending)) in by_currency {
        let Ok(currency) = code.parse::<Currency>() else {
            tracing::error!(%code, user_id, "balance row with an unknown currency");
            continue;
        };
        let held = held.remove(&code).unwrap_or_default();
        let withdrawable = held.withdrawable(available);
        balances.push(BalanceView {
            available: format_minor(available, currency),
            reserved: format_minor(reserved, currency),
            pending: format_minor(pending, currency),
            withdrawable: Some(format_minor(withdrawable, currency)),
            withdrawable_at: (withdrawable < available)
                .then(|| held.until(hold_ms))
                .flatten(),
            currency: code,
        });
    }
    // Deposits, withdrawals and refunds, newest first.
    let latest = latest.clamp(0, TRANSACTIONS_SHOWN);
    let transactions = if latest == 0 {
        Vec::new()
    } else {
        transactions::page(db, user_id, &transactions::Filters::default(), None, latest)
            .await?
            .0
    };
    Ok(WalletView {
        balances,
        transactions,
    })
}

/// One `balances` row of a trader.
#[derive(sqlx::FromRow)]
struct Balance {
    currency: String,
    available: i64,
    reserved: i64,
}

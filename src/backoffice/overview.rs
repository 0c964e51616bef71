//! The overview: money per currency over every trader, Kassa's balance at
//! Trustly (the last Balance answer), and what needs an admin.

use std::collections::BTreeMap;

use sqlx::FromRow;

use super::{decimal, notifications, orders, Result};
use crate::wallet::{deposits::Status as DepositStatus, withdrawals::Status};
use crate::{
    api::backoffice::{
        AlertsView, BalanceView, NegativeBalance, OverviewView, TrustlyBalanceLine,
        TrustlyBalanceView,
    },
    db::{now_ms, Db},
    traders::service::Role,
};

/// Money per currency over every trader's balances.
#[derive(FromRow)]
struct TotalRow {
    currency: String,
    available: i64,
    reserved: i64,
}

/// Pending deposits per currency.
#[derive(FromRow)]
struct PendingRow {
    currency: String,
    pending: i64,
}

/// A trader's balance below zero.
#[derive(FromRow)]
struct NegativeRow {
    user_id: String,
    email: String,
    currency: String,
    available: i64,
}

impl From<NegativeRow> for NegativeBalance {
    fn from(r: NegativeRow) -> NegativeBalance {
        NegativeBalance {
            user_id: r.user_id,
            email: r.email,
            available: decimal(r.available, &r.currency),
            currency: r.currency,
        }
    }
}

/// How many withdrawals wait in one status.
#[derive(FromRow)]
struct StatusCount {
    status: String,
    n: i64,
}

/// A cached Balance answer (an empty currency: an answer that listed none).
#[derive(FromRow)]
struct TrustlyBalanceRow {
    currency: String,
    balance: i64,
    fetched_at: i64,
}

/// A payout queued or sent longer ago than this without a final
/// notification (paid, returned, cancelled) is an alert.
pub const STALE_PAYOUT_MS: i64 = 24 * 3600 * 1000;
/// How many rows each alert list shows.
const ALERT_ROWS: i64 = 20;

/// `balance_interval_ms`: the least time between two Balance calls
/// (Trustly: 15 minutes; `KASSA_TRUSTLY_BALANCE_INTERVAL_MS`).
pub async fn overview(db: &Db, balance_interval_ms: i64) -> Result<OverviewView> {
    let traders: i64 =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) AS n FROM users WHERE role = $1")
            .bind(Role::Trader.as_str())
            .fetch_one(&db.pool)
            .await?;

    let mut totals: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for r in sqlx::query_as::<_, TotalRow>(
        "SELECT currency, CAST(SUM(available) AS BIGINT) AS available,
                CAST(SUM(reserved) AS BIGINT) AS reserved
         FROM balances GROUP BY currency",
    )
    .fetch_all(&db.pool)
    .await?
    {
        let e = totals.entry(r.currency).or_default();
        e.0 = r.available;
        e.1 = r.reserved;
    }
    for r in sqlx::query_as::<_, PendingRow>(
        "SELECT currency, CAST(SUM(amount) AS BIGINT) AS pending FROM deposits
         WHERE status = $1 GROUP BY currency",
    )
    .bind(DepositStatus::Pending.as_str())
    .fetch_all(&db.pool)
    .await?
    {
        totals.entry(r.currency).or_default().2 = r.pending;
    }
    let totals = totals
        .into_iter()
        .map(|(c, (a, r, p))| BalanceView {
            available: decimal(a, &c),
            reserved: decimal(r, &c),
            pending: decimal(p, &c),
            withdrawable: None,
            withdrawable_at: None,
            currency: c,
        })
        .collect();

    let trustly_balance = trustly_balance(db, balance_interval_ms).await?;

    let negative_balances = sqlx::query_as::<_, NegativeRow>(
        "SELECT b.user_id, u.email, b.currency, b.available FROM balances b
         JOIN users u ON u.id = b.user_id WHERE b.available < 0
         ORDER BY b.available, b.user_id LIMIT $1",
    )
    .bind(ALERT_ROWS * 5)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(NegativeBalance::from)
    .collect();

    let mut pending_approval = 0;
    let mut waiting_for_funds = 0;
    for r in sqlx::query_as::<_, StatusCount>(
        "SELECT status, COUNT(*) AS n FROM withdrawals
         WHERE status IN ($1, $2) GROUP BY status",
    )
    .bind(Status::PendingApproval.as_str())
    .bind(Status::WaitingForFunds.as_str())
    .fetch_all(&db.pool)
    .await?
    {
        match Status::parse(&r.status) {
            Some(Status::PendingApproval) => pending_approval = r.n,
            _ => waiting_for_funds = r.n,
        }
    }
    let waiting = orders::withdrawals_in(
        db,
        &[Status::PendingApproval, Status::WaitingForFunds],
        None,
        ALERT_ROWS,
    )
    .await?;

    let stale_before = now_ms() - STALE_PAYOUT_MS;
    let stale_payouts: i64 = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) AS n FROM withdrawals WHERE status IN ($2, $3)
         AND COALESCE(last_attempt_at, created_at) < $1",
    )
    .bind(stale_before)
    .bind(Status::Queued.as_str())
    .bind(Status::Sent.as_str())
    .fetch_one(&db.pool)
    .await?;
    let stale = orders::withdrawals_in(
        db,
        &[Status::Queued, Status::Sent],
        Some(stale_before),
        ALERT_ROWS,
    )
    .await?;

    let (unresolved_payouts, unresolved) = orders::unresolved_payouts(db, ALERT_ROWS).await?;

    let (rejected_notifications, flagged_notifications, problem_notifications) =
        notifications::problems(db, ALERT_ROWS).await?;

    Ok(OverviewView {
        traders,
        totals,
        trustly_balance,
        alerts: AlertsView {
            negative_balances,
            pending_approval,
            waiting_for_funds,
            waiting,
            stale_payouts,
            stale,
            unresolved_payouts,
            unresolved,
            rejected_notifications,
            flagged_notifications,
            problem_notifications,
        },
    })
}

/// The cached Balance answers, and when the next call is allowed.
pub async fn trustly_balance(db: &Db, interval_ms: i64) -> Result<TrustlyBalanceView> {
    let rows = sqlx::query_as::<_, TrustlyBalanceRow>(
        "SELECT currency, balance, fetched_at FROM trustly_balances ORDER BY currency",
    )
    .fetch_all(&db.pool)
    .await?;
    let fetched_at = rows.iter().map(|r| r.fetched_at).max();
    // (a row with no currency records a Balance answer that listed none)
    let balances = rows
        .into_iter()
        .filter(|r| !r.currency.is_empty())
        .map(|r| TrustlyBalanceLine {
            balance: decimal(r.balance, &r.currency),
            currency: r.currency,
            fetched_at: r.fetched_at,
        })
        .collect();
    Ok(TrustlyBalanceView {
        refresh_allowed_at: fetched_at.map(|t| t + interval_ms),
        fetched_at,
        balances,
    })
}

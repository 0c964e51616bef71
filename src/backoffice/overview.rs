//! The overview: money per currency over every trader, Kassa's balance at
//! Trustly (the last Balance answer), and what needs an admin.

use std::collections::BTreeMap;

use sqlx::Row;

use super::{decimal, notifications, orders, Result};
use crate::wallet::{deposits::Status as DepositStatus, withdrawals::Status};
use crate::{
    api::backoffice::{
        AlertsView, BalanceView, NegativeBalance, OverviewView, TrustlyBalanceLine,
        TrustlyBalanceView,
    },
    db::{now_ms, Db},
};

/// A payout queued or sent longer ago than this without a final
/// notification (paid, returned, cancelled) is an alert.
pub const STALE_PAYOUT_MS: i64 = 24 * 3600 * 1000;
/// How many rows each alert list shows.
const ALERT_ROWS: i64 = 20;

/// `balance_interval_ms`: the least time between two Balance calls
/// (Trustly: 15 minutes; `KASSA_TRUSTLY_BALANCE_INTERVAL_MS`).
pub async fn overview(db: &Db, balance_interval_ms: i64) -> Result<OverviewView> {
    let traders: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'trader'")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;

    let mut totals: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT currency, CAST(SUM(available) AS BIGINT) AS available,
                CAST(SUM(reserved) AS BIGINT) AS reserved
         FROM balances GROUP BY currency",
    )
    .fetch_all(&db.pool)
    .await?
    {
        let e = totals.entry(r.try_get("currency")?).or_default();
        e.0 = r.try_get("available")?;
        e.1 = r.try_get("reserved")?;
    }
    for r in sqlx::query(
        "SELECT currency, CAST(SUM(amount) AS BIGINT) AS pending FROM deposits
         WHERE status = $1 GROUP BY currency",
    )
    .bind(DepositStatus::Pending.as_str())
    .fetch_all(&db.pool)
    .await?
    {
        totals.entry(r.try_get("currency")?).or_default().2 = r.try_get("pending")?;
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

    let negative_balances = sqlx::query(
        "SELECT b.user_id, u.email, b.currency, b.available FROM balances b
         JOIN users u ON u.id = b.user_id WHERE b.available < 0
         ORDER BY b.available, b.user_id LIMIT $1",
    )
    .bind(ALERT_ROWS * 5)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        let currency: String = r.try_get("currency")?;
        Ok(NegativeBalance {
            user_id: r.try_get("user_id")?,
            email: r.try_get("email")?,
            available: decimal(r.try_get("available")?, &currency),
            currency,
        })
    })
    .collect::<Result<Vec<_>>>()?;

    let mut pending_approval = 0;
    let mut waiting_for_funds = 0;
    for r in sqlx::query(
        "SELECT status, COUNT(*) AS n FROM withdrawals
         WHERE status IN ($1, $2) GROUP BY status",
    )
    .bind(Status::PendingApproval.as_str())
    .bind(Status::WaitingForFunds.as_str())
    .fetch_all(&db.pool)
    .await?
    {
        let n: i64 = r.try_get("n")?;
        match Status::parse(&r.try_get::<String, _>("status")?) {
            Some(Status::PendingApproval) => pending_approval = n,
            _ => waiting_for_funds = n,
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
    let stale_payouts: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM withdrawals WHERE status IN ($2, $3)
         AND COALESCE(last_attempt_at, created_at) < $1",
    )
    .bind(stale_before)
    .bind(Status::Queued.as_str())
    .bind(Status::Sent.as_str())
    .fetch_one(&db.pool)
    .await?
    .try_get("n")?;
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
    let rows =
        sqlx::query("SELECT currency, balance, fetched_at FROM trustly_balances ORDER BY currency")
            .fetch_all(&db.pool)
            .await?;
    let fetched_at = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("fetched_at"))
        .collect::<std::result::Result<Vec<_>, _>>()?
        .into_iter()
        .max();
    // (a row with no currency records a Balance answer that listed none)
    let balances = rows
        .iter()
        .filter(|r| {
            r.try_get::<String, _>("currency")
                .is_ok_and(|c| !c.is_empty())
        })
        .map(|r| {
            let currency: String = r.try_get("currency")?;
            Ok(TrustlyBalanceLine {
                balance: decimal(r.try_get("balance")?, &currency),
                currency,
                fetched_at: r.try_get("fetched_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(TrustlyBalanceView {
        refresh_allowed_at: fetched_at.map(|t| t + interval_ms),
        fetched_at,
        balances,
    })
}

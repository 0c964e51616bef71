//! Refunds as the back office shows them (the trader's history reads them
//! through `wallet::transactions`).

use super::*;
use crate::api::backoffice::{DepositRefunds, OrderStep, RefundView};

pub use super::request::left_to_refund;

/// A refund row with the e-mails of the admins involved.
#[derive(sqlx::FromRow)]
struct Shown {
    #[sqlx(flatten)]
    refund: Refund,
    requested_by_email: Option<String>,
    decided_by_email: Option<String>,
}

fn shown_sql(filter: &str) -> String {
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("r.{c}")).collect();
    format!(
        "SELECT {}, a.email AS requested_by_email, b.email AS decided_by_email
         FROM refunds r LEFT JOIN users a ON a.id = r.requested_by
         LEFT JOIN users b ON b.id = r.decided_by WHERE {filter}",
        columns.join(", ")
    )
}

async fn view(db: &Db, s: Shown) -> Result<RefundView, sqlx::Error> {
    let r = s.refund;
    let history = crate::wallet::History::Refund
        .steps(&db.pool, &r.id)
        .await?
        .into_iter()
        .map(|h| OrderStep {
            status: h.status,
            at: h.at,
        })
        .collect();
    Ok(RefundView {
        amount: r.amount.to_decimal_string(),
        currency: r.amount.currency.code().to_string(),
        status: r.status.as_str().to_string(),
        id: r.id,
        deposit_id: r.deposit_id,
        order_id: r.order_id,
        user_id: r.user_id,
        reason: r.reason,
        requested_by: r.requested_by,
        requested_by_email: s.requested_by_email,
        decided_by: r.decided_by,
        decided_by_email: s.decided_by_email,
        decision_reason: r.decision_reason,
        decided_at: r.decided_at,
        send_attempts: r.send_attempts,
        outcome_unknown: r.outcome_unknown,
        error_code: r.error_code,
        error_message: r.error_message,
        refunded_at: r.refunded_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
        history,
    })
}

/// One refund as the back office shows it.
pub async fn view_of(db: &Db, id: &str) -> Result<Option<RefundView>, sqlx::Error> {
    let row: Option<Shown> = sqlx::query(&shown_sql("r.id = $1"))
        .bind(id)
        .rows()
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(s) => Ok(Some(view(db, s).await?)),
        None => Ok(None),
    }
}

/// A deposit's refunds, oldest first, and what is left to refund of it
/// (`credited`: whether the deposit may be refunded at all).
pub async fn of_deposit(
    db: &Db,
    config: &RefundConfig,
    deposit_id: &str,
    amount: Money,
    credited: bool,
) -> Result<DepositRefunds, sqlx::Error> {
    let rows: Vec<Shown> = sqlx::query(&format!(
        "{} ORDER BY r.created_at, r.id",
        shown_sql("r.deposit_id = $1")
    ))
    .bind(deposit_id)
    .rows()
    .fetch_all(&db.pool)
    .await?;
    let mut refunds = Vec::with_capacity(rows.len());
    for s in rows {
        refunds.push(view(db, s).await?);
    }
    let left = if credited {
        left_to_refund(db, deposit_id, amount).await?
    } else {
        Money::new(0, amount.currency)
    };
    Ok(DepositRefunds {
        refundable: left.to_decimal_string(),
        approval_above: config
            .approval_above(amount.currency)
            .map(|m| m.to_decimal_string()),
        refunds,
    })
}

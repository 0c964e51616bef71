//! What a withdrawal looks like to its trader (JSON and pages).

use super::*;

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
    let history = crate::wallet::History::Withdrawal
        .steps(&db.pool, &w.id)
        .await?;
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
) -> Result<Vec<crate::api::wallet::TransactionView>, sqlx::Error> {
    let rows: Vec<Listed> = sqlx::query(
        "SELECT id, amount, currency, status, transfer_state, created_at FROM withdrawals
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .rows()
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Ok(currency) = r.currency.parse::<Currency>() else {
            continue;
        };
        out.push(crate::api::wallet::TransactionView {
            id: r.id,
            kind: "withdrawal".into(),
            amount: format_minor(r.amount, currency),
            currency: r.currency,
            status: r.status,
            created_at: r.created_at,
            info: r.transfer_state,
        });
    }
    Ok(out)
}

/// A withdrawal as the wallet's list shows it (a row of unknown currency is
/// left out, not an error).
#[derive(sqlx::FromRow)]
struct Listed {
    id: String,
    amount: i64,
    currency: String,
    status: String,
    transfer_state: Option<String>,
    created_at: i64,
}

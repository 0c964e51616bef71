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
    let rows = sqlx::query(
        "SELECT id, amount, currency, status, transfer_state, created_at FROM withdrawals
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let code: String = r.try_get("currency")?;
        let Ok(currency) = code.parse::<Currency>() else {
            continue;
        };
        out.push(crate::api::wallet::TransactionView {
            id: r.try_get("id")?,
            kind: "withdrawal".into(),
            amount: format_minor(r.try_get("amount")?, currency),
            currency: code,
            status: r.try_get("status")?,
            created_at: r.try_get("created_at")?,
            info: r.try_get("transfer_state")?,
        });
    }
    Ok(out)
}

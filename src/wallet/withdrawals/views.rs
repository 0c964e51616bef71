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

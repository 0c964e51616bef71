//! GetWithdrawals: a sent payout's transfer state at Trustly, polled at
//! most once per `poll_interval_ms` (claimed per payout).

use super::*;

impl Payouts {
    /// Asks Trustly for a sent payout's transferstate (at most once per
    /// `poll_interval_ms`; sooner returns the withdrawal unchanged). The
    /// state is shown to people; nothing branches on its value.
    pub async fn refresh_transfer_state(&self, id: &str) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let w = find(db, id).await?.ok_or(WithdrawalError::NotFound)?;
        let Some(order_id) = w.order_id.clone() else {
            return Err(FieldError::coded(
                "id",
                "withdrawal_no_order_id",
                "Trustly has not given this withdrawal an order id yet.",
            )
            .into());
        };
        let now = now_ms();
        if w.transfer_checked_at
            .is_some_and(|t| now - t < self.inner.config.poll_interval_ms as i64)
        {
            return Ok(w);
        }
        // Claim first, so concurrent refreshes make one call.
        let claimed = db
            .write(
                sqlx::query(
                    "UPDATE withdrawals SET transfer_checked_at = $1
                     WHERE id = $2 AND (transfer_checked_at IS NULL OR transfer_checked_at = $3)",
                )
                .bind(now)
                .bind(id)
                .bind(w.transfer_checked_at),
            )
            .await?
            .rows_affected();
        if claimed == 0 {
            return find(db, id).await?.ok_or(WithdrawalError::NotFound);
        }
        let list = self
            .inner
            .client
            .get_withdrawals(&order_id)
            .await
            .map_err(|e| {
                tracing::warn!(withdrawal_id = id, error = %e, "GetWithdrawals failed");
                WithdrawalError::Trustly(crate::wallet::provider_error::provider(&e))
            })?;
        if let Some(state) = list.iter().find_map(|i| i.transferstate.clone()) {
            db.write(
                sqlx::query(
                    "UPDATE withdrawals SET transfer_state = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(truncate(&state, 64))
                .bind(now_ms())
                .bind(id),
            )
            .await?;
            self.publish(&w.user_id);
        }
        find(db, id).await?.ok_or(WithdrawalError::NotFound)
    }
}

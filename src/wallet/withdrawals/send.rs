//! Sending a payout (AccountPayout) and reading its answer with the release
//! rule of [`super::outcome`]: sent, refused (released), or unknown (kept).

use super::*;

impl Payouts {
    /// Sends a `queued` withdrawal's AccountPayout, unless someone else
    /// attempted it after `cutoff` (unix ms) or its trader is frozen. Checks
    /// Kassa's Trustly balance before the first attempt. What the answer
    /// means is [`outcome::classify`]'s decision alone.
    pub async fn send(&self, id: &str, cutoff: i64) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let w = find(db, id).await?.ok_or(WithdrawalError::NotFound)?;
        if w.status != Status::Queued {
            return Ok(w);
        }
        let (end_user_id, frozen) = trader_of(&db.pool, &w.user_id).await?;
        if frozen {
            tracing::info!(
                withdrawal_id = id,
                "trader is frozen: payout not sent until unfrozen"
            );
            return Ok(w);
        }
        // Funds are checked before the first attempt only: after one, the
        // payout itself may be what lowered Kassa's balance at Trustly, and
        // parking it would invite a denial of money that may be paid.
        if w.send_attempts == 0 && !self.funds_available(w.amount).await? {
            return self.wait_for_funds(&w).await;
        }
        let Some(first_attempt) = self.claim_attempt(id, cutoff).await? else {
            return find(db, id).await?.ok_or(WithdrawalError::NotFound);
        };
        let request = AccountPayoutRequest {
            notification_url: self.inner.notification_url.clone(),
            account_id: w.account_id.clone(),
            end_user_id,
            message_id: w.id.clone(),
            amount: w.amount.to_trustly_string(),
            currency: w.amount.currency.code().to_string(),
            attributes: AccountPayoutAttributes {
                shopper_statement: Some("Kassa".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let answer = self.inner.client.account_payout(&request).await;
        let words = match &answer {
            Err(e) => e.plain_words(),
            Ok(_) => "Trustly did not accept the payout.",
        };
        match outcome::classify(first_attempt, &answer) {
            Outcome::Accepted { order_id } => {
                self.mark_sent(&w, Some(&order_id)).await?;
                tracing::info!(withdrawal_id = id, %order_id, amount = %w.amount, "payout sent");
            }
            Outcome::AlreadySent => {
                tracing::info!(
                    withdrawal_id = id,
                    "AccountPayout already sent (637): the order id comes with its notifications"
                );
                self.mark_sent(&w, None).await?;
            }
            o @ Outcome::Refused { .. } => {
                tracing::warn!(
                    withdrawal_id = id,
                    reason = o.reason(),
                    "Trustly certainly refused the payout: reservation released"
                );
                self.refuse(&w, &o, words).await?;
            }
            o @ Outcome::Unknown { .. } => {
                tracing::warn!(
                    withdrawal_id = id,
                    reason = o.reason(),
                    first_attempt,
                    "AccountPayout outcome unknown: stays reserved, will be sent again"
                );
                self.keep_unknown(&w, &o).await?;
            }
        }
        self.publish(&w.user_id);
        find(db, id).await?.ok_or(WithdrawalError::NotFound)
    }

    /// Parks a never-attempted payout until Kassa's Trustly balance covers it.
    pub(super) async fn wait_for_funds(
        &self,
        w: &Withdrawal,
    ) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE withdrawals SET status = $1, updated_at = $2
             WHERE id = $3 AND status = $4 AND send_attempts = 0",
        )
        .bind(Status::WaitingForFunds.as_str())
        .bind(now)
        .bind(&w.id)
        .bind(Status::Queued.as_str())
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
        if moved > 0 {
            add_history(&mut tx.tx, &w.id, Status::WaitingForFunds, now).await?;
        }
        tx.commit().await?;
        if moved > 0 {
            tracing::warn!(withdrawal_id = %w.id, amount = %w.amount,
                "Kassa's Trustly balance is short: withdrawal waits for funds (admins alerted)");
            self.publish(&w.user_id);
        }
        find(db, &w.id).await?.ok_or(WithdrawalError::NotFound)
    }

    /// Claims one AccountPayout attempt, so only one sender at a time (the
    /// request, the worker, another instance) talks to Trustly about it.
    /// None: someone else attempted it after `cutoff`. Some(first): claimed;
    /// `first` is true when no attempt at all came before this one.
    pub(super) async fn claim_attempt(
        &self,
        id: &str,
        cutoff: i64,
    ) -> Result<Option<bool>, WithdrawalError> {
        let db = self.db();
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        let claimed: Option<Claimed> = sqlx::query(
            "UPDATE withdrawals SET send_attempts = send_attempts + 1,
                    last_attempt_at = $1, updated_at = $1, attempt_instance = $5
             WHERE id = $2 AND status = $3
               AND (last_attempt_at IS NULL OR last_attempt_at <= $4)
             RETURNING send_attempts, outcome_unknown",
        )
        .bind(now)
        .bind(id)
        .bind(Status::Queued.as_str())
        .bind(cutoff)
        .bind(self.inner.instance)
        .rows()
        .fetch_optional(&mut *tx.tx)
        .await?;
        tx.commit().await?;
        let Some(claimed) = claimed else {
            return Ok(None);
        };
        Ok(Some(claimed.send_attempts == 1 && !claimed.outcome_unknown))
    }

    pub(super) async fn mark_sent(
        &self,
        w: &Withdrawal,
        order_id: Option<&str>,
    ) -> Result<(), WithdrawalError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let Some(current) = lock(&mut tx.tx, db.backend, &w.id).await? else {
            return Err(WithdrawalError::NotFound);
        };
        if let Some(order_id) = order_id {
            adopt_order_id(&mut tx.tx, &w.id, order_id).await?;
        }
        // A notification may have overtaken the answer (paid already).
        if current.status == Status::Queued {
            set_status(&mut tx.tx, &w.id, Status::Sent, now_ms()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Trustly certainly created no payout: `failed`, reservation released.
    pub(super) async fn refuse(
        &self,
        w: &Withdrawal,
        answer: &Outcome,
        words: &str,
    ) -> Result<(), WithdrawalError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let Some(current) = lock(&mut tx.tx, db.backend, &w.id).await? else {
            return Err(WithdrawalError::NotFound);
        };
        refusals::record(&mut tx.tx, &w.id, answer, now_ms()).await?;
        // The rule again, on the row as it is now: one attempt, never an
        // unknown outcome, still queued.
        let certain = current.send_attempts == 1 && !current.outcome_unknown;
        if current.status != Status::Queued || !certain {
            tx.commit().await?;
            return Ok(());
        }
        let code = match answer {
            Outcome::Refused { code, .. } => *code,
            _ => None,
        };
        sqlx::query("UPDATE withdrawals SET error_code = $1, error_message = $2 WHERE id = $3")
            .bind(code)
            .bind(words)
            .bind(&w.id)
            .execute(&mut *tx.tx)
            .await?;
        release(
            &mut tx.tx,
            &current,
            Status::Failed,
            &format!("withdrawal:{}:release", w.id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Nobody knows whether Trustly has this payout: it stays `queued` and
    /// reserved, marked unknown for good, with the answer kept for admins.
    pub(super) async fn keep_unknown(
        &self,
        w: &Withdrawal,
        answer: &Outcome,
    ) -> Result<(), WithdrawalError> {
        let db = self.db();
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        refusals::record(&mut tx.tx, &w.id, answer, now).await?;
        sqlx::query("UPDATE withdrawals SET outcome_unknown = 1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&w.id)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What claiming an attempt returns: the attempt's number, and whether an
/// earlier one had an unknown outcome.
#[derive(sqlx::FromRow)]
struct Claimed {
    send_attempts: i64,
    #[sqlx(try_from = "Flag")]
    outcome_unknown: bool,
}

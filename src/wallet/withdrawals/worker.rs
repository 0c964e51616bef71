//! The payout worker: re-sends, funds retries, polls and the daily Balance,
//! one round at a time across instances (see [`super::instances`]).

use super::*;

impl Payouts {
    /// One round of the payout worker: re-send `queued` withdrawals whose
    /// outcome is unknown, retry those waiting for funds, poll sent payouts
    /// with no final notification, and refresh the Balance daily. At
    /// start-up `resend_all` re-sends every `queued` withdrawal (no request
    /// of this process can be in flight yet).
    ///
    /// Waits while another instance's round runs (then does its own).
    pub async fn tick(&self, resend_all: bool) -> Result<(), WithdrawalError> {
        self.round_if_free(resend_all, true).await.map(|_| ())
    }

    /// One round unless another instance's round is running (then false:
    /// that round does the work).
    pub(super) async fn round_if_free(
        &self,
        resend_all: bool,
        wait: bool,
    ) -> Result<bool, WithdrawalError> {
        let _in_process = self.inner.round_lock.lock().await;
        let Some(round) = instances::begin_round(self.db(), wait).await? else {
            return Ok(false);
        };
        let result = self.round(resend_all).await;
        instances::end_round(round).await;
        result.map(|()| true)
    }

    pub(super) async fn round(&self, resend_all: bool) -> Result<(), WithdrawalError> {
        let db = self.db();
        let now = now_ms();
        let cfg = &self.inner.config;
        let recent = now - cfg.resend_after_ms as i64;
        let cutoff = if resend_all { now } else { recent };
        // A frozen trader's payouts wait (they resume on unfreeze).
        let rows: Vec<Attempted> = sqlx::query(
            "SELECT w.id, w.attempt_instance, w.last_attempt_at
             FROM withdrawals w JOIN users u ON u.id = w.user_id
             WHERE w.status = $1 AND u.frozen = 0
               AND COALESCE(w.last_attempt_at, w.updated_at) <= $2
             ORDER BY w.created_at LIMIT 100",
        )
        .bind(Status::Queued.as_str())
        .bind(cutoff)
        .rows()
        .fetch_all(&db.pool)
        .await?;
        // At start-up: not what another live instance attempted recently
        // (its request may still be on its way to Trustly).
        let live = if resend_all {
            instances::live(db).await?
        } else {
            Default::default()
        };
        let (mut queued, mut skipped) = (Vec::with_capacity(rows.len()), 0);
        for r in rows {
            let in_flight_elsewhere = r
                .attempt_instance
                .is_some_and(|i| i != self.inner.instance && live.contains(&i))
                && r.last_attempt_at.is_some_and(|t| t > recent);
            if in_flight_elsewhere {
                skipped += 1;
            } else {
                queued.push(r.id);
            }
        }
        if resend_all || !queued.is_empty() {
            tracing::debug!(
                resend_all,
                queued = queued.len(),
                in_flight_elsewhere = skipped,
                "payout worker round"
            );
        }
        for id in queued {
            if self.halted() {
                return Ok(());
            }
            tracing::info!(withdrawal_id = %id, "re-sending a queued withdrawal");
            if let Err(e) = self.send(&id, cutoff).await {
                tracing::error!(withdrawal_id = %id, error = %e, "re-send failed");
            }
        }
        let waiting: Vec<String> = sqlx::query_scalar(
            "SELECT w.id FROM withdrawals w JOIN users u ON u.id = w.user_id
             WHERE w.status = $1 AND u.frozen = 0 ORDER BY w.created_at LIMIT 100",
        )
        .bind(Status::WaitingForFunds.as_str())
        .fetch_all(&db.pool)
        .await?;
        for id in waiting {
            if self.halted() {
                return Ok(());
            }
            let w = find(db, &id).await?.ok_or(WithdrawalError::NotFound)?;
            if !self.funds_available(w.amount).await? {
                break; // oldest first: the rest wait behind it
            }
            let now = now_ms();
            // The status and its history step in one transaction.
            let mut tx = db.begin_write().await?;
            let moved = sqlx::query(
                "UPDATE withdrawals SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            )
            .bind(Status::Queued.as_str())
            .bind(now)
            .bind(&id)
            .bind(Status::WaitingForFunds.as_str())
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            if moved > 0 {
                add_history(&mut tx.tx, &id, Status::Queued, now).await?;
            }
            tx.commit().await?;
            if moved > 0 {
                self.send(&id, now).await?;
            }
        }
        let poll_before = now - cfg.poll_interval_ms as i64;
        let sent: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM withdrawals WHERE status = $2 AND order_id IS NOT NULL
               AND COALESCE(transfer_checked_at, last_attempt_at, updated_at) <= $1
             ORDER BY updated_at LIMIT 100",
        )
        .bind(poll_before)
        .bind(Status::Sent.as_str())
        .fetch_all(&db.pool)
        .await?;
        for id in sent {
            if self.halted() {
                return Ok(());
            }
            if let Err(e) = self.refresh_transfer_state(&id).await {
                tracing::warn!(withdrawal_id = %id, error = %e, "transfer state not refreshed");
            }
        }
        let balance = self.cached_balance().await?;
        if balance.fetched_at.is_none_or(|t| now - t >= DAY_MS) {
            if let Err(e) = self.trustly_balance(true).await {
                tracing::warn!(error = %e, "daily Balance refresh failed");
            }
        }
        Ok(())
    }

    /// Runs [`Payouts::tick`] at start-up and then every
    /// `worker_interval_ms`, until `closing` turns true.
    pub fn spawn_worker(
        &self,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let every = std::time::Duration::from_millis(this.inner.config.worker_interval_ms);
            let mut first = true;
            loop {
                if *closing.borrow() {
                    return;
                }
                // Another instance's round running: it does the work. The
                // gauge says the service's worker is alive either way.
                match this.round_if_free(first, false).await {
                    Ok(ran) => {
                        metrics::gauge!("kassa_payout_worker_last_run_timestamp_seconds")
                            .set(now_ms() as f64 / 1000.0);
                        first &= !ran;
                    }
                    Err(e) => tracing::error!(error = %e, "payout worker round failed"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = closing.changed() => return,
                }
            }
        })
    }
}

/// A `queued` withdrawal due for a re-send, and who attempted it last.
#[derive(sqlx::FromRow)]
struct Attempted {
    id: String,
    attempt_instance: Option<i64>,
    last_attempt_at: Option<i64>,
}

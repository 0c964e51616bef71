//! Admin decisions on a withdrawal: approve, deny, and the explicit
//! resolution of a payout whose outcome Trustly never made certain.

use super::*;

/// Code run inside an admin decision's transaction, given the withdrawal
/// before and after the decision (see [`Payouts::approve_with`]).
pub type DecisionHook<'h> = &'h (dyn for<'c> Fn(
    &'c mut AnyConnection,
    &'c Withdrawal,
    &'c Withdrawal,
) -> futures_util::future::BoxFuture<'c, Result<(), sqlx::Error>>
         + Send
         + Sync);

/// Gives a closure the higher-ranked signature a [`DecisionHook`] needs.
pub fn decision_hook<F>(f: F) -> F
where
    F: for<'c> Fn(
            &'c mut AnyConnection,
            &'c Withdrawal,
            &'c Withdrawal,
        ) -> futures_util::future::BoxFuture<'c, Result<(), sqlx::Error>>
        + Send
        + Sync,
{
    f
}

pub(super) async fn run_hook(
    conn: &mut AnyConnection,
    backend: Backend,
    hook: Option<DecisionHook<'_>>,
    before: &Withdrawal,
) -> Result<(), WithdrawalError> {
    let Some(hook) = hook else {
        return Ok(());
    };
    let after = lock(conn, backend, &before.id)
        .await?
        .ok_or(WithdrawalError::NotFound)?;
    hook(conn, before, &after).await?;
    Ok(())
}

impl Payouts {
    /// An admin approves a withdrawal above the threshold: it is sent.
    pub async fn approve(&self, id: &str, admin_id: &str) -> Result<Withdrawal, WithdrawalError> {
        self.approve_with(id, admin_id, None).await
    }

    /// [`Payouts::approve`], running `hook` inside the decision's
    /// transaction with the withdrawal before and after (the back office
    /// writes its audit entry there, so decision and entry commit together).
    pub async fn approve_with(
        &self,
        id: &str,
        admin_id: &str,
        hook: Option<DecisionHook<'_>>,
    ) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let w = lock(&mut tx.tx, db.backend, id)
            .await?
            .ok_or(WithdrawalError::NotFound)?;
        if w.user_id == admin_id {
            return Err(WithdrawalError::OwnWithdrawal);
        }
        if w.status != Status::PendingApproval {
            return Err(WithdrawalError::WrongState(w.status.as_str()));
        }
        if trader_of(&mut *tx.tx, &w.user_id).await?.1 {
            return Err(WithdrawalError::TraderFrozen);
        }
        let now = now_ms();
        sqlx::query(
            "UPDATE withdrawals SET decided_by = $1, decided_at = $2, updated_at = $2
             WHERE id = $3",
        )
        .bind(admin_id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
        set_status(&mut tx.tx, id, Status::Queued, now).await?;
        run_hook(&mut tx.tx, db.backend, hook, &w).await?;
        tx.commit().await?;
        tracing::info!(withdrawal_id = id, admin_id, "withdrawal approved");
        self.publish(&w.user_id);
        self.send(id, now).await
    }

    /// An admin refuses a withdrawal waiting for approval (or for funds):
    /// the reservation is released.
    pub async fn deny(
        &self,
        id: &str,
        admin_id: &str,
        reason: &str,
    ) -> Result<Withdrawal, WithdrawalError> {
        self.deny_with(id, admin_id, reason, None).await
    }

    /// [`Payouts::deny`] with a hook, as [`Payouts::approve_with`].
    pub async fn deny_with(
        &self,
        id: &str,
        admin_id: &str,
        reason: &str,
        hook: Option<DecisionHook<'_>>,
    ) -> Result<Withdrawal, WithdrawalError> {
        let reason = checked_reason(reason)?;
        let w = self
            .give_back(id, GiveBack::Deny { admin_id, reason }, hook)
            .await?;
        tracing::info!(withdrawal_id = id, admin_id, "withdrawal denied");
        Ok(w)
    }

    /// The trader takes back their own withdrawal while it still waits for
    /// approval or for funds (never sent to Trustly): `cancelled`, the
    /// reservation released. Someone else's withdrawal reads as unknown.
    pub async fn cancel_with(
        &self,
        id: &str,
        user_id: &str,
        hook: Option<DecisionHook<'_>>,
    ) -> Result<Withdrawal, WithdrawalError> {
        let w = self
            .give_back(id, GiveBack::Cancel { user_id }, hook)
            .await?;
        tracing::info!(
            withdrawal_id = id,
            user_id,
            "withdrawal cancelled by the trader"
        );
        Ok(w)
    }

    /// Releases a withdrawal that never went to Trustly, in one transaction
    /// with who decided and the hook (the audit entry).
    async fn give_back(
        &self,
        id: &str,
        why: GiveBack<'_>,
        hook: Option<DecisionHook<'_>>,
    ) -> Result<Withdrawal, WithdrawalError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let w = lock(&mut tx.tx, db.backend, id)
            .await?
            .ok_or(WithdrawalError::NotFound)?;
        if let GiveBack::Cancel { user_id } = why {
            if w.user_id != user_id {
                return Err(WithdrawalError::NotFound);
            }
        }
        // Only money that never went to Trustly can be given back.
        if w.send_attempts > 0 {
            return Err(WithdrawalError::Attempted);
        }
        if !matches!(w.status, Status::PendingApproval | Status::WaitingForFunds) {
            return Err(WithdrawalError::WrongState(w.status.as_str()));
        }
        let status = match why {
            GiveBack::Deny { admin_id, reason } => {
                sqlx::query(
                    "UPDATE withdrawals SET decided_by = $1, decided_at = $2,
                            decision_reason = $3, updated_at = $2 WHERE id = $4",
                )
                .bind(admin_id)
                .bind(now_ms())
                .bind(reason)
                .bind(id)
                .execute(&mut *tx.tx)
                .await?;
                Status::Denied
            }
            GiveBack::Cancel { .. } => Status::Cancelled,
        };
        release(&mut tx.tx, &w, status, &format!("withdrawal:{id}:release")).await?;
        run_hook(&mut tx.tx, db.backend, hook, &w).await?;
        tx.commit().await?;
        self.publish(&w.user_id);
        find(db, id).await?.ok_or(WithdrawalError::NotFound)
    }

    /// An admin settles a payout whose outcome Trustly never made certain,
    /// having confirmed at Trustly that it was not paid: the reservation is
    /// released and the withdrawal is `failed`. Four eyes: never the trader
    /// who asked for it nor the admin who approved it. Should Trustly pay it
    /// after all, its payoutconfirmation still books (from available) and
    /// is flagged.
    pub async fn resolve_with(
        &self,
        id: &str,
        admin_id: &str,
        reason: &str,
        hook: Option<DecisionHook<'_>>,
    ) -> Result<Withdrawal, WithdrawalError> {
        let reason = checked_reason(reason)?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let w = lock(&mut tx.tx, db.backend, id)
            .await?
            .ok_or(WithdrawalError::NotFound)?;
        if w.status != Status::Queued || !w.outcome_unknown {
            return Err(WithdrawalError::NotUnresolved);
        }
        if w.user_id == admin_id || w.decided_by.as_deref() == Some(admin_id) {
            return Err(WithdrawalError::FourEyes);
        }
        let now = now_ms();
        sqlx::query(
            "UPDATE withdrawals SET resolved_by = $1, resolved_at = $2, resolution_reason = $3,
                    error_message = $4, updated_at = $2 WHERE id = $5",
        )
        .bind(admin_id)
        .bind(now)
        .bind(reason)
        .bind("The payout was not made. The amount is back on your balance.")
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
        release(
            &mut tx.tx,
            &w,
            Status::Failed,
            &format!("withdrawal:{id}:release"),
        )
        .await?;
        run_hook(&mut tx.tx, db.backend, hook, &w).await?;
        tx.commit().await?;
        tracing::warn!(
            withdrawal_id = id,
            admin_id,
            "unknown payout resolved as not paid"
        );
        self.publish(&w.user_id);
        find(db, id).await?.ok_or(WithdrawalError::NotFound)
    }
}

/// Why a withdrawal that never went to Trustly is given back.
#[derive(Clone, Copy)]
enum GiveBack<'a> {
    /// An admin refused it.
    Deny { admin_id: &'a str, reason: &'a str },
    /// Its trader took it back.
    Cancel { user_id: &'a str },
}

//! The second admin's decision on a refund above the approval threshold.

use super::*;

impl Refunds {
    /// Admin `admin_id` (not the one who asked for it) approves a refund
    /// waiting for approval: it is sent.
    pub async fn approve(
        &self,
        id: &str,
        admin_id: &str,
        reason: Option<&str>,
        hook: Option<RefundHook<'_>>,
    ) -> Result<Refund, RefundError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let r = self.pending(&mut tx.tx, id, admin_id).await?;
        request::ensure_none_in_flight(&mut tx.tx, &r.deposit_id).await?;
        let now = now_ms();
        decide(&mut tx.tx, id, admin_id, reason, now).await?;
        set_status(&mut tx.tx, id, Status::Sending, now).await?;
        run_hook(&mut tx.tx, db.backend, hook, id).await?;
        tx.commit().await?;
        tracing::info!(refund_id = id, admin_id, "refund approved");
        self.send(id, now).await
    }

    /// Admin `admin_id` (not the one who asked for it) refuses a refund
    /// waiting for approval: the reservation goes back to the trader.
    pub async fn deny(
        &self,
        id: &str,
        admin_id: &str,
        reason: &str,
        hook: Option<RefundHook<'_>>,
    ) -> Result<Refund, RefundError> {
        let reason = checked_reason(reason)?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let r = self.pending(&mut tx.tx, id, admin_id).await?;
        let now = now_ms();
        decide(&mut tx.tx, id, admin_id, Some(reason), now).await?;
        release(&mut tx.tx, &r, Status::Denied, now).await?;
        run_hook(&mut tx.tx, db.backend, hook, id).await?;
        tx.commit().await?;
        self.publish(&r.user_id);
        tracing::info!(refund_id = id, admin_id, "refund denied");
        find(db, id).await?.ok_or(RefundError::NotFound)
    }

    /// The refund, locked, when it waits for approval and `admin_id` may
    /// decide it.
    async fn pending(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        admin_id: &str,
    ) -> Result<Refund, RefundError> {
        let r = lock(conn, self.db().backend, id)
            .await?
            .ok_or(RefundError::NotFound)?;
        if r.status != Status::PendingApproval {
            return Err(RefundError::WrongState(r.status.as_str()));
        }
        if r.requested_by == admin_id {
            return Err(RefundError::FourEyes);
        }
        Ok(r)
    }
}

async fn decide(
    conn: &mut AnyConnection,
    id: &str,
    admin_id: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    sqlx::query(
        "UPDATE refunds SET decided_by = $1, decision_reason = $2, decided_at = $3,
                            updated_at = $3
         WHERE id = $4",
    )
    .bind(admin_id)
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

//! Sending a Refund and knowing its outcome by what GetWithdrawals lists
//! (the rule is in the module docs): refunded, failed (released), or
//! unknown (kept, checked again by [`Refunds::recover`]).

use super::*;
use crate::trustly::{ClientError, RefundAttributes, RefundRequest, WithdrawalInfo};

/// What Trustly's list of the deposit's refunds says about one refund.
#[derive(Debug, PartialEq, Eq)]
enum Listed {
    /// Exactly one more refund than before, with this refund's amount.
    There,
    /// No more refunds than before: this one was not made.
    NotThere,
    /// Something else (a refund Kassa did not send?): an admin must look.
    Unclear(String),
}

fn listed(r: &Refund, before: i64, list: &[WithdrawalInfo]) -> Listed {
    let n = list.len() as i64;
    if n == before {
        return Listed::NotThere;
    }
    let next = list.get(before.max(0) as usize);
    let amount = next.and_then(|e| {
        let currency = e.currency.as_deref()?.parse().ok()?;
        Money::parse_trustly_lenient(e.amount.as_deref()?, currency).ok()
    });
    if n == before + 1 && amount == Some(r.amount) {
        Listed::There
    } else {
        Listed::Unclear(format!(
            "Trustly lists {n} refunds of the deposit, {before} before this one; \
             the next is {amount:?}, this one is {}",
            r.amount
        ))
    }
}

impl Refunds {
    /// Sends a `sending` refund, or settles it by Trustly's list when an
    /// earlier attempt may have got through; nothing when someone else
    /// attempted it after `cutoff` (unix ms).
    pub async fn send(&self, id: &str, cutoff: i64) -> Result<Refund, RefundError> {
        let db = self.db();
        let r = find(db, id).await?.ok_or(RefundError::NotFound)?;
        if r.status != Status::Sending || !self.claim(id, cutoff).await? {
            return Ok(r);
        }
        let list = match self.inner.client.get_withdrawals(&r.order_id).await {
            Ok(list) => list,
            Err(e) => {
                // Without the list no attempt can be judged (or counted
                // before): nothing is sent, recovery asks again.
                tracing::warn!(refund_id = id, error = %e, "GetWithdrawals failed: refund waits");
                let attempted = r.listed_before.is_some();
                return self.unknown(&r, e.code(), &e.to_string(), attempted).await;
            }
        };
        let before = match r.listed_before {
            None => self.set_listed_before(&r, list.len() as i64).await?,
            Some(before) => match listed(&r, before, &list) {
                Listed::There => return self.refunded(&r).await,
                Listed::NotThere => before,
                Listed::Unclear(why) => {
                    tracing::error!(
                        refund_id = id,
                        why,
                        "refund outcome unclear: an admin must check"
                    );
                    return self.unknown(&r, None, &why, true).await;
                }
            },
        };
        self.attempt(&r, before).await
    }

    /// One Refund call, and what its answer proves.
    async fn attempt(&self, r: &Refund, before: i64) -> Result<Refund, RefundError> {
        let request = RefundRequest {
            order_id: r.order_id.clone(),
            amount: r.amount.to_trustly_string(),
            currency: r.amount.currency.code().to_string(),
            attributes: RefundAttributes {
                external_reference: Some(r.id.clone()),
            },
            ..Default::default()
        };
        let answer = self.inner.client.refund(&request).await;
        match answer {
            Ok(a) if a.accepted() => self.refunded(r).await,
            Err(ClientError::InvalidRequest(e)) => {
                // Nothing was sent now, and the list showed no earlier one.
                self.failed(r, None, &format!("request not sent: {e}"))
                    .await
            }
            Ok(_) | Err(ClientError::Trustly(_)) => {
                // A signed answer: Trustly is done with the request, so its
                // list now says for certain whether a refund was made.
                let (code, words) = match &answer {
                    Err(e) => (e.code(), e.to_string()),
                    Ok(a) => (None, format!("result {:?}", a.result)),
                };
                match self.inner.client.get_withdrawals(&r.order_id).await {
                    Ok(list) => match listed(r, before, &list) {
                        Listed::There => self.refunded(r).await,
                        Listed::NotThere => self.failed(r, code, &words).await,
                        Listed::Unclear(why) => self.unknown(r, code, &why, true).await,
                    },
                    Err(e) => {
                        let why = format!("{words}; {e}");
                        self.unknown(r, code, &why, true).await
                    }
                }
            }
            Err(e) => {
                tracing::warn!(refund_id = %r.id, error = %e, "Refund outcome unknown: kept reserved");
                self.unknown(r, e.code(), &e.to_string(), true).await
            }
        }
    }

    /// Every `sending` refund last attempted before `resend_after_ms` ago:
    /// checked against Trustly's list and sent again when not there.
    /// Returns how many were looked at.
    pub async fn recover(&self) -> Result<usize, RefundError> {
        let cutoff = now_ms() - self.inner.resend_after_ms as i64;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM refunds WHERE status = $1 AND COALESCE(last_attempt_at, 0) <= $2
             ORDER BY created_at LIMIT 100",
        )
        .bind(Status::Sending.as_str())
        .bind(cutoff)
        .fetch_all(&self.db().pool)
        .await?;
        for id in &ids {
            if let Err(e) = self.send(id, cutoff).await {
                tracing::warn!(refund_id = %id, error = %e, "refund recovery failed");
            }
        }
        Ok(ids.len())
    }

    /// Runs [`Refunds::recover`] every `every` until the server closes.
    pub fn spawn_recovery(
        &self,
        every: std::time::Duration,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                if *closing.borrow() {
                    return;
                }
                if let Err(e) = this.recover().await {
                    tracing::error!(error = %e, "refund recovery round failed");
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = closing.changed() => return,
                }
            }
        })
    }

    /// Counts an attempt, unless another one started after `cutoff`
    /// (another instance, or a request still on its way).
    async fn claim(&self, id: &str, cutoff: i64) -> Result<bool, sqlx::Error> {
        let now = now_ms();
        let claimed = self
            .db()
            .write(
                sqlx::query(
                    "UPDATE refunds SET send_attempts = send_attempts + 1, last_attempt_at = $1,
                                        updated_at = $1
                     WHERE id = $2 AND status = $3 AND COALESCE(last_attempt_at, 0) <= $4",
                )
                .bind(now)
                .bind(id)
                .bind(Status::Sending.as_str())
                .bind(cutoff),
            )
            .await?
            .rows_affected();
        Ok(claimed == 1)
    }

    async fn set_listed_before(&self, r: &Refund, n: i64) -> Result<i64, sqlx::Error> {
        self.db()
            .write(
                sqlx::query("UPDATE refunds SET listed_before = $1 WHERE id = $2")
                    .bind(n)
                    .bind(&r.id),
            )
            .await?;
        Ok(n)
    }

    async fn refunded(&self, r: &Refund) -> Result<Refund, RefundError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let r = lock(&mut tx.tx, db.backend, &r.id)
            .await?
            .ok_or(RefundError::NotFound)?;
        if r.status == Status::Sending {
            book_refunded(&mut tx.tx, &r, now_ms()).await?;
        }
        tx.commit().await?;
        self.publish(&r.user_id);
        tracing::info!(refund_id = %r.id, deposit_id = %r.deposit_id, amount = %r.amount,
            "refund accepted by Trustly");
        find(db, &r.id).await?.ok_or(RefundError::NotFound)
    }

    async fn failed(
        &self,
        r: &Refund,
        code: Option<i64>,
        why: &str,
    ) -> Result<Refund, RefundError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let r = lock(&mut tx.tx, db.backend, &r.id)
            .await?
            .ok_or(RefundError::NotFound)?;
        if r.status == Status::Sending {
            record_error(&mut tx.tx, &r.id, code, why, false).await?;
            release(&mut tx.tx, &r, Status::Failed, now_ms()).await?;
        }
        tx.commit().await?;
        self.publish(&r.user_id);
        tracing::warn!(refund_id = %r.id, code, why, "Trustly made no refund: reservation released");
        find(db, &r.id).await?.ok_or(RefundError::NotFound)
    }

    /// Keeps the refund `sending` and reserved with what went wrong;
    /// `attempted`: a Refund may have reached Trustly (else it is only late).
    async fn unknown(
        &self,
        r: &Refund,
        code: Option<i64>,
        why: &str,
        attempted: bool,
    ) -> Result<Refund, RefundError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        record_error(&mut tx.tx, &r.id, code, why, attempted).await?;
        tx.commit().await?;
        find(db, &r.id).await?.ok_or(RefundError::NotFound)
    }
}

async fn record_error(
    conn: &mut AnyConnection,
    id: &str,
    code: Option<i64>,
    why: &str,
    unknown: bool,
) -> Result<(), sqlx::Error> {
    let why: String = why.chars().take(500).collect();
    sqlx::query(
        "UPDATE refunds SET error_code = $1, error_message = $2,
                            outcome_unknown = CASE WHEN $3 = 1 THEN 1 ELSE outcome_unknown END
         WHERE id = $4",
    )
    .bind(code)
    .bind(why)
    .bind(i64::from(unknown))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

//! A trader's withdrawal request: input, limits, the reservation and the
//! holds that make it wait for an admin.

use super::*;

impl Payouts {
    /// A trader asks to withdraw `amount` to their bank account
    /// `bank_account_id` (our id). Reserves the funds and creates the
    /// withdrawal in one transaction, then sends it (or leaves it for an
    /// admin when above the approval threshold).
    pub async fn request(
        &self,
        user: &User,
        amount: Money,
        bank_account_id: &str,
    ) -> Result<Withdrawal, WithdrawalError> {
        if user.frozen {
            return Err(WithdrawalError::Frozen);
        }
        let currency = amount.currency;
        let (min, max, daily_max, approval_above) =
            self.inner.config.amounts(currency).ok_or_else(|| {
                FieldError::coded(
                    "currency",
                    "currency_unsupported",
                    "Choose a supported currency.",
                )
            })?;
        if amount.minor < min.minor {
            return Err(FieldError::coded(
                "amount",
                "withdrawal_below_min",
                format!("The smallest withdrawal is {min}."),
            )
            .with("min", min.to_decimal_string())
            .with("currency", currency)
            .into());
        }
        if amount.minor > max.minor {
            return Err(FieldError::coded(
                "amount",
                "withdrawal_above_max",
                format!("The largest withdrawal is {max}."),
            )
            .with("max", max.to_decimal_string())
            .with("currency", currency)
            .into());
        }
        let db = self.db();
        let account_id: String = sqlx::query_scalar(
            "SELECT account_id FROM bank_accounts WHERE id = $1 AND user_id = $2",
        )
        .bind(bank_account_id)
        .bind(&user.id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| {
            FieldError::coded(
                "bank_account_id",
                "bank_account_unknown",
                "Choose one of your bank accounts.",
            )
        })?;

        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        let mut tx = db.begin_write().await?;
        // The reservation first: its conditional UPDATE of the balances row
        // also serialises this trader's concurrent requests on PostgreSQL,
        // so the daily sum below sees every committed withdrawal.
        ledger::reserve(
            &mut tx.tx,
            &id,
            ledger::Kind::WithdrawalReserve,
            &format!("withdrawal:{id}:reserve"),
            &user.id,
            currency,
            amount.minor,
        )
        .await?;
        let today = withdrawn_today(&mut *tx.tx, &user.id, currency, now).await?;
        if today.saturating_add(amount.minor) > daily_max.minor {
            let left = Money::new((daily_max.minor - today).max(0), currency);
            return Err(FieldError::coded(
                "amount",
                "daily_limit",
                format!("You can withdraw at most {daily_max} a day; {left} is left today."),
            )
            .with("max", daily_max.to_decimal_string())
            .with("left", left.to_decimal_string())
            .with("currency", currency)
            .into());
        }
        // Decided after the reservation, which locked this trader's balance
        // row: the holds see every committed credit and withdrawal.
        let reasons = self
            .hold_reasons(&mut tx.tx, &user.id, amount, approval_above, now)
            .await?;
        let (status, hold_reason) = if reasons.is_empty() {
            (Status::Queued, None)
        } else {
            (Status::PendingApproval, Some(reasons.join("; ")))
        };
        sqlx::query(
            "INSERT INTO withdrawals (id, user_id, bank_account_id, account_id, amount, currency,
                                      status, reserved, hold_reason, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)",
        )
        .bind(&id)
        .bind(&user.id)
        .bind(bank_account_id)
        .bind(&account_id)
        .bind(amount.minor)
        .bind(currency.code())
        .bind(status.as_str())
        .bind(hold_reason.as_deref())
        .bind(now)
        .execute(&mut *tx.tx)
        .await?;
        add_history(&mut tx.tx, &id, status, now).await?;
        tx.commit().await?;
        self.publish(&user.id);
        tracing::info!(withdrawal_id = %id, user_id = %user.id, %amount, status = status.as_str(),
            hold_reason = hold_reason.as_deref().unwrap_or(""), "withdrawal reserved");
        if status == Status::Queued {
            self.send(&id, now).await
        } else {
            find(db, &id).await?.ok_or(WithdrawalError::NotFound)
        }
    }

    /// Why a withdrawal of `amount` (already reserved in `conn`'s
    /// transaction) must wait for an admin; empty: it may be sent.
    pub(super) async fn hold_reasons(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        amount: Money,
        approval_above: Money,
        now: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let mut reasons = Vec::new();
        if amount.minor > approval_above.minor {
            reasons.push(format!("above the approval threshold of {approval_above}"));
        }
        let hold_ms = self.inner.config.hold_ms;
        let held = holds::held(&mut *conn, user_id, amount.currency, now, hold_ms).await?;
        // What is left on available after this reservation must still cover
        // the held credits, or part of this withdrawal is unsettled money.
        let left = ledger::available(conn, user_id, amount.currency).await?;
        if left < held.minor() {
            reasons.push(holds::unsettled_reason(&held, amount.currency));
        }
        reasons.extend(holds::risk_reasons(conn, user_id).await?);
        Ok(reasons)
    }
}

/// What `user_id` has withdrawn in `currency` on the UTC day of `now`
/// (failed, cancelled and denied withdrawals do not count), minor units.
pub async fn withdrawn_today<'e, E>(
    db: E,
    user_id: &str,
    currency: Currency,
    now: i64,
) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let day_start = now - now.rem_euclid(DAY_MS);
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM withdrawals
         WHERE user_id = $1 AND currency = $2 AND created_at >= $3
           AND status NOT IN ($4, $5, $6)",
    )
    .bind(user_id)
    .bind(currency.code())
    .bind(day_start)
    .bind(Status::Failed.as_str())
    .bind(Status::Cancelled.as_str())
    .bind(Status::Denied.as_str())
    .fetch_one(db)
    .await
}

//! An admin asks to refund (part of) a credited deposit: the checks, the
//! reservation, and whether a second admin must approve.

use super::*;
use crate::wallet::deposits::Status as DepositStatus;

/// The deposit a refund is for, locked in the request's transaction (so two
/// refunds of one deposit cannot both pass the "left to refund" check).
#[derive(sqlx::FromRow)]
struct DepositRow {
    id: String,
    user_id: String,
    order_id: Option<String>,
    #[sqlx(flatten)]
    amount: Money,
    #[sqlx(try_from = "String")]
    status: DepositStatus,
}

impl Refunds {
    /// Admin `admin_id` asks to refund `amount` (a decimal in the
    /// deposit's currency) of deposit `deposit_id` (Kassa's id) because of
    /// `reason`. Reserves it and creates the refund in one transaction
    /// (with `hook`, the audit entry), then sends it, unless it is above the
    /// approval threshold.
    pub async fn request(
        &self,
        admin_id: &str,
        deposit_id: &str,
        amount: &str,
        reason: &str,
        hook: Option<RefundHook<'_>>,
    ) -> Result<Refund, RefundError> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let d = lock_deposit(&mut tx.tx, db.backend, deposit_id).await?;
        let order_id = match (&d.order_id, d.status) {
            (Some(o), DepositStatus::Credited) => o.clone(),
            (_, status) => return Err(RefundError::NotRefundable(status.as_str())),
        };
        let currency = d.amount.currency;
        let left = refundable(&mut tx.tx, &d.id, d.amount).await?;
        let amount = checked_amount(amount, left)?;
        let reason = checked_reason(reason)?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        ledger::reserve(
            &mut tx.tx,
            &d.id,
            Kind::RefundReserve,
            &format!("refund:{id}:reserve"),
            &d.user_id,
            currency,
            amount.minor,
        )
        .await?;
        let above = self.inner.config.approval_above(currency);
        let status = if above.is_some_and(|t| amount.minor > t.minor) {
            Status::PendingApproval
        } else {
            ensure_none_in_flight(&mut tx.tx, &d.id).await?;
            Status::Sending
        };
        let new = NewRefund {
            id: &id,
            deposit: &d,
            order_id: &order_id,
            amount,
            reason,
            status,
            admin_id,
        };
        insert(&mut tx.tx, &new, now).await?;
        run_hook(&mut tx.tx, db.backend, hook, &id).await?;
        tx.commit().await?;
        self.publish(&d.user_id);
        tracing::info!(refund_id = %id, deposit_id, %amount, admin_id,
            status = status.as_str(), "refund reserved");
        match status {
            Status::Sending => self.send(&id, now).await,
            _ => find(db, &id).await?.ok_or(RefundError::NotFound),
        }
    }
}

/// The deposit `deposit_id`, locked for the rest of `conn`'s transaction.
async fn lock_deposit(
    conn: &mut sqlx::AnyConnection,
    backend: crate::db::Backend,
    deposit_id: &str,
) -> Result<DepositRow, RefundError> {
    let sql = format!(
        "SELECT id, user_id, order_id, amount, currency, status FROM deposits WHERE id = $1{}",
        backend.row_lock()
    );
    sqlx::query(&sql)
        .bind(deposit_id)
        .rows()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(RefundError::NotFound)
}

/// The admin's `typed` amount, in `left`'s currency: positive and at most
/// what is `left` to refund of the deposit.
fn checked_amount(typed: &str, left: Money) -> Result<Money, RefundError> {
    let currency = left.currency;
    let amount = Money::parse_user(typed, currency)
        .ok()
        .filter(Money::is_positive)
        .ok_or_else(|| {
            FieldError::coded(
                "amount",
                "refund_amount_invalid",
                format!("Give an amount in {currency}, like 10.00."),
            )
            .with("currency", currency)
        })?;
    if amount.minor > left.minor {
        let msg = format!("At most {left} of this deposit is left to refund.");
        return Err(FieldError::coded("amount", "refund_above_left", msg)
            .with("left", left.to_decimal_string())
            .with("currency", currency)
            .into());
    }
    Ok(amount)
}

/// A refund row about to be written.
struct NewRefund<'a> {
    id: &'a str,
    deposit: &'a DepositRow,
    order_id: &'a str,
    amount: Money,
    reason: &'a str,
    status: Status,
    admin_id: &'a str,
}

/// Writes the refund row and its first history step.
async fn insert(conn: &mut AnyConnection, r: &NewRefund<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO refunds (id, deposit_id, user_id, order_id, amount, currency, reason,
                              status, requested_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(r.id)
    .bind(&r.deposit.id)
    .bind(&r.deposit.user_id)
    .bind(r.order_id)
    .bind(r.amount.minor)
    .bind(r.amount.currency.code())
    .bind(r.reason)
    .bind(r.status.as_str())
    .bind(r.admin_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    crate::wallet::History::Refund
        .add(conn, r.id, r.status.as_str(), now)
        .await
}

/// What is left to refund of a deposit of `amount`: its amount less every
/// refund that is not failed or denied (waiting and in-flight ones count).
async fn refundable(
    conn: &mut AnyConnection,
    deposit_id: &str,
    amount: Money,
) -> Result<Money, sqlx::Error> {
    let taken: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds
         WHERE deposit_id = $1 AND status NOT IN ($2, $3)",
    )
    .bind(deposit_id)
    .bind(Status::Failed.as_str())
    .bind(Status::Denied.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(Money::new((amount.minor - taken).max(0), amount.currency))
}

/// What is left to refund of deposit `deposit_id` of `amount` (for the
/// order page).
pub async fn left_to_refund(
    db: &Db,
    deposit_id: &str,
    amount: Money,
) -> Result<Money, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    refundable(&mut conn, deposit_id, amount).await
}

/// Refuses a second refund of the deposit while one is being sent (the
/// unique index on `sending` rows is the backstop).
pub(super) async fn ensure_none_in_flight(
    conn: &mut AnyConnection,
    deposit_id: &str,
) -> Result<(), RefundError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM refunds WHERE deposit_id = $1 AND status = $2",
    )
    .bind(deposit_id)
    .bind(Status::Sending.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if n > 0 {
        return Err(RefundError::InFlight);
    }
    Ok(())
}

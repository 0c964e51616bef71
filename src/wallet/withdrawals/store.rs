//! Rows and steps, inside the caller's transaction: find and lock a
//! withdrawal, move its status with its history, release its reservation.

use super::*;
use crate::mail;

pub(super) async fn add_history(
    conn: &mut AnyConnection,
    id: &str,
    status: Status,
    at: i64,
) -> Result<(), sqlx::Error> {
    crate::wallet::History::Withdrawal
        .add(conn, id, status.as_str(), at)
        .await
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Withdrawal>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM withdrawals WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .rows()
        .fetch_optional(&db.pool)
        .await
}

pub(super) async fn lock(
    conn: &mut AnyConnection,
    backend: Backend,
    id: &str,
) -> Result<Option<Withdrawal>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM withdrawals WHERE id = $1{}",
        backend.row_lock()
    );
    sqlx::query(&sql)
        .bind(id)
        .rows()
        .fetch_optional(&mut *conn)
        .await
}

/// The withdrawal a notification names (by messageid = our id, then by
/// orderid), locked for the caller's transaction.
pub(crate) async fn find_for_update(
    conn: &mut AnyConnection,
    backend: Backend,
    message_id: &str,
    order_id: &str,
) -> Result<Option<Withdrawal>, sqlx::Error> {
    crate::wallet::lock_order_row(
        conn,
        backend,
        &format!("SELECT {COLUMNS} FROM withdrawals"),
        message_id,
        order_id,
    )
    .await
}

pub(super) async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: Status,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE withdrawals SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    add_history(conn, id, status, now).await?;
    let kind = match status {
        Status::Paid => mail::Kind::WithdrawalPaid,
        Status::Returned => mail::Kind::WithdrawalReturned,
        Status::Failed => mail::Kind::WithdrawalFailed,
        _ => return Ok(()),
    };
    tell_trader(conn, id, status, kind).await
}

/// Queues the trader's e-mail about an outcome of their withdrawal, with
/// the change (once per withdrawal and status).
async fn tell_trader(
    conn: &mut AnyConnection,
    id: &str,
    status: Status,
    kind: mail::Kind,
) -> Result<(), sqlx::Error> {
    let row: Option<MailFacts> = sqlx::query(
        "SELECT w.user_id, w.amount, w.currency, a.last_digits
         FROM withdrawals w LEFT JOIN bank_accounts a ON a.id = w.bank_account_id
         WHERE w.id = $1",
    )
    .bind(id)
    .rows()
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(());
    };
    let mut params = mail::money_params(id, r.amount, &r.currency);
    params["last_digits"] = r.last_digits.into();
    let key = format!("withdrawal:{id}:{}", status.as_str());
    mail::enqueue(conn, &key, &r.user_id, kind, params).await
}

#[derive(sqlx::FromRow)]
struct MailFacts {
    user_id: String,
    amount: i64,
    currency: String,
    last_digits: Option<String>,
}

/// Gives the reserved amount back to available (once: keyed by the
/// withdrawal) and moves the withdrawal to `status`.
pub(super) async fn release(
    conn: &mut AnyConnection,
    w: &Withdrawal,
    status: Status,
    event_key: &str,
) -> Result<(), WithdrawalError> {
    let now = now_ms();
    if w.reserved {
        let amount = w.amount.minor;
        ledger::post_for_order(
            conn,
            &w.id,
            event_key,
            ledger::Kind::WithdrawalRelease,
            Some(&w.user_id),
            w.amount.currency,
            &[
                Leg::trader(Account::Reserved, &w.user_id, -amount),
                Leg::trader(Account::Available, &w.user_id, amount),
            ],
        )
        .await?;
        sqlx::query("UPDATE withdrawals SET reserved = 0 WHERE id = $1")
            .bind(&w.id)
            .execute(&mut *conn)
            .await?;
    }
    if w.status != status {
        set_status(conn, &w.id, status, now).await?;
    }
    Ok(())
}

pub(crate) async fn adopt_order_id(
    conn: &mut AnyConnection,
    id: &str,
    order_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE withdrawals SET order_id = $1 WHERE id = $2 AND order_id IS NULL")
        .bind(order_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn flag(
    conn: &mut AnyConnection,
    id: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE withdrawals SET flagged = 1, flag_reason = COALESCE(flag_reason, $1),
                updated_at = $2 WHERE id = $3",
    )
    .bind(reason)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

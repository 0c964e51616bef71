//! Trustly's notifications about payouts (called by
//! `wallet::notifications::apply`): payoutconfirmation, credit after a
//! payout (returned), cancel, and the order id they bring.

use super::*;

/// What a payout notification did.
pub(crate) enum Applied {
    Changed,
    Note(String),
    Flag(String),
}

/// payoutconfirmation: the money left Kassa. Reserved funds go to Kassa's
/// Trustly account. After a credit (bounce) already returned them, only the
/// date is noted: Trustly paid and took back, net zero.
pub(crate) async fn payout_confirmed(
    conn: &mut AnyConnection,
    w: &Withdrawal,
    nid: &str,
) -> Result<Applied, WithdrawalError> {
    if w.paid_at.is_some() {
        return Ok(Applied::Flag(
            "a second payoutconfirmation for one payout".into(),
        ));
    }
    let now = now_ms();
    sqlx::query("UPDATE withdrawals SET paid_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    if w.returned_at.is_some() {
        return Ok(Applied::Note(
            "payoutconfirmation after the payout's credit: nothing booked".into(),
        ));
    }
    if !w.reserved {
        // Released earlier (cancelled, denied, refused) and now paid after
        // all: the money has left, take it from available (even below
        // zero) and let an admin look.
        let amount = w.amount.minor;
        ledger::post_for_order(
            conn,
            &w.id,
            &format!("notification:{nid}"),
            ledger::Kind::WithdrawalPaid,
            Some(&w.user_id),
            w.amount.currency,
            &[
                Leg::trader(Account::Available, &w.user_id, -amount),
                Leg::kassa(Account::Trustly, amount),
            ],
        )
        .await?;
        set_status(conn, &w.id, Status::Paid, now).await?;
        return Ok(Applied::Flag(format!(
            "payoutconfirmation for a withdrawal already {}: taken from available",
            w.status.as_str()
        )));
    }
    let amount = w.amount.minor;
    ledger::post_for_order(
        conn,
        &w.id,
        &format!("notification:{nid}"),
        ledger::Kind::WithdrawalPaid,
        Some(&w.user_id),
        w.amount.currency,
        &[
            Leg::trader(Account::Reserved, &w.user_id, -amount),
            Leg::kassa(Account::Trustly, amount),
        ],
    )
    .await?;
    sqlx::query("UPDATE withdrawals SET reserved = 0 WHERE id = $1")
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    set_status(conn, &w.id, Status::Paid, now).await?;
    Ok(Applied::Changed)
}

/// credit for a payout: it failed or bounced; the amount goes back to
/// available, from reserved (not paid yet) or from Kassa's Trustly account
/// (paid, then returned).
pub(crate) async fn payout_credited(
    conn: &mut AnyConnection,
    w: &Withdrawal,
    nid: &str,
) -> Result<Applied, WithdrawalError> {
    if w.returned_at.is_some() {
        return Ok(Applied::Flag("a second credit for one payout".into()));
    }
    let now = now_ms();
    sqlx::query("UPDATE withdrawals SET returned_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    let amount = w.amount.minor;
    let from = if w.reserved {
        Leg::trader(Account::Reserved, &w.user_id, -amount)
    } else if w.paid_at.is_some() {
        Leg::kassa(Account::Trustly, -amount)
    } else {
        // Released already (cancelled): the money is back on available.
        set_status(conn, &w.id, Status::Returned, now).await?;
        return Ok(Applied::Note(
            "credit for a payout already released: nothing booked".into(),
        ));
    };
    ledger::post_for_order(
        conn,
        &w.id,
        &format!("notification:{nid}"),
        ledger::Kind::WithdrawalReturned,
        Some(&w.user_id),
        w.amount.currency,
        &[from, Leg::trader(Account::Available, &w.user_id, amount)],
    )
    .await?;
    sqlx::query("UPDATE withdrawals SET reserved = 0 WHERE id = $1")
        .bind(&w.id)
        .execute(&mut *conn)
        .await?;
    set_status(conn, &w.id, Status::Returned, now).await?;
    Ok(Applied::Changed)
}

/// cancel for a payout: cancelled, the reservation released if it is still
/// held (not after a payoutconfirmation or a credit).
pub(crate) async fn payout_cancelled(
    conn: &mut AnyConnection,
    w: &Withdrawal,
) -> Result<Applied, WithdrawalError> {
    if w.paid_at.is_some() || w.returned_at.is_some() || w.status.is_final() {
        return Ok(Applied::Note(format!(
            "cancel ignored: payout already {}",
            w.status.as_str()
        )));
    }
    release(
        conn,
        w,
        Status::Cancelled,
        &format!("withdrawal:{}:release", w.id),
    )
    .await?;
    Ok(Applied::Changed)
}

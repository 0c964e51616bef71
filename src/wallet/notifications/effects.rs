//! What each notification does to its order, inside the notification's
//! transaction: pending, credit (with its fast path), debit, cancel, and
//! the payout notifications' outcomes as an [`Effect`].

use super::*;
use crate::mail;

/// A payout step's outcome as an [`Effect`] (flags the withdrawal too).
pub(super) async fn payout_effect(
    conn: &mut AnyConnection,
    w: &Withdrawal,
    applied: Applied,
) -> Result<Effect, ProcessError> {
    Ok(match applied {
        Applied::Changed => Effect::changed(&w.user_id),
        Applied::Note(n) => Effect {
            note: Some(n),
            ..Effect::changed(&w.user_id)
        },
        Applied::Flag(reason) => {
            withdrawals::flag(conn, &w.id, &reason).await?;
            Effect {
                flagged: Some(reason),
                ..Effect::changed(&w.user_id)
            }
        }
    })
}

pub(super) async fn apply(
    conn: &mut AnyConnection,
    backend: Backend,
    kind: &NotificationKind,
    notification_id: Option<&str>,
) -> Result<Effect, ProcessError> {
    let nid = notification_id.unwrap_or_default();
    let (message_id, order_id) = match kind {
        NotificationKind::Pending(a)
        | NotificationKind::Credit(a)
        | NotificationKind::Debit(a)
        | NotificationKind::PayoutConfirmation(a) => (&a.messageid, &a.orderid),
        NotificationKind::Cancel(c) => (&c.messageid, &c.orderid),
        NotificationKind::Account(a) => (&a.messageid, &a.orderid),
        NotificationKind::Unknown => {
            return Ok(Effect::note("unknown method: acknowledged, ignored"))
        }
    };
    if let NotificationKind::Credit(a) = kind {
        if let Some(effect) = fast_credit(conn, a, nid).await? {
            return Ok(effect);
        }
    }
    let order = match matched_order(conn, backend, message_id, order_id).await? {
        Ok(o) => o,
        Err(effect) => return Ok(effect),
    };
    match (kind, order) {
        (
            NotificationKind::Pending(a) | NotificationKind::Credit(a) | NotificationKind::Debit(a),
            Order::Deposit(d),
        ) => {
            if let Err(reason) = amount_matches(a, d.amount) {
                deposits::flag(conn, &d.id, &reason).await?;
                return Ok(Effect::flagged(reason, Some(&d.user_id)));
            }
            match kind {
                NotificationKind::Pending(_) => pending(conn, &d).await,
                NotificationKind::Credit(_) => credit(conn, &d, nid).await,
                _ => debit(conn, &d, nid).await,
            }
        }
        (
            NotificationKind::Credit(a) | NotificationKind::PayoutConfirmation(a),
            Order::Withdrawal(w),
        ) => {
            if let Err(reason) = amount_matches(a, w.amount) {
                return payout_effect(conn, &w, Applied::Flag(reason)).await;
            }
            let applied = match kind {
                NotificationKind::Credit(_) => withdrawals::payout_credited(conn, &w, nid).await?,
                _ => withdrawals::payout_confirmed(conn, &w, nid).await?,
            };
            payout_effect(conn, &w, applied).await
        }
        (NotificationKind::Pending(_), Order::Withdrawal(w)) => {
            payout_effect(
                conn,
                &w,
                Applied::Note("pending for a payout: nothing to do".into()),
            )
            .await
        }
        (NotificationKind::Cancel(_), Order::Deposit(d)) => cancel(conn, &d).await,
        (NotificationKind::Cancel(_), Order::Withdrawal(w)) => {
            let applied = withdrawals::payout_cancelled(conn, &w).await?;
            payout_effect(conn, &w, applied).await
        }
        (NotificationKind::Cancel(_), Order::Selection(s)) => {
            accounts::settle_selection(conn, &s.id, order_id, accounts::SelectionStatus::Cancelled)
                .await?;
            Ok(Effect::changed(&s.user_id))
        }
        (NotificationKind::Account(a), Order::Deposit(d)) => {
            accounts::upsert_from_notification(conn, &d.user_id, a).await?;
            Ok(Effect::changed(&d.user_id))
        }
        (NotificationKind::Account(a), Order::Selection(s)) => {
            accounts::upsert_from_notification(conn, &s.user_id, a).await?;
            accounts::settle_selection(conn, &s.id, order_id, accounts::SelectionStatus::Selected)
                .await?;
            Ok(Effect::changed(&s.user_id))
        }
        (NotificationKind::PayoutConfirmation(_), Order::Deposit(d)) => {
            let reason = "payoutconfirmation for a deposit".to_string();
            deposits::flag(conn, &d.id, &reason).await?;
            Ok(Effect::flagged(reason, Some(&d.user_id)))
        }
        (_, order) => Ok(Effect::flagged(
            format!("{} notification for {}", kind.method(), order.describe()),
            Some(order.user_id()),
        )),
    }
}

pub(super) async fn pending(conn: &mut AnyConnection, d: &Deposit) -> Result<Effect, ProcessError> {
    if !d.status.accepts_pending() {
        return Ok(Effect::note(format!(
            "pending ignored: deposit already {}",
            d.status.as_str()
        )));
    }
    deposits::set_status(conn, &d.id, Status::Pending).await?;
    Ok(Effect::changed(&d.user_id))
}

/// The common case of the busiest notification in one statement fewer:
/// a credit for a deposit (named by messageid) that has no credit or debit
/// yet and whose amount and order id agree is credited by one conditional
/// UPDATE, then booked. Anything else returns None having changed
/// nothing, and the general path looks closer.
pub(super) async fn fast_credit(
    conn: &mut AnyConnection,
    n: &AmountNotification,
    nid: &str,
) -> Result<Option<Effect>, ProcessError> {
    let Ok(currency) = n.currency.parse::<Currency>() else {
        return Ok(None);
    };
    let Ok(amount) = Money::parse_trustly_lenient(&n.amount, currency) else {
        return Ok(None);
    };
    if n.messageid.is_empty() || n.orderid.is_empty() {
        return Ok(None);
    }
    let Some(user_id) = deposits::credit_if_plain(conn, &n.messageid, &n.orderid, amount).await?
    else {
        return Ok(None);
    };
    // (the fast path names the deposit by messageid: its Kassa id)
    book_credit(conn, &n.messageid, &user_id, amount, nid).await?;
    Ok(Some(Effect::changed(&user_id)))
}

/// A deposit's money arrives: Kassa's Trustly account to the trader's
/// available balance, keyed by the credit notification.
pub(super) async fn book_credit(
    conn: &mut AnyConnection,
    deposit_id: &str,
    user_id: &str,
    amount: Money,
    nid: &str,
) -> Result<(), ProcessError> {
    ledger::post_for_order(
        conn,
        deposit_id,
        &format!("notification:{nid}"),
        ledger::Kind::DepositCredit,
        Some(user_id),
        amount.currency,
        &[
            Leg::trader(Account::Available, user_id, amount.minor),
            Leg::kassa(Account::Trustly, -amount.minor),
        ],
    )
    .await?;
    let params = mail::money_params(deposit_id, amount.minor, amount.currency.code());
    let key = format!("deposit:{deposit_id}:credited");
    mail::enqueue(conn, &key, user_id, mail::Kind::DepositCredited, params).await?;
    Ok(())
}

pub(super) async fn credit(
    conn: &mut AnyConnection,
    d: &Deposit,
    nid: &str,
) -> Result<Effect, ProcessError> {
    if d.credited_at.is_some() {
        let reason = "a second credit for a deposit already credited".to_string();
        deposits::flag(conn, &d.id, &reason).await?;
        return Ok(Effect::flagged(reason, Some(&d.user_id)));
    }
    if d.debited_at.is_some() {
        // The debit overtook its credit: the two cancel out, nothing to book.
        deposits::set_settled(conn, &d.id, SettledColumn::Credited).await?;
        return Ok(Effect::note("credit after its debit: nothing booked"));
    }
    book_credit(conn, &d.id, &d.user_id, d.amount, nid).await?;
    deposits::set_status_settled(conn, &d.id, Status::Credited, SettledColumn::Credited).await?;
    Ok(Effect::changed(&d.user_id))
}

pub(super) async fn debit(
    conn: &mut AnyConnection,
    d: &Deposit,
    nid: &str,
) -> Result<Effect, ProcessError> {
    if d.debited_at.is_some() {
        let reason = "a second debit for a deposit already debited".to_string();
        deposits::flag(conn, &d.id, &reason).await?;
        return Ok(Effect::flagged(reason, Some(&d.user_id)));
    }
    deposits::set_settled(conn, &d.id, SettledColumn::Debited).await?;
    let mut note = None;
    if d.credited_at.is_some() {
        // Take the money back, even below zero.
        let amount = d.amount.minor;
        ledger::post_for_order(
            conn,
            &d.id,
            &format!("notification:{nid}"),
            ledger::Kind::DepositDebit,
            Some(&d.user_id),
            d.amount.currency,
            &[
                Leg::trader(Account::Available, &d.user_id, -amount),
                Leg::kassa(Account::Trustly, amount),
            ],
        )
        .await?;
        let params = mail::money_params(&d.id, amount, d.amount.currency.code());
        let key = format!("deposit:{}:reversed", d.id);
        mail::enqueue(conn, &key, &d.user_id, mail::Kind::DepositReversed, params).await?;
        let left = ledger::available(conn, &d.user_id, d.amount.currency).await?;
        if left < 0 {
            note = Some(format!(
                "debit took the balance below zero ({})",
                Money::new(left, d.amount.currency)
            ));
        }
    } else {
        note = Some("debit before its credit: nothing booked".to_string());
    }
    // A deposit that did not settle is for an admin to look at, and so is
    // its trader.
    deposits::flag(conn, &d.id, "debited: the deposit did not settle").await?;
    sqlx::query("UPDATE users SET flagged = 1 WHERE id = $1")
        .bind(&d.user_id)
        .execute(&mut *conn)
        .await?;
    if d.status != Status::Reversed {
        deposits::set_status(conn, &d.id, Status::Reversed).await?;
    }
    Ok(Effect {
        note,
        ..Effect::changed(&d.user_id)
    })
}

pub(super) async fn cancel(conn: &mut AnyConnection, d: &Deposit) -> Result<Effect, ProcessError> {
    if !d.status.accepts_cancel() {
        return Ok(Effect::note(format!(
            "cancel ignored: deposit already {}",
            d.status.as_str()
        )));
    }
    deposits::set_status(conn, &d.id, Status::Cancelled).await?;
    Ok(Effect::changed(&d.user_id))
}

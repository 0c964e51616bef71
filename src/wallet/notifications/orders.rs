//! Which order a notification is about: found by messageid (our id), then
//! orderid, among deposits, withdrawals and account selections, locked for
//! the notification's transaction; its orderid and amount checked.

use super::*;

/// The order a notification is about.
pub(super) enum Order {
    Deposit(Deposit),
    /// Boxed: a withdrawal row is much larger than the other orders.
    Withdrawal(Box<Withdrawal>),
    /// A SelectAccount order (bank account selection).
    Selection(Selection),
}

impl Order {
    pub(super) fn user_id(&self) -> &str {
        match self {
            Order::Deposit(d) => &d.user_id,
            Order::Withdrawal(w) => &w.user_id,
            Order::Selection(s) => &s.user_id,
        }
    }
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Order::Deposit(_) => "a deposit",
            Order::Withdrawal(_) => "a payout",
            Order::Selection(_) => "an account selection",
        }
    }
}

pub(super) async fn find_order(
    conn: &mut AnyConnection,
    backend: Backend,
    message_id: &str,
    order_id: &str,
) -> Result<Option<Order>, sqlx::Error> {
    if let Some(d) = deposits::find_for_update(conn, backend, message_id, order_id).await? {
        return Ok(Some(Order::Deposit(d)));
    }
    if let Some(w) = withdrawals::find_for_update(conn, backend, message_id, order_id).await? {
        return Ok(Some(Order::Withdrawal(Box::new(w))));
    }
    if let Some(s) =
        accounts::find_selection_for_update(conn, backend, message_id, order_id).await?
    {
        return Ok(Some(Order::Selection(s)));
    }
    Ok(None)
}

/// The order named by `message_id`/`order_id`, with its orderid checked:
/// stored when the order has none yet, a contradiction is flagged.
pub(super) async fn matched_order(
    conn: &mut AnyConnection,
    backend: Backend,
    message_id: &str,
    order_id: &str,
) -> Result<Result<Order, Effect>, sqlx::Error> {
    let Some(order) = find_order(conn, backend, message_id, order_id).await? else {
        return Ok(Err(Effect::flagged(
            format!("unknown order (orderid {order_id:?}, messageid {message_id:?})"),
            None,
        )));
    };
    let known = match &order {
        Order::Deposit(d) => d.order_id.as_deref(),
        Order::Withdrawal(w) => w.order_id.as_deref(),
        Order::Selection(s) => s.order_id.as_deref(),
    };
    match known {
        Some(known) if known != order_id => {
            let reason = format!("orderid {order_id:?} does not match the order's {known:?}");
            match &order {
                Order::Deposit(d) => deposits::flag(conn, &d.id, &reason).await?,
                Order::Withdrawal(w) => withdrawals::flag(conn, &w.id, &reason).await?,
                Order::Selection(_) => {}
            }
            Ok(Err(Effect::flagged(reason, Some(order.user_id()))))
        }
        Some(_) => Ok(Ok(order)),
        None => {
            match &order {
                Order::Deposit(d) => deposits::adopt_order_id(conn, &d.id, order_id).await?,
                Order::Withdrawal(w) => withdrawals::adopt_order_id(conn, &w.id, order_id).await?,
                Order::Selection(_) => {} // settle_selection stores it
            }
            Ok(Ok(order))
        }
    }
}

/// Checks a notification's amount and currency against the order's.
pub(super) fn amount_matches(n: &AmountNotification, expected: Money) -> Result<(), String> {
    let parsed = n
        .currency
        .parse::<Currency>()
        .ok()
        .and_then(|c| Money::parse_trustly_lenient(&n.amount, c).ok());
    match parsed {
        Some(m) if m == expected => Ok(()),
        _ => Err(format!(
            "amount {:?} {:?} does not match the order's {}",
            n.amount, n.currency, expected
        )),
    }
}

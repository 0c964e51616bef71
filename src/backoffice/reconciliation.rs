//! Reconciliation of one UTC day: the money Kassa's ledger moved through its
//! Trustly account (deposits credited or debited back, payouts) beside the
//! money Trustly's notifications of that day announced, per order, with the
//! differences listed.
//!
//! Both sides are signed flows into Kassa's account at Trustly:
//! - ledger: minus the sum of a transaction's entries on the `trustly`
//!   account (a credit books `trustly -A`, a payout `trustly +A`);
//! - notifications (verified ones only: ok or flagged; a rejected body is
//!   not trusted, not even its amount; a changed repeat of a notificationid
//!   announces nothing beyond its first): `credit` +A, `debit` -A,
//!   `payoutconfirmation` -A (a payout's `credit` counts only after its
//!   payoutconfirmation: before it, it returns money that never left);
//! - refunds Trustly accepted: -A on the deposit they belong to, on the
//!   day Trustly confirmed them (a Refund has no notification).
//!
//! A ledger transaction is tied to its order by the order it was booked
//! for (`order_ref`), a notification by its messageid or orderid; the
//! amount a notification announced is read from its own columns
//! (`amount_minor`, `currency`), never from its body. Orders are matched on
//! net flow per currency, so a credit and its debit on the same day cancel
//! out on both sides.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::FromRow;

use super::{day_filter, decimal, in_list, orders::Kind, Result, Sql};
use crate::{
    api::{
        backoffice::{ReconciliationRow, ReconciliationTotals, ReconciliationView},
        format::{day_of, parse_day},
    },
    db::{now_ms, Db},
    trustly::notifications::{CREDIT, DEBIT, PAYOUT_CONFIRMATION},
    wallet::{ledger::Account, notification_records::Outcome, refunds},
};

const DAY_MS: i64 = 86_400_000;
/// Rows per `IN (...)` lookup.
const CHUNK: usize = 500;

#[derive(Clone, Debug)]
struct OrderRef {
    kind: Kind,
    id: String,
    order_id: Option<String>,
    email: String,
}

/// An order as [`resolve`] finds it.
#[derive(FromRow)]
struct OrderRow {
    id: String,
    order_id: Option<String>,
    email: String,
}

#[derive(Default, Debug)]
struct Sides {
    ledger_in: i64,
    ledger_out: i64,
    notified_in: i64,
    notified_out: i64,
    ledger_items: usize,
    notified_items: usize,
    notes: Vec<String>,
}

impl Sides {
    fn ledger(&self) -> i64 {
        self.ledger_in - self.ledger_out
    }
    fn notified(&self) -> i64 {
        self.notified_in - self.notified_out
    }
}

/// A ledger transaction of the day that touched Kassa's Trustly account.
#[derive(FromRow)]
struct Booked {
    event_key: String,
    /// The deposit or withdrawal it was booked for (None: an adjustment).
    order_ref: Option<String>,
    currency: String,
    /// The sum of its entries on the trustly account.
    trustly: i64,
}

impl Booked {
    /// Signed flow into Kassa's account at Trustly.
    fn flow(&self) -> i64 {
        -self.trustly
    }
}

/// A verified money notification of the day, as recorded.
#[derive(FromRow)]
struct NotifiedRow {
    notification_id: Option<String>,
    method: String,
    order_id: Option<String>,
    message_id: Option<String>,
    outcome: String,
    reason: Option<String>,
    amount_minor: Option<i64>,
    currency: Option<String>,
}

struct Notified {
    notification_id: Option<String>,
    method: String,
    order_id: Option<String>,
    message_id: Option<String>,
    outcome: String,
    reason: Option<String>,
    /// Signed flow into Kassa's account, and its currency; None when the
    /// notification's amount could not be read.
    flow: Option<(i64, String)>,
    /// Show `reason` in the row's note even though it was not flagged.
    note_reason: bool,
}

impl From<NotifiedRow> for Notified {
    fn from(r: NotifiedRow) -> Notified {
        Notified {
            flow: flow(&r.method, r.amount_minor, r.currency),
            notification_id: r.notification_id,
            method: r.method,
            order_id: r.order_id,
            message_id: r.message_id,
            outcome: r.outcome,
            reason: r.reason,
            note_reason: false,
        }
    }
}

/// The amount a verified notification announced, signed by its method.
fn flow(
    method: &str,
    amount_minor: Option<i64>,
    currency: Option<String>,
) -> Option<(i64, String)> {
    let sign = match method {
        CREDIT => 1,
        DEBIT | PAYOUT_CONFIRMATION => -1,
        _ => return None,
    };
    Some((sign * amount_minor?, currency?))
}

/// Looks up orders by Kassa id or Trustly order id, in chunks.
async fn resolve(db: &Db, keys: &HashSet<String>) -> Result<HashMap<String, OrderRef>> {
    let keys: Vec<String> = keys.iter().cloned().collect();
    let mut found = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        // One query per unique column: an OR of the two would not use
        // their indexes.
        for (kind, table, column) in [
            (Kind::Deposit, "deposits", "id"),
            (Kind::Deposit, "deposits", "order_id"),
            (Kind::Withdrawal, "withdrawals", "id"),
            (Kind::Withdrawal, "withdrawals", "order_id"),
        ] {
            let mut sql = Sql::default();
            let list = in_list(&mut sql, chunk);
            sql.push(&format!(
                "SELECT o.id, o.order_id, u.email FROM {table} o JOIN users u ON u.id = o.user_id \
                 WHERE o.{column} IN ({list})"
            ));
            for r in sql.query_as::<OrderRow>().fetch_all(&db.pool).await? {
                let o = OrderRef {
                    kind,
                    id: r.id,
                    order_id: r.order_id,
                    email: r.email,
                };
                if let Some(oid) = &o.order_id {
                    found.insert(oid.clone(), o.clone());
                }
                found.insert(o.id.clone(), o);
            }
        }
    }
    Ok(found)
}

/// The day `date` (YYYY-MM-DD, UTC; today when absent).
pub async fn reconcile(db: &Db, date: Option<&str>) -> Result<ReconciliationView> {
    let from = match day_filter("date", date)? {
        Some(d) => d,
        None => parse_day(&day_of(now_ms())).unwrap_or(0),
    };
    let to = from + DAY_MS;
    let ledger = booked_between(db, from, to).await?;
    let mut notified = notified_between(db, from, to).await?;
    notified.extend(refunded_between(db, from, to).await?);

    // Which order each transaction and notification belongs to.
    let mut keys: HashSet<String> = ledger.iter().filter_map(|t| t.order_ref.clone()).collect();
    for n in &notified {
        keys.extend(n.order_id.iter().chain(n.message_id.iter()).cloned());
    }
    let orders = resolve(db, &keys).await?;
    net_returned_payouts(db, &orders, &mut notified).await?;
    let (groups, info) = group(&ledger, &notified, &orders);
    Ok(view(from, to, groups, info))
}

/// The order a notification belongs to: by our MessageID, else Trustly's
/// OrderID.
fn find<'a>(
    orders: &'a HashMap<String, OrderRef>,
    message_id: Option<&String>,
    order_id: Option<&String>,
) -> Option<&'a OrderRef> {
    message_id
        .and_then(|m| orders.get(m))
        .or_else(|| order_id.and_then(|o| orders.get(o)))
}

/// Kassa's side: every ledger transaction of the day that touched the
/// trustly account.
async fn booked_between(db: &Db, from: i64, to: i64) -> Result<Vec<Booked>> {
    Ok(sqlx::query_as::<_, Booked>(
        "SELECT t.event_key, t.order_ref, t.currency, CAST(SUM(e.amount) AS BIGINT) AS trustly
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
         WHERE t.created_at >= $1 AND t.created_at < $2 AND e.account = $3
         GROUP BY t.id, t.event_key, t.order_ref, t.currency",
    )
    .bind(from)
    .bind(to)
    .bind(Account::Trustly.as_str())
    .fetch_all(&db.pool)
    .await?)
}

/// Trustly's side: the day's verified money notifications.
async fn notified_between(db: &Db, from: i64, to: i64) -> Result<Vec<Notified>> {
    Ok(sqlx::query_as::<_, NotifiedRow>(
        "SELECT notification_id, method, order_id, message_id, outcome, reason, amount_minor,
                currency
         FROM notifications
         WHERE received_at >= $1 AND received_at < $2 AND outcome <> $3
           AND repeat_of IS NULL AND method IN ($4, $5, $6)
         ORDER BY received_at, id",
    )
    .bind(from)
    .bind(to)
    .bind(Outcome::Rejected.as_str())
    .bind(CREDIT)
    .bind(DEBIT)
    .bind(PAYOUT_CONFIRMATION)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(Notified::from)
    .collect())
}

/// A refund of the day as Trustly confirmed it (no notification announces
/// one).
#[derive(FromRow)]
struct RefundedRow {
    id: String,
    deposit_id: String,
    order_id: String,
    amount: i64,
    currency: String,
}

/// Trustly's side of refunds: a refund Trustly accepted (its signed answer,
/// or its entry in GetWithdrawals) took its amount out of Kassa's Trustly
/// account on the day it was confirmed; it belongs to its deposit.
async fn refunded_between(db: &Db, from: i64, to: i64) -> Result<Vec<Notified>> {
    let rows = sqlx::query_as::<_, RefundedRow>(
        "SELECT id, deposit_id, order_id, amount, currency FROM refunds
         WHERE status = $1 AND refunded_at >= $2 AND refunded_at < $3
         ORDER BY refunded_at, id",
    )
    .bind(refunds::Status::Refunded.as_str())
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Notified {
            notification_id: None,
            method: "refund".into(),
            order_id: Some(r.order_id),
            message_id: Some(r.deposit_id),
            outcome: Outcome::Ok.as_str().into(),
            reason: Some(format!("refund {} accepted by Trustly", r.id)),
            flow: Some((-r.amount, r.currency)),
            note_reason: true,
        })
        .collect())
}

/// A payout's money leaves Kassa's Trustly account when Trustly accepts
/// the AccountPayout, unannounced; a `credit` for a payout that was
/// never confirmed paid is that money coming back, so it nets to zero on
/// Trustly's side (and Kassa books none of it). Only a credit after a
/// payoutconfirmation brings money in.
async fn net_returned_payouts(
    db: &Db,
    orders: &HashMap<String, OrderRef>,
    notified: &mut [Notified],
) -> Result<()> {
    for n in notified.iter_mut().filter(|n| n.method == CREDIT) {
        let Some(o) = find(orders, n.message_id.as_ref(), n.order_id.as_ref()) else {
            continue;
        };
        if o.kind != Kind::Withdrawal {
            continue;
        }
        let confirmed: i64 = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) AS n FROM notifications WHERE method = $3
             AND outcome <> $4 AND repeat_of IS NULL
             AND (message_id = $1 OR order_id = $2)",
        )
        .bind(&o.id)
        .bind(o.order_id.as_deref().unwrap_or(&o.id))
        .bind(PAYOUT_CONFIRMATION)
        .bind(Outcome::Rejected.as_str())
        .fetch_one(&db.pool)
        .await?;
        if confirmed == 0 {
            if let Some((flow, _)) = n.flow.as_mut() {
                *flow = 0;
            }
            n.reason = Some(match n.reason.take() {
                Some(r) => format!("{r}; returned before it was paid out"),
                None => "returned before it was paid out".into(),
            });
            n.note_reason = true;
        }
    }
    Ok(())
}

/// What is known of one group (an order, or an orphan): the order and
/// Trustly's order id.
type GroupInfo = HashMap<String, (Option<OrderRef>, Option<String>)>;

/// Both sides summed per (group, currency): a group is an order, or an
/// orphan transaction or notification on its own.
fn group(
    ledger: &[Booked],
    notified: &[Notified],
    orders: &HashMap<String, OrderRef>,
) -> (BTreeMap<(String, String), Sides>, GroupInfo) {
    let mut groups: BTreeMap<(String, String), Sides> = BTreeMap::new();
    let mut info: GroupInfo = HashMap::new();
    for t in ledger {
        let order = t.order_ref.as_ref().and_then(|o| orders.get(o));
        let group = match order {
            Some(o) => o.id.clone(),
            None => format!("ledger:{}", t.event_key),
        };
        info.entry(group.clone())
            .or_insert_with(|| (order.cloned(), None));
        let s = groups.entry((group, t.currency.clone())).or_default();
        let flow = t.flow();
        if flow >= 0 {
            s.ledger_in += flow;
        } else {
            s.ledger_out -= flow;
        }
        s.ledger_items += 1;
    }
    for n in notified {
        let order = find(orders, n.message_id.as_ref(), n.order_id.as_ref());
        let group = match (order, &n.order_id) {
            (Some(o), _) => o.id.clone(),
            (None, Some(oid)) => format!("order:{oid}"),
            (None, None) => format!(
                "notification:{}",
                n.notification_id.as_deref().unwrap_or("?")
            ),
        };
        info.entry(group.clone())
            .or_insert_with(|| (order.cloned(), n.order_id.clone()));
        let (flow, currency) = match &n.flow {
            Some((f, c)) => (*f, c.clone()),
            None => (0, "?".to_string()),
        };
        let s = groups.entry((group, currency)).or_default();
        if flow >= 0 {
            s.notified_in += flow;
        } else {
            s.notified_out -= flow;
        }
        s.notified_items += 1;
        if n.flow.is_none() {
            s.notes
                .push(format!("{} with an unreadable amount", n.method));
        }
        let flagged = n.outcome == Outcome::Flagged.as_str();
        if n.note_reason && !flagged {
            s.notes.push(format!(
                "{}: {}",
                n.method,
                n.reason.as_deref().unwrap_or_default()
            ));
        }
        if flagged {
            s.notes.push(format!(
                "{} flagged: {}",
                n.method,
                n.reason.as_deref().unwrap_or("no reason recorded")
            ));
        }
    }
    (groups, info)
}

/// The page: a row per (group, currency), the day's totals per currency,
/// and the rows that do not match.
fn view(
    from: i64,
    to: i64,
    groups: BTreeMap<(String, String), Sides>,
    mut info: GroupInfo,
) -> ReconciliationView {
    let mut rows = Vec::with_capacity(groups.len());
    let mut totals: BTreeMap<String, Sides> = BTreeMap::new();
    for ((group, currency), s) in groups {
        let t = totals.entry(currency.clone()).or_default();
        t.ledger_in += s.ledger_in;
        t.ledger_out += s.ledger_out;
        t.notified_in += s.notified_in;
        t.notified_out += s.notified_out;
        let diff = s.ledger() - s.notified();
        let matched = diff == 0;
        let mut notes = s.notes.clone();
        if !matched {
            notes.insert(
                0,
                match (s.ledger_items, s.notified_items) {
                    (0, _) => "notified by Trustly, not booked by Kassa".to_string(),
                    (_, 0) => "booked by Kassa without a notification that day".to_string(),
                    _ => "the amounts differ".to_string(),
                },
            );
        }
        let (order, trustly_order) = info.remove(&group).unwrap_or((None, None));
        rows.push(ReconciliationRow {
            kind: order
                .as_ref()
                .map_or("unknown", |o| o.kind.as_str())
                .to_string(),
            id: order.as_ref().map(|o| o.id.clone()),
            order_id: order
                .as_ref()
                .and_then(|o| o.order_id.clone())
                .or(trustly_order),
            email: order.as_ref().map(|o| o.email.clone()),
            ledger: decimal(s.ledger(), &currency),
            notified: decimal(s.notified(), &currency),
            difference: decimal(diff, &currency),
            matched,
            note: notes.join("; "),
            currency,
        });
        // keep the group's info for its other currencies
        if let Some(o) = order {
            info.insert(group, (Some(o), None));
        }
    }
    let differences = rows.iter().filter(|r| !r.matched).cloned().collect();
    let summary = totals
        .into_iter()
        .map(|(c, s)| ReconciliationTotals {
            ledger_in: decimal(s.ledger_in, &c),
            ledger_out: decimal(s.ledger_out, &c),
            notified_in: decimal(s.notified_in, &c),
            notified_out: decimal(s.notified_out, &c),
            difference: decimal(s.ledger() - s.notified(), &c),
            currency: c,
        })
        .collect();
    ReconciliationView {
        date: day_of(from),
        from,
        to,
        summary,
        rows,
        differences,
    }
}

#[cfg(test)]
mod tests {
    use super::flow;

    #[test]
    fn announced_amounts_are_signed_by_method() {
        let eur = |minor| (Some(minor), Some("EUR".to_string()));
        let (a, c) = eur(10_000);
        assert_eq!(flow("credit", a, c), Some((10_000, "EUR".into())));
        let (a, c) = eur(150);
        assert_eq!(flow("debit", a, c), Some((-150, "EUR".into())));
        let (a, c) = eur(200);
        assert_eq!(flow("payoutconfirmation", a, c), Some((-200, "EUR".into())));
        // not read when it was recorded; not money
        assert_eq!(flow("credit", None, None), None);
        let (a, c) = eur(100);
        assert_eq!(flow("pending", a, c), None);
    }
}

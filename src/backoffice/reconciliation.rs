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
//!   payoutconfirmation: before it, it returns money that never left).
//!
//! A ledger transaction is tied to its order through the notification that
//! caused it (`event_key` = `notification:{notificationid}`) or, for keys
//! Kassa makes itself, through an order id among the key's `:`-separated
//! parts. Orders are matched on net flow per currency, so a credit and its
//! debit on the same day cancel out on both sides.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use sqlx::Row;

use super::{day_filter, decimal, in_list, Result, Sql};
use crate::{
    api::{
        backoffice::{ReconciliationRow, ReconciliationTotals, ReconciliationView},
        format::{day_of, parse_day},
    },
    db::{now_ms, Db},
    money::{Currency, Money},
};

const DAY_MS: i64 = 86_400_000;
/// Rows per `IN (...)` lookup.
const CHUNK: usize = 500;

#[derive(Clone, Debug)]
struct OrderRef {
    kind: &'static str,
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

struct Notified {
    notification_id: Option<String>,
    method: String,
    order_id: Option<String>,
    message_id: Option<String>,
    outcome: String,
    reason: Option<String>,
    /// Signed flow into Kassa's account, and its currency; None when the
    /// body's amount could not be read.
    flow: Option<(i64, String)>,
    /// Show `reason` in the row's note even though it was not flagged.
    note_reason: bool,
}

/// The amount a verified notification announced, signed by its method.
fn announced(method: &str, raw: &str) -> Option<(i64, String)> {
    let v: Value = serde_json::from_str(raw).ok()?;
    let data = &v["params"]["data"];
    let code = data["currency"].as_str()?;
    let currency = code.parse::<Currency>().ok()?;
    let m = Money::parse_trustly_lenient(data["amount"].as_str()?, currency).ok()?;
    let sign = match method {
        "credit" => 1,
        "debit" | "payoutconfirmation" => -1,
        _ => return None,
    };
    Some((sign * m.minor, code.to_string()))
}

/// Looks up orders by Kassa id or Trustly order id, in chunks.
async fn resolve(db: &Db, keys: &HashSet<String>) -> Result<HashMap<String, OrderRef>> {
    let keys: Vec<String> = keys.iter().cloned().collect();
    let mut found = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        // One query per unique column: an OR of the two would not use
        // their indexes.
        for (kind, table, column) in [
            ("deposit", "deposits", "id"),
            ("deposit", "deposits", "order_id"),
            ("withdrawal", "withdrawals", "id"),
            ("withdrawal", "withdrawals", "order_id"),
        ] {
            let mut sql = Sql::default();
            let list = in_list(&mut sql, chunk);
            sql.push(&format!(
                "SELECT o.id, o.order_id, u.email FROM {table} o JOIN users u ON u.id = o.user_id \
                 WHERE o.{column} IN ({list})"
            ));
            for r in sql.query().fetch_all(&db.pool).await? {
                let o = OrderRef {
                    kind,
                    id: r.try_get("id")?,
                    order_id: r.try_get("order_id")?,
                    email: r.try_get("email")?,
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

async fn notifications_by_id(
    db: &Db,
    ids: &[String],
) -> Result<HashMap<String, (Option<String>, Option<String>)>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::default();
        let list = in_list(&mut sql, chunk);
        sql.push(&format!(
            "SELECT notification_id, order_id, message_id FROM notifications \
             WHERE notification_id IN ({list})"
        ));
        for r in sql.query().fetch_all(&db.pool).await? {
            out.insert(
                r.try_get::<String, _>("notification_id")?,
                (r.try_get("order_id")?, r.try_get("message_id")?),
            );
        }
    }
    Ok(out)
}

/// The day `date` (YYYY-MM-DD, UTC; today when absent).
pub async fn reconcile(db: &Db, date: Option<&str>) -> Result<ReconciliationView> {
    let from = match day_filter("date", date)? {
        Some(d) => d,
        None => parse_day(&day_of(now_ms())).unwrap_or(0),
    };
    let to = from + DAY_MS;

    // Kassa's side: every ledger transaction of the day that touched the
    // trustly account.
    let ledger: Vec<(String, String, i64)> = sqlx::query(
        "SELECT t.event_key, t.currency, CAST(SUM(e.amount) AS BIGINT) AS trustly
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
         WHERE t.created_at >= $1 AND t.created_at < $2 AND e.account = $3
         GROUP BY t.id, t.event_key, t.currency",
    )
    .bind(from)
    .bind(to)
    .bind(crate::wallet::ledger::Account::Trustly.as_str())
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("event_key")?,
            r.try_get("currency")?,
            -r.try_get::<i64, _>("trustly")?,
        ))
    })
    .collect::<Result<_>>()?;

    // Trustly's side: the day's verified money notifications.
    let notified: Vec<Notified> = sqlx::query(
        "SELECT notification_id, method, order_id, message_id, outcome, reason, raw
         FROM notifications
         WHERE received_at >= $1 AND received_at < $2 AND outcome <> 'rejected'
           AND repeat_of IS NULL AND method IN ('credit', 'debit', 'payoutconfirmation')
         ORDER BY received_at, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        let method: String = r.try_get("method")?;
        let raw: String = r.try_get("raw")?;
        Ok(Notified {
            flow: announced(&method, &raw),
            notification_id: r.try_get("notification_id")?,
            method,
            order_id: r.try_get("order_id")?,
            message_id: r.try_get("message_id")?,
            outcome: r.try_get("outcome")?,
            reason: r.try_get("reason")?,
            note_reason: false,
        })
    })
    .collect::<Result<_>>()?;

    // Which order each ledger transaction belongs to.
    let mut by_nid: HashMap<String, (Option<String>, Option<String>)> = notified
        .iter()
        .filter_map(|n| {
            n.notification_id
                .clone()
                .map(|id| (id, (n.order_id.clone(), n.message_id.clone())))
        })
        .collect();
    let missing: Vec<String> = ledger
        .iter()
        .filter_map(|(key, _, _)| key.strip_prefix("notification:"))
        .filter(|nid| !by_nid.contains_key(*nid))
        .map(str::to_string)
        .collect();
    by_nid.extend(notifications_by_id(db, &missing).await?);

    let mut keys: HashSet<String> = HashSet::new();
    for (key, _, _) in &ledger {
        match key.strip_prefix("notification:") {
            Some(nid) => {
                if let Some((o, m)) = by_nid.get(nid) {
                    keys.extend(o.iter().chain(m.iter()).cloned());
                }
            }
            None => keys.extend(key.split(':').filter(|p| p.len() >= 8).map(str::to_string)),
        }
    }
    for n in &notified {
        keys.extend(n.order_id.iter().chain(n.message_id.iter()).cloned());
    }
    let orders = resolve(db, &keys).await?;

    let find = |message_id: Option<&String>, order_id: Option<&String>| {
        message_id
            .and_then(|m| orders.get(m))
            .or_else(|| order_id.and_then(|o| orders.get(o)))
    };

    // A payout's money leaves Kassa's Trustly account when Trustly accepts
    // the AccountPayout, unannounced; a `credit` for a payout that was
    // never confirmed paid is that money coming back, so it nets to zero on
    // Trustly's side (and Kassa books none of it). Only a credit after a
    // payoutconfirmation brings money in.
    let mut notified = notified;
    for n in notified.iter_mut().filter(|n| n.method == "credit") {
        let Some(o) = find(n.message_id.as_ref(), n.order_id.as_ref()) else {
            continue;
        };
        if o.kind != "withdrawal" {
            continue;
        }
        let confirmed: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications WHERE method = 'payoutconfirmation'
             AND outcome <> 'rejected' AND repeat_of IS NULL
             AND (message_id = $1 OR order_id = $2)",
        )
        .bind(&o.id)
        .bind(o.order_id.as_deref().unwrap_or(&o.id))
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
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

    // (group, currency) -> sides; group -> what is known of the order
    let mut groups: BTreeMap<(String, String), Sides> = BTreeMap::new();
    let mut info: HashMap<String, (Option<OrderRef>, Option<String>)> = HashMap::new();
    for (key, currency, flow) in &ledger {
        let order = match key.strip_prefix("notification:") {
            Some(nid) => by_nid
                .get(nid)
                .and_then(|(o, m)| find(m.as_ref(), o.as_ref())),
            None => key.split(':').find_map(|p| orders.get(p)),
        };
        let group = match order {
            Some(o) => o.id.clone(),
            None => format!("ledger:{key}"),
        };
        info.entry(group.clone())
            .or_insert_with(|| (order.cloned(), None));
        let s = groups.entry((group, currency.clone())).or_default();
        if *flow >= 0 {
            s.ledger_in += flow;
        } else {
            s.ledger_out -= flow;
        }
        s.ledger_items += 1;
    }
    for n in &notified {
        let order = find(n.message_id.as_ref(), n.order_id.as_ref());
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
        if n.note_reason && n.outcome != "flagged" {
            s.notes.push(format!(
                "{}: {}",
                n.method,
                n.reason.as_deref().unwrap_or_default()
            ));
        }
        if n.outcome == "flagged" {
            s.notes.push(format!(
                "{} flagged: {}",
                n.method,
                n.reason.as_deref().unwrap_or("no reason recorded")
            ));
        }
    }

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
            kind: order.as_ref().map_or("unknown", |o| o.kind).to_string(),
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
    Ok(ReconciliationView {
        date: day_of(from),
        from,
        to,
        summary,
        rows,
        differences,
    })
}

#[cfg(test)]
mod tests {
    use super::announced;

    #[test]
    fn announced_amounts_are_signed_by_method() {
        let body = |m: &str, a: &str| {
            format!(r#"{{"method":"{m}","params":{{"data":{{"amount":"{a}","currency":"EUR"}}}}}}"#)
        };
        assert_eq!(
            announced("credit", &body("credit", "100.00")),
            Some((10_000, "EUR".into()))
        );
        assert_eq!(
            announced("debit", &body("debit", "1.5")),
            Some((-150, "EUR".into()))
        );
        assert_eq!(
            announced("payoutconfirmation", &body("payoutconfirmation", "2")),
            Some((-200, "EUR".into()))
        );
        assert_eq!(announced("credit", &body("credit", "-1")), None);
        assert_eq!(announced("credit", "not json"), None);
    }
}

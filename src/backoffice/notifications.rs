//! The notification log: every notification Kassa received, as recorded by
//! `wallet::notifications` (verified or not), filterable by method, order
//! and outcome. A rejected notification is shown as received, with the
//! reason it was refused; nothing in it is read or trusted (its order and
//! method columns are empty because they were never taken from it), and
//! only the first 4 KiB of its body were kept (`raw_truncated`). A repeat
//! of a processed notificationid whose signed content differed from the
//! first is a flagged row of its own, showing the notificationid it
//! repeats: both bodies are there.

use super::{page_size, Cursor, Result, Sql};
use crate::{
    api::backoffice::{NotificationList, NotificationRow},
    db::Db,
    traders::newtypes::FieldError,
    wallet::notification_records::Outcome,
};

/// How much of a raw body a list shows (the order page shows it all).
pub const LIST_RAW: usize = 4096;

/// Filters of `GET /api/admin/notifications`, as received.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct NotificationQuery {
    /// "ok", "flagged" or "rejected"
    pub outcome: Option<String>,
    pub method: Option<String>,
    /// Trustly's order id or Kassa's id (messageid).
    pub order: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn filtered(q: &NotificationQuery, select: &str) -> Result<Sql> {
    let mut sql = Sql::new(select);
    sql.push(" FROM notifications WHERE 1 = 1");
    if let Some(o) = nonempty(&q.outcome) {
        let Some(o) = Outcome::parse(o) else {
            return Err(FieldError::coded(
                "outcome",
                "outcome_invalid",
                "Outcome is ok, flagged or rejected.",
            )
            .into());
        };
        let p = sql.text_arg(o.as_str());
        sql.push(&format!(" AND outcome = {p}"));
    }
    if let Some(m) = nonempty(&q.method) {
        let p = sql.text_arg(m);
        sql.push(&format!(" AND method = {p}"));
    }
    if let Some(o) = nonempty(&q.order) {
        let p = sql.text_arg(o);
        sql.push(&format!(" AND (order_id = {p} OR message_id = {p})"));
    }
    Ok(sql)
}

const COLUMNS: &str = "id, COALESCE(notification_id, repeat_of) AS notification_id, method, \
                       order_id, message_id, outcome, reason, raw, raw_truncated, reply_status, \
                       received_at";

/// A `notifications` row as [`COLUMNS`] selects it.
#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    notification_id: Option<String>,
    method: Option<String>,
    order_id: Option<String>,
    message_id: Option<String>,
    outcome: String,
    reason: Option<String>,
    raw: String,
    raw_truncated: i64,
    reply_status: Option<String>,
    received_at: i64,
}

impl Row {
    /// The row for the API; `raw_limit` cuts the body (at a character
    /// boundary).
    fn into_view(self, raw_limit: Option<usize>) -> NotificationRow {
        let mut raw = self.raw;
        // Cut when it was stored (a rejected body keeps 4 KiB) or here.
        let mut truncated = self.raw_truncated != 0;
        if let Some(max) = raw_limit {
            if raw.len() > max {
                let mut end = max;
                while !raw.is_char_boundary(end) {
                    end -= 1;
                }
                raw.truncate(end);
                truncated = true;
            }
        }
        NotificationRow {
            id: self.id,
            notification_id: self.notification_id,
            method: self.method,
            order_id: self.order_id,
            message_id: self.message_id,
            reason: self.reason,
            raw: Some(raw),
            raw_truncated: truncated,
            // A rejected notification got an HTTP error, not a signed reply.
            reply_status: if self.outcome == Outcome::Rejected.as_str() {
                None
            } else {
                self.reply_status
            },
            outcome: self.outcome,
            received_at: self.received_at,
        }
    }
}

pub async fn list(db: &Db, q: &NotificationQuery) -> Result<NotificationList> {
    let limit = page_size(q.limit.as_deref())?;
    let cursor = Cursor::parse(q.cursor.as_deref())?;
    let total: i64 = filtered(q, "SELECT COUNT(*) AS n")?
        .scalar()
        .fetch_one(&db.pool)
        .await?;
    let (notifications, next) = page(db, q, cursor.as_ref(), limit, Some(LIST_RAW)).await?;
    Ok(NotificationList {
        notifications,
        total,
        next,
    })
}

pub async fn page(
    db: &Db,
    q: &NotificationQuery,
    cursor: Option<&Cursor>,
    limit: i64,
    raw_limit: Option<usize>,
) -> Result<(Vec<NotificationRow>, Option<String>)> {
    let mut sql = filtered(q, &format!("SELECT {COLUMNS}"))?;
    if let Some(c) = cursor {
        let (at, id) = (sql.int_arg(c.at), sql.text_arg(c.id.clone()));
        sql.push(&format!(
            " AND received_at <= {at} AND (received_at < {at} OR id < {id})"
        ));
    }
    let l = sql.int_arg(limit + 1);
    sql.push(&format!(" ORDER BY received_at DESC, id DESC LIMIT {l}"));
    let mut rows: Vec<NotificationRow> = sql
        .query_as::<Row>()
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| r.into_view(raw_limit))
        .collect();
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|n| Cursor::encode(n.received_at, &n.id))
    } else {
        None
    };
    Ok((rows, next))
}

/// Every notification about one order (by messageid = Kassa's id, or by
/// Trustly's orderid), oldest first, bodies whole.
pub async fn for_order(db: &Db, id: &str, order_id: Option<&str>) -> Result<Vec<NotificationRow>> {
    Ok(sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE message_id = $1 OR order_id = $2
         ORDER BY received_at, id"
    ))
    .bind(id)
    .bind(order_id.unwrap_or(id))
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| r.into_view(None))
    .collect())
}

/// The latest rejected or flagged notifications (no bodies), and how many
/// of each there are.
pub async fn problems(db: &Db, limit: i64) -> Result<(i64, i64, Vec<NotificationRow>)> {
    // Two equality counts: each is a range of the outcome index.
    let count = |outcome: Outcome| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) AS n FROM notifications WHERE outcome = $1")
            .bind(outcome.as_str())
            .fetch_one(&db.pool)
            .await
    };
    let rejected = count(Outcome::Rejected).await?;
    let flagged = count(Outcome::Flagged).await?;
    let mut latest = Vec::new();
    for outcome in [Outcome::Rejected, Outcome::Flagged] {
        let q = NotificationQuery {
            outcome: Some(outcome.as_str().into()),
            ..Default::default()
        };
        latest.extend(page(db, &q, None, limit, Some(0)).await?.0);
    }
    latest.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
    latest.truncate(limit as usize);
    for n in &mut latest {
        n.raw = None;
        n.raw_truncated = false;
    }
    Ok((rejected, flagged, latest))
}

//! What Kassa keeps of the notifications it receives, beside applying them
//! (`wallet::notifications`):
//! - a rejected one (did not verify, or unusable) is kept as at most
//!   [`REJECTED_KEEP`] bytes of its body, marked `raw_truncated` when cut,
//!   and written later in batches ([`Db::write_later`]): unverified traffic
//!   is cheap and never takes a write turn ahead of a verified credit;
//! - a repeat of a processed notificationid is answered as the first; when
//!   its signed content differs from the first's it is kept too, as a
//!   flagged row next to the first (`repeat_of`), so an admin sees both.

use sqlx::AnyConnection;

use crate::{
    db::{self, now_ms, Db},
    money::{Currency, Money},
    trustly::{notifications::content_digest, AmountNotification, ReplyStatus},
};

/// What became of a recorded notification (`notifications.outcome`, checked
/// by the database).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Applied, or nothing to do.
    Ok,
    /// Not applied: an admin must look.
    Flagged,
    /// Not verified (or unusable): nothing was read from it.
    Rejected,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Ok, Outcome::Flagged, Outcome::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Flagged => "flagged",
            Outcome::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Longest raw body kept of a verified notification.
pub const RAW_KEEP: usize = 64 * 1024;
/// Longest raw body kept of a rejected one: nothing in it is trusted.
pub const REJECTED_KEEP: usize = 4 * 1024;

/// `text` cut to at most `max` bytes at a character boundary, without NUL
/// (PostgreSQL TEXT refuses it); and whether anything was cut.
pub(crate) fn keep(text: &str, max: usize) -> (String, bool) {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].replace('\0', "\u{FFFD}"), end < text.len())
}

/// A body as storable text (lossy UTF-8), at most `max` bytes.
pub(crate) fn storable(body: &[u8], max: usize) -> (String, bool) {
    let cut = &body[..body.len().min(max)];
    let (text, cut_more) = keep(&String::from_utf8_lossy(cut), max);
    (text, cut_more || cut.len() < body.len())
}

/// Queues the record of a rejected notification (written within moments;
/// dropped, counted and logged if the queue is full).
pub(crate) fn record_rejected(db: &Db, reason: &str, body: &[u8]) {
    let (raw, truncated) = storable(body, REJECTED_KEEP);
    let (id, at) = (uuid::Uuid::new_v4().to_string(), now_ms());
    let why = reason.to_string();
    let job = db::group_job(move |conn| {
        let insert = sqlx::query(
            "INSERT INTO notifications (id, outcome, reason, raw, raw_truncated, received_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.clone())
        .bind(Outcome::Rejected.as_str())
        .bind(why.clone())
        .bind(raw.clone())
        .bind(i64::from(truncated))
        .bind(at);
        Box::pin(async move {
            insert.execute(conn).await.map(|_| ()).map_err(|e| {
                tracing::error!(error = %e, "rejected notification not recorded");
            })
        })
    });
    if !db.write_later(job) {
        tracing::warn!(%reason, "rejected notification not recorded: queue full");
    }
}

/// The amount a verified pending, credit, debit or payoutconfirmation
/// announced (None when it cannot be read): kept in the notification's
/// `amount_minor` and `currency` columns, so nothing has to read the body
/// again to know it.
pub(crate) fn announced(n: &AmountNotification) -> Option<Money> {
    let currency = n.currency.parse::<Currency>().ok()?;
    Money::parse_trustly_lenient(&n.amount, currency).ok()
}

/// A verified notification, as the repeat check needs it.
pub(crate) struct Received<'a> {
    pub notification_id: &'a str,
    pub method: &'a str,
    pub uuid: &'a str,
    pub order_id: Option<&'a str>,
    pub message_id: Option<&'a str>,
    pub raw: &'a str,
    pub raw_truncated: bool,
    pub digest: &'a str,
    /// What it announced (see [`announced`]).
    pub amount: Option<Money>,
}

/// What a repeat of a processed notificationid is.
pub(crate) struct Repeat {
    /// The first reply's status: the answer again.
    pub status: ReplyStatus,
    /// Set when the signed content differs from the first's: why it was
    /// flagged, and whether this content was recorded just now (false when
    /// the same changed copy came before).
    pub changed: Option<(String, bool)>,
}

/// The first copy of a notificationid, as [`repeat`] reads it.
#[derive(sqlx::FromRow)]
struct FirstRow {
    id: String,
    reply_status: Option<String>,
    content_hash: Option<String>,
    /// The body, only when no digest was kept (recorded before 0007).
    legacy_raw: Option<String>,
}

/// Inside the write transaction, after the notification's row could not be
/// inserted because its notificationid was processed before: the first
/// reply's status, and a flagged row for a copy whose content changed.
pub(crate) async fn repeat(
    conn: &mut AnyConnection,
    n: &Received<'_>,
) -> Result<Repeat, sqlx::Error> {
    let first = sqlx::query_as::<_, FirstRow>(
        "SELECT id, reply_status, content_hash,
                CASE WHEN content_hash IS NULL THEN raw END AS legacy_raw
         FROM notifications WHERE notification_id = $1",
    )
    .bind(n.notification_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(first) = first else {
        return Ok(Repeat {
            status: ReplyStatus::Ok,
            changed: None,
        });
    };
    let status = first
        .reply_status
        .as_deref()
        .and_then(ReplyStatus::parse)
        .unwrap_or(ReplyStatus::Ok);
    let first_digest = match first.content_hash {
        Some(d) => Some(d),
        // Recorded before digests were kept: read it from the body.
        None => first.legacy_raw.and_then(|raw| digest_of_raw(&raw)),
    };
    if first_digest.is_none_or(|d| d == n.digest) {
        return Ok(Repeat {
            status,
            changed: None,
        });
    }
    let first_id = first.id;
    let reason = format!(
        "notificationid {:?} repeated with different signed content (first recorded as {first_id}): \
         answered as the first, nothing applied",
        n.notification_id
    );
    let new = record_changed(conn, n, &reason, status).await?;
    Ok(Repeat {
        status,
        changed: Some((reason, new)),
    })
}

/// Keeps a changed repeat beside the first (one row per distinct content).
async fn record_changed(
    conn: &mut AnyConnection,
    n: &Received<'_>,
    reason: &str,
    status: ReplyStatus,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO notifications (id, repeat_of, method, uuid, order_id, message_id, outcome,
                                    reason, raw, raw_truncated, reply_status, content_hash,
                                    received_at, amount_minor, currency)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (repeat_of, content_hash) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(n.notification_id)
    .bind(n.method)
    .bind(n.uuid)
    .bind(n.order_id)
    .bind(n.message_id)
    .bind(Outcome::Flagged.as_str())
    .bind(reason)
    .bind(n.raw)
    .bind(i64::from(n.raw_truncated))
    .bind(status.as_str())
    .bind(n.digest)
    .bind(now_ms())
    .bind(n.amount.map(|m| m.minor))
    .bind(n.amount.map(|m| m.currency.code()))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}

/// The content digest of a stored verified body (None if it cannot be
/// read back, e.g. cut at [`RAW_KEEP`]).
fn digest_of_raw(raw: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    Some(content_digest(
        v["method"].as_str()?,
        v.get("params")?.get("data")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_amounts_are_read_as_trustly_sends_them() {
        let n = |amount: &str, currency: &str| AmountNotification {
            amount: amount.into(),
            currency: currency.into(),
            ..AmountNotification::default()
        };
        let eur = |minor| Some(Money::new(minor, Currency::EUR));
        assert_eq!(announced(&n("100.00", "EUR")), eur(10_000));
        assert_eq!(announced(&n("1.5", "EUR")), eur(150));
        assert_eq!(announced(&n("2", "EUR")), eur(200));
        assert_eq!(announced(&n("-1", "EUR")), None);
        assert_eq!(announced(&n("1.00", "eur")), None);
    }

    #[test]
    fn bodies_are_kept_within_bounds() {
        assert_eq!(storable(b"short", 4096), ("short".into(), false));
        let (text, cut) = storable(&vec![b'x'; 100_000], REJECTED_KEEP);
        assert_eq!((text.len(), cut), (REJECTED_KEEP, true));
        // Invalid UTF-8 grows when replaced: still within the bound.
        let (text, cut) = storable(&vec![0xff; 5000], REJECTED_KEEP);
        assert!(text.len() <= REJECTED_KEEP && cut);
        // Never split a character, never keep a NUL.
        let (text, cut) = keep("aé\0", 2);
        assert_eq!((text.as_str(), cut), ("a", true));
        assert_eq!(keep("a\0", 10), ("a\u{FFFD}".into(), false));
    }
}

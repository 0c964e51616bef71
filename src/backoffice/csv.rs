//! CSV exports of every back-office list, written with [`Csv`] (quoted
//! as RFC 4180 says, formulas defused: names and notification bodies come
//! from outside).
//!
//! Exports take every row the filters match (up to [`MAX_EXPORT_ROWS`]),
//! read page by page on the same keyset as the lists.

use super::{
    audit::{self, AuditQuery},
    notifications::{self, NotificationQuery},
    orders::{self, Filters, OrderQuery},
    search_text,
    traders::{self, TraderQuery},
    Cursor, Result, MAX_EXPORT_ROWS,
};
use crate::{
    api::{
        backoffice::{BalanceView, ReconciliationView},
        csv::Csv,
        format::iso,
    },
    db::Db,
};

/// Rows read per page while exporting.
const EXPORT_PAGE: i64 = 2000;

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

fn balances(b: &[BalanceView]) -> String {
    b.iter()
        .map(|b| {
            format!(
                "{} {} available/{} reserved/{} pending",
                b.currency, b.available, b.reserved, b.pending
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub async fn traders(db: &Db, q: &TraderQuery) -> Result<String> {
    let text = search_text(q.q.as_deref())?;
    let mut csv = Csv::new(&[
        "id",
        "email",
        "first_name",
        "last_name",
        "frozen",
        "flagged",
        "locked",
        "created_at",
        "balances",
    ]);
    let mut cursor: Option<Cursor> = None;
    let mut written = 0;
    loop {
        let (rows, next) = traders::page(db, text.as_deref(), cursor.as_ref(), EXPORT_PAGE).await?;
        for t in &rows {
            csv.row([
                t.id.as_str(),
                &t.email,
                &t.first_name,
                &t.last_name,
                if t.frozen { "yes" } else { "no" },
                if t.flagged { "yes" } else { "no" },
                if t.locked { "yes" } else { "no" },
                &iso(t.created_at),
                &balances(&t.balances),
            ]);
        }
        written += rows.len();
        match next {
            Some(n) if written < MAX_EXPORT_ROWS => cursor = Cursor::parse(Some(&n))?,
            _ => break,
        }
    }
    Ok(csv.finish())
}

pub async fn orders(db: &Db, q: &OrderQuery) -> Result<String> {
    let mut f = Filters::parse(q)?;
    f.resolve(db).await?;
    let mut csv = Csv::new(&[
        "kind",
        "id",
        "order_id",
        "user_id",
        "email",
        "amount",
        "currency",
        "status",
        "flagged",
        "created_at",
        "updated_at",
    ]);
    let mut cursor: Option<Cursor> = None;
    let mut written = 0;
    loop {
        let (rows, next) = orders::page(db, &f, cursor.as_ref(), EXPORT_PAGE).await?;
        for o in &rows {
            csv.row([
                o.kind.as_str(),
                &o.id,
                opt(&o.order_id),
                &o.user_id,
                &o.email,
                &o.amount,
                &o.currency,
                &o.status,
                if o.flagged { "yes" } else { "no" },
                &iso(o.created_at),
                &iso(o.updated_at),
            ]);
        }
        written += rows.len();
        match next {
            Some(n) if written < MAX_EXPORT_ROWS => cursor = Cursor::parse(Some(&n))?,
            _ => break,
        }
    }
    Ok(csv.finish())
}

pub async fn notifications(db: &Db, q: &NotificationQuery) -> Result<String> {
    let mut csv = Csv::new(&[
        "id",
        "received_at",
        "method",
        "outcome",
        "reason",
        "notification_id",
        "order_id",
        "message_id",
        "reply_status",
        "raw",
    ]);
    let mut cursor: Option<Cursor> = None;
    let mut written = 0;
    loop {
        let (rows, next) = notifications::page(db, q, cursor.as_ref(), EXPORT_PAGE, None).await?;
        for n in &rows {
            csv.row([
                n.id.as_str(),
                &iso(n.received_at),
                opt(&n.method),
                &n.outcome,
                opt(&n.reason),
                opt(&n.notification_id),
                opt(&n.order_id),
                opt(&n.message_id),
                opt(&n.reply_status),
                opt(&n.raw),
            ]);
        }
        written += rows.len();
        match next {
            Some(n) if written < MAX_EXPORT_ROWS => cursor = Cursor::parse(Some(&n))?,
            _ => break,
        }
    }
    Ok(csv.finish())
}

pub async fn audit(db: &Db, q: &AuditQuery) -> Result<String> {
    let mut csv = Csv::new(&[
        "id",
        "at",
        "admin_id",
        "admin_email",
        "action",
        "target_kind",
        "target_id",
        "before",
        "after",
        "reason",
    ]);
    let mut cursor: Option<Cursor> = None;
    let mut written = 0;
    loop {
        let (rows, next) = audit::page(db, q, cursor.as_ref(), EXPORT_PAGE).await?;
        for e in &rows {
            let before = e.before.as_ref().map(|v| v.to_string()).unwrap_or_default();
            let after = e.after.as_ref().map(|v| v.to_string()).unwrap_or_default();
            csv.row([
                e.id.as_str(),
                &iso(e.at),
                &e.admin_id,
                &e.admin_email,
                &e.action,
                &e.target_kind,
                &e.target_id,
                &before,
                &after,
                opt(&e.reason),
            ]);
        }
        written += rows.len();
        match next {
            Some(n) if written < MAX_EXPORT_ROWS => cursor = Cursor::parse(Some(&n))?,
            _ => break,
        }
    }
    Ok(csv.finish())
}

pub async fn approvals(db: &Db, admin_id: &str) -> Result<String> {
    let mut csv = Csv::new(&[
        "id",
        "user_id",
        "email",
        "amount",
        "currency",
        "bank",
        "descriptor",
        "created_at",
        "hold_reason",
    ]);
    let mut cursor: Option<Cursor> = None;
    let mut written = 0;
    loop {
        let (rows, next) =
            orders::approvals_page(db, admin_id, cursor.as_ref(), EXPORT_PAGE).await?;
        for a in &rows {
            csv.row([
                a.id.as_str(),
                &a.user_id,
                &a.email,
                &a.amount,
                &a.currency,
                opt(&a.bank),
                opt(&a.descriptor),
                &iso(a.created_at),
                opt(&a.hold_reason),
            ]);
        }
        written += rows.len();
        match next {
            Some(n) if written < MAX_EXPORT_ROWS => cursor = Cursor::parse(Some(&n))?,
            _ => break,
        }
    }
    Ok(csv.finish())
}

pub fn reconciliation(r: &ReconciliationView) -> String {
    let mut csv = Csv::new(&[
        "date",
        "kind",
        "id",
        "order_id",
        "email",
        "currency",
        "ledger",
        "notified",
        "difference",
        "matched",
        "note",
    ]);
    for row in &r.rows {
        csv.row([
            r.date.as_str(),
            &row.kind,
            opt(&row.id),
            opt(&row.order_id),
            opt(&row.email),
            &row.currency,
            &row.ledger,
            &row.notified,
            &row.difference,
            if row.matched { "yes" } else { "no" },
            &row.note,
        ]);
    }
    csv.finish()
}

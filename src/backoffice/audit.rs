//! The audit log: every admin action, who did it, when, on what, the state
//! before and after, and why. Only [`record`] writes it, always inside the
//! transaction of the change it describes (so there is no change without
//! its entry, and no entry for a change that rolled back). Nothing updates
//! or deletes an entry; migration 6's triggers make the database refuse to.

use serde_json::Value;
use sqlx::AnyConnection;

use super::{page_size, Cursor, Result, Sql};
use crate::{
    api::backoffice::{AuditEntry, AuditList},
    db::{now_ms, Db},
    traders::service::User,
};

/// One action to record.
pub struct Action<'a> {
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<&'a str>,
}

/// Appends an entry inside the caller's transaction.
pub async fn record(conn: &mut AnyConnection, admin: &User, a: Action<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, admin_id, admin_email, action, target_kind, target_id,
                                before_state, after_state, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(now_ms())
    .bind(&admin.id)
    .bind(&admin.email)
    .bind(a.action)
    .bind(a.target_kind)
    .bind(a.target_id)
    .bind(a.before.map(|v| v.to_string()))
    .bind(a.after.map(|v| v.to_string()))
    .bind(a.reason.map(str::to_string))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// [`record`] for a decision hook, whose error is the transaction's own
/// (`sqlx::Error`): the entry is part of the decision or neither happens.
pub async fn record_in_hook(
    conn: &mut AnyConnection,
    who: &User,
    a: Action<'_>,
) -> std::result::Result<(), sqlx::Error> {
    record(conn, who, a).await.map_err(|e| match e {
        super::BackofficeError::Db(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    })
}

/// Filters of `GET /api/admin/audit`, as received.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
pub struct AuditQuery {
    /// Entries about this target (a trader's or an order's id).
    pub target: Option<String>,
    pub action: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

fn filtered(q: &AuditQuery, select: &str) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(" FROM audit_log WHERE 1 = 1");
    if let Some(t) = q.target.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let p = sql.text_arg(t);
        sql.push(&format!(" AND target_id = {p}"));
    }
    if let Some(a) = q.action.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let p = sql.text_arg(a);
        sql.push(&format!(" AND action = {p}"));
    }
    sql
}

/// An `audit_log` row as [`page`] selects it.
#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    at: i64,
    admin_id: String,
    admin_email: String,
    action: String,
    target_kind: String,
    target_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    reason: Option<String>,
}

impl From<EntryRow> for AuditEntry {
    fn from(r: EntryRow) -> AuditEntry {
        // States are JSON text; one that is not is shown as the text itself.
        let json =
            |s: Option<String>| s.map(|s| serde_json::from_str(&s).unwrap_or(Value::String(s)));
        AuditEntry {
            id: r.id,
            at: r.at,
            admin_id: r.admin_id,
            admin_email: r.admin_email,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            before: json(r.before_state),
            after: json(r.after_state),
            reason: r.reason,
        }
    }
}

/// Newest first, one page.
pub async fn list(db: &Db, q: &AuditQuery) -> Result<AuditList> {
    let limit = page_size(q.limit.as_deref())?;
    let cursor = Cursor::parse(q.cursor.as_deref())?;
    let total: i64 = filtered(q, "SELECT COUNT(*) AS n")
        .scalar()
        .fetch_one(&db.pool)
        .await?;
    let (entries, next) = page(db, q, cursor.as_ref(), limit).await?;
    Ok(AuditList {
        entries,
        total,
        next,
    })
}

pub async fn page(
    db: &Db,
    q: &AuditQuery,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<AuditEntry>, Option<String>)> {
    let mut sql = filtered(
        q,
        "SELECT id, at, admin_id, admin_email, action, target_kind, target_id, before_state, \
         after_state, reason",
    );
    if let Some(c) = cursor {
        let (at, id) = (sql.int_arg(c.at), sql.text_arg(c.id.clone()));
        sql.push(&format!(" AND at <= {at} AND (at < {at} OR id < {id})"));
    }
    let l = sql.int_arg(limit + 1);
    sql.push(&format!(" ORDER BY at DESC, id DESC LIMIT {l}"));
    let mut entries: Vec<AuditEntry> = sql
        .query_as::<EntryRow>()
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(AuditEntry::from)
        .collect();
    let next = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| Cursor::encode(e.at, &e.id))
    } else {
        None
    };
    Ok((entries, next))
}

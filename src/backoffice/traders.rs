//! Traders: search, a trader's whole picture, and the actions on an account
//! (freeze, unfreeze, reset the failed-log-in lock), each recorded in the
//! audit log within its own transaction.

use std::collections::BTreeMap;

use serde_json::json;
use sqlx::FromRow;

use super::{
    audit::{self, Action},
    contains_pattern, decimal, in_list, orders, page_size, search_text, BackofficeError, Cursor,
    Result, Sql,
};
use crate::{
    api::backoffice::{
        BalanceView, BankAccountView, LedgerLine, SessionView, TraderActionResult, TraderDetail,
        TraderList, TraderRow,
    },
    db::{now_ms, Backend, Db},
    traders::service::{Role, User},
};

/// Filters of `GET /api/admin/traders`, as received.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
pub struct TraderQuery {
    /// Part of an email, first or last name (case-insensitive).
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

const COLUMNS: &str = "id, email, first_name, last_name, frozen, flagged, locked_until, created_at";

fn filtered(q: Option<&str>, select: &str) -> Sql {
    let mut sql = Sql::new(select);
    let trader = sql.text_arg(Role::Trader.as_str());
    sql.push(&format!(" FROM users WHERE role = {trader}"));
    if let Some(q) = q {
        let p = sql.text_arg(contains_pattern(&q.to_lowercase()));
        sql.push(&format!(
            " AND (email_key LIKE {p} ESCAPE '\\' \
               OR LOWER(first_name || ' ' || last_name) LIKE {p} ESCAPE '\\')"
        ));
    }
    sql
}

/// A user as [`COLUMNS`] reads it.
#[derive(FromRow)]
struct Row {
    id: String,
    email: String,
    first_name: String,
    last_name: String,
    frozen: i64,
    flagged: i64,
    locked_until: Option<i64>,
    created_at: i64,
}

impl Row {
    /// The list's row at `now` (locked or not), balances to be added.
    fn into_view(self, now: i64) -> TraderRow {
        TraderRow {
            id: self.id,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            frozen: self.frozen != 0,
            balances: Vec::new(),
            flagged: self.flagged != 0,
            locked: self.locked_until.is_some_and(|u| u > now),
            created_at: self.created_at,
        }
    }
}

/// What the trader page reads of a user beyond the list's [`Row`].
#[derive(FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    user: Row,
    role: String,
    country: String,
    locale: String,
    failed_logins: i64,
}

/// A `balances` row.
#[derive(FromRow)]
struct BalanceRow {
    user_id: String,
    currency: String,
    available: i64,
    reserved: i64,
}

/// A trader's pending deposits in one currency.
#[derive(FromRow)]
struct PendingRow {
    user_id: String,
    currency: String,
    total: i64,
}

/// One ledger entry of a trader, with its transaction.
#[derive(FromRow)]
struct LedgerRow {
    id: String,
    kind: String,
    created_at: i64,
    account: String,
    currency: String,
    amount: i64,
}

impl From<LedgerRow> for LedgerLine {
    fn from(r: LedgerRow) -> LedgerLine {
        LedgerLine {
            transaction_id: r.id,
            kind: r.kind,
            account: r.account,
            amount: decimal(r.amount, &r.currency),
            currency: r.currency,
            at: r.created_at,
        }
    }
}

/// A bank account as the back office reads it (never its number).
#[derive(FromRow)]
pub(super) struct BankAccountRow {
    id: String,
    bank: Option<String>,
    descriptor: Option<String>,
    verified: i64,
    source: String,
    created_at: i64,
}

impl From<BankAccountRow> for BankAccountView {
    fn from(r: BankAccountRow) -> BankAccountView {
        BankAccountView {
            id: r.id,
            bank: r.bank,
            descriptor: r.descriptor,
            verified: r.verified != 0,
            source: r.source,
            created_at: r.created_at,
        }
    }
}

/// What an account action reads of the user, locked.
#[derive(FromRow)]
struct ActRow {
    role: String,
    frozen: i64,
    failed_logins: i64,
    locked_until: Option<i64>,
}

/// One page of traders, newest first, with their balances.
pub async fn list(db: &Db, q: &TraderQuery) -> Result<TraderList> {
    let text = search_text(q.q.as_deref())?;
    let limit = page_size(q.limit.as_deref())?;
    let cursor = Cursor::parse(q.cursor.as_deref())?;
    let total: i64 = filtered(text.as_deref(), "SELECT COUNT(*) AS n")
        .scalar()
        .fetch_one(&db.pool)
        .await?;
    let (traders, next) = page(db, text.as_deref(), cursor.as_ref(), limit).await?;
    Ok(TraderList {
        traders,
        total,
        next,
    })
}

pub async fn page(
    db: &Db,
    text: Option<&str>,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<TraderRow>, Option<String>)> {
    let mut sql = filtered(text, &format!("SELECT {COLUMNS}"));
    if let Some(c) = cursor {
        let (at, id) = (sql.int_arg(c.at), sql.text_arg(c.id.clone()));
        sql.push(&format!(
            " AND created_at <= {at} AND (created_at < {at} OR id < {id})"
        ));
    }
    let l = sql.int_arg(limit + 1);
    sql.push(&format!(" ORDER BY created_at DESC, id DESC LIMIT {l}"));
    let now = now_ms();
    let mut traders: Vec<TraderRow> = sql
        .query_as::<Row>()
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| r.into_view(now))
        .collect();
    let next = if traders.len() as i64 > limit {
        traders.truncate(limit as usize);
        traders.last().map(|t| Cursor::encode(t.created_at, &t.id))
    } else {
        None
    };
    let ids: Vec<String> = traders.iter().map(|t| t.id.clone()).collect();
    let mut balances = balances_of(db, &ids).await?;
    for t in &mut traders {
        t.balances = balances.remove(&t.id).unwrap_or_default();
    }
    Ok((traders, next))
}

/// Balances (available, reserved, pending deposits) of several users, per
/// currency, in one query each.
pub async fn balances_of(db: &Db, ids: &[String]) -> Result<BTreeMap<String, Vec<BalanceView>>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    // user -> currency -> (available, reserved, pending)
    let mut acc: BTreeMap<String, BTreeMap<String, (i64, i64, i64)>> = BTreeMap::new();
    let mut sql =
        Sql::new("SELECT user_id, currency, available, reserved FROM balances WHERE user_id IN (");
    let list = in_list(&mut sql, ids);
    sql.push(&list).push(")");
    for r in sql.query_as::<BalanceRow>().fetch_all(&db.pool).await? {
        let e = acc
            .entry(r.user_id)
            .or_default()
            .entry(r.currency)
            .or_default();
        e.0 = r.available;
        e.1 = r.reserved;
    }
    let mut sql = Sql::new(
        "SELECT user_id, currency, CAST(SUM(amount) AS BIGINT) AS total FROM deposits WHERE ",
    );
    let pending = sql.text_arg(crate::wallet::deposits::Status::Pending.as_str());
    sql.push(&format!("status = {pending} AND user_id IN ("));
    let list = in_list(&mut sql, ids);
    sql.push(&list).push(") GROUP BY user_id, currency");
    for r in sql.query_as::<PendingRow>().fetch_all(&db.pool).await? {
        acc.entry(r.user_id)
            .or_default()
            .entry(r.currency)
            .or_default()
            .2 = r.total;
    }
    Ok(acc
        .into_iter()
        .map(|(user, by_currency)| {
            let views = by_currency
                .into_iter()
                .map(|(c, (a, r, p))| BalanceView {
                    available: decimal(a, &c),
                    reserved: decimal(r, &c),
                    pending: decimal(p, &c),
                    withdrawable: None,
                    withdrawable_at: None,
                    currency: c,
                })
                .collect();
            (user, views)
        })
        .collect())
}

/// How much of each list the trader page shows (the orders page has the rest).
const DETAIL_ROWS: i64 = 100;

/// Everything about one user (trader or admin).
pub async fn detail(db: &Db, id: &str) -> Result<TraderDetail> {
    let r = sqlx::query_as::<_, DetailRow>(&format!(
        "SELECT {COLUMNS}, role, country, locale, failed_logins FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(BackofficeError::NotFound)?;
    let now = now_ms();
    let locked_until = r.user.locked_until;
    let mut trader = r.user.into_view(now);
    trader.balances = balances_of(db, &[id.to_string()])
        .await?
        .remove(id)
        .unwrap_or_default();

    let ledger = sqlx::query_as::<_, LedgerRow>(
        "SELECT t.id, t.kind, t.created_at, e.account, e.currency, e.amount
         FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
         WHERE e.user_id = $1 ORDER BY t.created_at DESC, t.id DESC, e.account LIMIT $2",
    )
    .bind(id)
    .bind(DETAIL_ROWS * 2)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(LedgerLine::from)
    .collect();

    let of_trader = |kind: &str| orders::OrderQuery {
        kind: Some(kind.to_string()),
        trader: Some(id.to_string()),
        ..Default::default()
    };
    let deposits = orders::page(
        db,
        &orders::Filters::parse(&of_trader("deposit"))?,
        None,
        DETAIL_ROWS,
    )
    .await?
    .0;
    let withdrawals = orders::page(
        db,
        &orders::Filters::parse(&of_trader("withdrawal"))?,
        None,
        DETAIL_ROWS,
    )
    .await?
    .0;

    let bank_accounts = bank_accounts(db, id).await?;
    let sessions = sessions(db, id, now).await?;
    Ok(TraderDetail {
        trader,
        role: r.role,
        country: r.country,
        locale: r.locale,
        failed_logins: r.failed_logins,
        locked_until: locked_until.filter(|u| *u > now),
        ledger,
        deposits,
        withdrawals,
        bank_accounts,
        sessions,
    })
}

async fn bank_accounts(db: &Db, user_id: &str) -> Result<Vec<BankAccountView>> {
    Ok(sqlx::query_as::<_, BankAccountRow>(
        "SELECT id, bank, descriptor, verified, source, created_at FROM bank_accounts
         WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(BankAccountView::from)
    .collect())
}

/// Sessions live in tower-sessions' store (MessagePack records with the
/// user id under `user_id`); a user's are those whose record contains the
/// id's bytes (ids are UUIDs: no false matches). Only expiry times are
/// returned, never a session id.
async fn sessions(db: &Db, user_id: &str, now: i64) -> Result<Vec<SessionView>> {
    // Sessions expire 12 hours after the last request (web::session).
    const INACTIVITY_MS: i64 = 12 * 3600 * 1000;
    let sql = match db.backend {
        Backend::Sqlite => {
            // the SQLite store keeps expiry_date as sqlx's text form of a date
            "SELECT CAST(strftime('%s', expiry_date) AS BIGINT) * 1000 AS expires
             FROM tower_sessions
             WHERE instr(data, CAST($1 AS BLOB)) > 0
               AND CAST(strftime('%s', expiry_date) AS BIGINT) > $2 / 1000
             ORDER BY expires DESC"
        }
        Backend::Postgres => {
            "SELECT CAST(EXTRACT(EPOCH FROM expiry_date) * 1000 AS BIGINT) AS expires
             FROM tower_sessions.session
             WHERE position(convert_to($1, 'UTF8') in data) > 0
               AND expiry_date > to_timestamp($2 / 1000.0)
             ORDER BY expiry_date DESC"
        }
    };
    let expiries = match sqlx::query_scalar::<_, i64>(sql)
        .bind(user_id)
        .bind(now)
        .fetch_all(&db.pool)
        .await
    {
        Ok(expiries) => expiries,
        Err(e) => {
            // The store's table is tower-sessions' business: a change there
            // must not take the trader page down.
            tracing::warn!(error = %e, "reading sessions");
            return Ok(Vec::new());
        }
    };
    Ok(expiries
        .into_iter()
        .map(|expires| SessionView {
            last_seen_at: expires - INACTIVITY_MS,
            expires_at: expires,
        })
        .collect())
}

/// The account actions. Each is idempotent: asking for the state the
/// account is already in changes nothing and records nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Freeze,
    Unfreeze,
    Unlock,
}

impl AccountAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountAction::Freeze => "freeze",
            AccountAction::Unfreeze => "unfreeze",
            AccountAction::Unlock => "unlock",
        }
    }
}

pub async fn act(
    db: &Db,
    admin: &User,
    id: &str,
    action: AccountAction,
    reason: Option<&str>,
) -> Result<TraderActionResult> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(crate::traders::newtypes::FieldError::coded(
            "reason",
            "reason_too_long",
            "Keep the reason under 500 characters.",
        )
        .with("max", 500)
        .into());
    }
    let lock = db.backend.row_lock();
    let mut tx = db.begin_write().await?;
    let r = sqlx::query_as::<_, ActRow>(&format!(
        "SELECT role, frozen, failed_logins, locked_until FROM users WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *tx.tx)
    .await?
    .ok_or(BackofficeError::NotFound)?;
    let frozen = r.frozen != 0;
    let failed = r.failed_logins;
    let locked_until = r.locked_until;
    if action != AccountAction::Unlock && r.role != Role::Trader.as_str() {
        return Err(BackofficeError::Conflict(
            crate::api::error::ErrorMessage::new(
                "not_a_trader",
                "Only trader accounts can be frozen.",
            ),
        ));
    }
    let (changed, before, after) = match action {
        AccountAction::Freeze | AccountAction::Unfreeze => {
            let want = action == AccountAction::Freeze;
            if frozen != want {
                sqlx::query("UPDATE users SET frozen = $1 WHERE id = $2")
                    .bind(i64::from(want))
                    .bind(id)
                    .execute(&mut *tx.tx)
                    .await?;
            }
            (
                frozen != want,
                json!({ "frozen": frozen }),
                json!({ "frozen": want }),
            )
        }
        AccountAction::Unlock => {
            let dirty = failed != 0 || locked_until.is_some();
            if dirty {
                sqlx::query(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *tx.tx)
                .await?;
            }
            (
                dirty,
                json!({ "failed_logins": failed, "locked_until": locked_until }),
                json!({ "failed_logins": 0, "locked_until": null }),
            )
        }
    };
    if changed {
        audit::record(
            &mut tx.tx,
            admin,
            Action {
                action: action.as_str(),
                target_kind: "trader",
                target_id: id,
                before: Some(before),
                after: Some(after),
                reason,
            },
        )
        .await?;
    }
    tx.commit().await?;
    if changed {
        tracing::info!(admin_id = %admin.id, user_id = id, action = action.as_str(), "account action");
    }
    let mut trader =
        sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_one(&db.pool)
            .await?
            .into_view(now_ms());
    trader.balances = balances_of(db, &[id.to_string()])
        .await?
        .remove(id)
        .unwrap_or_default();
    Ok(TraderActionResult { trader, changed })
}

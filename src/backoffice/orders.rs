//! Orders: deposits and withdrawals in one list (filtered by kind, status,
//! currency, dates, trader or free text) and one order with its history and
//! every notification about it.
//!
//! Both kinds newest first, keyset-paginated on `(created_at, id)`. With no
//! kind the two tables are merged by a `UNION ALL` of two already-limited,
//! index-ordered halves, so a page never reads more than `2 × limit` rows.

pub use super::approvals::{approvals, approvals_page, ApprovalQuery};
use sqlx::FromRow;

use super::{
    currency_filter, day_filter, decimal, notifications, page_size, search_text,
    traders::BankAccountRow, BackofficeError, Cursor, Result, Sql,
};
use crate::{
    api::backoffice::{
        DepositRefunds, OrderDetail, OrderList, OrderRow, OrderStep, RefusalView, WithdrawalInfo,
    },
    config::RefundConfig,
    db::Db,
    money::{Currency, Money},
    traders::newtypes::FieldError,
    wallet::{deposits, refunds, withdrawals, withdrawals::refusals, History},
};

/// Filters of `GET /api/admin/orders`, as received.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct OrderQuery {
    /// "deposit", "withdrawal" or empty for both.
    pub kind: Option<String>,
    pub status: Option<String>,
    pub currency: Option<String>,
    /// First and last day (UTC, inclusive), YYYY-MM-DD.
    pub from: Option<String>,
    pub to: Option<String>,
    /// A trader's id.
    pub trader: Option<String>,
    /// Kassa's id, Trustly's order id, or part of the trader's email.
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Deposit,
    Withdrawal,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deposit => "deposit",
            Kind::Withdrawal => "withdrawal",
        }
    }
    fn table(self) -> &'static str {
        match self {
            Kind::Deposit => "deposits",
            Kind::Withdrawal => "withdrawals",
        }
    }
    /// The status names of this kind, from its domain's `Status`.
    fn statuses(self) -> Vec<&'static str> {
        match self {
            Kind::Deposit => deposits::Status::ALL.iter().map(|s| s.as_str()).collect(),
            Kind::Withdrawal => withdrawals::Status::ALL
                .iter()
                .map(|s| s.as_str())
                .collect(),
        }
    }
}

/// Parsed, valid filters.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub kinds: Vec<Kind>,
    pub status: Option<String>,
    pub currency: Option<Currency>,
    pub from: Option<i64>,
    /// Exclusive end (the midnight after the `to` day).
    pub until: Option<i64>,
    pub trader: Option<String>,
    pub q: Option<String>,
    /// The traders whose email matches `q` (see [`Filters::resolve`]);
    /// None: match through a subquery.
    pub q_users: Option<Vec<String>>,
}

/// Above this many matching traders, `q` is matched by a subquery instead.
const Q_USERS_MAX: usize = 500;

impl Filters {
    /// Looks up the traders `q` names first, so the order query is an OR of
    /// three indexed equalities (which PostgreSQL turns into a bitmap OR)
    /// instead of an OR with a subquery (a full scan).
    pub async fn resolve(&mut self, db: &Db) -> Result<()> {
        let Some(q) = &self.q else {
            return Ok(());
        };
        let ids: Vec<String> = sqlx::query_scalar::<_, String>(
            "SELECT id FROM users WHERE email_key LIKE $1 ESCAPE '\\' LIMIT $2",
        )
        .bind(super::contains_pattern(&q.to_lowercase()))
        .bind(Q_USERS_MAX as i64 + 1)
        .fetch_all(&db.pool)
        .await?;
        self.q_users = (ids.len() <= Q_USERS_MAX).then_some(ids);
        Ok(())
    }

    pub fn parse(q: &OrderQuery) -> Result<Filters> {
        let kinds = match q.kind.as_deref().map(str::trim).unwrap_or("") {
            "" | "all" => vec![Kind::Deposit, Kind::Withdrawal],
            "deposit" => vec![Kind::Deposit],
            "withdrawal" => vec![Kind::Withdrawal],
            _ => {
                return Err(FieldError::coded(
                    "kind",
                    "order_kind_invalid",
                    "Kind is deposit or withdrawal (or empty).",
                )
                .into())
            }
        };
        let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) if kinds.iter().any(|k| k.statuses().contains(&s)) => Some(s.to_string()),
            Some(_) => {
                let mut known: Vec<&str> = kinds.iter().flat_map(|k| k.statuses()).collect();
                known.dedup();
                return Err(FieldError::coded(
                    "status",
                    "order_status_invalid",
                    format!("Unknown status; one of: {}.", known.join(", ")),
                )
                .with("statuses", known.join(", "))
                .into());
            }
        };
        let from = day_filter("from", q.from.as_deref())?;
        let until = day_filter("to", q.to.as_deref())?.map(|d| d + 86_400_000);
        if let (Some(f), Some(u)) = (from, until) {
            if u <= f {
                return Err(FieldError::coded(
                    "to",
                    "date_range_reversed",
                    "The last day is before the first.",
                )
                .into());
            }
        }
        let trader = q
            .trader
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        Ok(Filters {
            kinds,
            status,
            currency: currency_filter(q.currency.as_deref())?,
            from,
            until,
            trader,
            q: search_text(q.q.as_deref())?,
            q_users: None,
        })
    }
}

/// `WHERE …` of one kind's table (aliased `o`), bound on `sql`.
fn conditions(sql: &mut Sql, f: &Filters, kind: Kind) -> String {
    let mut w = vec!["1 = 1".to_string()];
    if let Some(s) = &f.status {
        if kind.statuses().contains(&s.as_str()) {
            w.push(format!("o.status = {}", sql.text_arg(s.clone())));
        } else {
            // a status only the other kind has
            w.push("1 = 0".into());
        }
    }
    if let Some(c) = f.currency {
        w.push(format!("o.currency = {}", sql.text_arg(c.code())));
    }
    if let Some(from) = f.from {
        w.push(format!("o.created_at >= {}", sql.int_arg(from)));
    }
    if let Some(until) = f.until {
        w.push(format!("o.created_at < {}", sql.int_arg(until)));
    }
    if let Some(t) = &f.trader {
        w.push(format!("o.user_id = {}", sql.text_arg(t.clone())));
    }
    if let Some(q) = &f.q {
        let exact = sql.text_arg(q.clone());
        let users = match &f.q_users {
            Some(ids) if ids.is_empty() => String::new(),
            Some(ids) => format!(" OR o.user_id IN ({})", super::in_list(sql, ids)),
            None => {
                let email = sql.text_arg(super::contains_pattern(&q.to_lowercase()));
                format!(
                    " OR o.user_id IN (SELECT id FROM users WHERE email_key LIKE {email} \
                     ESCAPE '\\')"
                )
            }
        };
        w.push(format!("(o.id = {exact} OR o.order_id = {exact}{users})"));
    }
    w.join(" AND ")
}

const SELECT: &str = "o.id, o.order_id, o.user_id, u.email, o.amount, o.currency, o.status, \
                      o.flagged, o.created_at, o.updated_at";

/// An order as [`SELECT`] reads it, with its `kind` (bound, not spelled
/// in the SQL).
#[derive(FromRow)]
struct Row {
    kind: String,
    id: String,
    order_id: Option<String>,
    user_id: String,
    email: String,
    amount: i64,
    currency: String,
    status: String,
    flagged: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for OrderRow {
    fn from(r: Row) -> OrderRow {
        OrderRow {
            kind: r.kind,
            id: r.id,
            order_id: r.order_id,
            user_id: r.user_id,
            email: r.email,
            amount: decimal(r.amount, &r.currency),
            currency: r.currency,
            status: r.status,
            flagged: r.flagged != 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// One order of [`detail`]: the list's columns and what both kinds add.
#[derive(FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    order: Row,
    flag_reason: Option<String>,
    error_code: Option<i64>,
    error_message: Option<String>,
}

/// What [`detail`] reads of a withdrawal beside its [`DetailRow`].
#[derive(FromRow)]
struct PayoutRow {
    bank_account_id: String,
    decided_by: Option<String>,
    decision_reason: Option<String>,
    decided_at: Option<i64>,
    send_attempts: i64,
    last_attempt_at: Option<i64>,
    transfer_state: Option<String>,
    transfer_checked_at: Option<i64>,
    paid_at: Option<i64>,
    returned_at: Option<i64>,
    hold_reason: Option<String>,
    outcome_unknown: i64,
    resolved_by: Option<String>,
    resolution_reason: Option<String>,
    resolved_at: Option<i64>,
    decided_by_email: Option<String>,
    resolved_by_email: Option<String>,
}

impl PayoutRow {
    fn into_info(
        self,
        bank_account: Option<crate::api::backoffice::BankAccountView>,
        refusals: Vec<RefusalView>,
    ) -> WithdrawalInfo {
        WithdrawalInfo {
            bank_account,
            decided_by: self.decided_by,
            decision_reason: self.decision_reason,
            decided_at: self.decided_at,
            send_attempts: self.send_attempts,
            last_attempt_at: self.last_attempt_at,
            transfer_state: self.transfer_state,
            transfer_checked_at: self.transfer_checked_at,
            paid_at: self.paid_at,
            returned_at: self.returned_at,
            hold_reason: self.hold_reason,
            outcome_unknown: self.outcome_unknown != 0,
            refusals,
            resolved_by: self.resolved_by,
            resolution_reason: self.resolution_reason,
            resolved_at: self.resolved_at,
            decided_by_email: self.decided_by_email,
            resolved_by_email: self.resolved_by_email,
        }
    }
}

pub async fn list(db: &Db, q: &OrderQuery) -> Result<OrderList> {
    let mut f = Filters::parse(q)?;
    f.resolve(db).await?;
    let limit = page_size(q.limit.as_deref())?;
    let cursor = Cursor::parse(q.cursor.as_deref())?;
    let total = count(db, &f).await?;
    let (orders, next) = page(db, &f, cursor.as_ref(), limit).await?;
    Ok(OrderList {
        orders,
        total,
        next,
    })
}

pub async fn count(db: &Db, f: &Filters) -> Result<i64> {
    let mut total = 0;
    for kind in &f.kinds {
        let mut sql = Sql::default();
        let w = conditions(&mut sql, f, *kind);
        sql.push(&format!(
            "SELECT COUNT(*) AS n FROM {} o WHERE {w}",
            kind.table()
        ));
        total += sql.scalar::<i64>().fetch_one(&db.pool).await?;
    }
    Ok(total)
}

/// One page (newest first) and the cursor of the next.
pub async fn page(
    db: &Db,
    f: &Filters,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<OrderRow>, Option<String>)> {
    let mut sql = Sql::default();
    let l = sql.int_arg(limit + 1);
    let (c_at, c_id) = match cursor {
        Some(c) => (Some(sql.int_arg(c.at)), Some(sql.text_arg(c.id.clone()))),
        None => (None, None),
    };
    let mut halves = Vec::new();
    for (i, kind) in f.kinds.iter().enumerate() {
        let mut w = conditions(&mut sql, f, *kind);
        if let (Some(at), Some(id)) = (&c_at, &c_id) {
            w.push_str(&format!(
                " AND o.created_at <= {at} AND (o.created_at < {at} OR o.id < {id})"
            ));
        }
        let k = sql.text_arg(kind.as_str());
        halves.push(format!(
            "SELECT * FROM (SELECT CAST({k} AS TEXT) AS kind, {SELECT} FROM {table} o \
             JOIN users u ON u.id = o.user_id WHERE {w} \
             ORDER BY o.created_at DESC, o.id DESC LIMIT {l}) h{i}",
            table = kind.table(),
        ));
    }
    let text = if halves.len() == 1 {
        halves.remove(0)
    } else {
        format!(
            "{} ORDER BY created_at DESC, id DESC LIMIT {l}",
            halves.join(" UNION ALL ")
        )
    };
    sql.push(&text);
    let mut rows: Vec<OrderRow> = sql
        .query_as::<Row>()
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(OrderRow::from)
        .collect();
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|o| Cursor::encode(o.created_at, &o.id))
    } else {
        None
    };
    Ok((rows, next))
}

/// An order by Kassa's id or Trustly's order id, with its history and the
/// notifications that named it (by orderid or messageid), oldest first.
/// The trader an order belongs to, by Kassa's id or Trustly's order id
/// (what the order page's live updates follow).
pub async fn owner(db: &Db, id: &str) -> Result<String> {
    let owner: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM deposits WHERE id = $1 OR order_id = $1 \
         UNION ALL SELECT user_id FROM withdrawals WHERE id = $1 OR order_id = $1 LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    owner.ok_or(BackofficeError::NotFound)
}

pub async fn detail(db: &Db, refunds: &RefundConfig, id: &str) -> Result<OrderDetail> {
    for kind in [Kind::Deposit, Kind::Withdrawal] {
        let extra = match kind {
            Kind::Deposit => "o.flag_reason, o.error_code, NULL AS error_message",
            Kind::Withdrawal => {
                "o.flag_reason, o.error_code, o.error_message, o.bank_account_id, o.decided_by, \
                 o.decision_reason, o.decided_at, o.send_attempts, o.last_attempt_at, \
                 o.transfer_state, o.transfer_checked_at, o.paid_at, o.returned_at, \
                 o.hold_reason, o.outcome_unknown, o.resolved_by, o.resolution_reason, \
                 o.resolved_at, \
                 (SELECT email FROM users a WHERE a.id = o.decided_by) AS decided_by_email, \
                 (SELECT email FROM users a WHERE a.id = o.resolved_by) AS resolved_by_email"
            }
        };
        let Some(r) = sqlx::query(&format!(
            "SELECT CAST($2 AS TEXT) AS kind, {SELECT}, {extra} FROM {} o \
             JOIN users u ON u.id = o.user_id WHERE o.id = $1 OR o.order_id = $1",
            kind.table()
        ))
        .bind(id)
        .bind(kind.as_str())
        .fetch_optional(&db.pool)
        .await?
        else {
            continue;
        };
        // One row, two shapes: what every order has, and a payout's extras.
        let d = DetailRow::from_row(&r)?;
        let order = OrderRow::from(d.order);
        let history = history(db, kind, &order.id).await?;
        let notifications =
            notifications::for_order(db, &order.id, order.order_id.as_deref()).await?;
        let withdrawal = match kind {
            Kind::Deposit => None,
            Kind::Withdrawal => {
                let p = PayoutRow::from_row(&r)?;
                let bank = sqlx::query_as::<_, BankAccountRow>(
                    "SELECT id, bank, descriptor, verified, source, created_at FROM bank_accounts
                     WHERE id = $1",
                )
                .bind(&p.bank_account_id)
                .fetch_optional(&db.pool)
                .await?
                .map(Into::into);
                let refusals = refusals::list(&db.pool, &order.id)
                    .await?
                    .into_iter()
                    .map(|f| RefusalView {
                        reason: f.reason,
                        code: f.code,
                        certain: f.certain,
                        attempts: f.attempts,
                        first_at: f.first_at,
                        last_at: f.last_at,
                    })
                    .collect();
                Some(p.into_info(bank, refusals))
            }
        };
        let deposit = match kind {
            Kind::Deposit => Some(deposit_refunds(db, refunds, &order).await?),
            Kind::Withdrawal => None,
        };
        return Ok(OrderDetail {
            order,
            flag_reason: d.flag_reason,
            error_code: d.error_code,
            error_message: d.error_message,
            history,
            notifications,
            withdrawal,
            deposit,
        });
    }
    Err(BackofficeError::NotFound)
}

/// Every status of the order with its time, oldest first.
async fn history(db: &Db, kind: Kind, id: &str) -> Result<Vec<OrderStep>> {
    let steps = match kind {
        Kind::Deposit => History::Deposit,
        Kind::Withdrawal => History::Withdrawal,
    }
    .steps(&db.pool, id)
    .await?;
    Ok(steps
        .into_iter()
        .map(|h| OrderStep {
            status: h.status,
            at: h.at,
        })
        .collect())
}

/// A deposit's refunds and what is left to refund of it.
async fn deposit_refunds(
    db: &Db,
    config: &RefundConfig,
    order: &OrderRow,
) -> Result<DepositRefunds> {
    let currency = order
        .currency
        .parse::<Currency>()
        .map_err(|e| BackofficeError::Db(sqlx::Error::Decode(Box::new(e))))?;
    let amount = Money::parse_user(&order.amount, currency)
        .map_err(|e| BackofficeError::Db(sqlx::Error::Decode(Box::new(e))))?;
    let credited = order.status == deposits::Status::Credited.as_str();
    Ok(refunds::of_deposit(db, config, &order.id, amount, credited).await?)
}

/// Withdrawals in `statuses`, oldest first (the approval queue, alerts).
pub async fn withdrawals_in(
    db: &Db,
    statuses: &[withdrawals::Status],
    older_than: Option<i64>,
    limit: i64,
) -> Result<Vec<OrderRow>> {
    let mut sql = Sql::default();
    let list = statuses
        .iter()
        .map(|s| sql.text_arg(s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut w = format!("o.status IN ({list})");
    if let Some(t) = older_than {
        w.push_str(&format!(
            " AND COALESCE(o.last_attempt_at, o.created_at) < {}",
            sql.int_arg(t)
        ));
    }
    let l = sql.int_arg(limit);
    let k = sql.text_arg(Kind::Withdrawal.as_str());
    sql.push(&format!(
        "SELECT CAST({k} AS TEXT) AS kind, {SELECT} FROM withdrawals o \
         JOIN users u ON u.id = o.user_id WHERE {w} ORDER BY o.created_at, o.id LIMIT {l}"
    ));
    Ok(sql
        .query_as::<Row>()
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(OrderRow::from)
        .collect())
}

/// Payouts whose AccountPayout outcome is unknown and not yet settled,
/// oldest first: (how many, the first `limit`).
pub async fn unresolved_payouts(db: &Db, limit: i64) -> Result<(i64, Vec<OrderRow>)> {
    let queued = withdrawals::Status::Queued.as_str();
    let total: i64 = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) AS n FROM withdrawals WHERE outcome_unknown = 1 AND status = $1",
    )
    .bind(queued)
    .fetch_one(&db.pool)
    .await?;
    let rows = sqlx::query_as::<_, Row>(&format!(
        "SELECT CAST($3 AS TEXT) AS kind, {SELECT} FROM withdrawals o \
         JOIN users u ON u.id = o.user_id \
         WHERE o.outcome_unknown = 1 AND o.status = $1 ORDER BY o.created_at, o.id LIMIT $2"
    ))
    .bind(queued)
    .bind(limit)
    .bind(Kind::Withdrawal.as_str())
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(OrderRow::from)
    .collect();
    Ok((total, rows))
}

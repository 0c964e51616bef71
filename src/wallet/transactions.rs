//! A trader's history (`GET /api/wallet/transactions`, the wallet page,
//! `/wallet/history`): deposits, withdrawals and refunds in one list, newest
//! first, keyset-paged on `(created_at, id)` as the back office's lists are,
//! filtered by kind, status, currency and day; and one transaction with its
//! timeline (`/wallet/transactions/{id}`).
//!
//! One `UNION ALL` over the three tables, every filter inside each branch
//! (so each branch reads only this trader's rows through its
//! `(user_id, created_at)` index), and the order and limit outside.

use serde::{Deserialize, Serialize};

use super::{
    deposits,
    listing::{currency_filter, day_filter, page_size, Cursor},
    refunds, withdrawals, History,
};
use crate::{
    api::{
        csv::Csv,
        format::iso,
        wallet::{TransactionDetail, TransactionList, TransactionView},
    },
    db::{sql::Sql, Db},
    money::{format_minor, Currency},
    traders::newtypes::FieldError,
};

#[derive(Debug, thiserror::Error)]
pub enum TransactionsError {
    #[error("{0}")]
    Field(#[from] FieldError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// The query string of `GET /api/wallet/transactions`, as received.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct TransactionQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub currency: Option<String>,
    /// First day (`YYYY-MM-DD`, UTC), inclusive.
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`, UTC), inclusive.
    pub to: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
    /// `csv` for a download of every matching row.
    pub format: Option<String>,
}

/// The kinds of transaction, each with its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Deposit,
    Withdrawal,
    Refund,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Deposit, Kind::Withdrawal, Kind::Refund];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deposit => "deposit",
            Kind::Withdrawal => "withdrawal",
            Kind::Refund => "refund",
        }
    }

    /// The branch of the union: the same columns from each table.
    fn select(self) -> &'static str {
        match self {
            Kind::Deposit => {
                "SELECT id, 'deposit' AS kind, amount, currency, status, created_at,
                        CAST(NULL AS TEXT) AS info, order_id,
                        CAST(NULL AS TEXT) AS bank_account_id, CAST(NULL AS TEXT) AS message
                 FROM deposits"
            }
            Kind::Withdrawal => {
                "SELECT id, 'withdrawal' AS kind, amount, currency, status, created_at,
                        transfer_state AS info, order_id, bank_account_id,
                        error_message AS message
                 FROM withdrawals"
            }
            Kind::Refund => {
                "SELECT id, 'refund' AS kind, amount, currency, status, created_at,
                        CAST(NULL AS TEXT) AS info, order_id,
                        CAST(NULL AS TEXT) AS bank_account_id, CAST(NULL AS TEXT) AS message
                 FROM refunds"
            }
        }
    }

    /// Every status a transaction of this kind can have.
    pub fn statuses(self) -> Vec<&'static str> {
        match self {
            Kind::Deposit => deposits::Status::ALL.iter().map(|s| s.as_str()).collect(),
            Kind::Withdrawal => withdrawals::Status::ALL
                .iter()
                .map(|s| s.as_str())
                .collect(),
            Kind::Refund => refunds::Status::ALL.iter().map(|s| s.as_str()).collect(),
        }
    }

    fn history(self) -> History {
        match self {
            Kind::Deposit => History::Deposit,
            Kind::Withdrawal => History::Withdrawal,
            Kind::Refund => History::Refund,
        }
    }
}

/// The filters, parsed: a bad one is a [`FieldError`] and runs no query.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    kind: Option<Kind>,
    status: Option<String>,
    currency: Option<Currency>,
    from: Option<i64>,
    until: Option<i64>,
}

impl Filters {
    pub fn parse(q: &TransactionQuery) -> Result<Filters, FieldError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_ascii_lowercase)
        };
        let kind =
            match given(&q.kind) {
                None => None,
                Some(k) => Some(Kind::ALL.into_iter().find(|c| c.as_str() == k).ok_or_else(
                    || {
                        FieldError::coded(
                            "kind",
                            "transaction_kind_invalid",
                            "Choose deposit, withdrawal or refund.",
                        )
                    },
                )?),
            };
        let status = given(&q.status);
        if let Some(s) = &status {
            let known = kind.map_or(Kind::ALL.to_vec(), |k| vec![k]);
            if !known.iter().any(|k| k.statuses().contains(&s.as_str())) {
                return Err(FieldError::coded(
                    "status",
                    "transaction_status_invalid",
                    "No transaction has this status.",
                ));
            }
        }
        let from = day_filter("from", q.from.as_deref())?;
        let until = day_filter("to", q.to.as_deref())?.map(|d| d + 86_400_000);
        if let (Some(f), Some(u)) = (from, until) {
            if u <= f {
                return Err(FieldError::coded(
                    "to",
                    "date_range_reversed",
                    "The last day is before the first.",
                ));
            }
        }
        Ok(Filters {
            kind,
            status,
            currency: currency_filter(q.currency.as_deref())?,
            from,
            until,
        })
    }
}

/// One row of the union.
#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: String,
    amount: i64,
    currency: String,
    status: String,
    created_at: i64,
    info: Option<String>,
    order_id: Option<String>,
    bank_account_id: Option<String>,
    message: Option<String>,
}

impl Row {
    /// None for a currency Kassa does not know (which the schema does not
    /// allow): left out, not an error.
    fn view(&self) -> Option<TransactionView> {
        let currency = self.currency.parse::<Currency>().ok()?;
        Some(TransactionView {
            id: self.id.clone(),
            kind: self.kind.clone(),
            amount: format_minor(self.amount, currency),
            currency: self.currency.clone(),
            status: self.status.clone(),
            created_at: self.created_at,
            info: self.info.clone(),
        })
    }
}

/// The union with every filter inside each branch; `id` narrows it to one
/// transaction.
fn query(user_id: &str, f: &Filters, cursor: Option<&Cursor>, id: Option<&str>) -> Sql {
    let mut sql = Sql::new("SELECT * FROM (");
    let user = sql.text_arg(user_id);
    let mut extra = String::new();
    if let Some(s) = &f.status {
        extra += &format!(" AND status = {}", sql.text_arg(s.clone()));
    }
    if let Some(c) = f.currency {
        extra += &format!(" AND currency = {}", sql.text_arg(c.code()));
    }
    if let Some(from) = f.from {
        extra += &format!(" AND created_at >= {}", sql.int_arg(from));
    }
    if let Some(until) = f.until {
        extra += &format!(" AND created_at < {}", sql.int_arg(until));
    }
    if let Some(c) = cursor {
        let (at, cid) = (sql.int_arg(c.at), sql.text_arg(c.id.clone()));
        extra += &format!(" AND (created_at < {at} OR (created_at = {at} AND id < {cid}))");
    }
    if let Some(id) = id {
        extra += &format!(" AND id = {}", sql.text_arg(id));
    }
    let kinds = f.kind.map_or(Kind::ALL.to_vec(), |k| vec![k]);
    let branches: Vec<String> = kinds
        .iter()
        .map(|k| format!("{} WHERE user_id = {user}{extra}", k.select()))
        .collect();
    sql.push(&branches.join(" UNION ALL "));
    sql.push(") t ORDER BY created_at DESC, id DESC");
    sql
}

/// One page, newest first, and the cursor of the next (None: the last).
pub async fn page(
    db: &Db,
    user_id: &str,
    f: &Filters,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<TransactionView>, Option<String>), sqlx::Error> {
    let mut sql = query(user_id, f, cursor, None);
    let n = sql.int_arg(limit + 1);
    sql.push(&format!(" LIMIT {n}"));
    let mut rows: Vec<Row> = sql.query_as().fetch_all(&db.pool).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor::encode(r.created_at, &r.id))
    } else {
        None
    };
    Ok((rows.iter().filter_map(Row::view).collect(), next))
}

/// `GET /api/wallet/transactions` (JSON).
pub async fn list(
    db: &Db,
    user_id: &str,
    q: &TransactionQuery,
) -> Result<TransactionList, TransactionsError> {
    let f = Filters::parse(q)?;
    let limit = page_size(q.limit.as_deref())?;
    let cursor = Cursor::parse(q.cursor.as_deref())?;
    let (transactions, next) = page(db, user_id, &f, cursor.as_ref(), limit).await?;
    Ok(TransactionList { transactions, next })
}

/// The most rows one download holds, and the rows read per query.
const MAX_EXPORT_ROWS: usize = 100_000;
const EXPORT_PAGE: i64 = 1000;

/// `GET /api/wallet/transactions?format=csv`: every row the filters match.
pub async fn csv(
    db: &Db,
    user_id: &str,
    q: &TransactionQuery,
) -> Result<String, TransactionsError> {
    let f = Filters::parse(q)?;
    let mut csv = Csv::new(&[
        "id",
        "created_at",
        "kind",
        "amount",
        "currency",
        "status",
        "info",
    ]);
    let (mut cursor, mut written) = (None, 0);
    loop {
        let (rows, next) = page(db, user_id, &f, cursor.as_ref(), EXPORT_PAGE).await?;
        for t in &rows {
            let at = iso(t.created_at);
            let info = t.info.as_deref().unwrap_or("");
            csv.row([
                t.id.as_str(),
                &at,
                &t.kind,
                &t.amount,
                &t.currency,
                &t.status,
                info,
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

/// One of the trader's transactions with its timeline; None when it is not
/// theirs (a foreign id reads as unknown).
pub async fn detail(
    db: &Db,
    user_id: &str,
    id: &str,
) -> Result<Option<TransactionDetail>, sqlx::Error> {
    let sql = query(user_id, &Filters::default(), None, Some(id));
    let Some(row) = sql.query_as::<Row>().fetch_optional(&db.pool).await? else {
        return Ok(None);
    };
    let Some(transaction) = row.view() else {
        return Ok(None);
    };
    let kind = Kind::ALL
        .into_iter()
        .find(|k| k.as_str() == row.kind)
        .unwrap_or(Kind::Deposit);
    let history = kind.history().steps(&db.pool, id).await?;
    let bank_account = match &row.bank_account_id {
        Some(account) => super::accounts::list_for_user(db, user_id)
            .await?
            .into_iter()
            .find(|a| &a.id == account),
        None => None,
    };
    Ok(Some(TransactionDetail {
        transaction,
        order_id: row.order_id,
        bank_account,
        message: row.message,
        history,
    }))
}

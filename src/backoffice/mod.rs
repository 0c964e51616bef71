//! The back office's domain: what admins read (overview, traders, orders,
//! notification log, audit log, reconciliation) and the few things they
//! change (freeze, unfreeze, unlock), each change written to the audit log
//! in the same database transaction. No web code here: `web::admin` maps
//! HTTP onto these functions and checks the role first.
//!
//! Why queries look the way they do:
//! - lists are keyset-paginated on `(created_at, id)` newest first, so page
//!   500 costs what page 1 costs; the indexes are in migration 0005;
//! - withdrawals are read straight from their table (the payout logic lives
//!   in `wallet::withdrawals`; nothing here changes a withdrawal);
//! - filters arrive as text and are parsed here: a bad one is a
//!   [`FieldError`] (400) and runs no query.

pub mod approvals;
pub mod audit;
pub mod csv;
pub mod notifications;
pub mod orders;
pub mod overview;
pub mod reconciliation;
pub mod traders;

use sqlx::{
    any::{AnyArguments, AnyRow},
    query::{Query, QueryAs, QueryScalar},
    Any, FromRow,
};

use crate::{
    money::{format_minor, Currency},
    traders::newtypes::FieldError,
};

#[derive(Debug, thiserror::Error)]
pub enum BackofficeError {
    #[error("{0}")]
    Field(#[from] FieldError),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

pub type Result<T> = std::result::Result<T, BackofficeError>;

/// Rows per page unless asked otherwise, and the most one page may hold.
pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;
/// The most rows one CSV export writes.
pub const MAX_EXPORT_ROWS: usize = 1_000_000;

/// The page size asked for (`limit`), within bounds.
pub fn page_size(limit: Option<&str>) -> Result<i64> {
    match limit.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(PAGE_SIZE),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            _ => Err(FieldError::new(
                "limit",
                format!("The page size must be a whole number from 1 to {MAX_PAGE_SIZE}."),
            )
            .into()),
        },
    }
}

/// Where a page starts: after the row `(at, id)` of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(at: i64, id: &str) -> String {
        format!("{at}.{id}")
    }

    pub fn parse(raw: Option<&str>) -> Result<Option<Cursor>> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let bad = || FieldError::new("cursor", "The page cursor is not valid; start again.");
        let (at, id) = raw.split_once('.').ok_or_else(bad)?;
        let at = at.parse::<i64>().map_err(|_| bad())?;
        if id.is_empty() || id.len() > 100 {
            return Err(bad().into());
        }
        Ok(Some(Cursor {
            at,
            id: id.to_string(),
        }))
    }
}

/// A currency filter: empty means any.
pub fn currency_filter(raw: Option<&str>) -> Result<Option<Currency>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .to_ascii_uppercase()
            .parse::<Currency>()
            .map(Some)
            .map_err(|_| FieldError::new("currency", "Choose a supported currency.").into()),
    }
}

/// A `YYYY-MM-DD` filter as the UTC midnight that starts it.
pub fn day_filter(field: &'static str, raw: Option<&str>) -> Result<Option<i64>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::api::format::parse_day(s)
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "Give a date as YYYY-MM-DD.").into()),
    }
}

/// Free text to search for: trimmed, at most 100 characters.
pub fn search_text(raw: Option<&str>) -> Result<Option<String>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > 100 => {
            Err(FieldError::new("q", "Search for at most 100 characters.").into())
        }
        Some(s) => Ok(Some(s.to_string())),
    }
}

/// A `LIKE` pattern that matches `text` anywhere, with `\` escaping the
/// wildcards (every query using it says `ESCAPE '\'`, which both backends
/// understand).
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Minor units as a decimal string; a currency Kassa does not know (which
/// the schema does not allow) prints as plain minor units.
pub fn decimal(minor: i64, code: &str) -> String {
    match code.parse::<Currency>() {
        Ok(c) => format_minor(minor, c),
        Err(_) => minor.to_string(),
    }
}

/// A query under construction: text with `$n` placeholders and the values
/// bound to them, so filters can be added one by one on both backends.
#[derive(Default, Clone)]
pub struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

#[derive(Clone)]
enum Arg {
    Text(String),
    Int(i64),
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Binds a value and returns its placeholder.
    pub fn text_arg(&mut self, v: impl Into<String>) -> String {
        self.args.push(Arg::Text(v.into()));
        format!("${}", self.args.len())
    }

    pub fn int_arg(&mut self, v: i64) -> String {
        self.args.push(Arg::Int(v));
        format!("${}", self.args.len())
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }

    /// The query, its rows read as `T` (a `FromRow` row struct).
    pub fn query_as<T>(&self) -> QueryAs<'_, Any, T, AnyArguments<'_>>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_as::<_, T>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }

    /// The query, the first column of its rows read as `T` (a count).
    pub fn scalar<T>(&self) -> QueryScalar<'_, Any, T, AnyArguments<'_>>
    where
        (T,): for<'r> FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_scalar::<_, T>(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// Placeholders for an `IN (...)` list, bound on `sql`.
pub fn in_list(sql: &mut Sql, values: &[String]) -> String {
    values
        .iter()
        .map(|v| sql.text_arg(v.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

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
    Conflict(crate::api::error::ErrorMessage),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

pub type Result<T> = std::result::Result<T, BackofficeError>;

/// The most rows one CSV export writes.
pub const MAX_EXPORT_ROWS: usize = 1_000_000;

// The list helpers the trader's history shares live below the back office.
pub use crate::db::sql::{in_list, Sql};
pub use crate::wallet::listing::{
    currency_filter, day_filter, page_size, Cursor, MAX_PAGE_SIZE, PAGE_SIZE,
};

/// Free text to search for: trimmed, at most 100 characters.
pub fn search_text(raw: Option<&str>) -> Result<Option<String>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > 100 => {
            Err(
                FieldError::coded("q", "search_too_long", "Search for at most 100 characters.")
                    .with("max", 100)
                    .into(),
            )
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

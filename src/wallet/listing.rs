//! What every keyset-paged list reads from its query string (the trader's
//! history and the back office's lists): the page size, the cursor, and the
//! currency and day filters. A bad value is a [`FieldError`] (400) and runs
//! no query.

use crate::{money::Currency, traders::newtypes::FieldError};

/// Rows per page unless asked otherwise, and the most one page may hold.
pub const PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;
/// The page size asked for (`limit`), within bounds.
pub fn page_size(limit: Option<&str>) -> Result<i64, FieldError> {
    match limit.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(PAGE_SIZE),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            _ => Err(FieldError::coded(
                "limit",
                "page_size_invalid",
                format!("The page size must be a whole number from 1 to {MAX_PAGE_SIZE}."),
            )
            .with("max", MAX_PAGE_SIZE)),
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

    pub fn parse(raw: Option<&str>) -> Result<Option<Cursor>, FieldError> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let bad = || {
            FieldError::coded(
                "cursor",
                "cursor_invalid",
                "The page cursor is not valid; start again.",
            )
        };
        let (at, id) = raw.split_once('.').ok_or_else(bad)?;
        let at = at.parse::<i64>().map_err(|_| bad())?;
        if id.is_empty() || id.len() > 100 {
            return Err(bad());
        }
        Ok(Some(Cursor {
            at,
            id: id.to_string(),
        }))
    }
}

/// A currency filter: empty means any.
pub fn currency_filter(raw: Option<&str>) -> Result<Option<Currency>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .to_ascii_uppercase()
            .parse::<Currency>()
            .map(Some)
            .map_err(|_| {
                FieldError::coded(
                    "currency",
                    "currency_unsupported",
                    "Choose a supported currency.",
                )
            }),
    }
}

/// A `YYYY-MM-DD` filter as the UTC midnight that starts it.
pub fn day_filter(field: &'static str, raw: Option<&str>) -> Result<Option<i64>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::api::format::parse_day(s)
            .map(Some)
            .ok_or_else(|| FieldError::coded(field, "date_invalid", "Give a date as YYYY-MM-DD.")),
    }
}

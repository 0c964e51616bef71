//! How rows become values: each query's rows decode into a
//! `#[derive(sqlx::FromRow)]` struct (its fields named as the columns),
//! never column by column at the call site.
//!
//! Statements stay literals of `sqlx::query` (the integration tests'
//! statement catalogue prepares every one of those on both backends);
//! [`QueryRows::rows`] names the row type:
//!
//! ```ignore
//! let refusals: Vec<Refusal> = sqlx::query(SELECT_REFUSALS)
//!     .bind(withdrawal_id)
//!     .rows()
//!     .fetch_all(&db.pool)
//!     .await?;
//! ```

use sqlx::{
    any::{AnyArguments, AnyRow, AnyTypeInfo, AnyValueRef},
    error::BoxDynError,
    query::{Map, Query},
    Any, Decode, FromRow, Type,
};

/// The rows of a query, each decoded as `R`.
pub type RowsOf<'q, R> = Map<'q, Any, fn(AnyRow) -> Result<R, sqlx::Error>, AnyArguments<'q>>;

/// [`QueryRows::rows`] on `sqlx::query(…)`.
pub trait QueryRows<'q> {
    /// This query's rows, each decoded as `R` (`fetch_one`, `fetch_all`,
    /// `fetch_optional` as on the query itself).
    fn rows<R>(self) -> RowsOf<'q, R>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin;
}

impl<'q> QueryRows<'q> for Query<'q, Any, AnyArguments<'q>> {
    fn rows<R>(self) -> RowsOf<'q, R>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        self.try_map(decode::<R> as fn(AnyRow) -> Result<R, sqlx::Error>)
    }
}

fn decode<R>(row: AnyRow) -> Result<R, sqlx::Error>
where
    R: for<'r> FromRow<'r, AnyRow>,
{
    R::from_row(&row)
}

/// A yes/no column, stored as a 0/1 integer on both backends (the portable
/// schema has no BOOLEAN): `#[sqlx(try_from = "Flag")] flagged: bool`.
pub struct Flag(i64);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0 != 0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        <i64 as Decode<'r, Any>>::decode(value).map(Flag)
    }
}

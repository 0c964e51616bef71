//! The double-entry ledger. Every movement of money is one ledger
//! transaction whose entries sum to zero per currency; the cached
//! `balances` row of each trader involved moves in the same database
//! transaction. A transaction is named by its `event_key` (unique), so a
//! repeated event books nothing, at the database level.

use sqlx::AnyConnection;

use crate::{db::now_ms, money::Currency};

/// The accounts entries are booked on. A trader's accounts carry their
/// user id; Kassa's own accounts carry none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Account {
    /// What a trader can spend or withdraw.
    Available,
    /// A trader's money set aside for a withdrawal in flight.
    Reserved,
    /// Money Kassa holds at Trustly (the other side of every deposit).
    Trustly,
}

impl Account {
    pub fn as_str(self) -> &'static str {
        match self {
            Account::Available => "available",
            Account::Reserved => "reserved",
            Account::Trustly => "trustly",
        }
    }

    /// The column of `balances` this account is cached in, if any.
    fn balance_column(self) -> Option<&'static str> {
        match self {
            Account::Available => Some("available"),
            Account::Reserved => Some("reserved"),
            Account::Trustly => None,
        }
    }
}

/// One entry of a transaction: `amount` minor units (signed) on `account`.
#[derive(Clone, Copy, Debug)]
pub struct Leg<'a> {
    pub account: Account,
    pub user_id: Option<&'a str>,
    pub amount: i64,
}

impl<'a> Leg<'a> {
    pub fn trader(account: Account, user_id: &'a str, amount: i64) -> Self {
        Leg {
            account,
            user_id: Some(user_id),
            amount,
        }
    }
    pub fn kassa(account: Account, amount: i64) -> Self {
        Leg {
            account,
            user_id: None,
            amount,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger transaction {0} does not balance")]
    Unbalanced(String),
    #[error("ledger transaction {0}: a trader account without a trader")]
    MissingUser(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Books one transaction inside the caller's database transaction. Returns
/// false (and books nothing) when `event_key` was booked before.
pub async fn post_transaction(
    conn: &mut AnyConnection,
    event_key: &str,
    kind: &str,
    user_id: Option<&str>,
    currency: Currency,
    legs: &[Leg<'_>],
) -> Result<bool, LedgerError> {
    let sum = legs
        .iter()
        .try_fold(0i64, |acc, l| acc.checked_add(l.amount));
    if sum != Some(0) || legs.is_empty() {
        return Err(LedgerError::Unbalanced(event_key.to_string()));
    }
    if legs
        .iter()
        .any(|l| l.account.balance_column().is_some() && l.user_id.is_none())
    {
        return Err(LedgerError::MissingUser(event_key.to_string()));
    }
    let tx_id = uuid::Uuid::new_v4().to_string();
    let inserted = sqlx::query(
        "INSERT INTO ledger_transactions (id, event_key, kind, user_id, currency, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_key) DO NOTHING",
    )
    .bind(&tx_id)
    .bind(event_key)
    .bind(kind)
    .bind(user_id)
    .bind(currency.code())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(false);
    }
    for leg in legs {
        sqlx::query(
            "INSERT INTO ledger_entries (id, transaction_id, account, user_id, currency, amount)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&tx_id)
        .bind(leg.account.as_str())
        .bind(leg.user_id)
        .bind(currency.code())
        .bind(leg.amount)
        .execute(&mut *conn)
        .await?;
        if let (Some(_), Some(user)) = (leg.account.balance_column(), leg.user_id) {
            let (available, reserved) = match leg.account {
                Account::Available => (leg.amount, 0),
                Account::Reserved => (0, leg.amount),
                Account::Trustly => (0, 0),
            };
            // One statement, atomic on both backends (the row is locked on
            // PostgreSQL; SQLite has one writer).
            sqlx::query(
                "INSERT INTO balances (user_id, currency, available, reserved)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, currency) DO UPDATE
                 SET available = balances.available + excluded.available,
                     reserved = balances.reserved + excluded.reserved",
            )
            .bind(user)
            .bind(currency.code())
            .bind(available)
            .bind(reserved)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(true)
}

/// A trader's available balance in `currency` as of the caller's transaction.
pub async fn available(
    conn: &mut AnyConnection,
    user_id: &str,
    currency: Currency,
) -> Result<i64, sqlx::Error> {
    use sqlx::Row;
    let row = sqlx::query("SELECT available FROM balances WHERE user_id = $1 AND currency = $2")
        .bind(user_id)
        .bind(currency.code())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>(0)?,
        None => 0,
    })
}

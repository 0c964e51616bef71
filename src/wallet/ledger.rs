//! The double-entry ledger. Every movement of money is one ledger
//! transaction whose entries sum to zero per currency; the cached
//! `balances` row of each trader involved moves in the same database
//! transaction. A transaction is named by its `event_key` (unique), so a
//! repeated event books nothing, at the database level, and carries the
//! order it belongs to (`order_ref`: the deposit's or withdrawal's Kassa
//! id), so nothing that reads it back has to take its key apart.

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

/// What a ledger transaction records (`ledger_transactions.kind`, checked
/// by the database: migration 0013).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Trustly's credit: Kassa's `trustly` account to the trader's available.
    DepositCredit,
    /// Trustly's debit: the credit reversed.
    DepositDebit,
    /// Available to reserved, before AccountPayout is sent.
    WithdrawalReserve,
    /// Reserved back to available: Trustly certainly did not pay.
    WithdrawalRelease,
    /// Reserved to Kassa's `trustly` account: payoutconfirmation.
    WithdrawalPaid,
    /// A paid payout's money came back (a credit after the payout).
    WithdrawalReturned,
    /// Available to reserved, before Refund is sent (or waits for a second
    /// admin).
    RefundReserve,
    /// Reserved back to available: Trustly certainly did not refund, or the
    /// second admin denied it.
    RefundRelease,
    /// Reserved to Kassa's `trustly` account: Trustly accepted the Refund.
    RefundPaid,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::DepositCredit,
        Kind::DepositDebit,
        Kind::WithdrawalReserve,
        Kind::WithdrawalRelease,
        Kind::WithdrawalPaid,
        Kind::WithdrawalReturned,
        Kind::RefundReserve,
        Kind::RefundRelease,
        Kind::RefundPaid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DepositCredit => "deposit_credit",
            Kind::DepositDebit => "deposit_debit",
            Kind::WithdrawalReserve => "withdrawal_reserve",
            Kind::WithdrawalRelease => "withdrawal_release",
            Kind::WithdrawalPaid => "withdrawal_paid",
            Kind::WithdrawalReturned => "withdrawal_returned",
            Kind::RefundReserve => "refund_reserve",
            Kind::RefundRelease => "refund_release",
            Kind::RefundPaid => "refund_paid",
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
    #[error("not enough available balance")]
    InsufficientFunds,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// One transaction to book.
#[derive(Clone, Copy)]
struct Posting<'a> {
    event_key: &'a str,
    kind: Kind,
    /// Kassa's id of the deposit or withdrawal it belongs to.
    order: Option<&'a str>,
    user_id: Option<&'a str>,
    currency: Currency,
}

/// Books one transaction of the order `order` (Kassa's id of the deposit or
/// withdrawal: every [`Kind`] is one of theirs) inside the caller's
/// database transaction. Returns false (and books nothing) when
/// `event_key` was booked before.
pub async fn post_for_order(
    conn: &mut AnyConnection,
    order: &str,
    event_key: &str,
    kind: Kind,
    user_id: Option<&str>,
    currency: Currency,
    legs: &[Leg<'_>],
) -> Result<bool, LedgerError> {
    let p = Posting {
        event_key,
        kind,
        order: Some(order),
        user_id,
        currency,
    };
    post(conn, &p, legs, false).await
}

/// Books one transaction that belongs to no order (an adjustment by hand):
/// reconciliation shows it on its own. Otherwise as [`post_for_order`].
pub async fn post_transaction(
    conn: &mut AnyConnection,
    event_key: &str,
    kind: Kind,
    user_id: Option<&str>,
    currency: Currency,
    legs: &[Leg<'_>],
) -> Result<bool, LedgerError> {
    let p = Posting {
        event_key,
        kind,
        order: None,
        user_id,
        currency,
    };
    post(conn, &p, legs, false).await
}

/// Moves `amount` of `user_id`'s available balance to reserved, refusing
/// with [`LedgerError::InsufficientFunds`] when available would go below
/// zero. The check and the move are one conditional UPDATE, so concurrent
/// reservations cannot both pass it (PostgreSQL re-checks the row after the
/// first commit; SQLite has one writer). The caller must roll back on error.
/// `order` is the order the reservation is for (a withdrawal, or the
/// deposit a refund sends back) and `kind` a reservation kind.
pub async fn reserve(
    conn: &mut AnyConnection,
    order: &str,
    kind: Kind,
    event_key: &str,
    user_id: &str,
    currency: Currency,
    amount: i64,
) -> Result<bool, LedgerError> {
    if amount <= 0 || !matches!(kind, Kind::WithdrawalReserve | Kind::RefundReserve) {
        return Err(LedgerError::Unbalanced(event_key.to_string()));
    }
    let p = Posting {
        event_key,
        kind,
        order: Some(order),
        user_id: Some(user_id),
        currency,
    };
    post(
        conn,
        &p,
        &[
            Leg::trader(Account::Available, user_id, -amount),
            Leg::trader(Account::Reserved, user_id, amount),
        ],
        true,
    )
    .await
}

async fn post(
    conn: &mut AnyConnection,
    p: &Posting<'_>,
    legs: &[Leg<'_>],
    guarded_reservation: bool,
) -> Result<bool, LedgerError> {
    let Posting {
        event_key,
        kind,
        order,
        user_id,
        currency,
    } = *p;
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
        "INSERT INTO ledger_transactions (id, event_key, kind, order_ref, user_id, currency,
                                          created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_key) DO NOTHING",
    )
    .bind(&tx_id)
    .bind(event_key)
    .bind(kind.as_str())
    .bind(order)
    .bind(user_id)
    .bind(currency.code())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(false);
    }
    if guarded_reservation {
        let [from, to] = legs else {
            return Err(LedgerError::Unbalanced(event_key.to_string()));
        };
        let moved = sqlx::query(
            "UPDATE balances SET available = available + $1, reserved = reserved + $2
             WHERE user_id = $3 AND currency = $4 AND available + $1 >= 0",
        )
        .bind(from.amount)
        .bind(to.amount)
        .bind(from.user_id)
        .bind(currency.code())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(LedgerError::InsufficientFunds);
        }
    }
    // All entries in one statement: one round trip to the database per
    // transaction, whatever its number of legs (the notification hot path).
    let mut sql = String::from(
        "INSERT INTO ledger_entries (id, transaction_id, account, user_id, currency, amount) VALUES ",
    );
    for i in 0..legs.len() {
        let b = i * 6;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6
        ));
    }
    let mut insert = sqlx::query(&sql);
    for leg in legs {
        insert = insert
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(tx_id.clone())
            .bind(leg.account.as_str())
            .bind(leg.user_id)
            .bind(currency.code())
            .bind(leg.amount);
    }
    insert.execute(&mut *conn).await?;
    if guarded_reservation {
        return Ok(true); // the balances row moved above
    }
    for leg in legs {
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
    let available = sqlx::query_scalar::<_, i64>(
        "SELECT available FROM balances WHERE user_id = $1 AND currency = $2",
    )
    .bind(user_id)
    .bind(currency.code())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(available.unwrap_or(0))
}

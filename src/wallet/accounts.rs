//! Bank accounts Trustly told us about (account notifications) or that a
//! trader registered. Only what is safe to show: Trustly's accountid, bank,
//! clearing house, descriptor and last digits; never a full account number.

use sqlx::AnyConnection;

use super::bank_details::BankDetails;
use crate::{
    api::wallet::BankAccountView,
    db::{now_ms, Backend, Db, Flag, QueryRows},
    trustly::{AccountNotification, RegisterAccountResult},
};

/// Where a stored bank account came from (`bank_accounts.source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An `account` notification (the trader chose it at Trustly).
    Notification,
    /// RegisterAccount (the trader typed its details into Kassa).
    Registered,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Notification => "notification",
            Source::Registered => "registered",
        }
    }
}

/// Records the account of an `account` notification for `user_id`
/// (inside the caller's transaction). A repeat refreshes the details; an
/// account once verified stays verified.
pub async fn upsert_from_notification(
    conn: &mut AnyConnection,
    user_id: &str,
    n: &AccountNotification,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let a = &n.attributes;
    // At most the last four characters, whatever Trustly sent as "lastdigits".
    let last_digits = a.lastdigits.as_deref().map(|d| {
        let chars: Vec<char> = d.chars().collect();
        chars[chars.len().saturating_sub(4)..]
            .iter()
            .collect::<String>()
    });
    sqlx::query(
        "INSERT INTO bank_accounts (id, user_id, account_id, bank, clearing_house, descriptor,
                                    last_digits, verified, source, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $9, $9)
         ON CONFLICT (user_id, account_id) DO UPDATE
         SET bank = COALESCE(excluded.bank, bank_accounts.bank),
             clearing_house = COALESCE(excluded.clearing_house, bank_accounts.clearing_house),
             descriptor = COALESCE(excluded.descriptor, bank_accounts.descriptor),
             last_digits = COALESCE(excluded.last_digits, bank_accounts.last_digits),
             verified = CASE WHEN excluded.verified > bank_accounts.verified
                             THEN excluded.verified ELSE bank_accounts.verified END,
             updated_at = excluded.updated_at",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(&n.accountid)
    .bind(a.bank.as_deref())
    .bind(a.clearinghouse.as_deref())
    .bind(a.descriptor.as_deref())
    .bind(last_digits.as_deref())
    .bind(i64::from(n.is_verified()))
    .bind(now)
    .bind(Source::Notification.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The trader's most recently reported verified account (Trustly Express:
/// sent as AccountID with the next Deposit).
pub async fn latest_verified(db: &Db, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM bank_accounts WHERE user_id = $1 AND verified = 1
         ORDER BY updated_at DESC, created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

const VIEW_COLUMNS: &str = "id, account_id, bank, clearing_house, descriptor, last_digits, \
                            verified, source";

/// A `bank_accounts` row as [`VIEW_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct Stored {
    id: String,
    account_id: String,
    bank: Option<String>,
    clearing_house: Option<String>,
    descriptor: Option<String>,
    last_digits: Option<String>,
    #[sqlx(try_from = "Flag")]
    verified: bool,
    source: String,
}

impl From<Stored> for BankAccountView {
    fn from(a: Stored) -> BankAccountView {
        BankAccountView {
            id: a.id,
            account_id: a.account_id,
            bank: a.bank,
            clearing_house: a.clearing_house,
            descriptor: a.descriptor,
            last_digits: a.last_digits,
            verified: a.verified,
            source: a.source,
        }
    }
}

/// The checkout URL of `user_id`'s own account selection `id` while it is
/// still open (`created`); None for anyone else's, or once it has ended.
pub async fn open_selection_url(
    db: &Db,
    user_id: &str,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let url: Option<Option<String>> = sqlx::query_scalar(
        "SELECT checkout_url FROM account_selections
         WHERE id = $1 AND user_id = $2 AND status = $3",
    )
    .bind(id)
    .bind(user_id)
    .bind(SelectionStatus::Created.as_str())
    .fetch_optional(&db.pool)
    .await?;
    Ok(url.flatten())
}

/// A trader's bank accounts, most recently used first.
pub async fn list_for_user(db: &Db, user_id: &str) -> Result<Vec<BankAccountView>, sqlx::Error> {
    let sql = format!(
        "SELECT {VIEW_COLUMNS} FROM bank_accounts WHERE user_id = $1
         ORDER BY updated_at DESC, created_at DESC"
    );
    let accounts: Vec<Stored> = sqlx::query(&sql)
        .bind(user_id)
        .rows()
        .fetch_all(&db.pool)
        .await?;
    Ok(accounts.into_iter().map(BankAccountView::from).collect())
}

/// Stores the account RegisterAccount answered. The same accountid again
/// is the same stored account (returned with `false`: nothing new).
pub async fn store_registered(
    db: &Db,
    user_id: &str,
    details: &BankDetails,
    result: &RegisterAccountResult,
) -> Result<(BankAccountView, bool), sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO bank_accounts (id, user_id, account_id, bank, clearing_house, descriptor,
                                    last_digits, verified, source, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $9, $8, $8)
         ON CONFLICT (user_id, account_id) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(&result.accountid)
    .bind(result.bank.as_deref())
    .bind(
        result
            .clearinghouse
            .as_deref()
            .unwrap_or(&details.clearing_house),
    )
    .bind(result.descriptor.as_deref())
    .bind(details.last_digits())
    .bind(now)
    .bind(Source::Registered.as_str())
    .execute(&mut *tx.tx)
    .await?
    .rows_affected()
        > 0;
    let sql =
        format!("SELECT {VIEW_COLUMNS} FROM bank_accounts WHERE user_id = $1 AND account_id = $2");
    let account: Stored = sqlx::query(&sql)
        .bind(user_id)
        .bind(&result.accountid)
        .rows()
        .fetch_one(&mut *tx.tx)
        .await?;
    tx.commit().await?;
    Ok((account.into(), inserted))
}

// ---------------------------------------------------------------------------
// SelectAccount orders

/// A SelectAccount order. Its id is the MessageID, so the `account`
/// notification finds the trader even before SelectAccount answered.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Selection {
    pub id: String,
    pub user_id: String,
    pub order_id: Option<String>,
    pub status: String,
}

/// The states of an account selection (`account_selections.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectionStatus {
    /// SelectAccount sent; the trader has not finished the checkout.
    Created,
    /// The trader chose an account (its `account` notification came).
    Selected,
    /// The trader closed the checkout.
    Cancelled,
    /// Trustly refused SelectAccount, or it could not be asked.
    Failed,
}

impl SelectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SelectionStatus::Created => "created",
            SelectionStatus::Selected => "selected",
            SelectionStatus::Cancelled => "cancelled",
            SelectionStatus::Failed => "failed",
        }
    }
}

pub async fn create_selection(db: &Db, user_id: &str) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    db.write(
        sqlx::query(
            "INSERT INTO account_selections (id, user_id, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(SelectionStatus::Created.as_str())
        .bind(now),
    )
    .await?;
    Ok(id)
}

/// Stores Trustly's answer to SelectAccount (an order id a notification
/// stored first is kept).
pub async fn record_selection(
    db: &Db,
    id: &str,
    order_id: &str,
    checkout_url: &str,
) -> Result<(), sqlx::Error> {
    db.write(
        sqlx::query(
            "UPDATE account_selections SET order_id = COALESCE(order_id, $1), checkout_url = $2,
                    updated_at = $3 WHERE id = $4",
        )
        .bind(order_id)
        .bind(checkout_url)
        .bind(now_ms())
        .bind(id),
    )
    .await?;
    Ok(())
}

pub async fn selection_failed(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    db.write(
        sqlx::query(
            "UPDATE account_selections SET status = $1, updated_at = $2
             WHERE id = $3 AND status = $4",
        )
        .bind(SelectionStatus::Failed.as_str())
        .bind(now_ms())
        .bind(id)
        .bind(SelectionStatus::Created.as_str()),
    )
    .await?;
    Ok(())
}

/// The selection a notification names (messageid first, then orderid),
/// locked for the caller's transaction on PostgreSQL.
pub(crate) async fn find_selection_for_update(
    conn: &mut AnyConnection,
    backend: Backend,
    message_id: &str,
    order_id: &str,
) -> Result<Option<Selection>, sqlx::Error> {
    let select = "SELECT id, user_id, order_id, status FROM account_selections";
    super::lock_order_row(conn, backend, select, message_id, order_id).await
}

/// Moves a selection to `selected` or `cancelled` (from `created` only;
/// `failed` too, as a timed-out SelectAccount may still have an order)
/// and stores the order id when it has none.
pub(crate) async fn settle_selection(
    conn: &mut AnyConnection,
    id: &str,
    order_id: &str,
    status: SelectionStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE account_selections SET order_id = COALESCE(order_id, $1),
                status = CASE WHEN status IN ($5, $6) THEN $2 ELSE status END,
                updated_at = $3
         WHERE id = $4",
    )
    .bind(order_id)
    .bind(status.as_str())
    .bind(now_ms())
    .bind(id)
    .bind(SelectionStatus::Created.as_str())
    .bind(SelectionStatus::Failed.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

//! Bank accounts Trustly told us about (account notifications) or that a
//! trader registered. Only what is safe to show: Trustly's accountid, bank,
//! clearing house, descriptor and last digits; never a full account number.

use sqlx::{AnyConnection, Row};

use crate::{
    db::{now_ms, Db},
    trustly::AccountNotification,
};

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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'notification', $9, $9)
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
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The trader's most recently reported verified account (Trustly Express:
/// sent as AccountID with the next Deposit).
pub async fn latest_verified(db: &Db, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT account_id FROM bank_accounts WHERE user_id = $1 AND verified = 1
         ORDER BY updated_at DESC, created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| r.try_get::<String, _>(0)).transpose()
}

//! The wallet domain: the double-entry ledger and the balances derived
//! from it, deposits, the bank accounts Trustly reports, and the
//! notifications that move them.

pub mod accounts;
pub mod bank_details;
pub mod deposits;
pub mod ledger;
pub mod notifications;
pub mod withdrawals;

use std::collections::BTreeMap;

use sqlx::Row;

use crate::{
    app::types::{BalanceView, WalletView},
    db::Db,
    money::{format_minor, Currency},
};

/// How many transactions the wallet lists.
const TRANSACTIONS_SHOWN: i64 = 200;

/// A trader's balances and history, amounts as decimal strings. `pending`
/// is the sum of their deposits Trustly reported as pending.
pub async fn summary(db: &Db, user_id: &str) -> Result<WalletView, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT currency, available, reserved FROM balances WHERE user_id = $1 ORDER BY currency",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    // currency -> (available, reserved, pending)
    let mut by_currency: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for row in rows {
        let code: String = row.try_get("currency")?;
        by_currency.insert(
            code,
            (row.try_get("available")?, row.try_get("reserved")?, 0),
        );
    }
    for (code, pending) in deposits::pending_by_currency(db, user_id).await? {
        by_currency.entry(code).or_default().2 = pending;
    }
    let mut balances = Vec::with_capacity(by_currency.len());
    for (code, (available, reserved, pending)) in by_currency {
        let Ok(currency) = code.parse::<Currency>() else {
            tracing::error!(%code, user_id, "balance row with an unknown currency");
            continue;
        };
        balances.push(BalanceView {
            currency: code,
            available: format_minor(available, currency),
            reserved: format_minor(reserved, currency),
            pending: format_minor(pending, currency),
        });
    }
    // Deposits and withdrawals, newest first.
    let mut transactions = deposits::transactions_for_user(db, user_id, TRANSACTIONS_SHOWN).await?;
    transactions.extend(withdrawals::transactions_for_user(db, user_id, TRANSACTIONS_SHOWN).await?);
    transactions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    transactions.truncate(TRANSACTIONS_SHOWN as usize);
    Ok(WalletView {
        balances,
        transactions,
    })
}

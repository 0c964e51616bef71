//! The wallet domain: the double-entry ledger and the balances derived
//! from it.

use sqlx::Row;

use crate::{
    app::types::{BalanceView, WalletView},
    db::Db,
    money::{format_minor, Currency},
};

/// A trader's balances and history, amounts as decimal strings.
pub async fn summary(db: &Db, user_id: &str) -> Result<WalletView, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT currency, available, reserved FROM balances WHERE user_id = $1 ORDER BY currency",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut balances = Vec::with_capacity(rows.len());
    for row in rows {
        let code: String = row.try_get("currency")?;
        let Ok(currency) = code.parse::<Currency>() else {
            tracing::error!(%code, user_id, "balance row with an unknown currency");
            continue;
        };
        balances.push(BalanceView {
            currency: code,
            available: format_minor(row.try_get("available")?, currency),
            reserved: format_minor(row.try_get("reserved")?, currency),
            pending: format_minor(0, currency),
        });
    }
    Ok(WalletView {
        balances,
        transactions: Vec::new(),
    })
}

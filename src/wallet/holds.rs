//! What a trader may withdraw, and why a withdrawal must wait for an admin.
//!
//! **Settlement hold.** Money a deposit credited is available for trading at
//! once, but Trustly may still take it back (a `debit`, which can come days
//! later; test case D1 sends it right after the credit). So it becomes
//! *withdrawable* only `hold_ms` after its credit:
//! `withdrawable = clamp(available - held, 0, available)`, where `held` is
//! the sum of the trader's deposits in that currency credited within the
//! last `hold_ms` and still credited (a reversed one already left
//! `available`). A withdrawal above `withdrawable` is not refused: it waits
//! for approval with the reason.
//!
//! **Risk holds.** A trader with a reversed deposit, or a negative balance
//! in any currency, may still ask, but every withdrawal waits for approval.

use std::collections::BTreeMap;

use super::deposits::Status as DepositStatus;
use crate::{
    db::QueryRows,
    money::{format_minor, Currency, Money},
};

/// The credits of one currency still inside the hold, oldest first, as
/// (amount in minor units, credited at unix ms).
#[derive(Debug, Default)]
pub struct Held {
    pub credits: Vec<(i64, i64)>,
}

impl Held {
    pub fn minor(&self) -> i64 {
        self.credits.iter().map(|(a, _)| a).sum()
    }

    /// When the last of it becomes withdrawable (None: nothing held).
    pub fn until(&self, hold_ms: u64) -> Option<i64> {
        self.credits.iter().map(|(_, at)| at + hold_ms as i64).max()
    }

    /// What of `available` may leave now.
    pub fn withdrawable(&self, available: i64) -> i64 {
        (available - self.minor()).clamp(0, available.max(0))
    }
}

/// The credits of `currency` within the hold for one trader.
pub async fn held<'e, E>(
    db: E,
    user_id: &str,
    currency: Currency,
    now: i64,
    hold_ms: u64,
) -> Result<Held, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if hold_ms == 0 {
        return Ok(Held::default());
    }
    // (amount, credited_at), as `Held` keeps them.
    let credits: Vec<(i64, i64)> = sqlx::query(
        "SELECT amount, credited_at FROM deposits
         WHERE user_id = $1 AND currency = $2 AND status = $3 AND credited_at > $4
         ORDER BY credited_at",
    )
    .bind(user_id)
    .bind(currency.code())
    .bind(DepositStatus::Credited.as_str())
    .bind(now - hold_ms as i64)
    .rows()
    .fetch_all(db)
    .await?;
    Ok(Held { credits })
}

/// [`held`] for every currency of one trader (the wallet view).
pub async fn held_by_currency<'e, E>(
    db: E,
    user_id: &str,
    now: i64,
    hold_ms: u64,
) -> Result<BTreeMap<String, Held>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let mut out: BTreeMap<String, Held> = BTreeMap::new();
    if hold_ms == 0 {
        return Ok(out);
    }
    let rows: Vec<Credit> = sqlx::query(
        "SELECT currency, amount, credited_at FROM deposits
         WHERE user_id = $1 AND status = $2 AND credited_at > $3
         ORDER BY credited_at",
    )
    .bind(user_id)
    .bind(DepositStatus::Credited.as_str())
    .bind(now - hold_ms as i64)
    .rows()
    .fetch_all(db)
    .await?;
    for c in rows {
        let credit = (c.amount, c.credited_at);
        out.entry(c.currency).or_default().credits.push(credit);
    }
    Ok(out)
}

/// One credited deposit inside the hold.
#[derive(sqlx::FromRow)]
struct Credit {
    currency: String,
    amount: i64,
    credited_at: i64,
}

/// The unsettled-funds reason an admin reads, e.g.
/// "unsettled funds: 100.00 EUR credited at 2026-12-01 19:55 UTC".
pub fn unsettled_reason(held: &Held, currency: Currency) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = held
        .credits
        .iter()
        .rev()
        .take(SHOWN)
        .map(|(amount, at)| format!("{} credited at {}", Money::new(*amount, currency), utc(*at)))
        .collect();
    if held.credits.len() > SHOWN {
        parts.push(format!("{} more", held.credits.len() - SHOWN));
    }
    format!("unsettled funds: {}", parts.join(", "))
}

/// Risk reasons that make every withdrawal of this trader wait: reversed
/// deposits and negative balances (inside the caller's transaction).
pub async fn risk_reasons(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let mut reasons = Vec::new();
    let reversed: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM deposits WHERE user_id = $1 AND status = $2",
    )
    .bind(user_id)
    .bind(DepositStatus::Reversed.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if reversed > 0 {
        reasons.push(match reversed {
            1 => "a reversed deposit (debited back by Trustly)".to_string(),
            n => format!("{n} reversed deposits (debited back by Trustly)"),
        });
    }
    let negative: Vec<Negative> = sqlx::query(
        "SELECT currency, available FROM balances
         WHERE user_id = $1 AND available < 0 ORDER BY currency",
    )
    .bind(user_id)
    .rows()
    .fetch_all(&mut *conn)
    .await?;
    for Negative {
        currency: code,
        available,
    } in negative
    {
        let shown = match code.parse::<Currency>() {
            Ok(c) => format!("{} {code}", format_minor(available, c)),
            Err(_) => format!("{available} (minor units) {code}"),
        };
        reasons.push(format!("negative balance: {shown}"));
    }
    Ok(reasons)
}

/// A balance below zero.
#[derive(sqlx::FromRow)]
struct Negative {
    currency: String,
    available: i64,
}

/// "2026-12-01 19:55 UTC" for unix ms.
fn utc(ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000) else {
        return format!("{ms} ms");
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withdrawable_is_never_above_available_nor_below_zero() {
        let held = Held {
            credits: vec![(10_000, 1_000), (5_000, 2_000)],
        };
        assert_eq!(held.minor(), 15_000);
        assert_eq!(held.withdrawable(20_000), 5_000);
        assert_eq!(held.withdrawable(15_000), 0);
        assert_eq!(held.withdrawable(3_000), 0);
        assert_eq!(held.withdrawable(-500), 0);
        assert_eq!(Held::default().withdrawable(7_000), 7_000);
        assert_eq!(held.until(10), Some(2_010));
        assert_eq!(Held::default().until(10), None);
    }

    #[test]
    fn the_reason_names_amounts_and_times() {
        let held = Held {
            credits: vec![(10_050, 1_764_618_900_000)],
        };
        assert_eq!(
            unsettled_reason(&held, Currency::EUR),
            "unsettled funds: 100.50 EUR credited at 2025-12-01 19:55 UTC"
        );
    }
}

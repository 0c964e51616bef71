//! Kassa's balance at Trustly: the cached Balance answer, the one call per
//! `balance_interval_ms` (claimed in the database, so several instances
//! share it), and whether a payout's funds are there.

use super::*;

/// Kassa's balance at Trustly as last asked (Balance, at most one call per
/// `balance_interval_ms`).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct TrustlyBalance {
    pub balances: Vec<TrustlyBalanceLine>,
    /// When Trustly was last asked (unix ms); None: never.
    pub fetched_at: Option<i64>,
    /// The earliest moment another Balance call is allowed.
    pub next_refresh_at: Option<i64>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TrustlyBalanceLine {
    pub currency: String,
    pub balance: String,
    #[serde(skip)]
    pub minor: i64,
}

/// The `trustly_call_claims` row of the Balance call (migration 0011
/// inserts it).
const BALANCE_CLAIM: &str = "balance";

/// The `trustly_balances` row that records a Balance answer listing no
/// currency at all (no currency has an empty code).
const NO_CURRENCY: &str = "";

/// One `trustly_balances` row.
#[derive(sqlx::FromRow)]
struct CachedLine {
    currency: String,
    balance: i64,
    fetched_at: i64,
}

impl Payouts {
    /// The cached Balance; with `refresh`, asks Trustly when the last call
    /// is at least `balance_interval_ms` old (otherwise the cache is
    /// returned as is, with the time a refresh becomes possible).
    pub async fn trustly_balance(&self, refresh: bool) -> Result<TrustlyBalance, WithdrawalError> {
        let _one_at_a_time = self.inner.balance_lock.lock().await;
        let cached = self.cached_balance().await?;
        let due = cached
            .fetched_at
            .is_none_or(|t| now_ms() - t >= self.inner.config.balance_interval_ms as i64);
        if !(refresh && due) {
            return Ok(cached);
        }
        // Several instances share one allowance: the call is claimed in the
        // database (the lock above only orders this process's callers).
        let claimed_at = now_ms();
        if !self.claim_balance_call(claimed_at).await? {
            return Ok(cached);
        }
        let entries = match self.inner.client.balance().await {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(error = %e, code = ?e.code(), "Balance call failed");
                // As before the claim: a failed call may be tried again.
                self.unclaim_balance_call(claimed_at, cached.fetched_at)
                    .await?;
                return Err(WithdrawalError::Trustly(
                    crate::wallet::provider_error::provider(&e),
                ));
            }
        };
        let now = now_ms();
        let db = self.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM trustly_balances")
            .execute(&mut *tx.tx)
            .await?;
        for e in &entries {
            let Ok(currency) = e.currency.parse::<Currency>() else {
                continue;
            };
            let Ok(m) = Money::parse_trustly_lenient(&e.balance, currency) else {
                tracing::warn!(currency = %e.currency, "Balance: unreadable amount");
                continue;
            };
            sqlx::query(
                "INSERT INTO trustly_balances (currency, balance, fetched_at) VALUES ($1, $2, $3)",
            )
            .bind(currency.code())
            .bind(m.minor)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
        }
        // Remember the call even when Trustly lists no currency at all.
        if entries.is_empty() {
            sqlx::query(
                "INSERT INTO trustly_balances (currency, balance, fetched_at) VALUES ($1, 0, $2)",
            )
            .bind(NO_CURRENCY)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
        }
        tx.commit().await?;
        tracing::info!(currencies = entries.len(), "Trustly balance refreshed");
        self.cached_balance().await
    }

    /// Moves the Balance claim to `now` when the last claim is at least
    /// `balance_interval_ms` old; false when another caller (in this or
    /// another instance) has the call.
    pub(super) async fn claim_balance_call(&self, now: i64) -> Result<bool, WithdrawalError> {
        let interval = self.inner.config.balance_interval_ms as i64;
        let claimed = self
            .db()
            .write(
                sqlx::query(
                    "UPDATE trustly_call_claims SET claimed_at = $1
                     WHERE name = $3 AND claimed_at <= $2",
                )
                .bind(now)
                .bind(now - interval)
                .bind(BALANCE_CLAIM),
            )
            .await?
            .rows_affected();
        Ok(claimed == 1)
    }

    /// Gives a claim back after a failed call: the next one is due as if the
    /// failed call had not been made (since the last answer, `fetched_at`).
    pub(super) async fn unclaim_balance_call(
        &self,
        claimed_at: i64,
        fetched_at: Option<i64>,
    ) -> Result<(), WithdrawalError> {
        self.db()
            .write(
                sqlx::query(
                    "UPDATE trustly_call_claims SET claimed_at = $1
                     WHERE name = $3 AND claimed_at = $2",
                )
                .bind(fetched_at.unwrap_or(0))
                .bind(claimed_at)
                .bind(BALANCE_CLAIM),
            )
            .await?;
        Ok(())
    }

    pub(super) async fn cached_balance(&self) -> Result<TrustlyBalance, WithdrawalError> {
        let rows: Vec<CachedLine> = sqlx::query(
            "SELECT currency, balance, fetched_at FROM trustly_balances ORDER BY currency",
        )
        .rows()
        .fetch_all(&self.db().pool)
        .await?;
        let mut out = TrustlyBalance::default();
        for r in rows {
            let fetched = r.fetched_at;
            out.fetched_at = Some(out.fetched_at.map_or(fetched, |t: i64| t.max(fetched)));
            let Ok(currency) = r.currency.parse::<Currency>() else {
                continue;
            };
            out.balances.push(TrustlyBalanceLine {
                balance: format_minor(r.balance, currency),
                currency: r.currency,
                minor: r.balance,
            });
        }
        out.next_refresh_at = out
            .fetched_at
            .map(|t| t + self.inner.config.balance_interval_ms as i64);
        Ok(out)
    }

    /// Whether Kassa's Trustly balance covers `amount`: the last Balance
    /// answer (asked again when older than the allowed interval), plus
    /// deposits credited and minus payouts sent since that answer. When
    /// Trustly cannot be asked at all, the payout goes ahead: Trustly
    /// refuses it if the money is not there, and the reservation is released.
    pub(super) async fn funds_available(&self, amount: Money) -> Result<bool, WithdrawalError> {
        let snapshot = match self.trustly_balance(true).await {
            Ok(s) => s,
            Err(WithdrawalError::Trustly(_)) => return Ok(true),
            Err(e) => return Err(e),
        };
        let Some(fetched_at) = snapshot.fetched_at else {
            return Ok(true);
        };
        let at_fetch = snapshot
            .balances
            .iter()
            .find(|b| b.currency == amount.currency.code())
            .map_or(0, |b| b.minor);
        let db = self.db();
        let deposits_in: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(-e.amount), 0) AS BIGINT)
             FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
             WHERE e.account = $3 AND e.currency = $1 AND t.created_at > $2
               AND t.kind IN ($4, $5)",
        )
        .bind(amount.currency.code())
        .bind(fetched_at)
        .bind(Account::Trustly.as_str())
        .bind(ledger::Kind::DepositCredit.as_str())
        .bind(ledger::Kind::DepositDebit.as_str())
        .fetch_one(&db.pool)
        .await?;
        let payouts_out: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM withdrawals
             WHERE currency = $1 AND status IN ($3, $4) AND last_attempt_at > $2",
        )
        .bind(amount.currency.code())
        .bind(fetched_at)
        .bind(Status::Sent.as_str())
        .bind(Status::Paid.as_str())
        .fetch_one(&db.pool)
        .await?;
        Ok(at_fetch + deposits_in - payouts_out >= amount.minor)
    }
}

//! Every refusal or unknown answer a payout's AccountPayout attempts got,
//! one row per distinct answer with a count (re-sends repeat themselves
//! every few minutes), so admins see everything Trustly said before they
//! resolve an unknown outcome.

use sqlx::AnyConnection;

use super::outcome::Outcome;
use crate::db::{Flag, QueryRows};

/// One distinct answer, as admins see it (a `withdrawal_refusals` row).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Refusal {
    pub reason: String,
    pub code: Option<i64>,
    /// The answer proved that Trustly created no payout.
    #[sqlx(try_from = "Flag")]
    pub certain: bool,
    pub attempts: i64,
    pub first_at: i64,
    pub last_at: i64,
}

/// Keeps a refused or unknown answer (inside the caller's transaction);
/// accepted answers are not refusals and are not kept.
pub async fn record(
    conn: &mut AnyConnection,
    withdrawal_id: &str,
    answer: &Outcome,
    now: i64,
) -> Result<(), sqlx::Error> {
    let (code, certain) = match answer {
        Outcome::Refused { code, .. } => (*code, 1),
        Outcome::Unknown { code, .. } => (*code, 0),
        Outcome::Accepted { .. } | Outcome::AlreadySent => return Ok(()),
    };
    let reason: String = answer.reason().chars().take(300).collect();
    sqlx::query(
        "INSERT INTO withdrawal_refusals
             (withdrawal_id, reason, code, certain, attempts, first_at, last_at)
         VALUES ($1, $2, $3, $4, 1, $5, $5)
         ON CONFLICT (withdrawal_id, reason)
         DO UPDATE SET attempts = withdrawal_refusals.attempts + 1, last_at = excluded.last_at",
    )
    .bind(withdrawal_id)
    .bind(reason)
    .bind(code)
    .bind(certain)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every answer kept for one withdrawal, oldest first.
pub async fn list<'e, E>(db: E, withdrawal_id: &str) -> Result<Vec<Refusal>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "SELECT reason, code, certain, attempts, first_at, last_at FROM withdrawal_refusals
         WHERE withdrawal_id = $1 ORDER BY first_at, reason",
    )
    .bind(withdrawal_id)
    .rows()
    .fetch_all(db)
    .await
}

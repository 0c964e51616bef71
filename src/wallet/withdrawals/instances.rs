//! Several Kassa instances on one PostgreSQL database share the payout
//! worker (issue 13). Two PostgreSQL advisory locks do it, both held by a
//! database session, so a process that dies (even SIGKILLed) gives them
//! up the moment its connection closes, with no timeout to tune:
//!
//! - **The round lock:** one worker round at a time across all instances.
//!   A round decides from the database what is due (re-sends by
//!   `last_attempt_at`, polls by `transfer_checked_at`, the Balance by its
//!   claim), so the next round, in whichever instance, does not repeat it.
//! - **Presence:** each instance holds a lock keyed by its random instance
//!   number for as long as it runs; a payout's attempt records that number
//!   (`withdrawals.attempt_instance`). A starting instance re-sends every
//!   `queued` payout at once (a crash may have left them) *except* those
//!   whose last attempt another live instance made within
//!   `KASSA_PAYOUT_RESEND_AFTER_MS`: that request may still be in flight.
//!
//! SQLite runs one instance (see `db::SingleInstance`): the round lock is
//! this process's mutex and no other instance is ever live.

use std::collections::HashSet;

use sqlx::{pool::PoolConnection, Any, AnyConnection, Connection};

use crate::db::{Backend, Db};

/// Advisory lock keys (first int4 of the two-key form): "KS" and a number.
const ROUND_KEY: i32 = 0x4B53_0001;
const PRESENCE_KEY: i32 = 0x4B53_0002;

/// A random instance number, positive (it is also the second lock key).
pub fn new_instance_number() -> i64 {
    let n = uuid::Uuid::new_v4().as_u128() as u32 & 0x7FFF_FFFF;
    i64::from(n.max(1))
}

/// Holds this instance's presence lock until dropped or [`leave`]; None on
/// SQLite.
pub async fn announce(db: &Db, instance: i64) -> Result<Option<AnyConnection>, sqlx::Error> {
    if db.backend != Backend::Postgres {
        return Ok(None);
    }
    // Its own connection, outside the pool: the pool's close at a stop must
    // not wait for it, and it must live exactly as long as the process.
    let mut conn = db.pool.acquire().await?.detach();
    // (pg_advisory_lock returns void, which the Any driver cannot read.)
    sqlx::query("SELECT 1 FROM (SELECT pg_advisory_lock($1, $2)) AS l")
        .bind(PRESENCE_KEY)
        .bind(instance as i32)
        .execute(&mut conn)
        .await?;
    Ok(Some(conn))
}

/// Gives up the presence lock (a graceful stop).
pub async fn leave(conn: AnyConnection) {
    let _ = conn.close().await;
}

/// The instance numbers whose processes are running now (PostgreSQL);
/// empty on SQLite.
pub async fn live(db: &Db) -> Result<HashSet<i64>, sqlx::Error> {
    if db.backend != Backend::Postgres {
        return Ok(HashSet::new());
    }
    let live: Vec<i64> = sqlx::query_scalar(
        "SELECT CAST(objid AS BIGINT) AS instance FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND objsubid = 2
           AND CAST(classid AS BIGINT) = $1
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind(i64::from(PRESENCE_KEY))
    .fetch_all(&db.pool)
    .await?;
    Ok(live.into_iter().collect())
}

/// The round lock, held by its connection while a round runs.
pub struct Round(Option<PoolConnection<Any>>);

/// Takes the round lock: waits for it with `wait`, otherwise None when
/// another instance's round is running.
pub async fn begin_round(db: &Db, wait: bool) -> Result<Option<Round>, sqlx::Error> {
    if db.backend != Backend::Postgres {
        return Ok(Some(Round(None)));
    }
    let mut conn = db.pool.acquire().await?;
    if wait {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_lock($1, 0)) AS l")
            .bind(ROUND_KEY)
            .execute(&mut *conn)
            .await?;
    } else {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, 0)")
            .bind(ROUND_KEY)
            .fetch_one(&mut *conn)
            .await?;
        if !got {
            return Ok(None);
        }
    }
    Ok(Some(Round(Some(conn))))
}

/// Gives the round lock back; a connection that cannot say so is closed
/// (which gives it back too).
pub async fn end_round(round: Round) {
    let Some(mut conn) = round.0 else { return };
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, 0)")
        .bind(ROUND_KEY)
        .execute(&mut *conn)
        .await;
    if unlocked.is_err() {
        let _ = conn.close().await;
    }
}

//! Failed log-ins per client address, across all accounts, kept in the
//! database so that several Kassa instances share one allowance (in memory,
//! N instances behind a load balancer gave an attacker N times the
//! allowance).
//!
//! An attempt is claimed *before* its password is hashed, by one upsert
//! that counts it and returns the count (atomic on both backends), so
//! parallel guesses cannot all slip under the limit; an attempt that
//! succeeds or is not evaluated is handed back. A window starts with the
//! address's first attempt and lasts `lock_ms`. Each address also remembers
//! the accounts it failed on, so an admin's unlock of one of them lifts the
//! address locks those failures caused.

use std::net::IpAddr;

use crate::db::Db;

/// Failures one client address may make across all accounts per window.
pub const ADDRESS_FAILURE_LIMIT: i64 = 20;

/// Claims an attempt for `ip`: `Ok(Err(ms))` with the milliseconds left of
/// the window when it already holds the limit.
pub async fn claim(
    db: &Db,
    ip: IpAddr,
    now: i64,
    lock_ms: i64,
) -> Result<Result<(), i64>, sqlx::Error> {
    // An expired window starts again at 1; otherwise the count goes up,
    // even past the limit (a refused attempt is not handed back).
    let window: Window = db
        .write_returning(
            sqlx::query(
                "INSERT INTO login_address_limits (address, failures, window_start)
                 VALUES ($1, 1, $2)
                 ON CONFLICT (address) DO UPDATE SET
                    failures = CASE WHEN login_address_limits.window_start <= $3 THEN 1
                                    ELSE login_address_limits.failures + 1 END,
                    window_start = CASE WHEN login_address_limits.window_start <= $3 THEN $2
                                        ELSE login_address_limits.window_start END
                 RETURNING failures, window_start",
            )
            .bind(ip.to_string())
            .bind(now)
            .bind(now - lock_ms),
        )
        .await?;
    if window.failures > ADDRESS_FAILURE_LIMIT {
        return Ok(Err(lock_ms - (now - window.window_start)));
    }
    Ok(Ok(()))
}

/// An address's count as the claim left it.
#[derive(sqlx::FromRow)]
struct Window {
    failures: i64,
    window_start: i64,
}

/// Hands back a claimed attempt that was not a failure.
pub async fn release(db: &Db, ip: IpAddr) -> Result<(), sqlx::Error> {
    db.write(
        sqlx::query(
            "UPDATE login_address_limits SET failures = failures - 1
             WHERE address = $1 AND failures > 0",
        )
        .bind(ip.to_string()),
    )
    .await?;
    Ok(())
}

/// Remembers that `ip`'s failed attempt was on account `user_id`.
pub async fn note_user(db: &Db, ip: IpAddr, user_id: &str) -> Result<(), sqlx::Error> {
    db.write(
        sqlx::query(
            "INSERT INTO login_address_users (address, user_id) VALUES ($1, $2)
             ON CONFLICT (address, user_id) DO NOTHING",
        )
        .bind(ip.to_string())
        .bind(user_id),
    )
    .await?;
    Ok(())
}

/// Forgets the failures of every address that failed on `user_id` (an
/// admin unlocked that account); returns how many addresses.
pub async fn release_user(db: &Db, user_id: &str) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let lifted = sqlx::query(
        "DELETE FROM login_address_limits WHERE address IN
            (SELECT address FROM login_address_users WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(&mut *tx.tx)
    .await?
    .rows_affected();
    sqlx::query(
        "DELETE FROM login_address_users WHERE address IN
            (SELECT address FROM login_address_users WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(&mut *tx.tx)
    .await?;
    tx.commit().await?;
    Ok(lifted)
}

/// Deletes the windows that ended before `now - lock_ms` (run by the
/// periodic clean-up beside expired sessions).
pub async fn forget_expired(db: &Db, now: i64, lock_ms: i64) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let gone = sqlx::query("DELETE FROM login_address_limits WHERE window_start <= $1")
        .bind(now - lock_ms)
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
    sqlx::query(
        "DELETE FROM login_address_users
         WHERE address NOT IN (SELECT address FROM login_address_limits)",
    )
    .execute(&mut *tx.tx)
    .await?;
    tx.commit().await?;
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn address_attempts_are_claimed_before_they_run() {
        let dir = std::env::temp_dir().join(format!("kassa-limits-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!("sqlite://{}/k.db", dir.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let (ip, lock) = (IpAddr::from([10, 0, 0, 1]), 1000);
        for _ in 0..ADDRESS_FAILURE_LIMIT {
            assert_eq!(claim(&db, ip, 0, lock).await.unwrap(), Ok(()));
        }
        // The limit is reached by claims still running, not only by failures.
        assert_eq!(claim(&db, ip, 10, lock).await.unwrap(), Err(990));
        // Two handed back (one succeeded, one was not evaluated): room for one.
        release(&db, ip).await.unwrap();
        release(&db, ip).await.unwrap();
        assert_eq!(claim(&db, ip, 10, lock).await.unwrap(), Ok(()));
        assert!(claim(&db, ip, 999, lock).await.unwrap().is_err());
        // The window ends: counting starts again.
        assert_eq!(claim(&db, ip, 1000, lock).await.unwrap(), Ok(()));
        let other = IpAddr::from([10, 0, 0, 2]);
        assert_eq!(claim(&db, other, 10, lock).await.unwrap(), Ok(()));
        // An unlock of an account lifts the lock of the address that failed on it.
        for _ in 0..ADDRESS_FAILURE_LIMIT {
            let _ = claim(&db, other, 20, lock).await.unwrap();
        }
        assert!(claim(&db, other, 30, lock).await.unwrap().is_err());
        note_user(&db, other, "u1").await.unwrap();
        assert_eq!(release_user(&db, "u1").await.unwrap(), 1);
        assert_eq!(claim(&db, other, 40, lock).await.unwrap(), Ok(()));
        db.pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

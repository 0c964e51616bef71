//! A trader's signed-in sessions, as the account page lists and ends them.
//!
//! The session itself is tower-sessions' (its cookie, its store); each
//! sign-in also gets a *handle*, stored in the session and in
//! `user_sessions`. A session whose handle is ended reads as signed out on
//! its next request (`AppState::signed_in_user`), so "end this session" and
//! "sign out everywhere else" work across instances without reading the
//! session store. A session without a handle (signed in before handles
//! existed) reads as signed out too: its trader signs in once more.

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::service::{User, USER_COLUMNS};
use crate::db::{now_ms, Db, QueryRows};

/// The session key that holds the handle.
pub const HANDLE_KEY: &str = "session_handle";

/// How stale `last_seen_at` may get before a request refreshes it (a write
/// per request would be a write per page).
const SEEN_EVERY_MS: i64 = 5 * 60_000;

/// One of a trader's sessions (`GET /api/account/sessions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SessionInfo {
    pub handle: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The browser, as it named itself (trimmed to 200 characters).
    pub user_agent: String,
    /// True for the session asking.
    #[sqlx(skip)]
    #[serde(default)]
    pub current: bool,
}

/// Records a new sign-in; returns its handle.
pub async fn start(db: &Db, user_id: &str, user_agent: &str) -> Result<String, sqlx::Error> {
    let handle = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
    let agent: String = user_agent.chars().take(200).collect();
    db.write(
        sqlx::query(
            "INSERT INTO user_sessions (handle, user_id, created_at, last_seen_at, user_agent)
             VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(&handle)
        .bind(user_id)
        .bind(now)
        .bind(agent),
    )
    .await?;
    Ok(handle)
}

/// The user of session `handle`, when it may still act (not ended; an
/// unknown handle may not): one query for both, since every signed-in
/// request asks it. Marks the session seen at most every few minutes.
pub async fn live_user(db: &Db, user_id: &str, handle: &str) -> Result<Option<User>, sqlx::Error> {
    static QUERY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let columns: Vec<String> = USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect();
        format!(
            "SELECT {}, s.last_seen_at AS session_seen_at
             FROM user_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.handle = $1 AND s.user_id = $2 AND s.ended_at IS NULL",
            columns.join(", ")
        )
    });
    let row: Option<LiveUser> = sqlx::query(QUERY.as_str())
        .bind(handle)
        .bind(user_id)
        .rows()
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let now = now_ms();
    if now - row.session_seen_at > SEEN_EVERY_MS {
        db.write(
            sqlx::query("UPDATE user_sessions SET last_seen_at = $1 WHERE handle = $2")
                .bind(now)
                .bind(handle),
        )
        .await?;
    }
    Ok(Some(row.user))
}

#[derive(sqlx::FromRow)]
struct LiveUser {
    #[sqlx(flatten)]
    user: User,
    session_seen_at: i64,
}

/// The trader's live sessions, newest first; `current` marks the asker's.
pub async fn list(
    db: &Db,
    user_id: &str,
    current: Option<&str>,
) -> Result<Vec<SessionInfo>, sqlx::Error> {
    let mut rows: Vec<SessionInfo> = sqlx::query(
        "SELECT handle, created_at, last_seen_at, user_agent FROM user_sessions
         WHERE user_id = $1 AND ended_at IS NULL ORDER BY created_at DESC LIMIT 100",
    )
    .bind(user_id)
    .rows()
    .fetch_all(&db.pool)
    .await?;
    for r in &mut rows {
        r.current = Some(r.handle.as_str()) == current;
    }
    Ok(rows)
}

/// Ends one of the trader's sessions; false when it is not theirs or
/// already ended.
pub async fn end(db: &Db, user_id: &str, handle: &str) -> Result<bool, sqlx::Error> {
    let done = db
        .write(
            sqlx::query(
                "UPDATE user_sessions SET ended_at = $1
                 WHERE handle = $2 AND user_id = $3 AND ended_at IS NULL",
            )
            .bind(now_ms())
            .bind(handle)
            .bind(user_id),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of the trader but `except` (inside the caller's
/// transaction: a password change or reset).
pub async fn end_all(
    conn: &mut AnyConnection,
    user_id: &str,
    except: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE user_sessions SET ended_at = $1
         WHERE user_id = $2 AND ended_at IS NULL AND handle <> $3",
    )
    .bind(now_ms())
    .bind(user_id)
    .bind(except.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

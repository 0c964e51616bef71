//! Changing a password (the current one required) and resetting a
//! forgotten one through an e-mailed link.
//!
//! The reset link's token is 32 random bytes; only its SHA-256 is stored,
//! so a copy of the database opens no account. A token works once (the
//! conditional UPDATE that spends it is the check, so two tabs cannot both
//! use it) and for [`RESET_VALID_MS`]. Asking for a reset answers the same
//! whether or not the e-mail is registered. Both ways of setting a password
//! end the account's other sessions, clear the log-in lock, and e-mail the
//! trader, in one transaction.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use sqlx::AnyConnection;

use super::{
    newtypes::{FieldError, Password},
    service::{hash_password, verify_password, AuthError},
    sessions,
};
use crate::{
    db::{now_ms, Db},
    mail,
};

/// How long a reset link works.
pub const RESET_VALID_MS: i64 = 30 * 60_000;
/// Unused, unexpired links one account may have at once.
const MAX_OPEN_LINKS: i64 = 3;

fn token_hash(token: &str) -> String {
    openssl::sha::sha256(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sends a reset link to `email` when it is registered; nothing otherwise.
/// Either way the caller answers the same.
pub async fn request_reset(db: &Db, email: &str) -> Result<(), AuthError> {
    let key = email.trim().to_lowercase();
    let user: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
        .bind(&key)
        .fetch_optional(&db.pool)
        .await?;
    let Some(user_id) = user else {
        tracing::info!("password reset asked for an e-mail that is not registered");
        return Ok(());
    };
    let now = now_ms();
    // A few open links at most: asking again and again fills nobody's inbox.
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM password_resets
         WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(&user_id)
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    if open >= MAX_OPEN_LINKS {
        tracing::warn!(%user_id, "password reset not sent: too many open links");
        return Ok(());
    }
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&hash)
    .bind(&user_id)
    .bind(now)
    .bind(now + RESET_VALID_MS)
    .execute(&mut *tx.tx)
    .await?;
    let params = serde_json::json!({ "token": token });
    let key = format!("password_reset:{hash}");
    mail::enqueue(
        &mut tx.tx,
        &key,
        &user_id,
        mail::Kind::PasswordReset,
        params,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password reset link sent");
    Ok(())
}

/// Sets a new password with a reset link's token; the user's id. Every
/// session of the account ends.
pub async fn reset(db: &Db, token: &str, new_password: &str) -> Result<String, AuthError> {
    let password = Password::parse(new_password)?;
    let spent = || {
        AuthError::Invalid(FieldError::coded(
            "token",
            "reset_link_invalid",
            "This link has expired or was already used. Ask for a new one.",
        ))
    };
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(spent());
    }
    let hash = hash_password(password).await?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let user: Option<String> = sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING user_id",
    )
    .bind(now)
    .bind(token_hash(token))
    .fetch_optional(&mut *tx.tx)
    .await?;
    let Some(user_id) = user else {
        return Err(spent());
    };
    set_password(&mut tx.tx, &user_id, &hash, None).await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password reset");
    Ok(user_id)
}

/// Changes the password of a signed-in trader who knows the current one;
/// every session but `keep` (the asker's) ends.
pub async fn change(
    db: &Db,
    user_id: &str,
    current: &str,
    new_password: &str,
    keep: Option<&str>,
) -> Result<(), AuthError> {
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?;
    if !verify_password(current.to_string(), stored).await {
        tracing::info!(%user_id, "password change refused: wrong current password");
        return Err(AuthError::Invalid(FieldError::coded(
            "current_password",
            "current_password_wrong",
            "This is not your current password.",
        )));
    }
    // The policy's words and code, shown beside the new password's field.
    let password = Password::parse(new_password).map_err(|e| {
        AuthError::Invalid(FieldError {
            field: "new_password".into(),
            ..e
        })
    })?;
    let hash = hash_password(password).await?;
    let mut tx = db.begin_write().await?;
    set_password(&mut tx.tx, user_id, &hash, keep).await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password changed");
    Ok(())
}

/// The new hash, the lock cleared, other sessions ended, the trader told.
async fn set_password(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
    keep: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL
         WHERE id = $2",
    )
    .bind(hash)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sessions::end_all(conn, user_id, keep).await?;
    let key = format!("password_changed:{user_id}:{}", uuid::Uuid::new_v4());
    let params = serde_json::json!({});
    mail::enqueue(conn, &key, user_id, mail::Kind::PasswordChanged, params).await
}

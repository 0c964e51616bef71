//! Sign-up, log-in and the failed-log-in locks, on the database.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use serde::Serialize;
use sqlx::Row;

use super::newtypes::{Country, Email, FieldError, Locale, Password, PersonName};
use crate::db::{is_unique_violation, now_ms, Db};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Trader,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Trader => "trader",
            Role::Admin => "admin",
        }
    }
    fn from_db(s: &str) -> Role {
        if s == "admin" {
            Role::Admin
        } else {
            Role::Trader
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country: String,
    pub locale: String,
    pub role: Role,
    #[serde(skip)]
    pub end_user_id: String,
    pub frozen: bool,
}

/// Raw sign-up input, as it arrives from JSON or a form.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Registration {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub locale: String,
}

/// Sign-up input after parsing: only valid values.
pub struct NewUser {
    pub email: Email,
    pub password: Password,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub country: Country,
    pub locale: Locale,
}

impl TryFrom<Registration> for NewUser {
    type Error = FieldError;
    fn try_from(r: Registration) -> Result<Self, FieldError> {
        Ok(NewUser {
            email: Email::parse(&r.email)?,
            password: Password::parse(&r.password)?,
            first_name: PersonName::parse("first_name", &r.first_name)?,
            last_name: PersonName::parse("last_name", &r.last_name)?,
            country: Country::parse(&r.country)?,
            locale: Locale::parse(&r.locale)?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(#[from] FieldError),
    #[error("An account with this email already exists.")]
    EmailTaken,
    #[error("Wrong email or password.")]
    BadCredentials,
    #[error("Too many failed log-ins. Try again in {minutes} minutes.")]
    Locked { minutes: i64 },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Consecutive failures that lock an account, and for how long.
pub const ACCOUNT_FAILURE_LIMIT: i64 = 5;
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// Failures one client address may make across all accounts per window.
pub const ADDRESS_FAILURE_LIMIT: u32 = 20;

/// Failed log-ins per client address, in memory: an attacker spraying many
/// accounts from one address is slowed down without touching the database.
/// Each address remembers (a few of) the accounts it failed on, so an
/// admin's unlock of an account also lifts the address locks it caused.
#[derive(Clone, Default)]
pub struct AddressLimiter {
    inner: Arc<Mutex<HashMap<IpAddr, (u32, i64, Vec<String>)>>>,
}

/// Accounts remembered per address.
const ADDRESS_USERS_KEPT: usize = 16;

impl AddressLimiter {
    fn blocked_for_ms(&self, ip: IpAddr, now: i64) -> Option<i64> {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&ip) {
            Some((n, start, _)) if *n >= ADDRESS_FAILURE_LIMIT && now - start < LOCK_MS => {
                Some(LOCK_MS - (now - start))
            }
            _ => None,
        }
    }
    fn record_failure(&self, ip: IpAddr, user_id: Option<&str>, now: i64) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, start, _)| now - *start < LOCK_MS);
        }
        let e = map.entry(ip).or_insert((0, now, Vec::new()));
        if now - e.1 >= LOCK_MS {
            *e = (0, now, Vec::new());
        }
        e.0 += 1;
        if let Some(id) = user_id {
            if !e.2.iter().any(|u| u == id) && e.2.len() < ADDRESS_USERS_KEPT {
                e.2.push(id.to_string());
            }
        }
    }
    /// Forgets the failures of every address that failed on `user_id`
    /// (an admin unlocked that account); returns how many addresses.
    pub fn release_user(&self, user_id: &str) -> usize {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let before = map.len();
        map.retain(|_, (_, _, users)| !users.iter().any(|u| u == user_id));
        before - map.len()
    }
}

async fn hash_password(password: Password) -> Result<String, AuthError> {
    // Argon2id is deliberately slow: keep it off the async worker threads.
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| AuthError::Hash(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password nobody knows: verifying against it for
/// unknown emails makes their failures take as long as real ones.
async fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return h.clone();
    }
    let random = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let h = match Password::parse(&random) {
        Ok(p) => hash_password(p).await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    DUMMY.get_or_init(|| h).clone()
}

const USER_COLUMNS: &str =
    "id, email, first_name, last_name, country, locale, role, end_user_id, frozen";

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        country: row.try_get("country")?,
        locale: row.try_get("locale")?,
        role: Role::from_db(&row.try_get::<String, _>("role")?),
        end_user_id: row.try_get("end_user_id")?,
        frozen: row.try_get::<i64, _>("frozen")? != 0,
    })
}

pub async fn register(db: &Db, new: NewUser, role: Role) -> Result<User, AuthError> {
    let hash = hash_password(new.password.clone()).await?;
    let id = uuid::Uuid::new_v4().to_string();
    // EndUserID: stable and opaque, so Trustly never sees the email.
    let end_user_id = format!("u-{}", uuid::Uuid::new_v4().simple());
    let inserted = db
        .write(
            sqlx::query(
                "INSERT INTO users (id, email, email_key, password_hash, first_name, last_name,
                                    country, locale, role, end_user_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (email_key) DO NOTHING",
            )
            .bind(&id)
            .bind(new.email.as_str())
            .bind(new.email.key())
            .bind(&hash)
            .bind(new.first_name.as_str())
            .bind(new.last_name.as_str())
            .bind(new.country.as_str())
            .bind(new.locale.as_str())
            .bind(role.as_str())
            .bind(&end_user_id)
            .bind(now_ms()),
        )
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AuthError::EmailTaken
            } else {
                e.into()
            }
        })?;
    if inserted.rows_affected() == 0 {
        return Err(AuthError::EmailTaken);
    }
    tracing::info!(user_id = %id, role = role.as_str(), "account created");
    Ok(User {
        id,
        email: new.email.to_string(),
        first_name: new.first_name.as_str().to_string(),
        last_name: new.last_name.as_str().to_string(),
        country: new.country.as_str().to_string(),
        locale: new.locale.as_str().to_string(),
        role,
        end_user_id,
        frozen: false,
    })
}

pub async fn find_user(db: &Db, id: &str) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Checks credentials, applying the per-account and per-address locks.
pub async fn login(
    db: &Db,
    limiter: &AddressLimiter,
    client: IpAddr,
    email: &str,
    password: &str,
) -> Result<User, AuthError> {
    let now = now_ms();
    if let Some(ms) = limiter.blocked_for_ms(client, now) {
        tracing::warn!(%client, "log-in refused: too many failures from this address");
        return Err(AuthError::Locked {
            minutes: minutes_ceil(ms),
        });
    }
    let key = email.trim().to_lowercase();
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, password_hash, locked_until FROM users WHERE email_key = $1"
    ))
    .bind(&key)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        let _ = verify_password(password.to_string(), dummy_hash().await).await;
        limiter.record_failure(client, None, now);
        tracing::info!(%client, "log-in failed: unknown email");
        return Err(AuthError::BadCredentials);
    };
    let user = user_from_row(&row)?;
    let locked_until: Option<i64> = row.try_get("locked_until")?;
    if let Some(until) = locked_until.filter(|u| *u > now) {
        tracing::warn!(user_id = %user.id, %client, "log-in refused: account locked");
        return Err(AuthError::Locked {
            minutes: minutes_ceil(until - now),
        });
    }
    let hash: String = row.try_get("password_hash")?;
    if verify_password(password.to_string(), hash).await {
        db.write(
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(&user.id),
        )
        .await?;
        return Ok(user);
    }
    limiter.record_failure(client, Some(&user.id), now);
    // Count the failure and lock once the limit is reached, in one statement
    // so concurrent failures cannot both slip under the limit.
    db.write(
        sqlx::query(
            "UPDATE users SET failed_logins = failed_logins + 1,
                    locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END
             WHERE id = $3",
        )
        .bind(ACCOUNT_FAILURE_LIMIT)
        .bind(now + LOCK_MS)
        .bind(&user.id),
    )
    .await?;
    tracing::info!(user_id = %user.id, %client, "log-in failed: wrong password");
    Err(AuthError::BadCredentials)
}

fn minutes_ceil(ms: i64) -> i64 {
    ((ms + 59_999) / 60_000).max(1)
}

/// Creates the bootstrap admin at start-up when it does not exist yet.
pub async fn ensure_admin(db: &Db, email: &str, password: &str) -> Result<(), AuthError> {
    let new = NewUser {
        email: Email::parse(email)?,
        password: Password::parse(password)?,
        first_name: PersonName::parse("first_name", "Kassa")?,
        last_name: PersonName::parse("last_name", "Admin")?,
        country: Country::parse("SE")?,
        locale: Locale::parse("en_GB")?,
    };
    match register(db, new, Role::Admin).await {
        Ok(_) | Err(AuthError::EmailTaken) => Ok(()),
        Err(e) => Err(e),
    }
}

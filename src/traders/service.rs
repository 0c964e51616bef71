//! Sign-up, log-in and the failed-log-in locks, on the database.

use std::net::IpAddr;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use serde::Serialize;

use super::address_limits;
use super::newtypes::{Country, Email, FieldError, Locale, Password, PersonName};
use crate::db::{is_unique_violation, now_ms, Db, Flag, QueryRows};

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
}

/// A stored role (`#[sqlx(try_from = "String")]`): anything but `admin`
/// is a trader.
impl From<String> for Role {
    fn from(s: String) -> Role {
        if s == Role::Admin.as_str() {
            Role::Admin
        } else {
            Role::Trader
        }
    }
}

/// A `users` row (its [`USER_COLUMNS`]).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country: String,
    pub locale: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[serde(skip)]
    pub end_user_id: String,
    #[sqlx(try_from = "Flag")]
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

/// Every field is checked: a sign-up form shows all its errors at once.
impl TryFrom<Registration> for NewUser {
    type Error = Vec<FieldError>;
    fn try_from(r: Registration) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |e: FieldError| errors.push(e);
        let email = Email::parse(&r.email).map_err(&mut keep).ok();
        let password = Password::parse(&r.password).map_err(&mut keep).ok();
        let first_name = PersonName::parse("first_name", &r.first_name)
            .map_err(&mut keep)
            .ok();
        let last_name = PersonName::parse("last_name", &r.last_name)
            .map_err(&mut keep)
            .ok();
        let country = Country::parse(&r.country).map_err(&mut keep).ok();
        let locale = Locale::parse(&r.locale).map_err(&mut keep).ok();
        match (email, password, first_name, last_name, country, locale) {
            (
                Some(email),
                Some(password),
                Some(first_name),
                Some(last_name),
                Some(country),
                Some(locale),
            ) => Ok(NewUser {
                email,
                password,
                first_name,
                last_name,
                country,
                locale,
            }),
            _ => Err(errors),
        }
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

/// Consecutive failures that lock an account (for `KASSA_LOGIN_LOCK_MS`,
/// 15 minutes by default).
pub const ACCOUNT_FAILURE_LIMIT: i64 = 5;
pub use super::address_limits::ADDRESS_FAILURE_LIMIT;

pub(super) async fn hash_password(password: Password) -> Result<String, AuthError> {
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

pub(super) async fn verify_password(password: String, hash: String) -> bool {
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

pub(crate) const USER_COLUMNS: &str =
    "id, email, first_name, last_name, country, locale, role, end_user_id, frozen";

/// A user with the password hash a log-in checks.
#[derive(sqlx::FromRow)]
struct WithHash {
    #[sqlx(flatten)]
    user: User,
    password_hash: String,
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
    sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .rows()
        .fetch_optional(&db.pool)
        .await
}

/// Stores the language a trader chose (the account page or the switcher);
/// pages and Trustly's checkout follow it.
pub async fn set_locale(db: &Db, user_id: &str, locale: &Locale) -> Result<(), sqlx::Error> {
    db.write(
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale.as_str().to_string())
            .bind(user_id),
    )
    .await
    .map(drop)
}

/// Checks credentials, applying the per-account and per-address locks
/// (each `lock_ms` long).
///
/// Every attempt on an account is counted as a failure BEFORE its password
/// is hashed, in one conditional UPDATE that also decides whether it may be
/// evaluated at all: so N parallel wrong guesses count N failures and at
/// most [`ACCOUNT_FAILURE_LIMIT`] of them are evaluated. A correct password
/// then resets the count.
pub async fn login(
    db: &Db,
    lock_ms: i64,
    client: IpAddr,
    email: &str,
    password: &str,
) -> Result<User, AuthError> {
    let now = now_ms();
    if let Err(ms) = address_limits::claim(db, client, now, lock_ms).await? {
        tracing::warn!(%client, "log-in refused: too many failures from this address");
        return Err(AuthError::Locked {
            minutes: minutes_ceil(ms),
        });
    }
    let key = email.trim().to_lowercase();
    let found: Option<WithHash> = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email_key = $1"
    ))
    .bind(&key)
    .rows()
    .fetch_optional(&db.pool)
    .await?;
    let Some(WithHash {
        user,
        password_hash: hash,
    }) = found
    else {
        let _ = verify_password(password.to_string(), dummy_hash().await).await;
        tracing::info!(%client, "log-in failed: unknown email");
        return Err(AuthError::BadCredentials);
    };
    if let Err(e) = claim_attempt(db, &user.id, now, lock_ms).await {
        address_limits::release(db, client).await?;
        if let AuthError::Locked { .. } = e {
            tracing::warn!(user_id = %user.id, %client, "log-in refused: account locked");
        }
        return Err(e);
    }
    if verify_password(password.to_string(), hash).await {
        address_limits::release(db, client).await?;
        db.write(
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(&user.id),
        )
        .await?;
        return Ok(user);
    }
    address_limits::note_user(db, client, &user.id).await?;
    tracing::info!(user_id = %user.id, %client, "log-in failed: wrong password");
    Err(AuthError::BadCredentials)
}

/// Counts one attempt on account `id` as a failure, unless it is locked:
/// one statement, so concurrent attempts are counted one by one. A lock
/// that has expired starts the count from zero; the attempt that reaches
/// the limit sets the lock (and is still evaluated). `Locked` when the
/// attempt may not be evaluated.
async fn claim_attempt(db: &Db, id: &str, now: i64, lock_ms: i64) -> Result<(), AuthError> {
    let claimed = db
        .write(
            sqlx::query(
                "UPDATE users SET
                    failed_logins = CASE WHEN locked_until IS NULL THEN failed_logins + 1
                                         ELSE 1 END,
                    locked_until = CASE WHEN (CASE WHEN locked_until IS NULL
                                                   THEN failed_logins + 1 ELSE 1 END) >= $1
                                        THEN CAST($2 AS BIGINT) ELSE NULL END
                 WHERE id = $3 AND (locked_until IS NULL OR locked_until <= $4)",
            )
            .bind(ACCOUNT_FAILURE_LIMIT)
            .bind(now + lock_ms)
            .bind(id)
            .bind(now),
        )
        .await?
        .rows_affected();
    if claimed > 0 {
        return Ok(());
    }
    let until: Option<Option<i64>> =
        sqlx::query_scalar("SELECT locked_until FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    let until = until.flatten();
    Err(AuthError::Locked {
        minutes: minutes_ceil(until.unwrap_or(now) - now),
    })
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

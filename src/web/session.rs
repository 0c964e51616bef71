//! Sessions: tower-sessions with the sqlx store of whichever backend runs,
//! and the extractors that turn a session into a signed-in user.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
    Router,
};
use tower_sessions::{
    cookie::SameSite, ExpiredDeletion, Expiry, Session, SessionManagerLayer, SessionStore,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::AppState;
use crate::errors::AppError;
use crate::{
    db::{Backend, Db},
    traders::service::{Role, User},
};

pub use crate::state::USER_KEY;
pub const COOKIE_NAME: &str = "kassa_session";

fn configure<S: SessionStore + Clone>(store: S, secure: bool) -> SessionManagerLayer<S> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(12)))
}

/// The session store's own pool and table, for the housekeeping that is
/// not per request: deleting expired sessions, closing the pool at stop.
#[derive(Clone)]
pub enum Sessions {
    Sqlite(SqliteStore, sqlx::SqlitePool),
    Postgres(PostgresStore, sqlx::PgPool),
}

impl Sessions {
    /// Deletes every expired session (tower-sessions only ignores them).
    pub async fn delete_expired(&self) -> Result<(), String> {
        let done = match self {
            Sessions::Sqlite(s, _) => s.delete_expired().await,
            Sessions::Postgres(s, _) => s.delete_expired().await,
        };
        done.map_err(|e| e.to_string())
    }

    pub async fn close(&self) {
        match self {
            Sessions::Sqlite(_, pool) => pool.close().await,
            Sessions::Postgres(_, pool) => pool.close().await,
        }
    }
}

/// Adds the session layer for the database Kassa runs on. The stores need
/// the concrete pool types, so they get their own small pool on the same
/// database.
pub async fn with_sessions<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    db: &Db,
    secure: bool,
) -> Result<(Router<S>, Sessions), sqlx::Error> {
    Ok(match db.backend {
        Backend::Sqlite => {
            use sqlx::sqlite::{
                SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
            };
            use std::str::FromStr;
            let options = SqliteConnectOptions::from_str(&db.url)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(std::time::Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?;
            let store = SqliteStore::new(pool.clone());
            store.migrate().await?;
            let handle = Sessions::Sqlite(store.clone(), pool);
            (router.layer(configure(store, secure)), handle)
        }
        Backend::Postgres => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(4)
                .connect(&db.url)
                .await?;
            let store = PostgresStore::new(pool.clone());
            store.migrate().await?;
            let handle = Sessions::Postgres(store.clone(), pool);
            (router.layer(configure(store, secure)), handle)
        }
    })
}

/// Deletes expired sessions and ended log-in address windows now and then
/// every `every`, until `closing`.
pub fn spawn_cleanup(
    store: Sessions,
    db: crate::db::Db,
    login_lock_ms: i64,
    every: std::time::Duration,
    mut closing: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store.delete_expired().await {
                Ok(()) => tracing::debug!("expired sessions deleted"),
                Err(e) => tracing::warn!(error = %e, "expired sessions not deleted"),
            }
            let now = crate::db::now_ms();
            if let Err(e) =
                crate::traders::address_limits::forget_expired(&db, now, login_lock_ms).await
            {
                tracing::warn!(error = %e, "expired log-in address windows not deleted");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = closing.changed() => return,
            }
        }
    })
}

/// The signed-in user, looked up fresh on every request (so a role change
/// or a deleted account takes effect at once). Rejects with 401.
pub struct CurrentUser(pub User);

/// A signed-in admin: 401 without a session, 403 for a trader.
pub struct AdminUser(pub User);

pub async fn user_from_session(
    state: &AppState,
    session: &Session,
) -> Result<Option<User>, AppError> {
    Ok(state.signed_in_user(session).await?)
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::internal("reading the session", "session layer missing"))?;
        let app = AppState::from_ref(state);
        user_from_session(&app, &session)
            .await?
            .map(CurrentUser)
            .ok_or(AppError::Unauthorized)
    }
}

impl<S> FromRequestParts<S> for AdminUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.role != Role::Admin {
            tracing::warn!(user_id = %user.id, path = %parts.uri.path(), "admin route refused");
            return Err(AppError::Forbidden);
        }
        Ok(AdminUser(user))
    }
}

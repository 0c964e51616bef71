//! What every handler, page and server function can reach: the state the
//! router is built with (`web::start` makes it once). Its own module below
//! `web` and `app`, so that pages and handlers share it without importing
//! each other.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::{
    config::Config,
    db::Db,
    traders::{service::User, sessions},
};

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub merchant: crate::merchant::Merchant,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    /// A trader's id, published after every committed change of their
    /// wallet or deposits (see `web::events`).
    pub events: tokio::sync::broadcast::Sender<String>,
    /// Turns true when the server stops (ends the live event streams).
    pub closing: tokio::sync::watch::Receiver<bool>,
    /// Turns true the moment a stop begins (`/readyz` answers 503).
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Sends payouts (and its worker re-sends, polls, refreshes Balance).
    pub payouts: crate::wallet::withdrawals::Payouts,
    /// Sends refunds (and recovers those whose outcome is unknown).
    pub refunds: crate::wallet::refunds::Refunds,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Who a page or server function is for, looked up once per request by
/// `web::language::attach_viewer` before the page renders: the signed-in
/// user (None inside when signed out; absent when the lookup failed, so
/// the page's own lookup reports the error) and the language it speaks.
#[derive(Clone)]
pub struct Viewer {
    pub user: Option<Option<Arc<User>>>,
    /// The language subtag (`sv`), one `app::i18n::Locale` names.
    pub language: &'static str,
}

/// The session key that holds the signed-in user's id.
pub const USER_KEY: &str = "user_id";

/// Why the signed-in user could not be looked up.
#[derive(Debug, thiserror::Error)]
pub enum UserLookupError {
    #[error("session: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl AppState {
    /// The user signed in on `session`, looked up fresh (so a role change or
    /// a deleted account takes effect at once); None when signed out. Used
    /// by the JSON API's extractors and by the pages' server functions.
    pub async fn signed_in_user(
        &self,
        session: &tower_sessions::Session,
    ) -> Result<Option<User>, UserLookupError> {
        let id: Option<String> = session.get(USER_KEY).await?;
        let handle: Option<String> = session.get(sessions::HANDLE_KEY).await?;
        let (Some(id), Some(handle)) = (id, handle) else {
            return Ok(None);
        };
        // An ended session (another device ended it, or a password change
        // did) is signed out, whatever its cookie says.
        Ok(sessions::live_user(&self.db, &id, &handle).await?)
    }
}

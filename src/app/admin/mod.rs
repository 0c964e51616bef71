//! The back office pages (`/admin/...`). Each page reads through a server
//! function that checks the admin role on the server first (the page then
//! answers 403 and shows nothing but a note); lists take the page's own
//! query string, parsed by the same code as `/api/admin/*`, so a page and
//! its JSON twin always agree. Actions are plain HTML forms posting to the
//! JSON API, which answers form posts with a redirect.

pub mod approvals;
pub mod audit;
pub mod notifications;
pub mod orders;
pub mod overview;
pub mod reconciliation;
pub mod traders;
pub(crate) mod widgets;

use leptos::prelude::*;

/// What a non-admin sees instead of a back office page.
pub const NOT_ADMIN: &str = "forbidden";

/// The signed-in admin, or a 403 on this response and an error.
#[cfg(feature = "ssr")]
async fn admin() -> Result<(crate::state::AppState, crate::traders::service::User), ServerFnError> {
    let (state, user) = super::signed_in().await?;
    match user {
        Some(u) if u.role == crate::traders::service::Role::Admin => Ok((state, u)),
        _ => {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(axum::http::StatusCode::FORBIDDEN);
            }
            Err(ServerFnError::new(NOT_ADMIN))
        }
    }
}

/// A back-office error for the page: field errors in plain words, our own
/// faults logged and kept vague.
#[cfg(feature = "ssr")]
fn page_error(e: crate::backoffice::BackofficeError) -> ServerFnError {
    use crate::backoffice::BackofficeError;
    match e {
        BackofficeError::Field(f) => ServerFnError::new(f.message),
        BackofficeError::NotFound => {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(axum::http::StatusCode::NOT_FOUND);
            }
            ServerFnError::new("Not found.")
        }
        BackofficeError::Conflict(m) => ServerFnError::new(m),
        BackofficeError::Db(e) => {
            tracing::error!(error = %e, "back office page");
            ServerFnError::new("Something went wrong on our side. Please try again.")
        }
    }
}

/// A page's query string as the list filters the JSON API takes.
#[cfg(feature = "ssr")]
fn parse_query<T: serde::de::DeserializeOwned + Default>(query: &str) -> T {
    serde_urlencoded::from_str(query.trim_start_matches('?')).unwrap_or_default()
}

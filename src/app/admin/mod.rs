//! The back office pages (`/admin/...`). Each page reads through a server
//! function that checks the admin role on the server first (the page then
//! answers 403 and shows nothing but a note); lists take the page's own
//! query string, parsed by the same code as `/api/admin/*`, so a page and
//! its JSON twin always agree. Actions are plain HTML forms posting to the
//! JSON API, which answers form posts with a redirect.

// The pages only with `admin-pages` (the server, the admin bundle); the
// widgets always, since trader pages use some of them (`Time`, `Pager`, ...).

#[cfg(feature = "admin-pages")]
pub mod approvals;
#[cfg(feature = "admin-pages")]
pub mod audit;
#[cfg(feature = "admin-pages")]
pub mod notifications;
#[cfg(feature = "admin-pages")]
pub mod orders;
#[cfg(feature = "admin-pages")]
pub mod overview;
#[cfg(feature = "admin-pages")]
pub mod reconciliation;
#[cfg(feature = "admin-pages")]
pub mod refunds;
#[cfg(feature = "admin-pages")]
pub mod traders;
#[cfg_attr(not(feature = "admin-pages"), allow(dead_code))]
pub(crate) mod widgets;

#[cfg(feature = "ssr")]
use crate::api::error::AppError;

/// The signed-in admin, or a 403 on this response and `AppError::Forbidden`.
#[cfg(feature = "ssr")]
async fn admin() -> Result<(crate::state::AppState, crate::traders::service::User), AppError> {
    let (state, user) = super::signed_in().await?;
    match user {
        Some(u) if u.role == crate::traders::service::Role::Admin => Ok((state, u)),
        _ => Err(super::page_failed(AppError::Forbidden)),
    }
}

/// A back-office error for the page (404 sets the response's status too).
#[cfg(feature = "ssr")]
fn page_error(e: crate::backoffice::BackofficeError) -> AppError {
    super::page_failed(e)
}

/// A page's query string as the list filters the JSON API takes.
#[cfg(feature = "ssr")]
fn parse_query<T: serde::de::DeserializeOwned + Default>(query: &str) -> T {
    serde_urlencoded::from_str(query.trim_start_matches('?')).unwrap_or_default()
}

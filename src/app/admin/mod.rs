//! The back office pages (`/admin/...`). Each page reads through a server
//! function that checks the admin role on the server first (the page then
//! answers 403 and shows nothing but a note); lists take the page's own
//! query string, parsed by the same code as `/api/admin/*`, so a page and
//! its JSON twin always agree. Actions are plain HTML forms posting to the
//! JSON API, which answers form posts with a redirect.

pub mod format;
pub mod pages;
pub mod types;
pub(crate) mod widgets;

use leptos::prelude::*;

use types::{
    ApprovalList, AuditList, NotificationList, OrderDetail, OrderList, OverviewView,
    ReconciliationView, TraderDetail, TraderList,
};

/// What a non-admin sees instead of a back office page.
pub const NOT_ADMIN: &str = "forbidden";

/// The signed-in admin, or a 403 on this response and an error.
#[cfg(feature = "ssr")]
async fn admin() -> Result<(crate::web::AppState, crate::traders::service::User), ServerFnError> {
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

#[server(prefix = "/_sf", endpoint = "admin_overview")]
pub async fn admin_overview() -> Result<OverviewView, ServerFnError> {
    let (state, _) = admin().await?;
    let interval = state.config.withdrawals.balance_interval_ms as i64;
    crate::backoffice::overview::overview(&state.db, interval)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_traders")]
pub async fn admin_traders(query: String) -> Result<TraderList, ServerFnError> {
    let (state, _) = admin().await?;
    let q: crate::backoffice::traders::TraderQuery = parse_query(&query);
    crate::backoffice::traders::list(&state.db, &q)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_trader")]
pub async fn admin_trader(id: String) -> Result<TraderDetail, ServerFnError> {
    let (state, _) = admin().await?;
    crate::backoffice::traders::detail(&state.db, &id)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_orders")]
pub async fn admin_orders(query: String) -> Result<OrderList, ServerFnError> {
    let (state, _) = admin().await?;
    let q: crate::backoffice::orders::OrderQuery = parse_query(&query);
    crate::backoffice::orders::list(&state.db, &q)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_order")]
pub async fn admin_order(id: String) -> Result<OrderDetail, ServerFnError> {
    let (state, _) = admin().await?;
    crate::backoffice::orders::detail(&state.db, &id)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_approvals")]
pub async fn admin_approvals(query: String) -> Result<ApprovalList, ServerFnError> {
    let (state, user) = admin().await?;
    let q: crate::backoffice::orders::ApprovalQuery = parse_query(&query);
    crate::backoffice::orders::approvals(&state.db, &user.id, &q)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_notifications")]
pub async fn admin_notifications(query: String) -> Result<NotificationList, ServerFnError> {
    let (state, _) = admin().await?;
    let q: crate::backoffice::notifications::NotificationQuery = parse_query(&query);
    crate::backoffice::notifications::list(&state.db, &q)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_audit")]
pub async fn admin_audit(query: String) -> Result<AuditList, ServerFnError> {
    let (state, _) = admin().await?;
    let q: crate::backoffice::audit::AuditQuery = parse_query(&query);
    crate::backoffice::audit::list(&state.db, &q)
        .await
        .map_err(page_error)
}

#[server(prefix = "/_sf", endpoint = "admin_reconciliation")]
pub async fn admin_reconciliation(date: String) -> Result<ReconciliationView, ServerFnError> {
    let (state, _) = admin().await?;
    let date = Some(date.trim()).filter(|d| !d.is_empty());
    crate::backoffice::reconciliation::reconcile(&state.db, date)
        .await
        .map_err(page_error)
}

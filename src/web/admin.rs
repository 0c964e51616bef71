//! `/api/admin/*`: the back office's JSON API (paths and field names are a
//! contract listed in the README). Every route sits behind [`require_admin`]
//! (401 without a session, 403 for a trader, before anything is read or
//! parsed) and takes [`AdminUser`] for who is acting. The work is in
//! `backoffice`; every list answers CSV with `?format=csv`.

use axum::{
    extract::{Path, Query, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    error::ApiError,
    input::{respond, Input},
    session::{user_from_session, AdminUser},
    AppState,
};
use crate::{
    app::admin::format::day_of,
    backoffice::{
        self,
        audit::AuditQuery,
        csv,
        notifications::NotificationQuery,
        orders::OrderQuery,
        traders::{AccountAction, TraderQuery},
        BackofficeError,
    },
    db::now_ms,
    traders::{newtypes::FieldError, service::Role},
};

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/admin/overview", get(overview))
        .route("/api/admin/trustly-balance/refresh", post(refresh_balance))
        .route("/api/admin/traders", get(traders))
        .route("/api/admin/traders/{id}", get(trader))
        .route("/api/admin/traders/{id}/freeze", post(freeze))
        .route("/api/admin/traders/{id}/unfreeze", post(unfreeze))
        .route("/api/admin/traders/{id}/unlock", post(unlock))
        .route("/api/admin/orders", get(orders))
        .route("/api/admin/orders/{id}", get(order))
        .route("/api/admin/notifications", get(notifications))
        .route("/api/admin/approvals", get(approvals))
        .route("/api/admin/withdrawals/{id}/approve", post(approve))
        .route("/api/admin/withdrawals/{id}/deny", post(deny))
        .route("/api/admin/withdrawals/{id}/refresh", post(refresh_transfer))
        .route("/api/admin/audit", get(audit))
        .route("/api/admin/reconciliation", get(reconciliation))
        .route_layer(axum::middleware::from_fn_with_state(state, require_admin))
}

/// The role check in front of every admin route, before any extractor or
/// handler runs: a trader learns nothing, not even whether an id exists.
pub async fn require_admin(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    match user_from_session(&state, &session).await {
        Ok(Some(u)) if u.role == Role::Admin => next.run(req).await,
        Ok(Some(u)) => {
            tracing::warn!(user_id = %u.id, path = %req.uri().path(), "admin route refused");
            ApiError::Forbidden.into_response()
        }
        Ok(None) => ApiError::Unauthorized.into_response(),
        Err(e) => e.into_response(),
    }
}

impl From<BackofficeError> for ApiError {
    fn from(e: BackofficeError) -> Self {
        match e {
            BackofficeError::Field(f) => ApiError::Field(f),
            BackofficeError::NotFound => ApiError::NotFound,
            BackofficeError::Conflict(m) => ApiError::Conflict(m),
            BackofficeError::Db(e) => e.into(),
        }
    }
}

/// `?format=csv` turns a list into a download.
#[derive(Deserialize, Default)]
struct Format {
    format: Option<String>,
}

impl Format {
    fn csv(&self) -> Result<bool, ApiError> {
        match self.format.as_deref().map(str::trim).unwrap_or("") {
            "" | "json" => Ok(false),
            "csv" => Ok(true),
            _ => Err(FieldError::new("format", "Format is json or csv.").into()),
        }
    }
}

/// A CSV download named `kassa-{name}-{day}.csv` (today unless given).
fn csv_response(name: &str, day: Option<&str>, body: String) -> Response {
    let day = day.map_or_else(|| day_of(now_ms()), str::to_string);
    let file = format!("kassa-{name}-{day}.csv");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn overview(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
) -> Result<Response, ApiError> {
    Ok(Json(backoffice::overview::overview(&state.db).await?).into_response())
}

async fn traders(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<TraderQuery>,
) -> Result<Response, ApiError> {
    if format.csv()? {
        return Ok(csv_response("traders", None, csv::traders(&state.db, &q).await?));
    }
    Ok(Json(backoffice::traders::list(&state.db, &q).await?).into_response())
}

async fn trader(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(backoffice::traders::detail(&state.db, &id).await?).into_response())
}

#[derive(Deserialize, Default)]
pub struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

async fn account_action(
    state: AppState,
    admin: crate::traders::service::User,
    id: String,
    input: Input<ReasonBody>,
    action: AccountAction,
) -> Response {
    let result = backoffice::traders::act(
        &state.db,
        &admin,
        &id,
        action,
        input.data.reason.as_deref(),
    )
    .await
    .map(|r| Json(r).into_response())
    .map_err(ApiError::from);
    respond(input.form, result)
}

async fn freeze(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    input: Input<ReasonBody>,
) -> Response {
    account_action(state, admin, id, input, AccountAction::Freeze).await
}

async fn unfreeze(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    input: Input<ReasonBody>,
) -> Response {
    account_action(state, admin, id, input, AccountAction::Unfreeze).await
}

async fn unlock(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    input: Input<ReasonBody>,
) -> Response {
    account_action(state, admin, id, input, AccountAction::Unlock).await
}

async fn orders(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<OrderQuery>,
) -> Result<Response, ApiError> {
    if format.csv()? {
        return Ok(csv_response("orders", None, csv::orders(&state.db, &q).await?));
    }
    Ok(Json(backoffice::orders::list(&state.db, &q).await?).into_response())
}

async fn order(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(backoffice::orders::detail(&state.db, &id).await?).into_response())
}

async fn notifications(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<NotificationQuery>,
) -> Result<Response, ApiError> {
    if format.csv()? {
        return Ok(csv_response(
            "notifications",
            None,
            csv::notifications(&state.db, &q).await?,
        ));
    }
    Ok(Json(backoffice::notifications::list(&state.db, &q).await?).into_response())
}

async fn approvals(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Query(format): Query<Format>,
) -> Result<Response, ApiError> {
    let list = backoffice::orders::approvals(&state.db, &admin.id).await?;
    if format.csv()? {
        return Ok(csv_response("approvals", None, csv::approvals(&list.approvals)));
    }
    Ok(Json(list).into_response())
}

async fn audit(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    if format.csv()? {
        return Ok(csv_response("audit", None, csv::audit(&state.db, &q).await?));
    }
    Ok(Json(backoffice::audit::list(&state.db, &q).await?).into_response())
}

#[derive(Deserialize, Default)]
struct DateQuery {
    date: Option<String>,
}

async fn reconciliation(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<DateQuery>,
) -> Result<Response, ApiError> {
    let csv_wanted = format.csv()?;
    let r = backoffice::reconciliation::reconcile(&state.db, q.date.as_deref()).await?;
    if csv_wanted {
        return Ok(csv_response(
            "reconciliation",
            Some(&r.date),
            csv::reconciliation(&r),
        ));
    }
    Ok(Json(r).into_response())
}

// --- payouts (wallet::withdrawals) -------------------------------------------

/// Until `wallet::withdrawals` (the lead's `Payouts`) is merged, the actions
/// that need it answer this.
fn payouts_missing() -> ApiError {
    ApiError::Unavailable("Payouts are not available in this build yet.".into())
}

async fn approve(
    State(_state): State<AppState>,
    AdminUser(_admin): AdminUser,
    Path(_id): Path<String>,
    input: Input<ReasonBody>,
) -> Response {
    respond(input.form, Err(payouts_missing()))
}

async fn deny(
    State(_state): State<AppState>,
    AdminUser(_admin): AdminUser,
    Path(_id): Path<String>,
    input: Input<ReasonBody>,
) -> Response {
    let result = match input.data.reason.as_deref().map(str::trim) {
        None | Some("") => Err(FieldError::new("reason", "Say why the withdrawal is denied.").into()),
        Some(_) => Err(payouts_missing()),
    };
    respond(input.form, result)
}

async fn refresh_balance(
    State(_state): State<AppState>,
    AdminUser(_admin): AdminUser,
    input: Input<serde_json::Value>,
) -> Response {
    respond(input.form, Err(payouts_missing()))
}

async fn refresh_transfer(
    State(_state): State<AppState>,
    AdminUser(_admin): AdminUser,
    Path(_id): Path<String>,
    input: Input<serde_json::Value>,
) -> Response {
    respond(input.form, Err(payouts_missing()))
}

//! The trader's own account: password change and reset, sessions, the
//! language of the pages.
//! - `POST /api/auth/password-reset` `{email}`: e-mails a reset link when
//!   the address is registered; the answer is the same either way;
//! - `POST /api/auth/password-reset/confirm` `{token, password}`;
//! - `POST /api/account/password` `{current_password, new_password}`: the
//!   other sessions end;
//! - `GET /api/account/sessions`, `POST /api/account/sessions/{handle}/end`;
//! - `POST /api/account/locale` `{locale}`.
//!
//! The rules are in `traders::passwords` and `traders::sessions`.

use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{
    input::{respond, Input},
    session::CurrentUser,
    AppState,
};
use crate::{
    errors::AppError,
    traders::{newtypes::Locale, passwords, sessions},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/password-reset", post(request_reset))
        .route("/api/auth/password-reset/confirm", post(confirm_reset))
        .route("/api/account/password", post(change_password))
        .route("/api/account/sessions", get(list_sessions))
        .route("/api/account/sessions/{handle}/end", post(end_session))
        .route("/api/account/locale", post(set_locale))
}

#[derive(Deserialize)]
struct ResetRequest {
    #[serde(default)]
    email: String,
}

/// What every reset request hears, registered or not.
const RESET_SENT: &str =
    "If an account uses this e-mail, we have sent it a link to choose a new password.";

async fn request_reset(State(state): State<AppState>, input: Input<ResetRequest>) -> Response {
    let result = async {
        passwords::request_reset(&state.db, &input.data.email).await?;
        Ok(Json(json!({ "ok": true, "message": RESET_SENT })).into_response())
    }
    .await;
    respond(input.form, result)
}

#[derive(Deserialize)]
struct ResetConfirm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn confirm_reset(State(state): State<AppState>, input: Input<ResetConfirm>) -> Response {
    let result = async {
        passwords::reset(&state.db, &input.data.token, &input.data.password).await?;
        Ok(Json(json!({ "ok": true })).into_response())
    }
    .await;
    respond(input.form, result)
}

#[derive(Deserialize)]
struct PasswordChange {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    session: Session,
    input: Input<PasswordChange>,
) -> Response {
    let result = async {
        let keep = handle(&session).await?;
        let d = &input.data;
        passwords::change(
            &state.db,
            &user.id,
            &d.current_password,
            &d.new_password,
            keep.as_deref(),
        )
        .await?;
        Ok(Json(json!({ "ok": true })).into_response())
    }
    .await;
    respond(input.form, result)
}

async fn handle(session: &Session) -> Result<Option<String>, AppError> {
    session
        .get(sessions::HANDLE_KEY)
        .await
        .map_err(|e| AppError::internal("reading the session", e))
}

async fn list_sessions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    session: Session,
) -> Result<Json<Vec<sessions::SessionInfo>>, AppError> {
    let current = handle(&session).await?;
    Ok(Json(
        sessions::list(&state.db, &user.id, current.as_deref()).await?,
    ))
}

async fn end_session(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(target): Path<String>,
    input: Input<serde_json::Value>,
) -> Response {
    let result = async {
        if !sessions::end(&state.db, &user.id, &target).await? {
            return Err(AppError::NotFound);
        }
        tracing::info!(user_id = %user.id, "session ended by its trader");
        Ok(Json(json!({ "ok": true })).into_response())
    }
    .await;
    respond(input.form, result)
}

#[derive(Deserialize)]
struct LocaleBody {
    #[serde(default)]
    locale: String,
}

async fn set_locale(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    input: Input<LocaleBody>,
) -> Response {
    let result = async {
        let locale = Locale::parse(&input.data.locale)?;
        crate::traders::service::set_locale(&state.db, &user.id, &locale).await?;
        Ok(Json(json!({ "ok": true, "locale": locale.as_str() })).into_response())
    }
    .await;
    respond(input.form, result)
}

//! The JSON surface shared by the UI and scripts. Paths and field names are
//! a contract (listed in the README): change them only additively.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{
    client_ip::ClientIp,
    input::{respond, Input},
    session::{CurrentUser, USER_KEY},
    AppState,
};
use crate::{
    api::wallet::MeView,
    errors::AppError,
    traders::service::{self, NewUser, Registration, Role},
    wallet,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/wallet", get(wallet_summary))
        .route("/healthz", get(healthz))
}

async fn register(
    State(state): State<AppState>,
    session: Session,
    input: Input<Registration>,
) -> Response {
    let result = async {
        let new = NewUser::try_from(input.data)?;
        let user = service::register(&state.db, new, Role::Trader).await?;
        // Signing up signs you in (with a fresh session id).
        start_session(&session, &user.id).await?;
        Ok((
            StatusCode::CREATED,
            Json(json!({ "id": user.id, "email": user.email })),
        )
            .into_response())
    }
    .await;
    respond(input.form, result)
}

#[derive(Deserialize)]
struct LoginBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    session: Session,
    input: Input<LoginBody>,
) -> Response {
    let result = async {
        let user = service::login(
            &state.db,
            state.config.login_lock_ms as i64,
            client,
            &input.data.email,
            &input.data.password,
        )
        .await?;
        start_session(&session, &user.id).await?;
        tracing::info!(user_id = %user.id, "signed in");
        Ok(Json(json!({ "id": user.id, "email": user.email })).into_response())
    }
    .await;
    respond(input.form, result)
}

/// A new session id on every sign-in defeats session fixation.
async fn start_session(session: &Session, user_id: &str) -> Result<(), AppError> {
    session
        .cycle_id()
        .await
        .map_err(|e| AppError::internal("writing the session", e))?;
    session
        .insert(USER_KEY, user_id)
        .await
        .map_err(|e| AppError::internal("writing the session", e))
}

async fn logout(session: Session, input: Input<serde_json::Value>) -> Response {
    let result = session
        .flush()
        .await
        .map(|_| Json(json!({ "ok": true })).into_response())
        .map_err(|e| AppError::internal("writing the session", e));
    respond(input.form, result)
}

async fn me(CurrentUser(user): CurrentUser) -> Json<MeView> {
    Json(MeView::from(&user))
}

async fn wallet_summary(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<crate::api::wallet::WalletView>, AppError> {
    Ok(Json(
        wallet::summary(&state.db, &user.id, state.config.withdrawals.hold_ms).await?,
    ))
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

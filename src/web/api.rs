//! The JSON surface shared by the UI and scripts. Paths and field names are
//! a contract (listed in the README): change them only additively.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
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
    api::wallet::{MeView, TransactionDetail},
    errors::AppError,
    traders::{
        newtypes::FieldError,
        service::{self, NewUser, Registration, Role},
        sessions,
    },
    wallet::{
        self,
        transactions::{self, TransactionQuery},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/wallet", get(wallet_summary))
        .route("/api/wallet/transactions", get(transactions))
        .route("/api/wallet/transactions/{id}", get(transaction))
        .route("/healthz", get(healthz))
}

async fn register(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    input: Input<Registration>,
) -> Response {
    let result = async {
        let new = NewUser::try_from(input.data)?;
        let user = service::register(&state.db, new, Role::Trader).await?;
        // Signing up signs you in (with a fresh session id).
        start_session(&state, &session, &headers, &user.id).await?;
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
    headers: HeaderMap,
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
        start_session(&state, &session, &headers, &user.id).await?;
        tracing::info!(user_id = %user.id, "signed in");
        Ok(Json(json!({ "id": user.id, "email": user.email })).into_response())
    }
    .await;
    respond(input.form, result)
}

/// A new session id on every sign-in defeats session fixation; the new
/// handle lists the session on the account page (`traders::sessions`).
async fn start_session(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    user_id: &str,
) -> Result<(), AppError> {
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let handle = sessions::start(&state.db, user_id, agent).await?;
    let failed = |e| AppError::internal("writing the session", e);
    session.cycle_id().await.map_err(failed)?;
    session.insert(USER_KEY, user_id).await.map_err(failed)?;
    session
        .insert(sessions::HANDLE_KEY, handle)
        .await
        .map_err(failed)
}

async fn logout(
    State(state): State<AppState>,
    session: Session,
    input: Input<serde_json::Value>,
) -> Response {
    let result = async {
        let failed = |e| AppError::internal("writing the session", e);
        let user: Option<String> = session.get(USER_KEY).await.map_err(failed)?;
        let handle: Option<String> = session.get(sessions::HANDLE_KEY).await.map_err(failed)?;
        if let (Some(user), Some(handle)) = (user, handle) {
            sessions::end(&state.db, &user, &handle).await?;
        }
        session.flush().await.map_err(failed)?;
        Ok(Json(json!({ "ok": true })).into_response())
    }
    .await;
    respond(input.form, result)
}

async fn me(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Json<MeView> {
    Json(MeView::of(&user, &state.config.mail.support))
}

async fn wallet_summary(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<crate::api::wallet::WalletView>, AppError> {
    Ok(Json(
        wallet::summary(
            &state.db,
            &user.id,
            state.config.withdrawals.hold_ms,
            wallet::TRANSACTIONS_SHOWN,
        )
        .await?,
    ))
}

/// `GET /api/wallet/transactions`: the trader's history, filtered and paged
/// (`?format=csv` downloads every matching row).
async fn transactions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<TransactionQuery>,
) -> Result<Response, AppError> {
    let format = q.format.as_deref().map(str::trim).unwrap_or("");
    match format {
        "" | "json" => Ok(Json(transactions::list(&state.db, &user.id, &q).await?).into_response()),
        "csv" => {
            let body = transactions::csv(&state.db, &user.id, &q).await?;
            Ok(super::admin::csv_response("transactions", None, body))
        }
        _ => Err(FieldError::coded("format", "format_invalid", "Format is json or csv.").into()),
    }
}

/// `GET /api/wallet/transactions/{id}`: one of the trader's transactions.
async fn transaction(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<TransactionDetail>, AppError> {
    transactions::detail(&state.db, &user.id, &id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
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

//! The deposit API: `POST /api/deposits` starts a Trustly Deposit and
//! returns its checkout URL; `GET /api/deposits/{id}` follows one. The
//! rules are `wallet::deposits::service`'s; this file translates HTTP.

use std::net::IpAddr;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    client_ip::ClientIp,
    events,
    input::{respond, Input},
    notifications,
    session::CurrentUser,
    AppState,
};
use crate::{
    api::wallet::DepositView,
    errors::AppError,
    traders::service::User,
    wallet::deposits::{
        self,
        service::{self, DepositError},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/deposits", post(create))
        .route("/api/deposits/{id}", get(show))
}

#[derive(Deserialize)]
pub struct NewDeposit {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
}

async fn create(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    CurrentUser(user): CurrentUser,
    input: Input<NewDeposit>,
) -> Response {
    let mut form = input.form;
    let result = start(&state, &user, client, &input.data).await;
    if let (Some(f), Ok((id, _))) = (form.as_mut(), &result) {
        f.next = format!("/deposit?id={id}");
    }
    respond(form, result.map(|(_, r)| r))
}

async fn start(
    state: &AppState,
    user: &User,
    client: IpAddr,
    input: &NewDeposit,
) -> Result<(String, Response), AppError> {
    let cx = service::Context {
        db: &state.db,
        trustly: &state.merchant.client,
        limits: &state.config.deposits,
        public_url: &state.config.public_url,
        notification_url: format!("{}{}", state.config.public_url, notifications::PATH),
    };
    let result = service::start(&cx, user, client, &input.amount, &input.currency).await;
    // Created (and answered or failed): the trader's pages re-read.
    if !matches!(result, Err(DepositError::Frozen | DepositError::Invalid(_))) {
        events::publish(state, &user.id);
    }
    let started = result?;
    let body = json!({
        "id": started.id,
        "order_id": started.order_id,
        "checkout_url": started.checkout_url,
        "status": started.status.as_str(),
    });
    Ok((
        started.id,
        (StatusCode::CREATED, Json(body)).into_response(),
    ))
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<DepositView>, AppError> {
    // Someone else's deposit is "not found": nothing is learned about it.
    deposits::view_for_user(&state.db, &user.id, &id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

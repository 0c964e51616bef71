//! Bank accounts and withdrawals:
//! - `GET /api/bank-accounts`: the trader's accounts (never a full number);
//! - `POST /api/bank-accounts/select`: Trustly's account selection
//!   (SelectAccount), shown in an iframe; the account arrives by the
//!   `account` notification;
//! - `POST /api/bank-accounts`: register typed-in details (RegisterAccount);
//! - `POST /api/withdrawals`, `GET /api/withdrawals/{id}`: see
//!   `wallet::withdrawals` for the money rules;
//! - `POST /api/withdrawals/{id}/cancel`: the trader takes back one that
//!   still waits for approval or for funds (audited as `cancel`).

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
    api::wallet::{BankAccountView, WithdrawalView},
    errors::AppError,
    traders::{newtypes::FieldError, service::User},
    trustly::{
        errors as codes, ClientError, RegisterAccountRequest, SelectAccountAttributes,
        SelectAccountRequest,
    },
    wallet::{accounts, bank_details::BankDetails, withdrawals},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/bank-accounts", get(list_accounts).post(register))
        .route("/api/bank-accounts/select", post(select))
        .route("/api/withdrawals", post(create))
        .route("/api/withdrawals/{id}", get(show))
        .route("/api/withdrawals/{id}/cancel", post(cancel))
}

async fn list_accounts(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<BankAccountView>>, AppError> {
    Ok(Json(accounts::list_for_user(&state.db, &user.id).await?))
}

// -- SelectAccount ------------------------------------------------------------

async fn select(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    CurrentUser(user): CurrentUser,
    input: Input<serde_json::Value>,
) -> Response {
    let mut form = input.form;
    let result = start_selection(&state, &user, client).await;
    if let (Some(f), Ok((id, _))) = (form.as_mut(), &result) {
        f.next = format!("/bank-accounts?select={id}");
    }
    respond(form, result.map(|(_, r)| r))
}

async fn start_selection(
    state: &AppState,
    user: &User,
    client: IpAddr,
) -> Result<(String, Response), AppError> {
    let id = accounts::create_selection(&state.db, &user.id).await?;
    let base = &state.config.public_url;
    let request = SelectAccountRequest {
        notification_url: format!("{base}{}", notifications::PATH),
        end_user_id: user.end_user_id.clone(),
        message_id: id.clone(),
        attributes: SelectAccountAttributes {
            country: Some(user.country.clone()),
            locale: Some(user.locale.clone()),
            firstname: Some(user.first_name.clone()),
            lastname: Some(user.last_name.clone()),
            email: Some(user.email.clone()),
            success_url: Some(format!("{base}/bank-accounts?selected={id}")),
            fail_url: Some(format!("{base}/bank-accounts?cancelled={id}")),
            url_target: Some("_top".into()),
            ip: Some(client.to_string()),
            ..Default::default()
        },
        ..Default::default()
    };
    match state.merchant.client.select_account(&request).await {
        Ok(r) => {
            accounts::record_selection(&state.db, &id, &r.orderid, &r.url).await?;
            tracing::info!(selection_id = %id, order_id = %r.orderid, user_id = %user.id,
                "account selection started");
            let body = json!({"id": id, "order_id": r.orderid, "checkout_url": r.url});
            Ok((id, (StatusCode::CREATED, Json(body)).into_response()))
        }
        Err(e) => {
            tracing::warn!(selection_id = %id, user_id = %user.id, code = ?e.code(), error = %e,
                "Trustly refused SelectAccount");
            accounts::selection_failed(&state.db, &id).await?;
            Err(AppError::Unavailable(
                crate::wallet::provider_error::provider(&e),
            ))
        }
    }
}

// -- RegisterAccount ----------------------------------------------------------

#[derive(Deserialize)]
pub struct NewAccount {
    #[serde(default)]
    clearing_house: String,
    #[serde(default)]
    bank_number: String,
    #[serde(default)]
    account_number: String,
}

async fn register(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    input: Input<NewAccount>,
) -> Response {
    let mut form = input.form;
    if let Some(f) = form.as_mut() {
        f.next = "/bank-accounts".into();
    }
    respond(form, register_account(&state, &user, &input.data).await)
}

async fn register_account(
    state: &AppState,
    user: &User,
    input: &NewAccount,
) -> Result<Response, AppError> {
    let details = BankDetails::parse(
        &input.clearing_house,
        &input.bank_number,
        &input.account_number,
    )?;
    let request = RegisterAccountRequest {
        end_user_id: user.end_user_id.clone(),
        clearing_house: details.clearing_house.clone(),
        bank_number: details.bank_number.clone(),
        account_number: details.account_number.clone(),
        firstname: user.first_name.clone(),
        lastname: user.last_name.clone(),
        attributes: crate::trustly::RegisterAccountAttributes {
            email: Some(user.email.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    let result = match state.merchant.client.register_account(&request).await {
        Ok(r) => r,
        Err(ClientError::Trustly(e)) if e.code == codes::INVALID_BANK_ACCOUNT_NUMBER => {
            tracing::info!(user_id = %user.id, account = ?details, "Trustly: invalid account number (624)");
            return Err(FieldError::coded(
                "account_number",
                "account_number_invalid",
                "This account number is not valid.",
            )
            .into());
        }
        Err(e) => {
            tracing::warn!(user_id = %user.id, account = ?details, code = ?e.code(), error = %e,
                "Trustly refused RegisterAccount");
            return Err(AppError::Unavailable(
                crate::wallet::provider_error::provider(&e),
            ));
        }
    };
    let (account, new) = accounts::store_registered(&state.db, &user.id, &details, &result).await?;
    events::publish(state, &user.id);
    tracing::info!(user_id = %user.id, account_id = %account.account_id, new, "bank account registered");
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(account)).into_response())
}

// -- Withdrawals ----------------------------------------------------------------

#[derive(Deserialize)]
pub struct NewWithdrawal {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    bank_account_id: String,
}

async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    input: Input<NewWithdrawal>,
) -> Response {
    let mut form = input.form;
    let result = withdraw(&state, &user, &input.data).await;
    if let (Some(f), Ok((id, _))) = (form.as_mut(), &result) {
        f.next = format!("/withdraw?id={id}");
    }
    respond(form, result.map(|(_, r)| r))
}

async fn withdraw(
    state: &AppState,
    user: &User,
    input: &NewWithdrawal,
) -> Result<(String, Response), AppError> {
    let amount = crate::wallet::amounts::requested(&input.amount, &input.currency)?;
    let w = state
        .payouts
        .request(user, amount, input.bank_account_id.trim())
        .await?;
    let body = json!({
        "id": w.id,
        "status": w.status.as_str(),
        "order_id": w.order_id,
        "message": w.error_message,
    });
    Ok((w.id, (StatusCode::CREATED, Json(body)).into_response()))
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<WithdrawalView>, AppError> {
    withdrawals::view_for_user(&state.db, &user.id, &id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    input: Input<serde_json::Value>,
) -> Response {
    let result = async {
        let hook = super::admin::withdrawal_audit(user.clone(), "cancel", None);
        let w = state
            .payouts
            .cancel_with(&id, &user.id, Some(&hook))
            .await?;
        let view = withdrawals::view(&state.db, w).await?;
        Ok(Json(view).into_response())
    }
    .await;
    respond(input.form, result)
}

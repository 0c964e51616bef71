//! The deposit API: `POST /api/deposits` starts a Trustly Deposit and
//! returns its checkout URL; `GET /api/deposits/{id}` follows one.
//! Notifications, not these endpoints, decide what happens to the money.

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
    error::ApiError,
    events,
    input::{respond, Input},
    notifications,
    session::CurrentUser,
    AppState,
};
use crate::{
    api::wallet::DepositView,
    money::{Currency, Money},
    traders::{newtypes::FieldError, service::User},
    trustly::{DepositAttributes, DepositRequest},
    wallet::{accounts, deposits},
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

/// The amount a trader asked for, within the configured limits.
fn validate(state: &AppState, input: &NewDeposit) -> Result<Money, ApiError> {
    let currency = input
        .currency
        .trim()
        .to_ascii_uppercase()
        .parse::<Currency>()
        .map_err(|_| FieldError::new("currency", "Choose a supported currency."))?;
    let amount = Money::parse_user(&input.amount, currency)
        .map_err(|e| FieldError::new("amount", capitalise(&e.to_string())))?;
    let (min, max) =
        state.config.deposits.bounds(currency).ok_or_else(|| {
            ApiError::internal(format!("deposit limits do not parse for {currency}"))
        })?;
    if amount.minor < min.minor {
        return Err(FieldError::new("amount", format!("The smallest deposit is {min}.")).into());
    }
    if amount.minor > max.minor {
        return Err(FieldError::new("amount", format!("The largest deposit is {max}.")).into());
    }
    Ok(amount)
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
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
) -> Result<(String, Response), ApiError> {
    if user.frozen {
        tracing::warn!(user_id = %user.id, "deposit refused: account frozen");
        return Err(ApiError::Forbidden);
    }
    let amount = validate(state, input)?;
    // Committed before Trustly is called: its notifications may overtake
    // the answer, and they find the deposit by MessageID = our id.
    let deposit = deposits::create(&state.db, &user.id, amount).await?;
    events::publish(state, &user.id);
    let base = &state.config.public_url;
    let account_id = accounts::latest_verified(&state.db, &user.id).await?;
    let request = DepositRequest {
        notification_url: format!("{base}{}", notifications::PATH),
        end_user_id: user.end_user_id.clone(),
        message_id: deposit.id.clone(),
        attributes: DepositAttributes {
            country: Some(user.country.clone()),
            locale: Some(user.locale.clone()),
            currency: Some(amount.currency.code().to_string()),
            amount: Some(amount.to_trustly_string()),
            firstname: Some(user.first_name.clone()),
            lastname: Some(user.last_name.clone()),
            email: Some(user.email.clone()),
            shopper_statement: Some("Kassa".into()),
            success_url: Some(format!("{base}/deposit/success?id={}", deposit.id)),
            fail_url: Some(format!("{base}/deposit/fail?id={}", deposit.id)),
            url_target: Some("_top".into()),
            ip: Some(client.to_string()),
            account_id,
            ..Default::default()
        },
        ..Default::default()
    };
    match state.merchant.client.deposit(&request).await {
        Ok(result) => {
            let now =
                deposits::record_checkout(&state.db, &deposit.id, &result.orderid, &result.url)
                    .await?
                    .ok_or_else(|| ApiError::internal("deposit vanished"))?;
            events::publish(state, &user.id);
            tracing::info!(deposit_id = %deposit.id, order_id = %result.orderid, amount = %amount,
                "deposit started");
            let body = json!({
                "id": deposit.id,
                "order_id": now.order_id,
                "checkout_url": result.url,
                "status": now.status.as_str(),
            });
            Ok((
                deposit.id,
                (StatusCode::CREATED, Json(body)).into_response(),
            ))
        }
        Err(e) => {
            // The client logged the request uuid with the code; this ties
            // it to the deposit (MessageID).
            tracing::warn!(deposit_id = %deposit.id, user_id = %user.id, code = ?e.code(),
                error = %e, "Trustly refused the deposit");
            if deposits::mark_failed(&state.db, &deposit.id, e.code()).await? {
                events::publish(state, &user.id);
            }
            Err(ApiError::Unavailable(e.plain_words().to_string()))
        }
    }
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<DepositView>, ApiError> {
    // Someone else's deposit is "not found": nothing is learned about it.
    deposits::view_for_user(&state.db, &user.id, &id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

//! Starting a deposit, the flow's rules in one place (the web handler only
//! translates HTTP): the trader may deposit, the amount is within the
//! limits, the row is committed *before* Trustly is called (its
//! notifications may overtake the answer and find the deposit by
//! MessageID = our id), then Trustly's Deposit, and its answer recorded.
//! Notifications, not this flow, decide what happens to the money.

use std::net::IpAddr;

use super::{create, mark_failed, record_checkout, Status};
use crate::{
    config::DepositLimits,
    db::Db,
    money::Money,
    traders::{newtypes::FieldError, service::User},
    trustly::{DepositAttributes, DepositRequest, TrustlyClient},
    wallet::{accounts, amounts},
};

#[derive(Debug, thiserror::Error)]
pub enum DepositError {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("Your account is frozen. Please contact support.")]
    Frozen,
    /// Trustly could not be asked or refused (plain words for people).
    #[error("{0}")]
    Trustly(crate::api::error::ErrorMessage),
    #[error("deposit limits do not parse for {0}")]
    Limits(String),
    #[error("deposit {0} vanished")]
    Vanished(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Where a started deposit's checkout is.
pub struct Started {
    pub id: String,
    pub order_id: Option<String>,
    pub checkout_url: String,
    pub status: Status,
}

/// What a deposit needs besides the trader: where Kassa and Trustly are.
pub struct Context<'a> {
    pub db: &'a Db,
    pub trustly: &'a TrustlyClient,
    pub limits: &'a DepositLimits,
    /// Kassa's public URL (success and fail pages).
    pub public_url: &'a str,
    /// Where Trustly sends this deposit's notifications.
    pub notification_url: String,
}

/// The amount a trader asked for, within the configured limits.
pub fn validate(
    limits: &DepositLimits,
    amount: &str,
    currency: &str,
) -> Result<Money, DepositError> {
    let amount = amounts::requested(amount, currency)?;
    let (min, max) = limits
        .bounds(amount.currency)
        .ok_or_else(|| DepositError::Limits(amount.currency.to_string()))?;
    if amount.minor < min.minor {
        return Err(FieldError::coded(
            "amount",
            "deposit_below_min",
            format!("The smallest deposit is {min}."),
        )
        .with("min", min.to_decimal_string())
        .with("currency", min.currency)
        .into());
    }
    if amount.minor > max.minor {
        return Err(FieldError::coded(
            "amount",
            "deposit_above_max",
            format!("The largest deposit is {max}."),
        )
        .with("max", max.to_decimal_string())
        .with("currency", max.currency)
        .into());
    }
    Ok(amount)
}

/// Starts `user`'s deposit of what they typed, from `client`: a frozen
/// trader first, then the amount, then the row and Trustly. On a refusal
/// the deposit is kept as `failed` with Trustly's code.
pub async fn start(
    cx: &Context<'_>,
    user: &User,
    client: IpAddr,
    amount: &str,
    currency: &str,
) -> Result<Started, DepositError> {
    if user.frozen {
        tracing::warn!(user_id = %user.id, "deposit refused: account frozen");
        return Err(DepositError::Frozen);
    }
    let amount = validate(cx.limits, amount, currency)?;
    let deposit = create(cx.db, &user.id, amount).await?;
    let account_id = accounts::latest_verified(cx.db, &user.id).await?;
    let base = cx.public_url;
    let request = DepositRequest {
        notification_url: cx.notification_url.clone(),
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
    match cx.trustly.deposit(&request).await {
        Ok(result) => {
            let now = record_checkout(cx.db, &deposit.id, &result.orderid, &result.url)
                .await?
                .ok_or_else(|| DepositError::Vanished(deposit.id.clone()))?;
            tracing::info!(deposit_id = %deposit.id, order_id = %result.orderid, amount = %amount,
                "deposit started");
            Ok(Started {
                id: deposit.id,
                order_id: now.order_id,
                checkout_url: result.url,
                status: now.status,
            })
        }
        Err(e) => {
            // The client logged the request uuid with the code; this ties
            // it to the deposit (MessageID).
            tracing::warn!(deposit_id = %deposit.id, user_id = %user.id, code = ?e.code(),
                error = %e, "Trustly refused the deposit");
            mark_failed(cx.db, &deposit.id, e.code()).await?;
            Err(DepositError::Trustly(
                crate::wallet::provider_error::provider(&e),
            ))
        }
    }
}

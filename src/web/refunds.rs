//! `/api/admin/deposits/{id}/refund` and `/api/admin/refunds/{id}/*`: an
//! admin refunds a credited deposit; a second admin approves or denies one
//! above `KASSA_REFUND_APPROVAL_ABOVE`. Behind [`super::admin::require_admin`]
//! like every admin route. The rules are `wallet::refunds`'; each change
//! and its audit entry commit in one transaction.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde::Deserialize;

use super::{
    input::{respond, Input},
    session::AdminUser,
    AppState,
};
use crate::{
    backoffice,
    errors::AppError,
    traders::service::User,
    wallet::refunds::{self, Refund},
};

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/admin/deposits/{id}/refund", post(request))
        .route("/api/admin/refunds/{id}/{decision}", post(decision))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            super::admin::require_admin,
        ))
}

#[derive(Deserialize)]
pub struct RefundBody {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
pub struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

/// The fields of a refund an audit entry keeps.
fn refund_state(r: &Refund) -> serde_json::Value {
    serde_json::json!({
        "status": r.status.as_str(),
        "deposit_id": r.deposit_id,
        "amount": r.amount.to_decimal_string(),
        "currency": r.amount.currency.code(),
        "requested_by": r.requested_by,
        "decided_by": r.decided_by,
    })
}

/// A hook that records `action` (before: `before`) in the change's own
/// transaction, with the refund after the change.
fn audit_hook(
    admin: &User,
    action: &'static str,
    before: Option<serde_json::Value>,
    reason: Option<String>,
) -> impl for<'c> Fn(
    &'c mut sqlx::AnyConnection,
    &'c Refund,
) -> futures_util::future::BoxFuture<'c, Result<(), sqlx::Error>>
       + Send
       + Sync {
    let who = admin.clone();
    refunds::refund_hook(move |conn, after| {
        let (who, why, before) = (who.clone(), reason.clone(), before.clone());
        let (target, after) = (after.id.clone(), refund_state(after));
        Box::pin(async move {
            let entry = backoffice::audit::Action {
                action,
                target_kind: "refund",
                target_id: &target,
                before,
                after: Some(after),
                reason: why.as_deref(),
            };
            backoffice::audit::record_in_hook(conn, &who, entry).await
        })
    })
}

async fn answer(state: &AppState, r: &Refund, status: StatusCode) -> Result<Response, AppError> {
    let view = refunds::view_of(&state.db, &r.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((status, Json(view)).into_response())
}

/// `{amount, reason}` → 201 with the refund (`refunded`, `sending` when
/// Trustly's answer is not known yet, `failed`, or `pending_approval`);
/// 400 with `field` for a bad amount, more than is left to refund, or no
/// reason; 409 when the deposit is not credited, the trader's available
/// balance does not cover it, or another refund of it is in flight; 404.
async fn request(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    input: Input<RefundBody>,
) -> Response {
    let body = &input.data;
    let reason = Some(body.reason.trim().to_string());
    let result = async {
        let hook = audit_hook(&admin, "refund_request", None, reason);
        let r = state
            .refunds
            .request(&admin.id, &id, &body.amount, &body.reason, Some(&hook))
            .await?;
        answer(&state, &r, StatusCode::CREATED).await
    }
    .await;
    respond(input.form, result)
}

/// `approve` `{reason?}` → the refund, sent; `deny` `{reason}` (required,
/// 400 without) → the refund, denied and its reservation released. 409 for
/// the admin who asked for it or a refund not waiting for approval; 404
/// for an unknown refund or decision.
async fn decision(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path((id, verb)): Path<(String, String)>,
    input: Input<ReasonBody>,
) -> Response {
    let reason = input.data.reason.clone();
    let result = match verb.as_str() {
        "approve" => decide(&state, &admin, &id, reason, true).await,
        "deny" => decide(&state, &admin, &id, reason, false).await,
        _ => Err(AppError::NotFound),
    };
    respond(input.form, result)
}

async fn decide(
    state: &AppState,
    admin: &User,
    id: &str,
    reason: Option<String>,
    approve: bool,
) -> Result<Response, AppError> {
    let before = refunds::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let action = if approve {
        "refund_approve"
    } else {
        "refund_deny"
    };
    let why = reason.clone().unwrap_or_default();
    let hook = audit_hook(admin, action, Some(refund_state(&before)), reason);
    let r = if approve {
        let reason = Some(why.as_str()).filter(|r| !r.trim().is_empty());
        state
            .refunds
            .approve(id, &admin.id, reason, Some(&hook))
            .await?
    } else {
        state.refunds.deny(id, &admin.id, &why, Some(&hook)).await?
    };
    tracing::info!(admin_id = %admin.id, refund_id = id, status = r.status.as_str(),
        "refund decided");
    answer(state, &r, StatusCode::OK).await
}

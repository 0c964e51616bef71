//! `/api/admin/*`: the back office's JSON API (paths and field names are a
//! contract listed in the README). Every route sits behind [`require_admin`]
//! (401 without a session, 403 for a trader, before anything is read or
//! parsed) and takes [`AdminUser`] for who is acting. The work is in
//! `backoffice` (reads, account actions) and `wallet::withdrawals`
//! (approve, deny, the Trustly refreshes); every list answers CSV with
//! `?format=csv`.

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
    input::{respond, Input},
    session::{user_from_session, AdminUser},
    AppState,
};
use crate::{
    api::{error::ErrorMessage, format::day_of},
    backoffice::{
        self,
        audit::AuditQuery,
        csv,
        notifications::NotificationQuery,
        orders::{ApprovalQuery, OrderQuery},
        traders::{AccountAction, TraderQuery},
    },
    db::now_ms,
    errors::AppError,
    traders::{newtypes::FieldError, service::Role},
    wallet::withdrawals,
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
        .route("/api/admin/withdrawals/{id}/resolve", post(resolve))
        .route(
            "/api/admin/withdrawals/{id}/refresh",
            post(refresh_transfer),
        )
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
            AppError::Forbidden.into_response()
        }
        Ok(None) => AppError::Unauthorized.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `?format=csv` turns a list into a download.
#[derive(Deserialize, Default)]
struct Format {
    format: Option<String>,
}

impl Format {
    fn csv(&self) -> Result<bool, AppError> {
        match self.format.as_deref().map(str::trim).unwrap_or("") {
            "" | "json" => Ok(false),
            "csv" => Ok(true),
            _ => {
                Err(FieldError::coded("format", "format_invalid", "Format is json or csv.").into())
            }
        }
    }
}

/// A CSV download named `kassa-{name}-{day}.csv` (today unless given).
pub(super) fn csv_response(name: &str, day: Option<&str>, body: String) -> Response {
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
) -> Result<Response, AppError> {
    let interval = state.config.withdrawals.balance_interval_ms as i64;
    Ok(Json(backoffice::overview::overview(&state.db, interval).await?).into_response())
}

async fn traders(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<TraderQuery>,
) -> Result<Response, AppError> {
    if format.csv()? {
        return Ok(csv_response(
            "traders",
            None,
            csv::traders(&state.db, &q).await?,
        ));
    }
    Ok(Json(backoffice::traders::list(&state.db, &q).await?).into_response())
}

async fn trader(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
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
    let result =
        backoffice::traders::act(&state.db, &admin, &id, action, input.data.reason.as_deref())
            .await
            .map(|r| Json(r).into_response())
            .map_err(AppError::from);
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
    // The address locks this account's failures caused go too.
    let lifted = match crate::traders::address_limits::release_user(&state.db, &id).await {
        Ok(n) => n,
        Err(e) => return AppError::from(e).into_response(),
    };
    if lifted > 0 {
        tracing::info!(admin_id = %admin.id, user_id = %id, addresses = lifted, "address locks lifted");
    }
    account_action(state, admin, id, input, AccountAction::Unlock).await
}

async fn orders(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<OrderQuery>,
) -> Result<Response, AppError> {
    if format.csv()? {
        return Ok(csv_response(
            "orders",
            None,
            csv::orders(&state.db, &q).await?,
        ));
    }
    Ok(Json(backoffice::orders::list(&state.db, &q).await?).into_response())
}

async fn order(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(
        Json(backoffice::orders::detail(&state.db, &state.config.refunds, &id).await?)
            .into_response(),
    )
}

async fn notifications(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<NotificationQuery>,
) -> Result<Response, AppError> {
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
    Query(q): Query<ApprovalQuery>,
) -> Result<Response, AppError> {
    if format.csv()? {
        return Ok(csv_response(
            "approvals",
            None,
            csv::approvals(&state.db, &admin.id).await?,
        ));
    }
    Ok(Json(backoffice::orders::approvals(&state.db, &admin.id, &q).await?).into_response())
}

async fn audit(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Query(format): Query<Format>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    if format.csv()? {
        return Ok(csv_response(
            "audit",
            None,
            csv::audit(&state.db, &q).await?,
        ));
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
) -> Result<Response, AppError> {
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
//
// The decisions themselves are `Payouts`' (which refuses an admin's own
// withdrawal and sends the AccountPayout); the withdrawal row records who
// decided, when and why in the same transaction as the change. The audit
// entry follows in its own transaction once the outcome is known (Payouts
// offers no hook into its transaction).

/// The fields of a withdrawal an audit entry keeps.
fn withdrawal_state(w: &crate::wallet::withdrawals::Withdrawal) -> serde_json::Value {
    serde_json::json!({
        "status": w.status.as_str(),
        "amount": w.amount.to_decimal_string(),
        "currency": w.amount.currency.code(),
        "decided_by": w.decided_by,
        "transfer_state": w.transfer_state,
        "reserved": w.reserved,
        "outcome_unknown": w.outcome_unknown,
        "resolved_by": w.resolved_by,
    })
}

/// The hook that writes a decision on a withdrawal to the audit log,
/// inside the decision's own transaction (`who` is an admin, or the trader
/// who cancelled their own withdrawal).
pub(super) fn withdrawal_audit(
    who: crate::traders::service::User,
    action: &'static str,
    why: Option<String>,
) -> impl for<'c> Fn(
    &'c mut sqlx::AnyConnection,
    &'c crate::wallet::withdrawals::Withdrawal,
    &'c crate::wallet::withdrawals::Withdrawal,
) -> futures_util::future::BoxFuture<'c, Result<(), sqlx::Error>>
       + Send
       + Sync {
    withdrawals::decision_hook(move |conn, before, after| {
        let (who, why, target) = (who.clone(), why.clone(), before.id.clone());
        let (before, after) = (withdrawal_state(before), withdrawal_state(after));
        Box::pin(async move {
            let entry = backoffice::audit::Action {
                action,
                target_kind: "withdrawal",
                target_id: &target,
                before: Some(before),
                after: Some(after),
                reason: why.as_deref(),
            };
            backoffice::audit::record_in_hook(conn, &who, entry).await
        })
    })
}

/// Records `action` on withdrawal `id` when `changed(before, after)`.
async fn audit_withdrawal(
    state: &AppState,
    admin: &crate::traders::service::User,
    action: &str,
    before: &crate::wallet::withdrawals::Withdrawal,
    reason: Option<&str>,
    changed: impl Fn(
        &crate::wallet::withdrawals::Withdrawal,
        &crate::wallet::withdrawals::Withdrawal,
    ) -> bool,
) -> Result<(), AppError> {
    let Some(after) = withdrawals::find(&state.db, &before.id).await? else {
        return Ok(());
    };
    if !changed(before, &after) {
        return Ok(());
    }
    let mut tx = state.db.begin_write().await?;
    backoffice::audit::record(
        &mut tx.tx,
        admin,
        backoffice::audit::Action {
            action,
            target_kind: "withdrawal",
            target_id: &before.id,
            before: Some(withdrawal_state(before)),
            after: Some(withdrawal_state(&after)),
            reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an admin decides about a withdrawal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decision {
    Approve,
    Deny,
    /// An unknown payout confirmed as not paid at Trustly.
    Resolve,
}

async fn decide(
    state: &AppState,
    admin: &crate::traders::service::User,
    id: &str,
    reason: Option<&str>,
    decision: Decision,
) -> Result<Response, AppError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match (decision, reason) {
        (Decision::Deny, None) => {
            return Err(FieldError::coded(
                "reason",
                "deny_reason_required",
                "Say why the withdrawal is denied.",
            )
            .into())
        }
        (Decision::Resolve, None) => {
            return Err(FieldError::coded(
                "reason",
                "resolve_reason_required",
                "Say how you confirmed with Trustly that it was not paid.",
            )
            .into())
        }
        _ => {}
    }
    // The audit entry is written inside the decision's own transaction.
    let action = match decision {
        Decision::Approve => "approve",
        Decision::Deny => "deny",
        Decision::Resolve => "resolve_not_paid",
    };
    let hook = withdrawal_audit(admin.clone(), action, reason.map(str::to_string));
    let payouts = &state.payouts;
    let why = reason.unwrap_or_default();
    let result = match decision {
        Decision::Approve => payouts.approve_with(id, &admin.id, Some(&hook)).await,
        Decision::Deny => payouts.deny_with(id, &admin.id, why, Some(&hook)).await,
        Decision::Resolve => payouts.resolve_with(id, &admin.id, why, Some(&hook)).await,
    };
    let w = result?;
    tracing::info!(admin_id = %admin.id, withdrawal_id = id, status = w.status.as_str(),
        "withdrawal decided");
    Ok(
        Json(backoffice::orders::detail(&state.db, &state.config.refunds, id).await?)
            .into_response(),
    )
}

async fn approve(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    input: Input<ReasonBody>,
) -> Response {
    let result = decide(
        &state,
        &admin,
        &id,
        input.data.reason.as_deref(),
        Decision::Approve,
    )
    .await;
    respond(input.form, result)
}

async fn deny(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    input: Input<ReasonBody>,
) -> Response {
    let result = decide(
        &state,
        &admin,
        &id,
        input.data.reason.as_deref(),
        Decision::Deny,
    )
    .await;
    respond(input.form, result)
}

/// `{reason}` (required): an admin other than the requester and approver
/// confirmed at Trustly that a payout with an unknown outcome was not paid;
/// the reservation is released (409 unless the outcome is unknown).
async fn resolve(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    input: Input<ReasonBody>,
) -> Response {
    let reason = input.data.reason.as_deref();
    let result = decide(&state, &admin, &id, reason, Decision::Resolve).await;
    respond(input.form, result)
}

/// Asks Trustly for Kassa's balance, at most once per the Balance interval
/// (sooner: 429 and the time it becomes possible).
async fn refresh_balance(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    input: Input<serde_json::Value>,
) -> Response {
    let result = async {
        let interval = state.config.withdrawals.balance_interval_ms as i64;
        let before = backoffice::overview::trustly_balance(&state.db, interval).await?;
        if let Some(at) = before.refresh_allowed_at.filter(|t| *t > now_ms()) {
            let after = crate::api::format::utc(at);
            let too_soon = if interval >= 60_000 {
                let minutes = interval / 60_000;
                ErrorMessage::new(
                    "balance_refresh_too_soon",
                    format!("Trustly allows one Balance call every {minutes} minutes; try again after {after}."),
                )
                .with("minutes", minutes)
            } else {
                let seconds = interval / 1000;
                ErrorMessage::new(
                    "balance_refresh_too_soon",
                    format!("Trustly allows one Balance call every {seconds} seconds; try again after {after}."),
                )
                .with("seconds", seconds)
            };
            return Err(AppError::TooManyRequests(too_soon.with("after", after)));
        }
        state.payouts.trustly_balance(true).await?;
        let after = backoffice::overview::trustly_balance(&state.db, interval).await?;
        let mut tx = state.db.begin_write().await?;
        backoffice::audit::record(
            &mut tx.tx,
            &admin,
            backoffice::audit::Action {
                action: "refresh_balance",
                target_kind: "trustly",
                target_id: "balance",
                before: serde_json::to_value(&before).ok(),
                after: serde_json::to_value(&after).ok(),
                reason: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Json(after).into_response())
    }
    .await;
    respond(input.form, result)
}

/// GetWithdrawals for one payout (Payouts keeps it to one call per poll
/// interval; sooner, the withdrawal comes back unchanged).
async fn refresh_transfer(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    input: Input<serde_json::Value>,
) -> Response {
    let result = async {
        let before = withdrawals::find(&state.db, &id)
            .await?
            .ok_or(AppError::NotFound)?;
        let refreshed = state.payouts.refresh_transfer_state(&id).await;
        audit_withdrawal(
            &state,
            &admin,
            "refresh_transfer_state",
            &before,
            None,
            |b, a| b.transfer_checked_at != a.transfer_checked_at,
        )
        .await?;
        refreshed?;
        Ok(
            Json(backoffice::orders::detail(&state.db, &state.config.refunds, &id).await?)
                .into_response(),
        )
    }
    .await;
    respond(input.form, result)
}

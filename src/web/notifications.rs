//! `POST /trustly/notifications`: Trustly's notifications (the
//! NotificationURL given with every order). The work is in
//! `wallet::notifications`; here: HTTP in, signed reply out.
//!
//! Mounted outside the session and CSRF layers: Trustly sends no cookies
//! and no Origin header, and must not get a session.

use axum::{
    body::Bytes,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::json;

use super::{events, AppState};
use crate::{
    trustly::build_notification_reply,
    wallet::notifications::{process, Handled},
};

pub const PATH: &str = "/trustly/notifications";

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, post(receive))
}

async fn receive(State(state): State<AppState>, body: Bytes) -> Response {
    let started = std::time::Instant::now();
    let result = process(&state.db, &state.merchant.trustly_key, &body).await;
    super::metrics::notification(&result, started);
    match result {
        // Never an OK for what we could not verify: Trustly retries a real
        // one, a forged one keeps failing.
        Ok(Handled::Rejected { reason }) => {
            let body = json!({ "error": reason, "code": "notification_rejected" });
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
        Ok(Handled::Reply {
            method,
            uuid,
            status,
            changed_users,
            ..
        }) => {
            for user_id in &changed_users {
                events::publish(&state, user_id);
            }
            let reply = build_notification_reply(&method, &uuid, status, &state.merchant.signer);
            (StatusCode::OK, Json(reply)).into_response()
        }
        Err(e) => {
            // Nothing was committed: Trustly will retry.
            tracing::error!(error = %e, "notification could not be processed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({
                    "error": "The notification could not be processed; retry later.",
                    "code": "internal",
                })),
            )
                .into_response()
        }
    }
}

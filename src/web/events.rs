//! Live wallet updates over Server-Sent Events.
//!
//! Every committed change of a trader's wallet or deposits publishes the
//! trader's id on a broadcast channel ([`publish`]); `GET /api/wallet/events`
//! streams an event `wallet` (data `changed`) to that trader's open pages,
//! which then re-read `/api/wallet`. Only "something changed" is sent, never
//! amounts, so a missed or extra event costs one re-fetch and nothing else.

use std::convert::Infallible;

use axum::{
    extract::State,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse,
    },
    routing::get,
    Router,
};
use tokio::sync::{broadcast, watch};

use super::{session::CurrentUser, AppState};

/// How many changes may queue per subscriber before it lags (a lagging
/// subscriber just gets one `wallet` event: it re-reads everything anyway).
const CAPACITY: usize = 1024;

pub fn channel() -> broadcast::Sender<String> {
    broadcast::channel(CAPACITY).0
}

/// Tells `user_id`'s open pages that their wallet changed. Call after commit.
pub fn publish(state: &AppState, user_id: &str) {
    // No subscriber is not an error.
    let _ = state.events.send(user_id.to_string());
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/wallet/events", get(wallet_events))
}

fn changed() -> Event {
    Event::default().event("wallet").data("changed")
}

async fn wallet_events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> impl IntoResponse {
    // Subscribed before the response starts: nothing committed after the
    // client saw the headers is missed.
    let rx = state.events.subscribe();
    let stream = futures_util::stream::unfold(
        (rx, state.closing.clone(), user.id),
        |(mut rx, mut closing, user_id)| async move {
            loop {
                tokio::select! {
                    got = rx.recv() => match got {
                        Ok(id) if id == user_id => {
                            return Some((Ok::<Event, Infallible>(changed()), (rx, closing, user_id)));
                        }
                        Ok(_) => continue,
                        // Ours may have been among the skipped ones.
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            return Some((Ok(changed()), (rx, closing, user_id)));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    // The server is stopping: end the stream so the graceful
                    // shutdown does not wait for open pages.
                    _ = closing.changed() => return None,
                }
            }
        },
    );
    // nginx buffers proxied answers unless told not to: events would wait.
    (
        [("x-accel-buffering", "no")],
        Sse::new(stream).keep_alive(KeepAlive::default()),
    )
}

/// The stop signal SSE streams watch (see `Running::stop`).
pub fn closing() -> (watch::Sender<bool>, watch::Receiver<bool>) {
    watch::channel(false)
}

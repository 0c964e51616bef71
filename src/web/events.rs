//! Live wallet updates over Server-Sent Events.
//!
//! Every committed change of a trader's wallet or deposits reaches the
//! trader's open pages as an event `wallet` (data `changed`) on
//! `GET /api/wallet/events`, and the page re-reads `/api/wallet`. Only
//! "something changed" is sent, never amounts, so a missed or extra event
//! costs one re-fetch and nothing else.
//!
//! How a change gets here depends on the backend:
//! - **SQLite** (one instance): the code that committed calls [`publish`],
//!   which puts the trader's id on this process's broadcast channel.
//! - **PostgreSQL** (any number of instances): the committing transaction
//!   itself announces the trader's id on channel `kassa_wallet` (triggers,
//!   migration 0012), delivered by PostgreSQL exactly when it commits; each
//!   instance's [`listen`] task feeds its broadcast channel. [`publish`] is
//!   then a no-op. When the listener's connection is lost, changes may have
//!   been missed: once it listens again it sends [`EVERYONE`], and every
//!   open page re-reads.

use std::{convert::Infallible, str::FromStr, time::Duration};

use axum::{
    extract::{Path, State},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse,
    },
    routing::get,
    Router,
};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tokio::sync::{broadcast, watch};

use super::{
    session::{AdminUser, CurrentUser},
    AppState,
};
use crate::db::{Backend, Db};
use crate::errors::AppError;

/// How many changes may queue per subscriber before it lags (a lagging
/// subscriber just gets one `wallet` event: it re-reads everything anyway).
const CAPACITY: usize = 1024;

/// The PostgreSQL channel the triggers announce on.
pub const CHANNEL: &str = "kassa_wallet";

/// Sent instead of a trader's id when every open page must re-read.
pub const EVERYONE: &str = "*";

/// The listener's connection, by name in `pg_stat_activity`.
pub const LISTENER_NAME: &str = "kassa-live-events";

pub fn channel() -> broadcast::Sender<String> {
    broadcast::channel(CAPACITY).0
}

/// Tells `user_id`'s open pages that their wallet changed. Call after
/// commit. A no-op on PostgreSQL, where the commit announced it.
pub fn publish(state: &AppState, user_id: &str) {
    if state.db.backend == Backend::Sqlite {
        // No subscriber is not an error.
        let _ = state.events.send(user_id.to_string());
    }
}

/// On PostgreSQL: listens on [`CHANNEL`] (connected before this returns,
/// so nothing committed after start-up is missed) and feeds `events` until
/// `closing`. None on SQLite.
pub async fn listen(
    db: &Db,
    events: broadcast::Sender<String>,
    mut closing: watch::Receiver<bool>,
) -> Result<Option<tokio::task::JoinHandle<()>>, sqlx::Error> {
    if db.backend != Backend::Postgres {
        return Ok(None);
    }
    let options = PgConnectOptions::from_str(&db.url)?.application_name(LISTENER_NAME);
    let mut listener = connect(&options).await?;
    Ok(Some(tokio::spawn(async move {
        loop {
            let lost = tokio::select! {
                got = listener.try_recv() => match got {
                    Ok(Some(n)) => {
                        let _ = events.send(n.payload().to_string());
                        continue;
                    }
                    Ok(None) => "connection closed".to_string(),
                    Err(e) => e.to_string(),
                },
                _ = closing.changed() => return,
            };
            tracing::warn!(error = %lost, "live events: listener connection lost; reconnecting");
            metrics::counter!("kassa_live_events_reconnects_total").increment(1);
            listener = loop {
                match connect(&options).await {
                    Ok(l) => break l,
                    Err(e) => {
                        tracing::warn!(error = %e, "live events: listener cannot reconnect yet");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = closing.changed() => return,
                        }
                    }
                }
            };
            // Listening again: whatever committed while it was not may have
            // been missed, so every open page re-reads.
            tracing::info!("live events: listening again; open pages re-read");
            let _ = events.send(EVERYONE.to_string());
        }
    })))
}

async fn connect(options: &PgConnectOptions) -> Result<PgListener, sqlx::Error> {
    // A pool of one, made only to hand the listener its connection options.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options.clone());
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/wallet/events", get(wallet_events))
        .route("/api/admin/orders/{id}/events", get(order_events))
}

fn changed() -> Event {
    Event::default().event("wallet").data("changed")
}

async fn wallet_events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> impl IntoResponse {
    stream_for(&state, user.id)
}

/// The back office's order page follows its trader's changes (a decision,
/// the payout being sent, Trustly's notifications) the way the trader's
/// own pages do: same events, admins only.
async fn order_events(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let owner = crate::backoffice::orders::owner(&state.db, &id).await?;
    Ok(stream_for(&state, owner))
}

/// `wallet` events for `user_id`'s changes until the server stops.
fn stream_for(state: &AppState, user_id: String) -> impl IntoResponse {
    // Subscribed before the response starts: nothing committed after the
    // client saw the headers is missed.
    let rx = state.events.subscribe();
    let stream = futures_util::stream::unfold(
        (rx, state.closing.clone(), user_id),
        |(mut rx, mut closing, user_id)| async move {
            loop {
                tokio::select! {
                    got = rx.recv() => match got {
                        Ok(id) if id == user_id || id == EVERYONE => {
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

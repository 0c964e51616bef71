//! What every request goes through first, for the operator: the client
//! address, a request id, a tracing span that every log line of the
//! request carries (Trustly calls made for it too), an access-log line,
//! the HTTP metrics and the transport and cache headers. Also `/readyz`.

use std::{net::SocketAddr, time::Instant};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tracing::{Instrument, Span};

use super::{client_ip, client_ip::ClientIp, metrics, security, AppState};

pub const REQUEST_ID: &str = "x-request-id";

/// The request's id, also in its `X-Request-Id` answer header.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The request's span, handed to the tracing layer that keeps it entered
/// while the response body streams (pages render while they stream).
#[derive(Clone)]
pub struct RequestSpan(pub Span);

/// `X-Request-Id` from the client or the proxy when it is a sane token
/// (it goes into every log line), a fresh one otherwise.
fn request_id(req: &Request) -> String {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The route template (`/api/deposits/{id}`), never the path itself, as
/// the metrics label: paths carry ids, templates are a short fixed list.
fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        // The static files and the 404 page.
        .unwrap_or_else(|| "fallback".into())
}

/// Probes and scrapes: logged at debug so they do not drown the log.
fn is_probe(route: &str) -> bool {
    matches!(route, "/healthz" | "/readyz" | "/metrics")
}

pub async fn prepare(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = match peer {
        Some(peer) => client_ip::resolve(peer, req.headers(), &state.config.ops),
        None => std::net::IpAddr::from([0, 0, 0, 0]),
    };
    let id = request_id(&req);
    let route = route_of(&req);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route = %route,
        path = %req.uri().path(),
        client = %client,
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, v);
    }
    req.extensions_mut().insert(ClientIp(client));
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(RequestSpan(span.clone()));

    let path = req.uri().path().to_owned();
    let mut res = next.run(req).instrument(span.clone()).await;

    let status = res.status();
    let elapsed = started.elapsed();
    metrics::http_request(&route, status, elapsed);
    span.in_scope(|| {
        let latency_ms = elapsed.as_secs_f64() * 1e3;
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), latency_ms, "request failed");
        } else if is_probe(&route) {
            tracing::debug!(status = status.as_u16(), latency_ms, "request");
        } else {
            tracing::info!(status = status.as_u16(), latency_ms, "request");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    security::transport_and_cache(res.headers_mut(), state.config.secure_cookies(), &path);
    res
}

/// For `tower_http::trace::TraceLayer`: the span [`prepare`] made.
pub fn span_of<B>(req: &axum::http::Request<B>) -> Span {
    req.extensions()
        .get::<RequestSpan>()
        .map(|s| s.0.clone())
        .unwrap_or_else(Span::none)
}

/// `/readyz` (and `/healthz`, unchanged). Outside the session layer:
/// probes get no cookie.
pub fn routes() -> Router<AppState> {
    Router::new().route("/readyz", get(readyz))
}

/// 200 once start-up is done (the listener opens after migrations and
/// keys) while the database answers; 503 from the moment a stop begins,
/// so a load balancer stops sending traffic while requests drain.
async fn readyz(State(state): State<AppState>) -> Response {
    if *state.stopping.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping").into_response();
    }
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Leptos renders a page's async parts in tasks it spawns: spawned inside
/// the current span, their log lines carry the request's id too (Leptos's
/// own tokio executor is the same minus the span).
struct SpanExecutor;

impl any_spawner::CustomExecutor for SpanExecutor {
    fn spawn(&self, fut: any_spawner::PinnedFuture<()>) {
        tokio::spawn(fut.instrument(Span::current()));
    }
    fn spawn_local(&self, fut: any_spawner::PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut.instrument(Span::current()));
    }
    fn poll_local(&self) {}
}

/// Before Leptos sets its own (it keeps one that is already set).
pub fn init_executor() {
    let _ = any_spawner::Executor::init_custom_executor(SpanExecutor);
}

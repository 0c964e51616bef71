//! `GET /metrics`: Prometheus text format through the `metrics` facade and
//! its Prometheus exporter (the recorder only: this handler renders it, so
//! no second listener and the allow list below apply).
//!
//! Counters and histograms are recorded where things happen (HTTP in
//! `ops`, notifications in `notifications`, Trustly calls in the Trustly
//! client, the payout worker's last round in its loop); the gauges that
//! describe the database (withdrawals per status, Kassa's balance at
//! Trustly) are read from it at each scrape.

use std::{
    net::SocketAddr,
    sync::OnceLock,
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::{client_ip, client_ip::ClientIp, AppState};
use crate::{
    db::QueryRows,
    money::Currency,
    trustly::ReplyStatus,
    wallet::{
        notifications::{Handled, ProcessError},
        withdrawals::Status,
    },
};

pub const PATH: &str = "/metrics";

/// Seconds: 1 ms to 30 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder, installed on first use (tests start many
/// servers in one process; they share it, as they share the process).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), BUCKETS)
            .expect("bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed: /metrics shows none");
        }
        describe();
        // Histograms keep raw samples until upkeep folds them into buckets.
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                upkeep.run_upkeep();
            })
            .ok();
        handle
    })
}

fn describe() {
    describe_counter!(
        "kassa_http_requests_total",
        "HTTP requests answered, by route template and status"
    );
    describe_histogram!(
        "kassa_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to the response head, by route template"
    );
    describe_counter!("kassa_notifications_total", "Trustly notifications received, by method and outcome (ok, duplicate, failed, rejected, error)");
    describe_histogram!(
        "kassa_notification_duration_seconds",
        metrics::Unit::Seconds,
        "Time to verify, apply and commit a notification (the reply is signed after)"
    );
    describe_counter!("kassa_trustly_requests_total", "Calls to Trustly's API, by method and result (ok, Trustly's error code, timeout, transport, invalid_response, invalid_request)");
    describe_histogram!(
        "kassa_trustly_request_duration_seconds",
        metrics::Unit::Seconds,
        "Duration of calls to Trustly's API"
    );
    describe_gauge!(
        "kassa_withdrawals",
        "Withdrawals per status (read from the database at each scrape)"
    );
    describe_gauge!(
        "kassa_payout_worker_last_run_timestamp_seconds",
        metrics::Unit::Seconds,
        "Unix time the payout worker last finished a round without error"
    );
    describe_gauge!(
        "kassa_trustly_balance",
        "Kassa's balance at Trustly per currency, in major units, as of the last Balance call"
    );
}

/// One answered HTTP request (called by `ops::prepare`).
pub fn http_request(route: &str, status: StatusCode, elapsed: Duration) {
    counter!("kassa_http_requests_total", "route" => route.to_string(), "status" => status.as_u16().to_string())
        .increment(1);
    histogram!("kassa_http_request_duration_seconds", "route" => route.to_string())
        .record(elapsed.as_secs_f64());
}

/// One notification, as the endpoint handled it.
pub fn notification(result: &Result<Handled, ProcessError>, started: Instant) {
    let (method, outcome) = match result {
        // Nothing of an unverified body becomes a label.
        Ok(Handled::Rejected { .. }) => ("unverified".to_string(), "rejected"),
        Ok(Handled::Reply {
            method,
            status,
            duplicate,
            ..
        }) => (
            method.clone(),
            match (duplicate, status) {
                (true, _) => "duplicate",
                (false, ReplyStatus::Ok) => "ok",
                (false, ReplyStatus::Failed) => "failed",
            },
        ),
        Err(_) => ("unknown".to_string(), "error"),
    };
    counter!("kassa_notifications_total", "method" => method.clone(), "outcome" => outcome)
        .increment(1);
    histogram!("kassa_notification_duration_seconds", "method" => method)
        .record(started.elapsed().as_secs_f64());
}

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(scrape))
}

/// Only for `KASSA_METRICS_ALLOW`; anyone else is told there is nothing
/// here. A request with forwarding headers that no trusted proxy vouches
/// for came through an unconfigured proxy: refused too, or the proxy's
/// loopback address would open the metrics to the internet.
async fn scrape(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
) -> Response {
    let ops = &state.config.ops;
    let vouched = !client_ip::forwarded(&headers) || ops.is_trusted_proxy(peer.ip());
    if !ops.metrics_allowed(client) || !vouched {
        tracing::warn!(%client, "metrics refused: address not allowed");
        return StatusCode::NOT_FOUND.into_response();
    }
    let handle = handle();
    // One scrape at a time: the database gauges are set, then rendered.
    static SCRAPE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = SCRAPE.lock().await;
    if let Err(e) = database_gauges(&state).await {
        tracing::warn!(error = %e, "metrics: database gauges not read");
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

async fn database_gauges(state: &AppState) -> Result<(), sqlx::Error> {
    let counts: Vec<StatusCount> =
        sqlx::query("SELECT status, COUNT(*) AS n FROM withdrawals GROUP BY status")
            .rows()
            .fetch_all(&state.db.pool)
            .await?;
    for status in Status::ALL {
        let n = counts
            .iter()
            .find(|c| c.status == status.as_str())
            .map_or(0, |c| c.n);
        gauge!("kassa_withdrawals", "status" => status.as_str()).set(n as f64);
    }
    let balances: Vec<BalanceLine> = sqlx::query("SELECT currency, balance FROM trustly_balances")
        .rows()
        .fetch_all(&state.db.pool)
        .await?;
    for b in balances {
        let Ok(currency) = b.currency.parse::<Currency>() else {
            continue; // the "no currency listed" marker
        };
        let major = b.balance as f64 / 10f64.powi(currency.exponent() as i32);
        gauge!("kassa_trustly_balance", "currency" => b.currency).set(major);
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct StatusCount {
    status: String,
    n: i64,
}

/// One currency of Kassa's balance at Trustly, in minor units.
#[derive(sqlx::FromRow)]
struct BalanceLine {
    currency: String,
    balance: i64,
}

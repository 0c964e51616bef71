//! The web layer: the axum router that serves the Leptos pages, the JSON
//! API, Trustly's notification endpoint and (when on) the sandbox, with
//! sessions and security headers around them.

pub mod account;
pub mod admin;
pub mod api;
pub mod client_ip;
pub mod deposits;
pub mod events;
pub mod input;
pub mod language;
pub mod mailbox;
pub mod metrics;
pub mod notifications;
pub mod ops;
pub mod refunds;
pub mod security;
pub mod session;
pub mod withdrawals;

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{serve::ListenerExt, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;

pub use crate::state::AppState;

use crate::{
    app::{shell, App},
    config::Config,
    db::Db,
    traders::service::ensure_admin,
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("bootstrap admin: {0}")]
    Admin(#[from] crate::traders::service::AuthError),
    #[error("listening on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("Trustly set-up: {0}")]
    Merchant(#[from] crate::merchant::MerchantError),
    #[error("{0}")]
    AlreadyRunning(String),
    #[error("e-mail set-up: {0}")]
    Mail(String),
}

/// A started server: its address, and a handle that ends it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    stopping: tokio::sync::watch::Sender<bool>,
    closing: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    /// The payout worker and the session cleanup.
    background: Vec<tokio::task::JoinHandle<()>>,
    sessions: session::Sessions,
    /// SQLite's one-instance lock, held until the pools are closed.
    instance_lock: Option<crate::db::SingleInstance>,
}

impl Running {
    /// The graceful stop (SIGTERM, SIGINT, tests): `/readyz` turns 503;
    /// after `KASSA_SHUTDOWN_DRAIN_MS` the listener closes, live event
    /// streams end and the payout worker stops after its current step;
    /// requests in flight get up to `KASSA_SHUTDOWN_GRACE_MS` to finish
    /// (each commits and answers, or never started); then the pools close.
    pub async fn stop(mut self) {
        let ops = self.state.config.ops.clone();
        let _ = self.stopping.send(true);
        tracing::info!(
            grace_ms = ops.shutdown_grace_ms,
            drain_ms = ops.shutdown_drain_ms,
            "stopping: /readyz answers 503"
        );
        tokio::time::sleep(Duration::from_millis(ops.shutdown_drain_ms)).await;
        let deadline = Instant::now() + Duration::from_millis(ops.shutdown_grace_ms);
        self.state.payouts.halt();
        let _ = self.closing.send(true);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if !finish(&mut self.task, deadline).await {
            tracing::warn!("grace period over: connections still open are dropped");
        }
        for task in &mut self.background {
            if !finish(task, deadline).await {
                tracing::warn!("grace period over: a background task is cut short");
            }
        }
        // A connection still held by a request cut short must not hold the
        // stop up for ever.
        // This instance's payout attempts are no longer in flight.
        self.state.payouts.leave().await;
        let close = async {
            self.sessions.close().await;
            self.state.db.pool.close().await;
        };
        if tokio::time::timeout(Duration::from_secs(5), close)
            .await
            .is_err()
        {
            tracing::warn!("database pools did not close in time");
        }
        drop(self.instance_lock.take());
        tracing::info!("stopped");
    }

    /// Resolves if the server ends by itself (it should not).
    pub async fn serving(&mut self) {
        let _ = (&mut self.task).await;
    }

    /// Serves until the task ends.
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Waits for `task` until `deadline`, then aborts it; true if it ended.
async fn finish(task: &mut tokio::task::JoinHandle<()>, deadline: Instant) -> bool {
    let left = deadline.saturating_duration_since(Instant::now());
    if tokio::time::timeout(left, &mut *task).await.is_ok() {
        return true;
    }
    task.abort();
    let _ = task.await;
    false
}

/// Resolves on SIGTERM (systemd, Docker, Kubernetes) or SIGINT (Ctrl-C)
/// with the signal's name.
pub async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            },
            Err(e) => {
                tracing::error!(error = %e, "SIGTERM cannot be handled; only SIGINT stops gracefully");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// Connects the database, runs migrations, builds the app and starts
/// serving on `listener` (or `config.listen`). Tests call this with port 0.
/// Long because start-up is one ordered sequence (docs/architecture.md,
/// "Start-up"); each step is a call into its own module.
pub async fn start(config: Config, listener: Option<TcpListener>) -> Result<Running, StartError> {
    // Before any traffic: counters from the first request on, and page
    // tasks in the request's span.
    metrics::handle();
    ops::init_executor();
    let instance_lock = crate::db::SingleInstance::claim(&config.database_url)
        .map_err(StartError::AlreadyRunning)?;
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    db.check_durability().await;
    if let Some((email, password)) = &config.bootstrap_admin {
        ensure_admin(&db, email, password).await?;
    }
    let listener = match listener {
        Some(l) => l,
        None => TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartError::Bind(config.listen, e))?,
    };
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(config.listen, e))?;

    // Content-named bundle files when the build listed them (app::assets).
    let hashes = crate::app::assets::hash_file(&config.site_root);
    let leptos_options = LeptosOptions::builder()
        .output_name("kassa")
        .site_root(config.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(leptos::config::Env::PROD)
        .hash_files(hashes.is_some())
        .hash_file(
            hashes
                .map(|p| std::sync::Arc::from(p.to_string_lossy().as_ref()))
                .unwrap_or_else(|| "hash.txt".into()),
        )
        .build();
    let merchant = crate::merchant::start(&config)?;
    let (closing_tx, closing) = events::closing();
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    let events = events::channel();
    let payouts = crate::wallet::withdrawals::Payouts::new(
        db.clone(),
        merchant.client.clone(),
        format!("{}{}", config.public_url, notifications::PATH),
        config.withdrawals.clone(),
        events.clone(),
    );
    let refunds = crate::wallet::refunds::Refunds::new(
        db.clone(),
        merchant.client.clone(),
        config.refunds.clone(),
        config.withdrawals.resend_after_ms,
        events.clone(),
    );
    let state = AppState {
        db: db.clone(),
        merchant,
        config: Arc::new(config),
        leptos_options,
        events,
        closing: closing.clone(),
        stopping,
        payouts: payouts.clone(),
        refunds: refunds.clone(),
    };
    let mail = crate::mail::sender::Sender::new(
        db.clone(),
        state.config.mail.clone(),
        state.config.public_url.clone(),
    )
    .map_err(StartError::Mail)?;
    let (app, sessions) = router(state.clone()).await?;
    // Listening before the first page can subscribe (PostgreSQL), and live
    // for the others before the worker's first round.
    let listener_task = events::listen(&db, state.events.clone(), closing.clone()).await?;
    payouts.announce().await?;

    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    // Pages stream in pieces: without TCP_NODELAY each one waits ~40 ms on
    // Nagle's algorithm for the client's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    // After the server is up: the worker's first round re-sends payouts a
    // crash left queued, and the sandbox (same process) must be answering.
    let mut background = vec![
        payouts.spawn_worker(closing.clone()),
        mail.spawn(closing.clone()),
        refunds.spawn_recovery(
            Duration::from_millis(state.config.withdrawals.worker_interval_ms),
            closing.clone(),
        ),
        session::spawn_cleanup(
            sessions.clone(),
            db.clone(),
            state.config.login_lock_ms as i64,
            Duration::from_millis(state.config.ops.session_cleanup_interval_ms),
            closing,
        ),
    ];
    background.extend(listener_task);
    tracing::info!(%addr, public_url = %state.config.public_url, backend = ?state.db.backend, "Kassa is serving");
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        stopping: stopping_tx,
        closing: closing_tx,
        task,
        background,
        sessions,
        instance_lock,
    })
}

/// The sandbox plays Trustly, a different party: it keeps its own headers
/// (its pages are framed by Kassa) and none of Kassa's sessions. Its
/// mailbox shows the mail Kassa wrote when no SMTP server is set.
fn with_sandbox(kassa: Router, state: &AppState) -> Router {
    match &state.merchant.sandbox {
        Some(sandbox) => kassa.nest(
            "/sandbox",
            sandbox.router().merge(mailbox::routes(state.clone())),
        ),
        None => kassa,
    }
}

/// The Leptos pages and server functions, each told first who it is for
/// and in which language (`language::attach_viewer`). Unknown paths fall
/// through to the bundle's files, or a 404 page.
fn pages(state: &AppState) -> Router<AppState> {
    // Listed once per process: listing renders the app with every
    // resource's loading switched off by a process-wide flag, so a second
    // server starting in the same process (tests, the two-instance
    // benchmark) would empty the pages another one is rendering meanwhile.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    Router::new()
        .leptos_routes_with_context(
            state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            language::attach_viewer,
        ))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            shell,
        ))
}

async fn router(state: AppState) -> Result<(Router, session::Sessions), StartError> {
    let leptos_state = state.clone();
    let kassa: Router<AppState> = Router::new()
        .merge(api::routes())
        .merge(account::routes())
        .merge(admin::routes(state.clone()))
        .merge(refunds::routes(state.clone()))
        .merge(deposits::routes())
        .merge(withdrawals::routes())
        .merge(events::routes())
        .merge(language::routes())
        .merge(pages(&state));
    let (kassa, sessions) =
        session::with_sessions(kassa, &state.db, state.config.secure_cookies()).await?;
    let kassa = kassa
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf_origin_check,
        ))
        // Trustly's notifications: no session, no Origin check (server to
        // server, authenticated by signature). Probes and scrapes: no
        // session either.
        .merge(notifications::routes())
        .merge(ops::routes())
        .merge(metrics::routes())
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(leptos_state);
    let app = with_sandbox(kassa, &state);
    // Around everything: client address, request id and span (kept entered
    // while bodies stream, compression included), access log, HTTP metrics,
    // HSTS and no-store.
    let trace = tower_http::trace::TraceLayer::new_for_http()
        .make_span_with(ops::span_of)
        .on_request(())
        .on_response(())
        .on_body_chunk(())
        .on_eos(())
        .on_failure(());
    // Pages, JSON and CSV are gzipped when the client asks; small answers
    // and the event stream are not (tower-http's default predicate), and the
    // encoder flushes whenever the page's stream waits, so streamed pages
    // still arrive in pieces. Gzip only: brotli cost more per streamed page
    // here for a few hundred bytes less (README, "Page speed"). The bundle's
    // files are compressed once, gzip and brotli, by scripts/site.sh and sent
    // as they are (an answer that has a Content-Encoding is never compressed
    // again).
    let compression = tower_http::compression::CompressionLayer::new();
    Ok((
        app.layer(compression)
            .layer(trace)
            .layer(axum::middleware::from_fn_with_state(state, ops::prepare)),
        sessions,
    ))
}

//! The web layer: the axum router that serves the Leptos pages, the JSON
//! API, Trustly's notification endpoint and (when on) the sandbox, with
//! sessions and security headers around them.

pub mod admin;
pub mod api;
pub mod deposits;
pub mod error;
pub mod events;
pub mod input;
pub mod notifications;
pub mod security;
pub mod session;
pub mod withdrawals;

use std::{net::SocketAddr, sync::Arc};

use axum::{extract::FromRef, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;

use crate::{
    app::{shell, App},
    config::Config,
    db::Db,
    traders::service::{ensure_admin, AddressLimiter},
};

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub merchant: crate::merchant::Merchant,
    pub config: Arc<Config>,
    pub limiter: AddressLimiter,
    pub leptos_options: LeptosOptions,
    /// A trader's id, published after every committed change of their
    /// wallet or deposits (see `events`).
    pub events: tokio::sync::broadcast::Sender<String>,
    /// Turns true when the server stops (ends the live event streams).
    pub closing: tokio::sync::watch::Receiver<bool>,
    /// Sends payouts (and its worker re-sends, polls, refreshes Balance).
    pub payouts: crate::wallet::withdrawals::Payouts,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

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
}

/// A started server: its address, and a handle that ends it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    closing: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.closing.send(true);
        let _ = (&mut self.task).await;
    }

    /// Serves until the task ends (the binary's normal life).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Connects the database, runs migrations, builds the app and starts
/// serving on `listener` (or `config.listen`). Tests call this with port 0.
pub async fn start(config: Config, listener: Option<TcpListener>) -> Result<Running, StartError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
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

    let leptos_options = LeptosOptions::builder()
        .output_name("kassa")
        .site_root(config.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(leptos::config::Env::PROD)
        .build();
    let merchant = crate::merchant::start(&config)?;
    let (closing_tx, closing) = events::closing();
    let events = events::channel();
    let payouts = crate::wallet::withdrawals::Payouts::new(
        db.clone(),
        merchant.client.clone(),
        format!("{}{}", config.public_url, notifications::PATH),
        config.withdrawals.clone(),
        events.clone(),
    );
    let state = AppState {
        db: db.clone(),
        merchant,
        config: Arc::new(config),
        limiter: AddressLimiter::default(),
        leptos_options,
        events,
        closing: closing.clone(),
        payouts: payouts.clone(),
    };
    let app = router(state.clone()).await?;

    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
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
    payouts.spawn_worker(closing);
    tracing::info!(%addr, public_url = %state.config.public_url, backend = ?state.db.backend, "Kassa is serving");
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        closing: closing_tx,
        task,
    })
}

async fn router(state: AppState) -> Result<Router, StartError> {
    let routes = generate_route_list(App);
    let leptos_state = state.clone();
    let kassa: Router<AppState> = Router::new()
        .merge(api::routes())
        .merge(admin::routes(state.clone()))
        .merge(deposits::routes())
        .merge(withdrawals::routes())
        .merge(events::routes())
        .leptos_routes_with_context(
            &state,
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
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            shell,
        ));
    let kassa = session::with_sessions(kassa, &state.db, state.config.secure_cookies()).await?;
    let kassa = kassa
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf_origin_check,
        ))
        // Trustly's notifications: no session, no Origin check (server to
        // server, authenticated by signature).
        .merge(notifications::routes())
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(leptos_state);
    // The sandbox plays Trustly, a different party: it keeps its own headers
    // (its pages are framed by Kassa) and none of Kassa's sessions.
    Ok(match &state.merchant.sandbox {
        Some(sandbox) => kassa.nest("/sandbox", sandbox.router()),
        None => kassa,
    })
}

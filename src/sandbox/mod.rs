//! Kassa's Trustly sandbox: a local stand-in for Trustly that speaks the same
//! JSON-RPC API (`POST {mount}/api/1`), serves fake checkout pages for the
//! merchant's iframe, and sends signed notifications with retries.
//!
//! It exists so the whole deposit / payout flow can be developed, demoed and
//! tested end to end without Trustly's test environment. All signing, verifying
//! and envelope work goes through `crate::trustly`, the same code the merchant
//! side uses, so the sandbox cannot drift into a private dialect.
//!
//! Modules: `state` (the in-memory world), `api` (JSON-RPC methods),
//! `refunds` (Refund and its queue), `checkout` (trader-facing pages), `delivery` (notification queue and the
//! background sender), `orders_tool` (developer pages: notification log,
//! replay), `requests_log` (the API requests received, credentials masked),
//! `html` (escaping, page frame).

mod api;
mod checkout;
mod delivery;
mod faults;
pub(crate) mod html;
mod orders_tool;
mod refunds;
mod requests_log;
mod state;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

use crate::money::Money;
use crate::trustly::signature::{KeyError, Signer, Verifier};

pub use faults::Fault;
use state::State;

/// How the app configures the sandbox.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Absolute URL where the sandbox router is mounted, e.g.
    /// "http://127.0.0.1:3000/sandbox" (no trailing slash); checkout URLs are
    /// built from it.
    pub base_url: String,
    /// The sandbox's own RSA private key (PEM). Generated on first start if
    /// missing and kept there, so the merchant's configured "Trustly public
    /// key" stays valid across restarts.
    pub key_file: PathBuf,
    pub merchant_username: String,
    pub merchant_password: String,
    /// Verifies the merchant's request signatures and notification replies.
    pub merchant_key: Verifier,
    /// Delays between delivery attempts of one notification; the last one
    /// repeats.
    pub retry_intervals: Vec<Duration>,
    /// Time from AccountPayout acceptance to EXECUTED (and its notification).
    pub payout_delay: Duration,
    /// The merchant's Trustly balance at start.
    pub initial_balances: Vec<Money>,
}

impl SandboxConfig {
    /// A config with the default timings: retries after 1s, 2s, 5s, 15s, then
    /// every 60s; payouts execute after 2s; no starting balance.
    pub fn new(
        base_url: impl Into<String>,
        key_file: impl Into<PathBuf>,
        merchant_username: impl Into<String>,
        merchant_password: impl Into<String>,
        merchant_key: Verifier,
    ) -> Self {
        SandboxConfig {
            base_url: base_url.into(),
            key_file: key_file.into(),
            merchant_username: merchant_username.into(),
            merchant_password: merchant_password.into(),
            merchant_key,
            retry_intervals: [1, 2, 5, 15, 60]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            payout_delay: Duration::from_secs(2),
            initial_balances: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox key: {0}")]
    Key(#[from] KeyError),
    #[error("sandbox HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// The running sandbox. Create with [`Sandbox::start`], mount [`Sandbox::router`].
pub struct Sandbox {
    config: SandboxConfig,
    signer: Signer,
    state: Mutex<State>,
    /// Wakes the delivery task when something was queued or released.
    wake: Arc<tokio::sync::Notify>,
    /// Sends notifications (10 s time-out per attempt).
    http: reqwest::Client,
}

impl Sandbox {
    /// Load or generate the key, seed the balances and spawn the notification
    /// delivery task. Must run inside a tokio runtime.
    pub fn start(config: SandboxConfig) -> Result<Arc<Sandbox>, SandboxError> {
        let signer = load_or_generate_key(&config.key_file)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let mut st = State::default();
        for m in &config.initial_balances {
            st.add_balance(*m);
        }
        let sandbox = Arc::new(Sandbox {
            config: SandboxConfig {
                base_url: config.base_url.trim_end_matches('/').to_string(),
                ..config
            },
            signer,
            state: Mutex::new(st),
            wake: Arc::new(tokio::sync::Notify::new()),
            http,
        });
        delivery::spawn_delivery_task(&sandbox);
        tracing::info!(base_url = %sandbox.config.base_url, "Trustly sandbox started");
        Ok(sandbox)
    }

    /// The public key the merchant uses to verify "Trustly" (PEM).
    pub fn public_key_pem(&self) -> String {
        self.signer.public_key_pem()
    }

    /// All sandbox routes, relative to the mount point, state applied:
    /// - `POST /api/1`: the JSON-RPC API;
    /// - `GET /checkout/{orderid}`, `POST .../bank`, `GET|POST .../login`,
    ///   `GET|POST .../confirm`, `POST .../cancel`: the checkout pages;
    /// - `GET /orders`, `GET /orders/{orderid}.json`,
    ///   `POST /orders/{orderid}/notifications/{notificationid}/resend`,
    ///   `POST /orders/{orderid}/credit|cancel|debit`: the orders tool
    ///   (`cancel` also cancels a payout not executed yet);
    /// - `GET /requests.json`: the last API requests received, credentials
    ///   masked (see `requests_log`);
    /// - `GET /public-key`: the sandbox's public key (PEM, text/plain);
    /// - `POST /faults`: order a fault for the next call (see `faults`).
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/api/1", post(api::handle))
            .route("/checkout/{orderid}", get(checkout::bank_page))
            .route("/checkout/{orderid}/bank", post(checkout::bank_submit))
            .route(
                "/checkout/{orderid}/login",
                get(checkout::login_page).post(checkout::login_submit),
            )
            .route(
                "/checkout/{orderid}/confirm",
                get(checkout::confirm_page).post(checkout::confirm_submit),
            )
            .route("/checkout/{orderid}/cancel", post(checkout::cancel_submit))
            .route("/orders", get(orders_tool::list_page))
            // "{orderid}.json": matched as one segment and split in the handler.
            .route("/orders/{orderid}", get(orders_tool::order_json))
            .route("/orders/{orderid}/credit", post(orders_tool::send_credit))
            .route("/orders/{orderid}/cancel", post(orders_tool::send_cancel))
            .route("/orders/{orderid}/debit", post(orders_tool::send_debit))
            .route(
                "/orders/{orderid}/notifications/{notificationid}/resend",
                post(orders_tool::resend),
            )
            .route("/requests.json", get(requests_log::requests_json))
            .route("/public-key", get(public_key))
            .route("/faults", post(faults::order_fault))
            .with_state(self.clone())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind, still
        // usable for a test tool; do not take the whole sandbox down.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn checkout_url(&self, orderid: &str) -> String {
        format!("{}/checkout/{}", self.config.base_url, orderid)
    }
}

async fn public_key(
    axum::extract::State(sb): axum::extract::State<Arc<Sandbox>>,
) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        sb.public_key_pem(),
    )
}

fn load_or_generate_key(path: &Path) -> Result<Signer, SandboxError> {
    let existed = path.exists();
    let signer = Signer::load_or_generate(path)?;
    if !existed {
        tracing::info!(path = %path.display(), "generated a new Trustly sandbox key");
    }
    Ok(signer)
}

//! Kassa: a Trustly wallet for a trading platform.
//!
//! Where things live:
//! - `trustly`: the Trustly JSON-RPC protocol (no web, no database)
//! - `sandbox`: a simulator of Trustly built on `trustly` only
//! - `money`: integer minor units with a currency
//! - `api`: the shapes server and browser share (JSON, server function results)
//! - `traders`, `wallet`: the domain (accounts, ledger, balances)
//! - `mail`: e-mail to traders, queued with the change it reports and sent
//!   after commit
//! - `backoffice`: what admins read and do (queries, audit log, CSV)
//! - `state`: `AppState`, what handlers and server functions share
//! - `errors`: every layer's error sorted into the one `api::error::AppError`
//! - `web`: the axum server, JSON API, sessions and security headers
//! - `app`: the Leptos pages (rendered on the server, hydrated in the browser)
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod money;
pub mod traders;

#[cfg(feature = "ssr")]
pub mod backoffice;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod errors;
#[cfg(feature = "ssr")]
pub mod logging;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod merchant;
#[cfg(feature = "ssr")]
pub mod sandbox;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod trustly;
#[cfg(feature = "ssr")]
pub mod wallet;
#[cfg(feature = "ssr")]
pub mod web;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker that the page is interactive (the browser tests wait for it).
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

//! Kassa's integration tests in one binary, so the test command links the
//! server once: one module per area, each test against the real server over
//! HTTP (on SQLite and on PostgreSQL via `on_both_backends!`) and the real
//! sandbox.

#[macro_use]
mod common;

mod account;
mod admin;
mod api;
mod bundles;
mod compression;
mod deposits;
mod error_codes;
mod history;
mod languages;
mod mail;
mod operations;
mod order_live;
mod recorded_columns;
mod refunds;
mod sandbox_evidence;
mod sandbox_fidelity;
mod scale_out;
mod statements;
mod trustly_sandbox;
mod withdrawals;

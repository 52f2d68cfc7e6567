//! zuofeng — 作风建设管理平台: the work-style campaign portal.
//!
//! Layers, top to bottom: `routes` (thin HTTP handlers, one module per area) → `forms`
//! (input as typed, parsed into domain types) and `services` (one transaction each) →
//! `auth` (who asks, may they: `auth::policy`) and `views` (page context, the error page)
//! → `db::models` (queries per area) → `db` (one connection type over PostgreSQL and
//! SQLite). `domain` holds rules with no I/O (roles, unit scopes, review states). `db` and
//! `error` know nothing of HTTP: the status codes and error page of `AppError` live in
//! `views::error`. Handlers share `state::AppState`; `startup` only assembles the
//! application. `tests/it/layering.rs` checks these rules; see ARCHITECTURE.md.

pub mod auth;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod forms;
pub mod input;
pub mod memory;
pub mod notify;
pub mod ops;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod synth;
pub mod telemetry;
pub mod views;
pub mod xlsx;

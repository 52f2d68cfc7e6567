//! zuofeng — 作风建设管理平台: the work-style campaign portal.
//!
//! Layers, top to bottom: `routes` (thin HTTP handlers, one module per area) → `auth`
//! (who asks, may they), `forms` (what pages post, parsed and checked) and `views` (page
//! context, shared list lines) → `db::models` (queries per area) →
//! `db` (one connection type over PostgreSQL and SQLite). `domain` holds rules with no I/O.
//! Handlers share `state::AppState`; `startup` only assembles the application.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod forms;
pub mod input;
pub mod notify;
pub mod routes;
pub mod startup;
pub mod state;
pub mod synth;
pub mod telemetry;
pub mod views;
pub mod xlsx;

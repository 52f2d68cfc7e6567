//! Integration tests: every test drives the real app over HTTP, once on a fresh SQLite file
//! and once on a fresh PostgreSQL database (created and dropped by the test).

#[macro_use]
mod helpers;

mod account;
mod cli;
mod measures;
mod misc;
mod roles;
mod units;
mod users;

//! Forms as typed: the raw strings a page posts, kept for re-display, and how they parse into
//! the field types of `db::models` (checks that need no database) and check against the
//! database (inside the write transaction). Depends on `domain` and `db`, never on `routes`:
//! route handlers and the Excel imports only call these. No route module parses forms of
//! another area itself.

pub mod activities;
pub mod assessment;
pub mod assessment_scores;
pub mod brands;
pub mod campaigns;
pub mod feedback;
pub mod incentives;
pub mod library;
pub mod measures;
pub mod rect;
pub mod reports;
pub mod roster;
pub mod surveys;
pub mod topics;
pub mod units;
pub mod users;

use chrono::NaiveDate;

/// The choices of an enumeration, for messages: "未启动、推进中、已完成".
pub fn choices<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    all.iter().map(|v| label(*v)).collect::<Vec<_>>().join("、")
}

/// A date as the forms and lists show it: 2026-12-31.
pub fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

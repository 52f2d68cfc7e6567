//! Supervision channels 信、网、电、微 (issue 12): the public form (no sign-in, no session row,
//! CSRF by the signed anonymous cookie, a small body, a per-address limit, a tracking code),
//! the tracking page (state and reply, nothing without the code), the office's entry, the
//! steps assign → reply → close / return with their guards and scope, counts, overdue, the
//! export (formula text stays text). On SQLite and PostgreSQL.

use crate::helpers::{Browser, Page, TestApp};

mod office;
mod public;

pub(super) const TABLES: [&str; 4] = [
    "feedback_items",
    "sessions",
    "audit_log WHERE entity = 'feedback_item'",
    "field_changes WHERE entity = 'feedback_item'",
];

/// Row counts of every table a feedback request could write.
pub(super) fn snapshot(app: &TestApp) -> Vec<i64> {
    TABLES.iter().map(|t| app.count(t)).collect()
}

/// The tracking code on a "sent" page.
pub(super) fn code_of(page: &Page) -> String {
    let marker = "/public/feedback/track?code=";
    let at = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no tracking link: {}", page.body))
        + marker.len();
    page.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Send `content` through the public form as a fresh visitor `b`; the page.
pub(super) async fn send(b: &Browser, content: &str) -> Page {
    let form = b.get("/public/feedback").await;
    assert_eq!(form.status, 200, "{}", form.body);
    b.post(
        "/public/feedback",
        &[
            ("category", "work_style"),
            ("content", content),
            ("name", "王五"),
            ("phone", "138-0000-1234"),
            ("unit_id", ""),
        ],
    )
    .await
}

/// The id of the item with this code.
pub(super) fn id_of_code(app: &TestApp, code: &str) -> i32 {
    let mut c = app.db.conn().expect("connection");
    zuofeng::db::models::feedback::by_code(&mut c, code)
        .expect("query")
        .expect("item")
        .id
}

/// Post a step of item `id` with its current version.
pub(super) async fn step(
    app: &TestApp,
    b: &Browser,
    id: i32,
    what: &str,
    fields: &[(&str, &str)],
) -> Page {
    let v = app.version("feedback_items", id);
    let mut all: Vec<(&str, &str)> = vec![("version", v.as_str())];
    all.extend_from_slice(fields);
    b.post(&format!("/feedback/{id}/{what}"), &all).await
}

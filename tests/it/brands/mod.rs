//! 党建品牌 (issue 11): the main brand and one sub-brand per unit, created, edited and moved
//! stage by stage (培育中 → 已创建 → 已发布 → 已获评, the last the office's), events and
//! promotion records, the logo served inline only when it is an image, the list with its
//! counts, export and print view, and the brand wall (filters, A4 print). Every POST route:
//! success, bad input, CSRF, another unit's user; on SQLite and PostgreSQL.
//! The shared helpers are here; the stories are in the files below, by theme.

use diesel::connection::SimpleConnection;

use crate::helpers::{Browser, Page, TestApp};

mod demo;
mod forms;
mod logo;
mod pages;
mod records;
mod steps;

/// Run SQL on the app's database (setting up a case the pages cannot reach).
pub(super) fn exec(app: &TestApp, sql: &str) {
    let mut c = app.db.conn().expect("connection");
    c.batch_execute(sql).expect("sql");
}

/// The id of the brand of unit `code` (the demo gives every branch and the committee one).
pub(super) fn brand_of(app: &TestApp, code: &str) -> i32 {
    let mut c = app.db.conn().expect("connection");
    let unit = app.unit_id(code);
    zuofeng::db::models::brands::by_unit(&mut c, unit)
        .expect("query")
        .unwrap_or_else(|| panic!("no brand for {code}"))
        .id
}

pub(super) fn brand(app: &TestApp, id: i32) -> zuofeng::db::models::brands::Brand {
    let mut c = app.db.conn().expect("connection");
    zuofeng::db::models::brands::get(&mut c, id).expect("brand")
}

/// Remove the demo brand of unit `code` (with its events and promotions), so a brand can be
/// created for it.
pub(super) fn without_brand(app: &TestApp, code: &str) {
    let unit = app.unit_id(code);
    exec(app, &format!("DELETE FROM brands WHERE unit_id = {unit}"));
}

pub(super) fn good(unit: &str) -> Vec<(&str, &str)> {
    vec![
        ("unit_id", unit),
        ("name", "红色枢纽"),
        ("theme", "服务中枢，高效运转"),
        ("feature", "办文办会办事零差错"),
        ("slogan", "枢纽畅通 服务先行"),
        ("method", "“三办”闭环工作法"),
        ("cultivating_on", "2026-03-01"),
    ]
}

pub(super) fn id_of(res: &Page) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/brands/"))
        .and_then(|s| s.split('#').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no brand id in {:?}: {}", res.location, res.body))
}

/// Create a brand for `unit` as `b` (must succeed); its id.
pub(super) async fn create(b: &Browser, unit: i32) -> i32 {
    let u = unit.to_string();
    let res = b.post("/brands", &good(&u)).await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_of(&res)
}

/// Post a step of brand `id` to `status` on `on` with the brand's current version.
pub(super) async fn advance(
    app: &TestApp,
    b: &Browser,
    id: i32,
    status: &str,
    on: &str,
    award: &str,
) -> Page {
    let v = app.version("brands", id);
    b.post(
        &format!("/brands/{id}/advance"),
        &[
            ("status", status),
            ("on", on),
            ("award", award),
            ("version", &v),
        ],
    )
    .await
}

/// The rows of every table a brand write touches, to show that a refused request wrote
/// nothing.
pub(super) fn snapshot(app: &TestApp) -> Vec<i64> {
    [
        "brands",
        "brand_events",
        "brand_promotions",
        "field_changes WHERE entity = 'brand'",
        "audit_log WHERE entity LIKE 'brand%'",
        "brands WHERE version > 1",
    ]
    .iter()
    .map(|t| app.count(t))
    .collect()
}

//! 人员名册: each unit keeps its people (categories, post, when on the roster); a secretary
//! sees and writes only her branch, a general branch reads its subtree and writes its own
//! unit, the viewer reads all; people who leave are ended, never deleted; Excel both ways
//! with an import that names every bad row and never doubles the roster.
//! The shared helpers are here; the stories are in the files below, by theme.

use crate::helpers::*;

mod access;
mod editing;
mod excel;
mod people;
mod print;
mod races;

/// A complete person form for `unit` (an id), named `name`.
pub(super) fn good<'a>(unit: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("unit_id", unit),
        ("name", name),
        ("categories", "party_member"),
        ("categories", "org_cadre"),
        ("post", "组织委员"),
        ("active_from", "2022-01-01"),
        ("active_to", ""),
        ("notes", "负责支部组织工作"),
    ]
}

pub(super) fn id_of(res: &Page) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/roster/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no person id in {:?}: {}", res.location, res.body))
}

/// Add `name` to `unit`'s roster as `b`; the new person's id.
pub(super) async fn create(b: &Browser, unit: i32, name: &str) -> i32 {
    let u = unit.to_string();
    let res = b.post("/roster", &good(&u, name)).await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_of(&res)
}

/// People of this name on the roster.
pub(super) fn people(app: &TestApp, name: &str) -> i64 {
    app.count(&format!("roster_people WHERE name = '{name}'"))
}

/// The person's current version, as their pages carry it.
pub(super) fn ver(app: &TestApp, id: i32) -> String {
    app.version("roster_people", id)
}

/// The person's leaving date as stored (empty when none).
pub(super) fn left_on(app: &TestApp, id: i32) -> String {
    let mut c = app.db.conn().expect("conn");
    zuofeng::db::models::roster::get(&mut c, id)
        .expect("person")
        .active_to
        .map(|d| d.to_string())
        .unwrap_or_default()
}

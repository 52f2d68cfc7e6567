//! 第一议题 records: create, edit, submit, 总支复查, 党委复核, returns with comments, the
//! general-branch step skipped for branches under the committee, nobody reviews their own,
//! edit conflicts, bad input, CSRF and unit scope on every route.
//! The shared helpers are here; the stories are in the files below, by theme.

use crate::helpers::{Browser, Page, TestApp, DEMO_PASSWORD};

mod access;
mod editing;
mod flow;
mod races;

const TOPIC: &str = "学习习近平总书记关于加强作风建设的重要论述";

pub(super) fn good(unit: &str) -> Vec<(&str, &str)> {
    vec![
        ("unit_id", unit),
        ("meeting_date", "2026-11-20"),
        ("meeting_kind", "committee"),
        ("topic", TOPIC),
        ("materials", "《习近平关于加强党的作风建设论述摘编》第三章"),
        ("attendance", "9"),
        ("absent", "1"),
        (
            "notes",
            "监理一部张工发言：把“严真细实快”落到旁站记录的每一项。",
        ),
    ]
}

pub(super) fn id_of(res: &Page) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/topics/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no record id in {:?}: {}", res.location, res.body))
}

pub(super) async fn create(b: &Browser, unit: i32) -> i32 {
    let u = unit.to_string();
    let res = b.post("/topics", &good(&u)).await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_of(&res)
}

/// The record's current version, as its page would carry it.
pub(super) fn ver(app: &TestApp, id: i32) -> String {
    let mut c = app.db.conn().expect("conn");
    zuofeng::db::models::topics::get(&mut c, id)
        .expect("topic")
        .version
        .to_string()
}

pub(super) fn state(app: &TestApp, id: i32, code: &str) -> i64 {
    app.count(&format!(
        "first_topics WHERE id = {id} AND state = '{code}'"
    ))
}

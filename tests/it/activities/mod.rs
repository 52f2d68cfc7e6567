//! /activities: the register of trainings, exams and other activities; attendance ticked from
//! the roster or imported from a sign-in sheet, or a typed count; 参训人次 and exam figures;
//! the list's filters, totals, export and print view; unit scope, CSRF and conflicts on every
//! POST. Roster people are put in by SQL (the roster pages are their own change).

use diesel::RunQueryDsl;

use crate::helpers::{Browser, Page, TestApp};

mod attendance;
mod list;
mod races;
mod records;
mod signin;

pub(super) const TITLE: &str = "党务工作能力提升专项培训";

/// A good activity form for `unit` (an exam when `kind` is "exam").
pub(super) fn good<'a>(unit: &'a str, kind: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("unit_id", unit),
        ("kind", kind),
        ("title", TITLE),
        ("start_date", "2026-03-05"),
        ("end_date", "2026-03-06"),
        ("target_groups", "org_cadre"),
        ("target_groups", "party_worker"),
        ("hours", "1.5"),
        ("lead_tags", "members"),
        ("place", "公司三楼会议室"),
        ("summary", "围绕党务工作规范开展专题培训。"),
        ("pass_mark", "60"),
    ]
}

pub(super) fn id_of(res: &Page) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/activities/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no activity id in {:?}: {}", res.location, res.body))
}

/// Create an activity through the form; its id.
pub(super) async fn create(b: &Browser, unit: i32, kind: &str) -> i32 {
    let u = unit.to_string();
    let res = b.post("/activities", &good(&u, kind)).await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_of(&res)
}

/// Start from an empty register (the demo may hold activities).
pub(super) fn clear(app: &TestApp) {
    app.exec("DELETE FROM activity_attendance; DELETE FROM activities;");
}

/// Put a person on the roster of the unit with `code`; the person's id.
pub(super) fn person(
    app: &TestApp,
    code: &str,
    name: &str,
    categories: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> i32 {
    use diesel::prelude::*;
    use zuofeng::db::schema::roster_people as r;
    let unit = app.unit_id(code);
    let date = |s: Option<&str>| {
        s.map(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date"))
    };
    let mut c = app.db.conn().expect("conn");
    diesel::insert_into(r::table)
        .values((
            r::unit_id.eq(unit),
            r::name.eq(name),
            r::categories.eq(categories),
            r::post.eq("干事"),
            r::active_from.eq(date(from)),
            r::active_to.eq(date(to)),
            r::notes.eq(""),
            r::version.eq(1),
            r::created_at.eq(crate::helpers::start_time()),
            r::updated_at.eq(crate::helpers::start_time()),
        ))
        .returning(r::id)
        .get_result(&mut *c)
        .expect("insert person")
}

/// Attendance rows of an activity.
pub(super) fn attended(app: &TestApp, id: i32) -> i64 {
    app.count(&format!("activity_attendance WHERE activity_id = {id}"))
}

/// The activity's current version, as its forms carry it.
pub(super) fn ver(app: &TestApp, id: i32) -> String {
    app.version("activities", id)
}

/// A value of an attribute of the element with `id` on a page.
pub(super) fn data(page: &Page, id: &str, attr: &str) -> String {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse(&format!("#{id}")).expect("selector");
    doc.select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no #{id} in {}", page.body))
        .value()
        .attr(attr)
        .unwrap_or_else(|| panic!("no {attr} on #{id}"))
        .to_string()
}

/// A raw SQL scalar (for checks on stored values).
pub(super) fn scalar_f64(app: &TestApp, sql: &str) -> Option<f64> {
    use diesel::sql_types::{Double, Nullable};
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = Nullable<Double>)]
        v: Option<f64>,
    }
    let mut c = app.db.conn().expect("conn");
    let row: V = diesel::sql_query(sql).get_result(&mut *c).expect("query");
    row.v
}

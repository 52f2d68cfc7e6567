//! Monthly reports (月度调度): open, save, submit, three-level review, returns, conflicts,
//! late and missing around the due day, queues and batch approval, concurrency.
//! The shared helpers are here; the stories are in the files below, by theme.

use crate::helpers::{random_suffix, Browser, Kind, Page, TestApp, DEMO_PASSWORD};
use zuofeng::db::models::reports::{self, Line};
use zuofeng::db::models::units::{self, UnitFields};
use zuofeng::db::models::users::{self, UserFields};
use zuofeng::domain::{Role, UnitCategory, UnitKind};

mod compliance;
mod flow;
mod form;
mod groups;
mod races;
mod reminders;
mod review;
mod story;

pub(crate) fn report_id(p: &Page) -> i32 {
    assert_eq!(p.status, 303, "expected redirect: {}", p.body);
    p.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/reports/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no report id in {:?}", p.location))
}

pub(crate) async fn open(b: &Browser, month: &str) -> i32 {
    report_id(
        &b.post("/reports", &[("year", "2026"), ("month", month)])
            .await,
    )
}

pub(crate) fn lines(app: &TestApp, id: i32) -> Vec<Line> {
    let mut c = app.db.conn().expect("conn");
    reports::lines(&mut c, id).expect("lines")
}

pub(crate) fn report(app: &TestApp, id: i32) -> reports::Report {
    let mut c = app.db.conn().expect("conn");
    reports::find(&mut c, id).expect("q").expect("report")
}

/// Form fields for every line: progress, work and status; `work` empty leaves it unfilled.
pub(crate) fn fields(ls: &[Line], work: &str, version: i32, texts: bool) -> Vec<(String, String)> {
    let mut f = vec![("version".to_string(), version.to_string())];
    for l in ls {
        f.push((format!("progress_{}", l.id), "60".into()));
        f.push((format!("work_{}", l.id), work.to_string()));
        let status = if l.kind == "measure" {
            "in_progress"
        } else {
            "partial"
        };
        f.push((format!("status_{}", l.id), status.into()));
    }
    if texts {
        f.push((
            "highlights".into(),
            "党员先锋岗在监理项目一线发挥作用".into(),
        ));
        f.push(("problems".into(), "个别项目整改进度偏慢".into()));
        f.push(("next_plan".into(), "开展质量月专项检查".into()));
    }
    f
}

pub(crate) async fn post(b: &Browser, path: &str, f: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &refs).await
}

/// Fill and submit a report completely.
pub(crate) async fn fill_and_submit(app: &TestApp, b: &Browser, id: i32) -> Page {
    let ls = lines(app, id);
    let v = report(app, id).version;
    post(
        b,
        &format!("/reports/{id}/submit"),
        &fields(&ls, "完成本月工作", v, true),
    )
    .await
}

/// A secretary for a new or demo branch, signed in.
pub(crate) async fn secretary_for(app: &TestApp, username: &str, unit_code: &str) -> Browser {
    let hash = zuofeng::auth::password::hash_blocking(DEMO_PASSWORD).expect("hash");
    let unit = app.unit_id(unit_code);
    let mut c = app.db.conn().expect("conn");
    users::insert(
        &mut c,
        &UserFields {
            username: username.into(),
            display_name: format!("书记{username}"),
            role: Role::Secretary,
            unit_id: unit,
        },
        &hash,
        false,
        crate::helpers::start_time(),
    )
    .expect("insert user");
    drop(c);
    app.signed_in(username).await
}

/// Run a statement on the app's database (test setup only), as a write through the app
/// would count (`TestApp::exec`: what the app keeps is read again).
pub(crate) fn exec(app: &TestApp, sql: &str) {
    app.exec(sql);
}

/// The `class` of the compliance row of the branch with this code.
pub(crate) fn row_class(p: &Page, code: &str) -> String {
    let doc = scraper::Html::parse_document(&p.body);
    let sel = scraper::Selector::parse(&format!("tr[data-unit=\"{code}\"]")).expect("selector");
    doc.select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no compliance row for {code}:\n{}", p.body))
        .value()
        .attr("class")
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn campaign_2026(app: &TestApp) -> i32 {
    use diesel::prelude::*;
    use zuofeng::db::schema::campaigns;
    let mut c = app.db.conn().expect("conn");
    campaigns::table
        .filter(campaigns::year.eq(2026))
        .select(campaigns::id)
        .first(&mut *c)
        .expect("campaign")
}

/// An open measure of a unit in the 2026 campaign, made directly in the register (as a
/// write through the app would: what the app keeps is read again).
pub(crate) fn add_measure(app: &TestApp, unit: i32, title: &str, progress: i32) -> i32 {
    use diesel::prelude::*;
    use zuofeng::db::schema::measures;
    let campaign = campaign_2026(app);
    let now = crate::helpers::start_time();
    let mut c = app.db.conn().expect("conn");
    diesel::insert_into(measures::table)
        .values((
            measures::campaign_id.eq(campaign),
            measures::unit_id.eq(unit),
            measures::title.eq(title),
            measures::category.eq("other"),
            measures::carrier.eq("none"),
            measures::lead_tag.eq("none"),
            measures::owner.eq("测试"),
            measures::deadline.eq(chrono::NaiveDate::from_ymd_opt(2026, 12, 20).expect("date")),
            measures::status.eq("in_progress"),
            measures::progress.eq(progress),
            measures::created_at.eq(now),
            measures::updated_at.eq(now),
        ))
        .returning(measures::id)
        .get_result(&mut *c)
        .inspect(|_| app.db.changed())
        .expect("measure")
}

/// An open rectification item of a unit, copied from any item of the 2026 campaign.
pub(crate) fn add_item(app: &TestApp, unit: i32, problem: &str, status: &str, seq: i32) -> i32 {
    let campaign = campaign_2026(app);
    exec(
        app,
        &format!(
            "INSERT INTO rect_items (table_id, campaign_id, unit_id, seq, area, source, problem, cause, measure, requirement, responsible, deadline, original_deadline, status, version, created_at, updated_at) \
             SELECT table_id, campaign_id, {unit}, {seq}, area, source, '{problem}', cause, measure, requirement, responsible, deadline, original_deadline, '{status}', 1, created_at, updated_at \
             FROM rect_items WHERE id = (SELECT MIN(id) FROM rect_items WHERE campaign_id = {campaign})"
        ),
    );
    use diesel::prelude::*;
    use zuofeng::db::schema::rect_items;
    let mut c = app.db.conn().expect("conn");
    rect_items::table
        .filter(rect_items::problem.eq(problem))
        .select(rect_items::id)
        .first(&mut *c)
        .expect("item")
}

//! /surveys (员工思想状况调查): create, edit with conflicts, delete, bad input, CSRF and unit
//! scope on every POST route; the list's scope, filters, totals, print view and export.

use std::io::Cursor;

use calamine::{Data, Reader};

use crate::helpers::{Browser, Page, TestApp};

const TITLE: &str = "2026年综合办公室员工思想状况调查";

fn good(unit: &str) -> Vec<(&str, &str)> {
    vec![
        ("unit_id", unit),
        ("title", TITLE),
        ("period_start", "2026-10-08"),
        ("period_end", "2026-10-30"),
        ("method", "paper"),
        ("participants", "23"),
        ("findings", "员工关注绩效考核与一线业绩挂钩。"),
        ("measures_taken", "修订部门考核细则。"),
    ]
}

fn id_of(res: &Page) -> i32 {
    res.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/surveys/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no survey id in {:?}: {}", res.location, res.body))
}

async fn create(b: &Browser, unit: i32) -> i32 {
    let u = unit.to_string();
    let res = b.post("/surveys", &good(&u)).await;
    assert_eq!(res.status, 303, "{}", res.body);
    id_of(&res)
}

fn mine(app: &TestApp) -> i64 {
    app.count(&format!("surveys WHERE title = '{TITLE}'"))
}

async fn a_secretary_records_edits_and_deletes_her_survey(app: TestApp) {
    app.without_demo_records();
    let zb01 = app.unit_id("ZB01");
    let s = app.signed_in("zhibu01").await;
    s.get("/surveys/new")
        .await
        .assert_contains("name=\"target_units\"");
    let id = create(&s, zb01).await;
    assert_eq!(app.count("surveys"), 1);
    let page = s.get(&format!("/surveys/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(TITLE);
    page.assert_contains("纸质");
    page.assert_contains("本单位及下属单位");
    page.assert_contains("2026-10-08 至 2026-10-30");
    page.assert_contains("name=\"owner\" value=\"survey\"");
    page.assert_contains("data-confirm=");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'survey' AND action = 'create' AND entity_id = {id}"
        )),
        1
    );
    // The list counts it.
    let list = s.get("/surveys?year=2026").await;
    list.assert_contains(&format!("/surveys/{id}"));
    list.assert_contains(r#"data-surveys="1" data-participants="23""#);

    // Edit: the form carries the version; the change is in the history and the audit log.
    let edit = s.get(&format!("/surveys/{id}/edit")).await;
    assert_eq!(edit.input_value("version").as_deref(), Some("1"));
    let u = zb01.to_string();
    let mut f = good(&u);
    f.retain(|(k, _)| *k != "participants");
    f.push(("participants", "25"));
    f.push(("target_units", &u));
    f.push(("version", "1"));
    s.post(&format!("/surveys/{id}"), &f)
        .await
        .assert_redirect(&format!("/surveys/{id}"));
    let page = s.get(&format!("/surveys/{id}")).await;
    page.assert_contains("综合办公室党支部</dd>");
    page.assert_contains("<td>参与人次</td><td>23</td><td>25</td>");
    page.assert_contains("<td>调查对象单位</td><td>本单位及下属单位</td><td>综合办公室党支部</td>");
    assert_eq!(
        app.count(&format!(
            "surveys WHERE id = {id} AND participants = 25 AND target_units = ',{zb01},' AND version = 2"
        )),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE entity = 'survey' AND action = 'update'"),
        1
    );
    // Delete: a stale version is refused, the current one deletes.
    let res = s
        .post(&format!("/surveys/{id}/delete"), &[("version", "1")])
        .await;
    assert_eq!(res.status, 409);
    assert_eq!(mine(&app), 1);
    s.post(&format!("/surveys/{id}/delete"), &[("version", "2")])
        .await
        .assert_redirect("/surveys");
    assert_eq!(app.count("surveys"), 0);
    assert_eq!(
        app.count("audit_log WHERE entity = 'survey' AND action = 'delete'"),
        1
    );
    assert_eq!(s.get(&format!("/surveys/{id}")).await.status, 404);
}

async fn bad_input_is_named_and_kept_and_writes_nothing(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let zb02 = app.unit_id("ZB02");
    let s = app.signed_in("zhibu01").await;
    let before = app.count("surveys");
    let u = zb01.to_string();
    let mut f = good(&u);
    f.retain(|(k, _)| !matches!(*k, "participants" | "period_end"));
    f.push(("participants", "-3"));
    f.push(("period_end", "2026-10-01"));
    let res = s.post("/surveys", &f).await;
    assert_eq!(res.status, 422);
    res.assert_contains("参与人次须为 0 到 1000000 之间的整数");
    res.assert_contains("结束日期不能早于开始日期");
    assert_eq!(res.input_value("title").as_deref(), Some(TITLE));
    assert_eq!(res.input_value("participants").as_deref(), Some("-3"));
    res.assert_contains("员工关注绩效考核与一线业绩挂钩。");
    // A target unit outside the organising unit.
    let z2 = zb02.to_string();
    let mut f = good(&u);
    f.push(("target_units", &z2));
    let res = s.post("/surveys", &f).await;
    assert_eq!(res.status, 422);
    res.assert_contains("调查对象单位须为“综合办公室党支部”或其下属单位");
    assert_eq!(app.count("surveys"), before);

    // The same on an edit.
    let id = create(&s, zb01).await;
    let mut f = good(&u);
    f.retain(|(k, _)| *k != "title");
    f.push(("title", " "));
    f.push(("version", "1"));
    let res = s.post(&format!("/surveys/{id}"), &f).await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写调查名称");
    assert_eq!(res.input_value("participants").as_deref(), Some("23"));
    // An edit without its version is refused.
    let res = s.post(&format!("/surveys/{id}"), &good(&u)).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        app.count(&format!("surveys WHERE id = {id} AND version = 1")),
        1
    );
    assert_eq!(
        app.count("audit_log WHERE entity = 'survey' AND action = 'update'"),
        0
    );
}

async fn an_edit_conflict_keeps_the_input(app: TestApp) {
    let zb05 = app.unit_id("ZB05");
    let s = app.signed_in("zhibu03").await;
    let id = create(&s, zb05).await;
    let admin = app.signed_in("admin").await;
    let u = zb05.to_string();
    let mut first = good(&u);
    first.retain(|(k, _)| *k != "findings");
    first.push(("findings", "党委复核后补充的发现"));
    first.push(("version", "1"));
    admin
        .post(&format!("/surveys/{id}"), &first)
        .await
        .assert_redirect(&format!("/surveys/{id}"));
    let mut second = good(&u);
    second.retain(|(k, _)| *k != "findings");
    second.push(("findings", "书记自己写的发现"));
    second.push(("version", "1"));
    let res = s.post(&format!("/surveys/{id}"), &second).await;
    assert_eq!(res.status, 409);
    res.assert_contains("该记录在您编辑期间已被他人修改");
    res.assert_contains("书记自己写的发现");
    assert_eq!(res.input_value("version").as_deref(), Some("2"));
    assert_eq!(
        app.count(&format!(
            "surveys WHERE id = {id} AND findings = '党委复核后补充的发现'"
        )),
        1
    );
    // Saving again is a deliberate overwrite.
    let mut again = second.clone();
    again.retain(|(k, _)| *k != "version");
    again.push(("version", "2"));
    s.post(&format!("/surveys/{id}"), &again)
        .await
        .assert_redirect(&format!("/surveys/{id}"));
    assert_eq!(
        app.count(&format!(
            "surveys WHERE id = {id} AND findings = '书记自己写的发现'"
        )),
        1
    );
}

async fn csrf_is_checked_on_every_post(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let s = app.signed_in("zhibu01").await;
    let id = create(&s, zb01).await;
    let u = zb01.to_string();
    for p in [
        "/surveys".to_string(),
        format!("/surveys/{id}"),
        format!("/surveys/{id}/delete"),
    ] {
        let mut f = good(&u);
        f.push(("version", "1"));
        f.retain(|(k, _)| *k != "title");
        f.push(("title", "伪造的调查"));
        assert_eq!(s.post_raw(&p, &f).await.status, 403, "{p} without token");
        let mut forged = f.clone();
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(s.post_raw(&p, &forged).await.status, 403, "{p} forged");
    }
    assert_eq!(mine(&app), 1);
    assert_eq!(app.count("surveys WHERE title = '伪造的调查'"), 0);
    assert_eq!(
        app.count(&format!("surveys WHERE id = {id} AND version = 1")),
        1
    );
}

async fn other_units_are_refused_everywhere(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let zb05 = app.unit_id("ZB05");
    let s = app.signed_in("zhibu01").await;
    let id = create(&s, zb01).await;
    let other = app.signed_in("zhibu03").await; // ZB05
    let u = zb01.to_string();
    let mut f = good(&u);
    f.push(("version", "1"));
    assert_eq!(other.get(&format!("/surveys/{id}")).await.status, 403);
    assert_eq!(other.get(&format!("/surveys/{id}/edit")).await.status, 403);
    assert_eq!(other.post(&format!("/surveys/{id}"), &f).await.status, 403);
    assert_eq!(
        other
            .post(&format!("/surveys/{id}/delete"), &[("version", "1")])
            .await
            .status,
        403
    );
    assert_eq!(other.post("/surveys", &f).await.status, 403);
    // Moving one's own survey to another unit is refused too.
    let z5 = zb05.to_string();
    let mut moved = good(&z5);
    moved.push(("version", "1"));
    assert_eq!(s.post(&format!("/surveys/{id}"), &moved).await.status, 403);
    other.get("/surveys?year=2026").await.assert_lacks(TITLE);
    assert_eq!(
        other.get(&format!("/surveys?unit={zb01}")).await.status,
        403
    );
    // The general branch above reads it but does not write it.
    let zz = app.signed_in("zongzhi01").await;
    zz.get(&format!("/surveys/{id}"))
        .await
        .assert_contains(TITLE);
    assert_eq!(zz.post(&format!("/surveys/{id}"), &f).await.status, 403);
    // The viewer reads everything and changes nothing.
    let viewer = app.signed_in("viewer").await;
    viewer
        .get(&format!("/surveys/{id}"))
        .await
        .assert_contains(TITLE);
    assert_eq!(viewer.get("/surveys/new").await.status, 403);
    assert_eq!(viewer.post("/surveys", &good(&u)).await.status, 403);
    assert_eq!(
        viewer
            .post(&format!("/surveys/{id}/delete"), &[("version", "1")])
            .await
            .status,
        403
    );
    assert_eq!(mine(&app), 1);
    assert_eq!(
        app.count(&format!(
            "surveys WHERE id = {id} AND version = 1 AND unit_id = {zb01}"
        )),
        1
    );
    assert_eq!(s.get("/surveys/999999").await.status, 404);
}

async fn the_list_is_scoped_filtered_printed_and_exported(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let zb05 = app.unit_id("ZB05");
    let zz01 = app.unit_id("ZZ01");
    create(&app.signed_in("zhibu01").await, zb01).await;
    let s3 = app.signed_in("zhibu03").await;
    let u5 = zb05.to_string();
    let mut online = good(&u5);
    online.retain(|(k, _)| !matches!(*k, "method" | "participants" | "title"));
    online.push(("method", "online"));
    online.push(("participants", "40"));
    online.push(("title", "监理一分公司线上问卷"));
    assert_eq!(s3.post("/surveys", &online).await.status, 303);

    // A secretary sees her own only.
    let mine = app
        .signed_in("zhibu01")
        .await
        .get("/surveys?year=2026")
        .await;
    mine.assert_contains(TITLE);
    mine.assert_lacks("监理一分公司线上问卷");
    mine.assert_contains(r#"data-surveys="1" data-participants="23""#);
    // The office sees both and the demo's survey of the year (608 participant-times).
    let admin = app.signed_in("admin").await;
    let all = admin.get("/surveys?year=2026").await;
    all.assert_contains(TITLE);
    all.assert_contains("监理一分公司线上问卷");
    all.assert_contains(r#"data-surveys="3" data-participants="671""#);
    // Filters: method, unit subtree, year.
    let online_only = admin.get("/surveys?year=2026&method=online").await;
    online_only.assert_lacks(TITLE);
    online_only.assert_contains(r#"data-surveys="2" data-participants="648""#);
    let zz = admin.get(&format!("/surveys?year=2026&unit={zz01}")).await;
    zz.assert_contains(TITLE);
    zz.assert_lacks("监理一分公司线上问卷");
    let y2025 = admin.get("/surveys?year=2025").await;
    y2025.assert_contains(r#"data-surveys="0" data-participants="0""#);
    y2025.assert_contains("本年度还没有思想状况调查记录");
    admin
        .get("/surveys?year=2026&method=symposium")
        .await
        .assert_contains("没有符合条件的思想状况调查");
    // The print view: every row, the filters in words.
    let print = admin.get("/surveys?year=2026&method=online&print=1").await;
    assert_eq!(print.status, 200);
    print.assert_contains("data-print");
    print.assert_contains("调查方式：线上");
    print.assert_contains("共 2 条");

    // The export holds the list's rows under the same filters, with the filters in words.
    let (status, _, bytes) = admin
        .download("/surveys/export?year=2026&method=online")
        .await;
    assert_eq!(status, 200);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx opens");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let cell = |r: u32, c: u32| match range.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => format!("{i}"),
        _ => String::new(),
    };
    assert!(
        cell(1, 0).starts_with("筛选条件：年度 2026年；单位 全部（含下级）；调查方式 线上"),
        "{}",
        cell(1, 0)
    );
    assert_eq!(cell(2, 0), "组织单位");
    assert_eq!(cell(2, 4), "参与人次");
    let (h, _) = range.get_size();
    assert_eq!(h, 5, "title, filters, header and 2 rows");
    let titles: Vec<String> = (3..5).map(|r| cell(r, 1)).collect();
    assert!(
        titles.contains(&"监理一分公司线上问卷".to_string()),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"2026年员工思想状况调查".to_string()),
        "{titles:?}"
    );
    let people: Vec<String> = (3..5).map(|r| cell(r, 4)).collect();
    assert!(people.contains(&"40".to_string()), "{people:?}");
    // A secretary's export is her scope only; another unit's filter is refused.
    let s1 = app.signed_in("zhibu01").await;
    let (status, _, _) = s1
        .download(&format!("/surveys/export?year=2026&unit={zb05}"))
        .await;
    assert_eq!(status, 403);
}

both!(
    a_secretary_records_edits_and_deletes_her_survey,
    bad_input_is_named_and_kept_and_writes_nothing,
    an_edit_conflict_keeps_the_input,
    csrf_is_checked_on_every_post,
    other_units_are_refused_everywhere,
    the_list_is_scoped_filtered_printed_and_exported,
);

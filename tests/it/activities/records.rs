//! Create, edit and delete activities: success with audit and history, bad input named with
//! nothing written, edit conflicts with the input kept, CSRF and unit scope on every POST.

use super::*;
use crate::helpers::multipart;

async fn create_edit_delete(app: TestApp) {
    clear(&app);
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    // A secretary records for her own unit (the unit is fixed on her form).
    let form = sec.get("/activities/new").await;
    assert_eq!(form.status, 200);
    form.assert_contains("参训人次（仅无人员名册时填写）");
    let id = create(&sec, zb01, "training").await;
    let page = sec.get(&format!("/activities/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(TITLE);
    page.assert_contains("2026-03-05 至 2026-03-06");
    page.assert_contains("组工干部、党务工作者");
    page.assert_contains("党员干部带头作榜样");
    page.assert_contains("<dd>1.5</dd>");
    page.assert_contains("data-print");
    assert_eq!(
        app.count(&format!(
            "activities WHERE id = {id} AND unit_id = {zb01} AND kind = 'training' \
             AND target_groups = ',org_cadre,party_worker,' AND lead_tags = ',members,' \
             AND hours = 1.5 AND pass_mark IS NULL AND participant_count IS NULL"
        )),
        1,
        "a training keeps no pass mark"
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'activity' AND entity_id = {id} AND action = 'create'"
        )),
        1
    );
    // Edit: a one-day activity, another title.
    let edit = sec.get(&format!("/activities/{id}/edit")).await;
    assert_eq!(edit.input_value("version").as_deref(), Some("1"));
    let u = zb01.to_string();
    let mut f = good(&u, "training");
    f.retain(|(k, _)| *k != "title" && *k != "end_date");
    f.push(("title", "党务干部业务培训"));
    f.push(("version", "1"));
    sec.post(&format!("/activities/{id}"), &f)
        .await
        .assert_redirect(&format!("/activities/{id}"));
    let page = sec.get(&format!("/activities/{id}")).await;
    page.assert_contains("党务干部业务培训");
    page.assert_contains("修改记录");
    page.assert_contains("活动名称");
    page.assert_contains("2026-03-05 至 2026-03-06"); // the old dates, in the history
    assert_eq!(
        app.count(&format!(
            "activities WHERE id = {id} AND end_date = start_date AND version = 2"
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'activity' AND entity_id = {id}"
        )),
        2,
        "title and dates"
    );
    // The office records for any unit.
    let admin = app.signed_in("admin").await;
    let other = create(&admin, app.unit_id("ZB05"), "exam").await;
    assert_eq!(
        app.count(&format!("activities WHERE id = {other} AND pass_mark = 60")),
        1
    );
    // Delete (no attendance): gone, audited.
    let res = sec
        .post(&format!("/activities/{id}/delete"), &[("version", "2")])
        .await;
    res.assert_redirect("/activities");
    assert_eq!(app.count(&format!("activities WHERE id = {id}")), 0);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'activity' AND entity_id = {id} AND action = 'delete'"
        )),
        1
    );
    assert_eq!(sec.get(&format!("/activities/{id}")).await.status, 404);
}

async fn bad_input_is_named_and_nothing_is_written(app: TestApp) {
    clear(&app);
    let zb01 = app.unit_id("ZB01");
    let u = zb01.to_string();
    let sec = app.signed_in("zhibu01").await;
    let mut f = good(&u, "exam");
    f.retain(|(k, _)| !matches!(*k, "end_date" | "hours" | "pass_mark"));
    f.push(("end_date", "2026-03-01"));
    f.push(("hours", "1.2"));
    f.push(("pass_mark", ""));
    let res = sec.post("/activities", &f).await;
    assert_eq!(res.status, 422);
    res.assert_contains("结束日期不能早于开始日期");
    res.assert_contains("可含半学时");
    res.assert_contains("考试须填写及格线");
    assert_eq!(
        res.input_value("title").as_deref(),
        Some(TITLE),
        "input kept"
    );
    assert_eq!(app.count("activities"), 0);
    let res = sec
        .post(
            "/activities",
            &[
                ("unit_id", &u),
                ("kind", "party"),
                ("title", " "),
                ("start_date", ""),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请选择活动类型");
    res.assert_contains("请填写活动名称");
    res.assert_contains("请填写活动日期");
    assert_eq!(app.count("activities"), 0);
    // An edit with bad input changes nothing.
    let id = create(&sec, zb01, "training").await;
    let mut f = good(&u, "training");
    f.retain(|(k, _)| *k != "hours");
    f.push(("hours", "-1"));
    f.push(("version", "1"));
    let res = sec.post(&format!("/activities/{id}"), &f).await;
    assert_eq!(res.status, 422);
    assert_eq!(ver(&app, id), "1");
    assert_eq!(app.count("audit_log WHERE entity = 'activity'"), 1);
    // An edit without its version is refused.
    let mut f = good(&u, "training");
    f.push(("version", "x"));
    assert_eq!(sec.post(&format!("/activities/{id}"), &f).await.status, 400);
    assert_eq!(ver(&app, id), "1");
}

async fn an_edit_conflict_keeps_the_input(app: TestApp) {
    clear(&app);
    let zb01 = app.unit_id("ZB01");
    let u = zb01.to_string();
    let sec = app.signed_in("zhibu01").await;
    let admin = app.signed_in("admin").await;
    let id = create(&sec, zb01, "training").await;
    let mut first = good(&u, "training");
    first.retain(|(k, _)| *k != "title");
    first.push(("title", "管理员改的名称"));
    first.push(("version", "1"));
    admin
        .post(&format!("/activities/{id}"), &first)
        .await
        .assert_redirect(&format!("/activities/{id}"));
    let mut mine = good(&u, "training");
    mine.retain(|(k, _)| *k != "title");
    mine.push(("title", "书记改的名称"));
    mine.push(("version", "1"));
    let res = sec.post(&format!("/activities/{id}"), &mine).await;
    assert_eq!(res.status, 409);
    res.assert_contains("已被他人修改");
    assert_eq!(res.input_value("title").as_deref(), Some("书记改的名称"));
    assert_eq!(res.input_value("version").as_deref(), Some("2"));
    assert_eq!(
        app.count(&format!(
            "activities WHERE id = {id} AND title = '管理员改的名称'"
        )),
        1
    );
    // A stale delete is refused too.
    let res = sec
        .post(&format!("/activities/{id}/delete"), &[("version", "1")])
        .await;
    assert_eq!(res.status, 409);
    assert_eq!(app.count(&format!("activities WHERE id = {id}")), 1);
}

async fn csrf_is_checked_on_every_post(app: TestApp) {
    clear(&app);
    let zb01 = app.unit_id("ZB01");
    let p = person(&app, "ZB01", "测试甲一", ",party_member,", None, None);
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "training").await;
    let u = zb01.to_string();
    let ps = p.to_string();
    let paths = [
        "/activities".to_string(),
        format!("/activities/{id}"),
        format!("/activities/{id}/delete"),
        format!("/activities/{id}/attendance"),
    ];
    for path in &paths {
        let mut f = good(&u, "training");
        f.push(("version", "1"));
        f.push(("person", &ps));
        assert_eq!(
            sec.post_raw(path, &f).await.status,
            403,
            "{path} without token"
        );
        let mut forged = f.clone();
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(
            sec.post_raw(path, &forged).await.status,
            403,
            "{path} forged"
        );
    }
    let sheet = crate::helpers::template_sheet(
        &[zuofeng::xlsx::col("姓名", 10.0)],
        &[vec![zuofeng::xlsx::Value::from("测试甲一")]],
    );
    for token in ["", "forged-token"] {
        let (ct, body) = multipart(token, &[("version", "1")], Some(("签到表.xlsx", &sheet)));
        let res = sec
            .post_body(&format!("/activities/{id}/attendance/import"), &ct, body)
            .await;
        assert_eq!(res.status, 403, "import with token {token:?}");
    }
    assert_eq!(app.count("activities"), 1);
    assert_eq!(ver(&app, id), "1");
    assert_eq!(attended(&app, id), 0);
    assert_eq!(
        app.count("audit_log WHERE entity IN ('activity', 'attendance')"),
        1
    );
}

async fn other_units_are_refused_everywhere(app: TestApp) {
    clear(&app);
    let zb01 = app.unit_id("ZB01");
    let p = person(&app, "ZB01", "测试甲一", ",party_member,", None, None);
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "training").await;
    let u = zb01.to_string();
    let ps = p.to_string();
    let mut f = good(&u, "training");
    f.push(("version", "1"));
    f.push(("person", &ps));
    let sheet = crate::helpers::template_sheet(
        &[zuofeng::xlsx::col("姓名", 10.0)],
        &[vec![zuofeng::xlsx::Value::from("测试甲一")]],
    );
    // Another branch (ZB05), the sibling branch (ZB02), and the reviewer above (reads only).
    for who in ["zhibu03", "zhibu02", "zongzhi01", "viewer"] {
        let b = app.signed_in(who).await;
        let reads = matches!(who, "zongzhi01" | "viewer");
        let show = b.get(&format!("/activities/{id}")).await;
        assert_eq!(show.status, if reads { 200 } else { 403 }, "{who} show");
        if reads {
            show.assert_lacks(&format!("/activities/{id}/edit"));
        } else {
            b.get("/activities?year=2026").await.assert_lacks(TITLE);
            assert_eq!(
                b.get(&format!("/activities?year=2026&unit={zb01}"))
                    .await
                    .status,
                403
            );
            assert_eq!(
                b.download(&format!("/activities/export?year=2026&unit={zb01}"))
                    .await
                    .0,
                403
            );
        }
        for path in [
            format!("/activities/{id}/edit"),
            format!("/activities/{id}/attendance"),
        ] {
            assert_eq!(b.get(&path).await.status, 403, "{who} GET {path}");
        }
        for path in [
            "/activities".to_string(),
            format!("/activities/{id}"),
            format!("/activities/{id}/delete"),
            format!("/activities/{id}/attendance"),
        ] {
            assert_eq!(b.post(&path, &f).await.status, 403, "{who} POST {path}");
        }
        let (ct, body) = multipart(
            &b.csrf(),
            &[("version", "1")],
            Some(("签到表.xlsx", &sheet)),
        );
        let res = b
            .post_body(&format!("/activities/{id}/attendance/import"), &ct, body)
            .await;
        assert_eq!(res.status, 403, "{who} import");
    }
    let viewer = app.signed_in("viewer").await;
    assert_eq!(viewer.get("/activities/new").await.status, 403);
    assert_eq!(app.count("activities"), 1);
    assert_eq!(ver(&app, id), "1");
    assert_eq!(attended(&app, id), 0);
    // A secretary cannot move her activity to another unit either.
    let z5 = app.unit_id("ZB05").to_string();
    let mut moved = good(&z5, "training");
    moved.push(("version", "1"));
    assert_eq!(
        sec.post(&format!("/activities/{id}"), &moved).await.status,
        403
    );
    assert_eq!(
        app.count(&format!("activities WHERE id = {id} AND unit_id = {zb01}")),
        1
    );
    assert_eq!(sec.get("/activities/999999").await.status, 404);
}

both!(
    create_edit_delete,
    bad_input_is_named_and_nothing_is_written,
    an_edit_conflict_keeps_the_input,
    csrf_is_checked_on_every_post,
    other_units_are_refused_everywhere,
);

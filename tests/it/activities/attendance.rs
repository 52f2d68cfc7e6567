//! Attendance ticked from the roster: the people of the units in scope active on the
//! activity's dates, filtered by unit and group without losing hidden ticks; exam scores,
//! pass rate and average; a concurrent save is a conflict; a typed count and attendance rows
//! exclude each other, each refusal saying why.

use super::*;

fn checkbox(id: i32) -> String {
    format!("name=\"person\" value=\"{id}\"")
}

async fn people_in_scope_are_ticked_and_saved(app: TestApp) {
    clear(&app);
    let a1 = person(
        &app,
        "ZB01",
        "测试甲一",
        ",org_cadre,party_member,",
        None,
        None,
    );
    let a2 = person(
        &app,
        "ZB01",
        "测试甲二",
        ",party_member,",
        Some("2026-03-06"),
        None,
    );
    let gone = person(
        &app,
        "ZB01",
        "测试已调离",
        ",party_member,",
        None,
        Some("2026-03-04"),
    );
    let b1 = person(&app, "ZB02", "测试乙一", ",party_member,", None, None);
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "training").await;
    let page = sec.get(&format!("/activities/{id}/attendance")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(&checkbox(a1));
    page.assert_contains(&checkbox(a2)); // joined on the activity's second day
    page.assert_lacks(&checkbox(gone)); // left before it
    page.assert_lacks(&checkbox(b1)); // another branch
    let (s1, s2) = (a1.to_string(), a2.to_string());
    let v = ver(&app, id);
    sec.post(
        &format!("/activities/{id}/attendance"),
        &[("version", &v), ("person", &s1), ("person", &s2)],
    )
    .await
    .assert_redirect(&format!("/activities/{id}"));
    assert_eq!(attended(&app, id), 2);
    let show = sec.get(&format!("/activities/{id}")).await;
    show.assert_contains("测试甲一");
    show.assert_contains("测试甲二");
    assert_eq!(data(&show, "participant-times", "data-value"), "2");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'attendance' AND entity_id = {id} AND action = 'update'"
        )),
        1
    );
    show.assert_contains("登记参加人员：「");
    // Filtered by group: 甲二 is not 组工干部, but stays ticked as a hidden field.
    let page = sec
        .get(&format!("/activities/{id}/attendance?group=org_cadre"))
        .await;
    page.assert_contains(&format!("id=\"person-{a1}\" {} checked", checkbox(a1)));
    page.assert_contains(&format!("<input type=\"hidden\" {}>", checkbox(a2)));
    page.assert_contains("其中 1 人不在当前筛选中");
    // Untick 甲一 on the filtered page: the hidden 甲二 is kept.
    let v = ver(&app, id);
    sec.post(
        &format!("/activities/{id}/attendance"),
        &[("version", &v), ("group", "org_cadre"), ("person", &s2)],
    )
    .await
    .assert_redirect(&format!("/activities/{id}"));
    assert_eq!(attended(&app, id), 1);
    assert_eq!(
        app.count(&format!(
            "activity_attendance WHERE activity_id = {id} AND person_id = {a2}"
        )),
        1
    );
    // A person outside the scope (a forged form) is refused; nothing written.
    let v = ver(&app, id);
    let sb = b1.to_string();
    let res = sec
        .post(
            &format!("/activities/{id}/attendance"),
            &[("version", &v), ("person", &s2), ("person", &sb)],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("不属于本活动范围");
    assert_eq!(attended(&app, id), 1);
    assert_eq!(ver(&app, id), v);
    let res = sec
        .post(
            &format!("/activities/{id}/attendance"),
            &[("version", &v), ("person", "abc")],
        )
        .await;
    assert_eq!(res.status, 400);
    // The committee's activity covers everyone.
    let admin = app.signed_in("admin").await;
    let dw = create(&admin, app.unit_id("DW"), "training").await;
    let page = admin.get(&format!("/activities/{dw}/attendance")).await;
    page.assert_contains(&checkbox(a1));
    page.assert_contains(&checkbox(b1));
    // By unit: only ZB02's people.
    let zb02 = app.unit_id("ZB02");
    let page = admin
        .get(&format!("/activities/{dw}/attendance?unit={zb02}"))
        .await;
    page.assert_contains(&checkbox(b1));
    page.assert_lacks(&checkbox(a1));
    // Delete is refused while attendance is recorded.
    let res = sec
        .post(
            &format!("/activities/{id}/delete"),
            &[("version", &ver(&app, id))],
        )
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("不能删除");
    assert_eq!(app.count(&format!("activities WHERE id = {id}")), 1);
}

async fn exam_scores_give_pass_rate_and_average(app: TestApp) {
    clear(&app);
    let ids: Vec<i32> = ["测试考一", "测试考二", "测试考三", "测试考四"]
        .iter()
        .map(|n| person(&app, "ZB01", n, ",candidate,", None, None))
        .collect();
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "exam").await;
    let s: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let k: Vec<String> = ids.iter().map(|i| format!("score_{i}")).collect();
    let v = ver(&app, id);
    // A ticked person without a score: named, nothing written.
    let res = sec
        .post(
            &format!("/activities/{id}/attendance"),
            &[
                ("version", &v),
                ("person", &s[0]),
                (&k[0], "90"),
                ("person", &s[1]),
                (&k[1], ""),
                ("person", &s[2]),
                (&k[2], "abc"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写成绩");
    res.assert_contains("成绩须为 0 到 1000 之间的数");
    res.assert_contains(&format!("name=\"score_{}\" value=\"90\"", ids[0]));
    assert_eq!(attended(&app, id), 0);
    assert_eq!(ver(&app, id), v);
    // 90, 75, 59.5, 60 with a pass mark of 60: 3 of 4 pass, average 71.125.
    sec.post(
        &format!("/activities/{id}/attendance"),
        &[
            ("version", &v),
            ("person", &s[0]),
            (&k[0], "90"),
            ("person", &s[1]),
            (&k[1], "75"),
            ("person", &s[2]),
            (&k[2], "59.5"),
            ("person", &s[3]),
            (&k[3], "60"),
        ],
    )
    .await
    .assert_redirect(&format!("/activities/{id}"));
    let show = sec.get(&format!("/activities/{id}")).await;
    assert_eq!(data(&show, "exam-figures", "data-scored"), "4");
    assert_eq!(data(&show, "exam-figures", "data-passed"), "3");
    assert_eq!(data(&show, "exam-figures", "data-pass-rate"), "75.0%");
    assert_eq!(data(&show, "exam-figures", "data-average"), "71.1");
    show.assert_contains("不合格");
    let list = sec.get("/activities?year=2026").await;
    list.assert_contains("75.0%");
    list.assert_contains("71.1");
    assert_eq!(
        scalar_f64(
            &app,
            &format!(
                "SELECT score AS v FROM activity_attendance WHERE activity_id = {id} AND person_id = {}",
                ids[2]
            )
        ),
        Some(59.5)
    );
}

async fn a_concurrent_save_is_a_conflict(app: TestApp) {
    clear(&app);
    let a1 = person(&app, "ZB01", "测试甲一", ",party_member,", None, None);
    let a2 = person(&app, "ZB01", "测试甲二", ",party_member,", None, None);
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let admin = app.signed_in("admin").await;
    let id = create(&sec, zb01, "training").await;
    // Both open the page at version 1.
    let v = ver(&app, id);
    let (s1, s2) = (a1.to_string(), a2.to_string());
    admin
        .post(
            &format!("/activities/{id}/attendance"),
            &[("version", &v), ("person", &s1)],
        )
        .await
        .assert_redirect(&format!("/activities/{id}"));
    let res = sec
        .post(
            &format!("/activities/{id}/attendance"),
            &[("version", &v), ("person", &s2)],
        )
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("已被他人修改");
    // Her ticks are kept on the page, with the current version for a deliberate re-save.
    res.assert_contains(&format!("{} checked", checkbox(a2)));
    res.assert_lacks(&format!("{} checked", checkbox(a1)));
    assert_eq!(res.input_value("version"), Some(ver(&app, id)));
    assert_eq!(attended(&app, id), 1);
    assert_eq!(
        app.count(&format!(
            "activity_attendance WHERE activity_id = {id} AND person_id = {a1}"
        )),
        1
    );
    // An edit of the activity made before the save is stale too.
    let u = zb01.to_string();
    let mut f = good(&u, "training");
    f.push(("version", &v));
    assert_eq!(sec.post(&format!("/activities/{id}"), &f).await.status, 409);
}

async fn a_typed_count_and_attendance_exclude_each_other(app: TestApp) {
    clear(&app);
    let a1 = person(&app, "ZB01", "测试甲一", ",party_member,", None, None);
    let zb01 = app.unit_id("ZB01");
    let u = zb01.to_string();
    let sec = app.signed_in("zhibu01").await;
    let mut f = good(&u, "training");
    f.push(("participant_count", "30"));
    let res = sec.post("/activities", &f).await;
    let id = id_of(&res);
    let show = sec.get(&format!("/activities/{id}")).await;
    assert_eq!(data(&show, "participant-times", "data-value"), "30");
    show.assert_contains("填报人数");
    // Attendance is refused while the typed count is kept, and the page says why.
    let page = sec.get(&format!("/activities/{id}/attendance")).await;
    page.assert_contains("已填写参训人次 30");
    let s1 = a1.to_string();
    let res = sec
        .post(
            &format!("/activities/{id}/attendance"),
            &[("version", &ver(&app, id)), ("person", &s1)],
        )
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("请先编辑活动、清空“参训人次”");
    assert_eq!(attended(&app, id), 0);
    // Clear the count, record attendance; then a typed count is refused.
    let mut f = good(&u, "training");
    let v = ver(&app, id);
    f.push(("version", &v));
    sec.post(&format!("/activities/{id}"), &f)
        .await
        .assert_redirect(&format!("/activities/{id}"));
    sec.post(
        &format!("/activities/{id}/attendance"),
        &[("version", &ver(&app, id)), ("person", &s1)],
    )
    .await
    .assert_redirect(&format!("/activities/{id}"));
    let v = ver(&app, id);
    let mut f = good(&u, "training");
    f.push(("version", &v));
    f.push(("participant_count", "30"));
    let res = sec.post(&format!("/activities/{id}"), &f).await;
    assert_eq!(res.status, 422);
    res.assert_contains("已登记 1 名参加人员");
    assert_eq!(res.input_value("participant_count").as_deref(), Some("30"));
    assert_eq!(
        app.count(&format!(
            "activities WHERE id = {id} AND participant_count IS NULL"
        )),
        1
    );
    assert_eq!(ver(&app, id), v);
    let show = sec.get(&format!("/activities/{id}")).await;
    assert_eq!(data(&show, "participant-times", "data-value"), "1");
}

both!(
    people_in_scope_are_ticked_and_saved,
    exam_scores_give_pass_rate_and_average,
    a_concurrent_save_is_a_conflict,
    a_typed_count_and_attendance_exclude_each_other,
);

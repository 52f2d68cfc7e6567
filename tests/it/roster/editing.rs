//! Adding, editing and ending people: bad input is named under its field and keeps what was
//! typed; edits and leavings are guarded by the version the page showed; a person who left
//! stays on the roster (已离开) and can still be corrected; history and audit read in Chinese.

use super::*;

async fn a_secretary_adds_and_edits_with_history_and_audit(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    // Her form offers her branch only; the unit is filled in when left out.
    let form = sec.get("/roster/new").await;
    assert_eq!(form.status, 200);
    form.assert_contains("综合办公室党支部");
    form.assert_lacks("党群工作部党支部");
    let mut f = good("", "王芳");
    f.retain(|(k, _)| *k != "unit_id");
    let res = sec.post("/roster", &f).await;
    let id = id_of(&res);
    assert_eq!(
        app.count(&format!(
            "roster_people WHERE id = {id} AND unit_id = {zb01} \
             AND categories = ',party_member,org_cadre,' AND post = '组织委员'"
        )),
        1
    );
    let page = sec.get(&format!("/roster/{id}")).await;
    page.assert_contains("已将 王芳 加入人员名册");
    page.assert_contains("党员、组工干部");
    page.assert_contains("在册</span>");
    page.assert_contains("新增人员 王芳（综合办公室党支部）");
    // Edit: post and categories change, with history.
    let v = ver(&app, id);
    let u = zb01.to_string();
    let res = sec
        .post(
            &format!("/roster/{id}"),
            &[
                ("unit_id", u.as_str()),
                ("name", "王芳"),
                ("categories", "party_member"),
                ("categories", "party_worker"),
                ("post", "纪检委员"),
                ("active_from", "2022-01-01"),
                ("notes", "负责支部组织工作"),
                ("version", &v),
            ],
        )
        .await;
    res.assert_redirect(&format!("/roster/{id}"));
    let page = sec.get(&format!("/roster/{id}")).await;
    page.assert_contains("已保存人员信息");
    page.assert_contains("修改记录");
    page.assert_contains("<td>岗位</td><td>组织委员</td><td>纪检委员</td>");
    page.assert_contains("<td>人员类别</td><td>党员、组工干部</td><td>党员、党务工作者</td>");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'roster_person' AND entity_id = {id}"
        )),
        2
    );
    // The operation log reads in Chinese, categories by their names.
    let audit = app
        .signed_in("admin")
        .await
        .get("/audit?entity=roster_person")
        .await;
    audit.assert_contains("人员名册");
    audit.assert_contains("岗位</span>：<span class=\"before\">组织委员</span> → <span class=\"after\">纪检委员</span>");
    audit.assert_contains("人员类别</span>：<span class=\"before\">党员、组工干部</span>");
    audit.assert_lacks("org_cadre");
}

async fn bad_input_is_named_kept_and_writes_nothing(app: TestApp) {
    let zb01 = app.unit_id("ZB01").to_string();
    let sec = app.signed_in("zhibu01").await;
    let before = app.count("roster_people");
    let res = sec
        .post(
            "/roster",
            &[
                ("unit_id", zb01.as_str()),
                ("name", "  "),
                ("post", "宣传委员（保留）"),
                ("active_from", "2022-02-30"),
                ("active_to", "2021-12-31"),
                ("notes", "这段备注要保留"),
            ],
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("请填写姓名");
    res.assert_contains("请选择人员类别");
    res.assert_contains("在册起始日期“2022-02-30”不是有效日期");
    assert_eq!(res.input_value("post").as_deref(), Some("宣传委员（保留）"));
    res.assert_contains("这段备注要保留");
    // The leaving date may not lie before the start; the ticked categories stay ticked.
    let res = sec
        .post(
            "/roster",
            &[
                ("unit_id", zb01.as_str()),
                ("name", "李四"),
                ("categories", "activist"),
                ("active_from", "2022-03-01"),
                ("active_to", "2022-02-01"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("离开日期（2022-02-01）不能早于在册起始日期（2022-03-01）");
    res.assert_contains("value=\"activist\" checked");
    assert_eq!(res.input_value("name").as_deref(), Some("李四"));
    // An unknown category code is named, not dropped.
    let res = sec
        .post(
            "/roster",
            &[
                ("unit_id", zb01.as_str()),
                ("name", "李四"),
                ("categories", "masses"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("人员类别“masses”无效");
    assert_eq!(app.count("roster_people"), before);
    assert_eq!(app.count("audit_log WHERE entity = 'roster_person'"), 0);
}

async fn an_edit_conflict_keeps_the_input(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let office = app.signed_in("admin").await;
    let sec = app.signed_in("zhibu01").await;
    let id = create(&office, zb01, "王芳").await;
    let v = ver(&app, id);
    let u = zb01.to_string();
    let edit = |post: &'static str| {
        let mut f = good(&u, "王芳");
        f.retain(|(k, _)| *k != "post");
        f.push(("post", post));
        f
    };
    // Both opened the page at version v; the office saves first.
    let mut first = edit("组织委员（党委改）");
    first.push(("version", &v));
    office
        .post(&format!("/roster/{id}"), &first)
        .await
        .assert_redirect(&format!("/roster/{id}"));
    let mut second = edit("组织委员（支部改）");
    second.push(("version", &v));
    let res = sec.post(&format!("/roster/{id}"), &second).await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("该记录在您编辑期间已被他人修改");
    assert_eq!(
        res.input_value("post").as_deref(),
        Some("组织委员（支部改）")
    );
    let newer = ver(&app, id);
    assert_ne!(newer, v);
    assert_eq!(res.input_value("version").as_deref(), Some(newer.as_str()));
    assert_eq!(
        app.count(&format!(
            "roster_people WHERE id = {id} AND post = '组织委员（党委改）'"
        )),
        1
    );
    // Saving again is a deliberate overwrite and lands.
    let mut again = edit("组织委员（支部改）");
    again.push(("version", &newer));
    sec.post(&format!("/roster/{id}"), &again)
        .await
        .assert_redirect(&format!("/roster/{id}"));
    // A form without a version is refused, nothing written.
    let res = sec.post(&format!("/roster/{id}"), &edit("无版本")).await;
    assert_eq!(res.status, 409);
    res.assert_contains("表单缺少版本信息");
    assert_eq!(
        app.count(&format!(
            "roster_people WHERE id = {id} AND post = '无版本'"
        )),
        0
    );
}

async fn ending_is_guarded_and_keeps_the_person(app: TestApp) {
    let zb01 = app.unit_id("ZB01");
    let sec = app.signed_in("zhibu01").await;
    let id = create(&sec, zb01, "王芳").await;
    let page = sec.get(&format!("/roster/{id}")).await;
    page.assert_contains(&format!(
        "action=\"/roster/{id}/end\" data-confirm=\"确定登记 王芳"
    ));
    let v = ver(&app, id);
    // A date before the start: named on the page, nothing written.
    let res = sec
        .post(
            &format!("/roster/{id}/end"),
            &[("active_to", "2021-06-30"), ("version", &v)],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("离开日期（2021-06-30）不能早于在册起始日期（2022-01-01）");
    assert_eq!(res.input_value("active_to").as_deref(), Some("2021-06-30"));
    // Without a version: refused.
    let res = sec
        .post(&format!("/roster/{id}/end"), &[("active_to", "2026-11-20")])
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(left_on(&app, id), "");
    // The leaving lands once.
    sec.post(
        &format!("/roster/{id}/end"),
        &[("active_to", "2026-11-20"), ("version", &v)],
    )
    .await
    .assert_redirect(&format!("/roster/{id}"));
    assert_eq!(left_on(&app, id), "2026-11-20");
    let page = sec.get(&format!("/roster/{id}")).await;
    page.assert_contains("已离开</span>");
    page.assert_contains("<td>离开日期</td><td></td><td>2026-11-20</td>");
    page.assert_contains("登记离开");
    page.assert_lacks(&format!("action=\"/roster/{id}/end\""));
    // A second leaving from the old page conflicts, and so does one with the new version.
    let res = sec
        .post(
            &format!("/roster/{id}/end"),
            &[("active_to", "2026-11-01"), ("version", &v)],
        )
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    let newer = ver(&app, id);
    let res = sec
        .post(
            &format!("/roster/{id}/end"),
            &[("active_to", "2026-11-01"), ("version", &newer)],
        )
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("该人员已登记离开（离开日期 2026-11-20）");
    assert_eq!(left_on(&app, id), "2026-11-20");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'roster_person' AND entity_id = {id} AND action = 'end'"
        )),
        1
    );
    // Never deleted: still on the roster, under 已离开 (as of today, 2026-11-24).
    let left = sec.get("/roster?status=left&q=%E7%8E%8B%E8%8A%B3").await;
    left.assert_contains(&format!("/roster/{id}\""));
    left.assert_contains("已离开 <strong>1</strong> 人");
    sec.get("/roster?status=active")
        .await
        .assert_lacks(&format!("/roster/{id}\""));
    // The date can be corrected by editing.
    let u = zb01.to_string();
    let mut f = good(&u, "王芳");
    f.retain(|(k, _)| *k != "active_to");
    f.push(("active_to", "2026-11-30"));
    f.push(("version", &newer));
    sec.post(&format!("/roster/{id}"), &f)
        .await
        .assert_redirect(&format!("/roster/{id}"));
    assert_eq!(left_on(&app, id), "2026-11-30");
    // Leaving in the future: still 在册 today.
    sec.get("/roster?status=active")
        .await
        .assert_contains(&format!("/roster/{id}\""));
}

both!(
    a_secretary_adds_and_edits_with_history_and_audit,
    bad_input_is_named_kept_and_writes_nothing,
    an_edit_conflict_keeps_the_input,
    ending_is_guarded_and_keeps_the_person,
);

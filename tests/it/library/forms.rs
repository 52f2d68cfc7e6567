//! The office's forms: areas (unique names) and templates, bad input kept on the form with
//! nothing written, edits guarded by version (409 with the input kept), stop / restart
//! guarded; every other role refused on every office POST; CSRF on every POST.

use super::*;

fn good_template(area: &str) -> Vec<(&str, &str)> {
    vec![
        ("area_id", area),
        ("title", "党员志愿服务登记表"),
        ("summary", "记录党员参加志愿服务的时间、内容和时长。"),
        ("position", "130"),
    ]
}

/// The office adds an area and a template in it, edits both; names of areas are unique; the
/// history and the audit log keep every change.
async fn the_office_manages_areas_and_templates(app: TestApp) {
    let office = app.signed_in("admin").await;
    assert_eq!(office.get("/templates/areas").await.status, 200);
    assert_eq!(office.get("/templates/areas/new").await.status, 200);
    let res = office
        .post(
            "/templates/areas",
            &[
                ("name", "党建品牌"),
                ("position", "80"),
                ("description", "品牌创建材料"),
            ],
        )
        .await;
    res.assert_redirect("/templates/areas");
    let area = area_id(&app, "党建品牌");
    office
        .get("/templates/areas")
        .await
        .assert_contains("党建品牌");

    // A second area of that name: the form again with the reason, nothing written.
    let before = snapshot(&app);
    let res = office
        .post(
            "/templates/areas",
            &[("name", "组织生活"), ("position", "5")],
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("已有名为「组织生活」的模板分类");
    assert_eq!(snapshot(&app), before);

    // A template in it.
    let a = area.to_string();
    assert_eq!(
        office.get(&format!("/templates/new?area={a}")).await.status,
        200
    );
    let res = office.post("/templates", &good_template(&a)).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let id = id_of(&res);
    let page = office.get(&format!("/templates/{id}")).await;
    page.assert_contains("党员志愿服务登记表");
    page.assert_contains("该模板还没有上传文件");
    let listed = office.get(&format!("/templates?area={a}")).await;
    listed.assert_contains("党员志愿服务登记表");
    listed.assert_contains("暂无文件");

    // Edit: moved to another area and renamed; the history names both.
    let v = app.version("work_templates", id);
    let other = area_id(&app, "党员队伍").to_string();
    let mut f = good_template(&other);
    f[1] = ("title", "党员志愿服务记录表");
    f.push(("version", &v));
    office
        .post(&format!("/templates/{id}"), &f)
        .await
        .assert_redirect(&format!("/templates/{id}"));
    let t = template(&app, id);
    assert_eq!((t.title.as_str(), t.version), ("党员志愿服务记录表", 2));
    let page = office.get(&format!("/templates/{id}")).await;
    page.assert_contains("模板名称");
    page.assert_contains("党员志愿服务登记表");
    page.assert_contains("党员队伍");
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE entity = 'work_template' AND entity_id = {id} AND action IN ('create', 'update')"
        )),
        2
    );

    // Rename the area; renaming to a taken name is refused.
    let av = app.version("template_areas", area);
    office
        .post(
            &format!("/templates/areas/{area}"),
            &[
                ("name", "党建品牌创建"),
                ("position", "80"),
                ("description", "品牌创建材料"),
                ("version", &av),
            ],
        )
        .await
        .assert_redirect("/templates/areas");
    let av = app.version("template_areas", area);
    let res = office
        .post(
            &format!("/templates/areas/{area}"),
            &[("name", "班子建设"), ("position", "80"), ("version", &av)],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("已有名为「班子建设」的模板分类");
    assert_eq!(
        app.count(&format!(
            "field_changes WHERE entity = 'template_area' AND entity_id = {area}"
        )),
        1
    );
}

/// Bad input: the form again with the message under the field and what was typed, nothing
/// written.
async fn bad_input_writes_nothing(app: TestApp) {
    let office = app.signed_in("admin").await;
    let a = area_id(&app, "组织生活").to_string();
    let before = snapshot(&app);
    for (field, value, message) in [
        ("title", " ", "请填写模板名称"),
        ("area_id", "", "请选择模板分类"),
        ("area_id", "999999", "所选分类不存在"),
        ("position", "abc", "排序须为 0 到 9999 之间的整数"),
    ] {
        let mut f = good_template(&a);
        for p in f.iter_mut() {
            if p.0 == field {
                p.1 = value;
            }
        }
        let res = office.post("/templates", &f).await;
        assert_eq!(res.status, 422, "{field}: {}", res.body);
        res.assert_contains(message);
        res.assert_contains("记录党员参加志愿服务的时间、内容和时长。");
    }
    let long = "长".repeat(101);
    let mut f = good_template(&a);
    f[1] = ("title", &long);
    let res = office.post("/templates", &f).await;
    assert_eq!(res.status, 422);
    res.assert_contains("模板名称不能超过 100 个字");
    let res = office
        .post("/templates/areas", &[("name", ""), ("position", "1")])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("请填写分类名称");
    // An edit without its version is a bad request.
    let id = template_id(&app, "党员大会记录");
    let res = office
        .post(&format!("/templates/{id}"), &good_template(&a))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(snapshot(&app), before);
}

/// Two edits from the same page: the second gets 409 with what it typed and the stored
/// version, nothing written; the same for areas and for a stale stop.
async fn stale_edits_get_409(app: TestApp) {
    let office = app.signed_in("admin").await;
    let id = template_id(&app, "党小组会记录");
    let a = area_id(&app, "组织生活").to_string();
    let v = app.version("work_templates", id);
    let mut first = good_template(&a);
    first[1] = ("title", "党小组会议记录");
    first.push(("version", &v));
    office
        .post(&format!("/templates/{id}"), &first)
        .await
        .assert_redirect(&format!("/templates/{id}"));
    let before = snapshot(&app);
    let mut second = good_template(&a);
    second[1] = ("title", "党小组会记录（新）");
    second.push(("version", &v));
    let res = office.post(&format!("/templates/{id}"), &second).await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("保存失败：该记录在您编辑期间已被他人修改");
    assert_eq!(
        res.input_value("title").as_deref(),
        Some("党小组会记录（新）")
    );
    assert_eq!(res.input_value("version").as_deref(), Some("2"));
    assert_eq!(template(&app, id).title, "党小组会议记录");
    // A stop from the old page: 409, still active.
    let res = office
        .post(&format!("/templates/{id}/disable"), &[("version", &v)])
        .await;
    assert_eq!(res.status, 409);
    assert!(template(&app, id).active);
    assert_eq!(snapshot(&app), before);
    // Stopping twice: the second is told it is stopped already.
    let v2 = app.version("work_templates", id);
    office
        .post(&format!("/templates/{id}/disable"), &[("version", &v2)])
        .await
        .assert_redirect(&format!("/templates/{id}"));
    let res = office
        .post(&format!("/templates/{id}/disable"), &[("version", &v2)])
        .await;
    assert_eq!(res.status, 409);

    let area = area_id(&app, "阵地保障");
    let av = app.version("template_areas", area);
    office
        .post(
            &format!("/templates/areas/{area}"),
            &[("name", "阵地建设"), ("position", "60"), ("version", &av)],
        )
        .await
        .assert_redirect("/templates/areas");
    let res = office
        .post(
            &format!("/templates/areas/{area}"),
            &[
                ("name", "阵地保障（新）"),
                ("position", "60"),
                ("version", &av),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
    assert_eq!(res.input_value("name").as_deref(), Some("阵地保障（新）"));
}

/// Every POST path of the area, with what a form would carry.
fn office_posts(app: &TestApp) -> (Vec<String>, i32) {
    let id = template_id(app, "党员大会记录");
    let area = area_id(app, "组织生活");
    (
        vec![
            "/templates".to_string(),
            format!("/templates/{id}"),
            format!("/templates/{id}/disable"),
            format!("/templates/{id}/enable"),
            "/templates/areas".to_string(),
            format!("/templates/areas/{area}"),
        ],
        id,
    )
}

/// Secretary, general-branch reviewer and viewer: every office page and POST refused (403),
/// nothing written; they still read and download.
async fn other_roles_are_refused(app: TestApp) {
    let (paths, id) = office_posts(&app);
    let a = area_id(&app, "组织生活").to_string();
    let v = app.version("work_templates", id);
    let mut fields = good_template(&a);
    fields.extend([("version", v.as_str()), ("name", "新分类")]);
    let before = snapshot(&app);
    for user in ["zhibu01", "zongzhi01", "viewer"] {
        let b = app.signed_in(user).await;
        for p in [
            "/templates/new".to_string(),
            format!("/templates/{id}/edit"),
            "/templates/areas".to_string(),
            "/templates/areas/new".to_string(),
        ] {
            assert_eq!(b.get(&p).await.status, 403, "{user} GET {p}");
        }
        for p in &paths {
            assert_eq!(b.post(p, &fields).await.status, 403, "{user} POST {p}");
        }
        let res = upload(&b, id, "新版.pdf", &pdf("x"), "").await;
        assert_eq!(res.status, 403, "{user} upload");
        let page = b.get(&format!("/templates/{id}")).await;
        assert_eq!(page.status, 200);
        page.assert_lacks("上传新版本");
        page.assert_lacks("/disable");
    }
    assert_eq!(snapshot(&app), before);
}

/// Without the session's token, or with a forged one, every POST is refused (uploads too).
async fn csrf_is_checked_on_every_post(app: TestApp) {
    let (paths, id) = office_posts(&app);
    let office = app.signed_in("admin").await;
    let a = area_id(&app, "组织生活").to_string();
    let v = app.version("work_templates", id);
    let mut fields = good_template(&a);
    fields.extend([("version", v.as_str()), ("name", "新分类")]);
    let before = snapshot(&app);
    for p in &paths {
        assert_eq!(
            office.post_raw(p, &fields).await.status,
            403,
            "{p} without token"
        );
        let mut forged = fields.clone();
        forged.insert(0, ("csrf_token", "forged-token"));
        assert_eq!(office.post_raw(p, &forged).await.status, 403, "{p} forged");
    }
    let data = pdf("csrf");
    for token in ["", "forged-token"] {
        let (ct, body) = multipart(token, &[("note", "x")], Some(("新版.pdf", &data)));
        let res = office
            .post_body(&format!("/templates/{id}/versions"), &ct, body)
            .await;
        assert_eq!(res.status, 403, "upload with token {token:?}");
    }
    assert_eq!(snapshot(&app), before);
}

crate::both!(
    the_office_manages_areas_and_templates,
    bad_input_writes_nothing,
    stale_edits_get_409,
    other_roles_are_refused,
    csrf_is_checked_on_every_post,
);
